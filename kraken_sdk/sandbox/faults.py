"""Fault injection: make chosen methods fail the ways Kraken and Cloudflare fail.

Rules are drawn with the sandbox's seeded generator, so a failing run can be replayed. Kinds
before processing (`http_500`, `http_502`, `html_520`, `drop`, `service_unavailable`,
`service_busy`) leave no trace on the exchange; `timeout`, `drop_after_commit` and
`error_after_commit` let the request take effect first, which is the case an order-placing
client must reconcile.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CLOUDFLARE_520", "Fault", "FaultInjector", "FaultRule"]


class Fault(StrEnum):
    HTTP_500 = "http_500"
    HTTP_502 = "http_502"
    HTML_520 = "html_520"
    TIMEOUT = "timeout"
    DROP = "drop"
    DROP_AFTER_COMMIT = "drop_after_commit"
    ERROR_AFTER_COMMIT = "error_after_commit"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVICE_BUSY = "service_busy"

    @property
    def after_commit(self) -> bool:
        return self in (Fault.TIMEOUT, Fault.DROP_AFTER_COMMIT, Fault.ERROR_AFTER_COMMIT)


CLOUDFLARE_520 = (
    '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<title>api.kraken.com | 520: Web server is '
    'returning an unknown error</title>\n</head>\n<body>\n<div id="cf-error-details">\n'
    "<h1>Web server is returning an unknown error</h1>\n<span>Error code 520</span>\n"
    "<p>There is an unknown connection issue between Cloudflare and the origin web server.</p>\n"
    "<span>Cloudflare Ray ID: <strong>8f2c1a9b7d3e4f50</strong></span>\n</div>\n</body>\n</html>\n"
)


@dataclass(slots=True)
class FaultRule:
    method: str  # Kraken method name, or "*" for every method
    kind: Fault
    probability: float
    times: int | None  # fire at most this many times (None: no limit)
    delay: float  # seconds the `timeout` kind holds the answer back
    fired: int = 0


class FaultInjector:
    """The active rules; `draw` picks the fault (if any) for one request."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        if not 0.0 <= rule.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def draw(self, method: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.method not in ("*", method):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if self._rng.random() < rule.probability:
                    rule.fired += 1
                    return rule
        return None
