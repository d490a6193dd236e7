"""Client CPU per call (sign, encode, send, decode) against the sandbox in another process.

`kraken-sdk sandbox --unlimited` runs in its own process, so the figure is this process's CPU
time (`time.process_time`) per call: what the SDK costs on top of the network. The clients
never wait: one has a rate limiter that counts every call with limits no run reaches (the
work a default client does per call), one has it off (tier="unlimited"). A floor row shows
what any client on urllib3 pays at least (request built and signed, sent, body read).

"SDK own work per call" is the same calls with the transport stubbed by MockTransport
(fixed answers, no socket): validation, encoding, nonce, signature, rate limiter, decoding.

    python bench/client_cpu.py             # 5 rounds of 2000 calls per row
    python bench/client_cpu.py --quick     # 3 rounds of 300
    python bench/client_cpu.py --profile   # also cProfile the stubbed AddOrder path
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlencode

from kraken_sdk import KrakenClient, RateLimits
from kraken_sdk.auth import sign
from kraken_sdk.ratelimit import TierName
from kraken_sdk.testing import MockTransport, Request, Response

BODIES = {
    "/0/public/Time": b'{"error":[],"result":{"unixtime":1688669448,"rfc1123":"Thu, 06 Jul 23"}}',
    "/0/private/Balance": b'{"error":[],"result":{"ZUSD":"171288.6158","XXBT":"1011.19088779",'
    b'"XETH":"818.55","USDT":"500000.0","DOT":"2.5","ETH2.S":"198.39708"}}',
    "/0/private/AddOrder": b'{"error":[],"result":{"descr":{"order":"buy 0.01000000 XBTUSD @ '
    b'limit 30000.0"}}}',
}
PAIRS = {
    "XXBTZUSD": {
        "altname": "XBTUSD",
        "wsname": "XBT/USD",
        "base": "XXBT",
        "quote": "ZUSD",
        "pair_decimals": 1,
        "lot_decimals": 8,
        "ordermin": "0.0001",
        "costmin": "0.5",
        "tick_size": "0.1",
        "status": "online",
    }
}
ASSETS = {"XXBT": {"altname": "XBT"}, "ZUSD": {"altname": "USD"}}
ORDER: dict[str, Any] = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit"}
ORDER |= {"volume": Decimal("0.01"), "price": Decimal("30000"), "validate": True}
STUB_URL = "https://kraken.invalid"
COUNTING = RateLimits(1e12, 1e9, 1e12, 1e9, None)  # counts every call, never waits


@contextmanager
def sandbox() -> Iterator[tuple[str, str, str]]:
    """`kraken-sdk sandbox --unlimited` in its own process: (url, key, secret)."""
    command = [sys.executable, "-m", "kraken_sdk", "sandbox", "--unlimited", "--seed", "1"]
    process = subprocess.Popen(
        [*command, "--keys", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        key = process.stdout.readline().split(": ", 1)[1].strip()
        secret = process.stdout.readline().split(": ", 1)[1].strip()
        yield url, key, secret
    finally:
        process.terminate()
        process.wait(timeout=10)


def per_call_us(call: Callable[[], object], rounds: int, calls: int) -> tuple[float, float]:
    """(client CPU, wall) in µs per call: the median of the round means, after a warm-up."""
    for _ in range(min(200, calls)):
        call()
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(calls):
            call()
        cpu.append((time.process_time() - c0) / calls * 1e6)
        wall.append((time.perf_counter() - w0) / calls * 1e6)
    return statistics.median(cpu), statistics.median(wall)


def rows(client: KrakenClient) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("Time", client.market.time),
        ("Balance", client.account.balance),
        ("AddOrder (validate)", partial(client.trading.add_order, **ORDER)),
    ]


def floor(url: str, key: str, secret: str) -> list[tuple[str, Callable[[], object]]]:
    """What any client on urllib3 pays at least: build, sign, send, read."""
    import urllib3

    pool = urllib3.connection_from_url(url)
    plain = {"User-Agent": "bench", "Accept": "application/json"}
    last = [0]

    def send(path: str, params: dict[str, str] | None = None) -> bytes:
        if params is None:
            return bytes(pool.urlopen("GET", path, headers=plain).data)
        last[0] = nonce = max(time.time_ns(), last[0] + 1)
        form = urlencode({"nonce": nonce, **params})
        headers = {**plain, "API-Key": key, "API-Sign": sign(secret, path, nonce, form)}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return bytes(pool.urlopen("POST", path, form.encode(), headers).data)

    order = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in ORDER.items()}
    return [
        ("Time", partial(send, "/0/public/Time")),
        ("Balance", partial(send, "/0/private/Balance", {})),
        ("AddOrder (validate)", partial(send, "/0/private/AddOrder", order)),
    ]


def stubbed(tier: RateLimits | TierName) -> KrakenClient:
    """A client whose transport answers from BODIES without a socket."""

    def answer(request: Request) -> Response:
        return Response(200, BODIES[request.url.split("?", 1)[0].removeprefix(STUB_URL)])

    secret = (
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
    )
    transport = MockTransport(answer)
    transport.requests = _Discard()  # keep no history in a benchmark loop
    client = KrakenClient("bench-key", secret, base_url=STUB_URL, tier=tier, transport=transport)
    client.symbols.load(PAIRS, ASSETS)
    return client


class _Discard(list[Request]):
    def append(self, item: Request) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    rounds, calls = (3, 300) if args.quick else (5, 2000)
    print(f"client CPU per call, median of {rounds} rounds x {calls} calls (µs)")
    print(f"{'call':24} {'CPU':>6} {'wall':>6}")
    tiers: tuple[tuple[str, RateLimits | TierName], ...] = (
        ("limiter counting", COUNTING),
        ("limiter off", "unlimited"),
    )
    with sandbox() as (url, key, secret):
        for label, call in floor(url, key, secret):
            cpu, wall = per_call_us(call, rounds, calls)
            print(f"{label:24} {cpu:6.0f} {wall:6.0f}   floor: bare urllib3, no SDK")
        for name, tier in tiers:
            client = KrakenClient(key, secret, base_url=url, tier=tier)
            for label, call in rows(client):
                cpu, wall = per_call_us(call, rounds, calls)
                print(f"{label:24} {cpu:6.0f} {wall:6.0f}   sandbox, {name}")
            client.close()
    print("\nSDK own work per call (transport stubbed by MockTransport)")
    for name, tier in tiers:
        client = stubbed(tier)
        for label, call in rows(client):
            cpu, _ = per_call_us(call, rounds, calls * 5)
            print(f"{label:24} {cpu:6.1f}          {name}")
    if args.profile:
        call = rows(stubbed(COUNTING))[2][1]
        profile = cProfile.Profile()
        profile.runcall(lambda: [call() for _ in range(20000)])
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
