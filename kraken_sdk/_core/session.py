"""The blocking session: every attempt's nonce, body and signature, sent through a Transport.

Per attempt: nonce -> encode -> sign -> send -> decode -> raise. A private attempt takes its
nonce in the key's `sequence()` and holds it until the answer arrives, so requests from many
threads (or processes, with FileNonceSource) reach Kraken in nonce order (see nonce.py and
bench/nonce_order.py). Retries follow `_retry`:
tenacity drives the loop, every attempt re-signs, and the transport never resends anything itself
(see transport.py: urllib3 by default, or a requests.Session the caller brings).

Bodies are what Kraken documents: private calls form-encoded (JSON for AddOrderBatch and
CancelOrderBatch), Decimals written positionally (`0.00000001`, never `1E-8`), booleans
`true`/`false`, lists comma-joined in forms, and only the parameters the caller gave.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote_plus, urlsplit

import msgspec

from kraken_sdk._core.auth import Credentials
from kraken_sdk._core.endpoints import DecodedResponse, Endpoint
from kraken_sdk._core.errors import (
    CloudflareError,
    CredentialsError,
    HTTPStatusError,
    InvalidNonceError,
    KrakenError,
    ResponseDecodeError,
    ThrottledError,
    ValidationError,
    error_from_response,
)
from kraken_sdk._core.nonce import NonceGenerator, sequencer
from kraken_sdk._core.ratelimit import RateLimiter
from kraken_sdk._core.retry import RetryPolicy, decide
from kraken_sdk._core.transport import (
    Request,
    RequestsTransport,
    Response,
    TimeoutSpec,
    Transport,
    Urllib3Transport,
    short,
)
from kraken_sdk._version import __version__
from kraken_sdk.models._base import Envelope

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Call",
    "Session",
    "TimeoutSpec",
    "encode_form",
    "encode_json",
    "wire_value",
]

logger = logging.getLogger("kraken_sdk")

USER_AGENT = f"kraken-sdk/{__version__}"
DEFAULT_TIMEOUT = 10.0


# --- encoding -----------------------------------------------------------------------------------


def wire_value(value: Any) -> str:
    """One form/query value as Kraken reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return ",".join(wire_value(item) for item in value)
    return str(value)


def _form_pairs(fields: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, Mapping):
            pairs.extend(_form_pairs(value, name))
        else:
            pairs.append((name, wire_value(value)))
    return pairs


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _quote(text: str) -> str:
    """`quote_plus`, with its answer for the common all-unreserved text found without it."""
    return text if _UNRESERVED(text) else quote_plus(text)


def encode_form(fields: Mapping[str, Any]) -> str:
    """`a=1&b=true&pair=XBTUSD,ETHUSD`: urlencoded, `+` escaped as %2B (relative prices).

    Exactly `urllib.parse.urlencode` of the pairs, at half its cost.
    """
    return "&".join(f"{_quote(key)}={_quote(value)}" for key, value in _form_pairs(fields))


def _json_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def encode_json(fields: Mapping[str, Any]) -> bytes:
    """Compact JSON with Decimals as positional strings (`"0.00000001"`)."""
    return msgspec.json.encode(_json_ready(fields))


# --- what one call needs ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """What the session needs to know about a method (built from an Endpoint, or ad hoc)."""

    name: str
    path: str
    private: bool
    body: Literal["query", "form", "json"]
    idempotent: bool
    decode: Callable[[bytes], DecodedResponse]

    @classmethod
    def from_endpoint(cls, endpoint: Endpoint) -> Call:
        return cls(
            name=endpoint.name,
            path=endpoint.path,
            private=endpoint.private,
            body=endpoint.body,
            idempotent=endpoint.idempotent,
            decode=endpoint.decode_response,
        )


def raw_decoder(name: str) -> Callable[[bytes], DecodedResponse]:
    """Envelope -> plain JSON result (JSON numbers with a fraction as Decimal)."""
    decoder = msgspec.json.Decoder(Envelope[Any], float_hook=Decimal)

    def decode(body: bytes) -> DecodedResponse:
        try:
            envelope = decoder.decode(body)
        except msgspec.MsgspecError:
            raise ResponseDecodeError.from_body(name, body) from None
        failures = [message for message in envelope.error if not message.startswith("W")]
        if failures:
            raise error_from_response(name, failures)
        warnings = tuple(message for message in envelope.error if message.startswith("W"))
        if envelope.result is msgspec.UNSET:
            raise ResponseDecodeError(
                f"{name}: the response has neither a result nor an error", method=name
            )
        return DecodedResponse(envelope.result, warnings)

    return decode


