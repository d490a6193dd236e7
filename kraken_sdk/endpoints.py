"""ENDPOINTS: the one table of per-method facts.

A public import path; the code lives in `kraken_sdk._core.endpoints`."""

from kraken_sdk._core.endpoints import *  # noqa: F403
from kraken_sdk._core.endpoints import __all__ as __all__
