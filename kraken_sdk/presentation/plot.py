"""Candlestick charts of OHLC data (pip install kraken-sdk[plot]).

    from kraken_sdk.presentation.plot import candles
    candles(k.market.ohlc(pair="BTC/USD", interval=60))

Accepts an OHLCResult, the rows of `paginate.ohlc`, or a DataFrame with open/high/low/close
(and optionally volume) columns and a UTC time index, as `to_pandas()` makes. Pixels need
floats, so prices are converted here and only here. matplotlib is imported on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from kraken_sdk._core.times import utc
from kraken_sdk.models.ohlc import OHLCResult, OHLCRow
from kraken_sdk.presentation.columns import tabulate

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["candles"]

UP, DOWN = "#26a69a", "#ef5350"
"""Colours of rising and falling candles."""

CANDLE_COLUMNS = ("open", "high", "low", "close", "volume")
"""The columns of `tabulate(candles)` (and of their DataFrame) a chart draws."""


def _series(data: object) -> tuple[list[datetime], list[list[float]], str]:
    """(times, [open, high, low, close, volume] per candle, title) from any accepted input."""
    if isinstance(data, OHLCResult):
        (pair, rows), *_ = data.pairs.items() or [("", [])]
        times, values, _ = _series(rows)
        return times, values, pair
    if isinstance(data, Sequence) and all(isinstance(row, OHLCRow) for row in data):
        if not data:
            return [], [], ""
        table = tabulate(data)  # the candle columns frames and tables show
        cells = [table.column(name).values for name in CANDLE_COLUMNS]
        values = [[float(v) for v in row] for row in zip(*cells, strict=True)]
        return [utc(t) for t in table.column("time").values], values, ""
    frame: Any = data
    if hasattr(frame, "index") and all(hasattr(frame, c) for c in ("open", "high", "low")):
        volume = list(frame["volume"]) if "volume" in frame.columns else [0.0] * len(frame)
        cells = [[float(v) for v in frame[c]] for c in CANDLE_COLUMNS[:4]]
        values = [[*row, float(v)] for row, v in zip(zip(*cells, strict=True), volume, strict=True)]
        times = [stamp.to_pydatetime() for stamp in frame.index]
        return times, values, str(frame.attrs.get("pair", ""))
    raise TypeError(
        f"candles() takes an OHLCResult, a list of OHLCRow or a DataFrame, not {type(data)}"
    )


def candles(
    data: object, *, ax: Axes | None = None, volume: bool = True, title: str | None = None
) -> Axes:
    """Draw candles (green up, red down) with volume bars along the bottom; returns the Axes."""
    try:
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("plotting needs matplotlib: pip install 'kraken-sdk[plot]'") from None

    times, values, pair = _series(data)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4))
    x: Any = times  # matplotlib converts datetimes itself
    width: Any = 0.7 * min((b - a for a, b in pairwise(times)), default=timedelta(hours=1))
    colours = [UP if close >= open_ else DOWN for open_, _, _, close, _ in values]
    ax.vlines(x, [v[2] for v in values], [v[1] for v in values], colors=colours, linewidth=0.8)
    bottoms = [min(v[0], v[3]) for v in values]
    heights = [abs(v[3] - v[0]) or (v[1] - v[2]) * 0.01 or 1e-9 for v in values]
    ax.bar(x, heights, width, bottoms, color=colours, linewidth=0)
    if volume and any(v[4] for v in values):
        twin = ax.twinx()
        twin.bar(x, [v[4] for v in values], width, color=colours, alpha=0.3, linewidth=0)
        twin.set_ylim(0, max(v[4] for v in values) * 4)  # bars use the bottom quarter
        twin.set_yticks([])
    concise: Any = mdates.ConciseDateFormatter  # untyped in matplotlib's stubs
    ax.xaxis.set_major_formatter(concise(ax.xaxis.get_major_locator()))
    ax.set_title(title if title is not None else pair)
    ax.set_ylabel("price")
    ax.grid(alpha=0.2)
    return ax
