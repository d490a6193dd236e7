"""Kraken results as plain tables: the one place that decides which rows and columns they have.

`frames` turns a `Table` into a pandas DataFrame, `display` into HTML
and the `kraken-sdk` command into aligned text, CSV or JSON, so a ledger has the same columns
in a DataFrame, a notebook cell and a terminal. Nothing here needs pandas.

`tabulate` gives every field (DataFrames, CSV); `views` gives the short tables a person reads
(notebook cells, the terminal): chosen columns with readable labels, a title in `meta`.

Cells keep the SDK's exact values: Decimals stay Decimals, times stay Kraken's unix seconds
(column kind "time"); each renderer converts at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest
from typing import Any, Literal

import msgspec
from msgspec import UNSET

from kraken_sdk.models._base import ArrayRow
from kraken_sdk.models.common import LedgerEntry, Order, Trade
from kraken_sdk.models.depth import DepthBook
from kraken_sdk.models.ohlc import OHLCResult, OHLCRow
from kraken_sdk.models.spread import SpreadResult, SpreadRow
from kraken_sdk.models.ticker import TickerInfo
from kraken_sdk.models.trades import TradesResult, TradesRow

__all__ = [
    "BOOK_LEVELS",
    "Column",
    "Kind",
    "Table",
    "balances",
    "tabulate",
    "views",
]

BOOK_LEVELS = 10
"""Levels per side the short view of an order book shows."""

Kind = Literal["decimal", "time", "int", "text", "bool", "other"]

TIME_FIELDS = frozenset({"time", "opentm", "closetm", "starttm", "expiretm", "timestamp"})
"""Fields holding unix seconds; they become UTC datetimes in frames and ISO text elsewhere."""

ZERO_MEANS_NONE = frozenset({"starttm", "expiretm"})
"""Kraken writes 0 for 'no scheduled start' and 'no expiry'."""

MAP_INDEX = {"ledger": "id", "trades": "txid", "closed": "txid", "open": "txid"}
"""Index name for the dict field of a paged or keyed result (LedgersResult.ledger, ...)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: a name, what its cells are, and the cells (None where a value is missing)."""

    name: str
    kind: Kind
    values: list[Any]
    label: str = ""
    """The header a person reads (views); `name` when empty."""

    @property
    def header(self) -> str:
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of a result: index columns (row labels; none for a plain range), data columns, and
    facts about the whole result in `meta` (pair, last cursor, count)."""

    index: tuple[Column, ...]
    columns: tuple[Column, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        source = self.index or self.columns
        return len(source[0].values) if source else 0

    def column(self, name: str) -> Column:
        for column in (*self.index, *self.columns):
            if column.name == name:
                return column
        raise KeyError(name)

    def names(self) -> list[str]:
        return [column.name for column in (*self.index, *self.columns)]

    def rows(self) -> list[list[Any]]:
        """Index cells then data cells, row by row."""
        everything = (*self.index, *self.columns)
        return [list(cells) for cells in zip(*(c.values for c in everything), strict=True)]


# ---- building blocks --------------------------------------------------------------------------


def _kind(name: str, values: Sequence[Any]) -> Kind:
    present = [v for v in values if v is not None]
    if name in TIME_FIELDS and all(isinstance(v, Decimal | int) for v in present):
        return "time"
    if not present:
        return "other"
    if all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, Decimal) for v in present):
        return "decimal"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if all(isinstance(v, str) for v in present):
        return "text"
    return "other"


def _cell(name: str, value: Any) -> Any:
    if value is UNSET:
        return None
    if name in ZERO_MEANS_NONE and isinstance(value, Decimal | int) and value == 0:
        return None
    return value


def _flatten(struct: msgspec.Struct, prefix: str = "") -> dict[str, Any]:
    """Fields in declared order; nested structs become `descr_pair`-style columns."""
    out: dict[str, Any] = {}
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if isinstance(value, msgspec.Struct):
            out.update(_flatten(value, f"{prefix}{name}_"))
        else:
            out[prefix + name] = _cell(name, value)
    return out


