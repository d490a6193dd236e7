"""FillStream: your fills as an async iterator, from TradesHistory polling, each exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Self

from kraken_sdk._core.errors import KrakenError, ThrottledError
from kraken_sdk.aio import orders as _adapter
from kraken_sdk.aio.execution import Fill

if TYPE_CHECKING:
    from kraken_sdk.aio.client import AsyncKrakenClient
    from kraken_sdk.client import KrakenClient

__all__ = ["OVERLAP", "FillStream", "StreamState", "fetch_fills"]

logger = logging.getLogger("kraken_sdk")

OVERLAP = Decimal(5)
"""Seconds each poll reaches back before the newest trade seen: Kraken may record a trade with
a slightly earlier time than one it already listed."""


@dataclass(frozen=True, slots=True)
class StreamState:
    """Where a fill stream stands; replaced whole after each successful poll."""

    since: Decimal | None
    cursor: Decimal | None
    seen: dict[str, Decimal] = field(default_factory=dict)


def fetch_fills(
    client: KrakenClient, state: StreamState, client_ids: dict[str, str | None]
) -> tuple[list[Fill], StreamState]:
    """One poll (blocking, for a worker thread): new fills and the state after them.

    The state is returned, not kept: the caller keeps it only once the poll fully arrived.
    `client_ids` maps order ids to client_order_ids; unknown ones are looked up into it.
    """
    if state.cursor is None:  # first poll
        if state.since is None:
            now = Decimal(client.market.time().unixtime)
            start = math.floor(now - OVERLAP)
            existing = _adapter.trades_since(client, start)  # these happened before "now"
            seen = {trade_id: trade.time for trade_id, trade in existing}
            newest = max(seen.values(), default=now)
            return [], StreamState(None, max(now, newest), seen)
        state = StreamState(state.since, state.since, {})
    cursor = state.cursor
    assert cursor is not None
    start = math.floor(cursor - OVERLAP)
    rows = _adapter.trades_since(client, start)
    seen = {trade_id: at for trade_id, at in state.seen.items() if at > start}
    fresh = [
        (trade_id, trade)
        for trade_id, trade in rows
        if trade_id not in seen and (state.since is None or trade.time >= state.since)
    ]
    for trade_id, trade in rows:
        seen[trade_id] = trade.time
    newest = max((trade.time for _, trade in rows), default=cursor)
    _adapter.client_order_ids(client, (t.ordertxid for _, t in fresh), client_ids)
    fresh.sort(key=lambda row: (row[1].time, row[0]))
    fills = [
        _adapter.to_fill(client, trade_id, trade, client_ids.get(trade.ordertxid))
        for trade_id, trade in fresh
    ]
    return fills, StreamState(state.since, max(cursor, newest), seen)


class FillStream(AsyncIterator[Fill]):
    """An async iterator of Fill from TradesHistory polling: no gaps, no duplicates.

    Each poll asks for trades after the newest one seen minus OVERLAP seconds and drops trade
    ids it has reported. A poll's result is kept only once it has fully arrived, so cancelling
    the consumer mid-poll loses nothing: the next poll asks again. `poll()` fetches now and
    returns everything not yet handed out; use it to drain the stream before shutting down.
    Made by `KrakenAdapter.stream_fills()`.
    """

    OVERLAP = OVERLAP
    MAX_BACKOFF = 60.0

    def __init__(
        self,
        client: AsyncKrakenClient,
        since: datetime | None,
        interval: float,
        *,
        client_ids: dict[str, str | None] | None = None,
        owner_closed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._client = client
        self.interval = interval
        self._client_ids: dict[str, str | None] = {} if client_ids is None else client_ids
        self._owner_closed = owner_closed
        start = Decimal(repr(since.timestamp())) if since is not None else None
        self._state = StreamState(start, None)
        self._pending: deque[Fill] = deque()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._next_poll = 0.0
        self._failures = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed or self._owner_closed()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Fill:
        while not self._pending:
            if self.closed:
                raise StopAsyncIteration
            delay = self._next_poll - asyncio.get_running_loop().time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            await self._poll()
        return self._pending.popleft()

    async def poll(self) -> list[Fill]:
        """Poll now; every fill not yet returned, oldest first."""
        await self._poll(raise_errors=True)
        fills = list(self._pending)
        self._pending.clear()
        return fills

    async def aclose(self) -> None:
        """Stop: a waiting `async for` ends at once."""
        self._closed = True
        self._wake.set()

    async def _poll(self, *, raise_errors: bool = False) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            try:
                fills, state = await self._client.to_thread(
                    fetch_fills, self._client.sync, self._state, self._client_ids
                )
            except KrakenError as error:
                if raise_errors or not error.transient:
                    raise
                self._failures += 1
                pause = self._backoff(error)
                logger.warning(
                    "stream_fills: %s (%s); polling again in %.1f s",
                    type(error).__name__,
                    error,
                    pause,
                )
                self._next_poll = loop.time() + pause
                return
            self._failures = 0
            self._state = state
            self._pending.extend(fills)
            self._next_poll = loop.time() + self.interval

    def _backoff(self, error: KrakenError) -> float:
        """Twice the interval per failure in a row, capped; a Throttled answer's own time."""
        pause = min(self.MAX_BACKOFF, self.interval * 2.0 ** min(self._failures, 10))
        if isinstance(error, ThrottledError) and error.retry_at is not None:
            pause = max(pause, error.retry_at - time.time())
        return pause
