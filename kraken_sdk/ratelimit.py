"""Kraken's rate limits: tiers, RateLimiter, FileRateLimiter.

A public import path; the code lives in `kraken_sdk._core.ratelimit`."""

from kraken_sdk._core.ratelimit import *  # noqa: F403
from kraken_sdk._core.ratelimit import __all__ as __all__
