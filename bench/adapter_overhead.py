"""What the async layers add per call, against the blocking client on the same sandbox.

    python bench/adapter_overhead.py [--calls 400]

Times, per call, the median and mean of: the sync client; AsyncKrakenClient (a worker thread
per call); KrakenAdapter (a thread plus translation to neutral types). Public Ticker and
private Balance (signed, nonce-serialised) on a loopback sandbox with rate limits off, so the
round trip is as short as it gets and the overhead as visible as it gets. The three run in
turn, call by call, so noise falls on all alike; the last column is the difference of medians
against the sync client. Latency added to one call is the question, not throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import cast

from kraken_sdk import AsyncKrakenClient, KrakenAdapter, KrakenClient
from kraken_sdk.sandbox import Sandbox

Call = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


async def interleaved(sync: Call, twins: list[AsyncCall], calls: int) -> list[list[float]]:
    """Alternate the sync call and its async twins, so drift and noise hit all alike."""
    samples: list[list[float]] = [[] for _ in range(1 + len(twins))]
    for _ in range(calls):
        started = time.perf_counter()
        sync()
        samples[0].append(time.perf_counter() - started)
        for index, twin in enumerate(twins, start=1):
            started = time.perf_counter()
            await twin()
            samples[index].append(time.perf_counter() - started)
    return samples


def row(name: str, samples: list[float], base: list[float] | None) -> str:
    median, mean = statistics.median(samples) * 1e6, statistics.fmean(samples) * 1e6
    extra = ""
    if base is not None:
        extra = f"  {median - statistics.median(base) * 1e6:+6.0f} µs"
    return f"  {name:<34} median {median:7.0f} µs  mean {mean:7.0f} µs{extra}"


async def measure(sandbox: Sandbox, calls: int) -> None:
    key, secret, url = sandbox.api_key, sandbox.api_secret, sandbox.url
    sync = KrakenClient(key, secret, base_url=url, tier="unlimited")
    aclient = AsyncKrakenClient(key, secret, base_url=url, tier="unlimited")
    adapter = KrakenAdapter(key, secret, base_url=url, tier="unlimited")
    cases: list[tuple[str, list[tuple[str, Call | AsyncCall]]]] = [
        (
            "public Ticker (BTC/USD)",
            [
                ("KrakenClient.market.ticker", lambda: sync.market.ticker(pair="BTC/USD")),
                ("AsyncKrakenClient.market.ticker", lambda: aclient.market.ticker(pair="BTC/USD")),
                ("KrakenAdapter.get_ticker", lambda: adapter.get_ticker("BTC/USD")),
            ],
        ),
        (
            "private Balance (signed)",
            [
                ("KrakenClient.account.balance", sync.account.balance),
                ("AsyncKrakenClient.account.balance", aclient.account.balance),
                ("KrakenAdapter.get_account", adapter.get_account),
            ],
        ),
    ]
    for title, ((base_name, base_call), *twins) in cases:
        async_calls = [cast(AsyncCall, call) for _, call in twins]
        await interleaved(base_call, async_calls, 20)  # warm up: pools, symbol table
        samples = await interleaved(base_call, async_calls, calls)
        print(title)
        print(row(base_name, samples[0], None))
        for (name, _), timings in zip(twins, samples[1:], strict=True):
            print(row(name, timings, samples[0]))
    hop = await interleaved(int, [lambda: asyncio.to_thread(int)], calls)
    print("the thread hop alone")
    print(row("asyncio.to_thread(no-op)", hop[1], hop[0]))
    sync.close()
    await aclient.close()
    await adapter.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    with Sandbox(seed=1, tier="unlimited") as sandbox:
        asyncio.run(measure(sandbox, args.calls))


if __name__ == "__main__":
    main()
