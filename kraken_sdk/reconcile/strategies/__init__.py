"""One settling strategy per reconciled order method, keyed by the Endpoint name."""

from __future__ import annotations

from collections.abc import Mapping

from kraken_sdk._core.endpoints import ENDPOINTS
from kraken_sdk.reconcile.job import Strategy
from kraken_sdk.reconcile.strategies.add_order import AddOrderStrategy
from kraken_sdk.reconcile.strategies.add_order_batch import AddOrderBatchStrategy
from kraken_sdk.reconcile.strategies.amend_order import AmendOrderStrategy
from kraken_sdk.reconcile.strategies.cancel_order import CancelOrderStrategy
from kraken_sdk.reconcile.strategies.edit_order import EditOrderStrategy

__all__ = ["RECONCILED", "STRATEGIES", "UNKNOWN_IF_AMBIGUOUS"]

STRATEGIES: Mapping[str, Strategy] = {
    "AddOrder": AddOrderStrategy(),
    "AddOrderBatch": AddOrderBatchStrategy(),
    "EditOrder": EditOrderStrategy(),
    "AmendOrder": AmendOrderStrategy(),
    "CancelOrder": CancelOrderStrategy(),
}

RECONCILED = frozenset(e.name for e in ENDPOINTS.values() if e.settle == "reconcile")
"""Methods whose ambiguous failures are settled here (`settle == "reconcile"`); each has a
strategy above (tests/test_order_safety.py checks it)."""

UNKNOWN_IF_AMBIGUOUS = frozenset(e.name for e in ENDPOINTS.values() if e.settle == "unknown")
"""Writes never resent nor looked up (`settle == "unknown"`, a withdrawal): an ambiguous
failure is OrderOutcomeUnknown at once."""
