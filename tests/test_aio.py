"""AsyncKrakenClient: KrakenClient's surface as coroutines, running the same code in threads."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

import kraken_sdk.resources
from kraken_sdk import AsyncKrakenClient, KrakenClient, paginate
from kraken_sdk.client import ClientOptions
from kraken_sdk.endpoints import ENDPOINTS
from kraken_sdk.errors import CredentialsError, UnknownPairError
from kraken_sdk.ratelimit import RateLimits
from kraken_sdk.sandbox import ManualClock, Sandbox

SECRET = "a2V5"  # base64 of "key": any valid secret will do for construction

GROUPS = ("market", "account", "trading", "funding", "earn", "subaccounts")


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") and not inspect.isclass(member)
    }


def test_every_group_method_has_a_coroutine_twin_with_the_same_signature() -> None:
    compared = 0
    for group in GROUPS:
        sync_group = inspect.get_annotations(KrakenClient)[group]
        async_group = inspect.get_annotations(AsyncKrakenClient)[group]
        module = importlib.import_module(f"kraken_sdk.resources.{group}")
        sync_cls, async_cls = vars(module)[sync_group], vars(module)[async_group]
        assert vars(kraken_sdk.resources)[sync_group] is sync_cls  # the package exports both
        assert vars(kraken_sdk.resources)[async_group] is async_cls
        sync_methods, async_methods = public_methods(sync_cls), public_methods(async_cls)
        assert sync_methods.keys() == async_methods.keys(), group
        for name, method in sync_methods.items():
            twin = async_methods[name]
            assert not inspect.iscoroutinefunction(method), f"{group}.{name}"
            assert inspect.iscoroutinefunction(twin), f"{group}.{name}"
            # Same parameters, same annotations, same return type (strings, PEP 563).
            assert inspect.signature(twin) == inspect.signature(method), f"{group}.{name}"
            assert inspect.getdoc(twin) == inspect.getdoc(method), f"{group}.{name}"
            compared += 1
    assert compared == len(ENDPOINTS)  # every Kraken method, each once


def as_async(signature: inspect.Signature) -> inspect.Signature:
    """A KrakenClient signature as its AsyncKrakenClient twin spells it."""
    if signature.return_annotation == "KrakenClient":
        return signature.replace(return_annotation="AsyncKrakenClient")
    return signature


def test_every_client_method_and_constructor_has_a_twin_with_the_same_signature() -> None:
    """Constructors, request(), prepare(), close(): AsyncKrakenClient derives each from
    KrakenClient's, so a parameter added there shows up here (and this test checks it)."""
    assert inspect.signature(AsyncKrakenClient) == inspect.signature(KrakenClient)
    sync_methods = public_methods(KrakenClient)
    async_methods = public_methods(AsyncKrakenClient)
    assert {"from_env", "from_keyring", "request", "close"} <= sync_methods.keys()
    assert sync_methods.keys() <= async_methods.keys(), sync_methods.keys() - async_methods.keys()
    for name, method in sync_methods.items():
        twin = async_methods[name]
        if name == "dead_mans_switch":  # a context manager either way: `async with` here
            assert inspect.signature(twin).parameters == inspect.signature(method).parameters
        elif isinstance(inspect.getattr_static(KrakenClient, name), classmethod):
            assert isinstance(inspect.getattr_static(AsyncKrakenClient, name), classmethod), name
            assert inspect.signature(twin) == as_async(inspect.signature(method)), name
            assert inspect.getdoc(twin) == inspect.getdoc(method), name
        else:
            assert not inspect.iscoroutinefunction(method), name
            assert inspect.iscoroutinefunction(twin), name
            assert inspect.signature(twin) == inspect.signature(method), name
    assert inspect.iscoroutinefunction(AsyncKrakenClient.aclose)
    assert inspect.iscoroutinefunction(AsyncKrakenClient.__aenter__)
    assert inspect.iscoroutinefunction(AsyncKrakenClient.__aexit__)


def test_the_constructors_are_kraken_clients_own() -> None:
    """from_env exists once: the async one builds a KrakenClient with it and wraps that."""
    environ = {"KRAKEN_API_KEY": "key", "KRAKEN_API_SECRET": SECRET, "KRAKEN_API_URL": "http://x"}
    k = AsyncKrakenClient.from_env(dotenv=False, environ=environ, tier="pro", pool_maxsize=4)
    assert type(k) is AsyncKrakenClient
    assert type(k.sync) is KrakenClient
    assert (k.base_url, k.pool_maxsize) == ("http://x", 4)
    assert k.rate_limits == RateLimits.for_tier("pro")
    assert k.credentials is not None
    assert k.credentials.api_key == "key"
    public = AsyncKrakenClient.from_env(dotenv=False, environ={})
    assert public.credentials is None
    asyncio.run(k.aclose())
    asyncio.run(public.aclose())


def test_every_client_attribute_reads_through(sandbox: Sandbox) -> None:
    with sandbox.client() as sync:
        k = AsyncKrakenClient.from_client(sync)
        attributes = {name for name in vars(sync) if not name.startswith("_")} - set(GROUPS)
        attributes |= {
            name
            for name, member in inspect.getmembers(KrakenClient)
            if isinstance(member, property) and not name.startswith("_")
        }
        assert {"base_url", "credentials", "rate_limits", "symbols"} <= attributes
        for name in attributes:
            assert getattr(k, name) is getattr(sync, name), name
            with pytest.raises(AttributeError):
                setattr(k, name, None)
        asyncio.run(k.aclose())


