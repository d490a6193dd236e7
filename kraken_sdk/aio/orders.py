"""KrakenAdapter's blocking half: broker-neutral types in, Kraken calls out, and back again.

Every function takes the blocking `KrakenClient` and runs in a worker thread, so the event
loop never waits on a socket or on the first load of the symbol table. `aio.KrakenAdapter` is
the async face; keeping the translation here keeps it testable without an event loop.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from msgspec import UnsetType

from kraken_sdk._core.errors import (
    KrakenAPIError,
    KrakenError,
    UnknownOrderError,
    UnknownPairError,
    ValidationError,
)
from kraken_sdk._core.ratelimit import RateLimits
from kraken_sdk.aio.execution import (
    Fill,
    Order,
    OrderAck,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TimeInForce,
)
from kraken_sdk.client import KrakenClient
from kraken_sdk.models.common import Order as KrakenOrder
from kraken_sdk.models.common import Trade as KrakenTrade
from kraken_sdk.symbols import split_balance_code

__all__ = [
    "BATCH_MAX",
    "Prepared",
    "account",
    "cancel",
    "default_poll_interval",
    "orders",
    "positions",
    "prepare",
    "server_time",
    "submit",
    "ticker",
    "trade_balance",
    "trades_since",
]

BATCH_MAX = 15
"""Kraken's AddOrderBatch takes 2 to 15 orders, all on one pair."""

PAGE = 50
"""Rows per page of ClosedOrders and TradesHistory."""

TRADES_HISTORY_COST = 2
"""TradesHistory adds 2 to the key's REST counter (most calls add 1)."""

TRADE_BALANCE_NAMES = {
    "eb": "equivalent_balance",
    "tb": "trade_balance",
    "m": "margin",
    "n": "unrealized_pnl",
    "c": "cost_basis",
    "v": "valuation",
    "e": "equity",
    "mf": "free_margin",
    "ml": "margin_level",
    "uv": "unexecuted_value",
}
"""TradeBalance's one-letter keys, spelled out."""


def utc(timestamp: Decimal | int | float) -> datetime:
    """A Kraken unix time as an aware UTC datetime."""
    return datetime.fromtimestamp(float(timestamp), tz=UTC)


def default_poll_interval(limits: RateLimits) -> float:
    """Seconds between TradesHistory polls that spend at most half the key's REST budget.

    TradesHistory costs 2 and the counter decays at the tier's rate, so polling every 4/decay
    seconds (12 s on Starter, 8 s Intermediate, 4 s Pro) leaves the other half for trading.
    """
    if limits.counter_max is None or limits.decay_per_second <= 0:
        return 1.0
    return max(1.0, 2 * TRADES_HISTORY_COST / limits.decay_per_second)


# --- market and account -------------------------------------------------------------------------


def server_time(client: KrakenClient) -> datetime:
    return utc(client.market.time().unixtime)


def ticker(client: KrakenClient, symbol: str) -> dict[str, Decimal]:
    """The Ticker of one pair with readable keys; sizes are in the base asset."""
    result = client.market.ticker(pair=symbol)
    info = next(iter(result.values()))
    return {
        "bid": info.b.price,
        "bid_size": info.b.lot_volume,
        "ask": info.a.price,
        "ask_size": info.a.lot_volume,
        "last": info.c.price,
        "last_size": info.c.lot_volume,
        "open": info.o,
        "high_24h": info.h.last_24h,
        "low_24h": info.l.last_24h,
        "volume_24h": info.v.last_24h,
        "vwap_24h": info.p.last_24h,
    }


def account(client: KrakenClient) -> dict[str, Decimal]:
    """Balances keyed by standard asset names (BTC, USD; read-only ones keep .F/.B/.S/.M/.T)."""
    out: dict[str, Decimal] = {}
    for code, amount in client.account.balance().items():
        name = client.symbols.standard_asset(code)
        out[name] = out.get(name, Decimal(0)) + amount
    return out


def trade_balance(client: KrakenClient, asset: str | None) -> dict[str, Decimal]:
    """TradeBalance with readable keys (equity, free_margin, ...), in `asset` (USD default)."""
    group = client.account
    result = group.trade_balance(asset=asset) if asset else group.trade_balance()
    out: dict[str, Decimal] = {}
    for short, name in TRADE_BALANCE_NAMES.items():
        value = getattr(result, short)
        if isinstance(value, Decimal):
            out[name] = value
    return out


