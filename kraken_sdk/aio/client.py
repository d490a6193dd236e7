"""Async access: `AsyncKrakenClient` (the client's surface as coroutines) and `KrakenAdapter`.

    async with KrakenAdapter.from_env() as broker:
        acks = await broker.submit_orders([Order("BTC/USD", Side.BUY, "0.01", OrderType.LIMIT,
                                                 limit_price=30000)])
        async for fill in broker.stream_fills():
            ...

Both run the blocking `KrakenClient` in worker threads. It is thread-safe, so concurrent
coroutines share one connection pool, one nonce sequence and one rate limiter, and every
safety rule (validation, cl_ord_id on orders, the retry policy) is the same code as in sync
use. Importing `kraken_sdk` does not import this module (or asyncio) until it is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, Unpack

from kraken_sdk._core.auth import KEYRING_SERVICE, Credentials
from kraken_sdk._core.calls import CallOptions
from kraken_sdk._core.errors import KrakenError, ThrottledError, ValidationError
from kraken_sdk._core.ratelimit import RateLimits
from kraken_sdk._groups import (
    AsyncAccountGroup,
    AsyncEarnGroup,
    AsyncFundingGroup,
    AsyncMarketGroup,
    AsyncSubaccountsGroup,
    AsyncTradingGroup,
)
from kraken_sdk.aio import orders as _adapter
from kraken_sdk.aio.execution import Fill, Order, OrderAck, Position
from kraken_sdk.client import ClientOptions, KrakenClient
from kraken_sdk.symbols import PairInfo, Symbols

__all__ = ["AsyncDeadMansSwitch", "AsyncKrakenClient", "FillStream", "KrakenAdapter"]

logger = logging.getLogger("kraken_sdk")

# --- AsyncKrakenClient --------------------------------------------------------------------------


class AsyncKrakenClient:
    """KrakenClient as coroutines: same groups, method names, parameters and result types.

    `AsyncKrakenClient(api_key, api_secret, base_url=..., tier=...)` takes KrakenClient's
    arguments; `AsyncKrakenClient.from_client(k)` wraps a client you already have (both then
    share its connections, nonces and rate limits). `sync` is the blocking client underneath.
    """

    market: AsyncMarketGroup
    account: AsyncAccountGroup
    trading: AsyncTradingGroup
    funding: AsyncFundingGroup
    earn: AsyncEarnGroup
    subaccounts: AsyncSubaccountsGroup

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        credentials: Credentials | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._bind(KrakenClient(api_key, api_secret, credentials=credentials, **options))

    def _bind(self, client: KrakenClient) -> None:
        self.sync = client
        self.market = AsyncMarketGroup(client)
        self.account = AsyncAccountGroup(client)
        self.trading = AsyncTradingGroup(client)
        self.funding = AsyncFundingGroup(client)
        self.earn = AsyncEarnGroup(client)
        self.subaccounts = AsyncSubaccountsGroup(client)

    @classmethod
    def from_client(cls, client: KrakenClient) -> AsyncKrakenClient:
        """Wrap an existing blocking client; closing either closes both."""
        self = cls.__new__(cls)
        self._bind(client)
        return self

    @classmethod
    def from_env(
        cls,
        *,
        dotenv: str | bool = True,
        environ: Mapping[str, str] | None = None,
        **options: Unpack[ClientOptions],
    ) -> AsyncKrakenClient:
        """As KrakenClient.from_env: KRAKEN_API_KEY / KRAKEN_API_SECRET, .env, KRAKEN_API_URL."""
        return cls.from_client(KrakenClient.from_env(dotenv=dotenv, environ=environ, **options))

    @classmethod
    def from_keyring(
        cls, username: str, service: str = KEYRING_SERVICE, **options: Unpack[ClientOptions]
    ) -> AsyncKrakenClient:
        """As KrakenClient.from_keyring (pip install kraken-sdk[keyring])."""
        return cls.from_client(KrakenClient.from_keyring(username, service, **options))

    @property
    def base_url(self) -> str:
        return self.sync.base_url

    @property
    def credentials(self) -> Credentials | None:
        return self.sync.credentials

    @property
    def rate_limits(self) -> RateLimits:
        return self.sync.rate_limits

    @property
    def symbols(self) -> Symbols:
        """The client's symbol table; its first use fetches AssetPairs (call it off the loop)."""
        return self.sync.symbols

    def dead_mans_switch(
        self, timeout: int = 60, refresh_every: float | None = None
    ) -> AsyncDeadMansSwitch:
        """`async with k.dead_mans_switch(60):` Kraken cancels every open order if this
        process stops re-arming CancelAllOrdersAfter for `timeout` seconds."""
        return AsyncDeadMansSwitch(self, timeout, refresh_every)

    async def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        private: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """KrakenClient.request as a coroutine: any method, raw parameters, raw result."""
        call = functools.partial(self.sync.request, method, params, private=private, **options)
        return await asyncio.to_thread(call)

    async def close(self) -> None:
        """Close the pooled connections."""
        self.sync.close()

    async def aclose(self) -> None:
        """close() under the name contextlib.aclosing and httpx users expect."""
        await self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        who = repr(self.credentials) if self.credentials else "public only"
        return f"AsyncKrakenClient({self.base_url!r}, {who})"


