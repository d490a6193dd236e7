"""The dead man's switch: if this process stops, Kraken cancels its orders.

    with client.dead_mans_switch(timeout=60, refresh_every=20):
        run_the_bot()

Entering arms CancelAllOrdersAfter(timeout); a background thread re-arms it every
`refresh_every` seconds, so the timer only runs out when the process hangs, dies or loses the
network, and then Kraken cancels every open order of the key. Leaving the block normally
disarms it (timeout=0); leaving it with an exception stops the refreshes but leaves it armed,
because a bot that crashed should not leave orders behind: Kraken cancels them within
`timeout` seconds. A refresh that fails is logged and retried every
`retry_every` seconds until one succeeds; the switch fires only if none does for `timeout`.
Arming and disarming are serialised, so a late refresh can never re-arm a disarmed switch.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from kraken_sdk._core.errors import KrakenError, ValidationError

if TYPE_CHECKING:
    from kraken_sdk.client import KrakenClient
    from kraken_sdk.models.cancel_all_orders_after import CancelAllOrdersAfterResult

__all__ = ["MAX_TIMEOUT", "DeadMansSwitch"]

logger = logging.getLogger("kraken_sdk")

MAX_TIMEOUT = 86399
_DISARM_ATTEMPTS = 3


class DeadMansSwitch:
    """Arms CancelAllOrdersAfter, keeps it armed from a daemon thread, disarms on exit.

    Args:
        client: a KrakenClient with a key allowed to cancel orders.
        timeout: seconds Kraken waits after the last refresh before cancelling everything
            (Kraken recommends 60).
        refresh_every: seconds between refreshes; default a third of `timeout` (Kraken
            recommends every 15-30 s with timeout=60).
        retry_every: seconds before retrying a refresh that failed.

    `refreshes`, `failures`, `trigger_time` (Kraken's RFC 3339 string) and `last_error` say
    how it is going.
    """

    def __init__(
        self,
        client: KrakenClient,
        timeout: int = 60,
        refresh_every: float | None = None,
        *,
        retry_every: float = 1.0,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int):
            raise ValidationError("must be whole seconds", field="timeout")
        if not 1 <= timeout <= MAX_TIMEOUT:
            raise ValidationError(f"must be 1 to {MAX_TIMEOUT} seconds", field="timeout")
        every = timeout / 3 if refresh_every is None else float(refresh_every)
        if not 0 < every < timeout:
            raise ValidationError(
                "must be more than 0 and less than timeout (or it fires between refreshes)",
                field="refresh_every",
            )
        if retry_every <= 0:
            raise ValidationError("must be more than 0", field="retry_every")
        self.client = client
        self.timeout = timeout
        self.refresh_every = every
        self.retry_every = min(retry_every, every)
        self.refreshes = 0
        self.failures = 0
        self.trigger_time: str | None = None
        self.last_error: BaseException | None = None
        self._armed = False
        self._lock = threading.Lock()  # one arm/disarm request at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_success = 0.0

    @property
    def armed(self) -> bool:
        return self._armed

    # -- lifecycle --

    def start(self) -> DeadMansSwitch:
        """Arm now (errors propagate: no switch, no bot) and start refreshing."""
        if self._thread is not None:
            raise RuntimeError("the dead man's switch is already running")
        self._stop.clear()
        self._arm()
        self._thread = threading.Thread(
            target=self._refresh_loop, name="kraken-dead-mans-switch", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop refreshing and disarm; raises if Kraken could not be told (it stays armed)."""
        self.halt()
        self._disarm()

    def halt(self) -> None:
        """Stop refreshing but leave the switch armed: Kraken cancels when it runs out."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    def __enter__(self) -> DeadMansSwitch:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.stop()
            return
        self.halt()
        logger.warning(
            "dead man's switch: left armed after %s; Kraken cancels open orders at %s",
            type(exc).__name__,
            self.trigger_time,
        )

    def __repr__(self) -> str:
        state = f"armed until {self.trigger_time}" if self._armed else "disarmed"
        return f"DeadMansSwitch(timeout={self.timeout}, {state}, refreshes={self.refreshes})"

    # -- the requests --

    def _arm(self) -> CancelAllOrdersAfterResult:
        with self._lock:
            result = self.client.trading.cancel_all_orders_after(timeout=self.timeout)
            self._armed = True
            self.trigger_time = result.trigger_time
            self._last_success = time.monotonic()
            return result

    def _refresh(self) -> None:
        with self._lock:
            if self._stop.is_set():  # disarming: a refresh now would re-arm the switch
                return
            result = self.client.trading.cancel_all_orders_after(timeout=self.timeout)
            self.trigger_time = result.trigger_time
            self._last_success = time.monotonic()
            self.refreshes += 1

    def _disarm(self) -> None:
        error: KrakenError | None = None
        with self._lock:
            for _ in range(_DISARM_ATTEMPTS):
                try:
                    self.client.trading.cancel_all_orders_after(timeout=0)
                except KrakenError as exc:
                    error = exc
                    logger.warning("dead man's switch: disarming failed: %s", exc)
                    continue
                self._armed = False
                self.trigger_time = None
                return
        assert error is not None
        logger.error(
            "dead man's switch: still armed after %d attempts to disarm; Kraken will cancel "
            "every open order when it runs out",
            _DISARM_ATTEMPTS,
        )
        raise error

    def _refresh_loop(self) -> None:
        wait = self.refresh_every
        while not self._stop.wait(wait):
            try:
                self._refresh()
            except Exception as exc:  # keep refreshing whatever went wrong
                self.failures += 1
                self.last_error = exc
                silent = time.monotonic() - self._last_success
                if silent >= self.timeout:
                    logger.error(
                        "dead man's switch: no refresh for %.0f s; Kraken has cancelled the "
                        "open orders (%s)",
                        silent,
                        exc,
                    )
                else:
                    logger.warning(
                        "dead man's switch: refresh failed (%s); retrying in %.1f s",
                        exc,
                        self.retry_every,
                    )
                wait = self.retry_every
            else:
                wait = self.refresh_every
