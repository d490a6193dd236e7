"""Exceptions: one tree, and for each failure whether the call surely did not execute.

    KrakenError                        method, errors, surely_not_executed, transient
     ├── ValidationError            ✓ bad input, caught before any network call (a ValueError)
     │    └── UnknownPairError      ✓ a pair AssetPairs does not list (suggests close matches)
     ├── CredentialsError           ✓ a private method on a client without key and secret
     ├── WithdrawalsDisabledError   ✓ Withdraw/WalletTransfer without allow_withdrawals=True
     ├── OrderOutcomeUnknown           an order or withdrawal may or may not have happened
     ├── TransportError                no usable answer from Kraken (status_code if any)
     │    ├── ConnectError           ✓ refused, DNS, TLS: nothing was sent
     │    ├── Timeout (TimeoutError)
     │    │    ├── ConnectTimeout    ✓ no connection, nothing was sent
     │    │    └── ReadTimeout         sent, no answer in time
     │    ├── ConnectionLost           the connection broke after the request went out
     │    ├── HTTPStatusError          a non-2xx status without a Kraken envelope (5xx, 429)
     │    └── ResponseDecodeError      empty body, not JSON, or not the documented shape
     │         └── CloudflareError     an HTML page from the edge instead of the API
     └── KrakenAPIError                Kraken answered with E... strings
          ├── AuthenticationError    ✓ EAPI:Invalid key/signature, EAuth:...
          │    └── InvalidNonceError ✓ EAPI:Invalid nonce
          ├── PermissionDeniedError  ✓ EGeneral:Permission denied, EAccount:Invalid permissions
          ├── AccountError           ✓ EAuth:Account ..., EBM:...
          ├── LockoutError           ✓ EGeneral:Temporary lockout (never retried)
          ├── RateLimitError         ✓ EAPI/EGeneral/EAuth rate limits
          │    ├── ThrottledError    ✓ EService:Throttled:<ts> (retry_at)
          │    └── OrderRateLimitError ✓ EOrder:(Domain) rate limit exceeded (also an OrderError)
          ├── ServiceUnavailableError ✓ EService:Unavailable, EService:Busy
          ├── MarketModeError        ✓ EService:Market in cancel_only/post_only/limit_only mode
          ├── DeadlineElapsedError     EService:Deadline elapsed (outcome unknown)
          ├── InternalError            EGeneral:Internal error (outcome unknown)
          ├── InvalidArgumentsError  ✓ EGeneral:Invalid arguments..., EAPI:Bad request, ...
          ├── QueryError             ✓ EQuery:Unknown asset pair, EQuery:Unknown asset
          ├── OrderError             ✓ EOrder:...
          │    ├── InsufficientFundsError ✓
          │    ├── OrderRulesError   ✓ order minimum, cost minimum, tick size, invalid price
          │    ├── MarginError       ✓ margin eligibility, allowance, level, position size
          │    ├── OrderLimitError   ✓ open orders, scheduled orders, positions limits
          │    ├── UnknownOrderError ✓ EOrder:Unknown order/Invalid order/Unknown position
          │    └── ReduceOnlyError   ✓ EOrder:Reduce only:... (not "Position is closed")
          ├── FundingError           ✓ EFunding:..., Invalid withdrawal address
          ├── EarnError              ✓ EEarnings:...
          │    └── EarnBusyError     ✓ EEarnings:Busy
          └── SessionTokenError      ✓ EAPI:Invalid token, ESession:Invalid session

✓ = surely did not execute: Kraken refused the request, or it never left this process.

Kraken's strings map to classes first by exact string (`ERRORS`), then by dropping `:detail`
suffixes (`EGeneral:Invalid arguments:volume`), then by category (`EOrder:` -> OrderError).
An unknown string still raises KrakenAPIError. Messages never contain request bodies, headers
or credentials.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ERRORS",
    "AccountError",
    "AuthenticationError",
    "CloudflareError",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionLost",
    "CredentialsError",
    "DeadlineElapsedError",
    "EarnBusyError",
    "EarnError",
    "FundingError",
    "HTTPStatusError",
    "InsufficientFundsError",
    "InternalError",
    "InvalidArgumentsError",
    "InvalidNonceError",
    "KrakenAPIError",
    "KrakenError",
    "LockoutError",
    "MarginError",
    "MarketModeError",
    "OrderError",
    "OrderLimitError",
    "OrderOutcomeUnknown",
    "OrderRateLimitError",
    "OrderRulesError",
    "PermissionDeniedError",
    "QueryError",
    "RateLimitError",
    "ReadTimeout",
    "ReduceOnlyError",
    "ResponseDecodeError",
    "ServiceUnavailableError",
    "SessionTokenError",
    "ThrottledError",
    "Timeout",
    "TransportError",
    "UnknownOrderError",
    "UnknownPairError",
    "ValidationError",
    "WithdrawalsDisabledError",
    "error_from_response",
]


class KrakenError(Exception):
    """Base of every exception this SDK raises.

    `surely_not_executed` is True only when the request certainly had no effect on Kraken, so
    resending it is safe even for an order. `transient` says the same request may succeed
    later. Both are class defaults that a single instance may override.
    """

    surely_not_executed: bool = False
    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        errors: Sequence[str] = (),
        surely_not_executed: bool | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.errors = tuple(errors)
        if surely_not_executed is not None:
            self.surely_not_executed = surely_not_executed
        if transient is not None:
            self.transient = transient


# --- raised before anything is sent ------------------------------------------------------------


class ValidationError(KrakenError, ValueError):
    """Bad input, caught before any network call: names the field and the rule it broke."""

    surely_not_executed = True

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        field: str | None = None,
        rule: str | None = None,
    ) -> None:
        where = f"{method}: " if method else ""
        what = f"{field}: " if field else ""
        super().__init__(f"{where}{what}{message}", method=method)
        self.field = field
        self.rule = rule or message


class UnknownPairError(ValidationError):
    """A pair that Kraken's AssetPairs does not list; `suggestions` holds close matches."""

    def __init__(
        self,
        pair: str,
        suggestions: Sequence[str] = (),
        *,
        method: str | None = None,
        field: str = "pair",
    ) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"unknown pair {pair!r}{hint}", method=method, field=field, rule="known pair"
        )
        self.pair = pair
        self.suggestions = tuple(suggestions)


