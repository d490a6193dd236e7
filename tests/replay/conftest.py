"""Replay tests: each test's Kraken traffic comes from cassettes/<module>/<test>.yaml.

Nothing here may touch a socket on replay (the guard below refuses even loopback). To
re-record every cassette against a fresh sandbox with a fixed seed and clock:

    python -m kraken_sdk.testing.record tests/replay

Re-recording is deterministic (seed, manual clock, seeded cl_ord_ids, the sandbox's port
rewritten, no Date header), so an unchanged sandbox gives unchanged cassettes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kraken_sdk.sandbox import ManualClock
from kraken_sdk.testing import block_network
from kraken_sdk.testing.plugin import settings

START = 1_790_000_000.0


@pytest.fixture
def kraken_sandbox_options() -> dict[str, Any]:
    return {"seed": 7, "tier": "unlimited", "clock": ManualClock(START)}


def _without_date(response: dict[str, Any]) -> dict[str, Any]:
    """The Date header is wall-clock time even on a manual clock; it only makes diffs."""
    headers = response.get("headers") or {}
    for name in [name for name in headers if name.lower() == "date"]:
        del headers[name]
    return response


@pytest.fixture
def kraken_vcr_config() -> dict[str, Any]:
    return {"before_record_response": _without_date}


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest) -> Iterator[None]:
    """Replay must not connect anywhere, not even to loopback."""
    if settings(request.config).mode != "none":
        yield
        return
    with block_network(allow_loopback=False):
        yield
