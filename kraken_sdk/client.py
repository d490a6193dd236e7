"""KrakenClient: typed groups over one session, and everything a call goes through before it.

    k = KrakenClient.from_env()
    k.market.ticker(pair="BTC/USD")
    k.trading.add_order(pair="BTC/USD", type="buy", ordertype="limit", volume="0.01", price=30000)

A call passes, in order: the credentials and withdrawal guards; `validation.normalize` and the
strict params model; pair names through `symbols` (AssetPairs, fetched once); the pair's order
rules; a cl_ord_id for every new order; then the session's retry loop. Nothing reaches the
network until all of that passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypedDict, Unpack

import msgspec

from kraken_sdk._core.auth import ENV_URL, KEYRING_SERVICE, Credentials, read_settings
from kraken_sdk._core.calls import NOT_GIVEN, CallOptions
from kraken_sdk._core.endpoints import ENDPOINTS, Endpoint, PreCheck
from kraken_sdk._core.errors import (
    CredentialsError,
    UnknownPairError,
    ValidationError,
    WithdrawalsDisabledError,
)
from kraken_sdk._core.nonce import NonceGenerator
from kraken_sdk._core.ratelimit import RateLimiter, RateLimits, TierName
from kraken_sdk._core.retry import RetryPolicy
from kraken_sdk._core.session import (
    DEFAULT_TIMEOUT,
    Call,
    Session,
    TimeoutSpec,
    raw_decoder,
)
from kraken_sdk._core.transport import Transport
from kraken_sdk.deadman import DeadMansSwitch
from kraken_sdk.reconcile import DEFAULT_POLICY, ReconcilePolicy, Reconciler, caller_ids
from kraken_sdk.resources import (
    AccountGroup,
    EarnGroup,
    FundingGroup,
    MarketGroup,
    SubaccountsGroup,
    TradingGroup,
)
from kraken_sdk.symbols import PairInfo, Symbols
from kraken_sdk.validation import (
    check_amend,
    check_edit,
    check_numbers,
    check_order,
    check_rules,
    convert,
    ensure_client_order_ids,
    normalize,
    to_decimal,
)

if TYPE_CHECKING:
    import requests

__all__ = ["DEFAULT_BASE_URL", "ClientOptions", "KrakenClient", "PreparedCall"]

DEFAULT_BASE_URL = "https://api.kraken.com"

_PAIR_FIELDS = ("pair", "symbol")


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A typed call checked and turned into wire fields, before anything is sent.

    `fields` are what goes to Kraken (its names, pair names resolved, a cl_ord_id on every new
    order); `pair` is the PairInfo of a single-pair call; `given` the cl_ord_ids the caller
    chose (the rest the SDK generated).
    """

    endpoint: Endpoint
    fields: dict[str, Any]
    pair: PairInfo | None
    given: frozenset[str] = frozenset()

    @property
    def method(self) -> str:
        return self.endpoint.name


class ClientOptions(TypedDict, total=False):
    """Keyword arguments of KrakenClient besides the credentials (for from_env/from_keyring)."""

    base_url: str
    tier: TierName | RateLimits
    timeout: TimeoutSpec
    max_retries: int
    retry: RetryPolicy
    allow_withdrawals: bool
    check_orders: bool
    nonce: NonceGenerator
    trust_env: bool
    pool_maxsize: int
    http_session: requests.Session
    transport: Transport
    sleep: Callable[[float], None]
    symbols_ttl: float
    rate_limiter: RateLimiter
    reconcile: ReconcilePolicy | None


