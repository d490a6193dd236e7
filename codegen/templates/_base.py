"""Base classes every generated model derives from.

Kraken adds response fields and enum values without notice, so response structs ignore unknown
fields and hold enum-like values as plain strings. Request structs are strict: an unknown
parameter or a wrong type fails before any network call. Kraken sends OHLC candles, book levels,
trades and spreads as positional arrays; ArrayRow decodes them into named fields and ignores any
trailing element Kraken may append later.

Response structs also render themselves for notebooks: `to_pandas()` and `_repr_html_()` import
kraken_sdk.frames / kraken_sdk.display only when called, so the models keep importing nothing
but msgspec and the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, Literal, NamedTuple, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

if TYPE_CHECKING:
    from pandas import DataFrame

ResultT = TypeVar("ResultT")


class ResponseStruct(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A decoded piece of a Kraken response; unknown fields are ignored."""

    def to_pandas(self, *, floats: bool = False) -> DataFrame:
        """This result as a DataFrame: Decimal columns unless floats=True (pandas extra)."""
        from kraken_sdk.presentation.frames import to_pandas

        return to_pandas(self, floats=floats)

    def _repr_html_(self) -> str:
        """The table a notebook shows for this result."""
        from kraken_sdk.presentation.display import to_html

        return to_html(self)


class RequestStruct(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Parameters of a Kraken call; only the fields the caller set are encoded."""


class ArrayRow(msgspec.Struct, array_like=True, gc=False):
    """A positional row (candle, book level, trade) with named fields."""


class Envelope(msgspec.Struct, Generic[ResultT]):
    """Kraken's response envelope: `error` strings beside an optional `result`."""

    error: list[str] = []
    result: ResultT | UnsetType | None = UNSET


class MethodSpec(NamedTuple):
    """What the schemas say about one Kraken method (see schemas/README.md).

    Its models are named, not imported (`kraken_sdk._core.endpoints` imports `models.<module>` on
    first use), so `import kraken_sdk` loads none of the per-method model modules.
    """

    name: str
    path: str
    group: Literal["market", "account", "trading", "funding", "earn", "subaccounts"]
    summary: str
    module: str
    params: str
    result: str
    wire: str | None
    fixed_keys: tuple[str, ...]
    idempotent: bool
    rest_cost: int
    trading_engine: bool
    body: Literal["query", "form", "json"]
    binary: bool
