"""Broker-neutral order, fill and position types; the ExecutionEngine protocol.

A public import path; the code lives in `kraken_sdk.aio.execution`."""

from kraken_sdk.aio.execution import *  # noqa: F403
from kraken_sdk.aio.execution import __all__ as __all__
