"""How close to Kraken's REST ceiling does each client run, and how often is it refused?

    python bench/ratelimit.py [--seconds 20] [--tiers starter,pro] [--speed 10]

The sandbox enforces Kraken's per-key REST counter with each tier's maximum and a decay `speed`
times faster than Kraken's, so a 20 s row covers what would take 200 s on Kraken. Each row
gets a fresh key (a counter at zero) and calls Balance (cost 1) in a loop for `--seconds`.
In that time no client can do better than the ceiling `counter_max + decay x seconds` calls;
the table gives each client's accepted calls as a share of it, and how many calls the sandbox
refused with `EAPI:Rate limit exceeded` (counted from the sandbox's own request log, so
retries a client hides still count).

Rows: kraken-sdk with 1 and 8 threads on one client (its limiter configured with the same
RateLimits as the sandbox); krakenex, which has no limiter, in a plain loop; ccxt's kraken with
its default throttle (enableRateLimit, 1000 ms x cost 3 per private call), its `rateLimit`
divided by `speed` so it runs on the same sped-up clock. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kraken_sdk import KrakenClient
from kraken_sdk.ratelimit import TIERS, RateLimits
from kraken_sdk.sandbox import Sandbox

Loop = Callable[[str, str, str, RateLimits, float, float], int]
"""(url, key, secret, limits, speed, deadline) -> exceptions raised to the caller."""


@dataclass(frozen=True, slots=True)
class Row:
    tier: str
    client: str
    threads: int
    seconds: float
    accepted: int
    rate_limited: int
    other_errors: int
    ceiling: float

    @property
    def share(self) -> float:
        return self.accepted / self.ceiling


def sped_up(tier: str, speed: float) -> RateLimits:
    """Kraken's limits for `tier` with time running `speed` times faster."""
    limits = TIERS[tier]
    return dataclasses.replace(
        limits,
        decay_per_second=limits.decay_per_second * speed,
        engine_decay_per_second=limits.engine_decay_per_second * speed,
    )


def kraken_sdk_loop(threads: int) -> Loop:
    def run(url: str, key: str, secret: str, limits: RateLimits, speed: float, end: float) -> int:
        failures = [0]
        with KrakenClient(key, secret, base_url=url, tier=limits, trust_env=False) as client:

            def work() -> None:
                while time.monotonic() < end:
                    try:
                        client.account.balance()
                    except Exception:
                        failures[0] += 1

            workers = [threading.Thread(target=work) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        return failures[0]

    return run


def krakenex_loop(
    url: str, key: str, secret: str, limits: RateLimits, speed: float, end: float
) -> int:
    import krakenex

    api = krakenex.API(key=key, secret=secret)
    api.uri = url
    failures = 0
    while time.monotonic() < end:
        if api.query_private("Balance").get("error"):
            failures += 1
    return failures


def ccxt_loop(url: str, key: str, secret: str, limits: RateLimits, speed: float, end: float) -> int:
    import ccxt

    exchange = ccxt.kraken({"apiKey": key, "secret": secret, "enableRateLimit": True})
    exchange.urls["api"] = {"public": url, "private": url}
    exchange.rateLimit = exchange.rateLimit / speed  # the default throttle, on the fast clock
    failures = 0
    while time.monotonic() < end:
        try:
            exchange.privatePostBalance()
        except ccxt.BaseError:
            failures += 1
    return failures


def measure(
    sandbox: Sandbox, tier: str, name: str, threads: int, loop: Loop, seconds: float, speed: float
) -> Row:
    key, secret = sandbox.create_key(name=f"{name}-{threads}")
    limits = sandbox.limits
    started = time.monotonic()
    loop(sandbox.url, key, secret, limits, speed, started + seconds)
    elapsed = time.monotonic() - started
    records = [r for r in sandbox.requests() if r.api_key == key and r.method == "Balance"]
    refused = sum(1 for r in records if "EAPI:Rate limit exceeded" in r.errors)
    accepted = sum(1 for r in records if not r.errors)
    assert limits.counter_max is not None
    ceiling = limits.counter_max + limits.decay_per_second * elapsed
    other = len(records) - accepted - refused
    return Row(tier, name, threads, elapsed, accepted, refused, other, ceiling)


CLIENTS: list[tuple[str, int, Loop]] = [
    ("kraken-sdk", 1, kraken_sdk_loop(1)),
    ("kraken-sdk", 8, kraken_sdk_loop(8)),
    ("krakenex (no limiter)", 1, krakenex_loop),
    ("ccxt kraken (default throttle)", 1, ccxt_loop),
]


def table(rows: list[Row], speed: float) -> str:
    lines = [
        f"| tier (decay x{speed:g}) | client | threads | accepted | calls/s | ceiling "
        "| share of ceiling | rate-limit errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        limits = sped_up(row.tier, speed)
        tier = f"{row.tier} ({limits.counter_max:g}, {limits.decay_per_second:g}/s)"
        errors = f"{row.rate_limited}" + (
            f" (+{row.other_errors} other)" if row.other_errors else ""
        )
        lines.append(
            f"| {tier} | {row.client} | {row.threads} | {row.accepted} "
            f"| {row.accepted / row.seconds:.2f} | {row.ceiling:.1f} | {row.share:.1%} | {errors} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each row")
    parser.add_argument("--tiers", default="starter,pro", help="comma-separated tier names")
    parser.add_argument("--speed", type=float, default=10.0, help="decay speed-up factor")
    parser.add_argument("--clients", default="", help="only rows whose client contains this")
    args = parser.parse_args()
    rows = []
    for tier in args.tiers.split(","):
        with Sandbox(seed=1, tier=sped_up(tier, args.speed)) as sandbox:
            for name, threads, loop in CLIENTS:
                if args.clients and args.clients not in name:
                    continue
                row = measure(sandbox, tier, name, threads, loop, args.seconds, args.speed)
                print(
                    f"{tier:<8} {name:<32} {threads} threads: {row.accepted} accepted, "
                    f"{row.share:.1%} of the ceiling, {row.rate_limited} rate-limited",
                    flush=True,
                )
                rows.append(row)
    print()
    print(table(rows, args.speed))


if __name__ == "__main__":
    main()
