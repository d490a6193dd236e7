"""`kraken-sdk check`: a connection and permission check, also as run_checks().

A public import path; the code lives in `kraken_sdk.cli.check`."""

from kraken_sdk.cli.check import *  # noqa: F403
from kraken_sdk.cli.check import __all__ as __all__
