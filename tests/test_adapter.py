"""KrakenAdapter, the ExecutionEngine for Kraken, end to end against the sandbox exchange.

The sandbox's clock is manual: trades happen at instants the test chooses, and fills are
polled with a tiny interval, so nothing here waits on real time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from kraken_sdk import KrakenAdapter
from kraken_sdk.aio import orders as _adapter
from kraken_sdk.errors import PermissionDeniedError, ValidationError
from kraken_sdk.execution import Fill, Order, OrderStatus, OrderType, Position, Side
from kraken_sdk.ratelimit import RateLimits
from kraken_sdk.sandbox import ALL_PERMISSIONS, ManualClock, Sandbox

START = 1_790_000_000.0
T = TypeVar("T")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=5, tier="unlimited", clock=ManualClock(START)) as sb:
        yield sb


def adapter_for(sandbox: Sandbox, **options: Any) -> KrakenAdapter:
    options.setdefault("fill_poll_interval", 0.01)
    return KrakenAdapter(
        sandbox.api_key, sandbox.api_secret, base_url=sandbox.url, tier=sandbox.limits, **options
    )


def run(sandbox: Sandbox, body: Callable[[KrakenAdapter], Awaitable[T]], **options: Any) -> T:
    """Run `body(adapter)` on a fresh event loop, the adapter open for its duration."""

    async def main() -> T:
        async with adapter_for(sandbox, **options) as broker:
            return await body(broker)

    return asyncio.run(main())


def sent(sandbox: Sandbox, *methods: str) -> list[str]:
    """The Kraken methods the sandbox received, in order, among `methods`."""
    return [r.method for r in sandbox.requests() if r.method in methods]


def far_below(sandbox: Sandbox, pair: str, fraction: str = "0.8") -> Decimal:
    """A limit price that rests in the book (a whole number, valid for every tick size)."""
    return (sandbox.price(pair) * Decimal(fraction)).quantize(Decimal(1))


# --- market and account -------------------------------------------------------------------------


def test_market_and_account_in_neutral_terms(sandbox: Sandbox) -> None:
    async def body(broker: KrakenAdapter) -> None:
        assert await broker.get_server_time() == datetime.fromtimestamp(START, UTC)
        quote = await broker.get_ticker("BTC/USD")
        assert quote["bid"] < quote["ask"]
        assert quote["last"] > 0
        assert set(quote) >= {"bid", "ask", "last", "bid_size", "ask_size", "volume_24h"}
        balances = await broker.get_account()
        assert balances["BTC"] == Decimal(2)
        assert balances["USD"] == Decimal(100000)
        assert "XXBT" not in balances  # standard names, never Kraken's X/Z ids
        trade_balance = await broker.get_trade_balance()
        assert trade_balance["equity"] == trade_balance["trade_balance"]  # no open positions
        rules = await broker.get_pair("XBTUSD")  # any of Kraken's names
        assert rules.symbol == "BTC/USD"
        assert rules.ordermin is not None

    run(sandbox, body)


def test_positions_are_spot_holdings_then_margin_positions(sandbox: Sandbox) -> None:
    async def body(broker: KrakenAdapter) -> list[Position]:
        [ack] = await broker.submit_orders([Order("BTC/USD", Side.BUY, "0.1", leverage=2)])
        assert ack.status is OrderStatus.OPEN
        return await broker.get_positions()

    positions = run(sandbox, body)
    spot = {p.symbol: p for p in positions if not p.margin}
    assert spot["BTC"].quantity == Decimal(2)
    assert spot["ETH"].quantity == Decimal(20)
    [margin] = [p for p in positions if p.margin]
    assert (margin.symbol, margin.side, margin.quantity) == ("BTC/USD", Side.BUY, Decimal("0.1"))
    assert margin.average_price is not None
    assert margin.unrealized_pnl is not None
    assert margin.position_ids == tuple(p.id for p in sandbox.positions())


# --- placing orders -----------------------------------------------------------------------------


def test_orders_on_one_pair_go_as_one_batch_and_acks_keep_the_callers_order(
    sandbox: Sandbox,
) -> None:
    btc, eth = far_below(sandbox, "BTC/USD"), far_below(sandbox, "ETH/USD")
    orders = [
        Order("BTC/USD", Side.BUY, "0.01", OrderType.LIMIT, limit_price=btc),
        Order("ETH/USD", Side.BUY, "0.1", OrderType.LIMIT, limit_price=eth, client_order_id="e-1"),
        Order("BTC/USD", Side.BUY, "0.02", OrderType.LIMIT, limit_price=btc - 1),
        Order("BTC/USD", Side.SELL, "0.01"),  # a market order fills at once
    ]
    acks = run(sandbox, lambda broker: broker.submit_orders(orders))

    assert sent(sandbox, "AddOrder", "AddOrderBatch") == ["AddOrderBatch", "AddOrder"]
    assert [a.symbol for a in acks] == ["BTC/USD", "ETH/USD", "BTC/USD", "BTC/USD"]
    assert all(a.status is OrderStatus.OPEN and a.order_id for a in acks)
    assert acks[1].client_order_id == "e-1"  # yours is kept; the others got a UUID
    assert len({a.client_order_id for a in acks}) == 4
    placed = {o.txid: o for o in sandbox.orders()}
    for order, ack in zip(orders, acks, strict=True):
        assert ack.order_id is not None
        view = placed[ack.order_id]
        assert (view.side, view.volume, view.cl_ord_id) == (
            order.side.value,
            order.quantity,
            ack.client_order_id,
        )


def test_more_than_fifteen_orders_on_a_pair_split_into_even_batches(sandbox: Sandbox) -> None:
    price = far_below(sandbox, "BTC/USD")
    orders = [Order("BTC/USD", "buy", "0.001", "limit", price - i) for i in range(16)]
    acks = run(sandbox, lambda broker: broker.submit_orders(orders))
    batches = [r for r in sandbox.requests() if r.method == "AddOrderBatch"]
    assert [len(r.params["orders"]) for r in batches] == [8, 8]  # never 15 + a lone 1
    assert [a.status for a in acks] == [OrderStatus.OPEN] * 16


def test_one_invalid_order_stops_the_whole_submission_before_anything_is_sent(
    sandbox: Sandbox,
) -> None:
    good = Order("BTC/USD", "buy", "0.01", "limit", far_below(sandbox, "BTC/USD"))
    off_tick = Order("BTC/USD", "buy", "0.01", "limit", "30000.05")  # BTC/USD ticks by 0.1
    with pytest.raises(ValidationError, match=r"orders\[1\]\.limit_price: .*tick"):
        run(sandbox, lambda broker: broker.submit_orders([good, off_tick]))
    twice = Order("BTC/USD", "buy", "0.01", client_order_id="same")
    with pytest.raises(ValidationError, match="appears twice"):
        run(sandbox, lambda broker: broker.submit_orders([twice, twice]))
    with pytest.raises(ValidationError, match=r"orders\[0\].symbol: unknown pair 'DOGE/EUR'"):
        run(sandbox, lambda broker: broker.submit_orders([Order("DOGE/EUR", "buy", 10)]))
    assert sent(sandbox, "AddOrder", "AddOrderBatch") == []


def test_kraken_refusals_become_rejected_acks_in_place(sandbox: Sandbox) -> None:
    orders = [
        Order("BTC/USD", "sell", "1000"),  # far more than the account holds
        Order("BTC/USD", "buy", "0.01"),
        Order("ETH/USD", "sell", "1000"),  # alone on its pair: AddOrder
    ]
    acks = run(sandbox, lambda broker: broker.submit_orders(orders))
    assert [a.status for a in acks] == [
        OrderStatus.REJECTED,
        OrderStatus.OPEN,
        OrderStatus.REJECTED,
    ]
    assert acks[0].description == acks[2].description == "EOrder:Insufficient funds"
    assert acks[0].order_id is None
    assert acks[0].client_order_id is not None


def test_an_order_whose_answer_was_lost_is_found_not_sent_twice(sandbox: Sandbox) -> None:
    sandbox.inject("AddOrder", "drop_after_commit", times=1)  # placed, then the line drops
    order = Order("BTC/USD", "buy", "0.01", client_order_id="lost-answer-1")
    [ack] = run(sandbox, lambda broker: broker.submit_orders([order]))
    assert ack.status is OrderStatus.OPEN  # the client looked it up by cl_ord_id: accepted
    mine = [o for o in sandbox.orders() if o.cl_ord_id == "lost-answer-1"]
    assert len(mine) == 1
    assert ack.order_id == mine[0].txid


def test_listing_and_cancelling_orders(sandbox: Sandbox) -> None:
    price = far_below(sandbox, "BTC/USD")

    async def body(broker: KrakenAdapter) -> None:
        resting, keep = await broker.submit_orders(
            [
                Order("BTC/USD", "buy", "0.01", "limit", price, client_order_id="c-1"),
                Order("BTC/USD", "buy", "0.01", "limit", price - 1, client_order_id="c-2"),
            ]
        )
        assert {a.order_id for a in await broker.get_orders("open")} == {
            resting.order_id,
            keep.order_id,
        }
        assert resting.order_id is not None
        assert await broker.cancel_order(resting.order_id) is True
        assert await broker.cancel_order(resting.order_id) is False  # no longer open
        assert await broker.cancel_order(client_order_id="c-2") is True
        canceled = await broker.get_orders("canceled")
        assert {(a.client_order_id, a.status) for a in canceled} == {
            ("c-1", OrderStatus.CANCELED),
            ("c-2", OrderStatus.CANCELED),
        }
        assert await broker.get_orders("open") == []
        with pytest.raises(ValidationError, match="status"):
            await broker.get_orders("filled")

    run(sandbox, body)


# --- fills --------------------------------------------------------------------------------------


async def take(stream: AsyncIterator[Fill], count: int, timeout: float = 5.0) -> list[Fill]:
    return [await asyncio.wait_for(anext(stream), timeout) for _ in range(count)]


def test_fills_stream_from_now_each_once_with_client_order_ids(sandbox: Sandbox) -> None:
    async def body(broker: KrakenAdapter) -> list[Fill]:
        await broker.submit_orders([Order("BTC/USD", "buy", "0.01")])  # before the stream
        stream = broker.stream_fills()
        assert await stream.poll() == []  # "now" is after that trade
        sandbox.advance(1)
        acks = await broker.submit_orders(
            [Order("BTC/USD", "buy", "0.02", client_order_id="b-1"), Order("ETH/USD", "sell", 1)]
        )
        fills = await take(stream, 2)
        assert await stream.poll() == []  # polled again: nothing repeats
        assert {f.order_id for f in fills} == {a.order_id for a in acks}
        return fills

    fills = run(sandbox, body)
    by_symbol = {f.symbol: f for f in fills}
    btc = by_symbol["BTC/USD"]
    assert (btc.side, btc.quantity, btc.client_order_id) == (Side.BUY, Decimal("0.02"), "b-1")
    assert btc.fee_currency == "USD"
    assert btc.fee > 0
    assert btc.time == datetime.fromtimestamp(START + 1, UTC)
    trades = {t.txid: t for t in sandbox.trades()}
    assert btc.price == trades[btc.trade_id].price


def test_a_burst_of_fills_across_pages_arrives_complete(sandbox: Sandbox) -> None:
    """60 trades at one instant: TradesHistory pages hold 50, the stream reports all 60."""

    async def body(broker: KrakenAdapter) -> list[Fill]:
        stream = broker.stream_fills()
        await stream.poll()
        sandbox.advance(1)
        orders = [Order(pair, "buy", "0.01") for pair in ("BTC/USD", "ETH/USD") for _ in range(30)]
        acks = await broker.submit_orders(orders)
        assert all(a.status is OrderStatus.OPEN for a in acks)
        fills = await take(stream, 60)
        assert await stream.poll() == []
        return fills

    fills = run(sandbox, body)
    assert len({f.trade_id for f in fills}) == 60
    assert {f.trade_id for f in fills} == {t.txid for t in sandbox.trades()}


def test_since_replays_fills_from_an_instant(sandbox: Sandbox) -> None:
    async def body(broker: KrakenAdapter) -> list[Fill]:
        sandbox.advance(10)
        await broker.submit_orders([Order("BTC/USD", "buy", "0.01")])
        sandbox.advance(10)
        await broker.submit_orders([Order("BTC/USD", "sell", "0.01")])
        since = datetime.fromtimestamp(START + 10, UTC)
        return await broker.stream_fills(since=since).poll()

    fills = run(sandbox, body)
    assert [f.side for f in fills] == [Side.BUY, Side.SELL]  # oldest first
    assert fills[0].time < fills[1].time


def test_cancelling_a_consumer_mid_poll_loses_nothing(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll's result is kept only once it fully arrived: the next poll asks again."""
    release = threading.Event()
    original = _adapter.trades_since

    def slow_trades_since(*args: Any) -> Any:
        release.wait(5)
        return original(*args)

    async def body(broker: KrakenAdapter) -> list[Fill]:
        stream = broker.stream_fills()
        await stream.poll()
        sandbox.advance(1)
        await broker.submit_orders([Order("BTC/USD", "buy", "0.01")])
        monkeypatch.setattr(_adapter, "trades_since", slow_trades_since)
        consumer = asyncio.create_task(anext(stream))
        await asyncio.sleep(0.05)  # the consumer is now inside a poll, waiting on the thread
        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await consumer
        release.set()
        return await stream.poll()

    [fill] = run(sandbox, body)
    assert fill.quantity == Decimal("0.01")


