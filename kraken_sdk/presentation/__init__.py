"""Presentation: columns decided once (columns.py); HTML, text, pandas, plots render them.

The models sit below this package and cannot import it, so `kraken_sdk` installs `RENDERER`
into them (`kraken_sdk.models._base.install_renderer`): `result.to_pandas()` and notebook
display then reach frames/display through it. It imports them on first use only, so
`import kraken_sdk` loads neither pandas nor the rendering modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pandas import DataFrame

__all__ = ["RENDERER", "LazyRenderer"]


class LazyRenderer:
    """The models' renderer: frames for DataFrames, display for HTML, imported when first used."""

    def to_pandas(self, result: object, *, floats: bool = False) -> DataFrame:
        from kraken_sdk.presentation.frames import to_pandas

        return to_pandas(result, floats=floats)

    def to_html(self, result: object) -> str:
        from kraken_sdk.presentation.display import to_html

        return to_html(result)


RENDERER = LazyRenderer()
