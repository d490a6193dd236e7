"""Reference data the sandbox serves: Kraken's real asset and pair rows, plus market parameters.

Keys, altnames, wsnames, decimals, order minimums, tick sizes and position limits are Kraken's
(the conformance corpus and recorded AssetPairs/Assets answers). Fee schedules are Kraken's
standard ones, whose first tier is the 0.26% taker / 0.16% maker the sandbox charges. The
market parameters (start price, volatility, trade rate) only drive the synthetic market.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "ASSETS",
    "FEES_MAKER",
    "FEES_TAKER",
    "PAIRS",
    "AssetSpec",
    "PairSpec",
    "ReferenceData",
]

FEES_TAKER: tuple[tuple[int, Decimal], ...] = tuple(
    (volume, Decimal(rate))
    for volume, rate in (
        (0, "0.26"),
        (50000, "0.24"),
        (100000, "0.22"),
        (250000, "0.2"),
        (500000, "0.18"),
        (1000000, "0.16"),
        (2500000, "0.14"),
        (5000000, "0.12"),
        (10000000, "0.1"),
    )
)
FEES_MAKER: tuple[tuple[int, Decimal], ...] = tuple(
    (volume, Decimal(rate))
    for volume, rate in (
        (0, "0.16"),
        (50000, "0.14"),
        (100000, "0.12"),
        (250000, "0.1"),
        (500000, "0.08"),
        (1000000, "0.06"),
        (2500000, "0.04"),
        (5000000, "0.02"),
        (10000000, "0"),
    )
)


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """One row of /0/public/Assets, keyed by Kraken's asset id (XXBT, ZUSD, SOL)."""

    id: str
    altname: str
    decimals: int
    display_decimals: int
    collateral_value: Decimal | None
    margin_rate: str | None = None
    common: str = ""  # the name people use (BTC for XXBT, DOGE for XXDG)

    @property
    def symbol(self) -> str:
        """WebSocket v2 style name: BTC, DOGE, USD."""
        return self.common or self.altname

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "aclass": "currency",
            "altname": self.altname,
            "decimals": self.decimals,
            "display_decimals": self.display_decimals,
        }
        if self.collateral_value is not None:
            out["collateral_value"] = _json_number(self.collateral_value)
        out["status"] = "enabled"
        if self.margin_rate is not None:
            out["margin_rate"] = self.margin_rate
        return out


@dataclass(frozen=True, slots=True)
class PairSpec:
    """One row of /0/public/AssetPairs plus the parameters of its synthetic market."""

    key: str
    altname: str
    wsname: str
    base: str
    quote: str
    pair_decimals: int
    cost_decimals: int
    lot_decimals: int
    ordermin: Decimal
    costmin: Decimal
    tick_size: Decimal
    leverage_buy: tuple[int, ...]
    leverage_sell: tuple[int, ...]
    long_position_limit: int
    short_position_limit: int
    # synthetic market
    trade_every: float  # seconds between tape trades
    trade_size: Decimal  # typical tape trade, base units
    spread_bps: float
    start_price: Decimal = Decimal(0)  # own-path pairs only
    volatility: float = 0.0  # annualised; own-path pairs only
    derived: tuple[str, str] | None = None  # price = first / second pair's price
    status: str = "online"
    fees: tuple[tuple[int, Decimal], ...] = field(default=FEES_TAKER)
    fees_maker: tuple[tuple[int, Decimal], ...] = field(default=FEES_MAKER)

    @property
    def price_places(self) -> int:
        """Decimals of prices in public market data (Kraken pads them to the cost decimals)."""
        return max(self.pair_decimals, self.cost_decimals)

    def row(self, info: str = "info") -> dict[str, Any]:
        """The AssetPairs row; `info` picks Kraken's subsets (leverage, fees, margin)."""
        fees = [[volume, _json_number(rate)] for volume, rate in self.fees]
        fees_maker = [[volume, _json_number(rate)] for volume, rate in self.fees_maker]
        if info == "leverage":
            return {
                "leverage_buy": list(self.leverage_buy),
                "leverage_sell": list(self.leverage_sell),
            }
        if info == "fees":
            return {"fees": fees, "fees_maker": fees_maker, "fee_volume_currency": "ZUSD"}
        if info == "margin":
            return {"margin_call": 80, "margin_stop": 40}
        return {
            "altname": self.altname,
            "wsname": self.wsname,
            "aclass_base": "currency",
            "base": self.base,
            "aclass_quote": "currency",
            "quote": self.quote,
            "lot": "unit",
            "cost_decimals": self.cost_decimals,
            "pair_decimals": self.pair_decimals,
            "lot_decimals": self.lot_decimals,
            "lot_multiplier": 1,
            "leverage_buy": list(self.leverage_buy),
            "leverage_sell": list(self.leverage_sell),
            "fees": fees,
            "fees_maker": fees_maker,
            "fee_volume_currency": "ZUSD",
            "margin_call": 80,
            "margin_stop": 40,
            "ordermin": format(self.ordermin, "f"),
            "costmin": format(self.costmin, "f"),
            "tick_size": format(self.tick_size, "f"),
            "status": self.status,
            "long_position_limit": self.long_position_limit,
            "short_position_limit": self.short_position_limit,
        }


