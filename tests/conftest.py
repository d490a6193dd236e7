"""Shared fixtures: a signed client with a known symbol table, a mocked Kraken, wire helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from kraken_wire import ASSET_PAIRS, ASSETS, KEY, SECRET, Wire
from responses import registries

from kraken_sdk import KrakenClient


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real KRAKEN_* settings."""
    for name in ("KRAKEN_API_KEY", "KRAKEN_API_SECRET", "KRAKEN_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the retry loop asked for (it never really sleeps in tests)."""
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[KrakenClient]:
    """A signed client whose symbol table is already loaded (no AssetPairs request)."""
    with KrakenClient(KEY, SECRET, sleep=sleeps.append, trust_env=False) as k:
        k.symbols.load(ASSET_PAIRS, ASSETS)
        yield k


@pytest.fixture
def public(sleeps: list[float]) -> Iterator[KrakenClient]:
    """A client without credentials, symbol table loaded."""
    with KrakenClient(sleep=sleeps.append, trust_env=False) as k:
        k.symbols.load(ASSET_PAIRS, ASSETS)
        yield k


@pytest.fixture
def kraken() -> Iterator[responses.RequestsMock]:
    """Kraken as a script: each registered answer is used once, in order, and all must be."""
    with responses.RequestsMock(registry=registries.OrderedRegistry) as mock:
        yield mock