def _columns(records: Sequence[Mapping[str, Any]], keep_empty: bool = False) -> list[Column]:
    """Columns from flat records; columns no record has a value for are dropped."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = []
    for name in names:
        values = [record.get(name) for record in records]
        if keep_empty or any(v is not None for v in values):
            columns.append(Column(name, _kind(name, values), values))
    return columns


def _column(name: str, values: list[Any]) -> Column:
    return Column(name, _kind(name, values), values)


def _struct_rows(
    items: Sequence[msgspec.Struct], index: Column | None = None, **meta: Any
) -> Table:
    records = [_flatten(item) for item in items]
    return Table((index,) if index is not None else (), tuple(_columns(records)), dict(meta))


def _keyed(items: Iterable[tuple[str, msgspec.Struct]], index_name: str, **meta: Any) -> Table:
    pairs = list(items)
    return _struct_rows(
        [item for _, item in pairs], Column(index_name, "text", [k for k, _ in pairs]), **meta
    )


def _timed_rows(rows: Sequence[ArrayRow], **meta: Any) -> Table:
    """Candles, trades or spreads: indexed by their time."""
    records = [_flatten(row) for row in rows]
    times = [record.pop("time") for record in records]
    return Table((Column("time", "time", times),), tuple(_columns(records, True)), dict(meta))


def _per_pair(pairs: Mapping[str, Sequence[ArrayRow]], **meta: Any) -> Table:
    """One pair: its rows by time. Several: a (pair, time) index."""
    if len(pairs) == 1:
        ((name, rows),) = pairs.items()
        return _timed_rows(rows, pair=name, **meta)
    names: list[str] = []
    flat: list[ArrayRow] = []
    for name, rows in pairs.items():
        names += [name] * len(rows)
        flat += rows
    table = _timed_rows(flat, **meta)
    return Table((Column("pair", "text", names), *table.index), table.columns, table.meta)


def _book(book: DepthBook, pair: str | None = None) -> Table:
    """Asks then bids, each best first: a (side, level) index."""
    sides = [("ask", level) for level in book.asks] + [("bid", level) for level in book.bids]
    levels = [*range(len(book.asks)), *range(len(book.bids))]
    index = (Column("side", "text", [s for s, _ in sides]), Column("level", "int", levels))
    columns = (
        _column("price", [level.price for _, level in sides]),
        _column("volume", [level.volume for _, level in sides]),
        Column("time", "time", [level.timestamp for _, level in sides]),
    )
    return Table(index, columns, {"pair": pair} if pair else {})


def _books(books: Mapping[str, DepthBook]) -> Table:
    if len(books) == 1:
        ((name, book),) = books.items()
        return _book(book, name)
    tables = [(name, _book(book)) for name, book in books.items()]
    pair = Column("pair", "text", [name for name, t in tables for _ in range(len(t))])
    index = tuple(
        Column(c.name, c.kind, [v for _, t in tables for v in t.index[i].values])
        for i, c in enumerate(tables[0][1].index)
    )
    columns = tuple(
        Column(c.name, c.kind, [v for _, t in tables for v in t.columns[i].values])
        for i, c in enumerate(tables[0][1].columns)
    )
    return Table((pair, *index), columns)


TICKER_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("bid", "b", "price"),
    ("bid_volume", "b", "lot_volume"),
    ("ask", "a", "price"),
    ("ask_volume", "a", "lot_volume"),
    ("last", "c", "price"),
    ("last_volume", "c", "lot_volume"),
    ("open", "o", ""),
    ("low_24h", "l", "last_24h"),
    ("high_24h", "h", "last_24h"),
    ("vwap_24h", "p", "last_24h"),
    ("volume_24h", "v", "last_24h"),
    ("trades_24h", "t", "last_24h"),
    ("low_today", "l", "today"),
    ("high_today", "h", "today"),
    ("vwap_today", "p", "today"),
    ("volume_today", "v", "today"),
    ("trades_today", "t", "today"),
)
"""Readable names for Ticker's one-letter fields: (column, field, element of its array)."""


