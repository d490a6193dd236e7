"""The exchange's records: orders, trades, ledger entries, positions, amends.

Plain mutable dataclasses owned by the exchange (always touched under its lock). Rendering them
into Kraken's JSON lives in `views`; the public read-only snapshots for tests live in `inspect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kraken_sdk.sandbox.refdata import PairSpec

__all__ = ["Amend", "CloseSpec", "LedgerEntry", "Order", "Position", "Trade"]

ZERO = Decimal(0)

TRIGGERED_TYPES = (
    "stop-loss",
    "take-profit",
    "stop-loss-limit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
)
LIMIT_TYPES = ("limit", "iceberg")


@dataclass(slots=True)
class CloseSpec:
    """A conditional close attached to an order: placed when the order fills."""

    ordertype: str
    price: str | None
    price2: str | None


@dataclass(slots=True)
class Amend:
    amend_id: str
    amend_type: str  # original | user | restated
    order_qty: Decimal
    display_qty: Decimal | None
    remaining_qty: Decimal
    limit_price: Decimal | None
    trigger_price: Decimal | None
    post_only: bool
    timestamp: int  # nanoseconds
    reason: str | None = None


@dataclass(slots=True)
class Order:
    txid: str
    pair: PairSpec
    side: str  # buy | sell
    ordertype: str
    vol: Decimal  # base volume (quote volume for viqc market buys)
    opentm: float
    price: Decimal | None = None  # limit price, or trigger price for triggered types
    price2: Decimal | None = None  # limit price of *-limit triggered types
    descr_price: str = "0"  # price as Kraken echoes it (relative trailing offsets stay relative)
    descr_price2: str = "0"
    trigger: str = "last"
    trail_offset: Decimal | None = None  # trailing stops: offset from the peak
    trail_percent: bool = False
    trail_limit_offset: Decimal | None = None  # trailing-stop-limit: trigger -> limit offset
    trail_limit_percent: bool = False
    trail_limit_sign: int = 1
    leverage: int | None = None
    reduce_only: bool = False
    oflags: list[str] = field(default_factory=list)
    timeinforce: str = "GTC"
    starttm: float = 0.0
    expiretm: float = 0.0
    userref: int | None = None
    cl_ord_id: str | None = None
    displayvol: Decimal | None = None
    close: CloseSpec | None = None
    refid: str | None = None
    status: str = "open"
    reason: str | None = None
    closetm: float | None = None
    vol_exec: Decimal = ZERO
    cost: Decimal = ZERO
    fee: Decimal = ZERO
    trades: list[str] = field(default_factory=list)
    misc: list[str] = field(default_factory=list)
    stopprice: Decimal = ZERO
    limitprice: Decimal = ZERO
    triggered: bool = False
    peak: Decimal | None = None
    amended: bool = False
    age_from: float = 0.0  # created or last amended: the engine counter's order age
    amends: list[Amend] = field(default_factory=list)
    seq: int = 0
    api_key: str = ""

    @property
    def viqc(self) -> bool:
        return "viqc" in self.oflags

    @property
    def post_only(self) -> bool:
        return "post" in self.oflags

    @property
    def fee_in_base(self) -> bool:
        return "fcib" in self.oflags

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "pending")

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.vol - self.vol_exec) if not self.viqc else ZERO

    @property
    def limit_price(self) -> Decimal | None:
        """The price the order trades at or better once live, if it has one."""
        if self.ordertype in LIMIT_TYPES:
            return self.price
        if self.ordertype.endswith("-limit") and self.triggered:
            return self.limitprice
        return None

    @property
    def is_triggered_type(self) -> bool:
        return self.ordertype in TRIGGERED_TYPES


@dataclass(slots=True)
class Trade:
    txid: str
    ordertxid: str
    pair: PairSpec
    time: float
    side: str
    ordertype: str
    price: Decimal
    cost: Decimal
    fee: Decimal
    vol: Decimal
    maker: bool
    trade_id: int
    postxid: str
    margin: Decimal = ZERO
    leverage: int | None = None
    misc: str = ""
    ledgers: list[str] = field(default_factory=list)
    position_status: str | None = None
    seq: int = 0


@dataclass(slots=True)
class LedgerEntry:
    id: str
    refid: str
    time: float
    type: str
    subtype: str
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    seq: int = 0


@dataclass(slots=True)
class Position:
    id: str
    ordertxid: str
    pair: PairSpec
    time: float
    side: str
    ordertype: str
    cost: Decimal
    fee: Decimal
    vol: Decimal
    margin: Decimal
    leverage: int
    vol_closed: Decimal = ZERO
    status: str = "open"
    seq: int = 0

    @property
    def open_vol(self) -> Decimal:
        return self.vol - self.vol_closed

    @property
    def entry_price(self) -> Decimal:
        return self.cost / self.vol
