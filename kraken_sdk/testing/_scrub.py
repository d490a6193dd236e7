"""What is taken out of a Kraken interaction before a cassette is written.

Requests: the API-Key and API-Sign headers become REDACTED, Cookie and Authorization headers
are dropped, and the body's `nonce` becomes 0 and `otp` REDACTED, in form and JSON bodies
alike (AddOrderBatch and CancelOrderBatch send JSON). Responses: Set-Cookie is dropped and
the string values of SENSITIVE_RESPONSE_FIELDS become REDACTED, with Content-Length kept
right so the scrubbed body still replays.

Both functions take vcrpy's objects (a Request, a response dict), change them in place and
return them, which is the shape vcrpy's before_record_request/response hooks expect. vcrpy
hands them copies, so the live request and response are never touched.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = [
    "DROPPED_REQUEST_HEADERS",
    "DROPPED_RESPONSE_HEADERS",
    "REDACTED",
    "SCRUBBED_HEADERS",
    "SENSITIVE_RESPONSE_FIELDS",
    "VOLATILE_BODY_FIELDS",
    "is_json",
    "scrub_body",
    "scrub_request",
    "scrub_response",
]

REDACTED = "REDACTED"
"""What a scrubbed header or field holds instead of its value."""

SCRUBBED_HEADERS = ("API-Key", "API-Sign")
"""Request headers whose value becomes REDACTED (kept, so a cassette shows the call was signed)."""

DROPPED_REQUEST_HEADERS = ("Authorization", "Cookie")
DROPPED_RESPONSE_HEADERS = ("Set-Cookie",)

VOLATILE_BODY_FIELDS = ("nonce", "otp")
"""Body fields that change on every call: scrubbed on record, ignored when matching."""

SENSITIVE_RESPONSE_FIELDS = frozenset(
    {
        "token",  # GetWebSocketsToken: a live WebSocket credential
        "api_key",  # GetApiKeyInfo: the public half of the key
        "iban",  # GetApiKeyInfo: the account's IIBAN
        "address",  # DepositAddresses, WithdrawAddresses
        "tag",  # destination tags and memos belong to the address
        "memo",
        "info",  # DepositStatus, WithdrawStatus: the address the funds went to or came from
    }
)
"""Response fields whose string values become REDACTED wherever they appear in the JSON."""

_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
_SENSITIVE_JSON = re.compile(
    r'"(' + "|".join(sorted(SENSITIVE_RESPONSE_FIELDS)) + r')"(\s*:\s*)' + _JSON_STRING
)
_NONCE_JSON = re.compile(r'"nonce"(\s*:\s*)(?:(-?\d+)|' + _JSON_STRING + ")")
_OTP_JSON = re.compile(r'"otp"(\s*:\s*)(?:-?\d+|' + _JSON_STRING + ")")


def is_json(text: str, content_type: str) -> bool:
    """A JSON body by its Content-Type, or by its first character when there is none."""
    if content_type:
        return "json" in content_type.lower()
    return text.lstrip().startswith(("{", "["))


def scrub_body(body: bytes | str, content_type: str = "") -> bytes:
    """A request body with its nonce set to 0 and its otp to REDACTED, otherwise unchanged."""
    raw = body.encode() if isinstance(body, str) else body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    if is_json(text, content_type):
        text = _NONCE_JSON.sub(
            lambda m: f'"nonce"{m[1]}' + ("0" if m[2] is not None else '"0"'), text
        )
        text = _OTP_JSON.sub(lambda m: f'"otp"{m[1]}"{REDACTED}"', text)
        return text.encode()
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(name in VOLATILE_BODY_FIELDS for name, _ in pairs):
        return raw
    replaced = [
        (name, "0" if name == "nonce" else REDACTED if name == "otp" else value)
        for name, value in pairs
    ]
    return urlencode(replaced).encode()


def scrub_request(request: Any) -> Any:
    """vcrpy before_record_request hook: no key, signature, cookie, nonce or otp survives."""
    headers = request.headers
    for name in SCRUBBED_HEADERS:
        if name in headers:
            headers[name] = REDACTED
    for name in DROPPED_REQUEST_HEADERS:
        if name in headers:
            del headers[name]
    body = request.body
    if isinstance(body, bytes | str) and body:
        scrubbed = scrub_body(body, str(headers.get("Content-Type") or ""))
        if scrubbed != (body.encode() if isinstance(body, str) else body):
            request.body = scrubbed
            if "Content-Length" in headers:
                headers["Content-Length"] = str(len(scrubbed))
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy before_record_response hook: no cookie and no SENSITIVE_RESPONSE_FIELDS value."""
    headers: MutableMapping[str, Any] = response.get("headers") or {}
    dropped = {name.lower() for name in DROPPED_RESPONSE_HEADERS}
    for name in [name for name in headers if name.lower() in dropped]:
        del headers[name]
    body = response.get("body")
    raw = body.get("string") if isinstance(body, dict) else None
    if not isinstance(raw, bytes | str) or not raw:
        return response
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return response
    scrubbed = _SENSITIVE_JSON.sub(lambda m: f'"{m[1]}"{m[2]}"{REDACTED}"', text)
    if scrubbed != text:
        assert isinstance(body, dict)
        new = scrubbed.encode()
        body["string"] = new if isinstance(raw, bytes) else scrubbed
        for name in headers:
            if name.lower() == "content-length":
                headers[name] = [str(len(new))]
    return response