class CredentialsError(KrakenError):
    """A private method was called on a client that has no API key and secret."""

    surely_not_executed = True


class WithdrawalsDisabledError(KrakenError):
    """Moving funds out needs an explicit opt-in: KrakenClient(..., allow_withdrawals=True)."""

    surely_not_executed = True


class OrderOutcomeUnknown(KrakenError):  # noqa: N818 - a state, not a fault
    """An order or withdrawal was sent, but whether Kraken acted on it is unknown.

    It is never resent blindly. Look the order up by `cl_ord_id` (or `cl_ord_ids` for a batch,
    `userref`, `txid`) in OpenOrders and ClosedOrders before deciding to send it again.
    `request` holds the parameters that were sent (without nonce and otp); `__cause__` the
    failure that made the outcome unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        errors: Sequence[str] = (),
        cl_ord_id: str | None = None,
        cl_ord_ids: Sequence[str] = (),
        userref: int | None = None,
        txid: str | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, method=method, errors=errors)
        self.cl_ord_id = cl_ord_id
        self.cl_ord_ids = tuple(cl_ord_ids)
        self.userref = userref
        self.txid = txid
        self.request = dict(request or {})


# --- no usable answer ---------------------------------------------------------------------------


class TransportError(KrakenError):
    """The request got no usable answer from Kraken; `status_code` is set if HTTP answered."""

    transient = True

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status_code: int | None = None,
        surely_not_executed: bool | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(
            message,
            method=method,
            surely_not_executed=surely_not_executed,
            transient=transient,
        )
        self.status_code = status_code


class ConnectError(TransportError):
    """No connection could be made (refused, DNS, TLS handshake): nothing was sent."""

    surely_not_executed = True


class Timeout(TransportError, builtins.TimeoutError):  # noqa: N818 - httpx/requests naming
    """A connect or read timeout expired."""


class ConnectTimeout(Timeout):
    """The connection was not established in time: nothing was sent."""

    surely_not_executed = True


class ReadTimeout(Timeout):
    """The request was sent but no answer came in time: Kraken may have acted on it."""


class ConnectionLost(TransportError):  # noqa: N818 - pairs with ConnectTimeout
    """The connection broke after the request went out: Kraken may have acted on it."""


class HTTPStatusError(TransportError):
    """A non-2xx status whose body is not a Kraken envelope (5xx from the edge, 429, ...)."""


class ResponseDecodeError(TransportError):
    """The HTTP body was not a Kraken envelope of the documented shape."""

    @classmethod
    def from_body(
        cls, method: str, body: bytes, status_code: int | None = None
    ) -> ResponseDecodeError:
        """Name what came instead of JSON: nothing, an HTML page, or other text."""
        text = body[:200].decode("utf-8", errors="replace").strip()
        shown = f" (HTTP {status_code})" if status_code is not None and status_code != 200 else ""
        if text[:15].lower().startswith(("<!doctype", "<html")):
            title = re.search(r"<title>(.*?)</title>", body[:4000].decode(errors="replace"), re.S)
            page = f": {title.group(1).strip()[:120]!r}" if title else ""
            return CloudflareError(
                f"{method}: Kraken's edge sent an HTML page, not the API's JSON{shown}{page}",
                method=method,
                status_code=status_code,
            )
        kind = "an empty body" if not text else f"a body that is not JSON: {text[:120]!r}"
        return cls(f"{method}: Kraken sent {kind}{shown}", method=method, status_code=status_code)


class CloudflareError(ResponseDecodeError):
    """An HTML page (Cloudflare error, challenge or maintenance page) instead of the API."""


# --- Kraken said no -----------------------------------------------------------------------------


class KrakenAPIError(KrakenError):
    """Kraken rejected the call with one or more `E...` error strings (`errors`, `code`)."""

    hint = ""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        errors: Sequence[str] = (),
        surely_not_executed: bool | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(
            message,
            method=method,
            errors=errors,
            surely_not_executed=surely_not_executed,
            transient=transient,
        )

    @property
    def code(self) -> str:
        """The first error string, the one that chose the class."""
        return self.errors[0] if self.errors else ""


class AuthenticationError(KrakenAPIError):
    """The key, signature or account was refused."""

    surely_not_executed = True


class InvalidNonceError(AuthenticationError):
    """The nonce was not larger than the last one Kraken accepted for this key."""

    transient = True
    hint = (
        "another program (or process) uses this key with larger nonces; give each program its "
        "own key, or share a FileNonceSource between processes"
    )


class PermissionDeniedError(KrakenAPIError):
    """The API key lacks the permission this method needs."""

    surely_not_executed = True
    hint = "enable the permission for this key at kraken.com (Settings > API)"


class AccountError(KrakenAPIError):
    """The account cannot do this (disabled, unconfirmed, regional limits)."""

    surely_not_executed = True


class LockoutError(KrakenAPIError):
    """Too many failed authentications; retrying extends the lockout (about 15 minutes)."""

    surely_not_executed = True
    hint = "stop calling with this key for about 15 minutes; every attempt extends the lockout"


class RateLimitError(KrakenAPIError):
    """A Kraken rate limit refused the call; it may succeed after a pause."""

    surely_not_executed = True
    transient = True


class ThrottledError(RateLimitError):
    """Too many concurrent requests; `retry_at` is the unix time Kraken named, if any."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        errors: Sequence[str] = (),
        surely_not_executed: bool | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(
            message,
            method=method,
            errors=errors,
            surely_not_executed=surely_not_executed,
            transient=transient,
        )
        found = re.search(r"(\d{9,})", errors[0]) if errors else None
        self.retry_at: float | None = float(found.group(1)) if found else None


