"""Shared fixtures: a signed client with a known symbol table, a mocked Kraken, wire helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses
from kraken_wire import ASSET_PAIRS, ASSETS, KEY, SECRET, Wire
from responses import registries

from kraken_sdk import KrakenClient
from kraken_sdk._core import session as session_module
from kraken_sdk.transport import RequestsTransport


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
    """A signed client whose symbol table is already loaded (no AssetPairs request).

    It sends through requests (RequestsTransport), which the `kraken` fixture mocks."""
    http = requests.Session()
    with KrakenClient(KEY, SECRET, sleep=sleeps.append, http_session=http) as k:
        k.symbols.load(ASSET_PAIRS, ASSETS)
        yield k


@pytest.fixture
def public(sleeps: list[float]) -> Iterator[KrakenClient]:
    """A client without credentials, symbol table loaded (through requests, like `client`)."""
    with KrakenClient(sleep=sleeps.append, http_session=requests.Session()) as k:
        k.symbols.load(ASSET_PAIRS, ASSETS)
        yield k


@pytest.fixture
def kraken(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    """Kraken as a script: each registered answer is used once, in order, and all must be.

    `responses` mocks requests, so clients made during the test send through requests
    (RequestsTransport) instead of the default urllib3 transport."""

    def through_requests(**_: object) -> RequestsTransport:
        return RequestsTransport(requests.Session(), owned=True)

    monkeypatch.setattr(session_module, "Urllib3Transport", through_requests)
    with responses.RequestsMock(registry=registries.OrderedRegistry) as mock:
        yield mock
