"""kraken_sdk: a typed, safe, sync-first client for the Kraken Spot REST API."""

from kraken_sdk._version import __version__
from kraken_sdk.endpoints import ENDPOINTS

__all__ = ["ENDPOINTS", "__version__"]