class ServiceUnavailableError(KrakenAPIError):
    """Kraken's API or matching engine is offline or busy; nothing was done."""

    surely_not_executed = True
    transient = True


class MarketModeError(KrakenAPIError):
    """The market is in cancel_only, post_only or limit_only mode (see SystemStatus)."""

    surely_not_executed = True


class DeadlineElapsedError(KrakenAPIError):
    """The request's deadline passed inside Kraken; it may or may not have executed."""

    transient = True


class InternalError(KrakenAPIError):
    """Kraken failed internally; the request may or may not have executed."""

    transient = True


class InvalidArgumentsError(KrakenAPIError):
    """Kraken found the request malformed (the suffix often names the field)."""

    surely_not_executed = True


class QueryError(KrakenAPIError):
    """Kraken does not know the asset or pair asked for."""

    surely_not_executed = True


class OrderError(KrakenAPIError):
    """Kraken refused an order (or an operation on one)."""

    surely_not_executed = True


class OrderRateLimitError(RateLimitError, OrderError):
    """The per-pair matching-engine counter (or the master+subaccount pool) is exhausted."""


class InsufficientFundsError(OrderError):
    """Not enough balance for the order."""


class OrderRulesError(OrderError):
    """The order broke a pair rule: minimum volume or cost, tick size, or price."""


