"""How hard the reconciler looks, what it counts, and which failures leave an outcome open."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_POLICY",
    "OutcomeContext",
    "ReconcilePolicy",
    "ReconcileStats",
    "caller_ids",
    "outcome_context",
]


@dataclass(frozen=True, slots=True)
class OutcomeContext:
    """How to find an order again if its outcome is unknown (fixed before the first attempt)."""

    cl_ord_id: str | None = None
    cl_ord_ids: tuple[str, ...] = ()
    userref: int | None = None
    txid: str | None = None
    request: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReconcilePolicy:
    """How hard to look before resending, and how often to resend.

    `lookups` rounds at most per ambiguous failure; `confirmations` clean "not there" rounds,
    `spacing` seconds apart, make an order surely absent (the lists may trail the engine);
    `resends` after that at most; `clock_margin` seconds of slack on the "opened since the call
    began" bound, for Kraken's whole-second clock and network time.
    """

    lookups: int = 3
    confirmations: int = 2
    spacing: float = 1.0
    resends: int = 3
    clock_margin: float = 5.0

    def __post_init__(self) -> None:
        if self.confirmations < 1 or self.lookups < self.confirmations:
            raise ValueError("need 1 <= confirmations <= lookups")
        if self.resends < 0 or self.spacing < 0 or self.clock_margin < 0:
            raise ValueError("resends, spacing and clock_margin must not be negative")


DEFAULT_POLICY = ReconcilePolicy()


@dataclass
class ReconcileStats:
    """Counters across all calls of one client (thread-safe), for logs and benchmarks."""

    ambiguous: int = 0  # ambiguous failures met, first attempts and resends
    found: int = 0  # calls settled by finding what landed
    resent: int = 0  # resends (each after the order was surely absent, or a cancel)
    unknown: int = 0  # OrderOutcomeUnknown raised
    lookups: int = 0  # lookup requests (OpenOrders, ClosedOrders, ..., Time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "ambiguous": self.ambiguous,
                "found": self.found,
                "resent": self.resent,
                "unknown": self.unknown,
                "lookups": self.lookups,
            }


def caller_ids(method: str, params: Mapping[str, Any]) -> frozenset[str]:
    """cl_ord_ids the caller chose (they may repeat older ones); the rest the SDK generated."""
    found: set[str] = set()
    items: list[Any] = [params]
    if method == "AddOrderBatch" and isinstance(params.get("orders"), list | tuple):
        items = list(params["orders"])
    for item in items:
        if isinstance(item, Mapping):
            value = item.get("cl_ord_id")
        else:
            value = getattr(item, "cl_ord_id", None)
        if isinstance(value, str):
            found.add(value)
    return frozenset(found)


def outcome_context(method: str, fields: Mapping[str, Any]) -> OutcomeContext:
    """What identifies this order or withdrawal if its outcome turns out unknown."""
    orders = fields.get("orders")
    batch_ids: tuple[str, ...] = ()
    if method == "AddOrderBatch" and isinstance(orders, list):
        batch_ids = tuple(
            str(order["cl_ord_id"])
            for order in orders
            if isinstance(order, Mapping) and "cl_ord_id" in order
        )
    userref = fields.get("userref")
    txid = fields.get("txid")
    return OutcomeContext(
        cl_ord_id=str(fields["cl_ord_id"]) if "cl_ord_id" in fields else None,
        cl_ord_ids=batch_ids,
        userref=userref if isinstance(userref, int) and not isinstance(userref, bool) else None,
        txid=str(txid) if txid is not None else None,
        request=dict(fields),
    )
