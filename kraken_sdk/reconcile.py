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

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import msgspec

from kraken_sdk._core.endpoints import ENDPOINTS, DecodedResponse
from kraken_sdk._core.errors import (
    KrakenError,
    OrderError,
    OrderOutcomeUnknown,
    ServiceUnavailableError,
    UnknownOrderError,
)
from kraken_sdk._core.retry import ORDER_WRITES
from kraken_sdk._core.session import Call, OutcomeContext, Session, TimeoutSpec
from kraken_sdk.models.common import Order

__all__ = [
    "DEFAULT_POLICY",
    "RECONCILED",
    "ReconcilePolicy",
    "ReconcileStats",
    "Reconciler",
    "ambiguous",
    "caller_ids",
]

logger = logging.getLogger("kraken_sdk")

RECONCILED = frozenset({"AddOrder", "AddOrderBatch", "EditOrder", "AmendOrder", "CancelOrder"})
"""Methods whose ambiguous failures are settled here instead of surfacing at once."""

LOOKUPS = ("OpenOrders", "ClosedOrders", "QueryOrders", "OrderAmends", "Time")
CLOSED_PAGES = 20  # ClosedOrders pages (50 orders each) read when searching for a batch
OPEN = frozenset({"open", "pending"})
T = TypeVar("T")


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


def ambiguous(method: str, error: KrakenError) -> bool:
    """Whether `error` leaves it open if the write `method` took effect."""
    if isinstance(error, OrderOutcomeUnknown):
        return True
    if method in ORDER_WRITES and isinstance(error, ServiceUnavailableError):
        return True
    return error.transient and not error.surely_not_executed


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


class _UnknowableError(Exception):
    """Lookups could not settle the outcome; `cause` is the last thing that went wrong."""

    def __init__(self, reason: str, cause: BaseException | None = None) -> None:
        super().__init__(reason)
        self.cause = cause


class _InconclusiveError(Exception):
    """One lookup round that proves neither presence nor absence."""


@dataclass
class _Job:
    """One call being settled."""

    call: Call
    fields: Mapping[str, Any]
    given: frozenset[str]
    started: float  # local time just before the first attempt
    otp: str | None
    context: OutcomeContext | None
    first: KrakenError
    policy: ReconcilePolicy
    offset: float | None = None  # Kraken's clock minus ours, once measured

    @property
    def method(self) -> str:
        return self.call.name


