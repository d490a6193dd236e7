"""Requests per second the sandbox serves on loopback.

    python bench/sandbox_rps.py [--seconds 2] [--threads 1]

Four calls over keep-alive connections: public Time and Ticker (GET), private Balance and
AddOrder with validate=true (signed form POSTs). Each client thread has its own session and,
for private calls, its own API key (nonces only have to increase per key). Loops are bounded
in time and count and talk only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
import urllib.parse
from collections.abc import Callable

import requests

from kraken_sdk.auth import sign
from kraken_sdk.sandbox import Sandbox

MAX_REQUESTS = 200_000
Call = Callable[[requests.Session], requests.Response]
CallFactory = Callable[[], Call]


def public(sandbox: Sandbox, method: str, params: dict[str, str]) -> CallFactory:
    def factory() -> Call:
        url = f"{sandbox.url}/0/public/{method}"
        return lambda http: http.get(url, params=params, timeout=10)

    return factory


def private(sandbox: Sandbox, method: str, params: dict[str, str]) -> CallFactory:
    path = f"/0/private/{method}"

    def factory() -> Call:
        key, secret = sandbox.create_key()
        nonces = itertools.count(1)

        def call(http: requests.Session) -> requests.Response:
            nonce = next(nonces)
            body = urllib.parse.urlencode({"nonce": nonce, **params})
            headers = {
                "API-Key": key,
                "API-Sign": sign(secret, path, nonce, body),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            return http.post(sandbox.url + path, data=body, headers=headers, timeout=10)

        return call

    return factory


def measure(factory: CallFactory, seconds: float, threads: int) -> float:
    """Requests per second, all threads together; every answer must have an empty error."""
    counts = [0] * threads
    calls = [factory() for _ in range(threads)]

    def worker(index: int) -> None:
        with requests.Session() as http:
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline and counts[index] < MAX_REQUESTS:
                response = calls[index](http)
                if response.json()["error"]:
                    raise RuntimeError(response.text)
                counts[index] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description="Requests per second the sandbox serves.")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    order = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "50000",
        "validate": "true",
    }
    with Sandbox(seed=1, tier="unlimited") as sandbox:
        cases = {
            "public Time (GET)": public(sandbox, "Time", {}),
            "public Ticker XBTUSD (GET)": public(sandbox, "Ticker", {"pair": "XBTUSD"}),
            "private Balance (signed POST)": private(sandbox, "Balance", {}),
            "private AddOrder validate (signed POST)": private(sandbox, "AddOrder", order),
        }
        print(f"sandbox {sandbox.url}, {args.threads} client thread(s), {args.seconds:g} s each")
        for name, factory in cases.items():
            rate = measure(factory, args.seconds, args.threads)
            print(f"{name:42s} {rate:8.0f} requests/s")


if __name__ == "__main__":
    main()
