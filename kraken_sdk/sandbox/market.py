"""The synthetic market: a seeded price path per pair and everything public derived from it.

Every figure is a pure function of (seed, pair, time), so the market needs no background thread,
answers for any instant, and agrees with itself: the book at an instant sits around the path,
each tape trade executes at that instant's best bid or ask, candles and the ticker are built from
the tape, and the last trade price is what triggers stops and fills resting orders.

The path is multi-octave value noise on the log price (octaves from 10 seconds to 30 days, sized
like a random walk of the pair's volatility), anchored so it starts at the pair's start price at
the sandbox's start time. Pairs such as ETH/XBT are ratios of other paths, so cross rates hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from kraken_sdk.sandbox.numbers import quantize
from kraken_sdk.sandbox.refdata import PairSpec, ReferenceData

__all__ = ["OHLC_INTERVALS", "BookLevel", "Candle", "Market", "TapeTrade", "Top"]

OHLC_INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
_MASK = (1 << 64) - 1
_OCTAVES = (10.0, 60.0, 300.0, 1800.0, 10800.0, 86400.0, 604800.0, 2592000.0)
_SECONDS_PER_YEAR = 365.0 * 86400.0
_BOOK_EPOCH = 5.0  # seconds between refreshes of the book's volumes
_SPREAD_EVERY = 5  # seconds between Spread entries
_SAMPLES = 12  # tape trades sampled per candle when it holds more
_ORIGIN_DAYS = 365  # how far back the tape reaches, before the start


def _mix(value: int) -> int:
    """splitmix64: a fast, well-spread 64-bit hash."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _key(*parts: int | str) -> int:
    acc = 0x2545F4914F6CDD1D
    for part in parts:
        number = part if isinstance(part, int) else int.from_bytes(part.encode(), "little")
        acc = _mix(acc ^ (number & _MASK))
    return acc


def _unit(value: int) -> float:
    """A uniform float in [0, 1) from a hash."""
    return (value >> 11) / float(1 << 53)


def _normal(value: int) -> float:
    """An approximately standard normal value from a hash (Irwin-Hall of four uniforms)."""
    total = sum((value >> shift) & 0xFFFF for shift in (0, 16, 32, 48))
    return (total / 65536.0 - 2.0) * 1.7320508


class _Path:
    """Value noise on the log price of one pair, anchored at the start time."""

    def __init__(self, seed: int, name: str, start_price: float, start: float, vol: float) -> None:
        self._key = _key(seed, name)
        per_second = vol / math.sqrt(_SECONDS_PER_YEAR)
        self._octaves = [
            (period, 0.7 * per_second * math.sqrt(period), _mix(self._key ^ index))
            for index, period in enumerate(_OCTAVES)
        ]
        self._knots: dict[tuple[int, int], float] = {}
        self._log_start = math.log(start_price) - self._noise(start)

    def _knot(self, salt: int, index: int) -> float:
        cache_key = (salt, index)
        value = self._knots.get(cache_key)
        if value is None:
            if len(self._knots) > 400_000:
                self._knots.clear()
            value = _normal(_mix(salt ^ (index * 0xD6E8FEB86659FD93 & _MASK)))
            self._knots[cache_key] = value
        return value

    def _noise(self, t: float) -> float:
        total = 0.0
        for period, amplitude, salt in self._octaves:
            x = t / period
            index = math.floor(x)
            frac = x - index
            smooth = frac * frac * (3.0 - 2.0 * frac)
            low = self._knot(salt, index)
            total += amplitude * (low + (self._knot(salt, index + 1) - low) * smooth)
        return total

    def price(self, t: float) -> float:
        return math.exp(self._log_start + self._noise(t))


@dataclass(frozen=True, slots=True)
class Top:
    """Best bid and ask at an instant."""

    bid: Decimal
    ask: Decimal


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    volume: Decimal
    timestamp: int


@dataclass(frozen=True, slots=True)
class TapeTrade:
    """One public trade of the synthetic tape."""

    price: Decimal
    volume: Decimal
    units: int  # time in units of 100 microseconds
    side: str  # "b" or "s"
    ordtype: str  # "m" or "l"
    trade_id: int

    @property
    def time(self) -> float:
        return self.units / 10_000

    @property
    def nanos(self) -> int:
        return self.units * 100_000


