"""Prices in USD, fee tiers from 30-day volume, and the margin figures of TradeBalance."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kraken_sdk.sandbox.market import Market
from kraken_sdk.sandbox.numbers import ZERO
from kraken_sdk.sandbox.records import Position
from kraken_sdk.sandbox.refdata import PairSpec, ReferenceData

__all__ = ["FeeTier", "Valuation", "fee_tier"]

_THIRTY_DAYS = 30 * 86400


@dataclass(frozen=True, slots=True)
class FeeTier:
    """One side of a pair's schedule at a volume: what TradeVolume reports."""

    fee: Decimal
    minfee: Decimal
    maxfee: Decimal
    nextfee: Decimal | None
    nextvolume: Decimal | None
    tiervolume: Decimal


def fee_tier(schedule: tuple[tuple[int, Decimal], ...], volume: Decimal) -> FeeTier:
    """The tier whose threshold `volume` has reached, and the next one up."""
    index = 0
    for position, (threshold, _rate) in enumerate(schedule):
        if volume >= threshold:
            index = position
    following = schedule[index + 1] if index + 1 < len(schedule) else None
    return FeeTier(
        fee=schedule[index][1],
        minfee=min(rate for _threshold, rate in schedule),
        maxfee=max(rate for _threshold, rate in schedule),
        nextfee=following[1] if following else None,
        nextvolume=Decimal(following[0]) if following else None,
        tiervolume=Decimal(schedule[index][0]),
    )


class Valuation:
    """USD values from the synthetic market's index prices."""

    def __init__(self, ref: ReferenceData, market: Market) -> None:
        self.ref = ref
        self.market = market
        self._volume: list[tuple[float, Decimal]] = []

    def usd(self, asset: str, t: float) -> Decimal:
        """The USD price of one unit of `asset` (0 when the sandbox lists no USD pair for it)."""
        if asset == "ZUSD":
            return Decimal(1)
        for pair in self.ref.pairs.values():
            if pair.base == asset and pair.quote == "ZUSD":
                return Decimal(repr(self.market.mid(pair, t)))
            if pair.quote == asset and pair.base == "XXBT" and asset != "ZUSD":
                btc = self.ref.pairs["XXBTZUSD"]
                return Decimal(repr(self.market.mid(btc, t) / self.market.mid(pair, t)))
        return ZERO

    def record_volume(self, t: float, usd: Decimal) -> None:
        self._volume.append((t, usd))

    def thirty_day_volume(self, t: float) -> Decimal:
        return sum((usd for at, usd in self._volume if t - at <= _THIRTY_DAYS), ZERO)

    def fee_rate(self, pair: PairSpec, maker: bool, t: float) -> Decimal:
        """The fee in percent for the account's 30-day volume (0.26 / 0.16 to start with)."""
        schedule = pair.fees_maker if maker else pair.fees
        return fee_tier(schedule, self.thirty_day_volume(t)).fee

    def position_figures(
        self, positions: list[Position], t: float
    ) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """Margin used, unrealised P/L, cost basis and value of open positions, in USD."""
        margin = pnl = cost = value = ZERO
        for position in positions:
            pair = position.pair
            to_usd = self.usd(pair.quote, t)
            price = Decimal(repr(self.market.mid(pair, t)))
            share = position.open_vol / position.vol
            open_cost = position.cost * share
            now_value = price * position.open_vol
            direction = 1 if position.side == "buy" else -1
            margin += position.margin * share * to_usd
            cost += open_cost * to_usd
            value += now_value * to_usd
            pnl += direction * (now_value - open_cost) * to_usd
        return margin, pnl, cost, value
