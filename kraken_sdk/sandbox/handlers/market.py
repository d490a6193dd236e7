"""Public market data: Time, SystemStatus, Assets, AssetPairs, Ticker, OHLC, Depth, Trades,
Spread, GroupedBook, and the authenticated Level3 book."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from kraken_sdk.sandbox.handlers.base import Call, State, handler, pair_param, pairs_param
from kraken_sdk.sandbox.market import OHLC_INTERVALS
from kraken_sdk.sandbox.numbers import fmt, to_tick
from kraken_sdk.sandbox.refdata import PairSpec
from kraken_sdk.sandbox.rejects import RejectError, invalid
from kraken_sdk.sandbox.views import rfc1123, rfc3339

__all__: list[str] = []


@handler("Time")
def time_(state: State, call: Call) -> Any:
    return {"unixtime": int(call.now), "rfc1123": rfc1123(call.now)}


@handler("SystemStatus")
def system_status(state: State, call: Call) -> Any:
    return {"status": state.exchange.status, "timestamp": rfc3339(call.now)}


@handler("Assets")
def assets(state: State, call: Call) -> Any:
    if call.params.text("aclass") == "tokenized_asset":
        return {}
    names = call.params.items("asset")
    chosen = []
    for name in names:
        asset = state.ref.asset(name)
        if asset is None:
            raise RejectError("EQuery:Unknown asset")
        chosen.append(asset)
    return {asset.id: asset.row() for asset in (chosen or state.ref.assets.values())}


@handler("AssetPairs")
def asset_pairs(state: State, call: Call) -> Any:
    info = call.params.choice("info", ("info", "leverage", "fees", "margin"), "info")
    assert info is not None
    if call.params.text("aclass_base") == "tokenized_asset":
        return {}
    chosen = pairs_param(state, call.params) or [(p, p.key) for p in state.ref.pairs.values()]
    return {key: pair.row(info) for pair, key in chosen}


def _lot(volume: Decimal) -> list[str]:
    """Ticker's `[whole lot volume, lot volume]` of a book level."""
    return [str(max(1, math.ceil(volume))), fmt(volume, 3)]


@handler("Ticker")
def ticker(state: State, call: Call) -> Any:
    market, now = state.market, call.now
    chosen = pairs_param(state, call.params) or [(p, p.key) for p in state.ref.pairs.values()]
    out = {}
    midnight = math.floor(now / 86400) * 86400
    for pair, key in chosen:
        places = pair.price_places
        top = market.top(pair, now)
        asks, bids = market.depth(pair, now, 1)
        last = market.last_trade(pair, now)
        today = market.window(pair, midnight, now + 1, now)
        day = market.window(pair, now - 86400, now + 1, now)
        out[key] = {
            "a": [fmt(top.ask, places), *_lot(asks[0].volume)],
            "b": [fmt(top.bid, places), *_lot(bids[0].volume)],
            "c": [fmt(last.price, places), fmt(last.volume, pair.lot_decimals)],
            "v": [fmt(today.volume, 8), fmt(day.volume, 8)],
            "p": [fmt(today.vwap, places), fmt(day.vwap, places)],
            "t": [today.count, day.count],
            "l": [fmt(today.low, places), fmt(day.low, places)],
            "h": [fmt(today.high, places), fmt(day.high, places)],
            "o": fmt(today.open, places),
        }
    return out


@handler("OHLC")
def ohlc(state: State, call: Call) -> Any:
    pair, key = pair_param(state, call.params)
    interval = call.params.integer("interval", 1)
    if interval not in OHLC_INTERVALS:
        raise invalid("interval")
    since = call.params.integer("since")
    rows = state.market.candles(pair, interval, call.now, since)
    places = pair.pair_decimals
    data = [
        [
            candle.time,
            fmt(candle.open, places),
            fmt(candle.high, places),
            fmt(candle.low, places),
            fmt(candle.close, places),
            fmt(candle.vwap, places),
            fmt(candle.volume, 8),
            candle.count,
        ]
        for candle in rows
    ]
    period = interval * 60
    committed = math.floor(call.now / period) * period - period
    return {key: data, "last": committed}


