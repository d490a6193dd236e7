"""kraken_sdk: a typed, safe, sync-first client for the Kraken Spot REST API."""

from kraken_sdk._retry import RetryPolicy
from kraken_sdk._version import __version__
from kraken_sdk.auth import Credentials
from kraken_sdk.client import KrakenClient
from kraken_sdk.endpoints import ENDPOINTS
from kraken_sdk.errors import (
    CredentialsError,
    KrakenAPIError,
    KrakenError,
    OrderOutcomeUnknown,
    TransportError,
    ValidationError,
    WithdrawalsDisabledError,
)
from kraken_sdk.nonce import FileNonceSource, NonceSource

__all__ = [
    "ENDPOINTS",
    "Credentials",
    "CredentialsError",
    "FileNonceSource",
    "KrakenAPIError",
    "KrakenClient",
    "KrakenError",
    "NonceSource",
    "OrderOutcomeUnknown",
    "RetryPolicy",
    "TransportError",
    "ValidationError",
    "WithdrawalsDisabledError",
    "__version__",
]
