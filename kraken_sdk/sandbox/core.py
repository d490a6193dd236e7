"""Kraken's request protocol, independent of HTTP plumbing.

`SandboxCore.handle` takes what arrived (method, path, query, headers, body) and decides the
answer exactly as Kraken would: route by ENDPOINTS, parse query, form or JSON parameters,
check API-Key, API-Sign and the nonce, the key's permissions and the REST counter, run the
handler under the exchange lock, and wrap the result in `{"error": [...], "result": ...}`.
Injected faults are decided here too; the HTTP layer only carries them out.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from kraken_sdk._core.auth import sign
from kraken_sdk._core.endpoints import ENDPOINTS, Endpoint
from kraken_sdk.sandbox.clock import Clock
from kraken_sdk.sandbox.faults import CLOUDFLARE_520, Fault, FaultInjector, FaultRule
from kraken_sdk.sandbox.handlers import HANDLERS, PERMISSIONS, Binary, Call, State
from kraken_sdk.sandbox.keys import KeyRecord
from kraken_sdk.sandbox.limits import RestLimiter
from kraken_sdk.sandbox.params import Params, nest_form
from kraken_sdk.sandbox.rejects import RejectError

__all__ = ["Reply", "RequestRecord", "SandboxCore"]

logger = logging.getLogger("kraken_sdk.sandbox")
_JSON = "application/json; charset=utf-8"
_HTML = "text/html; charset=UTF-8"
_ROUTES: dict[str, Endpoint] = {endpoint.path: endpoint for endpoint in ENDPOINTS.values()}


@dataclass(slots=True)
class Reply:
    """What the HTTP layer must do: answer (after `delay`), or drop the connection."""

    status: int = 200
    body: bytes = b""
    content_type: str = _JSON
    drop: bool = False
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the sandbox saw it, for tests to inspect."""

    time: float
    http_method: str
    path: str
    method: str | None
    params: dict[str, Any]
    api_key: str | None
    errors: tuple[str, ...]
    status: int
    fault: str | None
    committed: bool


def _envelope(result: Any = None, errors: list[str] | None = None) -> bytes:
    body: dict[str, Any] = {"error": errors or []}
    if not errors:
        body["result"] = result
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass(slots=True)
class _Outcome:
    reply: Reply
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    api_key: str | None = None
    errors: tuple[str, ...] = ()
    committed: bool = False
    fault: str | None = None


