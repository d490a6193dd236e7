"""Records -> Kraken's JSON, with Kraken's number formats.

Prices in order descriptions carry the pair's decimals; costs, fees and trigger prices carry the
cost decimals; volumes the lot decimals; ledger amounts and balances the asset's decimals;
times are JSON numbers with a fraction (opentm, time) or strings (rollovertm).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from kraken_sdk.sandbox.numbers import ZERO, fmt
from kraken_sdk.sandbox.orderspec import trail_limit
from kraken_sdk.sandbox.records import CloseSpec, LedgerEntry, Order, Position, Trade
from kraken_sdk.sandbox.refdata import PairSpec, ReferenceData

__all__ = [
    "asset_places",
    "close_text",
    "ledger_json",
    "order_json",
    "order_text",
    "position_json",
    "rfc1123",
    "rfc3339",
    "stamp",
    "trade_json",
]

_KIND_WORDS = {
    "stop-loss": "stop loss",
    "take-profit": "take profit",
    "trailing-stop": "trailing stop",
    "settle-position": "settle position",
}


def stamp(t: float) -> float:
    """A unix time as Kraken sends it in private data: seconds with a fraction."""
    return round(t, 4)


def rfc1123(t: float) -> str:
    """`Thu, 06 Jul 23 18:50:48 +0000`, the Time endpoint's format."""
    return dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%a, %d %b %y %H:%M:%S +0000")


def rfc3339(t: float) -> str:
    return dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _kind_text(kind: str, price: str, price2: str) -> str:
    """`limit 30010.0`, `stop loss 55.0 -> limit 54.0`, `trailing stop +1.0000%`."""
    if kind in ("market", "settle-position"):
        return _KIND_WORDS.get(kind, kind)
    if kind in ("limit", "iceberg"):
        return f"{kind} {price}"
    base = kind.removesuffix("-limit")
    text = f"{_KIND_WORDS[base]} {price}"
    return f"{text} -> limit {price2}" if kind.endswith("-limit") else text


def order_text(order: Order) -> str:
    """The human summary Kraken puts in `descr.order`."""
    pair = order.pair
    volume = fmt(order.vol, pair.lot_decimals)
    text = f"{order.side} {volume} {pair.altname} @ "
    text += _kind_text(order.ordertype, order.descr_price, order.descr_price2)
    if order.leverage is not None:
        text += f" with {order.leverage}:1 leverage"
    return text


def close_text(close: CloseSpec | None) -> str:
    """`close position @ stop loss 22000.0 -> limit 21000.0`, or empty."""
    if close is None:
        return ""
    kind = _kind_text(close.ordertype, close.price or "0", close.price2 or "0")
    return "close position @ " + kind


def _time_or_zero(t: float) -> float | int:
    return stamp(t) if t else 0


def order_json(order: Order, *, trades: bool = False) -> dict[str, Any]:
    """One order as OpenOrders, ClosedOrders and QueryOrders show it."""
    pair = order.pair
    cost_places = pair.cost_decimals
    average = (
        fmt(order.cost / order.vol_exec, pair.pair_decimals)
        if order.vol_exec > 0
        else fmt(ZERO, cost_places)
    )
    trailing = order.ordertype.startswith("trailing-stop")
    stopprice = order.stopprice if (trailing or order.triggered) else ZERO
    limitprice = order.limitprice if order.triggered else ZERO
    if trailing and not order.triggered and order.ordertype.endswith("-limit"):
        limitprice = trail_limit(order, order.stopprice)
    out: dict[str, Any] = {
        "refid": order.refid,
        "userref": order.userref
        if order.userref is not None
        else (None if order.cl_ord_id is not None else 0),
    }
    if order.cl_ord_id is not None:
        out["cl_ord_id"] = order.cl_ord_id
    out.update(
        {
            "status": order.status,
            "opentm": stamp(order.opentm),
            "starttm": _time_or_zero(order.starttm),
            "expiretm": _time_or_zero(order.expiretm),
            "descr": {
                "pair": pair.altname,
                "type": order.side,
                "ordertype": order.ordertype,
                "price": order.descr_price,
                "price2": order.descr_price2,
                "leverage": f"{order.leverage}:1" if order.leverage is not None else "none",
                "order": order_text(order),
                "close": close_text(order.close),
            },
            "vol": fmt(order.vol, pair.lot_decimals),
            "vol_exec": fmt(order.vol_exec, pair.lot_decimals),
            "cost": fmt(order.cost, cost_places),
            "fee": fmt(order.fee, cost_places),
            "price": average,
            "stopprice": fmt(stopprice, cost_places),
            "limitprice": fmt(limitprice, cost_places),
            "misc": ",".join(order.misc),
            "oflags": ",".join(order.oflags),
            "reason": order.reason,
        }
    )
    if order.closetm is not None:
        out["closetm"] = stamp(order.closetm)
    if order.trigger == "index":
        out["trigger"] = "index"
    if order.leverage is not None:
        out["margin"] = True
    if order.amended:
        out["amended"] = True
    if order.displayvol is not None:
        out["displayvol"] = fmt(order.displayvol, pair.lot_decimals)
    if trades and order.trades:
        out["trades"] = list(order.trades)
    return out


