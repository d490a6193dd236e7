"""The paper exchange: orders, matching against the synthetic market, fills, fees, positions.

All state changes happen here, under the sandbox's lock, at a time read from its clock. Before
anything is read or changed, `sync(now)` replays the market from the last sync: scheduled
orders start, GTD orders expire, the dead man's switch fires, stops trigger and resting limit
orders fill as tape trades cross them, each at the moment it happened.

Accounting: every balance change is a ledger entry (`Account.post`). Quote amounts are rounded
to the smaller of the pair's cost decimals and the quote asset's decimals, volumes to the lot
decimals, so trades, ledgers and balances reconcile exactly. Fees are charged in the quote
currency unless the order says `fcib`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from kraken_sdk._core.ratelimit import RateLimits
from kraken_sdk.sandbox.account import Account
from kraken_sdk.sandbox.ids import IdFactory
from kraken_sdk.sandbox.limits import EngineLimiter
from kraken_sdk.sandbox.market import Market, TapeTrade, Top
from kraken_sdk.sandbox.numbers import ZERO, quantize
from kraken_sdk.sandbox.orderspec import (
    build_order,
    check_price,
    resolve_price,
    trail_limit,
    trail_trigger,
)
from kraken_sdk.sandbox.params import Params
from kraken_sdk.sandbox.records import Amend, Order, Position, Trade
from kraken_sdk.sandbox.refdata import PairSpec, ReferenceData
from kraken_sdk.sandbox.rejects import DUPLICATE_ORDER, INSUFFICIENT_FUNDS, RejectError
from kraken_sdk.sandbox.valuation import Valuation

__all__ = ["Exchange"]

_MAX_SAMPLES = 5000  # tape trades replayed per pair and sync, at most
_CANCEL_ONLY = "EService:Market in cancel_only mode"


class Exchange:
    """One account on the paper exchange and the engine that trades it."""

    def __init__(
        self, ref: ReferenceData, market: Market, ids: IdFactory, limits: RateLimits, start: float
    ) -> None:
        self.ref = ref
        self.market = market
        self.ids = ids
        self.account = Account(ids)
        self.valuation = Valuation(ref, market)
        self.engine = EngineLimiter(limits)
        self.orders: dict[str, Order] = {}
        self.trades: dict[str, Trade] = {}
        self.positions: dict[str, Position] = {}
        self.dead_man: dict[str, float] = {}
        self.status = "online"
        self.synced = start
        self._seq = 0
        self._trade_ids: dict[str, int] = {}

    # ---- helpers ---------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def quote_places(self, pair: PairSpec) -> int:
        """Decimals of quote amounts: exact in the trade (cost_decimals) and in the ledger."""
        return min(pair.cost_decimals, self.ref.assets[pair.quote].decimals)

    def open_orders(self, pair: PairSpec | None = None) -> list[Order]:
        return [
            order
            for order in self.orders.values()
            if order.is_open and (pair is None or order.pair.key == pair.key)
        ]

    def open_positions(self, pair: PairSpec | None = None) -> list[Position]:
        return [
            position
            for position in self.positions.values()
            if position.status == "open" and (pair is None or position.pair.key == pair.key)
        ]

    def last_price(self, pair: PairSpec, t: float) -> Decimal:
        return self.market.last_trade(pair, t).price

    def build(self, params: Params, pair: PairSpec, now: float) -> Order:
        return build_order(params, pair, self.ref, now=now, last=self.last_price(pair, now))

    # ---- funds ------------------------------------------------------------------------
    def _reference_price(self, order: Order, t: float) -> Decimal:
        """The price an order's funds are reserved at."""
        if order.ordertype.endswith("-limit"):
            if order.triggered:
                return order.limitprice
            if order.ordertype == "trailing-stop-limit" and order.price is not None:
                return trail_limit(order, order.price)
            if order.price2 is not None:
                return order.price2
        if order.price is not None:
            return order.price
        top = self.market.top(order.pair, t)
        return top.ask if order.side == "buy" else top.bid

    def requirement(self, order: Order, t: float) -> tuple[str, Decimal]:
        """(asset, amount) a spot order needs available: quote plus taker fee for buys."""
        pair = order.pair
        rate = self.valuation.fee_rate(pair, False, t) / 100
        if order.side == "sell":
            need = order.remaining
            if order.fee_in_base:
                need += quantize(need * rate, pair.lot_decimals, ROUND_UP)
            return pair.base, need
        if order.viqc:
            cost = order.vol - order.cost
        elif order.ordertype == "market":
            cost = sum((price * volume for price, volume in self._walk(order, t, None)), ZERO)
        else:
            cost = order.remaining * self._reference_price(order, t)
        fee = ZERO if order.fee_in_base else cost * rate
        return pair.quote, quantize(cost + fee, self.quote_places(pair), ROUND_UP)

    def holds(self, t: float) -> dict[str, Decimal]:
        """Funds reserved by open spot orders, by asset (BalanceEx `hold_trade`)."""
        held: dict[str, Decimal] = {}
        for order in self.open_orders():
            if order.leverage is None and order.ordertype != "settle-position":
                asset, amount = self.requirement(order, t)
                held[asset] = held.get(asset, ZERO) + amount
        return held

    def available(self, asset: str, t: float) -> Decimal:
        return self.account.balance(asset) - self.holds(t).get(asset, ZERO)

    def equity_usd(self, t: float) -> tuple[Decimal, Decimal]:
        """(equity, margin used) in USD: collateral-weighted balances plus unrealised P/L."""
        collateral = ZERO
        for asset, amount in self.account.balances.items():
            spec = self.ref.assets.get(asset)
            weight = spec.collateral_value if spec and spec.collateral_value is not None else ZERO
            collateral += amount * weight * self.valuation.usd(asset, t)
        margin, pnl, _cost, _value = self.valuation.position_figures(self.open_positions(), t)
        return collateral + pnl, margin

    def _check_funds(self, order: Order, t: float) -> None:
        if order.leverage is None and order.ordertype != "settle-position":
            asset, need = self.requirement(order, t)
            if need > self.available(asset, t):
                raise RejectError(INSUFFICIENT_FUNDS)
            return
        pair = order.pair
        opposite = sum(
            (p.open_vol for p in self.open_positions(pair) if p.side != order.side), ZERO
        )
        if order.reduce_only or order.ordertype == "settle-position":
            if opposite == 0:
                raise RejectError("EOrder:Reduce only:No position exists")
            if order.vol == 0:
                order.vol = opposite
            return
        opening = max(ZERO, order.vol - opposite)
        same = sum((p.open_vol for p in self.open_positions(pair) if p.side == order.side), ZERO)
        limit = pair.long_position_limit if order.side == "buy" else pair.short_position_limit
        if same + opening > limit:
            raise RejectError("EOrder:Margin position size exceeded")
        assert order.leverage is not None
        needed = (
            opening
            * self._reference_price(order, t)
            * self.valuation.usd(pair.quote, t)
            / order.leverage
        )
        equity, used = self.equity_usd(t)
        if needed > equity - used:
            raise RejectError("EOrder:Margin level too low")

    # ---- placing ----------------------------------------------------------------------
    def check_market_open(self, order: Order) -> None:
        status = self.status if self.status != "online" else order.pair.status
        if status == "maintenance":
            raise RejectError("EService:Unavailable")
        if status == "cancel_only":
            raise RejectError(_CANCEL_ONLY)
        if status == "post_only" and not order.post_only:
            raise RejectError("EService:Market in post_only mode")
        if status == "limit_only" and order.ordertype not in ("limit", "iceberg"):
            raise RejectError("EService:Market in limit_only mode")

    def place(self, order: Order, t: float, *, api_key: str, validate: bool) -> Order:
        """Account checks, then (unless validating) book the order and act on it at once."""
        self.check_market_open(order)
        if order.reduce_only and order.leverage is None:
            raise RejectError("EOrder:Reduce only:Non-PC")
        if order.cl_ord_id is not None and any(
            other.cl_ord_id == order.cl_ord_id for other in self.open_orders()
        ):
            raise RejectError(DUPLICATE_ORDER)
        if not self.engine.open_orders_allowed(len(self.open_orders(order.pair))):
            raise RejectError("EOrder:Orders limit exceeded")
        self._check_funds(order, t)
        if validate:
            return order
        order.txid = self.ids.order()
        order.seq = self._next_seq()
        order.api_key = api_key
        order.amends.append(self._amend_record(order, "original", t))
        self.orders[order.txid] = order
        if order.starttm > t:
            order.status = "pending"
        else:
            self._activate(order, t)
        return order

    def _amend_record(self, order: Order, kind: str, t: float) -> Amend:
        return Amend(
            amend_id=self.ids.amend(),
            amend_type=kind,
            order_qty=order.vol,
            display_qty=order.displayvol,
            remaining_qty=order.remaining,
            limit_price=order.limit_price,
            trigger_price=order.price if order.is_triggered_type else None,
            post_only=order.post_only,
            timestamp=int(t * 1e9),
        )

    def _activate(self, order: Order, t: float) -> None:
        """A live order meets the market: market orders trade, limits take or rest."""
        order.status = "open"
        if order.ordertype in ("market", "settle-position"):
            self._take(order, t, None)
            self._finish(order, t)
            return
        if order.is_triggered_type:
            last = self.last_price(order.pair, t)
            self._check_trigger(order, t, last, self.market.index_price(order.pair, t))
            return
        self._limit_arrives(order, t)

    def _limit_arrives(self, order: Order, t: float) -> None:
        limit = order.limit_price
        assert limit is not None
        if self._crosses(order, self.market.top(order.pair, t), limit):
            if order.post_only:
                self._close(order, t, "canceled", "Post only order")
                return
            self._take(order, t, limit)
        if order.remaining == 0:
            self._finish(order, t)
        elif order.timeinforce == "IOC":
            self._close(order, t, "canceled", "Immediate or cancel")

    @staticmethod
    def _crosses(order: Order, top: Top, limit: Decimal) -> bool:
        return top.ask <= limit if order.side == "buy" else top.bid >= limit

    # ---- executing --------------------------------------------------------------------
    def _executable(self, order: Order) -> Decimal:
        """Base volume the order may still trade (reduce-only stops at the position)."""
        remaining = order.remaining
        if order.reduce_only or order.ordertype == "settle-position":
            opposite = sum(
                (p.open_vol for p in self.open_positions(order.pair) if p.side != order.side),
                ZERO,
            )
            remaining = min(remaining, opposite)
        return remaining

    def _walk(self, order: Order, t: float, limit: Decimal | None) -> list[tuple[Decimal, Decimal]]:
        """Levels an order would take from the book at t, up to its limit price."""
        pair = order.pair
        side = "asks" if order.side == "buy" else "bids"
        budget = order.vol - order.cost if order.viqc else ZERO
        want = ZERO if order.viqc else self._executable(order)
        fills: list[tuple[Decimal, Decimal]] = []
        for index, level in enumerate(self.market.levels(pair, t, side)):
            if index > 100_000 or (limit is not None and self._worse(order, level.price, limit)):
                break
            if order.viqc:
                volume = min(
                    level.volume,
                    quantize(budget / level.price, pair.lot_decimals, ROUND_DOWN),
                )
                if volume <= 0:
                    break
                budget -= volume * level.price
            else:
                volume = min(level.volume, want)
                want -= volume
            fills.append((level.price, volume))
            if not order.viqc and want == 0:
                break
        return fills

    @staticmethod
    def _worse(order: Order, price: Decimal, limit: Decimal) -> bool:
        return price > limit if order.side == "buy" else price < limit

    def _take(self, order: Order, t: float, limit: Decimal | None) -> None:
        fills = self._walk(order, t, limit)
        if fills:
            self._fill(order, fills, t, maker=False)

    def _fill(
        self, order: Order, fills: Iterable[tuple[Decimal, Decimal]], t: float, *, maker: bool
    ) -> None:
        """Book one (consolidated) trade for these fills and settle it."""
        fills = list(fills)
        pair = order.pair
        places = self.quote_places(pair)
        volume = sum((v for _p, v in fills), ZERO)
        cost = quantize(sum((p * v for p, v in fills), ZERO), places)
        if volume <= 0:
            return
        if order.leverage is None and order.side == "buy":
            # a triggered or walked order may cost more than was reserved: never go negative
            rate = self.valuation.fee_rate(pair, maker, t) / 100
            if cost * (1 + rate) > self.account.balance(pair.quote) and not order.fee_in_base:
                self._close(order, t, "canceled", "Insufficient funds")
                return
        rate = self.valuation.fee_rate(pair, maker, t)
        fee = quantize(cost * rate / 100, places, ROUND_HALF_UP)
        counter = self._trade_ids.get(pair.key, 50_000_000) + 1
        self._trade_ids[pair.key] = counter
        trade = Trade(
            txid=self.ids.trade(),
            ordertxid=order.txid,
            pair=pair,
            time=t,
            side=order.side,
            ordertype=order.ordertype,
            price=cost / volume,
            cost=cost,
            fee=fee,
            vol=volume,
            maker=maker,
            trade_id=counter,
            postxid=self.ids.position() if order.leverage is None else "",
            leverage=order.leverage,
            seq=self._next_seq(),
        )
        if order.leverage is None and order.ordertype != "settle-position":
            self._settle_spot(order, trade, rate)
        else:
            self._settle_margin(order, trade)
        self.trades[trade.txid] = trade
        order.vol_exec += volume
        order.cost += cost
        order.fee += fee
        order.trades.append(trade.txid)
        self.valuation.record_volume(t, cost * self.valuation.usd(pair.quote, t))

    def _settle_spot(self, order: Order, trade: Trade, rate: Decimal) -> None:
        pair, post = order.pair, self.account.post
        base_fee = ZERO
        quote_fee = trade.fee
        if order.fee_in_base:
            base_fee = quantize(trade.vol * rate / 100, pair.lot_decimals, ROUND_HALF_UP)
            quote_fee = ZERO
        sign = 1 if order.side == "buy" else -1
        entries = [
            post(
                pair.quote,
                -sign * trade.cost,
                quote_fee,
                type="trade",
                refid=trade.txid,
                time=trade.time,
            ),
            post(
                pair.base,
                sign * trade.vol,
                base_fee,
                type="trade",
                refid=trade.txid,
                time=trade.time,
            ),
        ]
        trade.ledgers = [entry.id for entry in entries]

    def _settle_margin(self, order: Order, trade: Trade) -> None:
        """Close opposite positions first (realising P/L), then open one with the rest."""
        pair, places = order.pair, self.quote_places(order.pair)
        remaining, fee_left = trade.vol, trade.fee
        for position in self.open_positions(pair):
            if remaining == 0:
                break
            if position.side == order.side:
                continue
            closed = min(remaining, position.open_vol)
            direction = 1 if position.side == "buy" else -1
            pnl = quantize((trade.price - position.entry_price) * closed * direction, places)
            fee = quantize(trade.fee * closed / trade.vol, places)
            fee_left -= fee
            entry = self.account.post(
                pair.quote, pnl, fee, type="margin", refid=trade.txid, time=trade.time
            )
            trade.ledgers.append(entry.id)
            position.vol_closed += closed
            if position.open_vol == 0:
                position.status = "closed"
            remaining -= closed
            trade.misc = "closing"
            trade.postxid = position.id
            trade.position_status = position.status
        if remaining > 0 and not order.reduce_only and order.ordertype != "settle-position":
            assert order.leverage is not None
            cost = quantize(trade.price * remaining, places)
            position = Position(
                id=self.ids.position(),
                ordertxid=order.txid,
                pair=pair,
                time=trade.time,
                side=order.side,
                ordertype=order.ordertype,
                cost=cost,
                fee=fee_left,
                vol=remaining,
                margin=quantize(cost / order.leverage, places),
                leverage=order.leverage,
                seq=self._next_seq(),
            )
            self.positions[position.id] = position
            entry = self.account.post(
                pair.quote, ZERO, fee_left, type="margin", refid=trade.txid, time=trade.time
            )
            trade.ledgers.append(entry.id)
            trade.postxid = position.id
            trade.margin = position.margin
            trade.position_status = "open"

    # ---- closing ----------------------------------------------------------------------
    def _finish(self, order: Order, t: float) -> None:
        """After trading: filled orders close; unfilled market or reduce-only rests cancel."""
        if not order.is_open:
            return
        if order.vol_exec > 0 and (order.remaining == 0 or order.viqc):
            self._close(order, t, "closed", None)
        elif order.ordertype in ("market", "settle-position") or order.reduce_only:
            reason = "Reduce only:Position is closed" if order.vol_exec > 0 else "No liquidity"
            self._close(order, t, "closed" if order.vol_exec > 0 else "canceled", reason)

    def _close(self, order: Order, t: float, status: str, reason: str | None) -> None:
        order.status = status
        order.reason = reason
        order.closetm = t
        if order.close is not None and order.vol_exec > 0:
            self._place_close(order, t)

    def cancel(self, order: Order, t: float, reason: str = "User requested") -> None:
        if order.is_open:
            self._close(order, t, "canceled", reason)

    def _place_close(self, parent: Order, t: float) -> None:
        """The conditional close: the filled volume, opposite side, as an independent order."""
        close = parent.close
        assert close is not None
        values = {
            "type": "sell" if parent.side == "buy" else "buy",
            "ordertype": close.ordertype,
            "volume": format(parent.vol_exec, "f"),
            "price": close.price,
            "price2": close.price2,
        }
        if parent.leverage is not None:
            values["leverage"] = str(parent.leverage)
        try:
            child = self.build(Params(values), parent.pair, t)
        except RejectError:
            return
        child.refid = parent.txid
        child.txid = self.ids.order()
        child.seq = self._next_seq()
        child.api_key = parent.api_key
        child.amends.append(self._amend_record(child, "original", t))
        self.orders[child.txid] = child
        self._activate(child, t)

    # ---- amend and edit ---------------------------------------------------------------
    def amend(
        self,
        order: Order,
        t: float,
        *,
        order_qty: Decimal | None,
        display_qty: Decimal | None,
        limit_price: str | None,
        trigger_price: str | None,
        post_only: bool,
    ) -> Amend:
        """In-place change keeping the txid; fills stay on the order."""
        pair = order.pair
        symbol = self.ref.symbol(pair)
        last = self.last_price(pair, t)
        new_limit = None
        if limit_price is not None:
            kind = order.ordertype
            if kind not in ("limit", "iceberg") and not kind.endswith("-limit"):
                raise RejectError("EGeneral:Invalid arguments:limit_price")
            new_limit = resolve_price(
                limit_price, pair, order.side, order.ordertype, last, "limit_price"
            )
            check_price(pair, new_limit, symbol)
            if post_only and self._crosses(order, self.market.top(pair, t), new_limit):
                raise RejectError("EOrder:Post only order")
        new_trigger = None
        if trigger_price is not None:
            if not order.is_triggered_type or order.triggered:
                raise RejectError("EGeneral:Invalid arguments:trigger_price")
            new_trigger = resolve_price(
                trigger_price, pair, order.side, order.ordertype, last, "trigger_price"
            )
            check_price(pair, new_trigger, symbol)
        if order_qty is not None and (order_qty <= 0 or order_qty < pair.ordermin):
            raise RejectError("EOrder:Order minimum not met")
        if display_qty is not None and order.ordertype != "iceberg":
            raise RejectError("EGeneral:Invalid arguments:display_qty")
        before = (order.vol, order.price, order.price2, order.limitprice, order.displayvol)
        if order_qty is not None:
            order.vol = order_qty
        if display_qty is not None:
            order.displayvol = display_qty
        if new_limit is not None:
            if order.ordertype in ("limit", "iceberg"):
                order.price = new_limit
            elif order.triggered:
                order.limitprice = new_limit
            else:
                order.price2 = new_limit
        if new_trigger is not None:
            order.price = order.stopprice = new_trigger
        if order.leverage is None and order.remaining > 0:
            asset, need = self.requirement(order, t)
            if need > self.account.balance(asset) - self._held_by_others(order, asset, t):
                order.vol, order.price, order.price2, order.limitprice, order.displayvol = before
                raise RejectError(INSUFFICIENT_FUNDS)
        order.amended = True
        order.age_from = t
        if "amended" not in order.misc:
            order.misc.append("amended")
        record = self._amend_record(order, "user", t)
        order.amends.append(record)
        if order.vol <= order.vol_exec:
            order.vol = max(order.vol, order.vol_exec)
            self._close(order, t, "closed" if order.vol_exec > 0 else "canceled", None)
        else:
            limit = order.limit_price
            if limit is not None and self._crosses(order, self.market.top(pair, t), limit):
                self._take(order, t, limit)
                if order.remaining == 0:
                    self._finish(order, t)
        return record

    def _held_by_others(self, order: Order, asset: str, t: float) -> Decimal:
        held = ZERO
        for other in self.open_orders():
            if other is order or other.leverage is not None:
                continue
            other_asset, amount = self.requirement(other, t)
            if other_asset == asset:
                held += amount
        return held

    # ---- the dead man's switch --------------------------------------------------------
    def arm_dead_man(self, api_key: str, timeout: int, t: float) -> float | None:
        """Arm (or with 0 disarm) the key's switch; returns the trigger time."""
        if timeout == 0:
            self.dead_man.pop(api_key, None)
            return None
        self.dead_man[api_key] = t + timeout
        return t + timeout

    # ---- time passing -----------------------------------------------------------------
    def sync(self, now: float) -> None:
        """Replay the market from the last sync to `now`, acting on every open order."""
        start = self.synced
        if now <= start:
            return
        events: list[tuple[float, int, int, object]] = []
        for key, deadline in self.dead_man.items():
            if deadline <= now:
                events.append((deadline, 0, 0, key))
        reactive: set[str] = set()
        for order in self.open_orders():
            if order.status == "pending" and order.starttm <= now:
                events.append((order.starttm, 1, order.seq, order))
            if order.expiretm and order.expiretm <= now:
                events.append((order.expiretm, 2, order.seq, order))
            if order.status == "open" or order.starttm <= now:
                reactive.add(order.pair.key)
        for key in sorted(reactive):
            pair = self.ref.pairs[key]
            for index, trade in enumerate(self.market.tape(pair, start, now, _MAX_SAMPLES)):
                events.append((trade.time, 3, index, (pair, trade)))
        heapq.heapify(events)
        while events:
            at, kind, _order, payload = heapq.heappop(events)
            if kind == 0:
                assert isinstance(payload, str)
                if self.dead_man.get(payload) == at:
                    del self.dead_man[payload]
                    for order in self.open_orders():
                        self.cancel(order, at, "Dead man's switch")
            elif kind == 1:
                assert isinstance(payload, Order)
                if payload.status == "pending":
                    self._activate(payload, at)
            elif kind == 2:
                assert isinstance(payload, Order)
                if payload.is_open:
                    self._close(payload, at, "expired", None)
            else:
                assert isinstance(payload, tuple)
                pair, trade = payload
                self._react(pair, trade, at)
        self.synced = now

    def _react(self, pair: PairSpec, trade: TapeTrade, at: float) -> None:
        top = self.market.top(pair, at)
        index: Decimal | None = None
        for order in self.open_orders(pair):
            if order.status != "open" or order.opentm >= at:
                continue
            if order.is_triggered_type and not order.triggered:
                if order.trigger == "index" and index is None:
                    index = self.market.index_price(pair, at)
                self._check_trigger(order, at, trade.price, index or trade.price)
                continue
            limit = order.limit_price
            if limit is not None and self._crosses(order, top, limit):
                volume = self._executable(order)
                if volume > 0:
                    self._fill(order, [(limit, volume)], at, maker=True)
                if order.is_open and order.remaining == 0:
                    self._finish(order, at)

    def _check_trigger(self, order: Order, t: float, last: Decimal, index: Decimal) -> None:
        """Fire a stop, take-profit or trailing order when its trigger price is reached."""
        price = last if order.trigger == "last" else index
        kind = order.ordertype
        if kind.startswith("trailing-stop"):
            assert order.peak is not None
            order.peak = max(order.peak, price) if order.side == "sell" else min(order.peak, price)
            order.price = order.stopprice = trail_trigger(order, order.peak)
        assert order.price is not None
        falling = order.side == "sell"
        if kind.startswith("take-profit"):
            hit = price >= order.price if falling else price <= order.price
        else:
            hit = price <= order.price if falling else price >= order.price
        if not hit:
            return
        order.triggered = True
        order.misc.append("touched" if kind.startswith("take-profit") else "stopped")
        if kind.endswith("-limit"):
            if kind == "trailing-stop-limit":
                order.limitprice = trail_limit(order, order.price)
            else:
                assert order.price2 is not None
                order.limitprice = order.price2
            self._limit_arrives(order, t)
        else:
            self._take(order, t, None)
            self._finish(order, t)
