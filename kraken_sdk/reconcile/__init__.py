"""After an ambiguous write, find out what landed: no order is ever duplicated or lost.

An order write whose answer was lost (read timeout, connection dropped after sending, 5xx, an
HTML page, EGeneral:Internal error, EService:Deadline elapsed, and on order writes also
EService:Unavailable/Busy) may or may not have reached the engine. Resending blindly risks two
orders; giving up risks none when one was wanted. `Reconciler.send` therefore does, per call:

1. Every new order already carries a cl_ord_id fixed before the first attempt (validation.py).
2. After an ambiguous failure it looks the order up by cl_ord_id: OpenOrders and ClosedOrders.
   Found: it returns the typed result a success would have returned, built from that order.
3. Only after `confirmations` clean "not there" rounds, `spacing` seconds apart (Kraken's order
   lists may trail the engine by a moment), and after the order's own `deadline` if it has one
   (the engine rejects it after that), is the order "surely absent". Then it is resent with the
   same cl_ord_id. Kraken refuses a cl_ord_id that an open order already carries, so a resend
   that races a late-listed order is refused ("EOrder:Duplicate order") and sent back to step 2.
4. Lookups that keep failing: OrderOutcomeUnknown carrying the cl_ord_id(s). Every one of
   `resends` resends failing too, with lookups still finding nothing: the last failure, marked
   surely_not_executed (the order is surely not there). Never a second order.

Why the lookups are what they are:
- OpenOrders is asked before ClosedOrders for resting orders: orders only move from open to
  closed, so such a round cannot miss an order that exists during it. Market and IOC orders
  are asked the other way round (they close at once: one request instead of two); the race
  that allows is covered by the confirmation round.
- Ids the SDK generated are uuid4, so any order carrying one is this call's. A caller's own id
  may have been used before (Kraken keeps it unique among open orders only), so for those only
  orders opened since the call began count, by Kraken's clock: one public Time call measures
  the offset. A local-clock bound would be off by any skew, and hiding an order that landed is
  exactly how a duplicate happens. The same bound limits ClosedOrders (`start`).
- userref alone (Kraken forbids a cl_ord_id beside it) is not unique: the order is claimed only
  if exactly one order with that userref, pair, side, type and volume was opened since the call
  began, and it is never resent, since no server-side check would stop a duplicate.
- AddOrderBatch: every order needs a cl_ord_id. All found: the batch result in request order;
  none: the batch is resent; some: the batch was processed and the others were refused (their
  entries carry an `error`).
- EditOrder (new txid, no cl_ord_id): the original still open means the edit did not happen;
  the original gone and exactly one new order with its pair, side, type and price opened since
  the call began means it did.
- AmendOrder (same ids): OrderAmends lists a "user" amendment made since the call began with
  the requested values.
- CancelOrder is resent at once (a second cancel does no harm). "EOrder:Unknown order" or
  "Invalid order" on the resend means the first try did it: count 1, unless the order turns out
  filled or expired, in which case that error is what a clean answer would have been.
- validate=True places nothing, so it is simply resent.
"""

from kraken_sdk._core.retry import ambiguous
from kraken_sdk.reconcile.loop import Reconciler
from kraken_sdk.reconcile.policy import (
    DEFAULT_POLICY,
    ReconcilePolicy,
    ReconcileStats,
    caller_ids,
    outcome_context,
)
from kraken_sdk.reconcile.strategies import RECONCILED, STRATEGIES

__all__ = [
    "DEFAULT_POLICY",
    "RECONCILED",
    "STRATEGIES",
    "ReconcilePolicy",
    "ReconcileStats",
    "Reconciler",
    "ambiguous",
    "caller_ids",
    "outcome_context",
]