class Reconciler:
    """Sends order writes and settles their ambiguous failures (see the module docstring).

    `policy=None` turns the lookups off: an ambiguous failure raises OrderOutcomeUnknown at once.
    """

    def __init__(
        self,
        session: Session,
        policy: ReconcilePolicy | None = DEFAULT_POLICY,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.policy = policy
        self.stats = ReconcileStats()
        self._sleep = sleep
        self._clock = clock
        self._calls = {name: Call.from_endpoint(ENDPOINTS[name]) for name in LOOKUPS}

    # -- the entry point --

    def send(
        self,
        call: Call,
        fields: Mapping[str, Any],
        *,
        given: frozenset[str] = frozenset(),
        timeout: TimeoutSpec | None = None,
        otp: str | None = None,
        context: OutcomeContext | None = None,
    ) -> DecodedResponse:
        """`session.call`, and for RECONCILED methods what landed after an ambiguous failure."""

        def attempt() -> DecodedResponse:
            return self.session.call(call, fields, timeout=timeout, otp=otp, context=context)

        if call.name not in RECONCILED:
            return attempt()
        started = self._clock()
        try:
            return attempt()
        except KrakenError as error:
            if not ambiguous(call.name, error):
                raise
            first = error
        self.stats.add(ambiguous=1)
        policy = self.policy
        job = _Job(call, fields, given, started, otp, context, first, policy or DEFAULT_POLICY)
        if policy is None:  # no lookups: surface the ambiguity as the session would
            if isinstance(first, OrderOutcomeUnknown) or call.name not in ORDER_WRITES:
                raise first
            raise self._unknown(job, "reconciliation is off", first) from first
        logger.warning(
            "%s: outcome unknown after %s; looking it up before any resend",
            call.name,
            _failure(first),
        )
        if fields.get("validate") in (True, "true", "1", 1):
            return self._resend_validation(job, attempt)
        settle = {
            "AddOrder": self._add_order,
            "AddOrderBatch": self._add_order_batch,
            "EditOrder": self._edit_order,
            "AmendOrder": self._amend_order,
            "CancelOrder": self._cancel_order,
        }[call.name]
        return settle(job, attempt)

    # -- the loop shared by every method --

    def _settle(
        self,
        job: _Job,
        attempt: Callable[[], DecodedResponse],
        probe: Callable[[], T | None],
        build: Callable[[T], Any],
        *,
        landed: Callable[[KrakenError], bool],
        raise_refusal: bool = False,
    ) -> DecodedResponse:
        """Look up; found: its result; surely absent: resend (bounded); else OrderOutcomeUnknown.

        `landed(error)` tells a refusal of the resend that may mean the first try got through
        (a duplicate cl_ord_id, an order already gone); it leads to one more lookup, and if that
        finds nothing the refusal is raised (`raise_refusal`) or the outcome stays unknown.
        """
        error = job.first
        refusal: KrakenError | None = None
        for resend in range(job.policy.resends + 1):
            try:
                found = self._locate(job, probe)
            except _UnknowableError as exc:
                cause = exc.cause if isinstance(exc.cause, KrakenError) else error
                raise self._unknown(job, str(exc), cause) from cause
            if found is not None:
                self.stats.add(found=1)
                logger.info("%s: found what landed after %s", job.method, _failure(error))
                return self._result(job, build(found))
            if refusal is not None:
                if raise_refusal:
                    raise refusal
                why = f"Kraken refused the resend ({refusal}) yet nothing is listed"
                raise self._unknown(job, why, refusal) from refusal
            if resend == job.policy.resends:
                break
            self.stats.add(resent=1)
            logger.warning("%s: surely absent; resending it unchanged", job.method)
            try:
                return attempt()
            except KrakenError as exc:
                if landed(exc):
                    refusal = error = exc
                    continue
                if not ambiguous(job.method, exc):
                    raise
                self.stats.add(ambiguous=1)
                error = exc
        raise _not_placed(job, error)

    def _locate(self, job: _Job, probe: Callable[[], T | None]) -> T | None:
        """Rounds of `probe`: what it found, or None once surely absent; else _UnknowableError."""
        policy = job.policy
        absent = 0
        failure: BaseException | None = None
        for index in range(policy.lookups):
            if index:
                self._sleep(policy.spacing)
            try:
                found = probe()
            except (KrakenError, _InconclusiveError) as exc:
                logger.warning("%s: lookup round %d: %s", job.method, index + 1, exc)
                failure = exc
                continue
            if found is not None:
                return found
            absent += 1
            if absent >= policy.confirmations:
                break
        if absent < policy.confirmations:
            reason = f"lookups did not settle it ({failure})" if failure else "lookups failed"
            raise _UnknowableError(reason, failure)
        if self._wait_for_deadline(job):
            try:
                return probe()
            except (KrakenError, _InconclusiveError) as exc:
                raise _UnknowableError(f"the last lookup failed ({exc})", exc) from exc
        return None

    def _wait_for_deadline(self, job: _Job) -> bool:
        """Sleep until the order's `deadline` passed on Kraken's clock; False if nothing to wait."""
        text = job.fields.get("deadline")
        if not isinstance(text, str):
            return False
        try:
            deadline = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        self._bound(job)
        assert job.offset is not None
        remaining = deadline - (self._clock() + job.offset) + job.policy.spacing
        if remaining <= 0:
            return False
        self._sleep(min(remaining, 65.0))  # Kraken takes deadlines up to 60 s ahead
        return True

    # -- AddOrder --

    def _add_order(self, job: _Job, attempt: Callable[[], DecodedResponse]) -> DecodedResponse:
        cl_ord_id = job.fields.get("cl_ord_id")
        if not isinstance(cl_ord_id, str):
            return self._add_order_by_userref(job)
        quick = job.fields.get("ordertype") == "market" or job.fields.get("timeinforce") == "IOC"

        def probe() -> tuple[str, Order] | None:
            return self._find(job, cl_ord_id, closed_first=quick)

        return self._settle(job, attempt, probe, _add_result, landed=_duplicate)

    def _find(self, job: _Job, cl_ord_id: str, *, closed_first: bool) -> tuple[str, Order] | None:
        """The order carrying `cl_ord_id` placed by this call, if it is listed."""
        bound = self._bound(job) if cl_ord_id in job.given else None
        closed: dict[str, Any] = {"cl_ord_id": cl_ord_id, "without_count": True}
        if bound is not None:
            closed["start"] = int(bound)
        asks = [("OpenOrders", {"cl_ord_id": cl_ord_id}), ("ClosedOrders", closed)]
        for name, query in reversed(asks) if closed_first else asks:
            listed = self._orders(job, name, query)
            mine = [
                (txid, order)
                for txid, order in listed.items()
                if order.cl_ord_id == cl_ord_id and (bound is None or order.opentm >= bound)
            ]
            if mine:
                return max(mine, key=lambda item: item[1].opentm)
        return None

    def _add_order_by_userref(self, job: _Job) -> DecodedResponse:
        """Claim the one order this call can have placed; never resend (see module docstring)."""
        fields = job.fields
        userref = fields.get("userref")
        if not isinstance(userref, int):
            raise self._unknown(job, "the order has neither cl_ord_id nor userref", job.first)

        def probe() -> tuple[str, Order] | None:
            bound = self._bound(job)
            closed = {"userref": userref, "start": int(bound), "without_count": True}
            listed = {
                **self._orders(job, "OpenOrders", {"userref": userref}),
                **self._orders(job, "ClosedOrders", closed),
            }
            mine = [
                (txid, order)
                for txid, order in listed.items()
                if order.userref == userref and order.opentm >= bound and _same_order(order, fields)
            ]
            if len(mine) > 1:
                raise _UnknowableError(f"{len(mine)} orders since the call carry userref {userref}")
            return mine[0] if mine else None

        try:
            found = self._locate(job, probe)
        except _UnknowableError as exc:
            cause = exc.cause if isinstance(exc.cause, KrakenError) else job.first
            raise self._unknown(job, str(exc), cause) from cause
        if found is None:
            why = "no such order is listed, and without a cl_ord_id a resend is not safe"
            raise self._unknown(job, why, job.first) from job.first
        self.stats.add(found=1)
        return self._result(job, _add_result(found))

    # -- AddOrderBatch --

    def _add_order_batch(
        self, job: _Job, attempt: Callable[[], DecodedResponse]
    ) -> DecodedResponse:
        orders = job.fields.get("orders")
        items = orders if isinstance(orders, list) else []
        ids = [item.get("cl_ord_id") if isinstance(item, Mapping) else None for item in items]
        if not ids or not all(isinstance(i, str) for i in ids):
            why = "an order of the batch has no cl_ord_id to find it by"
            raise self._unknown(job, why, job.first) from job.first
        wanted = [str(i) for i in ids]

        def probe() -> dict[str, tuple[str, Order]] | None:
            return self._find_batch(job, wanted) or None

        def build(found: dict[str, tuple[str, Order]]) -> Any:
            found = self._complete_batch(job, wanted, found)
            return {"orders": [_batch_entry(found.get(i)) for i in wanted]}

        decoded = self._settle(job, attempt, probe, build, landed=lambda error: False)
        return self._repair_batch(job, wanted, decoded)

    def _find_batch(self, job: _Job, ids: Sequence[str]) -> dict[str, tuple[str, Order]]:
        """Which of `ids` are listed (opened since the call began): one OpenOrders, few pages."""
        bound = self._bound(job)
        wanted = set(ids)
        found: dict[str, tuple[str, Order]] = {}

        def take(listed: Mapping[str, Order]) -> None:
            for txid, order in listed.items():
                if order.cl_ord_id in wanted and order.opentm >= bound:
                    found.setdefault(order.cl_ord_id, (txid, order))

        take(self._orders(job, "OpenOrders", {}))
        for page in range(CLOSED_PAGES):
            if len(found) == len(wanted):
                break
            query = {"start": int(bound), "without_count": True, "ofs": 50 * page}
            listed = self._orders(job, "ClosedOrders", query)
            take(listed)
            if len(listed) < 50:
                break
        return found

    def _complete_batch(
        self, job: _Job, ids: Sequence[str], found: dict[str, tuple[str, Order]]
    ) -> dict[str, tuple[str, Order]]:
        """Part of a batch is listed: give the rest `confirmations` more rounds to appear."""
        for _ in range(job.policy.confirmations):
            if len(found) == len(ids):
                break
            self._sleep(job.policy.spacing)
            try:
                found = {**self._find_batch(job, ids), **found}
            except KrakenError as exc:
                cause = exc
                raise self._unknown(job, f"lookups failed ({exc})", cause) from cause
        return found

    def _repair_batch(
        self, job: _Job, ids: Sequence[str], decoded: DecodedResponse
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
            found = self._find_batch(job, [ids[index] for index in duplicates])
        except KrakenError:
            return decoded
        for index in duplicates:
            if ids[index] in found:
                entries[index] = _batch_entry(found[ids[index]])
        return self._result(job, {"orders": entries})

    # -- EditOrder --

    def _edit_order(self, job: _Job, attempt: Callable[[], DecodedResponse]) -> DecodedResponse:
        txid = job.fields.get("txid")
        if not isinstance(txid, str) or txid.lstrip("-").isdigit():
            why = "an edit by userref cannot be looked up"
            raise self._unknown(job, why, job.first) from job.first
        original = txid

        def probe() -> tuple[str, Order, Order] | None:
            old = self._orders(job, "QueryOrders", {"txid": original}).get(original)
            if old is None:
                raise _InconclusiveError(f"QueryOrders does not list {original}")
            if old.status in OPEN:
                return None  # not replaced: the edit did not happen (yet)
            bound = self._bound(job)
            listed = {
                **self._orders(job, "OpenOrders", {}),
                **self._orders(job, "ClosedOrders", {"start": int(bound), "without_count": True}),
            }
            mine = [
                (new_txid, order)
                for new_txid, order in listed.items()
                if new_txid != original and order.opentm >= bound and _replaces(order, old, job)
            ]
            linked = [item for item in mine if item[1].refid == original]
            mine = linked or mine
            if len(mine) > 1:
                raise _UnknowableError(f"{len(mine)} orders could be the replacement of {original}")
            if not mine:
                raise _InconclusiveError(f"{original} is {old.status} and no replacement is listed")
            return mine[0][0], mine[0][1], old

        def build(found: tuple[str, Order, Order]) -> Any:
            return _edit_result(job, original, *found)

        return self._settle(job, attempt, probe, build, landed=_gone)

    # -- AmendOrder --

    def _amend_order(self, job: _Job, attempt: Callable[[], DecodedResponse]) -> DecodedResponse:
        target: list[str] = []

        def probe() -> str | None:
            if not target:
                target.append(self._amend_target(job))
            bound_ns = int(self._bound(job) * 1_000_000_000)
            result = self._query(job, "OrderAmends", {"order_id": target[0]})
            mine = [
                entry.amend_id
                for entry in result.amends
                if entry.amend_type == "user"
                and entry.timestamp >= bound_ns
                and _amended_as_asked(entry, job.fields)
            ]
            return mine[-1] if mine else None

        return self._settle(
            job,
            attempt,
            probe,
            lambda amend_id: {"amend_id": amend_id},
            landed=_gone,
            raise_refusal=True,
        )

    def _amend_target(self, job: _Job) -> str:
        """The txid of the order being amended (named by txid or by cl_ord_id)."""
        txid = job.fields.get("txid")
        if isinstance(txid, str):
            return txid
        cl_ord_id = job.fields.get("cl_ord_id")
        if not isinstance(cl_ord_id, str):
            raise _UnknowableError("the amendment names no order")
        listed = self._orders(job, "OpenOrders", {"cl_ord_id": cl_ord_id})
        if not listed:  # the amendment may have closed it (quantity down to what was filled)
            bound = self._bound(job)
            query = {"cl_ord_id": cl_ord_id, "start": int(bound), "without_count": True}
            listed = {
                t: o
                for t, o in self._orders(job, "ClosedOrders", query).items()
                if not isinstance(o.closetm, msgspec.UnsetType) and o.closetm >= bound
            }
        mine = [t for t, o in listed.items() if o.cl_ord_id == cl_ord_id]
        if len(mine) != 1:
            raise _InconclusiveError(f"{len(mine)} orders carry cl_ord_id {cl_ord_id}")
        return mine[0]

    # -- CancelOrder --

    def _cancel_order(self, job: _Job, attempt: Callable[[], DecodedResponse]) -> DecodedResponse:
        """A second cancel does no harm: resend at once; "unknown order" then means done."""
        error = job.first
        for resend in range(job.policy.resends):
            if resend:
                self._sleep(job.policy.spacing)
            self.stats.add(resent=1)
            try:
                return attempt()
            except UnknownOrderError as exc:
                return self._cancel_done(job, exc)
            except KrakenError as exc:
                if not ambiguous(job.method, exc):
                    raise
                self.stats.add(ambiguous=1)
                error = exc
        why = f"{job.policy.resends} resends of the cancel failed ambiguously"
        raise self._unknown(job, why, error) from error

    def _cancel_done(self, job: _Job, refusal: UnknownOrderError) -> DecodedResponse:
        """Count 1 if the order ended cancelled; the refusal if it filled or expired first."""
        try:
            orders = self._cancel_targets(job)
        except KrakenError as exc:
            logger.warning("%s: could not check the order after the cancel: %s", job.method, exc)
            orders = []
        if orders and all(order.status in ("closed", "expired") for order in orders):
            raise refusal
        cancelled = sum(order.status == "canceled" for order in orders)
        self.stats.add(found=1)
        return self._result(job, {"count": max(cancelled, 1)})

    def _cancel_targets(self, job: _Job) -> list[Order]:
        txid = job.fields.get("txid")
        if isinstance(txid, str):
            refs = [ref.strip() for ref in txid.split(",") if ref.strip()]
            if refs and not any(ref.lstrip("-").isdigit() for ref in refs):
                listed = self._orders(job, "QueryOrders", {"txid": refs})
                return [order for ref, order in listed.items() if ref in refs]
            return []
        cl_ord_id = job.fields.get("cl_ord_id")
        if not isinstance(cl_ord_id, str):
            return []
        query = {"cl_ord_id": cl_ord_id, "without_count": True}
        listed = self._orders(job, "ClosedOrders", query)
        newest = sorted(listed.values(), key=lambda order: order.opentm)[-1:]
        return newest

    # -- validate=True --

    def _resend_validation(
        self, job: _Job, attempt: Callable[[], DecodedResponse]
    ) -> DecodedResponse:
        """validate=True places nothing: resending it is always safe."""
        error = job.first
        for resend in range(job.policy.resends):
            if resend:
                self._sleep(job.policy.spacing)
            self.stats.add(resent=1)
            try:
                return attempt()
            except KrakenError as exc:
                if not ambiguous(job.method, exc):
                    raise
                error = exc
        raise error

    # -- lookups --

    def _query(self, job: _Job, name: str, fields: Mapping[str, Any]) -> Any:
        self.stats.add(lookups=1)
        otp = job.otp if self._calls[name].private else None
        return self.session.call(self._calls[name], fields, otp=otp).result

    def _orders(self, job: _Job, name: str, fields: Mapping[str, Any]) -> Mapping[str, Order]:
        """OpenOrders, ClosedOrders or QueryOrders as one txid -> Order mapping."""
        result = self._query(job, name, fields)
        if name == "OpenOrders":
            return dict(result.open)
        if name == "ClosedOrders":
            return dict(result.closed)
        return dict(result)

    def _bound(self, job: _Job) -> float:
        """Kraken's time when the call began, less a margin (one Time call per settled call)."""
        if job.offset is None:
            before = self._clock()
            server = self._query(job, "Time", {}).unixtime
            after = self._clock()
            job.offset = server + 0.5 - (before + after) / 2  # unixtime is whole seconds
        return job.started + job.offset - job.policy.clock_margin

    # -- results and failures --

    @staticmethod
    def _result(job: _Job, wire: Any) -> DecodedResponse:
        """The wire result a success would have carried, decoded exactly as one is."""
        return job.call.decode(msgspec.json.encode({"error": [], "result": wire}))

    def _unknown(self, job: _Job, why: str, cause: KrakenError) -> OrderOutcomeUnknown:
        self.stats.add(unknown=1)
        context = job.context or OutcomeContext(request=dict(job.fields))
        ids = context.cl_ord_id or ", ".join(context.cl_ord_ids) or None
        look_up = (
            f"cl_ord_id {ids}"
            if ids
            else f"userref {context.userref}"
            if context.userref is not None
            else f"txid {context.txid}"
            if context.txid
            else "its status"
        )
        return OrderOutcomeUnknown(
            f"{job.method}: outcome unknown after {_failure(job.first)}: {why}; "
            f"not resent: look it up by {look_up} before sending it again",
            method=job.method,
            errors=cause.errors,
            cl_ord_id=context.cl_ord_id,
            cl_ord_ids=context.cl_ord_ids,
            userref=context.userref,
            txid=context.txid,
            request=context.request,
        )


# --- matching and building ------------------------------------------------------------------------


def _failure(error: KrakenError) -> str:
    """The name of what went wrong (the cause, for the session's OrderOutcomeUnknown)."""
    cause = error.__cause__ if isinstance(error, OrderOutcomeUnknown) else None
    return type(cause or error).__name__


def _not_placed(job: _Job, error: KrakenError) -> KrakenError:
    """The last failure, marked as what it turned out to be: the order surely is not there."""
    cause = error.__cause__
    if isinstance(error, OrderOutcomeUnknown) and isinstance(cause, KrakenError):
        error = cause
    error.surely_not_executed = True
    error.add_note(
        f"{job.method}: not placed: every resend ({job.policy.resends}) failed like this, "
        "and lookups after the last one found nothing"
    )
    return error


def _duplicate(error: KrakenError) -> bool:
    """Kraken refused a cl_ord_id that an open order carries (text not documented)."""
    return isinstance(error, OrderError) and any("duplicate" in e.lower() for e in error.errors)


def _gone(error: KrakenError) -> bool:
    """The order an edit or amend names is no longer open."""
    return isinstance(error, UnknownOrderError)


def _decimal(value: Any) -> Decimal | None:
    """An absolute number given by the caller, or None (relative prices, absent values)."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and value[:1] not in ("+", "-", "#") and not value.endswith("%"):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _same_order(order: Order, fields: Mapping[str, Any]) -> bool:
    """Side, type, pair and volume as the call asked (for orders found by userref)."""
    descr = order.descr
    if descr.type != fields.get("type") or descr.ordertype != fields.get("ordertype"):
        return False
    pair = fields.get("pair")
    if isinstance(descr.pair, str) and isinstance(pair, str) and descr.pair != pair:
        return False
    volume = _decimal(fields.get("volume"))
    viqc = "viqc" in str(fields.get("oflags", ""))
    return volume is None or viqc or order.vol == volume


def _replaces(new: Order, old: Order, job: _Job) -> bool:
    """Whether `new` looks like the order an edit of `old` with these fields creates."""
    a, b = new.descr, old.descr
    if (a.pair, a.type, a.ordertype) != (b.pair, b.type, b.ordertype):
        return False
    price = _decimal(job.fields.get("price"))
    expected = price if price is not None else _decimal(b.price)
    if expected is not None and _decimal(a.price) != expected:
        return False
    userref = job.fields.get("userref")
    return not isinstance(userref, int) or new.userref == userref


def _amended_as_asked(entry: Any, fields: Mapping[str, Any]) -> bool:
    """The absolute values the amendment asked for are the ones OrderAmends recorded."""
    for ask, recorded in (
        ("order_qty", "order_qty"),
        ("display_qty", "display_qty"),
        ("limit_price", "limit_price"),
        ("trigger_price", "trigger_price"),
    ):
        wanted = _decimal(fields.get(ask))
        if wanted is not None and getattr(entry, recorded) != wanted:
            return False
    return True


def _add_result(found: tuple[str, Order]) -> dict[str, Any]:
    txid, order = found
    descr: dict[str, str] = {"order": order.descr.order}
    if isinstance(order.descr.close, str) and order.descr.close:
        descr["close"] = order.descr.close
    return {"descr": descr, "txid": [txid]}


def _batch_entry(found: tuple[str, Order] | None) -> dict[str, Any]:
    if found is None:
        return {
            "error": "not placed: this order is not listed after the batch's answer was lost, "
            "while others of the batch are (Kraken refused it)"
        }
    txid, order = found
    return {"txid": txid, "descr": {"order": order.descr.order}}


def _edit_result(job: _Job, original: str, txid: str, new: Order, old: Order) -> dict[str, Any]:
    """EditOrder's answer rebuilt from the two orders (fields Kraken would have sent)."""
    volume = _decimal(job.fields.get("volume"))
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