class MarginError(OrderError):
    """Margin trading refused: eligibility, allowance, margin level or position size."""


class OrderLimitError(OrderError):
    """Too many open orders, scheduled orders or positions."""


class UnknownOrderError(OrderError):
    """No such open order or position (already filled, cancelled, or never existed)."""


class ReduceOnlyError(OrderError):
    """A reduce-only order cannot apply here."""


class FundingError(KrakenAPIError):
    """A deposit, withdrawal or transfer was refused."""

    surely_not_executed = True


class EarnError(KrakenAPIError):
    """An Earn allocation or deallocation was refused."""

    surely_not_executed = True


class EarnBusyError(EarnError):
    """Another (de)allocation for the same strategy is in progress; retry in a few minutes."""

    transient = True


class SessionTokenError(KrakenAPIError):
    """The WebSocket token or session is stale; fetch a new one."""

    surely_not_executed = True


ERRORS: dict[str, type[KrakenAPIError]] = {
    # documented (reference §7.1)
    "EGeneral:Invalid arguments": InvalidArgumentsError,
    "EGeneral:Invalid arguments:Index unavailable": InvalidArgumentsError,
    "EGeneral:Temporary lockout": LockoutError,
    "EGeneral:Permission denied": PermissionDeniedError,
    "EGeneral:Internal error": InternalError,
    "EService:Unavailable": ServiceUnavailableError,
    "EService:Market in cancel_only mode": MarketModeError,
    "EService:Market in post_only mode": MarketModeError,
    "EService:Deadline elapsed": DeadlineElapsedError,
    "EService:Throttled": ThrottledError,
    "EAPI:Invalid key": AuthenticationError,
    "EAPI:Invalid signature": AuthenticationError,
    "EAPI:Invalid nonce": InvalidNonceError,
    "EAPI:Rate limit exceeded": RateLimitError,
    "EAuth:Account temporary disabled": AccountError,
    "EAuth:Account unconfirmed": AccountError,
    "EAuth:Rate limit exceeded": RateLimitError,
    "EAuth:Too many requests": RateLimitError,
    "EOrder:Cannot open opposing position": MarginError,
    "EOrder:Cannot open position": MarginError,
    "EOrder:Margin allowance exceeded": MarginError,
    "EOrder:Margin level too low": MarginError,
    "EOrder:Margin position size exceeded": MarginError,
    "EOrder:Insufficient margin": MarginError,
    "EOrder:Insufficient funds": InsufficientFundsError,
    "EOrder:Order minimum not met": OrderRulesError,
    "EOrder:Cost minimum not met": OrderRulesError,
    "EOrder:Tick size check failed": OrderRulesError,
    "EOrder:Invalid price": OrderRulesError,
    "EOrder:Orders limit exceeded": OrderLimitError,
    "EOrder:Rate limit exceeded": OrderRateLimitError,
    "EOrder:Domain rate limit exceeded": OrderRateLimitError,
    "EOrder:Scheduled orders limit exceeded": OrderLimitError,
    "EOrder:Positions limit exceeded": OrderLimitError,
    "EOrder:Reduce only:Non-PC": ReduceOnlyError,
    "EOrder:Reduce only:No position exists": ReduceOnlyError,
    "EOrder:Reduce only:Position is closed": ReduceOnlyError,
    "EOrder:Unknown position": UnknownOrderError,
    "ETrade:Invalid request": InvalidArgumentsError,
    "EAccount:Invalid permissions": PermissionDeniedError,
    "EFunding:Max fee exceeded": FundingError,
    "EBM:limit exceeded:CAL": AccountError,
    "EQuery:Unknown asset pair": QueryError,
    # also seen (reference §7.2)
    "EGeneral:Unknown method": InvalidArgumentsError,
    "EGeneral:Too many requests": RateLimitError,
    "EAPI:Bad request": InvalidArgumentsError,
    "EAPI:Invalid token": SessionTokenError,
    "ESession:Invalid session": SessionTokenError,
    "EQuery:Unknown asset": QueryError,
    "EOrder:Invalid order": UnknownOrderError,
    "EOrder:Unknown order": UnknownOrderError,
    "EService:Busy": ServiceUnavailableError,
    "EService:Market in limit_only mode": MarketModeError,
    "EFunding:Invalid reference id": FundingError,
    "EFunding:Unknown reference id": FundingError,
    "EFunding:Unknown withdraw key": FundingError,
    "EFunding:Invalid amount": FundingError,
    "EFunding:Invalid staking method": FundingError,
    "EFunding:Too many addresses": FundingError,
    "EFunding:Unknown asset": FundingError,
    "EFunding:No funding method": FundingError,
    "Invalid withdrawal address": FundingError,
    "EEarnings:Busy": EarnBusyError,
}
"""Kraken's error strings (without any `:detail` suffix) and the class each one raises."""

