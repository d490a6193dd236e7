"""Credentials and Kraken's API-Sign (sign) for users and tests.

A public import path; the code lives in `kraken_sdk._core.auth`."""

from kraken_sdk._core.auth import *  # noqa: F403
from kraken_sdk._core.auth import __all__ as __all__
