"""Nonce sources: per process (default) and per host (FileNonceSource).

A public import path; the code lives in `kraken_sdk._core.nonce`."""

from kraken_sdk._core.nonce import *  # noqa: F403
from kraken_sdk._core.nonce import __all__ as __all__