CATEGORIES: dict[str, type[KrakenAPIError]] = {
    "EGeneral": KrakenAPIError,
    "EAPI": AuthenticationError,
    "EAuth": AuthenticationError,
    "EQuery": QueryError,
    "EOrder": OrderError,
    "ETrade": OrderError,
    "EFunding": FundingError,
    "EEarnings": EarnError,
    "EService": ServiceUnavailableError,
    "ESession": SessionTokenError,
    "EAccount": AccountError,
    "EBM": AccountError,
}
"""The class for a string that no exact entry matches, by its category prefix."""

# Outcome of an unrecognised string in these categories is unknown, so they keep the base
# class defaults (not surely rejected); the others are rejections by construction.
_UNSURE_CATEGORIES = {"EGeneral", "EService"}

_SPACES = re.compile(r"\s*:\s*")
_EXACT_OUTCOMES: dict[str, bool] = {"EOrder:Reduce only:Position is closed": False}


def _lookup(error: str) -> tuple[type[KrakenAPIError], bool]:
    """(class, whether ERRORS knew the string or one of its prefixes)."""
    normalized = _SPACES.sub(":", error.strip())
    parts = normalized.split(":")
    for end in range(len(parts), 0, -1):
        found = ERRORS.get(":".join(parts[:end]))
        if found is not None:
            return found, True
    return CATEGORIES.get(parts[0], KrakenAPIError), False


def classify(error: str) -> type[KrakenAPIError]:
    """The class for one Kraken error string: exact, then shorter prefixes, then category."""
    return _lookup(error)[0]


def error_from_response(method: str, errors: Sequence[str]) -> KrakenAPIError:
    """The exception for Kraken's error strings (the first one decides the class)."""
    first = errors[0] if errors else ""
    cls, known = _lookup(first)
    normalized = _SPACES.sub(":", first.strip())
    category = normalized.split(":", 1)[0]
    surely: bool | None = _EXACT_OUTCOMES.get(normalized)
    if surely is None and not known and category in _UNSURE_CATEGORIES:
        surely = False  # an unknown EGeneral/EService string: do not assume it was refused
    message = f"{method}: {', '.join(errors)}"
    if cls.hint:
        message += f" ({cls.hint})"
    return cls(message, method=method, errors=errors, surely_not_executed=surely)
