"""Kraken's rate limits as values: the per-key REST counter and the per-pair engine counter.

Kraken decays a per-key counter (max 15 and 0.33/s on Starter, 20 and 0.5/s Intermediate, 20 and
1/s Pro) and a per-pair trading-engine counter (threshold 60/125/180, decay 1/2.34/3.75 per s).
The same values configure the client's limiter and the sandbox's enforcement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TierName = Literal["starter", "intermediate", "pro", "unlimited"]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """One tier's limits; `None` counters mean that limiter is off."""

    counter_max: float | None = 15
    decay_per_second: float = 0.33
    engine_threshold: float | None = 60
    engine_decay_per_second: float = 1.0
    max_open_orders_per_pair: int | None = 60

    def __post_init__(self) -> None:
        for name in ("counter_max", "engine_threshold"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"RateLimits.{name} must be positive or None, got {value!r}")
        for name in ("decay_per_second", "engine_decay_per_second"):
            if getattr(self, name) < 0:
                raise ValueError(f"RateLimits.{name} must not be negative")

    @property
    def unlimited(self) -> bool:
        return self.counter_max is None and self.engine_threshold is None

    @classmethod
    def for_tier(cls, tier: TierName | RateLimits) -> RateLimits:
        """Kraken's published limits for a verification tier name (or the value itself)."""
        if isinstance(tier, RateLimits):
            return tier
        try:
            return TIERS[tier]
        except KeyError:
            names = ", ".join(sorted(TIERS))
            raise ValueError(f"tier must be one of {names} or a RateLimits, got {tier!r}") from None


TIERS: dict[str, RateLimits] = {
    "starter": RateLimits(15, 0.33, 60, 1.0, 60),
    "intermediate": RateLimits(20, 0.5, 125, 2.34, 80),
    "pro": RateLimits(20, 1.0, 180, 3.75, 225),
    "unlimited": RateLimits(None, 0.0, None, 0.0, None),
}