def test_closing_ends_the_stream(sandbox: Sandbox) -> None:
    async def body(broker: KrakenAdapter) -> None:
        stream = broker.stream_fills(poll_interval=30)
        await stream.poll()
        waiting = asyncio.create_task(anext(stream))  # sleeps until the next poll, 30 s away
        await asyncio.sleep(0.02)
        await stream.aclose()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, 1)
        other = broker.stream_fills()
        await broker.close()  # the adapter ends its streams too
        assert [fill async for fill in other] == []

    run(sandbox, body)


def test_the_stream_rides_out_outages_and_backs_off(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    async def body(broker: KrakenAdapter) -> list[Fill]:
        stream = broker.stream_fills()
        await stream.poll()
        sandbox.advance(1)
        await broker.submit_orders([Order("BTC/USD", "buy", "0.01")])
        sandbox.inject("TradesHistory", "service_unavailable", times=2)
        return await take(stream, 1)

    with caplog.at_level(logging.WARNING, logger="kraken_sdk"):
        [fill] = run(sandbox, body, max_retries=0)  # every failure reaches the stream
    assert fill.side is Side.BUY
    backoffs = [r.getMessage() for r in caplog.records if "stream_fills" in r.getMessage()]
    assert len(backoffs) == 2
    assert "ServiceUnavailableError" in backoffs[0]


def test_a_key_that_cannot_read_trades_fails_the_stream_loudly(sandbox: Sandbox) -> None:
    key, secret = sandbox.create_key(ALL_PERMISSIONS - {"query-closed-trades"})

    async def main() -> None:
        async with KrakenAdapter(key, secret, base_url=sandbox.url, tier="unlimited") as broker:
            with pytest.raises(PermissionDeniedError):
                await anext(broker.stream_fills())

    asyncio.run(main())


@pytest.mark.parametrize(
    ("tier", "seconds"), [("starter", 4 / 0.33), ("pro", 4.0), ("unlimited", 1.0)]
)
def test_the_default_poll_interval_spends_half_the_rest_budget(tier: str, seconds: float) -> None:
    limits = RateLimits.for_tier(tier)  # type: ignore[arg-type]
    assert _adapter.default_poll_interval(limits) == pytest.approx(seconds)


# --- the dead man's switch ----------------------------------------------------------------------


def timeouts(sandbox: Sandbox) -> list[int]:
    return [
        int(r.params["timeout"]) for r in sandbox.requests() if r.method == "CancelAllOrdersAfter"
    ]


def test_the_switch_is_armed_refreshed_and_disarmed(sandbox: Sandbox) -> None:
    async def body(broker: KrakenAdapter) -> None:
        async with broker.dead_mans_switch(60, refresh_every=0.02) as switch:
            assert switch.trigger_time is not None
            await asyncio.sleep(0.1)
        assert switch.trigger_time is None

    run(sandbox, body)
    armed = timeouts(sandbox)
    assert armed[0] == 60
    assert armed.count(60) >= 3
    assert armed[-1] == 0


def test_after_a_crash_the_switch_stays_armed_and_fires(sandbox: Sandbox) -> None:
    price = far_below(sandbox, "BTC/USD")

    async def body(broker: KrakenAdapter) -> None:
        async with broker.dead_mans_switch(5):
            await broker.submit_orders([Order("BTC/USD", "buy", "0.01", "limit", price)])
            raise RuntimeError("the strategy crashed")

    with pytest.raises(RuntimeError):
        run(sandbox, body)
    assert 0 not in timeouts(sandbox)  # left armed on purpose
    assert [o.status for o in sandbox.orders()] == ["open"]
    sandbox.advance(6)  # nobody re-armed it: Kraken cancels everything
    assert [o.status for o in sandbox.orders()] == ["canceled"]


def test_a_pair_kraken_no_longer_lists_keeps_its_name(sandbox: Sandbox) -> None:
    """Old orders and trades may name delisted pairs: reported as given, never a failure."""
    with sandbox.client() as client:
        assert _adapter.symbol_of(client, "XBTUSD") == "BTC/USD"
        assert _adapter.symbol_of(client, "XLUNAZUSD") == "XLUNAZUSD"
