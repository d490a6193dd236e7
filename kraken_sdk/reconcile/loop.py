"""The Reconciler: sends a write, and after an ambiguous failure settles what landed.

The loop is the same for every order method (look up, found: its result; surely absent: resend,
bounded; else OrderOutcomeUnknown); what "look up" and "found" mean is the method's strategy
(`kraken_sdk.reconcile.strategies`). This is the one place that builds OrderOutcomeUnknown: the
session raises the ambiguous failure itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec

from kraken_sdk._core.endpoints import ENDPOINTS, DecodedResponse
from kraken_sdk._core.errors import KrakenError, OrderOutcomeUnknown
from kraken_sdk._core.retry import ambiguous
from kraken_sdk._core.session import Call, Session, TimeoutSpec
from kraken_sdk.models.common import Order
from kraken_sdk.reconcile.job import Attempt, InconclusiveError, Job, UnknowableError
from kraken_sdk.reconcile.policy import (
    DEFAULT_POLICY,
    ReconcilePolicy,
    ReconcileStats,
    outcome_context,
)
from kraken_sdk.reconcile.strategies import RECONCILED, STRATEGIES, UNKNOWN_IF_AMBIGUOUS

__all__ = ["LOOKUPS", "Reconciler", "failure", "not_placed"]

logger = logging.getLogger("kraken_sdk")

LOOKUPS = ("OpenOrders", "ClosedOrders", "QueryOrders", "OrderAmends", "Time")
T = TypeVar("T")


class Reconciler:
    """Sends writes and settles their ambiguous failures (see `kraken_sdk.reconcile`).

    `policy=None` turns the lookups off: an ambiguous failure raises OrderOutcomeUnknown at once
    (a cancel, harmless to resend, raises the failure itself).
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
    ) -> DecodedResponse:
        """`session.call`; after an ambiguous failure of a write that must not be resent
        blindly, what landed (reconciled methods) or OrderOutcomeUnknown."""

        def attempt() -> DecodedResponse:
            return self.session.call(call, fields, timeout=timeout, otp=otp)

        name = call.name
        if name not in RECONCILED and name not in UNKNOWN_IF_AMBIGUOUS:
            return attempt()
        started = self._clock()
        try:
            return attempt()
        except KrakenError as error:
            if not ambiguous(name, error):
                raise
            first = error
        policy = self.policy
        job = Job(call, fields, given, started, otp, first, policy or DEFAULT_POLICY)
        strategy = STRATEGIES.get(name)
        if strategy is None:  # never resent, never looked up (a withdrawal)
            raise self.unknown(job, "it is never resent", first) from first
        self.stats.add(ambiguous=1)
        if policy is None:
            if strategy.resend_is_harmless:
                raise first
            raise self.unknown(job, "reconciliation is off", first) from first
        logger.warning(
            "%s: outcome unknown after %s; looking it up before any resend", name, failure(first)
        )
        if fields.get("validate") in (True, "true", "1", 1):
            return self._resend_validation(job, attempt)
        return strategy.settle(self, job, attempt)

    # -- the loop shared by every method --

    def settle(
        self,
        job: Job,
        attempt: Attempt,
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
            found = self.locate_or_raise(job, probe, error)
            if found is not None:
                self.stats.add(found=1)
                logger.info("%s: found what landed after %s", job.method, failure(error))
                return self.result(job, build(found))
            if refusal is not None:
                if raise_refusal:
                    raise refusal
                why = f"Kraken refused the resend ({refusal}) yet nothing is listed"
                raise self.unknown(job, why, refusal) from refusal
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
        raise not_placed(job, error)

    def locate_or_raise(
        self, job: Job, probe: Callable[[], T | None], error: KrakenError | None = None
    ) -> T | None:
        """`locate`, with an unknowable outcome raised as OrderOutcomeUnknown."""
        try:
            return self.locate(job, probe)
        except UnknowableError as exc:
            fallback = error or job.first
            cause = exc.cause if isinstance(exc.cause, KrakenError) else fallback
            raise self.unknown(job, str(exc), cause) from cause

    def locate(self, job: Job, probe: Callable[[], T | None]) -> T | None:
        """Rounds of `probe`: what it found, or None once surely absent; else UnknowableError."""
        policy = job.policy
        absent = 0
        last: BaseException | None = None
        for index in range(policy.lookups):
            if index:
                self.pause(policy.spacing)
            try:
                found = probe()
            except (KrakenError, InconclusiveError) as exc:
                logger.warning("%s: lookup round %d: %s", job.method, index + 1, exc)
                last = exc
                continue
            if found is not None:
                return found
            absent += 1
            if absent >= policy.confirmations:
                break
        if absent < policy.confirmations:
            reason = f"lookups did not settle it ({last})" if last else "lookups failed"
            raise UnknowableError(reason, last)
        if self._wait_for_deadline(job):
            try:
                return probe()
            except (KrakenError, InconclusiveError) as exc:
                raise UnknowableError(f"the last lookup failed ({exc})", exc) from exc
        return None

    def pause(self, seconds: float) -> None:
        """Wait between lookup rounds or resends (the client's injectable sleep)."""
        self._sleep(seconds)

    def _wait_for_deadline(self, job: Job) -> bool:
        """Sleep until the order's `deadline` passed on Kraken's clock; False if nothing to wait."""
        text = job.fields.get("deadline")
        if not isinstance(text, str):
            return False
        try:
            deadline = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        self.bound(job)
        assert job.offset is not None
        remaining = deadline - (self._clock() + job.offset) + job.policy.spacing
        if remaining <= 0:
            return False
        self.pause(min(remaining, 65.0))  # Kraken takes deadlines up to 60 s ahead
        return True

    def _resend_validation(self, job: Job, attempt: Attempt) -> DecodedResponse:
        """validate=True places nothing: resending it is always safe."""
        error = job.first
        for resend in range(job.policy.resends):
            if resend:
                self.pause(job.policy.spacing)
            self.stats.add(resent=1)
            try:
                return attempt()
            except KrakenError as exc:
                if not ambiguous(job.method, exc):
                    raise
                error = exc
        raise error

    # -- lookups --

    def query(self, job: Job, name: str, fields: Mapping[str, Any]) -> Any:
        """One lookup request (counted in stats)."""
        self.stats.add(lookups=1)
        otp = job.otp if self._calls[name].private else None
        return self.session.call(self._calls[name], fields, otp=otp).result

    def orders(self, job: Job, name: str, fields: Mapping[str, Any]) -> Mapping[str, Order]:
        """OpenOrders, ClosedOrders or QueryOrders as one txid -> Order mapping."""
        result = self.query(job, name, fields)
        if name == "OpenOrders":
            return dict(result.open)
        if name == "ClosedOrders":
            return dict(result.closed)
        return dict(result)

    def bound(self, job: Job) -> float:
        """Kraken's time when the call began, less a margin (one Time call per settled call)."""
        if job.offset is None:
            before = self._clock()
            server = self.query(job, "Time", {}).unixtime
            after = self._clock()
            job.offset = server + 0.5 - (before + after) / 2  # unixtime is whole seconds
        return job.started + job.offset - job.policy.clock_margin

    # -- results and failures --

    @staticmethod
    def result(job: Job, wire: Any) -> DecodedResponse:
        """The wire result a success would have carried, decoded exactly as one is."""
        return job.call.decode(msgspec.json.encode({"error": [], "result": wire}))

    def unknown(self, job: Job, why: str, cause: KrakenError) -> OrderOutcomeUnknown:
        """The OrderOutcomeUnknown of `job`, carrying what finds it again (the only builder)."""
        self.stats.add(unknown=1)
        context = outcome_context(job.method, job.fields)
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
            f"{job.method}: outcome unknown after {failure(job.first)} ({_short(job.first)}): "
            f"{why}; not resent: look it up by {look_up} before sending it again",
            method=job.method,
            errors=cause.errors,
            cl_ord_id=context.cl_ord_id,
            cl_ord_ids=context.cl_ord_ids,
            userref=context.userref,
            txid=context.txid,
            request=context.request,
        )


def failure(error: KrakenError) -> str:
    """The name of what went wrong, for log lines and messages."""
    return type(error).__name__


def _short(error: BaseException) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:197] + "..."


def not_placed(job: Job, error: KrakenError) -> KrakenError:
    """The last failure, marked as what it turned out to be: the order surely is not there."""
    error.surely_not_executed = True
    error.add_note(
        f"{job.method}: not placed: every resend ({job.policy.resends}) failed like this, "
        "and lookups after the last one found nothing"
    )
    return error