def _ticker(tickers: Mapping[str, TickerInfo]) -> Table:
    def cell(info: TickerInfo, key: str, part: str) -> Any:
        value = getattr(info, key)
        return getattr(value, part) if part else value

    columns = tuple(
        _column(name, [cell(info, key, part) for info in tickers.values()])
        for name, key, part in TICKER_COLUMNS
    )
    return Table((Column("pair", "text", list(tickers)),), columns)


def _index_name(value: object) -> str:
    if isinstance(value, Order | Trade):
        return "txid"
    if isinstance(value, LedgerEntry):
        return "id"
    if isinstance(value, TickerInfo | DepthBook):
        return "pair"
    return "key"


def _mapping(result: Mapping[Any, Any]) -> Table:
    values = list(result.values())
    if not values:
        return Table((Column("key", "text", []),), ())
    if all(isinstance(v, TickerInfo) for v in values):
        return _ticker(result)
    if all(isinstance(v, DepthBook) for v in values):
        return _books(result)
    if all(isinstance(v, Decimal) for v in values):
        return Table((Column("asset", "text", list(result)),), (_column("balance", values),))
    if all(isinstance(v, msgspec.Struct) for v in values):
        return _keyed(result.items(), _index_name(values[0]))
    return Table((Column("key", "text", [str(k) for k in result]),), (_column("value", values),))


def _is_keyed(name: str, value: object) -> bool:
    """A dict of entries keyed by id: the rows of the result it sits in."""
    if not isinstance(value, dict):
        return False
    if not value:
        return name in MAP_INDEX
    return all(isinstance(v, msgspec.Struct) for v in value.values())


def _struct(result: msgspec.Struct) -> Table:
    if isinstance(result, OHLCResult | TradesResult | SpreadResult):
        return _per_pair(result.pairs, last=result.last)
    if isinstance(result, DepthBook):
        return _book(result)
    keyed = [name for name in result.__struct_fields__ if _is_keyed(name, getattr(result, name))]
    if len(keyed) == 1:
        # LedgersResult, TradesHistoryResult, ClosedOrdersResult, OpenOrdersResult, ...
        name = keyed[0]
        mapping: dict[str, msgspec.Struct] = getattr(result, name)
        meta = {k: _cell(k, getattr(result, k)) for k in result.__struct_fields__ if k != name}
        first = next(iter(mapping.values()), None)
        table = _keyed(mapping.items(), MAP_INDEX.get(name) or _index_name(first))
        return Table(table.index, table.columns, {**meta, **table.meta})
    records = [_flatten(result)]
    return Table((), tuple(_columns(records, True)))


def _sequence(items: Sequence[Any]) -> Table:
    if not items:
        return Table((), ())
    first = items[0]
    if isinstance(first, OHLCRow | TradesRow | SpreadRow):
        return _timed_rows(items)
    if isinstance(first, tuple) and len(first) == 2 and isinstance(first[1], msgspec.Struct):
        return _keyed(items, _index_name(first[1]))
    if all(isinstance(item, msgspec.Struct) for item in items):
        return _struct_rows(items)
    return Table((), (_column("value", list(items)),))


def tabulate(result: object) -> Table:
    """Any Kraken result (or a list of rows or (id, entry) pairs from a paginator) as a Table.

    OHLC, Trades, Spread: indexed by time (with the pair as an outer level when there are
    several). Depth: by (side, level). Balance: by asset. Ticker: by pair. Ledgers,
    TradesHistory, ClosedOrders, OpenOrders, QueryOrders: by id, one column per field (nested
    `descr` fields as `descr_*`). Any other struct: one row of its fields.
    """
    if isinstance(result, msgspec.Struct):
        return _struct(result)
    if isinstance(result, Mapping):
        return _mapping(result)
    if isinstance(result, Sequence) and not isinstance(result, str | bytes):
        return _sequence(result)
    raise TypeError(f"cannot tabulate a {type(result).__name__}")


