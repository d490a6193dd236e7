"""Method handlers, one module per group; importing this package registers them all."""

from kraken_sdk.sandbox.handlers import account, funding, market, trading
from kraken_sdk.sandbox.handlers.base import HANDLERS, PERMISSIONS, Binary, Call, State

__all__ = [
    "HANDLERS",
    "PERMISSIONS",
    "Binary",
    "Call",
    "State",
    "account",
    "funding",
    "market",
    "trading",
]
