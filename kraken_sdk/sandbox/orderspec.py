"""AddOrder parameters -> an unplaced `Order`, with Kraken's argument checks and error strings.

Only what can be decided from the request and the pair's rules is checked here (types, flags,
prices, precision, tick size, minimums, times, ids). Checks that need the account (funds,
margin, open orders, duplicate cl_ord_id) belong to the exchange.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, get_args

from kraken_sdk.models import common
from kraken_sdk.sandbox.numbers import decimals_of, fmt, parse_decimal, quantize, to_tick
from kraken_sdk.sandbox.params import Params
from kraken_sdk.sandbox.records import TRIGGERED_TYPES, CloseSpec, Order
from kraken_sdk.sandbox.refdata import PairSpec, ReferenceData
from kraken_sdk.sandbox.rejects import RejectError, invalid

__all__ = [
    "CLOSE_TYPES",
    "ORDER_TYPES",
    "build_order",
    "check_price",
    "parse_time",
    "resolve_price",
    "trail_limit",
    "trail_trigger",
    "valid_cl_ord_id",
]

# The values the request schemas allow: the sandbox accepts exactly what the client may send.
ORDER_TYPES: tuple[str, ...] = get_args(common.OrderType)
CLOSE_TYPES: tuple[str, ...] = get_args(common.CloseOrderType)
FLAGS = ("post", "fcib", "fciq", "nompp", "viqc")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHORT_UUID = re.compile(r"[0-9a-fA-F]{32}")
_FREE_TEXT = re.compile(r"[\x20-\x7e]{1,18}")
_INT32 = (-(2**31), 2**31 - 1)


def valid_cl_ord_id(value: str) -> bool:
    """A long UUID, a short (32 hex) UUID, or free text of at most 18 printable ASCII chars."""
    return bool(
        _UUID.fullmatch(value) or _SHORT_UUID.fullmatch(value) or _FREE_TEXT.fullmatch(value)
    )


def parse_time(text: str | None, now: float, field: str) -> float:
    """`0` (none), a unix time, or `+n` seconds from now."""
    if text is None or text.strip() in ("", "0"):
        return 0.0
    text = text.strip()
    relative = text.startswith("+")
    value = parse_decimal(text[1:] if relative else text)
    if value is None or value < 0:
        raise invalid(field)
    return now + float(value) if relative else float(value)


def check_price(pair: PairSpec, value: Decimal, symbol: str) -> None:
    """Kraken's price checks: positive, at most pair_decimals places, on the tick grid."""
    if value <= 0:
        raise RejectError("EOrder:Invalid price")
    if decimals_of(value) > pair.pair_decimals:
        raise RejectError(
            f"EOrder:Invalid price:{symbol} price can only be specified up to "
            f"{pair.pair_decimals} decimals."
        )
    if value % pair.tick_size != 0:
        raise RejectError("EOrder:Tick size check failed")


def _split_relative(text: str, field: str) -> tuple[str, Decimal, bool]:
    """`+1.5%` -> ("+", 1.5, True); `#20` -> ("#", 20, False)."""
    sign, rest = text[0], text[1:].strip()
    percent = rest.endswith("%")
    amount = parse_decimal(rest[:-1] if percent else rest)
    if amount is None or amount < 0:
        raise invalid(field)
    return sign, amount, percent


def _hash_sign(side: str, ordertype: str) -> int:
    """`#` moves the price away from the market: up for sells' limits, down for buys' limits."""
    stop = ordertype.startswith("stop-loss")
    return (1 if side == "sell" else -1) * (-1 if stop else 1)


def resolve_price(
    text: str, pair: PairSpec, side: str, ordertype: str, last: Decimal, field: str
) -> Decimal:
    """An absolute price, or a `+`/`-`/`#` offset (`%` for percent) from the last trade price."""
    text = text.strip()
    if text[:1] not in ("+", "-", "#"):
        value = parse_decimal(text)
        if value is None:
            raise invalid(field)
        return value
    sign, amount, percent = _split_relative(text, field)
    direction = {"+": 1, "-": -1}.get(sign) or _hash_sign(side, ordertype)
    offset = last * amount / 100 if percent else amount
    value = quantize(last + direction * offset, pair.pair_decimals)
    return to_tick(value, pair.tick_size)


