"""EditOrder (new txid, no cl_ord_id): the original still open means the edit did not happen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kraken_sdk._core.endpoints import DecodedResponse
from kraken_sdk._core.errors import KrakenError, UnknownOrderError
from kraken_sdk.models.common import Order
from kraken_sdk.reconcile.job import Attempt, InconclusiveError, Job, UnknowableError, number

if TYPE_CHECKING:
    from kraken_sdk.reconcile.loop import Reconciler

__all__ = ["OPEN", "EditOrderStrategy", "gone"]

OPEN = frozenset({"open", "pending"})


class EditOrderStrategy:
    """The original gone and exactly one matching new order since the call began: it happened."""

    resend_is_harmless = False

    def settle(self, loop: Reconciler, job: Job, attempt: Attempt) -> DecodedResponse:
        txid = job.fields.get("txid")
        if not isinstance(txid, str) or txid.lstrip("-").isdigit():
            why = "an edit by userref cannot be looked up"
            raise loop.unknown(job, why, job.first) from job.first
        original = txid

        def probe() -> tuple[str, Order, Order] | None:
            old = loop.orders(job, "QueryOrders", {"txid": original}).get(original)
            if old is None:
                raise InconclusiveError(f"QueryOrders does not list {original}")
            if old.status in OPEN:
                return None  # not replaced: the edit did not happen (yet)
            bound = loop.bound(job)
            listed = {
                **loop.orders(job, "OpenOrders", {}),
                **loop.orders(job, "ClosedOrders", {"start": int(bound), "without_count": True}),
            }
            mine = [
                (new_txid, order)
                for new_txid, order in listed.items()
                if new_txid != original and order.opentm >= bound and _replaces(order, old, job)
            ]
            linked = [item for item in mine if item[1].refid == original]
            mine = linked or mine
            if len(mine) > 1:
                raise UnknowableError(f"{len(mine)} orders could be the replacement of {original}")
            if not mine:
                raise InconclusiveError(f"{original} is {old.status} and no replacement is listed")
            return mine[0][0], mine[0][1], old

        def build(found: tuple[str, Order, Order]) -> Any:
            return _edit_result(job, original, *found)

        return loop.settle(job, attempt, probe, build, landed=gone)


def gone(error: KrakenError) -> bool:
    """The order an edit or amend names is no longer open."""
    return isinstance(error, UnknownOrderError)


def _replaces(new: Order, old: Order, job: Job) -> bool:
    """Whether `new` looks like the order an edit of `old` with these fields creates."""
    a, b = new.descr, old.descr
    if (a.pair, a.type, a.ordertype) != (b.pair, b.type, b.ordertype):
        return False
    price = number(job.fields.get("price"))
    expected = price if price is not None else number(b.price)
    if expected is not None and number(a.price) != expected:
        return False
    userref = job.fields.get("userref")
    return not isinstance(userref, int) or new.userref == userref


def _edit_result(job: Job, original: str, txid: str, new: Order, old: Order) -> dict[str, Any]:
    """EditOrder's answer rebuilt from the two orders (fields Kraken would have sent)."""
    volume = number(job.fields.get("volume"))
    result: dict[str, Any] = {
        "status": "ok",
        "txid": txid,
        "originaltxid": original,
        "volume": format(volume if volume is not None else old.vol, "f"),
        "orders_cancelled": 1,
        "descr": {"order": new.descr.order},
    }
    for name in ("price", "price2"):
        value = getattr(new.descr, name)
        if isinstance(value, str):
            result[name] = value
    if old.userref:
        result["olduserref"] = old.userref
    if isinstance(job.fields.get("userref"), int):
        result["newuserref"] = job.fields["userref"]
    return result