class SandboxCore:
    """The protocol engine shared by every HTTP worker thread."""

    def __init__(self, state: State, clock: Clock, faults: FaultInjector) -> None:
        self.state = state
        self.clock = clock
        self.faults = faults
        self.lock = threading.RLock()
        self.rest = RestLimiter(state.limits)
        self.log: list[RequestRecord] = []

    def handle(self, http_method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        path, _sep, query = target.partition("?")
        outcome = self._handle(http_method, path, query, headers, body)
        record = RequestRecord(
            time=self.clock.now(),
            http_method=http_method,
            path=path,
            method=outcome.method,
            params=outcome.params,
            api_key=outcome.api_key,
            errors=outcome.errors,
            status=outcome.reply.status,
            fault=outcome.fault,
            committed=outcome.committed,
        )
        with self.lock:
            self.log.append(record)
        return outcome.reply

    def _handle(
        self, http_method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> _Outcome:
        endpoint = _ROUTES.get(path)
        if endpoint is None or endpoint.name not in HANDLERS:
            return self._error(["EGeneral:Unknown method"], None)
        rule = self.faults.draw(endpoint.name)
        fault = rule.kind.value if rule is not None else None
        if rule is not None and not rule.kind.after_commit:
            return _Outcome(self._before_commit(rule), endpoint.name, fault=fault)
        try:
            values = self._parameters(http_method, query, headers, body)
        except RejectError as refused:
            return self._error([refused.error], endpoint.name)
        outcome = self._dispatch(endpoint, http_method, values, headers, body)
        if rule is not None:
            outcome.reply = self._after_commit(rule, outcome.reply)
            outcome.fault = fault
        return outcome

    @staticmethod
    def _error(errors: list[str], method: str | None) -> _Outcome:
        return _Outcome(Reply(body=_envelope(errors=errors)), method, errors=tuple(errors))

    # ---- faults -------------------------------------------------------------------------
    @staticmethod
    def _before_commit(rule: FaultRule) -> Reply:
        kind = rule.kind
        if kind is Fault.DROP:
            return Reply(drop=True)
        if kind is Fault.HTTP_500:
            page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
            return Reply(500, page, _HTML)
        if kind is Fault.HTTP_502:
            return Reply(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", _HTML)
        if kind is Fault.HTML_520:
            return Reply(520, CLOUDFLARE_520.encode(), _HTML)
        if kind is Fault.SERVICE_BUSY:
            return Reply(body=_envelope(errors=["EService:Busy"]))
        return Reply(body=_envelope(errors=["EService:Unavailable"]))

    @staticmethod
    def _after_commit(rule: FaultRule, reply: Reply) -> Reply:
        if rule.kind is Fault.DROP_AFTER_COMMIT:
            return Reply(drop=True)
        if rule.kind is Fault.ERROR_AFTER_COMMIT:
            return Reply(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", _HTML)
        reply.delay = rule.delay
        return reply

    # ---- parameters ---------------------------------------------------------------------
    @staticmethod
    def _parameters(
        http_method: str, query: str, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        """Query string plus body, form-encoded (brackets nest) or JSON."""
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        values: dict[str, Any] = nest_form(pairs)
        if http_method != "POST" or not body.strip():
            return values
        content_type = headers.get("content-type", "").lower()
        if "json" in content_type or body.lstrip()[:1] in (b"{", b"["):
            try:
                decoded = json.loads(body)
            except ValueError:
                raise RejectError("EGeneral:Invalid arguments") from None
            if not isinstance(decoded, dict):
                raise RejectError("EGeneral:Invalid arguments")
            values.update(decoded)
            return values
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise RejectError("EGeneral:Invalid arguments") from None
        values.update(nest_form(urllib.parse.parse_qsl(text, keep_blank_values=True)))
        return values

    # ---- authentication -----------------------------------------------------------------
    def _authenticate(
        self, endpoint: Endpoint, values: dict[str, Any], headers: dict[str, str], body: bytes
    ) -> KeyRecord:
        key = self.state.keys.get(headers.get("api-key", "").strip())
        if key is None:
            raise RejectError("EAPI:Invalid key")
        raw_nonce = values.get("nonce")
        if isinstance(raw_nonce, bool) or not isinstance(raw_nonce, int | str):
            raise RejectError("EAPI:Invalid nonce")
        nonce_text = str(raw_nonce).strip()
        if not nonce_text.isdigit() or int(nonce_text) >= 2**64:
            raise RejectError("EAPI:Invalid nonce")
        given = headers.get("api-sign", "").strip()
        try:
            base64.b64decode(given, validate=True)
        except (binascii.Error, ValueError):
            raise RejectError("EAPI:Invalid signature") from None
        expected = sign(key.secret, endpoint.path, nonce_text, body)
        if not hmac.compare_digest(expected, given):
            raise RejectError("EAPI:Invalid signature")
        with self.lock:
            if int(nonce_text) <= key.nonce:
                raise RejectError("EAPI:Invalid nonce")
            key.nonce = int(nonce_text)
        return key

    @staticmethod
    def _permitted(method: str, key: KeyRecord) -> bool:
        needs = PERMISSIONS.get(method)
        return needs is None or any(need <= key.permissions for need in needs)

    # ---- dispatch -----------------------------------------------------------------------
    def _dispatch(
        self,
        endpoint: Endpoint,
        http_method: str,
        values: dict[str, Any],
        headers: dict[str, str],
        body: bytes,
    ) -> _Outcome:
        name = endpoint.name
        shown = {k: v for k, v in values.items() if k not in ("nonce", "otp")}
        outcome = _Outcome(Reply(), name, shown)
        key: KeyRecord | None = None
        try:
            if endpoint.private:
                if http_method != "POST":
                    raise RejectError("EGeneral:Invalid arguments")
                key = self._authenticate(endpoint, values, headers, body)
                outcome.api_key = key.api_key
                if not self._permitted(name, key):
                    raise RejectError("EGeneral:Permission denied")
            with self.lock:
                now = self.clock.now()
                if key is not None:
                    key.last_used = now
                    if not self.rest.charge(key.api_key, endpoint.rest_cost, now):
                        raise RejectError("EAPI:Rate limit exceeded")
                self.state.exchange.sync(now)
                result = HANDLERS[name](self.state, Call(name, Params(shown), now, key))
        except RejectError as refused:
            outcome.reply = Reply(body=_envelope(errors=[refused.error]))
            outcome.errors = (refused.error,)
            return outcome
        except Exception:  # a sandbox bug: answer as Kraken does, keep serving
            logger.exception("sandbox: %s failed", name)
            outcome.reply = Reply(body=_envelope(errors=["EGeneral:Internal error"]))
            outcome.errors = ("EGeneral:Internal error",)
            return outcome
        outcome.committed = True
        if isinstance(result, Binary):
            outcome.reply = Reply(body=result.data, content_type=result.content_type)
        else:
            outcome.reply = Reply(body=_envelope(result))
        return outcome
