"""Kraken connection test from Python: `kraken-sdk check`, then the async adapter's calls.

    python examples/test_kraken_connection.py --sandbox      # local paper exchange, no key
    KRAKEN_API_KEY=... KRAKEN_API_SECRET=... python examples/test_kraken_connection.py

The first half runs the checks of `kraken-sdk check` (kraken_sdk.check.run_checks) with the
blocking client. The second half makes, once each, the calls a trading system makes through
the broker-neutral ExecutionEngine (KrakenAdapter), so a working key is proven on both paths.
Exit code 0 when everything passed, 1 otherwise. Nothing is ever placed: the only order is
validate-only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

from kraken_sdk import KrakenAdapter, KrakenClient
from kraken_sdk.check import CheckResult, render_result, run_checks
from kraken_sdk.execution import ExecutionEngine


async def adapter_checks(broker: KrakenAdapter, pair: str) -> list[CheckResult]:
    """Each ExecutionEngine call once; a failure is reported, not raised."""
    engine: ExecutionEngine = broker  # trading systems code against the protocol (mypy checks)

    async def server_time() -> str:
        return (await engine.get_server_time()).isoformat()

    async def ticker() -> str:
        quote = await engine.get_ticker(pair)
        return f"{pair} bid {quote['bid']} ask {quote['ask']}"

    async def account() -> str:
        balances = await engine.get_account()
        return f"{sum(1 for amount in balances.values() if amount)} non-zero balances"

    async def trade_balance() -> str:
        return f"equity {(await engine.get_trade_balance())['equity']}"

    async def positions() -> str:
        return f"{len(await engine.get_positions())} positions"

    async def open_orders() -> str:
        return f"{len(await engine.get_orders('open'))} open orders"

    async def closed_orders() -> str:
        return f"{len(await broker.get_orders('closed', limit=10))} of the last closed orders"

    async def fills() -> str:
        stream = broker.stream_fills()  # starts now: the first poll reports nothing old
        found = await stream.poll()
        await stream.aclose()
        return f"fill stream ready ({len(found)} new)"

    calls: list[tuple[str, Callable[[], Awaitable[str]]]] = [
        ("get_server_time", server_time),
        ("get_ticker", ticker),
        ("get_account", account),
        ("get_trade_balance", trade_balance),
        ("get_positions", positions),
        ("get_orders(open)", open_orders),
        ("get_orders(closed)", closed_orders),
        ("stream_fills", fills),
    ]
    results = []
    async with broker:  # closing the adapter closes its connections and fill streams
        for name, call in calls:
            started = time.perf_counter()
            try:
                detail = await call()
            except Exception as error:  # report every failure, then go on
                took = time.perf_counter() - started
                results.append(
                    CheckResult(name, "fail", f"{type(error).__name__}: {error}", "", took)
                )
            else:
                results.append(CheckResult(name, "ok", detail, "", time.perf_counter() - started))
    return results


def check(client: KrakenClient, broker: KrakenAdapter, pair: str) -> bool:
    report = run_checks(client, pair=pair, on_result=lambda r: print(*render_result(r), sep="\n"))
    print(report.footer(), "\nExecutionEngine (KrakenAdapter):", sep="\n")
    results = asyncio.run(adapter_checks(broker, pair))
    for result in results:
        print(*render_result(result), sep="\n")
    passed = sum(result.passed for result in results)
    ok = report.ok and passed == len(results)
    summary = f"client {len(report.results) - len(report.failed)}/{len(report.results)}, "
    summary += f"adapter {passed}/{len(results)}"
    print(f"\nALL CHECKS PASSED ({summary})" if ok else f"\nCHECKS FAILED ({summary})")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", action="store_true", help="run on an embedded sandbox")
    parser.add_argument("--pair", default="BTC/USD")
    args = parser.parse_args(argv)
    if args.sandbox:
        from kraken_sdk.sandbox import ALL_PERMISSIONS, Sandbox

        with Sandbox(tier="pro") as sandbox:
            print(f"Embedded sandbox at {sandbox.url} (paper money)\n")
            # A key as a trading program should have one: everything but Withdraw.
            key, secret = sandbox.create_key(ALL_PERMISSIONS - {"withdraw-funds"}, name="bot")
            with KrakenClient(key, secret, base_url=sandbox.url, tier=sandbox.limits) as client:
                broker = KrakenAdapter(key, secret, base_url=sandbox.url, tier=sandbox.limits)
                return 0 if check(client, broker, args.pair) else 1
    with KrakenClient.from_env() as client:
        print(f"Kraken at {client.base_url}\n")
        return 0 if check(client, KrakenAdapter.from_env(), args.pair) else 1


if __name__ == "__main__":
    sys.exit(main())
