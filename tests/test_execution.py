"""The broker-neutral vocabulary: Order coerces numbers exactly and refuses what cannot work."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kraken_sdk.execution import (
    ExecutionEngine,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)


@pytest.mark.parametrize("quantity", [0.1, "0.1", Decimal("0.1")])
def test_quantities_and_prices_are_exact_decimals(quantity: float | str | Decimal) -> None:
    order = Order("BTC/USD", Side.BUY, quantity, OrderType.LIMIT, limit_price=30000.1)
    assert order.quantity == Decimal("0.1")  # a float goes through its shortest repr
    assert order.limit_price == Decimal("30000.1")
    assert order.notional == Decimal("3000.01")


def test_enums_accept_members_values_and_names() -> None:
    by_member = Order("BTC/USD", Side.SELL, 1, OrderType.STOP_LOSS_LIMIT, 100, 101)
    by_value = Order("BTC/USD", "sell", 1, "stop-loss-limit", 100, 101)
    by_name = Order("BTC/USD", "SELL", 1, "STOP_LOSS_LIMIT", 100, 101)
    assert by_member == by_value == by_name
    assert by_name.order_type is OrderType.STOP_LOSS_LIMIT
    assert OrderType.LIMIT == "limit"  # values are Kraken's ordertype strings


def test_orders_are_immutable_values() -> None:
    order = Order("BTC/USD", Side.BUY, "1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.quantity = Decimal(2)  # type: ignore[misc]
    assert order == Order("BTC/USD", "buy", 1)
    assert order.notional is None  # a market order has no price of its own


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symbol": "BTCUSD"}, "symbol: expected BASE/QUOTE"),
        ({"quantity": 0}, "quantity: must be positive"),
        ({"quantity": "lots"}, "quantity: 'lots' is not a number"),
        ({"quantity": float("nan")}, "not a finite number"),
        ({"quantity": True}, "quantity: expected a number, got a bool"),
        ({"side": "long"}, "side: 'long' is not one of BUY, SELL"),
        ({"order_type": "limit"}, "limit_price: required for LIMIT"),
        ({"order_type": "stop-loss"}, "stop_price: required for STOP_LOSS"),
        ({"limit_price": 1}, "limit_price: MARKET orders take no limit price"),
        ({"order_type": "limit", "limit_price": 1, "stop_price": 2}, "stop_price: LIMIT orders"),
        ({"order_type": "limit", "limit_price": -1}, "limit_price: must be positive"),
        ({"post_only": True}, "post_only: only limit orders"),
        ({"leverage": 0}, "leverage: must be 1 or more"),
        ({"time_in_force": "GTD"}, "expire_time: required for GTD"),
        ({"expire_time": datetime.now(UTC)}, "expire_time: only GTD orders expire"),
    ],
)
def test_orders_that_cannot_work_are_refused(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"symbol": "BTC/USD", "side": "buy", "quantity": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        Order(**fields)  # type: ignore[arg-type]


def test_good_till_date_needs_an_aware_expiry() -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    order = Order("BTC/USD", "buy", 1, "limit", 100, time_in_force="GTD", expire_time=later)
    assert order.time_in_force is TimeInForce.GTD
    with pytest.raises(ValueError, match="timezone-aware"):
        Order("BTC/USD", "buy", 1, "limit", 100, time_in_force="GTD", expire_time=datetime.now())


def test_order_status_has_kraken_states_and_the_two_of_our_own() -> None:
    assert {s.value for s in OrderStatus} == {
        "pending",
        "open",
        "closed",
        "canceled",
        "expired",
        "rejected",  # the exchange refused it
        "unknown",  # an ambiguous failure nobody could settle: look it up before resending
    }


def test_the_protocol_is_checked_at_runtime() -> None:
    from kraken_sdk import KrakenAdapter

    adapter = KrakenAdapter(base_url="http://127.0.0.1:9")  # nothing is sent on construction
    assert isinstance(adapter, ExecutionEngine)
    assert not isinstance(object(), ExecutionEngine)
    asyncio.run(adapter.close())
