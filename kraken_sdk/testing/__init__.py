"""Testing a Kraken bot with recorded traffic: vcrpy configured for Kraken, and a pytest plugin.

    from kraken_sdk.testing import kraken_vcr
    vcr = kraken_vcr("cassettes", record_mode="once")
    with vcr.use_cassette("my_bot.yaml"):
        run_my_bot(KrakenClient.from_env())

Before anything is written, API-Key and API-Sign become REDACTED, the body's nonce 0 and otp
REDACTED (form and JSON bodies), and known sensitive response fields (the WebSocket token,
addresses, the key's IIBAN) REDACTED; see `_scrub`. Requests match on method, path, query and
body minus nonce and otp, never on host or port, so a cassette replays against any base URL.
With record_mode="none" (the default) an unmatched request raises instead of going out.

Under pytest, the `kraken_sdk` plugin (installed with the package, in `plugin`) adds the
`kraken_cassette` fixture and marker, the `kraken_sandbox` fixture and `--kraken-record`.
`python -m kraken_sdk.testing.audit cassettes` checks cassettes for anything secret;
`python -m kraken_sdk.testing.record tests` re-records them against a fresh sandbox.
Needs vcrpy: pip install kraken-sdk[testing].

Without cassettes: `KrakenClient(transport=MockTransport(handler))`, where handler(request)
returns a Response (or raises), as httpx.MockTransport does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from kraken_sdk._core.transport import MockTransport, Request, Response
from kraken_sdk.testing._match import MATCH_ON, comparable_body, match_kraken_body
from kraken_sdk.testing._network import NetworkBlockedError, block_network
from kraken_sdk.testing._scrub import (
    REDACTED,
    SCRUBBED_HEADERS,
    SENSITIVE_RESPONSE_FIELDS,
    VOLATILE_BODY_FIELDS,
    scrub_body,
    scrub_request,
    scrub_response,
)

__all__ = [
    "MATCH_ON",
    "REDACTED",
    "SCRUBBED_HEADERS",
    "SENSITIVE_RESPONSE_FIELDS",
    "VOLATILE_BODY_FIELDS",
    "MockTransport",
    "NetworkBlockedError",
    "Request",
    "Response",
    "block_network",
    "comparable_body",
    "kraken_vcr",
    "match_kraken_body",
    "scrub_body",
    "scrub_request",
    "scrub_response",
]

_Hook = Callable[[Any], Any]


def kraken_vcr(
    cassette_library_dir: str | os.PathLike[str] | None = None,
    *,
    record_mode: str = "none",
    before_record_request: _Hook | Iterable[_Hook] | None = None,
    before_record_response: _Hook | Iterable[_Hook] | None = None,
    **options: Any,
) -> Any:
    """A vcr.VCR for Kraken: scrubbed before writing, matched on MATCH_ON, replay-only by default.

    Your own before_record_request/response hooks run after the Kraken scrubbers, never
    instead of them; other options go to vcr.VCR unchanged (match_on replaces MATCH_ON).
    Failed tests record nothing (record_on_exception=False), so a half-recorded cassette
    never replays as if it were whole.
    """
    try:
        import vcr
    except ImportError:
        raise ImportError("cassette testing needs vcrpy: pip install kraken-sdk[testing]") from None
    config: dict[str, Any] = {
        "match_on": MATCH_ON,
        "decode_compressed_response": True,
        "record_on_exception": False,
        **options,
    }
    library = None if cassette_library_dir is None else os.fspath(cassette_library_dir)
    recorder = vcr.VCR(
        cassette_library_dir=library,
        record_mode=record_mode,
        before_record_request=[scrub_request, *_hooks(before_record_request)],
        before_record_response=[scrub_response, *_hooks(before_record_response)],
        **config,
    )
    recorder.register_matcher("kraken_body", match_kraken_body)
    return recorder


def _hooks(hooks: _Hook | Iterable[_Hook] | None) -> list[_Hook]:
    if hooks is None:
        return []
    if callable(hooks):
        return [hooks]
    return list(hooks)
