"""CancelOrder: a second cancel does no harm, so it is resent at once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kraken_sdk._core.endpoints import DecodedResponse
from kraken_sdk._core.errors import KrakenError, UnknownOrderError
from kraken_sdk._core.retry import ambiguous
from kraken_sdk.models.common import Order
from kraken_sdk.reconcile.job import Attempt, Job

if TYPE_CHECKING:
    from kraken_sdk.reconcile.loop import Reconciler

__all__ = ["CancelOrderStrategy"]

logger = logging.getLogger("kraken_sdk")


class CancelOrderStrategy:
    """ "EOrder:Unknown order" on a resend means the first try did it: count 1, unless the order
    turns out filled or expired, in which case that error is what a clean answer would have been."""

    resend_is_harmless = True

    def settle(self, loop: Reconciler, job: Job, attempt: Attempt) -> DecodedResponse:
        error = job.first
        for resend in range(job.policy.resends):
            if resend:
                loop.pause(job.policy.spacing)
            loop.stats.add(resent=1)
            try:
                return attempt()
            except UnknownOrderError as exc:
                return _done(loop, job, exc)
            except KrakenError as exc:
                if not ambiguous(job.method, exc):
                    raise
                loop.stats.add(ambiguous=1)
                error = exc
        why = f"{job.policy.resends} resends of the cancel failed ambiguously"
        raise loop.unknown(job, why, error) from error


def _done(loop: Reconciler, job: Job, refusal: UnknownOrderError) -> DecodedResponse:
    """Count 1 if the order ended cancelled; the refusal if it filled or expired first."""
    try:
        orders = _targets(loop, job)
    except KrakenError as exc:
        logger.warning("%s: could not check the order after the cancel: %s", job.method, exc)
        orders = []
    if orders and all(order.status in ("closed", "expired") for order in orders):
        raise refusal
    cancelled = sum(order.status == "canceled" for order in orders)
    loop.stats.add(found=1)
    return loop.result(job, {"count": max(cancelled, 1)})


def _targets(loop: Reconciler, job: Job) -> list[Order]:
    txid = job.fields.get("txid")
    if isinstance(txid, str):
        refs = [ref.strip() for ref in txid.split(",") if ref.strip()]
        if refs and not any(ref.lstrip("-").isdigit() for ref in refs):
            listed = loop.orders(job, "QueryOrders", {"txid": refs})
            return [order for ref, order in listed.items() if ref in refs]
        return []
    cl_ord_id = job.fields.get("cl_ord_id")
    if not isinstance(cl_ord_id, str):
        return []
    query = {"cl_ord_id": cl_ord_id, "without_count": True}
    listed = loop.orders(job, "ClosedOrders", query)
    return sorted(listed.values(), key=lambda order: order.opentm)[-1:]