def _json_number(value: Decimal) -> int | float:
    """Fee rates and collateral values are JSON numbers on the wire (0.26, 0, 1)."""
    return int(value) if value == value.to_integral_value() else float(value)


ASSETS: tuple[AssetSpec, ...] = (
    AssetSpec("XXBT", "XBT", 10, 5, Decimal("0.99"), "0.01", common="BTC"),
    AssetSpec("XETH", "ETH", 10, 5, Decimal("0.99"), "0.02"),
    AssetSpec("SOL", "SOL", 10, 5, Decimal("0.925"), "0.02"),
    AssetSpec("XXDG", "XDG", 8, 2, Decimal("0.925"), "0.02", common="DOGE"),
    AssetSpec("XXRP", "XRP", 8, 5, Decimal("0.95"), "0.02"),
    AssetSpec("ADA", "ADA", 8, 6, Decimal("0.9"), "0.02"),
    AssetSpec("DOT", "DOT", 10, 8, Decimal("0.9"), "0.02"),
    AssetSpec("USDT", "USDT", 8, 4, Decimal("0.99"), "0.02"),
    AssetSpec("ZUSD", "USD", 4, 2, Decimal("1"), "0.036"),
)

_LEV_10 = (2, 3, 4, 5, 6, 7, 8, 9, 10)
_LEV_5 = (2, 3, 4, 5)
_LEV_3 = (2, 3)

