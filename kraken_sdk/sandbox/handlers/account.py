"""Account data: balances, orders, trades, positions, ledgers, volume, key info, exports."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from kraken_sdk.sandbox.funding import Export, zip_report
from kraken_sdk.sandbox.handlers.base import Binary, Call, State, handler, pairs_param
from kraken_sdk.sandbox.numbers import ZERO, fmt, parse_decimal
from kraken_sdk.sandbox.params import Params
from kraken_sdk.sandbox.records import LedgerEntry, Order, Position, Trade
from kraken_sdk.sandbox.rejects import RejectError, invalid
from kraken_sdk.sandbox.valuation import fee_tier
from kraken_sdk.sandbox.views import (
    asset_places,
    ledger_json,
    order_json,
    position_json,
    trade_json,
)

__all__: list[str] = []

_PAGE = 50
T = TypeVar("T")


def _balance_keys(state: State) -> list[str]:
    """Assets in Kraken's listing order: the sandbox's assets first, then earn balances."""
    known = [asset for asset in state.ref.assets if asset in state.exchange.account.balances]
    return known + sorted(set(state.exchange.account.balances) - set(known))


@handler("Balance")
def balance(state: State, call: Call) -> Any:
    balances = state.exchange.account.balances
    return {
        asset: fmt(balances[asset], asset_places(state.ref, asset))
        for asset in _balance_keys(state)
    }


@handler("BalanceEx")
def balance_ex(state: State, call: Call) -> Any:
    balances = state.exchange.account.balances
    holds = state.exchange.holds(call.now)
    out = {}
    for asset in _balance_keys(state):
        places = asset_places(state.ref, asset)
        out[asset] = {
            "balance": fmt(balances[asset], places),
            "hold_trade": fmt(holds.get(asset, ZERO), places),
        }
    return out


@handler("CreditLines")
def credit_lines(state: State, call: Call) -> Any:
    """A paper account has no credit line: no assets, and an empty limits monitor."""
    monitor = dict.fromkeys(
        (
            "total_credit_usd",
            "total_credit_used_usd",
            "total_collateral_value_usd",
            "equity_usd",
            "ongoing_balance",
            "debt_to_equity",
        )
    )
    return {"asset_details": {}, "limits_monitor": monitor}


@handler("TradeBalance")
def trade_balance(state: State, call: Call) -> Any:
    name = call.params.text("asset") or "ZUSD"
    asset = state.ref.asset(name)
    if asset is None:
        raise RejectError("EQuery:Unknown asset")
    exchange, valuation, now = state.exchange, state.exchange.valuation, call.now
    unit = valuation.usd(asset.id, now)
    if unit == 0:
        raise RejectError("EQuery:Unknown asset")
    equivalent = collateral = ZERO
    for held, amount in exchange.account.balances.items():
        spec = state.ref.assets.get(held)
        price = valuation.usd(held, now)
        equivalent += amount * price
        if spec is not None and spec.collateral_value is not None:
            collateral += amount * price * spec.collateral_value
    margin, pnl, cost, value = valuation.position_figures(exchange.open_positions(), now)
    unexecuted = ZERO
    for order in exchange.open_orders():
        reference = order.limit_price or order.price or ZERO
        unexecuted += order.remaining * reference * valuation.usd(order.pair.quote, now)
    places = asset.decimals

    def out(usd: Decimal) -> str:
        return fmt(usd / unit, places)

    equity = collateral + pnl
    result = {
        "eb": out(equivalent),
        "tb": out(collateral),
        "m": out(margin),
        "uv": out(unexecuted),
        "n": out(pnl),
        "c": out(cost),
        "v": out(value),
        "e": out(equity),
        "mf": out(equity - margin),
    }
    if margin > 0:
        result["ml"] = fmt(equity / margin * 100, 2)
    return result


def _order_filter(call: Call, orders: Sequence[Order]) -> list[Order]:
    userref = call.params.integer("userref")
    cl_ord_id = call.params.text("cl_ord_id")
    return [
        order
        for order in orders
        if (userref is None or order.userref == userref)
        and (cl_ord_id is None or order.cl_ord_id == cl_ord_id)
    ]


def _newest_first(
    items: Sequence[T], when: Callable[[T], float], seq: Callable[[T], int]
) -> list[T]:
    return sorted(items, key=lambda item: (when(item), seq(item)), reverse=True)


@handler("OpenOrders")
def open_orders(state: State, call: Call) -> Any:
    trades = call.params.flag("trades")
    orders = _newest_first(
        _order_filter(call, state.exchange.open_orders()), lambda o: o.opentm, lambda o: o.seq
    )
    return {"open": {order.txid: order_json(order, trades=trades) for order in orders}}


def _bound(params: Params, name: str, times: Callable[[str], float | None]) -> float | None:
    """`start`/`end`: a unix time, or an id whose time is used."""
    text = params.text(name)
    if text is None:
        return None
    number = parse_decimal(text)
    if number is not None:
        return float(number)
    found = times(text)
    if found is None:
        raise invalid(name)
    return found


def _page(
    params: Params,
    items: list[T],
    when: Callable[[T], float],
    lookup: Callable[[str], float | None],
) -> tuple[list[T], int]:
    """Kraken's paging: start exclusive, end inclusive, 50 per page from `ofs`.

    `items` are newest first by `when`, so the window is found by bisection (long ledgers).
    """
    start = _bound(params, "start", lookup)
    end = _bound(params, "end", lookup)
    offset = params.integer("ofs", 0) or 0
    if offset < 0:
        raise invalid("ofs")
    first = 0 if end is None else bisect_left(items, -end, key=lambda i: -when(i))
    last = len(items) if start is None else bisect_left(items, -start, key=lambda i: -when(i))
    last = max(first, last)
    return items[first + offset : min(first + offset + _PAGE, last)], last - first


@handler("ClosedOrders")
def closed_orders(state: State, call: Call) -> Any:
    params = call.params
    trades = params.flag("trades")
    closetime = params.choice("closetime", ("open", "close", "both"), "both")
    orders = [order for order in state.exchange.orders.values() if not order.is_open]

    def when(order: Order) -> float:
        if closetime == "open" or order.closetm is None:
            return order.opentm
        return order.closetm

    def lookup(txid: str) -> float | None:
        order = state.exchange.orders.get(txid)
        return order.opentm if order is not None else None

    ordered = _newest_first(_order_filter(call, orders), when, lambda o: o.seq)
    page, count = _page(params, ordered, when, lookup)
    result: dict[str, Any] = {"closed": {o.txid: order_json(o, trades=trades) for o in page}}
    if not params.flag("without_count"):
        result["count"] = count
    return result


@handler("QueryOrders")
def query_orders(state: State, call: Call) -> Any:
    txids = call.params.items("txid")
    if not txids or len(txids) > 50:
        raise invalid("txid")
    trades = call.params.flag("trades")
    userref = call.params.integer("userref")
    out = {}
    for txid in txids:
        order = state.exchange.orders.get(txid)
        if order is None:
            raise RejectError("EOrder:Invalid order")
        if userref is None or order.userref == userref:
            out[txid] = order_json(order, trades=trades)
    return out


@handler("OrderAmends")
def order_amends(state: State, call: Call) -> Any:
    order = state.exchange.orders.get(call.params.required("order_id"))
    if order is None:
        raise RejectError("EOrder:Unknown order")
    places, lot = order.pair.pair_decimals, order.pair.lot_decimals
    amends = []
    for record in order.amends:
        entry: dict[str, Any] = {
            "amend_id": record.amend_id,
            "amend_type": record.amend_type,
            "order_qty": fmt(record.order_qty, lot),
            "remaining_qty": fmt(record.remaining_qty, lot),
            "post_only": record.post_only,
            "timestamp": record.timestamp,
        }
        if record.display_qty is not None:
            entry["display_qty"] = fmt(record.display_qty, lot)
        if record.limit_price is not None:
            entry["limit_price"] = fmt(record.limit_price, places)
        if record.trigger_price is not None:
            entry["trigger_price"] = fmt(record.trigger_price, places)
        amends.append(entry)
    return {"amends": amends, "count": len(amends)}


_TRADE_TYPES = ("all", "any position", "closed position", "closing position", "no position")


def _trade_kind(trade: Trade, kind: str) -> bool:
    if kind == "all":
        return True
    if kind == "no position":
        return trade.leverage is None
    if kind == "closing position":
        return trade.misc == "closing"
    if kind == "closed position":
        return trade.position_status == "closed"
    return trade.leverage is not None


@handler("TradesHistory")
def trades_history(state: State, call: Call) -> Any:
    params = call.params
    kind = params.choice("type", _TRADE_TYPES, "all")
    assert kind is not None
    with_ledgers = params.flag("ledgers")
    trades = [t for t in state.exchange.trades.values() if _trade_kind(t, kind)]

    def lookup(txid: str) -> float | None:
        trade = state.exchange.trades.get(txid)
        return trade.time if trade is not None else None

    ordered = _newest_first(trades, lambda t: t.time, lambda t: t.seq)
    page, count = _page(params, ordered, lambda t: t.time, lookup)
    result: dict[str, Any] = {
        "trades": {trade.txid: trade_json(trade, ledgers=with_ledgers) for trade in page}
    }
    if not params.flag("without_count"):
        result["count"] = count
    return result


@handler("QueryTrades")
def query_trades(state: State, call: Call) -> Any:
    txids = call.params.items("txid")
    if not txids or len(txids) > 20:
        raise invalid("txid")
    out = {}
    for txid in txids:
        trade = state.exchange.trades.get(txid)
        if trade is None:
            raise invalid("txid")
        out[txid] = trade_json(trade)
    return out


@handler("OpenPositions")
def open_positions(state: State, call: Call) -> Any:
    params, now = call.params, call.now
    wanted = params.items("txid")
    docalcs = params.flag("docalcs")
    consolidation = params.choice("consolidation", ("market",))
    positions = [p for p in state.exchange.open_positions() if not wanted or p.id in wanted]
    positions.sort(key=lambda p: p.seq)

    def price(position: Position) -> Decimal | None:
        if not docalcs:
            return None
        return Decimal(repr(state.market.mid(position.pair, now)))

    if consolidation == "market":
        return _consolidated(state, positions, docalcs, now)
    return {p.id: position_json(p, state.ref, price=price(p)) for p in positions}


def _consolidated(state: State, positions: list[Position], docalcs: bool, now: float) -> Any:
    groups: dict[tuple[str, str], list[Position]] = {}
    for position in positions:
        groups.setdefault((position.pair.key, position.side), []).append(position)
    out = []
    for (key, side), members in groups.items():
        pair = members[0].pair
        places, lot = pair.cost_decimals, pair.lot_decimals
        vol = sum((p.vol for p in members), ZERO)
        cost = sum((p.cost for p in members), ZERO)
        margin = sum((p.margin for p in members), ZERO)
        entry: dict[str, Any] = {
            "pair": key,
            "class": "currency",
            "positions": str(len(members)),
            "type": side,
            "leverage": fmt(cost / margin if margin else ZERO, 8),
            "cost": fmt(cost, places),
            "fee": fmt(sum((p.fee for p in members), ZERO), places),
            "vol": fmt(vol, lot),
            "vol_closed": fmt(sum((p.vol_closed for p in members), ZERO), lot),
            "margin": fmt(margin, places),
        }
        if docalcs:
            mark = Decimal(repr(state.market.mid(pair, now)))
            direction = 1 if side == "buy" else -1
            open_vol = sum((p.open_vol for p in members), ZERO)
            open_cost = sum((p.cost * p.open_vol / p.vol for p in members), ZERO)
            entry["value"] = fmt(mark * open_vol, places)
            entry["net"] = fmt(direction * (mark * open_vol - open_cost), places)
        out.append(entry)
    return out


_LEDGER_TYPES = (
    "all",
    "trade",
    "deposit",
    "withdrawal",
    "transfer",
    "margin",
    "adjustment",
    "rollover",
    "credit",
    "settled",
    "staking",
    "dividend",
    "sale",
    "nft_rebate",
    "earn",
)


@handler("Ledgers")
def ledgers(state: State, call: Call) -> Any:
    params = call.params
    kind = params.choice("type", _LEDGER_TYPES, "all")
    names = [name for name in params.items("asset") if name.lower() != "all"]
    assets = set()
    for name in names:
        spec = state.ref.asset(name)
        assets.add(spec.id if spec is not None else name)
    ordered = state.exchange.account.newest_first()
    if kind != "all" or assets:
        ordered = [
            entry
            for entry in ordered
            if (kind == "all" or entry.type == kind) and (not assets or entry.asset in assets)
        ]

    def lookup(ledger_id: str) -> float | None:
        entry = state.exchange.account.ledgers.get(ledger_id)
        return entry.time if entry is not None else None

    page, count = _page(params, ordered, lambda e: e.time, lookup)
    result: dict[str, Any] = {"ledger": {e.id: ledger_json(e, state.ref) for e in page}}
    if not params.flag("without_count"):
        result["count"] = count
    return result


@handler("QueryLedgers")
def query_ledgers(state: State, call: Call) -> Any:
    ids = call.params.items("id")
    if not ids or len(ids) > 20:
        raise invalid("id")
    out = {}
    for ledger_id in ids:
        entry: LedgerEntry | None = state.exchange.account.ledgers.get(ledger_id)
        if entry is None:
            raise invalid("id")
        out[ledger_id] = ledger_json(entry, state.ref)
    return out


@handler("TradeVolume")
def trade_volume(state: State, call: Call) -> Any:
    volume = state.exchange.valuation.thirty_day_volume(call.now)
    result: dict[str, Any] = {"currency": "ZUSD", "volume": fmt(volume, 4)}
    chosen = pairs_param(state, call.params)
    if chosen:
        result["fees"] = {}
        result["fees_maker"] = {}
        for pair, _key in chosen:
            for field, schedule in (("fees", pair.fees), ("fees_maker", pair.fees_maker)):
                tier = fee_tier(schedule, volume)
                result[field][pair.key] = {
                    "fee": fmt(tier.fee, 4),
                    "minfee": fmt(tier.minfee, 4),
                    "maxfee": fmt(tier.maxfee, 4),
                    "nextfee": fmt(tier.nextfee, 4) if tier.nextfee is not None else None,
                    "nextvolume": (
                        fmt(tier.nextvolume, 4) if tier.nextvolume is not None else None
                    ),
                    "tiervolume": fmt(tier.tiervolume, 4),
                }
    return result


@handler("GetApiKeyInfo")
def get_api_key_info(state: State, call: Call) -> Any:
    key = call.key
    assert key is not None
    return {
        "api_key_name": key.name,
        "api_key": key.api_key,
        "nonce": str(key.nonce),
        "nonce_window": "0",
        "permissions": sorted(key.permissions),
        "iban": state.funding.iiban,
        "valid_until": "0",
        "query_from": "0",
        "query_to": "0",
        "created_time": str(int(key.created)),
        "modified_time": str(int(key.modified)),
        "ip_allowlist": [],
        "last_used": str(int(key.last_used)) if key.last_used is not None else None,
    }


# ---- exports ------------------------------------------------------------------------
_LEDGER_FIELDS = ("refid", "time", "type", "subtype", "aclass", "asset", "amount", "fee", "balance")


@handler("AddExport")
def add_export(state: State, call: Call) -> Any:
    params, now = call.params, call.now
    report = params.choice("report", ("trades", "ledgers"))
    if report is None:
        raise invalid("report")
    description = params.required("description")
    form = params.choice("format", ("CSV", "TSV"), "CSV")
    assert form is not None
    starttm = params.integer("starttm")
    endtm = params.integer("endtm")
    export = Export(
        id=state.ids.export(),
        report=report,
        descr=description,
        format=form,
        fields=params.text("fields") or "all",
        createdtm=now,
        datastarttm=float(starttm) if starttm is not None else 0.0,
        dataendtm=float(endtm) if endtm is not None else now,
        asset=params.text("asset") or "all",
    )
    state.funding.exports.append(export)
    return {"id": export.id}


@handler("ExportStatus")
def export_status(state: State, call: Call) -> Any:
    report = call.params.choice("report", ("trades", "ledgers"))
    if report is None:
        raise invalid("report")
    out = []
    for export in state.funding.exports:
        if export.report != report or export.canceled:
            continue
        status = export.status(call.now)
        done = str(int(export.createdtm + 1)) if status == "Processed" else "0"
        out.append(
            {
                "id": export.id,
                "descr": export.descr,
                "format": export.format,
                "report": export.report,
                "subtype": "all",
                "status": status,
                "flags": "0",
                "fields": export.fields,
                "createdtm": str(int(export.createdtm)),
                "expiretm": str(int(export.createdtm) + 1209600),
                "starttm": done,
                "completedtm": done,
                "datastarttm": str(int(export.datastarttm)),
                "dataendtm": str(int(export.dataendtm)),
                "aclass": "forex",
                "asset": export.asset,
            }
        )
    return out


@handler("RetrieveExport")
def retrieve_export(state: State, call: Call) -> Any:
    export = state.funding.find_export(call.params.required("id"))
    if export.status(call.now) != "Processed":
        raise invalid("id")
    delimiter = "\t" if export.format == "TSV" else ","
    if export.report == "trades":
        trades = sorted(state.exchange.trades.values(), key=lambda t: t.seq)
        rows = [
            [
                t.txid,
                t.ordertxid,
                t.pair.key,
                str(t.time),
                t.side,
                t.ordertype,
                fmt(t.price, t.pair.cost_decimals),
                fmt(t.cost, t.pair.cost_decimals),
                fmt(t.fee, t.pair.cost_decimals),
                fmt(t.vol, t.pair.lot_decimals),
                fmt(t.margin, t.pair.cost_decimals),
                t.misc,
                ",".join(t.ledgers),
            ]
            for t in trades
            if export.datastarttm <= t.time <= export.dataendtm
        ]
        header = [
            "txid",
            "ordertxid",
            "pair",
            "time",
            "type",
            "ordertype",
            "price",
            "cost",
            "fee",
            "vol",
            "margin",
            "misc",
            "ledgers",
        ]
    else:
        entries = sorted(state.exchange.account.ledgers.values(), key=lambda e: e.seq)
        header = ["txid", *_LEDGER_FIELDS]
        rows = []
        for entry in entries:
            if export.datastarttm <= entry.time <= export.dataendtm:
                shown = ledger_json(entry, state.ref)
                rows.append([entry.id, *(str(shown[name]) for name in _LEDGER_FIELDS)])
    name = f"{export.report}.{export.format.lower()}"
    return Binary(zip_report(name, header, rows, delimiter))


@handler("RemoveExport")
def remove_export(state: State, call: Call) -> Any:
    export = state.funding.find_export(call.params.required("id"))
    kind = call.params.choice("type", ("cancel", "delete"))
    if kind is None:
        raise invalid("type")
    processed = export.status(call.now) == "Processed"
    if (kind == "delete") != processed:
        raise invalid("type")
    export.canceled = True
    return {kind: True}
