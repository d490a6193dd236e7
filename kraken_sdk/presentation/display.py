"""Human-readable tables of Kraken results: HTML for notebooks, aligned text for terminals.

Struct results (open orders, ledgers, a DepthBook, OHLC, ...) render in Jupyter by themselves
through `_repr_html_`. Balance, Ticker and Depth come back as plain dicts, which cannot carry
methods, so either wrap them or load the extension once:

    from kraken_sdk.presentation.display import show
    show(k.account.balance())            # a table in a notebook, aligned text in a terminal

    %load_ext kraken_sdk.display          # from then on, such dicts display as tables

The `kraken-sdk` command prints the same layouts. Numbers keep Kraken's exact digits and times
are UTC (ISO 8601).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest
from typing import Any

import msgspec
from msgspec import UNSET

from kraken_sdk.models.common import LedgerEntry, Order, Trade
from kraken_sdk.models.depth import DepthBook
from kraken_sdk.models.ticker import TickerInfo
from kraken_sdk.presentation.columns import Table, iso, tabulate

__all__ = [
    "Grid",
    "Shown",
    "clip",
    "grids",
    "load_ipython_extension",
    "render_text",
    "show",
    "text",
    "to_html",
    "to_text",
]

BOOK_LEVELS = 10
"""Levels per side a notebook shows of an order book."""

HEAD, TAIL = 10, 10
"""Rows shown from each end of a long table in a notebook."""


@dataclass(slots=True)
class Grid:
    """A table ready to print: formatted cells, which columns are numbers, a title."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def text(value: Any, *, time: bool = False) -> str:
    """One cell: exact decimals without exponents, ISO UTC times, blanks for missing."""
    if value is None or value is UNSET:
        return ""
    if time and isinstance(value, Decimal | int) and not isinstance(value, bool):
        return iso(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(text(v) for v in value)
    return str(value)


# ---- layouts ------------------------------------------------------------------------------------


def _balances(balances: Mapping[str, Decimal]) -> Grid:
    rows = [[asset, text(amount)] for asset, amount in balances.items()]
    return Grid("Balance", ["Asset", "Balance"], rows, [False, True])


def _ticker(tickers: Mapping[str, TickerInfo]) -> Grid:
    headers = ["Pair", "Bid", "Ask", "Last", "Open", "Low 24h", "High 24h", "VWAP 24h"]
    headers += ["Volume 24h", "Trades 24h"]
    rows = [
        [
            pair,
            text(info.b.price),
            text(info.a.price),
            text(info.c.price),
            text(info.o),
            text(info.l.last_24h),
            text(info.h.last_24h),
            text(info.p.last_24h),
            text(info.v.last_24h),
            text(info.t.last_24h),
        ]
        for pair, info in tickers.items()
    ]
    return Grid("Ticker", headers, rows, [False] + [True] * 9)


def _book(pair: str, book: DepthBook, levels: int | None) -> Grid:
    asks, bids = book.asks[:levels], book.bids[:levels]
    rows = [
        [
            text(bid.volume) if bid else "",
            text(bid.price) if bid else "",
            text(ask.price) if ask else "",
            text(ask.volume) if ask else "",
        ]
        for bid, ask in zip_longest(bids, asks)
    ]
    title = f"{pair} order book".strip()
    extra: dict[str, Any] = {}
    if book.asks and book.bids:
        best_ask, best_bid = book.asks[0].price, book.bids[0].price
        extra = {"spread": best_ask - best_bid, "mid": (best_ask + best_bid) / 2}
        title += f": spread {text(best_ask - best_bid)}"
    headers = ["Bid volume", "Bid", "Ask", "Ask volume"]
    return Grid(title, headers, rows, [True] * 4, extra=extra)


def _orders(orders: Sequence[tuple[str, Order]]) -> Grid:
    closed = any(order.closetm is not UNSET for _, order in orders)
    headers = ["Order", "Opened", "Pair", "Side", "Type", "Price", "Volume", "Filled", "Status"]
    if closed:
        headers.insert(2, "Closed")
    rows = []
    for txid, order in orders:
        descr = order.descr
        price = descr.price if descr.ordertype not in ("market", UNSET) else "market"
        if price == "market" and order.vol_exec:
            price = text(order.price)
        row = [
            txid,
            text(order.opentm, time=True),
            text(descr.pair),
            text(descr.type),
            text(descr.ordertype),
            text(price),
            text(order.vol),
            text(order.vol_exec),
            order.status,
        ]
        if closed:
            row.insert(2, text(order.closetm, time=True))
        rows.append(row)
    numeric = [header in ("Price", "Volume", "Filled") for header in headers]
    return Grid("Closed orders" if closed else "Open orders", headers, rows, numeric)


def _trades(trades: Sequence[tuple[str, Trade]]) -> Grid:
    headers = ["Trade", "Time", "Pair", "Side", "Type", "Price", "Volume", "Cost", "Fee", "Order"]
    rows = [
        [
            txid,
            text(trade.time, time=True),
            trade.pair,
            trade.type,
            trade.ordertype,
            text(trade.price),
            text(trade.vol),
            text(trade.cost),
            text(trade.fee),
            trade.ordertxid,
        ]
        for txid, trade in trades
    ]
    numeric = [header in ("Price", "Volume", "Cost", "Fee") for header in headers]
    return Grid("Trades", headers, rows, numeric)


def _ledger(entries: Sequence[tuple[str, LedgerEntry]]) -> Grid:
    headers = ["Ledger", "Time", "Type", "Asset", "Amount", "Fee", "Balance", "Reference"]
    rows = [
        [
            ledger_id,
            text(entry.time, time=True),
            entry.type + (f"/{entry.subtype}" if entry.subtype else ""),
            entry.asset,
            text(entry.amount),
            text(entry.fee),
            text(entry.balance),
            entry.refid,
        ]
        for ledger_id, entry in entries
    ]
    numeric = [header in ("Amount", "Fee", "Balance") for header in headers]
    return Grid("Ledger", headers, rows, numeric)


def _generic(table: Table, title: str) -> Grid:
    columns = (*table.index, *table.columns)
    rows = [
        [text(cell, time=column.kind == "time") for cell, column in zip(row, columns, strict=True)]
        for row in table.rows()
    ]
    numeric = [column.kind in ("decimal", "int") for column in columns]
    pair = table.meta.get("pair")
    return Grid(f"{title} {pair}" if pair else title, table.names(), rows, numeric)


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


def grids(result: object, *, levels: int | None = BOOK_LEVELS) -> list[Grid]:
    """The tables that show `result`: one, or one per pair for a multi-pair order book."""
    if isinstance(result, DepthBook):
        return [_book("", result, levels)]
    if isinstance(result, Mapping) and result:
        values = list(result.values())
        if all(isinstance(v, Decimal) for v in values):
            return [_balances(result)]
        if all(isinstance(v, TickerInfo) for v in values):
            return [_ticker(result)]
        if all(isinstance(v, DepthBook) for v in values):
            return [_book(pair, book, levels) for pair, book in result.items()]
    entries = _entries(result)
    if entries is not None:
        kinds = {type(entry) for _, entry in entries}
        if kinds == {Order}:
            return [_orders(entries)]
        if kinds == {Trade}:
            return [_trades(entries)]
        if kinds == {LedgerEntry}:
            return [_ledger(entries)]
        if not entries and isinstance(result, msgspec.Struct):
            return [_empty(result)]
    return [_generic(tabulate(result), _title(result))]


def _empty(result: msgspec.Struct) -> Grid:
    if hasattr(result, "open"):
        return _orders([])
    if hasattr(result, "closed"):
        grid = _orders([])
        grid.title = "Closed orders"
        return grid
    if hasattr(result, "ledger"):
        return _ledger([])
    return _trades([])


def _title(result: object) -> str:
    name = type(result).__name__
    return name.removesuffix("Result") if isinstance(result, msgspec.Struct) else ""


# ---- rendering ----------------------------------------------------------------------------------


def render_text(grid: Grid, *, title: bool = False) -> str:
    """Aligned columns, numbers right-aligned, headers in capitals (like docker or kubectl)."""
    headers = [header.upper() for header in grid.headers]
    widths = [len(h) for h in headers]
    for row in grid.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, grid.numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines = [grid.title] if title and grid.title else []
    lines += [line(headers), *(line(row) for row in grid.rows)]
    if grid.note:
        lines.append(grid.note)
    return "\n".join(lines)


_STYLE = (
    "<style>.kraken-sdk table{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    ".kraken-sdk caption{text-align:left;font-weight:bold;padding:2px 0}"
    ".kraken-sdk th,.kraken-sdk td{padding:2px 8px}.kraken-sdk .n{text-align:right}"
    ".kraken-sdk p{color:#888;margin:2px 0}</style>"
)


def clip(grid: Grid, head: int = HEAD, tail: int = TAIL) -> Grid:
    """The first `head` and last `tail` rows, with a note of how many are left out."""
    hidden = len(grid.rows) - head - tail
    if hidden <= 5:
        return grid
    rows = [*grid.rows[:head], ["…"] + [""] * (len(grid.headers) - 1), *grid.rows[-tail:]]
    note = f"({hidden} more rows not shown)"
    return Grid(grid.title, grid.headers, rows, grid.numeric, note, grid.extra)


def _html_grid(grid: Grid) -> str:
    grid = clip(grid)

    def cells(values: Sequence[str], tag: str) -> str:
        return "".join(
            f'<{tag} class="n">{html.escape(v)}</{tag}>'
            if right
            else f"<{tag}>{html.escape(v)}</{tag}>"
            for v, right in zip(values, grid.numeric, strict=True)
        )

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in grid.rows)
    caption = f"<caption>{html.escape(grid.title)}</caption>" if grid.title else ""
    note = f"<p>{html.escape(grid.note or ('' if grid.rows else 'no rows'))}</p>"
    return (
        f"<table>{caption}<thead><tr>{cells(grid.headers, 'th')}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note if grid.note or not grid.rows else ''}"
    )


