"""AddOrderBatch: every order needs a cl_ord_id; all found, none (resend), or some found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from kraken_sdk._core.endpoints import DecodedResponse
from kraken_sdk._core.errors import KrakenError
from kraken_sdk.models.common import Order
from kraken_sdk.reconcile.job import Attempt, Job

if TYPE_CHECKING:
    from kraken_sdk.reconcile.loop import Reconciler

__all__ = ["CLOSED_PAGES", "AddOrderBatchStrategy"]

CLOSED_PAGES = 20  # ClosedOrders pages (50 orders each) read when searching for a batch

Found = dict[str, tuple[str, Order]]


class AddOrderBatchStrategy:
    """Some listed: the batch was processed and the others were refused."""

    resend_is_harmless = False

    def settle(self, loop: Reconciler, job: Job, attempt: Attempt) -> DecodedResponse:
        orders = job.fields.get("orders")
        items = orders if isinstance(orders, list) else []
        ids = [item.get("cl_ord_id") if isinstance(item, Mapping) else None for item in items]
        if not ids or not all(isinstance(i, str) for i in ids):
            why = "an order of the batch has no cl_ord_id to find it by"
            raise loop.unknown(job, why, job.first) from job.first
        wanted = [str(i) for i in ids]

        def probe() -> Found | None:
            return _find(loop, job, wanted) or None

        def build(found: Found) -> Any:
            found = _complete(loop, job, wanted, found)
            return {"orders": [_entry(found.get(i)) for i in wanted]}

        decoded = loop.settle(job, attempt, probe, build, landed=lambda error: False)
        return _repair(loop, job, wanted, decoded)


def _find(loop: Reconciler, job: Job, ids: Sequence[str]) -> Found:
    """Which of `ids` are listed (opened since the call began): one OpenOrders, few pages."""
    bound = loop.bound(job)
    wanted = set(ids)
    found: Found = {}

    def take(listed: Mapping[str, Order]) -> None:
        for txid, order in listed.items():
            if order.cl_ord_id in wanted and order.opentm >= bound:
                found.setdefault(order.cl_ord_id, (txid, order))

    take(loop.orders(job, "OpenOrders", {}))
    for page in range(CLOSED_PAGES):
        if len(found) == len(wanted):
            break
        query = {"start": int(bound), "without_count": True, "ofs": 50 * page}
        listed = loop.orders(job, "ClosedOrders", query)
        take(listed)
        if len(listed) < 50:
            break
    return found


def _complete(loop: Reconciler, job: Job, ids: Sequence[str], found: Found) -> Found:
    """Part of a batch is listed: give the rest `confirmations` more rounds to appear."""
    for _ in range(job.policy.confirmations):
        if len(found) == len(ids):
            break
        loop.pause(job.policy.spacing)
        try:
            found = {**_find(loop, job, ids), **found}
        except KrakenError as exc:
            raise loop.unknown(job, f"lookups failed ({exc})", exc) from exc
    return found


def _repair(
    loop: Reconciler, job: Job, ids: Sequence[str], decoded: DecodedResponse
) -> DecodedResponse:
    """A resent batch whose entries Kraken refused as duplicates: those landed before."""
    wire = msgspec.to_builtins(decoded.result, builtin_types=(Decimal,))
    entries = wire.get("orders") if isinstance(wire, dict) else None
    if not isinstance(entries, list) or len(entries) != len(ids):
        return decoded
    duplicates = [
        index
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and "duplicate" in str(entry.get("error", "")).lower()
    ]
    if not duplicates:
        return decoded
    try:
        found = _find(loop, job, [ids[index] for index in duplicates])
    except KrakenError:
        return decoded
    for index in duplicates:
        if ids[index] in found:
            entries[index] = _entry(found[ids[index]])
    return loop.result(job, {"orders": entries})


def _entry(found: tuple[str, Order] | None) -> dict[str, Any]:
    if found is None:
        return {
            "error": "not placed: this order is not listed after the batch's answer was lost, "
            "while others of the batch are (Kraken refused it)"
        }
    txid, order = found
    return {"txid": txid, "descr": {"order": order.descr.order}}