def positions(client: KrakenClient) -> list[Position]:
    """Spot holdings by asset (`BTC`), then open margin positions by pair and side (`BTC/USD`).

    Read-only balances (`BTC.F`, `ETH2.S`) are not positions: they cannot be traded as such.
    Margin positions on one pair and side are summed; `position_ids` lists Kraken's ids.
    """
    held: list[Position] = []
    for name, amount in sorted(account(client).items()):
        if amount != 0 and not split_balance_code(name)[1]:
            held.append(Position(symbol=name, quantity=amount))
    margin: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    result = client.account.open_positions(docalcs=True)
    if isinstance(result, Mapping):
        for position_id, position in result.items():
            symbol = symbol_of(client, position.pair)
            margin.setdefault((symbol, position.type), []).append((position_id, position))
    for (symbol, side), lots in margin.items():
        volume = sum((p.vol - p.vol_closed for _, p in lots), Decimal(0))
        paid = sum(((p.vol - p.vol_closed) * p.cost / p.vol for _, p in lots if p.vol), Decimal(0))
        nets = [p.net for _, p in lots if isinstance(p.net, Decimal)]
        held.append(
            Position(
                symbol=symbol,
                quantity=volume,
                side=Side(side),
                average_price=paid / volume if volume else None,
                unrealized_pnl=sum(nets, Decimal(0)) if nets else None,
                margin=True,
                position_ids=tuple(position_id for position_id, _ in lots),
            )
        )
    return held


# --- orders -------------------------------------------------------------------------------------


def symbol_of(client: KrakenClient, name: str) -> str:
    """`XBTUSD` -> `BTC/USD`; a name Kraken no longer lists (a delisted pair in old orders
    or trades) comes back as given rather than failing the whole answer."""
    try:
        return client.symbols.standard_pair(name)
    except UnknownPairError:
        return name


def status_of(text: str) -> OrderStatus:
    try:
        return OrderStatus(text)
    except ValueError:
        return OrderStatus.UNKNOWN


def order_ack(client: KrakenClient, txid: str, order: KrakenOrder) -> OrderAck:
    """An order as OpenOrders/ClosedOrders report it, in neutral terms."""
    pair = order.descr.pair if isinstance(order.descr.pair, str) else ""
    cl_ord_id = order.cl_ord_id if isinstance(order.cl_ord_id, str) else None
    return OrderAck(
        order_id=txid,
        client_order_id=cl_ord_id,
        symbol=symbol_of(client, pair) if pair else "",
        status=status_of(order.status),
        description=order.descr.order,
    )


OPEN_STATES = frozenset({"open", "pending"})
CLOSED_STATES = frozenset({"closed", "canceled", "expired"})


def orders(client: KrakenClient, status: str, limit: int) -> list[OrderAck]:
    """Open orders, closed ones (newest first, up to `limit`), or both (`all`).

    `status` is `open`, `closed` (closed, canceled and expired), `all`, or one exact state
    such as `canceled` to filter by it.
    """
    wanted = status.lower()
    if wanted not in {"open", "closed", "all"} | OPEN_STATES | CLOSED_STATES:
        raise ValidationError(
            "must be open, closed, all, or one of pending, canceled, expired", field="status"
        )
    acks: list[OrderAck] = []
    if wanted in {"open", "all", "pending"}:
        for txid, order in client.account.open_orders().open.items():
            acks.append(order_ack(client, txid, order))
    closed: list[OrderAck] = []
    if wanted in {"closed", "all"} | CLOSED_STATES:
        offset = 0
        while offset < limit:
            page = client.account.closed_orders(ofs=offset, without_count=True).closed
            closed.extend(order_ack(client, txid, order) for txid, order in page.items())
            if len(page) < PAGE:
                break
            offset += len(page)
    acks += closed[:limit]
    if wanted not in {"open", "closed", "all"}:
        acks = [ack for ack in acks if ack.status == wanted]
    return acks


@dataclass(frozen=True, slots=True)
class Prepared:
    """One validated order: its place in the caller's list and its Kraken fields."""

    index: int
    symbol: str
    pair_key: str
    fields: dict[str, Any]
    client_order_id: str


def _price(value: Decimal) -> str:
    return format(value, "f")