def test_constructor_options_are_the_clients() -> None:
    """AsyncKrakenClient and KrakenAdapter take **ClientOptions: the same options, same types
    (an option defaulting to None is `X | None` on KrakenClient, `X` in ClientOptions)."""
    parameters = inspect.signature(KrakenClient).parameters
    options = {  # TypedDict keeps them as ForwardRefs; KrakenClient's are strings (PEP 563)
        name: getattr(annotation, "__forward_arg__", annotation)
        for name, annotation in inspect.get_annotations(ClientOptions).items()
    }
    assert set(parameters) - {"api_key", "api_secret", "credentials"} == set(options)
    for name, annotation in options.items():
        parameter = parameters[name]
        if parameter.default is None and parameter.annotation != annotation:
            assert parameter.annotation == f"{annotation} | None", name
        else:
            assert parameter.annotation == annotation, name


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


def test_blocking_calls_run_on_the_clients_own_threads_sized_to_the_pool() -> None:
    """Not asyncio's default executor: pool_maxsize workers, one per pooled connection."""

    async def main() -> tuple[int, set[str]]:
        lock = threading.Lock()
        running = peak = 0
        names: set[str] = set()

        def blocking() -> None:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
                names.add(threading.current_thread().name)
            time.sleep(0.05)
            with lock:
                running -= 1

        async with AsyncKrakenClient(pool_maxsize=3) as k:
            await asyncio.gather(*(k.to_thread(blocking) for _ in range(12)))
        return peak, names

    peak, names = asyncio.run(main())
    assert peak == 3
    assert len(names) == 3
    assert all(name.startswith("kraken-sdk") for name in names)


def test_closing_stops_the_worker_threads() -> None:
    async def main() -> None:
        k = AsyncKrakenClient(pool_maxsize=2)
        await k.to_thread(time.sleep, 0)
        workers = [t for t in threading.enumerate() if t.name.startswith("kraken-sdk")]
        assert workers
        await k.aclose()
        assert k.closed
        for worker in workers:
            worker.join(timeout=5)
        assert not any(worker.is_alive() for worker in workers)
        with pytest.raises(RuntimeError, match="closed"):
            await k.market.time()

    asyncio.run(main())


def test_async_paginators_walk_what_the_sync_ones_walk(sandbox: Sandbox) -> None:
    with sandbox.client() as sync:
        for i in range(30):  # 30 fills, 60 ledger entries beside the deposits: two pages
            sync.trading.add_order(
                pair="BTC/USD", type="sell" if i % 2 else "buy", ordertype="market", volume="0.001"
            )
        expected_ledgers = list(paginate.ledgers(sync))
        expected_trades = list(paginate.trades_history(sync))
        expected_orders = list(paginate.closed_orders(sync))
        since = 1_790_000_000 - 6 * 3600
        expected_ohlc = list(paginate.ohlc(sync, "BTC/USD", interval=60, since=since))
        expected_public = list(paginate.trades(sync, "BTC/USD", since=since, count=500))

    async def main() -> None:
        async with AsyncKrakenClient.from_client(sandbox.client()) as k:
            assert [e async for e in paginate.ledgers(k)] == expected_ledgers
            assert [t async for t in paginate.trades_history(k)] == expected_trades
            assert [o async for o in paginate.closed_orders(k)] == expected_orders
            ohlc = paginate.ohlc(k, "BTC/USD", interval=60, since=since)
            assert [c async for c in ohlc] == expected_ohlc
            trades = paginate.trades(k, "BTC/USD", since=since, count=500)
            assert [t async for t in trades] == expected_public
            with pytest.raises(TypeError, match="async for"):
                list(paginate.ledgers(k))  # a plain for would block the loop

    assert len(expected_ledgers) > 50
    assert len(expected_public) > 500
    asyncio.run(main())


def test_an_async_walk_stopped_early_fetches_no_further(sandbox: Sandbox) -> None:
    with sandbox.client() as sync:
        for _ in range(30):
            sync.trading.add_order(pair="BTC/USD", type="buy", ordertype="market", volume="0.001")
    before = len([r for r in sandbox.requests() if r.method == "Ledgers"])

    async def main() -> list[str]:
        async with AsyncKrakenClient.from_client(sandbox.client()) as k:
            ids = []
            async for ledger_id, _ in paginate.ledgers(k):
                ids.append(ledger_id)
                if len(ids) == 3:
                    break
            return ids

    assert len(asyncio.run(main())) == 3
    assert len([r for r in sandbox.requests() if r.method == "Ledgers"]) == before + 1


def test_a_sync_paginator_refuses_async_for(sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox.client() as sync, pytest.raises(TypeError, match="AsyncKrakenClient"):
            async for _ in paginate.ledgers(sync):
                pass

    asyncio.run(main())


def test_private_calls_on_one_key_go_out_one_at_a_time_public_ones_do_not_wait(
    sandbox: Sandbox,
) -> None:
    """Each Balance answers 0.2 s late: three of them at once take three times that, in nonce
    order with no rejection, while public calls made meanwhile finish at once."""
    sandbox.inject("Balance", "timeout", delay=0.2, times=3)

    async def main() -> tuple[float, float]:
        async with AsyncKrakenClient.from_client(sandbox.client(timeout=5)) as k:
            started = time.perf_counter()
            private = asyncio.gather(*(k.account.balance() for _ in range(3)))
            await asyncio.sleep(0.05)  # the first Balance is on its way and holds the key
            await asyncio.gather(*(k.market.time() for _ in range(3)))
            public_done = time.perf_counter() - started
            await private
            return public_done, time.perf_counter() - started

    public_done, private_done = asyncio.run(main())
    assert public_done < 0.2  # not queued behind the key's lock
    assert private_done >= 0.6  # three round trips, one after the other
    balances = [r for r in sandbox.requests() if r.method == "Balance"]
    assert len(balances) == 3
    assert not any(r.errors for r in balances)  # no EAPI:Invalid nonce