def trade_json(trade: Trade, *, ledgers: bool = False) -> dict[str, Any]:
    """One trade as TradesHistory and QueryTrades show it."""
    pair = trade.pair
    places = pair.cost_decimals
    out: dict[str, Any] = {
        "ordertxid": trade.ordertxid,
        "postxid": trade.postxid,
        "pair": pair.key,
        "aclass": "forex",
        "time": stamp(trade.time),
        "type": trade.side,
        "ordertype": trade.ordertype,
        "price": fmt(trade.price, places),
        "cost": fmt(trade.cost, places),
        "fee": fmt(trade.fee, places),
        "vol": fmt(trade.vol, pair.lot_decimals),
        "margin": fmt(trade.margin, places),
        "leverage": str(trade.leverage) if trade.leverage is not None else "0",
        "misc": trade.misc,
        "trade_id": trade.trade_id,
        "maker": trade.maker,
    }
    if trade.position_status is not None:
        out["posstatus"] = trade.position_status
    if ledgers:
        out["ledgers"] = list(trade.ledgers)
    return out


def asset_places(ref: ReferenceData, asset_id: str) -> int:
    """Decimals of an asset's amounts; `DOT.F`-style earn balances use their asset's."""
    asset = ref.assets.get(asset_id) or ref.asset(asset_id.split(".", 1)[0])
    return asset.decimals if asset else 8


def ledger_json(entry: LedgerEntry, ref: ReferenceData) -> dict[str, Any]:
    places = asset_places(ref, entry.asset)
    return {
        "refid": entry.refid,
        "time": stamp(entry.time),
        "type": entry.type,
        "subtype": entry.subtype,
        "aclass": "currency",
        "asset": entry.asset,
        "amount": fmt(entry.amount, places),
        "fee": fmt(entry.fee, places),
        "balance": fmt(entry.balance, places),
    }


def position_json(
    position: Position, ref: ReferenceData, *, price: Decimal | None = None
) -> dict[str, Any]:
    """One open position; with `price` (docalcs) also its value and net P/L."""
    pair: PairSpec = position.pair
    places = pair.cost_decimals
    out: dict[str, Any] = {
        "ordertxid": position.ordertxid,
        "posstatus": position.status,
        "pair": pair.key,
        "time": stamp(position.time),
        "type": position.side,
        "ordertype": position.ordertype,
        "cost": fmt(position.cost, places),
        "fee": fmt(position.fee, places),
        "vol": fmt(position.vol, pair.lot_decimals),
        "vol_closed": fmt(position.vol_closed, pair.lot_decimals),
        "margin": fmt(position.margin, places),
        "terms": "0.0100% per 4 hours",
        "rollovertm": str(int(position.time) + 4 * 3600),
        "misc": "",
        "oflags": "",
    }
    if price is not None:
        value = price * position.open_vol
        share = position.open_vol / position.vol
        direction = 1 if position.side == "buy" else -1
        net = direction * (value - position.cost * share)
        quote_places = ref.assets[pair.quote].decimals
        out["value"] = fmt(value, pair.pair_decimals)
        out["net"] = ("+" if net >= 0 else "") + fmt(net, quote_places)
    return out
