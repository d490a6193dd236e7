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

"Read" is an endpoint flagged idempotent in the schemas. "Order*" is AddOrder, AddOrderBatch,
EditOrder, AmendOrder and Withdraw: after an ambiguous failure ("unknown") they raise
OrderOutcomeUnknown carrying the cl_ord_id, so the caller looks the order up instead of risking
a duplicate. Every attempt gets a fresh nonce and signature.

EService:Unavailable/Busy is "unknown" for ORDER_WRITES only: an order that meets it may still
have reached the engine, so `kraken_sdk.reconcile` looks it up before any resend.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from kraken_sdk._core.errors import (
    InvalidNonceError,
    KrakenError,
    RateLimitError,
    ServiceUnavailableError,
    ThrottledError,
)

__all__ = ["ORDER_WRITES", "UNSAFE_TO_RESEND", "Decision", "RetryPolicy", "decide"]

UNSAFE_TO_RESEND = frozenset({"AddOrder", "AddOrderBatch", "EditOrder", "AmendOrder", "Withdraw"})
"""Methods that raise OrderOutcomeUnknown instead of being resent after an ambiguous failure."""

ORDER_WRITES = frozenset({"AddOrder", "AddOrderBatch", "EditOrder", "AmendOrder"})
"""Order writes: EService:Unavailable/Busy on them is ambiguous, not blindly resent."""


class Decision(NamedTuple):
    """Whether to resend, and the reason that goes into the log line."""

    retry: bool
    reason: str


def decide(
    error: KrakenError, *, idempotent: bool, nonce_retried: bool, method: str = ""
) -> Decision:
    """The table above, for one failed attempt of `method`."""
    if isinstance(error, InvalidNonceError):
        if nonce_retried:
            return Decision(False, "invalid nonce twice in a row")
        return Decision(True, "nonce rejected unprocessed; resending with a fresh nonce")
    if method in ORDER_WRITES and isinstance(error, ServiceUnavailableError):
        return Decision(False, "an order met EService:Unavailable/Busy; it may have landed")
    if not error.transient:
        return Decision(False, "permanent failure")
    if error.surely_not_executed:
        return Decision(True, "not executed; safe to resend")
    if idempotent:
        return Decision(True, "outcome unknown, but the call is a read")
    return Decision(False, "outcome unknown and the call is a write")


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
