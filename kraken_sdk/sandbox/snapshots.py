"""Read-only snapshots of the exchange for tests: orders, trades, ledger entries, positions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kraken_sdk.sandbox.records import LedgerEntry, Order, Position, Trade

__all__ = ["LedgerView", "OrderView", "PositionView", "TradeView"]


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as accepted by the sandbox, whatever its status now."""

    txid: str
    cl_ord_id: str | None
    userref: int | None
    status: str
    pair: str
    side: str
    ordertype: str
    volume: Decimal
    vol_exec: Decimal
    price: Decimal | None
    cost: Decimal
    fee: Decimal
    reason: str | None
    opentm: float
    closetm: float | None
    trades: tuple[str, ...]
    api_key: str

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            txid=order.txid,
            cl_ord_id=order.cl_ord_id,
            userref=order.userref,
            status=order.status,
            pair=order.pair.key,
            side=order.side,
            ordertype=order.ordertype,
            volume=order.vol,
            vol_exec=order.vol_exec,
            price=order.price,
            cost=order.cost,
            fee=order.fee,
            reason=order.reason,
            opentm=order.opentm,
            closetm=order.closetm,
            trades=tuple(order.trades),
            api_key=order.api_key,
        )


@dataclass(frozen=True, slots=True)
class TradeView:
    txid: str
    ordertxid: str
    pair: str
    time: float
    side: str
    price: Decimal
    cost: Decimal
    fee: Decimal
    vol: Decimal
    maker: bool
    ledgers: tuple[str, ...]

    @classmethod
    def of(cls, trade: Trade) -> TradeView:
        return cls(
            txid=trade.txid,
            ordertxid=trade.ordertxid,
            pair=trade.pair.key,
            time=trade.time,
            side=trade.side,
            price=trade.price,
            cost=trade.cost,
            fee=trade.fee,
            vol=trade.vol,
            maker=trade.maker,
            ledgers=tuple(trade.ledgers),
        )


@dataclass(frozen=True, slots=True)
class LedgerView:
    id: str
    refid: str
    time: float
    type: str
    subtype: str
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerView:
        return cls(
            id=entry.id,
            refid=entry.refid,
            time=entry.time,
            type=entry.type,
            subtype=entry.subtype,
            asset=entry.asset,
            amount=entry.amount,
            fee=entry.fee,
            balance=entry.balance,
        )


@dataclass(frozen=True, slots=True)
class PositionView:
    id: str
    ordertxid: str
    pair: str
    side: str
    vol: Decimal
    vol_closed: Decimal
    cost: Decimal
    margin: Decimal
    status: str

    @classmethod
    def of(cls, position: Position) -> PositionView:
        return cls(
            id=position.id,
            ordertxid=position.ordertxid,
            pair=position.pair.key,
            side=position.side,
            vol=position.vol,
            vol_closed=position.vol_closed,
            cost=position.cost,
            margin=position.margin,
            status=position.status,
        )
