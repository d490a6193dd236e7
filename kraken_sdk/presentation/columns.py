"""Kraken results as plain tables: the one place that decides which rows and columns they have.

`frames` turns a `Table` into a pandas DataFrame, `display` into HTML
and the `kraken-sdk` command into aligned text, CSV or JSON, so a ledger has the same columns
in a DataFrame, a notebook cell and a terminal. Nothing here needs pandas.

Cells keep the SDK's exact values: Decimals stay Decimals, times stay Kraken's unix seconds
(column kind "time"); each renderer converts at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
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

__all__ = ["Column", "Kind", "Table", "iso", "tabulate", "time_ns", "utc"]

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


# ---- times ------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def time_ns(value: Decimal | int) -> int:
    """Unix seconds (Kraken's exact digits) -> integer nanoseconds, without float rounding."""
    return int(Decimal(value) * 1_000_000_000)


def utc(value: Decimal | int) -> datetime:
    """Unix seconds -> an aware UTC datetime (microsecond precision, Python's limit)."""
    return _EPOCH + timedelta(microseconds=time_ns(value) // 1000)


def iso(value: Decimal | int) -> str:
    """Unix seconds -> `2023-07-06T18:50:48.8974Z`, keeping exactly the fraction Kraken sent."""
    number = Decimal(value)
    whole = int(number.to_integral_value(rounding="ROUND_FLOOR"))
    text = (_EPOCH + timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = format(number - whole, "f")
    digits = fraction.partition(".")[2].rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


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