@handler("Depth")
def depth(state: State, call: Call) -> Any:
    pair, key = pair_param(state, call.params)
    count = call.params.integer("count", 100)
    assert count is not None
    if not 1 <= count <= 500:
        raise invalid("count")
    asks, bids = state.market.depth(pair, call.now, count)
    places = pair.price_places

    def side(levels: list[Any]) -> list[list[Any]]:
        return [[fmt(lv.price, places), fmt(lv.volume, 3), lv.timestamp] for lv in levels]

    return {key: {"asks": side(asks), "bids": side(bids)}}


def _since_nanos(text: str | None) -> int | None:
    """Trades' `since`: unix seconds, or the nanosecond `last` of an earlier answer."""
    if text is None:
        return None
    if not text.strip().isdigit():
        raise invalid("since")
    value = int(text)
    return value * 1_000_000_000 if value < 10**11 else value


@handler("Trades")
def trades(state: State, call: Call) -> Any:
    pair, key = pair_param(state, call.params)
    count = call.params.integer("count", 1000)
    assert count is not None
    if not 1 <= count <= 1000:
        raise invalid("count")
    since = _since_nanos(call.params.text("since"))
    rows = state.market.trades(pair, call.now, since, count)
    places = pair.price_places
    data = [
        [
            fmt(trade.price, places),
            fmt(trade.volume, pair.lot_decimals),
            trade.time,
            trade.side,
            trade.ordtype,
            "",
            trade.trade_id,
        ]
        for trade in rows
    ]
    last = str(rows[-1].nanos) if rows else str(since if since is not None else int(call.now * 1e9))
    return {key: data, "last": last}


@handler("Spread")
def spread(state: State, call: Call) -> Any:
    pair, key = pair_param(state, call.params)
    since = call.params.integer("since")
    entries = state.market.spreads(pair, call.now, since)
    places = pair.price_places
    data = [[at, fmt(top.bid, places), fmt(top.ask, places)] for at, top in entries]
    last = entries[-1][0] if entries else (since or int(call.now))
    return {key: data, "last": last}


def _grouped(pair: PairSpec, levels: list[Any], grouping: int, up: bool) -> list[dict[str, str]]:
    step = pair.tick_size * grouping
    buckets: dict[Decimal, Decimal] = {}
    for level in levels:
        price = to_tick(level.price, step, up=up)
        buckets[price] = buckets.get(price, Decimal(0)) + level.volume
    ordered = sorted(buckets.items(), reverse=not up)
    return [{"price": fmt(p, pair.price_places), "qty": fmt(q, 8)} for p, q in ordered]


@handler("GroupedBook")
def grouped_book(state: State, call: Call) -> Any:
    pair, _key = pair_param(state, call.params)
    count = call.params.integer("depth", 10)
    grouping = call.params.integer("grouping", 1)
    if count not in (10, 25, 100, 250, 1000):
        raise invalid("depth")
    if grouping not in (1, 5, 10, 25, 50, 100, 250, 500, 1000):
        raise invalid("grouping")
    asks = state.market.levels(pair, call.now, "asks")
    bids = state.market.levels(pair, call.now, "bids")
    ask_rows: list[dict[str, str]] = []
    bid_rows: list[dict[str, str]] = []
    taken = count * grouping
    while len(ask_rows) < count or len(bid_rows) < count:
        ask_rows = _grouped(pair, [next(asks) for _ in range(taken)], grouping, up=True)
        bid_rows = _grouped(pair, [next(bids) for _ in range(taken)], grouping, up=False)
        taken *= 2
    return {
        "pair": state.ref.symbol(pair),
        "grouping": grouping,
        "bids": bid_rows[:count],
        "asks": ask_rows[:count],
    }


@handler("Level3")
def level3(state: State, call: Call) -> Any:
    pair, _key = pair_param(state, call.params)
    count = call.params.integer("depth", 100)
    if count not in (0, 10, 25, 100, 250, 1000):
        raise invalid("depth")
    asks, bids = state.market.depth(pair, call.now, count or 100)
    places = pair.price_places

    def orders(levels: list[Any], side: str) -> list[dict[str, Any]]:
        rows = []
        for index, level in enumerate(levels):
            rows.append(
                {
                    "price": fmt(level.price, places),
                    "qty": fmt(level.volume, pair.lot_decimals),
                    "order_id": f"O{side}{index:05d}-{level.timestamp % 100000:05d}-SANDBX",
                    "timestamp": level.timestamp * 1_000_000_000,
                }
            )
        return rows

    return {
        "pair": state.ref.symbol(pair),
        "bids": orders(bids, "B"),
        "asks": orders(asks, "A"),
    }
