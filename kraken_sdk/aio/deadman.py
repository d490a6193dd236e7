"""AsyncDeadMansSwitch: Kraken's CancelAllOrdersAfter kept armed from the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import TYPE_CHECKING, Self

from kraken_sdk._core.errors import KrakenError, ValidationError

if TYPE_CHECKING:
    from kraken_sdk.aio.client import AsyncKrakenClient

__all__ = ["AsyncDeadMansSwitch"]

logger = logging.getLogger("kraken_sdk")


class AsyncDeadMansSwitch:
    """Kraken's CancelAllOrdersAfter, kept armed while the `async with` block runs.

    The async twin of kraken_sdk.deadman.DeadMansSwitch, with two deliberate differences.
    It re-arms from a task on the event loop, not a thread, so a loop that hangs stops
    re-arming and the switch fires, which is what it is for. And only a clean exit disarms
    it: after an exception (cancellation included) the timer runs out and Kraken cancels
    whatever the failure left open. `refresh_every` defaults to timeout / 3 (Kraken
    recommends re-arming every 15-30 s with a 60 s timeout).
    """

    def __init__(
        self, client: AsyncKrakenClient, timeout: int, refresh_every: float | None
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int) or not 0 < timeout < 86400:
            raise ValidationError("must be whole seconds, 1 to 86399", field="timeout")
        self.timeout = timeout
        self.refresh_every = refresh_every or timeout / 3
        if not 0 < self.refresh_every < timeout:
            raise ValidationError("must be between 0 and timeout", field="refresh_every")
        self._client = client
        self._task: asyncio.Task[None] | None = None
        self.trigger_time: str | None = None
        self.failures = 0

    async def arm(self) -> None:
        result = await self._client.trading.cancel_all_orders_after(timeout=self.timeout)
        self.trigger_time = result.trigger_time

    async def disarm(self) -> None:
        await self._client.trading.cancel_all_orders_after(timeout=0)
        self.trigger_time = None

    async def _keep_armed(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_every)
            try:
                await self.arm()
                self.failures = 0
            except KrakenError as error:  # keep trying until the timer itself runs out
                self.failures += 1
                logger.warning("dead man's switch: re-arming failed: %s", error)

    async def __aenter__(self) -> Self:
        await self.arm()
        self._task = asyncio.create_task(self._keep_armed(), name="kraken-dead-mans-switch")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if exc_type is None:
            await self.disarm()
