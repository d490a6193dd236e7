"""KrakenAdapter: Kraken as an `ExecutionEngine` (broker-neutral orders, positions, fills).

    async with KrakenAdapter.from_env() as broker:
        acks = await broker.submit_orders([Order("BTC/USD", Side.BUY, "0.01", OrderType.LIMIT,
                                                 limit_price=30000)])
        async for fill in broker.stream_fills():
            ...

Everything runs through one AsyncKrakenClient (`broker.client`), so on its worker threads,
with the blocking client's validation, cl_ord_id, retry and reconcile rules.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Self, Unpack

from kraken_sdk._core.auth import Credentials
from kraken_sdk._core.errors import ValidationError
from kraken_sdk.aio import orders as _adapter
from kraken_sdk.aio.client import AsyncKrakenClient
from kraken_sdk.aio.deadman import AsyncDeadMansSwitch
from kraken_sdk.aio.execution import Order, OrderAck, Position
from kraken_sdk.aio.fills import FillStream
from kraken_sdk.client import ClientOptions, KrakenClient
from kraken_sdk.symbols import PairInfo

__all__ = ["KrakenAdapter"]


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
        """End every fill stream, then close the connections and worker threads."""
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
        return await self.client.to_thread(_adapter.server_time, self._sync)

    async def get_system_status(self) -> str:
        """online, maintenance, cancel_only, post_only or limit_only."""
        return (await self.client.market.system_status()).status

    async def get_ticker(self, symbol: str) -> dict[str, Decimal]:
        """bid, ask, last (each with a _size in base units), open, high/low/volume/vwap_24h."""
        return await self.client.to_thread(_adapter.ticker, self._sync, symbol)

    async def get_pair(self, symbol: str) -> PairInfo:
        """A pair's trading rules (tick_size, lot_decimals, ordermin, costmin, status), by any
        of its names; what a strategy rounds its prices and quantities to."""
        return await self.client.to_thread(self._sync.symbols.pair, symbol)

    async def get_account(self) -> dict[str, Decimal]:
        """Balances keyed by standard asset names: {"BTC": Decimal("0.5"), "USD": ...}."""
        return await self.client.to_thread(_adapter.account, self._sync)

    async def get_trade_balance(self, asset: str | None = None) -> dict[str, Decimal]:
        """Equity, free_margin, margin, unrealized_pnl, ... valued in `asset` (USD default)."""
        return await self.client.to_thread(_adapter.trade_balance, self._sync, asset)

    async def get_positions(self) -> list[Position]:
        """Spot holdings by asset (BTC), then margin positions by pair and side (BTC/USD)."""
        return await self.client.to_thread(_adapter.positions, self._sync)

    # -- orders --

    async def get_orders(self, status: str = "open", *, limit: int = 50) -> list[OrderAck]:
        """Orders by state: open, closed (newest `limit`), all, or one state like canceled."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError("must be a positive whole number", field="limit")
        return await self.client.to_thread(_adapter.orders, self._sync, status, limit)

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
        return await self.client.to_thread(self._submit, list(orders))

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
        return await self.client.to_thread(_adapter.cancel, self._sync, order_id, client_order_id)

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
        stream = FillStream(
            self.client,
            since,
            poll_interval or self.fill_poll_interval,
            client_ids=self._client_ids,
            owner_closed=lambda: self._closed,
        )
        self._streams.add(stream)
        return stream