# --- the session --------------------------------------------------------------------------------


class Session:
    """Sends calls to one Kraken base URL; thread-safe; close() when done."""

    def __init__(
        self,
        base_url: str = "https://api.kraken.com",
        *,
        credentials: Credentials | None = None,
        nonce: NonceGenerator | None = None,
        timeout: TimeoutSpec = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        trust_env: bool = True,
        pool_maxsize: int = 16,
        http: requests.Session | None = None,
        user_agent: str = USER_AGENT,
        limiter: RateLimiter | None = None,
        transport: Transport | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(
                f"must be an http(s) URL like https://api.kraken.com, got {base_url!r}",
                field="base_url",
            )
        if http is not None and transport is not None:
            raise ValidationError("give transport or http_session, not both", field="transport")
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = check_timeout(timeout)
        self.retry = retry or RetryPolicy()
        self.limiter = limiter  # private calls wait in it before taking their nonce
        self._sleep = sleep
        if credentials is not None:
            self._sequence = sequencer(nonce, credentials.api_key)
        self._owns_transport = transport is None  # a caller's transport is the caller's to close
        if transport is None:
            transport = (
                RequestsTransport(http)
                if http is not None
                else Urllib3Transport(trust_env=trust_env, pool_maxsize=pool_maxsize)
            )
        self.transport: Transport = transport
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}

    def close(self) -> None:
        """Close pooled connections (only of a transport this session created)."""
        if self._owns_transport:
            self.transport.close()

    def __repr__(self) -> str:
        return f"Session({self.base_url!r}, credentials={self.credentials!r})"

    # -- the retry loop --

    def call(
        self,
        call: Call,
        fields: Mapping[str, Any],
        *,
        timeout: TimeoutSpec | None = None,
        otp: str | None = None,
    ) -> DecodedResponse:
        """Send with retries; the typed (or raw) result and Kraken's warnings."""
        effective = self.timeout if timeout is None else check_timeout(timeout)
        if call.private and self.credentials is None:
            raise CredentialsError(f"{call.name} is private: it needs an API key and secret")
        # The first attempt runs outside the retry loop, which starts only if it fails (from
        # that very failure): most calls never pay for, or even import, tenacity. An ambiguous
        # failure is raised as it is: kraken_sdk.reconcile decides what it means for a write.
        try:
            return self._attempt(call, fields, effective, otp)
        except KrakenError as error:  # nothing else is ever retried
            first = error
        return self._retry(call, fields, effective, otp, first)

    def _retry(
        self,
        call: Call,
        fields: Mapping[str, Any],
        timeout: TimeoutSpec,
        otp: str | None,
        first: KrakenError,
    ) -> DecodedResponse:
        """tenacity's loop, whose attempt 1 is the failure `call` already met."""
        import tenacity

        nonce_failures = 0
        reason = ""
        resynced = False
        failed = [first]

        def attempt() -> DecodedResponse:
            if failed:
                raise failed.pop()
            return self._attempt(call, fields, timeout, otp)

        def should_retry(error: BaseException) -> bool:
            nonlocal nonce_failures, reason, resynced
            resynced = False
            if not isinstance(error, KrakenError):
                return False
            if isinstance(error, InvalidNonceError):
                nonce_failures += 1
            decision = decide(
                error,
                idempotent=call.idempotent,
                nonce_retried=nonce_failures > 1,
                method=call.name,
            )
            reason = decision.reason
            if decision.retry and isinstance(error, ThrottledError):
                return not self.retry.too_long(self.retry.wait(error, 1))
            if decision.retry and call.private and self.limiter is not None:
                resynced = self.limiter.resync(call.name, fields, error)
                if resynced:
                    reason += "; the rate limiter waits for its re-synced counter"
            return decision.retry

        def wait(state: tenacity.RetryCallState) -> float:
            if resynced:  # a rate limit the limiter now models: its acquire() does the waiting
                return 0.0
            error = state.outcome.exception() if state.outcome else None
            return self.retry.wait(error, state.attempt_number)

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            pause = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "%s: attempt %d failed with %s: %s; retrying in %.2f s (%s)",
                call.name,
                state.attempt_number,
                type(error).__name__,
                _short(error),
                pause,
                reason,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.max_retries + 1),
            wait=wait,
            retry=tenacity.retry_if_exception(should_retry),
            before_sleep=log_retry,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(attempt)

    # -- one attempt --

    def _attempt(
        self, call: Call, fields: Mapping[str, Any], timeout: TimeoutSpec, otp: str | None
    ) -> DecodedResponse:
        url = self.base_url + call.path
        if not call.private:
            query = encode_form(fields)
            response = self._send(call, "GET", url, None, {}, timeout, query)
            return self._read(call, response)
        credentials = self.credentials
        assert credentials is not None
        limiter = self.limiter  # waits before the nonce lock, so it never holds up other calls
        ticket = limiter.acquire(call.name, fields) if limiter is not None else None
        with self._sequence() as nonce:  # held until the answer: arrival order == nonce order
            if limiter is not None and ticket is not None:
                limiter.confirm(ticket)  # the send as it happens, in nonce order
            body, content_type = self._body(call, fields, nonce, otp)
            headers = {
                "API-Key": credentials.api_key,
                "API-Sign": credentials.sign(call.path, nonce, body),
                "Content-Type": content_type,
            }
            response = self._send(call, "POST", url, body, headers, timeout)
        decoded = self._read(call, response)
        if self.limiter is not None:  # order ids and ages, for later cancel/amend charges
            self.limiter.settle(call.name, fields, decoded.result)
        return decoded

    @staticmethod
    def _body(
        call: Call, fields: Mapping[str, Any], nonce: int, otp: str | None
    ) -> tuple[bytes, str]:
        extra = {"otp": otp} if otp is not None else {}
        if call.body == "json":
            return encode_json({"nonce": nonce, **fields, **extra}), "application/json"
        form = encode_form({"nonce": nonce, **fields, **extra})
        return form.encode(), "application/x-www-form-urlencoded"

    def _send(
        self,
        call: Call,
        verb: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: TimeoutSpec,
        query: str = "",
    ) -> Response:
        started = time.perf_counter()
        request = Request(
            verb,
            f"{url}?{query}" if query else url,
            {**self._headers, **headers} if headers else self._headers,
            body,
            timeout,
            call.name,
        )
        response = self.transport.send(request)  # raises the SDK's transport errors
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms",
                verb,
                call.path,
                response.status,
                1000 * (time.perf_counter() - started),
            )
        return response

    def _read(self, call: Call, response: Response) -> DecodedResponse:
        status, body = response.status, response.body
        if 200 <= status < 300:
            try:
                return call.decode(body)
            except ResponseDecodeError as error:
                if error.status_code is None:
                    error.status_code = status
                raise
        raise _status_error(call, status, body)


