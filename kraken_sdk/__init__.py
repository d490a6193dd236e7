"""kraken_sdk: a typed, safe, sync-first client for the Kraken Spot REST API."""

from typing import TYPE_CHECKING, Any

from kraken_sdk._core.auth import Credentials
from kraken_sdk._core.endpoints import ENDPOINTS
from kraken_sdk._core.errors import (
    CredentialsError,
    KrakenAPIError,
    KrakenError,
    OrderOutcomeUnknown,
    TransportError,
    ValidationError,
    WithdrawalsDisabledError,
)
from kraken_sdk._core.nonce import FileNonceSource, NonceSource
from kraken_sdk._core.ratelimit import FileRateLimiter, RateLimiter, RateLimits
from kraken_sdk._core.retry import RetryPolicy
from kraken_sdk._version import __version__
from kraken_sdk.client import KrakenClient
from kraken_sdk.deadman import DeadMansSwitch
from kraken_sdk.models._base import install_renderer
from kraken_sdk.presentation import RENDERER
from kraken_sdk.reconcile import ReconcilePolicy

install_renderer(RENDERER)  # results render via presentation, which the models cannot import

if TYPE_CHECKING:
    from kraken_sdk.aio import AsyncKrakenClient, KrakenAdapter

__all__ = [
    "ENDPOINTS",
    "AsyncKrakenClient",
    "Credentials",
    "CredentialsError",
    "DeadMansSwitch",
    "FileNonceSource",
    "FileRateLimiter",
    "KrakenAPIError",
    "KrakenAdapter",
    "KrakenClient",
    "KrakenError",
    "NonceSource",
    "OrderOutcomeUnknown",
    "RateLimiter",
    "RateLimits",
    "ReconcilePolicy",
    "RetryPolicy",
    "TransportError",
    "ValidationError",
    "WithdrawalsDisabledError",
    "__version__",
]

_ASYNC = frozenset({"AsyncKrakenClient", "KrakenAdapter"})


def __getattr__(name: str) -> Any:
    """The async side loads on first use, so `import kraken_sdk` does not import asyncio."""
    if name in _ASYNC:
        from kraken_sdk import aio

        return getattr(aio, name)
    raise AttributeError(f"module 'kraken_sdk' has no attribute {name!r}")
