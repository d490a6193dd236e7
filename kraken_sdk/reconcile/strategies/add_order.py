"""AddOrder: found by its cl_ord_id (or, without one, claimed by userref and never resent)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kraken_sdk._core.endpoints import DecodedResponse
from kraken_sdk._core.errors import KrakenError, OrderError
from kraken_sdk.models.common import Order
from kraken_sdk.reconcile.job import Attempt, Job, UnknowableError, number

if TYPE_CHECKING:
    from kraken_sdk.reconcile.loop import Reconciler

__all__ = ["AddOrderStrategy", "add_result", "duplicate", "find_by_id"]


class AddOrderStrategy:
    """Look the order up by cl_ord_id; a resend Kraken refuses as a duplicate means it landed."""

    resend_is_harmless = False

    def settle(self, loop: Reconciler, job: Job, attempt: Attempt) -> DecodedResponse:
        cl_ord_id = job.fields.get("cl_ord_id")
        if not isinstance(cl_ord_id, str):
            return _by_userref(loop, job)
        quick = job.fields.get("ordertype") == "market" or job.fields.get("timeinforce") == "IOC"

        def probe() -> tuple[str, Order] | None:
            return find_by_id(loop, job, cl_ord_id, closed_first=quick)

        return loop.settle(job, attempt, probe, add_result, landed=duplicate)


def find_by_id(
    loop: Reconciler, job: Job, cl_ord_id: str, *, closed_first: bool
) -> tuple[str, Order] | None:
    """The order carrying `cl_ord_id` placed by this call, if it is listed."""
    bound = loop.bound(job) if cl_ord_id in job.given else None
    closed: dict[str, Any] = {"cl_ord_id": cl_ord_id, "without_count": True}
    if bound is not None:
        closed["start"] = int(bound)
    asks = [("OpenOrders", {"cl_ord_id": cl_ord_id}), ("ClosedOrders", closed)]
    for name, query in reversed(asks) if closed_first else asks:
        listed = loop.orders(job, name, query)
        mine = [
            (txid, order)
            for txid, order in listed.items()
            if order.cl_ord_id == cl_ord_id and (bound is None or order.opentm >= bound)
        ]
        if mine:
            return max(mine, key=lambda item: item[1].opentm)
    return None


def _by_userref(loop: Reconciler, job: Job) -> DecodedResponse:
    """Claim the one order this call can have placed; never resend (see kraken_sdk.reconcile)."""
    fields = job.fields
    userref = fields.get("userref")
    if not isinstance(userref, int):
        raise loop.unknown(job, "the order has neither cl_ord_id nor userref", job.first)

    def probe() -> tuple[str, Order] | None:
        bound = loop.bound(job)
        closed = {"userref": userref, "start": int(bound), "without_count": True}
        listed = {
            **loop.orders(job, "OpenOrders", {"userref": userref}),
            **loop.orders(job, "ClosedOrders", closed),
        }
        mine = [
            (txid, order)
            for txid, order in listed.items()
            if order.userref == userref and order.opentm >= bound and _same_order(order, fields)
        ]
        if len(mine) > 1:
            raise UnknowableError(f"{len(mine)} orders since the call carry userref {userref}")
        return mine[0] if mine else None

    found = loop.locate_or_raise(job, probe)
    if found is None:
        why = "no such order is listed, and without a cl_ord_id a resend is not safe"
        raise loop.unknown(job, why, job.first) from job.first
    loop.stats.add(found=1)
    return loop.result(job, add_result(found))


def duplicate(error: KrakenError) -> bool:
    """Kraken refused a cl_ord_id that an open order carries (text not documented)."""
    return isinstance(error, OrderError) and any("duplicate" in e.lower() for e in error.errors)


def _same_order(order: Order, fields: Mapping[str, Any]) -> bool:
    """Side, type, pair and volume as the call asked (for orders found by userref)."""
    descr = order.descr
    if descr.type != fields.get("type") or descr.ordertype != fields.get("ordertype"):
        return False
    pair = fields.get("pair")
    if isinstance(descr.pair, str) and isinstance(pair, str) and descr.pair != pair:
        return False
    volume = number(fields.get("volume"))
    viqc = "viqc" in str(fields.get("oflags", ""))
    return volume is None or viqc or order.vol == volume


def add_result(found: tuple[str, Order]) -> dict[str, Any]:
    """AddOrder's answer rebuilt from the order found."""
    txid, order = found
    descr: dict[str, str] = {"order": order.descr.order}
    if isinstance(order.descr.close, str) and order.descr.close:
        descr["close"] = order.descr.close
    return {"descr": descr, "txid": [txid]}