@dataclass(frozen=True, slots=True)
class Candle:
    """Open-high-low-close of the tape over a window; `count` 0 means no trade in it."""

    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal
    volume: Decimal
    count: int


class Market:
    """Public market data for every pair, as a pure function of the seed and the time."""

    def __init__(self, ref: ReferenceData, seed: int, start: float) -> None:
        self.ref = ref
        self.seed = seed
        self.start = start
        self.origin = start - _ORIGIN_DAYS * 86400
        self._paths: dict[str, _Path] = {}
        for pair in ref.pairs.values():
            if pair.derived is None:
                self._paths[pair.key] = _Path(
                    seed, pair.key, float(pair.start_price), start, pair.volatility
                )
        self._candles: dict[tuple[str, int, int], Candle] = {}

    # ---- prices -------------------------------------------------------------------------
    def mid(self, pair: PairSpec, t: float) -> float:
        """The path's price (the index price) of a pair at time t."""
        if pair.derived is None:
            return self._paths[pair.key].price(t)
        numerator, denominator = pair.derived
        value = self.mid(self.ref.pairs[numerator], t)
        if denominator:
            return value / self.mid(self.ref.pairs[denominator], t)
        return value * 1.0002

    def index_price(self, pair: PairSpec, t: float) -> Decimal:
        return quantize(Decimal(repr(self.mid(pair, t))), pair.pair_decimals)

    def top(self, pair: PairSpec, t: float) -> Top:
        """Best bid and ask: the path's price minus and plus half the pair's spread, on ticks."""
        mid = self.mid(pair, t)
        tick = float(pair.tick_size)
        spread_ticks = max(1, round(mid * pair.spread_bps / 10_000 / tick))
        bid_ticks = math.floor(mid / tick - spread_ticks / 2)
        bid = Decimal(max(bid_ticks, 1)) * pair.tick_size
        return Top(bid, bid + spread_ticks * pair.tick_size)

    def levels(self, pair: PairSpec, t: float, side: str) -> Iterator[BookLevel]:
        """The book's levels on one side ("asks" or "bids"), best first, without end."""
        top = self.top(pair, t)
        epoch = math.floor(t / _BOOK_EPOCH)
        mid = self.mid(pair, t)
        step = max(1, round(mid * 1e-5 / float(pair.tick_size)))
        sign = 1 if side == "asks" else -1
        price = top.ask if side == "asks" else top.bid
        salt = _key(self.seed, pair.key, side, epoch)
        index = 0
        while price > 0:
            draw = _mix(salt ^ index)
            size = float(pair.trade_size) * (0.15 + 2.5 * _unit(draw) ** 2) * (1 + index / 25)
            volume = max(Decimal("0.001"), quantize(Decimal(repr(size)), 3))
            stamp = int(epoch * _BOOK_EPOCH) - (draw >> 40) % 60
            yield BookLevel(price, volume, stamp)
            index += 1
            gap = step + (draw >> 20) % step
            price = price + sign * gap * pair.tick_size

    def depth(
        self, pair: PairSpec, t: float, count: int
    ) -> tuple[list[BookLevel], list[BookLevel]]:
        asks = self.levels(pair, t, "asks")
        bids = self.levels(pair, t, "bids")
        return [next(asks) for _ in range(count)], [next(bids) for _ in range(count)]

    # ---- the tape -----------------------------------------------------------------------
    def _slot(self, pair: PairSpec, slot: int) -> TapeTrade:
        draw = _key(self.seed, pair.key, "tape", slot)
        every = pair.trade_every
        units = int((slot + 0.05 + 0.9 * _unit(draw)) * every * 10_000)
        at = units / 10_000
        top = self.top(pair, at)
        buy = (draw >> 7) & 1 == 1
        size = float(pair.trade_size) * math.exp(1.2 * _normal(_mix(draw)) - 0.7)
        smallest = Decimal(1).scaleb(-pair.lot_decimals)
        volume = max(smallest, quantize(Decimal(repr(size)), pair.lot_decimals))
        first = math.floor(self.origin / every)
        return TapeTrade(
            price=top.ask if buy else top.bid,
            volume=volume,
            units=units,
            side="b" if buy else "s",
            ordtype="m" if (draw >> 9) % 5 < 3 else "l",
            trade_id=10_000_000 + slot - first,
        )

    def _slot_range(self, pair: PairSpec, start: float, end: float) -> tuple[int, int]:
        """Slots whose trade falls in [start, end] (inclusive slot numbers, may be empty)."""
        every = pair.trade_every
        first = math.floor(start / every)
        if self._slot(pair, first).time < start:
            first += 1
        last = math.floor(end / every)
        if self._slot(pair, last).time > end:
            last -= 1
        return first, last

    def last_trade(self, pair: PairSpec, t: float) -> TapeTrade:
        slot = math.floor(t / pair.trade_every)
        trade = self._slot(pair, slot)
        return trade if trade.time <= t else self._slot(pair, slot - 1)

    def tape(self, pair: PairSpec, start: float, end: float, limit: int) -> list[TapeTrade]:
        """Tape trades in (start, end], thinned to at most `limit` evenly spread ones."""
        first, last = self._slot_range(pair, start, end)
        if last < first:
            return []
        stride = max(1, math.ceil((last - first + 1) / limit))
        slots = list(range(first, last + 1, stride))
        if slots[-1] != last:
            slots.append(last)
        trades = [self._slot(pair, slot) for slot in slots]
        return [trade for trade in trades if trade.time > start]

    def trades(
        self, pair: PairSpec, now: float, since_nanos: int | None, count: int
    ) -> list[TapeTrade]:
        """Public trades after `since` (oldest first), else the latest `count`, never past now."""
        every = pair.trade_every
        newest = math.floor(now / every)
        if self._slot(pair, newest).time > now:
            newest -= 1
        oldest = math.floor(self.origin / every) + 1
        if since_nanos is None:
            first = max(oldest, newest - count + 1)
        else:
            first = max(oldest, math.floor(since_nanos / 1e9 / every) - 1)
            while first <= newest and self._slot(pair, first).nanos <= since_nanos:
                first += 1
        last = min(newest, first + count - 1)
        return [self._slot(pair, slot) for slot in range(first, last + 1)]

    # ---- candles and windows --------------------------------------------------------------
    def window(self, pair: PairSpec, start: float, end: float, now: float) -> Candle:
        """OHLC of the tape trades in [start, end) seen by `now`; sampled when there are many."""
        first, last = self._slot_range(pair, start, min(end - 1e-4, now))
        count = last - first + 1
        if count <= 0:
            close = self.last_trade(pair, min(start, now)).price
            zero = Decimal(0)
            return Candle(int(start), close, close, close, close, zero, zero, 0)
        if count <= _SAMPLES:
            slots = list(range(first, last + 1))
        else:
            stride = (count - 1) / (_SAMPLES - 1)
            slots = sorted({first + round(i * stride) for i in range(_SAMPLES)})
        trades = [self._slot(pair, slot) for slot in slots]
        prices = [trade.price for trade in trades]
        sampled = sum((trade.volume for trade in trades), Decimal(0))
        notional = sum((trade.price * trade.volume for trade in trades), Decimal(0))
        volume = quantize(sampled * count / len(trades), 8)
        vwap = quantize(notional / sampled, pair.pair_decimals, ROUND_HALF_EVEN)
        return Candle(
            int(start), prices[0], max(prices), min(prices), prices[-1], vwap, volume, count
        )

    def candles(self, pair: PairSpec, interval: int, now: float, since: int | None) -> list[Candle]:
        """Up to 720 candles of `interval` minutes ending with the forming one."""
        period = interval * 60
        current = math.floor(now / period) * period
        rows: list[Candle] = []
        for start in range(current - 719 * period, current + 1, period):
            if since is not None and start <= since:
                continue
            key = (pair.key, interval, start)
            candle = self._candles.get(key)
            if candle is None:
                candle = self.window(pair, start, start + period, now)
                if start + period <= now:
                    if len(self._candles) > 50_000:
                        self._candles.clear()
                    self._candles[key] = candle
            rows.append(candle)
        return rows

    def spreads(self, pair: PairSpec, now: float, since: int | None) -> list[tuple[int, Top]]:
        """Best bid and ask every few seconds over the last ~200 entries."""
        newest = math.floor(now / _SPREAD_EVERY) * _SPREAD_EVERY
        entries = []
        for at in range(newest - 199 * _SPREAD_EVERY, newest + 1, _SPREAD_EVERY):
            if since is None or at > since:
                entries.append((at, self.top(pair, at)))
        return entries
