"""Results as pandas DataFrames.

A public import path; the code lives in `kraken_sdk.presentation.frames`."""

from kraken_sdk.presentation.frames import *  # noqa: F403
from kraken_sdk.presentation.frames import __all__ as __all__