# ---- views: the short tables a person reads ---------------------------------------------------


def _label(label: str, kind: Kind, values: list[Any]) -> Column:
    return Column(label.lower().replace(" ", "_"), kind, values, label)


def _set(value: Any) -> Any:
    return None if value is UNSET else value


TICKER_VIEW = {
    "pair": "Pair",
    "bid": "Bid",
    "ask": "Ask",
    "last": "Last",
    "open": "Open",
    "low_24h": "Low 24h",
    "high_24h": "High 24h",
    "vwap_24h": "VWAP 24h",
    "volume_24h": "Volume 24h",
    "trades_24h": "Trades 24h",
}
"""The ticker columns a view shows, from `TICKER_COLUMNS`, and their labels."""


def balances(amounts: Mapping[str, Decimal]) -> Table:
    """Balance: asset and amount (an empty mapping gives the empty Balance table)."""
    columns = (_label("Balance", "decimal", list(amounts.values())),)
    return Table((_label("Asset", "text", list(amounts)),), columns, {"title": "Balance"})


def _ticker_view(tickers: Mapping[str, TickerInfo]) -> Table:
    full = _ticker(tickers)
    chosen = [full.column(name) for name in TICKER_VIEW]
    index, *columns = [Column(c.name, c.kind, c.values, TICKER_VIEW[c.name]) for c in chosen]
    return Table((index,), tuple(columns), {"title": "Ticker"})


def _book_view(pair: str, book: DepthBook, levels: int | None) -> Table:
    """Bids beside asks, best first, `levels` per side; the spread and mid in `meta`."""
    asks, bids = book.asks[:levels], book.bids[:levels]
    rungs = list(zip_longest(bids, asks))
    columns = (
        _label("Bid volume", "decimal", [bid.volume if bid else None for bid, _ in rungs]),
        _label("Bid", "decimal", [bid.price if bid else None for bid, _ in rungs]),
        _label("Ask", "decimal", [ask.price if ask else None for _, ask in rungs]),
        _label("Ask volume", "decimal", [ask.volume if ask else None for _, ask in rungs]),
    )
    meta: dict[str, Any] = {"title": f"{pair} order book".strip()}
    if book.asks and book.bids:
        best_ask, best_bid = book.asks[0].price, book.bids[0].price
        meta.update(spread=best_ask - best_bid, mid=(best_ask + best_bid) / 2)
        meta["title"] += f": spread {format(best_ask - best_bid, 'f')}"
    return Table((), columns, meta)


def _order_price(order: Order) -> Any:
    """The price as entered; for a market order, its average fill price once it has one."""
    descr = order.descr
    if descr.ordertype in ("market", UNSET):
        return _set(order.price) if order.vol_exec else "market"
    return _set(descr.price)


def _orders_view(orders: Sequence[tuple[str, Order]], closed: bool) -> Table:
    items = [order for _, order in orders]
    columns = [
        _label("Opened", "time", [order.opentm for order in items]),
        _label("Pair", "text", [_set(order.descr.pair) for order in items]),
        _label("Side", "text", [_set(order.descr.type) for order in items]),
        _label("Type", "text", [_set(order.descr.ordertype) for order in items]),
        _label("Price", "decimal", [_order_price(order) for order in items]),
        _label("Volume", "decimal", [order.vol for order in items]),
        _label("Filled", "decimal", [_set(order.vol_exec) for order in items]),
        _label("Status", "text", [order.status for order in items]),
    ]
    if closed:
        columns.insert(1, _label("Closed", "time", [_set(order.closetm) for order in items]))
    index = _label("Order", "text", [txid for txid, _ in orders])
    title = "Closed orders" if closed else "Open orders"
    return Table((index,), tuple(columns), {"title": title})


