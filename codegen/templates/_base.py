"""Base classes every generated model derives from.

Kraken adds response fields and enum values without notice, so response structs ignore unknown
fields and hold enum-like values as plain strings. Request structs are strict: an unknown
parameter or a wrong type fails before any network call. Kraken sends OHLC candles, book levels,
trades and spreads as positional arrays; ArrayRow decodes them into named fields and ignores any
trailing element Kraken may append later.

Response structs also render themselves for notebooks (`to_pandas()`, `_repr_html_()`) through
a renderer that the package installs (`install_renderer`): presentation sits above the models,
so the models import nothing but msgspec and the standard library, not even lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, Literal, NamedTuple, Protocol, TypeVar

import msgspec
from msgspec import UNSET, UnsetType

if TYPE_CHECKING:
    from pandas import DataFrame

ResultT = TypeVar("ResultT")


class Renderer(Protocol):
    """Turns results into DataFrames and notebook HTML (kraken_sdk.presentation provides one)."""

    def to_pandas(self, result: object, *, floats: bool = False) -> DataFrame: ...

    def to_html(self, result: object) -> str: ...


_renderer: list[Renderer] = []
"""The installed renderer (at most one); `import kraken_sdk` installs the presentation one."""


def install_renderer(renderer: Renderer) -> None:
    """Make `to_pandas()` and notebook display of results use `renderer` (replacing any)."""
    _renderer[:] = [renderer]


def renderer() -> Renderer:
    """The installed renderer; a clear error when nothing installed one."""
    if not _renderer:
        raise RuntimeError(
            "no renderer installed for Kraken results: import kraken_sdk (which installs "
            "kraken_sdk.presentation) or call kraken_sdk.models._base.install_renderer()"
        )
    return _renderer[0]


class ResponseStruct(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A decoded piece of a Kraken response; unknown fields are ignored."""

    def to_pandas(self, *, floats: bool = False) -> DataFrame:
        """This result as a DataFrame: Decimal columns unless floats=True (pandas extra)."""
        return renderer().to_pandas(self, floats=floats)

    def _repr_html_(self) -> str:
        """The table a notebook shows for this result."""
        return renderer().to_html(self)


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
    engine: Literal["add", "amend", "edit", "cancel"] | None
    kind: Literal["public_read", "private_read", "private_write", "order_write", "funds_out"]
    permission: str | tuple[str, ...] | None
    pair_style: Literal["altname", "symbol", "as_given", "none"]
    settle: Literal["resend", "raise", "reconcile", "unknown"]
    pre_check: Literal["order", "order_batch", "edit", "amend"] | None
    body: Literal["query", "form", "json"]
    binary: bool
    exactly_one: tuple[str, ...] = ()
    at_least_one: tuple[str, ...] = ()
    at_most_in_total: tuple[tuple[str, ...], int] | None = None