def order_fields(order: Order, client_order_id: str) -> dict[str, Any]:
    """One Order as AddOrder fields (the pair aside); AddOrderBatch entries take the same."""
    fields: dict[str, Any] = {
        "type": order.side.value,
        "ordertype": order.order_type.value,
        "volume": order.quantity,
        "cl_ord_id": client_order_id,
    }
    kind, limit, stop = order.order_type, order.limit_price, order.stop_price
    if kind is OrderType.LIMIT and limit is not None:
        fields["price"] = _price(limit)
    elif kind in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT) and stop is not None:
        fields["price"] = _price(stop)
    elif kind in (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT):
        if stop is not None and limit is not None:
            fields["price"], fields["price2"] = _price(stop), _price(limit)
    elif kind is OrderType.TRAILING_STOP and stop is not None:
        fields["price"] = "+" + _price(stop)  # Kraken: a trailing offset must carry a + sign
    if order.time_in_force is not TimeInForce.GTC:
        fields["timeinforce"] = order.time_in_force.value
    if order.expire_time is not None:
        fields["expiretm"] = str(math.ceil(order.expire_time.timestamp()))
    if order.leverage is not None and order.leverage > 1:
        fields["leverage"] = str(order.leverage)
    if order.reduce_only:
        fields["reduce_only"] = True
    if order.post_only:
        fields["oflags"] = "post"
    return fields


def prepare(client: KrakenClient, orders: Sequence[Order]) -> list[Prepared]:
    """Check every order (pair, rules, ids) before anything is sent; ValidationError otherwise.

    Orders without a client_order_id get a fresh UUID here, before the first attempt: it is how
    an order whose placement failed ambiguously is found again, and the ack carries it back.
    """
    prepared: list[Prepared] = []
    seen: set[str] = set()
    for index, order in enumerate(orders):
        if not isinstance(order, Order):
            raise ValidationError(
                f"expected an Order, got {type(order).__name__}", field=f"orders[{index}]"
            )
        client_order_id = order.client_order_id or str(uuid.uuid4())
        if client_order_id in seen:
            raise ValidationError(
                f"client_order_id {client_order_id!r} appears twice",
                field=f"orders[{index}].client_order_id",
                rule="unique",
            )
        seen.add(client_order_id)
        fields = order_fields(order, client_order_id)
        try:
            # The client's own pre-checks (model, pair rules); nothing is sent here.
            pair = client.prepare("AddOrder", **{"pair": order.symbol, **fields}).pair
        except UnknownPairError as error:
            field = f"orders[{index}].symbol"
            raise UnknownPairError(
                error.pair, error.suggestions, method="submit_orders", field=field
            ) from error
        except ValidationError as error:
            text = str(error).removeprefix(f"{error.method}: ").removeprefix(f"{error.field}: ")
            name = _neutral_field(order, error.field)
            field = f"orders[{index}].{name}" if name else f"orders[{index}]"
            raise ValidationError(
                text, method="submit_orders", field=field, rule=error.rule
            ) from error
        assert pair is not None
        prepared.append(Prepared(index, pair.symbol, pair.key, fields, client_order_id))
    return prepared


NEUTRAL_FIELDS = {
    "pair": "symbol",
    "type": "side",
    "ordertype": "order_type",
    "volume": "quantity",
    "price2": "limit_price",
    "timeinforce": "time_in_force",
    "expiretm": "expire_time",
    "cl_ord_id": "client_order_id",
    "oflags": "post_only",
}
"""Kraken's AddOrder field -> the Order attribute it came from (price depends on the type)."""


def _neutral_field(order: Order, field: str | None) -> str | None:
    """Name a failing Kraken field as the caller wrote it: `volume` -> `quantity`."""
    if field == "price":
        return "limit_price" if order.order_type is OrderType.LIMIT else "stop_price"
    return NEUTRAL_FIELDS.get(field, field) if field else None


def _chunks(items: list[Prepared]) -> list[list[Prepared]]:
    """Even chunks of at most BATCH_MAX, so a pair with 16 orders sends 8 + 8, never 15 + 1."""
    count = math.ceil(len(items) / BATCH_MAX)
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def submit(client: KrakenClient, prepared: list[Prepared]) -> list[OrderAck]:
    """Send prepared orders: one AddOrderBatch per pair with several orders, else AddOrder.

    Returns one ack per order, in the caller's order. Nothing raises once sending has begun:
    a refusal becomes a REJECTED ack; an ambiguous failure the client could not reconcile by
    client_order_id (it looks first, see kraken_sdk.reconcile) an UNKNOWN one.
    """
    groups: dict[str, list[Prepared]] = {}
    for item in prepared:
        groups.setdefault(item.pair_key, []).append(item)
    acks: dict[int, OrderAck] = {}
    for items in groups.values():
        for chunk in _chunks(items):
            for ack_index, ack in _send(client, chunk):
                acks[ack_index] = ack
    return [acks[item.index] for item in prepared]


