"""pandas DataFrames from Kraken results (pip install kraken-sdk[pandas]).

    from kraken_sdk.presentation.frames import to_pandas
    df = k.market.ohlc(pair="BTC/USD").to_pandas()        # results that are structs
    df = to_pandas(k.account.balance())                    # plain dict results too
    df = to_pandas(k.market.depth(pair="BTC/USD"), floats=True)

Money columns hold `Decimal` by default, so sums and comparisons stay exact as in the rest of
the SDK (pykrakenapi casts to float, which cannot represent 0.1). `floats=True` gives float64
columns for plotting and numpy speed. Times are UTC datetimes to the nanosecond. Which rows,
columns and index each result gets is decided once, in `kraken_sdk.presentation.columns`.

pandas is imported on first use only: `import kraken_sdk` never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kraken_sdk._core.times import time_ns
from kraken_sdk.presentation.columns import Column, Table, tabulate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["frame", "to_pandas"]


def _require_pandas() -> None:
    try:
        import pandas  # noqa: F401
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("DataFrames need pandas: pip install 'kraken-sdk[pandas]'") from None


def to_pandas(result: object, *, floats: bool = False) -> pd.DataFrame:
    """Any supported Kraken result (or a paginator's collected items) as a DataFrame.

    OHLC, Trades, Spread: a UTC DatetimeIndex `time` (plus `pair` when several pairs came
    back). Depth: a (side, level) index with asks then bids, best first. Balance: indexed by
    asset. Ticker: by pair. Ledgers, TradesHistory, ClosedOrders, OpenOrders: by id, newest
    first as Kraken sends them. `df.attrs` keeps the result's `pair`, `last` and `count`.
    """
    return frame(tabulate(result), floats=floats)


def frame(table: Table, *, floats: bool = False) -> pd.DataFrame:
    """A `kraken_sdk.presentation.columns.Table` as a DataFrame."""
    _require_pandas()
    import pandas as pd

    data = {column.name: _values(column, floats) for column in table.columns}
    index: pd.Index
    if len(table.index) == 1:
        index = pd.Index(_values(table.index[0], floats), name=table.index[0].name)
    elif table.index:
        levels = [pd.Index(_values(column, floats)) for column in table.index]
        index = pd.MultiIndex.from_arrays(levels, names=[c.name for c in table.index])
    else:
        index = pd.RangeIndex(len(table))
    df = pd.DataFrame(data, index=index)
    df.attrs.update({key: value for key, value in table.meta.items() if value is not None})
    return df


def _values(column: Column, floats: bool) -> Any:
    """The column's cells as a pandas array of the right dtype."""
    import pandas as pd

    values = column.values
    if column.kind == "time":
        nanos = [None if v is None else time_ns(v) for v in values]
        return pd.to_datetime(pd.array(nanos, dtype="Int64"), unit="ns", utc=True)
    if column.kind == "decimal":
        if floats:
            return pd.array([None if v is None else float(v) for v in values], dtype="float64")
        return pd.array(values, dtype=object)
    if column.kind == "int":
        return pd.array(values, dtype="Int64" if None in values else "int64")
    if column.kind == "bool":
        return pd.array(values, dtype="boolean" if None in values else "bool")
    if column.kind == "text":
        return pd.Series(values, dtype=None).array  # pandas' default string dtype
    return pd.array(values, dtype=object)
