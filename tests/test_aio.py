"""AsyncKrakenClient: KrakenClient's surface as coroutines, running the same code in threads."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from kraken_sdk import AsyncKrakenClient, KrakenClient
from kraken_sdk.client import ClientOptions
from kraken_sdk.endpoints import ENDPOINTS
from kraken_sdk.errors import CredentialsError, UnknownPairError
from kraken_sdk.sandbox import ManualClock, Sandbox

GROUPS = ("market", "account", "trading", "funding", "earn", "subaccounts")


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") and name not in ("from_client", "aclose")
    }


def test_every_group_method_has_a_coroutine_twin_with_the_same_signature() -> None:
    compared = 0
    for group in GROUPS:
        sync_cls = KrakenClient.__annotations__[group]
        async_cls = AsyncKrakenClient.__annotations__[group]
        sync_group = vars(__import__("kraken_sdk._groups", fromlist=[sync_cls]))[sync_cls]
        async_group = vars(__import__("kraken_sdk._groups", fromlist=[async_cls]))[async_cls]
        sync_methods, async_methods = public_methods(sync_group), public_methods(async_group)
        assert sync_methods.keys() == async_methods.keys(), group
        for name, method in sync_methods.items():
            twin = async_methods[name]
            assert inspect.iscoroutinefunction(twin), f"{group}.{name}"
            # Same parameters, same annotations, same return type (strings, PEP 563).
            assert inspect.signature(twin) == inspect.signature(method), f"{group}.{name}"
            compared += 1
    assert compared == len(ENDPOINTS)  # every Kraken method, each once


def test_client_methods_match_too() -> None:
    sync_methods = public_methods(KrakenClient)
    async_methods = public_methods(AsyncKrakenClient)
    assert sync_methods.keys() <= async_methods.keys()
    for name, method in sync_methods.items():
        twin = async_methods[name]
        if name == "dead_mans_switch":  # a context manager either way: `async with` here
            assert inspect.signature(twin).parameters == inspect.signature(method).parameters
        elif isinstance(inspect.getattr_static(KrakenClient, name), classmethod):
            assert isinstance(inspect.getattr_static(AsyncKrakenClient, name), classmethod)
            expected = inspect.signature(method).replace(return_annotation="AsyncKrakenClient")
            assert inspect.signature(twin) == expected, name
        else:
            assert inspect.iscoroutinefunction(twin), name
            assert inspect.signature(twin) == inspect.signature(method), name
    for name in ("base_url", "credentials", "rate_limits", "symbols"):
        assert isinstance(inspect.getattr_static(AsyncKrakenClient, name), property), name


def test_constructor_options_are_the_clients() -> None:
    """AsyncKrakenClient and KrakenAdapter take **ClientOptions: it must list every option."""
    parameters = inspect.signature(KrakenClient).parameters
    options = set(parameters) - {"api_key", "api_secret", "credentials"}
    assert options == set(ClientOptions.__annotations__)


DEFERRED = [
    "kraken_sdk.aio.client",
    "asyncio",
    "tenacity",  # the retry loop: imported when a first attempt fails
    "kraken_sdk.sandbox",
    "kraken_sdk.testing",
    "kraken_sdk.models.ticker",  # each method's models: imported when first called
    "kraken_sdk.models.time",
    "pandas",
    "dotenv",
    "matplotlib",
    "tqdm",
    "vcr",
    "keyring",
]


def test_importing_the_package_loads_nothing_a_call_does_not_need() -> None:
    code = f"""
import sys, kraken_sdk
loaded = lambda: [name for name in {DEFERRED!r} if name in sys.modules]
print(loaded())
kraken_sdk.ENDPOINTS["Time"].decode(b'{{"error":[],"result":{{"unixtime":1,"rfc1123":"x"}}}}')
print(loaded())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "['kraken_sdk.models.time']"]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=3, tier="unlimited", clock=ManualClock(1_790_000_000)) as sb:
        yield sb


def test_calls_return_what_the_sync_client_returns(sandbox: Sandbox) -> None:
    async def main() -> None:
        async with AsyncKrakenClient(
            sandbox.api_key, sandbox.api_secret, base_url=sandbox.url, tier=sandbox.limits
        ) as k:
            ticker = await k.market.ticker(pair="BTC/USD")
            balance = await k.account.balance()
            raw = await k.request("Time")
            with sandbox.client() as sync:
                assert ticker == sync.market.ticker(pair="BTC/USD")  # typed, equal structs
            assert balance["XXBT"] == Decimal(2)
            assert raw == {"unixtime": 1_790_000_000, "rfc1123": raw["rfc1123"]}

    asyncio.run(main())


def test_concurrent_coroutines_share_one_client(sandbox: Sandbox) -> None:
    """Twenty calls at once: one pool, one nonce sequence, every answer right."""

    async def main() -> None:
        async with AsyncKrakenClient.from_client(sandbox.client()) as k:
            answers = await asyncio.gather(
                *(k.market.time() for _ in range(10)), *(k.account.balance() for _ in range(10))
            )
        assert all(a.unixtime == 1_790_000_000 for a in answers[:10])  # type: ignore[union-attr]
        assert all(b["ZUSD"] == Decimal(100000) for b in answers[10:])  # type: ignore[index]

    asyncio.run(main())
    private = [r for r in sandbox.requests() if r.method == "Balance"]
    assert len(private) == 10
    assert not any(r.errors for r in private)


def test_the_event_loop_keeps_running_while_a_call_waits(sandbox: Sandbox) -> None:
    sandbox.inject("Time", "timeout", delay=0.3, times=1)  # answers late (after taking effect)

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        async with AsyncKrakenClient(base_url=sandbox.url, timeout=5) as k:
            await k.market.time()
        task.cancel()
        return ticks

    started = time.perf_counter()
    assert asyncio.run(main()) >= 10  # the loop ticked through the 0.3 s wait
    assert time.perf_counter() - started < 3


def test_errors_are_the_sync_clients(sandbox: Sandbox) -> None:
    async def main() -> None:
        async with AsyncKrakenClient(base_url=sandbox.url) as k:
            with pytest.raises(CredentialsError):
                await k.account.balance()
            with pytest.raises(UnknownPairError, match="BTC/USD"):
                await k.market.ticker(pair="BTCUSD")

    asyncio.run(main())