class KrakenClient:
    """The blocking Kraken Spot REST client: thread-safe, one per API key is plenty.

    Args:
        api_key, api_secret: the key pair; leave both out for public data only.
        credentials: a `Credentials` instead of the two strings.
        base_url: Kraken, or a sandbox such as `Sandbox().url`.
        tier: your verification tier (starter, intermediate, pro), "unlimited", or a
            RateLimits: private calls wait for Kraken's counters instead of being refused.
        timeout: seconds, or a (connect, read) pair; always applied, overridable per call
            with `request_timeout=`.
        max_retries: resends of a failed call that is safe to resend (0 disables).
        retry: full control over waits (RetryPolicy); max_retries then comes from it.
        allow_withdrawals: Withdraw and WalletTransfer refuse to run without it.
        check_orders: check orders against AssetPairs' rules before sending (default on).
        nonce: a nonce source, e.g. FileNonceSource for several processes on one key.
        trust_env: use HTTPS_PROXY/NO_PROXY and REQUESTS_CA_BUNDLE from the environment,
            read once at construction.
        pool_maxsize: pooled keep-alive connections to Kraken.
        http_session: bring your own requests.Session (not closed by close()).
        transport: how requests travel (kraken_sdk.transport: Urllib3Transport by default,
            RequestsTransport, or kraken_sdk.testing.MockTransport); not closed by close().
        sleep: how retries and the rate limiter wait; tests pass a fake.
        symbols_ttl: seconds the AssetPairs/Assets cache lives.
        rate_limiter: a RateLimiter to share with other clients on the same key, or a
            FileRateLimiter shared with other processes (its limits replace `tier`).
        reconcile: how orders with an ambiguous failure are looked up before any resend
            (see kraken_sdk.reconcile); None raises OrderOutcomeUnknown at once instead.
    """

    market: MarketGroup
    account: AccountGroup
    trading: TradingGroup
    funding: FundingGroup
    earn: EarnGroup
    subaccounts: SubaccountsGroup

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        credentials: Credentials | None = None,
        base_url: str = DEFAULT_BASE_URL,
        tier: TierName | RateLimits = "starter",
        timeout: TimeoutSpec = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        allow_withdrawals: bool = False,
        check_orders: bool = True,
        nonce: NonceGenerator | None = None,
        trust_env: bool = True,
        pool_maxsize: int = 16,
        http_session: requests.Session | None = None,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        symbols_ttl: float = 3600.0,
        rate_limiter: RateLimiter | None = None,
        reconcile: ReconcilePolicy | None = DEFAULT_POLICY,
    ) -> None:
        if credentials is not None and (api_key is not None or api_secret is not None):
            raise ValidationError(
                "give credentials or api_key/api_secret, not both", field="credentials"
            )
        if credentials is None and (api_key is not None or api_secret is not None):
            if api_key is None or api_secret is None:
                missing = "api_secret" if api_secret is None else "api_key"
                raise ValidationError(
                    "is missing; a key needs its secret and vice versa", field=missing
                )
            credentials = Credentials(api_key, api_secret)
        if retry is None:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int):
                raise ValidationError("must be an int >= 0", field="max_retries")
            if max_retries < 0:
                raise ValidationError("must be >= 0", field="max_retries")
            retry = RetryPolicy(max_retries=max_retries)
        self.credentials = credentials
        if rate_limiter is None:
            rate_limiter = RateLimiter(tier, sleep=sleep)
        self.rate_limiter = rate_limiter
        self.rate_limits = rate_limiter.limits
        self.allow_withdrawals = allow_withdrawals
        self.check_orders = check_orders
        self.pool_maxsize = pool_maxsize  # AsyncKrakenClient sizes its worker threads to it
        self._session = Session(
            base_url,
            credentials=credentials,
            nonce=nonce,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            trust_env=trust_env,
            pool_maxsize=pool_maxsize,
            http=http_session,
            limiter=rate_limiter,
            transport=transport,
        )
        self.transport = self._session.transport
        self.symbols = Symbols(self.request, ttl=symbols_ttl)
        self.reconciler = Reconciler(self._session, reconcile, sleep=sleep)
        self._calls: dict[str, Call] = {}
        self._raw_calls: dict[str, Call] = {}
        self.market = MarketGroup(self)
        self.account = AccountGroup(self)
        self.trading = TradingGroup(self)
        self.funding = FundingGroup(self)
        self.earn = EarnGroup(self)
        self.subaccounts = SubaccountsGroup(self)

    # -- construction from the environment --

    @classmethod
    def from_env(
        cls,
        *,
        dotenv: str | bool = True,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> KrakenClient:
        """Credentials from KRAKEN_API_KEY / KRAKEN_API_SECRET (or a .env file), and
        KRAKEN_API_URL as base_url unless given. Without a key: a public-only client."""
        settings = read_settings(environ, dotenv=dotenv)
        if "base_url" not in options and ENV_URL in settings:
            options["base_url"] = settings[ENV_URL]
        credentials = Credentials.from_env(environ, dotenv=dotenv)
        return cls(credentials=credentials, **options)

    @classmethod
    def from_keyring(
        cls, username: str, service: str = KEYRING_SERVICE, **options: Unpack[ClientOptions]
    ) -> KrakenClient:
        """Credentials stored with keyring (pip install kraken-sdk[keyring])."""
        return cls(credentials=Credentials.from_keyring(username, service), **options)

    # -- lifecycle --

    @property
    def base_url(self) -> str:
        return self._session.base_url

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        who = repr(self.credentials) if self.credentials else "public only"
        return f"KrakenClient({self.base_url!r}, {who})"

    def dead_mans_switch(
        self, timeout: int = 60, refresh_every: float | None = None
    ) -> DeadMansSwitch:
        """`with client.dead_mans_switch(60, 20): ...`: Kraken cancels every order if this
        process stops refreshing CancelAllOrdersAfter; disarmed when the block ends."""
        return DeadMansSwitch(self, timeout, refresh_every)

    # -- calls --

    def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        private: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Any Kraken method with raw parameters; returns the plain JSON result.

        The escape hatch for parameters or methods newer than this SDK: parameters go out as
        given (floats and Decimals written positionally, booleans true/false, lists
        comma-joined), with no model check and no pair translation. The safety rules still
        apply: credentials, the withdrawal opt-in, cl_ord_id on new orders, and the retry
        policy. `private` is needed only for a method ENDPOINTS does not know.
        """
        endpoint = ENDPOINTS.get(method)
        if endpoint is None and private is None:
            raise ValidationError(
                f"{method!r} is not in ENDPOINTS; pass private=True or private=False",
                field="method",
            )
        is_private = endpoint.private if endpoint is not None else bool(private)
        self._guard(method, endpoint, is_private)
        fields = {
            key: to_decimal(value, key, method) if isinstance(value, float) else value
            for key, value in (params or {}).items()
            if value is not NOT_GIVEN
        }
        fields = ensure_client_order_ids(method, fields)
        decoded = self.reconciler.send(
            self._raw_call(method, endpoint, is_private),
            fields,
            given=caller_ids(method, params or {}),
            timeout=_timeout(options),
            otp=options.get("otp"),
        )
        return decoded.result

    def prepare(self, method: str, /, **params: Any) -> PreparedCall:
        """Everything a typed call goes through before the network, and nothing sent.

        The credentials and withdrawal guards, `normalize` and the strict params model, pair
        names resolved through `symbols`, the pair's order rules (unless check_orders=False)
        and a cl_ord_id for every new order: what comes back is exactly what would be sent.
        """
        endpoint = ENDPOINTS.get(method)
        if endpoint is None:
            raise ValidationError(f"{method!r} is not in ENDPOINTS", field="method")
        return self._prepared(endpoint, params)

    def _prepared(self, endpoint: Endpoint, params: Mapping[str, Any]) -> PreparedCall:
        self._guard(endpoint.name, endpoint, endpoint.private)
        name = endpoint.name
        values = normalize(name, params, endpoint.params_type)
        values = ensure_client_order_ids(name, values)
        struct = convert(name, values, endpoint.params_type)
        fields: dict[str, Any] = msgspec.to_builtins(struct, builtin_types=(Decimal,))
        check_numbers(name, fields)
        check_rules(name, fields)
        pair = self._resolve_pairs(endpoint, fields)
        if self.check_orders:
            _pre_check(endpoint, fields, pair)
        return PreparedCall(endpoint, fields, pair, caller_ids(name, params))

    def _call(self, endpoint: Endpoint, params: dict[str, Any], options: CallOptions) -> Any:
        """What every typed group method calls: prepare, then send and decode."""
        prepared = self._prepared(endpoint, params)
        call = self._calls.get(endpoint.name)
        if call is None:
            call = self._calls[endpoint.name] = Call.from_endpoint(endpoint)
        decoded = self.reconciler.send(
            call,
            prepared.fields,
            given=prepared.given,
            timeout=_timeout(options),
            otp=options.get("otp"),
        )
        return decoded.result

    def _guard(self, method: str, endpoint: Endpoint | None, private: bool) -> None:
        if private and self.credentials is None:
            raise CredentialsError(
                f"{method} is a private method and this client has no API key: pass "
                "api_key= and api_secret=, or use KrakenClient.from_env() with "
                "KRAKEN_API_KEY and KRAKEN_API_SECRET set",
                method=method,
            )
        funds_out = endpoint is not None and endpoint.kind == "funds_out"
        if funds_out and not self.allow_withdrawals:
            raise WithdrawalsDisabledError(
                f"{method} moves funds out of the account; build the client with "
                "allow_withdrawals=True to allow it",
                method=method,
            )

    def _resolve_pairs(self, endpoint: Endpoint, fields: dict[str, Any]) -> PairInfo | None:
        """Pair arguments -> the name Kraken expects; the PairInfo of a single pair."""
        method = endpoint.name
        style = endpoint.pair_style
        if style == "as_given" or style == "none":  # the symbol table's own sources; no pair
            return None
        for key in _PAIR_FIELDS:
            value = fields.get(key)
            if isinstance(value, str) and "," not in value:
                info = self._pair(method, key, value)
                fields[key] = getattr(info, style)
                return info
            if isinstance(value, str | list):
                names = value.split(",") if isinstance(value, str) else value
                infos = [self._pair(method, key, str(n)) for n in names]
                fields[key] = [getattr(info, style) for info in infos]
        return None

    def _pair(self, method: str, key: str, name: str) -> PairInfo:
        try:
            return self.symbols.pair(name)
        except UnknownPairError as error:
            raise UnknownPairError(
                error.pair, error.suggestions, method=method, field=key
            ) from None

    def _raw_call(self, method: str, endpoint: Endpoint | None, private: bool) -> Call:
        call = self._raw_calls.get(method)
        if call is None:
            if endpoint is not None:
                decode = endpoint.decode_response if endpoint.binary else raw_decoder(method)
                call = Call(
                    name=method,
                    path=endpoint.path,
                    private=endpoint.private,
                    body=endpoint.body,
                    idempotent=endpoint.idempotent,
                    decode=decode,
                )
            else:
                call = Call(
                    name=method,
                    path=f"/0/{'private' if private else 'public'}/{method}",
                    private=private,
                    body="form" if private else "query",
                    idempotent=not private,
                    decode=raw_decoder(method),
                )
            self._raw_calls[method] = call
        return call


def _timeout(options: CallOptions) -> TimeoutSpec | None:
    unknown = set(options) - set(CallOptions.__annotations__)
    if unknown:
        raise ValidationError(
            f"unknown call options {sorted(unknown)}; known: request_timeout, otp",
            field=sorted(unknown)[0],
            rule="unknown option",
        )
    return options.get("request_timeout")


def _check_batch(method: str, fields: Mapping[str, Any], pair: PairInfo) -> None:
    ids: set[str] = set()
    for index, order in enumerate(fields.get("orders", [])):
        check_order(method, order, pair, prefix=f"orders[{index}].")
        cl_ord_id = order.get("cl_ord_id")
        if cl_ord_id in ids:
            raise ValidationError(
                f"cl_ord_id {cl_ord_id!r} appears twice in the batch",
                method=method,
                field=f"orders[{index}].cl_ord_id",
                rule="unique",
            )
        if cl_ord_id is not None:
            ids.add(cl_ord_id)


_PRE_CHECKS: dict[PreCheck, Callable[[str, Mapping[str, Any], PairInfo], None]] = {
    "order": check_order,
    "order_batch": _check_batch,
    "edit": check_edit,
}
"""An endpoint's `pre_check` -> the pair rules its fields must meet (amend: see _pre_check)."""


def _pre_check(endpoint: Endpoint, fields: Mapping[str, Any], pair: PairInfo | None) -> None:
    """The order rules `endpoint.pre_check` names; AmendOrder needs no pair (it names an order)."""
    kind = endpoint.pre_check
    if kind == "amend":
        check_amend(endpoint.name, fields, pair)
    elif kind is not None and pair is not None:
        _PRE_CHECKS[kind](endpoint.name, fields, pair)
