"""Broker-neutral trading vocabulary and the `ExecutionEngine` protocol.

Trading systems speak to every broker through these types; `kraken_sdk.aio.KrakenAdapter` is
Kraken's implementation. Quantities and prices are held as `Decimal`; callers may pass floats,
strings or Decimals (floats go through their shortest repr, so 0.1 stays 0.1).
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol, TypeVar, runtime_checkable

__all__ = [
    "ExecutionEngine",
    "Fill",
    "Order",
    "OrderAck",
    "OrderStatus",
    "OrderType",
    "Position",
    "Side",
    "TimeInForce",
    "to_decimal",
]


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(enum.StrEnum):
    """Order types; the values are Kraken's `ordertype` strings."""

    MARKET = "market"
    LIMIT = "limit"
    STOP_LOSS = "stop-loss"
    TAKE_PROFIT = "take-profit"
    STOP_LOSS_LIMIT = "stop-loss-limit"
    TAKE_PROFIT_LIMIT = "take-profit-limit"
    TRAILING_STOP = "trailing-stop"


class TimeInForce(enum.StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    GTD = "GTD"


class OrderStatus(enum.StrEnum):
    """Kraken's order states, plus REJECTED (refused) and UNKNOWN.

    UNKNOWN means the SDK cannot tell whether the exchange has the order: the request failed
    ambiguously and a lookup by client_order_id did not find it (yet), or Kraken reported a
    state this SDK does not know. Look the order up again before sending it a second time.
    """

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


NEEDS_LIMIT_PRICE = {OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT}
NEEDS_STOP_PRICE = {
    OrderType.STOP_LOSS,
    OrderType.TAKE_PROFIT,
    OrderType.STOP_LOSS_LIMIT,
    OrderType.TAKE_PROFIT_LIMIT,
    OrderType.TRAILING_STOP,
}


def to_decimal(value: Decimal | float | int | str, name: str) -> Decimal:
    """Exact Decimal from a caller's number; a float goes through its shortest repr."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a number, got a bool")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return number


def _optional_decimal(value: Decimal | float | int | str | None, name: str) -> Decimal | None:
    return None if value is None else to_decimal(value, name)


E = TypeVar("E", bound=enum.StrEnum)


def _member(kind: type[E], value: E | str, name: str) -> E:
    """A member from itself, its value ("stop-loss") or its name ("STOP_LOSS", any case)."""
    if isinstance(value, kind):
        return value
    text = str(value)
    for member in kind:
        if text == member.value or text.upper().replace("-", "_") == member.name:
            return member
    choices = ", ".join(member.name for member in kind)
    raise ValueError(f"{name}: {value!r} is not one of {choices}")


@dataclass(frozen=True, slots=True)
class Order:
    """An order a strategy wants placed, in broker-neutral terms.

    `limit_price` is the resting price of limit orders; `stop_price` the trigger of stop and
    take-profit orders (for a trailing stop, the trailing offset). `expire_time` (timezone-aware)
    is required with TimeInForce.GTD and refused otherwise.
    """

    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    client_order_id: str | None = None
    leverage: int | None = None
    reduce_only: bool = False
    post_only: bool = False
    expire_time: datetime | None = None

    def __init__(
        self,
        symbol: str,
        side: Side | str,
        quantity: Decimal | float | int | str,
        order_type: OrderType | str = OrderType.MARKET,
        limit_price: Decimal | float | int | str | None = None,
        stop_price: Decimal | float | int | str | None = None,
        time_in_force: TimeInForce | str = TimeInForce.GTC,
        client_order_id: str | None = None,
        leverage: int | None = None,
        reduce_only: bool = False,
        post_only: bool = False,
        expire_time: datetime | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "symbol", symbol)
        set_(self, "side", _member(Side, side, "side"))
        set_(self, "quantity", to_decimal(quantity, "quantity"))
        set_(self, "order_type", _member(OrderType, order_type, "order_type"))
        set_(self, "limit_price", _optional_decimal(limit_price, "limit_price"))
        set_(self, "stop_price", _optional_decimal(stop_price, "stop_price"))
        set_(self, "time_in_force", _member(TimeInForce, time_in_force, "time_in_force"))
        set_(self, "client_order_id", client_order_id)
        set_(self, "leverage", leverage)
        set_(self, "reduce_only", reduce_only)
        set_(self, "post_only", post_only)
        set_(self, "expire_time", expire_time)
        self._check()

    def _check(self) -> None:
        if "/" not in self.symbol:
            raise ValueError(f"symbol: expected BASE/QUOTE like 'BTC/USD', got {self.symbol!r}")
        if self.quantity <= 0:
            raise ValueError(f"quantity: must be positive, got {self.quantity}")
        if self.order_type in NEEDS_LIMIT_PRICE and self.limit_price is None:
            raise ValueError(f"limit_price: required for {self.order_type.name} orders")
        if self.order_type in NEEDS_STOP_PRICE and self.stop_price is None:
            raise ValueError(f"stop_price: required for {self.order_type.name} orders")
        # A price the type does not use would be ignored silently by the exchange: refuse it.
        if self.limit_price is not None and self.order_type not in NEEDS_LIMIT_PRICE:
            raise ValueError(f"limit_price: {self.order_type.name} orders take no limit price")
        if self.stop_price is not None and self.order_type not in NEEDS_STOP_PRICE:
            raise ValueError(f"stop_price: {self.order_type.name} orders take no stop price")
        for name in ("limit_price", "stop_price"):
            price = getattr(self, name)
            if price is not None and price <= 0:
                raise ValueError(f"{name}: must be positive, got {price}")
        if self.post_only and self.order_type is not OrderType.LIMIT:
            raise ValueError("post_only: only limit orders can be post-only")
        if self.leverage is not None and self.leverage < 1:
            raise ValueError(f"leverage: must be 1 or more, got {self.leverage}")
        if self.time_in_force is TimeInForce.GTD:
            if self.expire_time is None:
                raise ValueError("expire_time: required for GTD orders")
            if self.expire_time.tzinfo is None:
                raise ValueError("expire_time: give a timezone-aware datetime (e.g. in UTC)")
        elif self.expire_time is not None:
            raise ValueError("expire_time: only GTD orders expire; set time_in_force=GTD")

    @property
    def notional(self) -> Decimal | None:
        """Quantity times the order's own price, when it has one."""
        price = self.limit_price if self.limit_price is not None else self.stop_price
        return None if price is None else self.quantity * price


@dataclass(frozen=True, slots=True)
class OrderAck:
    """The exchange's answer to one submitted order."""

    order_id: str | None
    client_order_id: str | None
    symbol: str
    status: OrderStatus
    description: str = ""


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one of our orders."""

    order_id: str
    trade_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    time: datetime
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Holdings of one asset (spot) or one open margin position."""

    symbol: str
    quantity: Decimal
    side: Side = Side.BUY
    average_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    margin: bool = False
    position_ids: tuple[str, ...] = field(default=())


@runtime_checkable
class ExecutionEngine(Protocol):
    """What a trading system needs from a broker, asynchronously."""

    async def get_server_time(self) -> datetime: ...

    async def get_ticker(self, symbol: str) -> dict[str, Decimal]: ...

    async def get_account(self) -> dict[str, Decimal]: ...

    async def get_trade_balance(self) -> dict[str, Decimal]: ...

    async def get_positions(self) -> list[Position]: ...

    async def get_orders(self, status: str = "open") -> list[OrderAck]: ...

    async def submit_orders(self, orders: Sequence[Order]) -> list[OrderAck]: ...

    async def cancel_order(self, order_id: str) -> bool: ...

    def stream_fills(self, since: datetime | None = None) -> AsyncIterator[Fill]: ...
