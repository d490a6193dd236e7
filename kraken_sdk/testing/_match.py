"""Matching a live request to a recorded one the way Kraken tells them apart.

Method, path and query must be equal, and so must the body once the fields that change on
every call (nonce, otp) are set aside: a form body compares as its fields (order-insensitive,
blank values kept), a JSON body as the parsed document with exact decimals. Scheme, host and
port are not compared, so a cassette recorded against the sandbox on any port, or against
api.kraken.com, replays against any base URL. Headers are never compared: the signature,
nonce-dependent Content-Length and User-Agent change freely.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from kraken_sdk.testing._scrub import VOLATILE_BODY_FIELDS, is_json

__all__ = ["MATCH_ON", "comparable_body", "match_kraken_body"]

MATCH_ON = ("method", "path", "query", "kraken_body")
"""vcrpy match_on for Kraken; `kraken_body` is match_kraken_body, registered by kraken_vcr."""


def comparable_body(request: Any) -> tuple[str, Any]:
    """The part of a request body that identifies the call: ("form", fields), ("json", doc),
    ("raw", bytes) or ("empty", None)."""
    body = request.body
    if body is None or body in (b"", ""):
        return ("empty", None)
    if not isinstance(body, bytes | str):
        return ("raw", body)
    raw = body.encode() if isinstance(body, str) else body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ("raw", raw)
    if is_json(text, str(request.headers.get("Content-Type") or "")):
        try:
            document = json.loads(text, parse_float=Decimal)
        except ValueError:
            return ("raw", raw)
        if isinstance(document, dict):
            document = {k: v for k, v in document.items() if k not in VOLATILE_BODY_FIELDS}
        return ("json", document)
    pairs = parse_qsl(text, keep_blank_values=True)
    fields = [(name, value) for name, value in pairs if name not in VOLATILE_BODY_FIELDS]
    return ("form", sorted(fields, key=lambda pair: pair[0]))


def match_kraken_body(sent: Any, recorded: Any) -> None:
    """vcrpy matcher: the bodies are the same call, nonce and otp aside; raises AssertionError
    naming the fields that differ (vcrpy shows it under "closest request")."""
    kind_sent, value_sent = comparable_body(sent)
    kind_recorded, value_recorded = comparable_body(recorded)
    if (kind_sent, value_sent) == (kind_recorded, value_recorded):
        return
    if kind_sent != kind_recorded:
        raise AssertionError(f"body is {kind_sent}, the recording's is {kind_recorded}")
    if kind_sent == "form":
        sent_fields, recorded_fields = _grouped(value_sent), _grouped(value_recorded)
    elif kind_sent == "json" and isinstance(value_sent, dict) and isinstance(value_recorded, dict):
        sent_fields, recorded_fields = value_sent, value_recorded
    else:
        raise AssertionError(f"body differs: sent {value_sent!r}, recorded {value_recorded!r}")
    differences = [
        f"{name}: sent {_show(sent_fields, name)}, recorded {_show(recorded_fields, name)}"
        for name in sorted(set(sent_fields) | set(recorded_fields))
        if sent_fields.get(name, _MISSING) != recorded_fields.get(name, _MISSING)
    ]
    raise AssertionError("body differs in " + "; ".join(differences))


_MISSING = object()


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields by name; a repeated name keeps all its values, in order."""
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def _show(fields: dict[str, Any], name: str) -> str:
    return repr(fields[name]) if name in fields else "nothing"