def _descr_offset(pair: PairSpec, sign: str, amount: Decimal, percent: bool) -> str:
    """How Kraken echoes a relative price: `+50.0000%` or `+50.0`."""
    if percent:
        return f"{sign}{fmt(amount, 4)}%"
    return f"{sign}{fmt(amount, pair.pair_decimals)}"


def _close(raw: Any) -> CloseSpec | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise invalid("close")
    close = Params(raw)
    ordertype = close.choice("ordertype", CLOSE_TYPES)
    if ordertype is None:
        raise invalid("close[ordertype]")
    return CloseSpec(ordertype, close.text("price"), close.text("price2"))


def build_order(
    params: Params, pair: PairSpec, ref: ReferenceData, *, now: float, last: Decimal
) -> Order:
    """Validate AddOrder arguments for `pair` and return the order, not yet placed."""
    symbol = ref.symbol(pair)
    side = params.choice("type", ("buy", "sell"))
    if side is None:
        raise invalid("type")
    ordertype = params.choice("ordertype", ORDER_TYPES)
    if ordertype is None:
        raise invalid("ordertype")

    oflags = params.items("oflags")
    if any(flag not in FLAGS for flag in oflags) or {"fcib", "fciq"} <= set(oflags):
        raise invalid("oflags")
    limit_like = ordertype in ("limit", "iceberg") or ordertype.endswith("-limit")
    if "post" in oflags and not limit_like:
        raise invalid("oflags")
    if "viqc" in oflags and not (ordertype == "market" and side == "buy"):
        raise invalid("oflags")
    if "fcib" not in oflags and "fciq" not in oflags:
        oflags.append("fciq")

    leverage_text = params.text("leverage")
    leverage: int | None = None
    if leverage_text is not None and leverage_text.lower() != "none":
        match = re.fullmatch(r"(\d+)(?::1)?", leverage_text.strip())
        allowed = pair.leverage_buy if side == "buy" else pair.leverage_sell
        if match is None or int(match.group(1)) not in allowed:
            raise invalid("leverage")
        leverage = int(match.group(1))
    if leverage is not None and "viqc" in oflags:
        raise invalid("oflags")
    reduce_only = params.flag("reduce_only")

    volume = params.decimal("volume", required=True)
    assert volume is not None
    places = pair.cost_decimals if "viqc" in oflags else pair.lot_decimals
    if volume < 0 or decimals_of(volume) > places:
        raise invalid("volume")
    closing = ordertype == "settle-position" or (reduce_only and leverage is not None)
    if volume == 0 and not closing:
        raise invalid("volume")

    trigger = params.choice("trigger", ("last", "index"), "last")
    assert trigger is not None
    timeinforce = params.choice("timeinforce", ("GTC", "IOC", "GTD"), "GTC")
    assert timeinforce is not None
    starttm = parse_time(params.text("starttm"), now, "starttm")
    expiretm = parse_time(params.text("expiretm"), now, "expiretm")
    if timeinforce == "GTD" and expiretm == 0:
        raise invalid("expiretm")
    if expiretm and expiretm <= max(now, starttm):
        raise invalid("expiretm")
    if timeinforce == "IOC" and (starttm or expiretm):
        raise invalid("timeinforce")

    userref = params.integer("userref")
    if userref is not None and not _INT32[0] <= userref <= _INT32[1]:
        raise invalid("userref")
    cl_ord_id = params.text("cl_ord_id")
    if cl_ord_id is not None:
        if userref is not None:
            raise invalid("cl_ord_id")
        if not valid_cl_ord_id(cl_ord_id):
            raise invalid("cl_ord_id")

    order = Order(
        txid="",
        pair=pair,
        side=side,
        ordertype=ordertype,
        vol=volume,
        opentm=now,
        trigger=trigger,
        leverage=leverage,
        reduce_only=reduce_only,
        oflags=oflags,
        timeinforce=timeinforce,
        starttm=starttm,
        expiretm=expiretm,
        userref=userref,
        cl_ord_id=cl_ord_id,
        close=_close(params.raw("close")),
        age_from=now,
    )
    _set_prices(order, params, symbol, last)

    if ordertype == "iceberg":
        display = params.decimal("displayvol", required=True)
        assert display is not None
        if display <= 0 or decimals_of(display) > pair.lot_decimals or display * 15 < volume:
            raise invalid("displayvol")
        order.displayvol = display

    if volume > 0 and "viqc" not in oflags and volume < pair.ordermin:
        raise RejectError("EOrder:Order minimum not met")
    reference = order.price2 if order.ordertype.endswith("-limit") else order.price
    if "viqc" in oflags:
        notional = volume
    else:
        notional = volume * (reference if reference is not None else last)
    if volume > 0 and notional < pair.costmin:
        raise RejectError("EOrder:Cost minimum not met")
    return order


