"""Kraken's unix-seconds timestamps, converted exactly (no float rounding).

Neutral helpers: the client layer (paginate) and presentation both use them, so they live
below both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

__all__ = ["iso", "time_ns", "utc"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def time_ns(value: Decimal | int) -> int:
    """Unix seconds (Kraken's exact digits) -> integer nanoseconds, without float rounding."""
    return int(Decimal(value) * 1_000_000_000)


def utc(value: Decimal | int) -> datetime:
    """Unix seconds -> an aware UTC datetime (microsecond precision, Python's limit)."""
    return EPOCH + timedelta(microseconds=time_ns(value) // 1000)


def iso(value: Decimal | int) -> str:
    """Unix seconds -> `2023-07-06T18:50:48.8974Z`, keeping exactly the fraction Kraken sent."""
    number = Decimal(value)
    whole = int(number.to_integral_value(rounding="ROUND_FLOOR"))
    text = (EPOCH + timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = format(number - whole, "f")
    digits = fraction.partition(".")[2].rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"