# --- KrakenAdapter ------------------------------------------------------------------------------


class KrakenAdapter:
    """Kraken as an `ExecutionEngine`: broker-neutral orders, acks, positions and fills.

    `KrakenAdapter(api_key, api_secret, base_url=..., tier=...)` takes KrakenClient's arguments
    (or `client=` an existing KrakenClient). Use it as `async with`; closing it ends every
    fill stream and closes the connections. `client` is an AsyncKrakenClient for everything
    the ExecutionEngine calls do not cover.
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        credentials: Credentials | None = None,
        client: KrakenClient | None = None,
        fill_poll_interval: float | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        if client is not None and (api_key, api_secret, credentials) != (None, None, None):
            raise ValidationError("give client= or credentials, not both", field="client")
        if client is not None and options:
            raise ValidationError(
                f"client options {sorted(options)} cannot apply to an existing client=",
                field=sorted(options)[0],
            )
        if fill_poll_interval is not None and not fill_poll_interval > 0:
            raise ValidationError(
                "must be a positive number of seconds", field="fill_poll_interval"
            )
        sync = client or KrakenClient(api_key, api_secret, credentials=credentials, **options)
        self._sync = sync
        self.client = AsyncKrakenClient.from_client(sync)
        self.fill_poll_interval = fill_poll_interval or _adapter.default_poll_interval(
            sync.rate_limits
        )
        self._client_ids: dict[str, str | None] = {}
        self._streams: weakref.WeakSet[FillStream] = weakref.WeakSet()
        self._closed = False

    @classmethod
    def from_env(
        cls,
        *,
        dotenv: str | bool = True,
        environ: Mapping[str, str] | None = None,
        fill_poll_interval: float | None = None,
        **options: Unpack[ClientOptions],
    ) -> KrakenAdapter:
        """Credentials and URL from the environment, as KrakenClient.from_env."""
        client = KrakenClient.from_env(dotenv=dotenv, environ=environ, **options)
        return cls(client=client, fill_poll_interval=fill_poll_interval)

    # -- lifecycle --

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """End every fill stream, then close the connections."""
        self._closed = True
        for stream in list(self._streams):
            await stream.aclose()
        await self.client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"KrakenAdapter({self._sync!r})"

    # -- market and account --

    async def get_server_time(self) -> datetime:
        """Kraken's clock, as an aware UTC datetime."""
        return await asyncio.to_thread(_adapter.server_time, self._sync)

    async def get_system_status(self) -> str:
        """online, maintenance, cancel_only, post_only or limit_only."""
        return (await self.client.market.system_status()).status

    async def get_ticker(self, symbol: str) -> dict[str, Decimal]:
        """bid, ask, last (each with a _size in base units), open, high/low/volume/vwap_24h."""
        return await asyncio.to_thread(_adapter.ticker, self._sync, symbol)

    async def get_pair(self, symbol: str) -> PairInfo:
        """A pair's trading rules (tick_size, lot_decimals, ordermin, costmin, status), by any
        of its names; what a strategy rounds its prices and quantities to."""
        return await asyncio.to_thread(self._sync.symbols.pair, symbol)

    async def get_account(self) -> dict[str, Decimal]:
        """Balances keyed by standard asset names: {"BTC": Decimal("0.5"), "USD": ...}."""
        return await asyncio.to_thread(_adapter.account, self._sync)

    async def get_trade_balance(self, asset: str | None = None) -> dict[str, Decimal]:
        """Equity, free_margin, margin, unrealized_pnl, ... valued in `asset` (USD default)."""
        return await asyncio.to_thread(_adapter.trade_balance, self._sync, asset)

    async def get_positions(self) -> list[Position]:
        """Spot holdings by asset (BTC), then margin positions by pair and side (BTC/USD)."""
        return await asyncio.to_thread(_adapter.positions, self._sync)

    # -- orders --

    async def get_orders(self, status: str = "open", *, limit: int = 50) -> list[OrderAck]:
        """Orders by state: open, closed (newest `limit`), all, or one state like canceled."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError("must be a positive whole number", field="limit")
        return await asyncio.to_thread(_adapter.orders, self._sync, status, limit)

    async def submit_orders(self, orders: Sequence[Order]) -> list[OrderAck]:
        """Place orders; one OrderAck per order, in the same order.

        Every order is checked first (pair, tick size, lot decimals, minimums, unique ids);
        one invalid order raises ValidationError and nothing is sent. Several orders on one
        pair go out as one AddOrderBatch (up to 15 each), a lone order as AddOrder. Each order
        carries a client_order_id (yours, or a UUID given here) fixed before the first attempt:
        after an ambiguous failure the order is looked up by it, never resent blindly. Once
        sending has begun nothing raises: a refusal is a REJECTED ack with Kraken's error, an
        order that could not be found again an UNKNOWN one. Cancelling this coroutine does not
        recall orders already on their way; look them up by client_order_id.
        """
        return await asyncio.to_thread(self._submit, list(orders))

    async def submit_order(self, order: Order) -> OrderAck:
        """submit_orders for one order."""
        return (await self.submit_orders([order]))[0]

    def _submit(self, orders: list[Order]) -> list[OrderAck]:
        prepared = _adapter.prepare(self._sync, orders)
        acks = _adapter.submit(self._sync, prepared)
        for ack in acks:
            if ack.order_id is not None:
                self._remember(ack.order_id, ack.client_order_id)
        return acks

    def _remember(self, order_id: str, client_order_id: str | None) -> None:
        """order id -> client_order_id, so fills carry it back; bounded, oldest dropped first."""
        known = self._client_ids
        known[order_id] = client_order_id
        while len(known) > 100_000:
            del known[next(iter(known))]

    async def cancel_order(
        self, order_id: str | None = None, *, client_order_id: str | None = None
    ) -> bool:
        """Cancel one order by its id (or client_order_id); False if it was no longer open."""
        return await asyncio.to_thread(_adapter.cancel, self._sync, order_id, client_order_id)

    async def cancel_all_orders(self) -> int:
        """Cancel every open order of the account; how many were cancelled."""
        return (await self.client.trading.cancel_all()).count

    # -- safety and fills --

    def dead_mans_switch(
        self, timeout: int = 60, refresh_every: float | None = None
    ) -> AsyncDeadMansSwitch:
        """`async with broker.dead_mans_switch(60):` Kraken cancels every open order if this
        process stops re-arming the timer for `timeout` seconds (hung, killed, cut off)."""
        return AsyncDeadMansSwitch(self.client, timeout, refresh_every)

    def stream_fills(
        self, since: datetime | None = None, *, poll_interval: float | None = None
    ) -> FillStream:
        """Your fills as they happen, oldest first, each exactly once.

        Without `since` it starts now (fills that already happened are skipped); with it,
        fills from that instant on come first. Polls TradesHistory every `poll_interval`
        seconds (default: the adapter's, within half the key's rate budget), backs off on
        rate limits and outages, and stops when cancelled, closed, or the adapter closes.
        """
        if poll_interval is not None and not poll_interval > 0:
            raise ValidationError("must be a positive number of seconds", field="poll_interval")
        if since is not None and since.tzinfo is None:
            raise ValidationError("give a timezone-aware datetime (e.g. in UTC)", field="since")
        stream = FillStream(self, since, poll_interval or self.fill_poll_interval)
        self._streams.add(stream)
        return stream

    def _fetch_fills(self, state: _StreamState) -> tuple[list[Fill], _StreamState]:
        """One poll, in a worker thread: new fills and the state after them (not yet kept)."""
        client = self._sync
        if state.cursor is None:  # first poll
            if state.since is None:
                now = Decimal(client.market.time().unixtime)
                start = math.floor(now - FillStream.OVERLAP)
                existing = _adapter.trades_since(client, start)  # these happened before "now"
                seen = {trade_id: trade.time for trade_id, trade in existing}
                newest = max(seen.values(), default=now)
                return [], _StreamState(None, max(now, newest), seen)
            state = _StreamState(state.since, state.since, {})
        cursor = state.cursor
        assert cursor is not None
        start = math.floor(cursor - FillStream.OVERLAP)
        rows = _adapter.trades_since(client, start)
        seen = {trade_id: time for trade_id, time in state.seen.items() if time > start}
        fresh = [
            (trade_id, trade)
            for trade_id, trade in rows
            if trade_id not in seen and (state.since is None or trade.time >= state.since)
        ]
        for trade_id, trade in rows:
            seen[trade_id] = trade.time
        newest = max((trade.time for _, trade in rows), default=cursor)
        _adapter.client_order_ids(client, (t.ordertxid for _, t in fresh), self._client_ids)
        fresh.sort(key=lambda row: (row[1].time, row[0]))
        fills = [
            _adapter.to_fill(client, trade_id, trade, self._client_ids.get(trade.ordertxid))
            for trade_id, trade in fresh
        ]
        return fills, _StreamState(state.since, max(cursor, newest), seen)


@dataclass(frozen=True, slots=True)
class _StreamState:
    """Where a fill stream stands; replaced whole after each successful poll."""

    since: Decimal | None
    cursor: Decimal | None
    seen: dict[str, Decimal] = field(default_factory=dict)


class FillStream(AsyncIterator[Fill]):
    """An async iterator of Fill from TradesHistory polling: no gaps, no duplicates.

    Each poll asks for trades after the newest one seen minus OVERLAP seconds (Kraken may
    record a trade with a slightly earlier time than one already listed) and drops trade ids
    it has reported. A poll's result is kept only once it has fully arrived, so cancelling
    the consumer mid-poll loses nothing: the next poll asks again. `poll()` fetches now and
    returns everything not yet handed out; use it to drain the stream before shutting down.
    """

    OVERLAP = Decimal(5)
    MAX_BACKOFF = 60.0

    def __init__(self, adapter: KrakenAdapter, since: datetime | None, interval: float) -> None:
        self._adapter = adapter
        self.interval = interval
        start = Decimal(repr(since.timestamp())) if since is not None else None
        self._state = _StreamState(start, None)
        self._pending: deque[Fill] = deque()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._next_poll = 0.0
        self._failures = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed or self._adapter.closed

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
                fills, state = await asyncio.to_thread(self._adapter._fetch_fills, self._state)
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