def _set_prices(order: Order, params: Params, symbol: str, last: Decimal) -> None:
    pair, side, ordertype = order.pair, order.side, order.ordertype
    price_text = params.text("price")
    price2_text = params.text("price2")
    if ordertype in ("market", "settle-position"):
        return
    if price_text is None:
        raise invalid("price")
    if ordertype.startswith("trailing-stop"):
        if not price_text.strip().startswith("+"):
            raise invalid("price")
        sign, amount, percent = _split_relative(price_text.strip(), "price")
        if amount <= 0:
            raise RejectError("EOrder:Invalid price")
        order.trail_offset, order.trail_percent = amount, percent
        order.descr_price = _descr_offset(pair, sign, amount, percent)
        order.peak = last
        order.price = trail_trigger(order, last)
        order.stopprice = order.price
        if ordertype == "trailing-stop-limit":
            if price2_text is None or price2_text.strip()[:1] not in ("+", "-"):
                raise invalid("price2")
            sign2, amount2, percent2 = _split_relative(price2_text.strip(), "price2")
            order.trail_limit_offset, order.trail_limit_percent = amount2, percent2
            order.trail_limit_sign = 1 if sign2 == "+" else -1
            order.descr_price2 = _descr_offset(pair, sign2, amount2, percent2)
        return
    price = resolve_price(price_text, pair, side, ordertype, last, "price")
    check_price(pair, price, symbol)
    order.price = price
    order.descr_price = fmt(price, pair.pair_decimals)
    if ordertype in TRIGGERED_TYPES:
        order.stopprice = price
    if ordertype.endswith("-limit"):
        if price2_text is None:
            raise invalid("price2")
        price2 = resolve_price(price2_text, pair, side, ordertype, last, "price2")
        check_price(pair, price2, symbol)
        order.price2 = price2
        order.descr_price2 = fmt(price2, pair.pair_decimals)


def trail_trigger(order: Order, peak: Decimal) -> Decimal:
    """A trailing stop's trigger: the offset below the peak for sells, above the trough for buys."""
    assert order.trail_offset is not None
    offset = peak * order.trail_offset / 100 if order.trail_percent else order.trail_offset
    value = peak - offset if order.side == "sell" else peak + offset
    rounded = to_tick(quantize(value, order.pair.pair_decimals), order.pair.tick_size)
    return max(order.pair.tick_size, rounded)


def trail_limit(order: Order, trigger: Decimal) -> Decimal:
    """A trailing-stop-limit's limit price once triggered: the price2 offset from the trigger."""
    if order.trail_limit_offset is None:
        return trigger
    amount = order.trail_limit_offset
    offset = trigger * amount / 100 if order.trail_limit_percent else amount
    value = quantize(trigger + order.trail_limit_sign * offset, order.pair.pair_decimals)
    return max(order.pair.tick_size, to_tick(value, order.pair.tick_size))
