"""Clocks for the sandbox: real time for people, manual time for tests.

Everything that depends on time (the price path, order triggers, expiries, rate-limit decay,
the dead man's switch) reads one clock, so a test can jump an hour ahead instantly and every
part of the exchange agrees on what happened in that hour.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "RealClock"]


@runtime_checkable
class Clock(Protocol):
    """Unix time in seconds, moved forward by `advance`."""

    def now(self) -> float: ...

    def advance(self, seconds: float) -> None: ...


class RealClock:
    """Wall-clock time plus an offset, so `advance` also works on a real-time sandbox."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds


class ManualClock:
    """Time that stands still until a test advances it; starts at `start` (default: now)."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._now += seconds
