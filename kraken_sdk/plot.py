"""Candle charts (matplotlib).

A public import path; the code lives in `kraken_sdk.presentation.plot`."""

from kraken_sdk.presentation.plot import *  # noqa: F403
from kraken_sdk.presentation.plot import __all__ as __all__