def _trades_view(trades: Sequence[tuple[str, Trade]]) -> Table:
    items = [trade for _, trade in trades]
    columns = (
        _label("Time", "time", [trade.time for trade in items]),
        _label("Pair", "text", [trade.pair for trade in items]),
        _label("Side", "text", [trade.type for trade in items]),
        _label("Type", "text", [trade.ordertype for trade in items]),
        _label("Price", "decimal", [trade.price for trade in items]),
        _label("Volume", "decimal", [trade.vol for trade in items]),
        _label("Cost", "decimal", [trade.cost for trade in items]),
        _label("Fee", "decimal", [trade.fee for trade in items]),
        _label("Order", "text", [trade.ordertxid for trade in items]),
    )
    return Table((_label("Trade", "text", [t for t, _ in trades]),), columns, {"title": "Trades"})


def _ledger_view(entries: Sequence[tuple[str, LedgerEntry]]) -> Table:
    items = [entry for _, entry in entries]
    kinds = [e.type + (f"/{e.subtype}" if e.subtype else "") for e in items]
    columns = (
        _label("Time", "time", [entry.time for entry in items]),
        _label("Type", "text", kinds),
        _label("Asset", "text", [entry.asset for entry in items]),
        _label("Amount", "decimal", [entry.amount for entry in items]),
        _label("Fee", "decimal", [entry.fee for entry in items]),
        _label("Balance", "decimal", [entry.balance for entry in items]),
        _label("Reference", "text", [entry.refid for entry in items]),
    )
    return Table((_label("Ledger", "text", [i for i, _ in entries]),), columns, {"title": "Ledger"})


def _entries(result: object) -> list[tuple[str, Any]] | None:
    """(id, entry) pairs of an id-keyed result or a paginator's list, else None."""
    if isinstance(result, msgspec.Struct):
        for name in ("open", "closed", "ledger", "trades"):
            value = getattr(result, name, None)
            if isinstance(value, dict):
                return list(value.items())
        return None
    if isinstance(result, Mapping):
        return list(result.items())
    if isinstance(result, list | tuple) and all(
        isinstance(item, tuple) and len(item) == 2 for item in result
    ):
        return list(result)
    return None


def _empty_view(result: msgspec.Struct) -> Table:
    if hasattr(result, "open"):
        return _orders_view([], closed=False)
    if hasattr(result, "closed"):
        return _orders_view([], closed=True)
    if hasattr(result, "ledger"):
        return _ledger_view([])
    return _trades_view([])


def _general_view(result: object) -> Table:
    """Every column of `tabulate`, titled by the result's type (and pair)."""
    table = tabulate(result)
    name = type(result).__name__.removesuffix("Result")
    title = name if isinstance(result, msgspec.Struct) else ""
    pair = table.meta.get("pair")
    return Table(
        table.index, table.columns, {**table.meta, "title": f"{title} {pair}" if pair else title}
    )


def views(result: object, *, levels: int | None = BOOK_LEVELS) -> list[Table]:
    """The tables that show `result` to a person: one, or one per pair of a multi-pair book.

    Balance, Ticker, Depth, orders, trades and ledgers get chosen columns with readable labels
    (orders show when they closed only if any did); anything else every column of `tabulate`.
    """
    if isinstance(result, DepthBook):
        return [_book_view("", result, levels)]
    if isinstance(result, Mapping) and result:
        values = list(result.values())
        if all(isinstance(v, Decimal) for v in values):
            return [balances(result)]
        if all(isinstance(v, TickerInfo) for v in values):
            return [_ticker_view(result)]
        if all(isinstance(v, DepthBook) for v in values):
            return [_book_view(pair, book, levels) for pair, book in result.items()]
    entries = _entries(result)
    if entries is not None:
        kinds = {type(entry) for _, entry in entries}
        if kinds == {Order}:
            closed = any(order.closetm is not UNSET for _, order in entries)
            return [_orders_view(entries, closed)]
        if kinds == {Trade}:
            return [_trades_view(entries)]
        if kinds == {LedgerEntry}:
            return [_ledger_view(entries)]
        if not entries and isinstance(result, msgspec.Struct):
            return [_empty_view(result)]
    return [_general_view(result)]
