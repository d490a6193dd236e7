"""Exceptions (interim: the client issue draws the full tree here).

KrakenError
 ├── KrakenAPIError          Kraken answered with E... error strings
 └── ResponseDecodeError     the body was empty, HTML, not JSON, or not the documented shape
"""

from __future__ import annotations

from collections.abc import Sequence


class KrakenError(Exception):
    """Base of every exception this SDK raises.

    `surely_not_executed` is True only when the request certainly had no effect on Kraken, so
    resending it is safe even for an order.
    """

    surely_not_executed: bool = False

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        errors: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.method = method
        self.errors = tuple(errors)


class KrakenAPIError(KrakenError):
    """Kraken rejected the call with one or more `E...` error strings."""


class ResponseDecodeError(KrakenError):
    """The HTTP body was not a Kraken envelope of the documented shape."""

    @classmethod
    def from_body(cls, method: str, body: bytes) -> ResponseDecodeError:
        """Name what came instead of JSON: nothing, an HTML page, or other text."""
        text = body[:200].decode("utf-8", errors="replace").strip()
        if not text:
            kind = "an empty body"
        elif text[:15].lower().startswith(("<!doctype", "<html")):
            kind = "an HTML page (Cloudflare or a proxy answered, not Kraken's API)"
        else:
            kind = "a body that is not JSON"
        return cls(f"{method}: Kraken sent {kind}: {text[:120]!r}", method=method)


def error_from_response(method: str, errors: Sequence[str]) -> KrakenError:
    """The exception for Kraken's error strings (the first one decides the class)."""
    return KrakenAPIError(f"{method}: {', '.join(errors)}", method=method, errors=errors)