def _send(client: KrakenClient, chunk: list[Prepared]) -> list[tuple[int, OrderAck]]:
    symbol = chunk[0].symbol
    try:
        if len(chunk) == 1:
            single = client.trading.add_order(pair=symbol, **chunk[0].fields)
            txids = single.txid if isinstance(single.txid, list) else []
            ack = _placed(chunk[0], txids[0] if txids else None, single.descr.order)
            return [(chunk[0].index, ack)]
        batch = client.trading.add_order_batch(pair=symbol, orders=[item.fields for item in chunk])
    except KrakenError as error:
        if error.surely_not_executed:
            return [(item.index, _rejected(item, _reason(error))) for item in chunk]
        # The client has already looked the orders up by cl_ord_id (kraken_sdk.reconcile)
        # and could not settle it: say so rather than guess.
        reason = (
            f"outcome unknown ({_reason(error)}): look the order up by its client_order_id "
            "before sending it again"
        )
        return [(item.index, _unknown(item, reason)) for item in chunk]
    out: list[tuple[int, OrderAck]] = []
    for position, item in enumerate(chunk):
        if position >= len(batch.orders):
            ack = _unknown(item, "Kraken's answer did not list this order")
        else:
            entry = batch.orders[position]
            if isinstance(entry.error, str):
                ack = _rejected(item, entry.error)
            else:
                text = "" if isinstance(entry.descr, UnsetType) else entry.descr.order
                txid = entry.txid if isinstance(entry.txid, str) else None
                ack = _placed(item, txid, text)
        out.append((item.index, ack))
    return out


def _placed(item: Prepared, txid: str | None, description: str) -> OrderAck:
    """Accepted by Kraken: OPEN here means 'on the exchange'; fills come from stream_fills."""
    return OrderAck(txid, item.client_order_id, item.symbol, OrderStatus.OPEN, description)


def _rejected(item: Prepared, reason: str) -> OrderAck:
    return OrderAck(None, item.client_order_id, item.symbol, OrderStatus.REJECTED, reason)


def _unknown(item: Prepared, reason: str) -> OrderAck:
    return OrderAck(None, item.client_order_id, item.symbol, OrderStatus.UNKNOWN, reason)


def _reason(error: KrakenError) -> str:
    if isinstance(error, KrakenAPIError) and error.errors:
        return ", ".join(error.errors)
    return str(error)


def cancel(client: KrakenClient, order_id: str | None, client_order_id: str | None) -> bool:
    """True when Kraken cancelled (or is cancelling) the order; False when it was not open."""
    if (order_id is None) == (client_order_id is None):
        raise ValidationError("give order_id or client_order_id, not both", field="order_id")
    try:
        if order_id is not None:
            result = client.trading.cancel_order(txid=order_id)
        else:
            result = client.trading.cancel_order(cl_ord_id=str(client_order_id))
    except UnknownOrderError:
        return False
    return result.count > 0 or result.pending is True


# --- fills --------------------------------------------------------------------------------------


def trades_since(client: KrakenClient, start: int) -> list[tuple[str, KrakenTrade]]:
    """Every trade after unix time `start` (exclusive), all pages, newest first.

    New trades arriving between pages push older ones to later offsets, so paging by offset
    can repeat a trade but never skip one; callers drop repeats by trade id.
    """
    rows: list[tuple[str, KrakenTrade]] = []
    offset = 0
    while True:
        page = client.account.trades_history(start=start, ofs=offset, without_count=True)
        rows.extend(page.trades.items())
        if len(page.trades) < PAGE:
            return rows
        offset += len(page.trades)


def client_order_ids(
    client: KrakenClient, order_ids: Iterable[str], known: dict[str, str | None]
) -> None:
    """Fill `known` with the client_order_id of each order id it lacks (QueryOrders, 50 a call)."""
    missing = sorted({order_id for order_id in order_ids if order_id not in known})
    for start in range(0, len(missing), PAGE):
        chunk = missing[start : start + PAGE]
        try:
            found = client.account.query_orders(txid=chunk)
        except KrakenError:
            continue  # fills are still reported, without a client_order_id
        for order_id in chunk:
            order = found.get(order_id)
            cl_ord_id = order.cl_ord_id if order is not None else None
            known[order_id] = cl_ord_id if isinstance(cl_ord_id, str) else None


def to_fill(client: KrakenClient, trade_id: str, trade: KrakenTrade, cl: str | None) -> Fill:
    """One TradesHistory row as a Fill; Kraken reports the fee in the quote currency."""
    symbol = symbol_of(client, trade.pair)
    return Fill(
        order_id=trade.ordertxid,
        trade_id=trade_id,
        symbol=symbol,
        side=Side(trade.type),
        quantity=trade.vol,
        price=trade.price,
        fee=trade.fee,
        fee_currency=symbol.partition("/")[2],
        time=utc(trade.time),
        client_order_id=cl,
    )