PAIRS: tuple[PairSpec, ...] = (
    PairSpec(
        key="XXBTZUSD",
        altname="XBTUSD",
        wsname="XBT/USD",
        base="XXBT",
        quote="ZUSD",
        pair_decimals=1,
        cost_decimals=5,
        lot_decimals=8,
        ordermin=Decimal("0.00005"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.1"),
        leverage_buy=_LEV_5,
        leverage_sell=_LEV_5,
        long_position_limit=350,
        short_position_limit=250,
        start_price=Decimal("84000"),
        volatility=0.55,
        trade_every=3.0,
        trade_size=Decimal("0.02"),
        spread_bps=0.2,
    ),
    PairSpec(
        key="XETHZUSD",
        altname="ETHUSD",
        wsname="ETH/USD",
        base="XETH",
        quote="ZUSD",
        pair_decimals=2,
        cost_decimals=5,
        lot_decimals=8,
        ordermin=Decimal("0.002"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.01"),
        leverage_buy=_LEV_5,
        leverage_sell=_LEV_5,
        long_position_limit=3000,
        short_position_limit=2000,
        start_price=Decimal("3200"),
        volatility=0.7,
        trade_every=4.0,
        trade_size=Decimal("0.4"),
        spread_bps=0.5,
    ),
    PairSpec(
        key="SOLUSD",
        altname="SOLUSD",
        wsname="SOL/USD",
        base="SOL",
        quote="ZUSD",
        pair_decimals=2,
        cost_decimals=5,
        lot_decimals=8,
        ordermin=Decimal("0.06"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.01"),
        leverage_buy=_LEV_10,
        leverage_sell=_LEV_10,
        long_position_limit=37000,
        short_position_limit=24000,
        start_price=Decimal("150"),
        volatility=0.9,
        trade_every=5.0,
        trade_size=Decimal("5"),
        spread_bps=1.0,
    ),
    PairSpec(
        key="XDGUSD",
        altname="XDGUSD",
        wsname="XDG/USD",
        base="XXDG",
        quote="ZUSD",
        pair_decimals=7,
        cost_decimals=9,
        lot_decimals=8,
        ordermin=Decimal("50"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.0000001"),
        leverage_buy=_LEV_10,
        leverage_sell=_LEV_10,
        long_position_limit=30000000,
        short_position_limit=30000000,
        start_price=Decimal("0.17"),
        volatility=1.0,
        trade_every=7.0,
        trade_size=Decimal("5000"),
        spread_bps=3.0,
    ),
    PairSpec(
        key="XXRPZUSD",
        altname="XRPUSD",
        wsname="XRP/USD",
        base="XXRP",
        quote="ZUSD",
        pair_decimals=5,
        cost_decimals=8,
        lot_decimals=8,
        ordermin=Decimal("2"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.00001"),
        leverage_buy=_LEV_5,
        leverage_sell=_LEV_5,
        long_position_limit=2000000,
        short_position_limit=1500000,
        start_price=Decimal("2.4"),
        volatility=0.9,
        trade_every=6.0,
        trade_size=Decimal("400"),
        spread_bps=2.0,
    ),
    PairSpec(
        key="ADAUSD",
        altname="ADAUSD",
        wsname="ADA/USD",
        base="ADA",
        quote="ZUSD",
        pair_decimals=6,
        cost_decimals=8,
        lot_decimals=8,
        ordermin=Decimal("8"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.000001"),
        leverage_buy=_LEV_3,
        leverage_sell=_LEV_3,
        long_position_limit=3000000,
        short_position_limit=2000000,
        start_price=Decimal("0.65"),
        volatility=0.9,
        trade_every=8.0,
        trade_size=Decimal("1500"),
        spread_bps=3.0,
    ),
    PairSpec(
        key="DOTUSD",
        altname="DOTUSD",
        wsname="DOT/USD",
        base="DOT",
        quote="ZUSD",
        pair_decimals=4,
        cost_decimals=8,
        lot_decimals=8,
        ordermin=Decimal("1.2"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.0001"),
        leverage_buy=_LEV_3,
        leverage_sell=_LEV_3,
        long_position_limit=400000,
        short_position_limit=250000,
        start_price=Decimal("4.2"),
        volatility=0.9,
        trade_every=11.0,
        trade_size=Decimal("100"),
        spread_bps=5.0,
    ),
    PairSpec(
        key="XETHXXBT",
        altname="ETHXBT",
        wsname="ETH/XBT",
        base="XETH",
        quote="XXBT",
        pair_decimals=6,
        cost_decimals=10,
        lot_decimals=8,
        ordermin=Decimal("0.001"),
        costmin=Decimal("0.00002"),
        tick_size=Decimal("0.000001"),
        leverage_buy=_LEV_5,
        leverage_sell=_LEV_5,
        long_position_limit=1000,
        short_position_limit=800,
        trade_every=13.0,
        trade_size=Decimal("0.3"),
        spread_bps=5.0,
        derived=("XETHZUSD", "XXBTZUSD"),
    ),
    PairSpec(
        key="XBTUSDT",
        altname="XBTUSDT",
        wsname="XBT/USDT",
        base="XXBT",
        quote="USDT",
        pair_decimals=1,
        cost_decimals=5,
        lot_decimals=8,
        ordermin=Decimal("0.00005"),
        costmin=Decimal("0.5"),
        tick_size=Decimal("0.1"),
        leverage_buy=_LEV_10,
        leverage_sell=_LEV_10,
        long_position_limit=80,
        short_position_limit=80,
        trade_every=5.0,
        trade_size=Decimal("0.01"),
        spread_bps=1.0,
        derived=("XXBTZUSD", ""),
    ),
)


class ReferenceData:
    """Lookups by every name Kraken accepts: keys, altnames, wsnames, BTC/DOGE spellings."""

    def __init__(
        self, assets: tuple[AssetSpec, ...] = ASSETS, pairs: tuple[PairSpec, ...] = PAIRS
    ) -> None:
        self.assets: dict[str, AssetSpec] = {asset.id: asset for asset in assets}
        self.pairs: dict[str, PairSpec] = {pair.key: pair for pair in pairs}
        self._asset_names: dict[str, AssetSpec] = {}
        for asset in assets:
            for name in (asset.id, asset.altname, asset.symbol):
                self._asset_names.setdefault(name.upper(), asset)
        self._pair_names: dict[str, PairSpec] = {}
        for pair in pairs:
            base, quote = self.assets[pair.base], self.assets[pair.quote]
            names = {
                pair.key,
                pair.altname,
                pair.wsname,
                f"{base.symbol}/{quote.symbol}",
                f"{base.symbol}{quote.symbol}",
                f"{base.altname}{quote.altname}",
                f"{base.altname}/{quote.altname}",
            }
            for name in names:
                self._pair_names.setdefault(name.upper(), pair)

    def pair(self, name: str) -> PairSpec | None:
        return self._pair_names.get(name.strip().upper())

    def asset(self, name: str) -> AssetSpec | None:
        return self._asset_names.get(name.strip().upper())

    def symbol(self, pair: PairSpec) -> str:
        """BTC/USD for XXBTZUSD: the name newer Kraken messages use."""
        return f"{self.assets[pair.base].symbol}/{self.assets[pair.quote].symbol}"
