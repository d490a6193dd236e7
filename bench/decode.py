"""Typed decode time of Kraken's largest real bodies against plain `json.loads`.

Usage: python bench/decode.py [--shared ../shared]

Reads the biggest OHLC, Trades and AssetPairs samples from the conformance corpus (never
committed) and prints microseconds per decode, median of several timeit repeats with the
garbage collector on, as in production.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kraken_sdk import ENDPOINTS

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"


def largest_body(corpus: Path, method: str) -> bytes:
    """The biggest successful sample of a method, as the bytes Kraken sent."""
    samples = json.loads((corpus / f"{method}.json").read_text())["samples"]
    bodies = [
        sample["response_raw"].encode()
        if isinstance(sample.get("response_raw"), str)
        else json.dumps(sample["response"]).encode()
        for sample in samples
    ]
    return max(bodies, key=len)


def per_call_us(fn: Callable[[], Any], repeats: int = 15) -> float:
    timer = timeit.Timer(fn, setup="gc.enable()")
    loops, _ = timer.autorange()
    return statistics.median(timer.repeat(repeats, loops)) / loops * 1e6


def describe(method: str, body: bytes) -> str:
    result = json.loads(body)["result"]
    if method == "AssetPairs":
        return f"{len(result)} pairs"
    rows = next(value for key, value in result.items() if key != "last")
    return f"{len(rows)} rows"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args()
    corpus = args.shared / "conformance"
    print(f"{'body':<12} {'size':>9} {'content':>10} {'json.loads':>12} {'typed':>10} {'ratio':>7}")
    for method in ("OHLC", "Trades", "AssetPairs"):
        body = largest_body(corpus, method)
        endpoint = ENDPOINTS[method]
        plain = per_call_us(functools.partial(json.loads, body))
        typed = per_call_us(functools.partial(endpoint.decode, body))
        print(
            f"{method:<12} {len(body) / 1024:>7.1f}KB {describe(method, body):>10} "
            f"{plain:>10.0f}µs {typed:>8.0f}µs {typed / plain:>6.2f}x"
        )
    print("typed = bytes -> Envelope -> msgspec Structs with exact Decimal fields")


if __name__ == "__main__":
    main()
