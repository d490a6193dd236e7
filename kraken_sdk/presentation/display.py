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
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from msgspec import UNSET

from kraken_sdk._core.times import iso
from kraken_sdk.models.common import LedgerEntry, Order, Trade
from kraken_sdk.models.depth import DepthBook
from kraken_sdk.models.ticker import TickerInfo
from kraken_sdk.presentation.columns import BOOK_LEVELS, Table, views

__all__ = [
    "Grid",
    "Shown",
    "clip",
    "grid",
    "grids",
    "load_ipython_extension",
    "render_text",
    "show",
    "text",
    "to_html",
    "to_text",
    "unload_ipython_extension",
]

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


# ---- grids ------------------------------------------------------------------------------------


def grid(table: Table) -> Grid:
    """A Table's cells as text: which columns a result has is decided in `columns`, not here."""
    columns = (*table.index, *table.columns)
    rows = [
        [text(cell, time=column.kind == "time") for cell, column in zip(row, columns, strict=True)]
        for row in table.rows()
    ]
    numeric = [column.kind in ("decimal", "int") for column in columns]
    extra: dict[str, Any] = {k: table.meta[k] for k in ("spread", "mid") if k in table.meta}
    headers = [column.header for column in columns]
    return Grid(str(table.meta.get("title", "")), headers, rows, numeric, extra=extra)


def grids(result: object, *, levels: int | None = BOOK_LEVELS) -> list[Grid]:
    """The tables that show `result`: one, or one per pair for a multi-pair order book."""
    return [grid(table) for table in views(result, levels=levels)]


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
    """`%unload_ext kraken_sdk.display`: dicts display as IPython shows them by default."""
    formatter = ipython.display_formatter.formatters["text/html"]
    formatter.pop(dict, None)