def to_html(result: object) -> str:
    """The HTML a notebook shows for a Kraken result."""
    inner = "".join(_html_grid(grid) for grid in grids(result))
    return f'<div class="kraken-sdk">{_STYLE}{inner}</div>'


def to_text(result: object, *, levels: int | None = BOOK_LEVELS, clipped: bool = True) -> str:
    """The aligned text a terminal shows for a Kraken result."""
    shown = [clip(grid) if clipped else grid for grid in grids(result, levels=levels)]
    return "\n\n".join(render_text(grid, title=True) for grid in shown)


class Shown:
    """A result dressed for display: HTML in notebooks, an aligned table in a terminal."""

    def __init__(self, result: object) -> None:
        self.result = result

    def _repr_html_(self) -> str:
        return to_html(self.result)

    def __repr__(self) -> str:
        return to_text(self.result)


def show(result: object) -> Shown:
    """Wrap any result (plain dict ones included) so it displays as a table."""
    return Shown(result)


# ---- IPython extension ------------------------------------------------------------------------


def _dict_html(value: dict[Any, Any]) -> str | None:
    """HTML for dicts shaped like Balance, Ticker or Depth results; None leaves others alone."""
    items = list(value.values())
    if not items:
        return None
    kinds = (Decimal, TickerInfo, DepthBook, Order, Trade, LedgerEntry)
    if any(all(isinstance(item, kind) for item in items) for kind in kinds):
        return to_html(value)
    return None


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext kraken_sdk.display`: show dict results (Balance, Ticker, Depth) as tables."""
    formatter = ipython.display_formatter.formatters["text/html"]
    formatter.for_type(dict, _dict_html)


def unload_ipython_extension(ipython: Any) -> None:
    formatter = ipython.display_formatter.formatters["text/html"]
    formatter.pop(dict, None)
