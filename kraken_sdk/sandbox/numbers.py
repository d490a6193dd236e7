"""Decimal helpers: parse what clients send, round and print numbers the way Kraken does."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation

__all__ = ["ZERO", "decimals_of", "fmt", "parse_decimal", "quantize", "to_tick"]

ZERO = Decimal(0)


def parse_decimal(text: object) -> Decimal | None:
    """A finite decimal from a form or JSON value, or None when it is not a plain number."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text))
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def decimals_of(value: Decimal) -> int:
    """Places after the point that carry information (1.50 -> 1, 100 -> 0)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def quantize(value: Decimal, places: int, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def to_tick(value: Decimal, tick: Decimal, *, up: bool = False) -> Decimal:
    """Round to a multiple of the tick, down (default) or up."""
    steps = (value / tick).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return steps * tick


def fmt(value: Decimal, places: int) -> str:
    """Kraken's fixed-point text: `fmt(Decimal("1.5"), 8) == "1.50000000"`, never `-0`."""
    text = f"{quantize(value, places):f}"
    return text[1:] if text.startswith("-") and not quantize(value, places) else text
