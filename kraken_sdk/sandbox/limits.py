"""Server-side rate limiting as Kraken does it (reference/kraken_api.md §6).

Two decaying counters: one per API key for REST calls (cost 1 or 2; AddOrder and CancelOrder
are exempt) and one per pair for the matching engine, whose cancel, amend and edit charges grow
the younger the order is. Both read the sandbox's clock, so tests can let them decay instantly.
The charge tables are the client's own (kraken_sdk._core.ratelimit), so both sides count alike.
"""

from __future__ import annotations

from kraken_sdk._core.ratelimit import RateLimits, amend_penalty, cancel_penalty, edit_penalty

__all__ = [
    "EngineLimiter",
    "RestLimiter",
    "amend_penalty",
    "cancel_penalty",
    "edit_penalty",
]


class _Counter:
    """A counter that decays linearly to zero."""

    __slots__ = ("at", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.at = 0.0

    def level(self, now: float, decay: float) -> float:
        return max(0.0, self.value - max(0.0, now - self.at) * decay)

    def set(self, value: float, now: float) -> None:
        self.value, self.at = value, now


class RestLimiter:
    """The per-key REST call counter; refused calls still count, so hammering extends the block."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._counters: dict[str, _Counter] = {}

    def level(self, key: str, now: float) -> float:
        counter = self._counters.get(key)
        return 0.0 if counter is None else counter.level(now, self.limits.decay_per_second)

    def charge(self, key: str, cost: int, now: float) -> bool:
        """Add a call's cost; False when the counter would pass the tier's maximum."""
        maximum = self.limits.counter_max
        if maximum is None or cost <= 0:
            return True
        counter = self._counters.setdefault(key, _Counter())
        level = counter.level(now, self.limits.decay_per_second)
        if level + cost > maximum:
            counter.set(min(level + cost, maximum + cost), now)
            return False
        counter.set(level + cost, now)
        return True


class EngineLimiter:
    """The per-pair trading-engine counter and the per-pair cap on open orders."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._counters: dict[str, _Counter] = {}

    def level(self, pair: str, now: float) -> float:
        counter = self._counters.get(pair)
        return 0.0 if counter is None else counter.level(now, self.limits.engine_decay_per_second)

    def charge(self, pair: str, amount: float, now: float, *, force: bool = False) -> bool:
        """Add `amount`; False (and nothing added) when it would pass the threshold.

        `force` always adds: batch cancels are accepted even past the threshold.
        """
        threshold = self.limits.engine_threshold
        if threshold is None or amount <= 0:
            return True
        counter = self._counters.setdefault(pair, _Counter())
        level = counter.level(now, self.limits.engine_decay_per_second)
        if not force and level + amount > threshold:
            return False
        counter.set(level + amount, now)
        return True

    def open_orders_allowed(self, open_orders: int) -> bool:
        cap = self.limits.max_open_orders_per_pair
        return cap is None or open_orders < cap
