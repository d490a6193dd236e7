"""The exception tree: every failure the SDK raises is a KrakenError.

A public import path; the code lives in `kraken_sdk._core.errors`."""

from kraken_sdk._core.errors import *  # noqa: F403
from kraken_sdk._core.errors import __all__ as __all__
