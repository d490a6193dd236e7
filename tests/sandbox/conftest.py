from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_raw import RawClient

from kraken_sdk.sandbox import ManualClock, Sandbox

START = 1_790_000_000.0  # a fixed instant, so prices and ids repeat run to run


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=42, tier="unlimited", clock=ManualClock(START)) as sb:
        yield sb


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[RawClient]:
    with RawClient(sandbox.url, sandbox.api_key, sandbox.api_secret) as client:
        yield client