def check_timeout(timeout: Any) -> TimeoutSpec:
    """A timeout always applies: a positive number, or a (connect, read) pair of them."""
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    well_formed = not isinstance(timeout, tuple) or len(timeout) == 2
    positive = all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values)
    if not (well_formed and positive):
        raise ValidationError(
            f"must be seconds > 0 or a (connect, read) pair of them, got {timeout!r}",
            field="timeout",
            rule="positive",
        )
    if isinstance(timeout, tuple):
        return (float(timeout[0]), float(timeout[1]))
    return float(timeout)


def _short(error: BaseException | None) -> str:
    return short(error)


_NOT_FORWARDED = {521, 523, 525, 526}  # Cloudflare never reached Kraken's servers
_TRY_LATER = {408, 425, 429}


def _status_error(call: Call, status: int, body: bytes) -> KrakenError:
    """A non-2xx answer: Kraken's own error if the body has one, else a transport error."""
    try:
        envelope = msgspec.json.decode(body, type=Envelope[Any])
    except msgspec.MsgspecError:
        envelope = None
    if envelope is not None:
        failures = [e for e in envelope.error if not e.startswith("W")]
        if failures:
            return error_from_response(call.name, failures)
    surely = status < 500 or status in _NOT_FORWARDED
    transient = status >= 500 or status in _TRY_LATER
    text = body[:15].decode("utf-8", errors="replace").strip().lower()
    if text.startswith(("<!doctype", "<html")):
        error = ResponseDecodeError.from_body(call.name, body, status)
        assert isinstance(error, CloudflareError)
        error.surely_not_executed, error.transient = surely, transient
        return error
    reason = f": {body[:120].decode('utf-8', errors='replace')!r}" if body.strip() else ""
    return HTTPStatusError(
        f"{call.name}: HTTP {status}{reason}",
        method=call.name,
        status_code=status,
        surely_not_executed=surely,
        transient=transient,
    )
