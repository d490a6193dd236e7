"""A local paper exchange that speaks Kraken's Spot REST protocol.

    from kraken_sdk.sandbox import Sandbox, ManualClock
    with Sandbox(seed=7, tier="pro", clock=ManualClock()) as sb:
        client = sb.client()
        client.trading.add_order(pair="BTC/USD", type="buy", ordertype="market", volume="0.01")
        sb.advance(3600)

Nothing in the core SDK imports this package.
"""

from kraken_sdk.sandbox.clock import Clock, ManualClock, RealClock
from kraken_sdk.sandbox.core import RequestRecord
from kraken_sdk.sandbox.faults import Fault
from kraken_sdk.sandbox.keys import ALL_PERMISSIONS
from kraken_sdk.sandbox.sandbox import DEFAULT_BALANCES, Sandbox
from kraken_sdk.sandbox.snapshots import LedgerView, OrderView, PositionView, TradeView

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_BALANCES",
    "Clock",
    "Fault",
    "LedgerView",
    "ManualClock",
    "OrderView",
    "PositionView",
    "RealClock",
    "RequestRecord",
    "Sandbox",
    "TradeView",
]
