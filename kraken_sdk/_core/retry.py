"""The one retry policy: which failures are resent, and how long to wait first.

| failure                                                      | read  | write | order*  |
|--------------------------------------------------------------|-------|-------|---------|
| nothing was sent: connect error or timeout, HTTP 429, 521,   | retry | retry | retry   |
|   523, 525, 526 (Cloudflare never reached Kraken)            |       |       |         |
| refused unprocessed, try later: rate limits, EService:       | retry | retry | retry   |
|   Throttled, EEarnings:Busy                                  |       |       |         |
| EService:Unavailable/Busy                                    | retry | retry | unknown |
| EAPI:Invalid nonce (once, with a fresh nonce)                | retry | retry | retry   |
| sent, answer lost or unusable: read timeout, connection lost,| retry | raise | unknown |
|   5xx, HTML page, empty body, EGeneral:Internal error,       |       |       |         |
|   EService:Deadline elapsed                                  |       |       |         |
| anything else: arguments, funds, permissions, lockout, ...   | raise | raise | raise   |

The column is the endpoint's `settle` fact (schemas/, via ENDPOINTS): "read" is `resend`,
"write" is `raise`, "order*" is `reconcile` (AddOrder, AddOrderBatch, EditOrder, AmendOrder,
CancelOrder: the reconciler looks them up before any resend) and `unknown` (Withdraw: raised at
once as OrderOutcomeUnknown). Every attempt gets a fresh nonce and signature.

EService:Unavailable/Busy is ambiguous only for ORDER_WRITES, the calls whose resend could
duplicate an order (engine charge add, edit or amend): the order may still have reached the
engine. A cancel that meets it is resent; cancelling twice duplicates nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from kraken_sdk._core.endpoints import ENDPOINTS, Endpoint
from kraken_sdk._core.errors import (
    InvalidNonceError,
    KrakenError,
    OrderOutcomeUnknown,
    RateLimitError,
    ServiceUnavailableError,
    ThrottledError,
)

__all__ = ["ORDER_WRITES", "Decision", "RetryPolicy", "ambiguous", "decide"]

ORDER_WRITES = frozenset(
    e.name for e in ENDPOINTS.values() if e.settle == "reconcile" and e.engine != "cancel"
)
"""Calls that place or change an order: EService:Unavailable/Busy on them is ambiguous."""


def ambiguous(endpoint: Endpoint | str, error: KrakenError) -> bool:
    """Whether `error` leaves it open if the call took effect (sent, answer lost).

    The one answer decide(), the session and the reconciler share; `endpoint` may be a method
    name (one the table lacks is treated as a plain call).
    """
    if isinstance(error, OrderOutcomeUnknown):
        return True
    if isinstance(error, InvalidNonceError):
        return False  # refused before anything ran
    name = endpoint if isinstance(endpoint, str) else endpoint.name
    if name in ORDER_WRITES and isinstance(error, ServiceUnavailableError):
        return True
    return error.transient and not error.surely_not_executed


class Decision(NamedTuple):
    """Whether to resend, and the reason that goes into the log line."""

    retry: bool
    reason: str


def decide(
    error: KrakenError, *, idempotent: bool, nonce_retried: bool, method: str = ""
) -> Decision:
    """The table above, for one failed attempt of `method`; `idempotent` is its endpoint's flag
    (schemas guarantee it is exactly `settle == "resend"`)."""
    if isinstance(error, InvalidNonceError):
        if nonce_retried:
            return Decision(False, "invalid nonce twice in a row")
        return Decision(True, "nonce rejected unprocessed; resending with a fresh nonce")
    if ambiguous(method, error):
        if method in ORDER_WRITES and isinstance(error, ServiceUnavailableError):
            return Decision(False, "an order met EService:Unavailable/Busy; it may have landed")
        if idempotent:
            return Decision(True, "outcome unknown, but the call is a read")
        return Decision(False, "outcome unknown and the call is a write")
    if not error.transient:
        return Decision(False, "permanent failure")
    return Decision(True, "not executed; safe to resend")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempts and waits; `max_retries=0` sends each call exactly once.

    Waits grow as `backoff * 2**(n-1)` capped at `max_backoff`, plus `U(0, jitter)`; after a
    rate-limit error they start at `rate_limit_backoff` instead (Kraken extends the penalty of
    calls made while limited). EService:Throttled waits until the time Kraken names, if that is
    within `max_wait`; otherwise the error is raised.
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    rate_limit_backoff: float = 2.0
    max_wait: float = 60.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        for name in ("backoff", "max_backoff", "rate_limit_backoff", "max_wait", "jitter"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    def wait(
        self,
        error: BaseException | None,
        attempt: int,
        *,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to sleep after failed attempt number `attempt` (1-based)."""
        jitter = self.jitter * rand()
        if isinstance(error, ThrottledError) and error.retry_at is not None:
            return max(0.0, error.retry_at - clock()) + jitter
        if isinstance(error, RateLimitError):
            return min(self.max_wait, self.rate_limit_backoff * 2.0 ** (attempt - 1)) + jitter
        if isinstance(error, InvalidNonceError):
            return 0.0
        return min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1)) + jitter

    def too_long(self, seconds: float) -> bool:
        """A wait beyond max_wait is not worth blocking the caller for."""
        return seconds > self.max_wait
