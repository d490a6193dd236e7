"""What the send/settle loop and the per-method strategies share: one call being settled."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

from kraken_sdk._core.endpoints import DecodedResponse
from kraken_sdk._core.errors import KrakenError
from kraken_sdk._core.session import Call
from kraken_sdk.reconcile.policy import ReconcilePolicy

if TYPE_CHECKING:
    from kraken_sdk.reconcile.loop import Reconciler

__all__ = ["Attempt", "InconclusiveError", "Job", "Strategy", "UnknowableError", "number"]

Attempt = Callable[[], DecodedResponse]
"""One more send of the call, exactly as first sent."""


class UnknowableError(Exception):
    """Lookups could not settle the outcome; `cause` is the last thing that went wrong."""

    def __init__(self, reason: str, cause: BaseException | None = None) -> None:
        super().__init__(reason)
        self.cause = cause


class InconclusiveError(Exception):
    """One lookup round that proves neither presence nor absence."""


@dataclass
class Job:
    """One call being settled."""

    call: Call
    fields: Mapping[str, Any]
    given: frozenset[str]
    started: float  # local time just before the first attempt
    otp: str | None
    first: KrakenError
    policy: ReconcilePolicy
    offset: float | None = None  # Kraken's clock minus ours, once measured

    @property
    def method(self) -> str:
        return self.call.name


class Strategy(Protocol):
    """How one order method is settled after an ambiguous failure.

    `resend_is_harmless`: with reconciliation off, its ambiguous failure is raised as it is
    (a second cancel does no harm) instead of as OrderOutcomeUnknown.
    """

    @property
    def resend_is_harmless(self) -> bool: ...

    def settle(self, loop: Reconciler, job: Job, attempt: Attempt) -> DecodedResponse: ...


def number(value: Any) -> Decimal | None:
    """An absolute number given by the caller, or None (relative prices, absent values)."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and value[:1] not in ("+", "-", "#") and not value.endswith("%"):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None
