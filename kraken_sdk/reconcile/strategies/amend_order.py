"""AmendOrder (same ids): OrderAmends lists a "user" amendment since the call began."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from kraken_sdk._core.endpoints import DecodedResponse
from kraken_sdk.reconcile.job import Attempt, InconclusiveError, Job, UnknowableError, number
from kraken_sdk.reconcile.strategies.edit_order import gone

if TYPE_CHECKING:
    from kraken_sdk.reconcile.loop import Reconciler

__all__ = ["AmendOrderStrategy"]


class AmendOrderStrategy:
    """Found: an amendment with the requested values; a refused resend is raised as it is."""

    resend_is_harmless = False

    def settle(self, loop: Reconciler, job: Job, attempt: Attempt) -> DecodedResponse:
        target: list[str] = []

        def probe() -> str | None:
            if not target:
                target.append(_target(loop, job))
            bound_ns = int(loop.bound(job) * 1_000_000_000)
            result = loop.query(job, "OrderAmends", {"order_id": target[0]})
            mine = [
                entry.amend_id
                for entry in result.amends
                if entry.amend_type == "user"
                and entry.timestamp >= bound_ns
                and _amended_as_asked(entry, job.fields)
            ]
            return mine[-1] if mine else None

        return loop.settle(
            job,
            attempt,
            probe,
            lambda amend_id: {"amend_id": amend_id},
            landed=gone,
            raise_refusal=True,
        )


def _target(loop: Reconciler, job: Job) -> str:
    """The txid of the order being amended (named by txid or by cl_ord_id)."""
    txid = job.fields.get("txid")
    if isinstance(txid, str):
        return txid
    cl_ord_id = job.fields.get("cl_ord_id")
    if not isinstance(cl_ord_id, str):
        raise UnknowableError("the amendment names no order")
    listed = loop.orders(job, "OpenOrders", {"cl_ord_id": cl_ord_id})
    if not listed:  # the amendment may have closed it (quantity down to what was filled)
        bound = loop.bound(job)
        query = {"cl_ord_id": cl_ord_id, "start": int(bound), "without_count": True}
        listed = {
            t: o
            for t, o in loop.orders(job, "ClosedOrders", query).items()
            if not isinstance(o.closetm, msgspec.UnsetType) and o.closetm >= bound
        }
    mine = [t for t, o in listed.items() if o.cl_ord_id == cl_ord_id]
    if len(mine) != 1:
        raise InconclusiveError(f"{len(mine)} orders carry cl_ord_id {cl_ord_id}")
    return mine[0]


def _amended_as_asked(entry: Any, fields: Mapping[str, Any]) -> bool:
    """The absolute values the amendment asked for are the ones OrderAmends recorded."""
    for name in ("order_qty", "display_qty", "limit_price", "trigger_price"):
        wanted = number(fields.get(name))
        if wanted is not None and getattr(entry, name) != wanted:
            return False
    return True
