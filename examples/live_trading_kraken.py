"""A real-time trading loop on KrakenAdapter, with crypto risk limits in front of every order.

    python examples/live_trading_kraken.py --sandbox --iterations 20      # paper trading
    python examples/live_trading_kraken.py --pairs BTC/USD --max-order-notional 50   # LIVE

Every `--interval` seconds the loop reads prices, balances and open orders, asks the strategy
hook for orders, and sends only those that pass every risk limit:

- allowed pairs             orders on any other pair are refused
- max order notional        quantity x price, in the quote currency (USD)
- max position per asset    holdings + open buys + this order; no selling below zero either
- max daily loss            equity (cash + holdings of the traded assets at mid) against the
                            start of the UTC day; a breach cancels our orders and stops the
                            bot with exit code 3
- max open orders           ours, across all pairs

Around it: the dead man's switch is armed for the whole session (if this process hangs or
dies, Kraken cancels every order after 60 s); fills arrive through `stream_fills` as they
happen; Ctrl-C (or SIGTERM) cancels this bot's open orders, drains the fill stream and exits
with code 0. Live trading asks for confirmation first (`--yes` skips it; without a terminal
to ask on, it refuses). `--sandbox` runs everything on an embedded paper exchange instead.

The strategy is a toy (one bid and one ask around the mid, re-quoted when stale). The risk
limits are the point: replace `quote_around_mid` with your own hook.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal

from kraken_sdk import KrakenAdapter
from kraken_sdk.aio import FillStream
from kraken_sdk.execution import Fill, Order, OrderAck, OrderStatus, OrderType, Side
from kraken_sdk.ratelimit import RateLimits
from kraken_sdk.sandbox import Sandbox
from kraken_sdk.symbols import PairInfo

log = logging.getLogger("live_trading")

QUOTE = "USD"
EXIT_HALTED = 3
"""Exit code when a risk limit stopped the bot, so a supervisor notices (Ctrl-C exits 0)."""


# --- risk ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskLimits:
    """Hard limits every order must pass; amounts in the quote currency unless said."""

    allowed_pairs: frozenset[str]
    max_order_notional: Decimal
    max_position: dict[str, Decimal]  # per base asset, in its own units
    max_daily_loss: Decimal
    max_open_orders: int

    def describe(self) -> Iterator[str]:
        yield f"allowed pairs       {', '.join(sorted(self.allowed_pairs))}"
        yield f"max order notional  {self.max_order_notional} {QUOTE}"
        positions = ", ".join(f"{asset} {amount}" for asset, amount in self.max_position.items())
        yield f"max position        {positions}"
        yield f"max daily loss      {self.max_daily_loss} {QUOTE}"
        yield f"max open orders     {self.max_open_orders}"


@dataclass
class Tracked:
    """One of our resting orders: the ack, what we asked for, and when."""

    ack: OrderAck
    order: Order
    iteration: int


@dataclass
class Market:
    """What the loop knows at one instant."""

    prices: dict[str, dict[str, Decimal]]  # pair -> ticker (bid, ask, last, ...)
    balances: dict[str, Decimal]  # asset -> amount
    ours: list[Tracked]  # our open orders
    rules: dict[str, PairInfo]  # pair -> tick size, lot decimals, order minimum

    def mid(self, pair: str) -> Decimal:
        return (self.prices[pair]["bid"] + self.prices[pair]["ask"]) / 2


@dataclass
class RiskManager:
    limits: RiskLimits
    day: date | None = None
    day_start_equity: Decimal = Decimal(0)
    halted: str = ""

    def equity(self, market: Market) -> Decimal:
        """Cash plus the traded assets at mid: what a loss is measured on."""
        total = market.balances.get(QUOTE, Decimal(0))
        for pair in self.limits.allowed_pairs:
            base = pair.split("/")[0]
            total += market.balances.get(base, Decimal(0)) * market.mid(pair)
        return total

    def update(self, market: Market, now: datetime) -> Decimal:
        """Today's profit or loss; halts the bot once the loss passes max_daily_loss."""
        equity = self.equity(market)
        if self.day != now.date():  # a new UTC day starts from the equity it opens with
            self.day, self.day_start_equity = now.date(), equity
        pnl = equity - self.day_start_equity
        if -pnl > self.limits.max_daily_loss and not self.halted:
            self.halted = f"daily loss {-pnl:.2f} {QUOTE} passed {self.limits.max_daily_loss}"
        return pnl

    def refusal(self, order: Order, market: Market, accepted: list[Order]) -> str | None:
        """Why this order may not go out, or None. `accepted`: this round's orders so far."""
        limits = self.limits
        if self.halted:
            return f"halted: {self.halted}"
        if order.symbol not in limits.allowed_pairs:
            return f"{order.symbol} is not an allowed pair"
        price = order.limit_price if order.limit_price is not None else market.mid(order.symbol)
        notional = order.quantity * price
        if notional > limits.max_order_notional:
            return f"notional {notional:.2f} > {limits.max_order_notional} {QUOTE}"
        if len(market.ours) + len(accepted) >= limits.max_open_orders:
            return f"{limits.max_open_orders} open orders already"
        base = order.symbol.split("/")[0]
        held = market.balances.get(base, Decimal(0))
        resting = [t.order for t in market.ours] + accepted
        buying = _quantity(resting, base, Side.BUY)
        selling = _quantity(resting, base, Side.SELL)
        if order.side is Side.BUY:
            most = held + buying + order.quantity
            cap = limits.max_position.get(base, Decimal(0))
            if most > cap:
                return f"{base} position could reach {most} > {cap}"
        elif held - selling - order.quantity < 0:
            return f"would sell {base} we do not hold (spot: no shorting)"
        return None


def _quantity(orders: Iterable[Order], base: str, side: Side) -> Decimal:
    picked = (o.quantity for o in orders if o.side is side and o.symbol.split("/")[0] == base)
    return sum(picked, Decimal(0))


# --- the strategy hook --------------------------------------------------------------------------

Strategy = Callable[[Market], list[Order]]


def quote_around_mid(edge_bps: Decimal, notional: Decimal) -> Strategy:
    """A toy market maker: on each pair without our orders, a bid and an ask `edge_bps` from
    the mid, each worth about `notional`. Replace it with your own; it only proposes orders."""

    def strategy(market: Market) -> list[Order]:
        busy = {t.order.symbol for t in market.ours}
        orders = []
        for pair, rules in market.rules.items():
            if pair in busy:
                continue
            mid = market.mid(pair)
            tick = rules.tick_size or Decimal(1).scaleb(-(rules.pair_decimals or 2))
            lot = Decimal(1).scaleb(-(rules.lot_decimals or 8))
            for side, sign in ((Side.BUY, -1), (Side.SELL, 1)):
                price = _round(mid * (1 + sign * edge_bps / 10_000), tick)
                quantity = _round(notional / price, lot)
                if not rules.ordermin or quantity >= rules.ordermin:
                    orders.append(Order(pair, side, quantity, OrderType.LIMIT, limit_price=price))
        return orders

    return strategy


def _round(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_DOWN) * step


# --- the loop -----------------------------------------------------------------------------------


@dataclass
class Session:
    started: datetime
    iterations: int = 0
    submitted: int = 0
    refused: int = 0
    rejected: int = 0
    cancelled_at_exit: int = 0
    fills: list[Fill] = field(default_factory=list)
    ours: dict[str, Tracked] = field(default_factory=dict)  # order id -> tracked
    pnl: Decimal = Decimal(0)
    halted: str = ""  # why the risk manager stopped the bot, if it did


class Bot:
    """The loop: read, propose, filter through risk, submit; fills recorded as they come."""

    def __init__(
        self,
        broker: KrakenAdapter,
        limits: RiskLimits,
        strategy: Strategy,
        *,
        interval: float,
        requote_after: int,
    ) -> None:
        self.broker = broker
        self.risk = RiskManager(limits)
        self.strategy = strategy
        self.interval = interval
        self.requote_after = requote_after
        self.stop = asyncio.Event()
        self.session = Session(started=datetime.now(UTC))
        self.rules: dict[str, PairInfo] = {}

    async def run(self, iterations: int | None) -> Session:
        broker = self.broker
        self.rules = {p: await broker.get_pair(p) for p in sorted(self.risk.limits.allowed_pairs)}
        self.session.started = await broker.get_server_time()
        fills = broker.stream_fills()
        await fills.poll()  # the first poll fixes "now": earlier trades are not reported
        consumer = asyncio.create_task(self._consume(fills), name="fills")
        async with broker.dead_mans_switch(timeout=60):
            try:
                while not self.stop.is_set() and not self.risk.halted:
                    if iterations is not None and self.session.iterations >= iterations:
                        break
                    await self.step()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stop.wait(), self.interval)
            finally:  # also on errors: leave nothing of ours resting
                await self.shutdown(consumer, fills)
        return self.session

    async def step(self) -> None:
        session, broker = self.session, self.broker
        session.iterations += 1
        prices = {pair: await broker.get_ticker(pair) for pair in self.rules}
        still_open = {ack.order_id for ack in await broker.get_orders("open")}
        session.ours = {oid: t for oid, t in session.ours.items() if oid in still_open}
        market = Market(prices, await broker.get_account(), [], self.rules)
        session.pnl = self.risk.update(market, await broker.get_server_time())
        if self.risk.halted:
            session.halted = self.risk.halted
            log.error("HALT: %s; cancelling our orders", self.risk.halted)
            return
        for order_id, tracked in list(session.ours.items()):
            if session.iterations - tracked.iteration >= self.requote_after:
                await broker.cancel_order(order_id)  # stale: the market has moved on
                del session.ours[order_id]
        market.ours = list(session.ours.values())
        approved: list[Order] = []
        for order in self.strategy(market):
            reason = self.risk.refusal(order, market, approved)
            if reason is None:
                approved.append(order)
            else:
                session.refused += 1
                log.info(
                    "risk refused %s %s %s: %s", order.side, order.quantity, order.symbol, reason
                )
        if approved:
            for order, ack in zip(approved, await broker.submit_orders(approved), strict=True):
                session.submitted += 1
                if ack.order_id is not None and ack.status is OrderStatus.OPEN:
                    session.ours[ack.order_id] = Tracked(ack, order, session.iterations)
                else:
                    session.rejected += 1
                    log.warning("%s %s: %s", ack.status, order.symbol, ack.description)
        log.info(
            "step %d: P&L today %+.2f %s, %d orders resting, %d fills",
            session.iterations,
            session.pnl,
            QUOTE,
            len(session.ours),
            len(session.fills),
        )

    async def _consume(self, fills: FillStream) -> None:
        async for fill in fills:
            self._record(fill)

    def _record(self, fill: Fill) -> None:
        self.session.fills.append(fill)
        log.info(
            "fill: %s %s %s @ %s, fee %s %s",
            fill.side,
            fill.quantity,
            fill.symbol,
            fill.price,
            fill.fee,
            fill.fee_currency,
        )

    async def shutdown(self, consumer: asyncio.Task[None], fills: FillStream) -> None:
        """Cancel what we left open, then take every fill the stream has not shown yet."""
        for order_id in list(self.session.ours):
            if await self.broker.cancel_order(order_id):
                self.session.cancelled_at_exit += 1
        self.session.ours.clear()
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
        for fill in await fills.poll():  # nothing is lost: a cancelled poll is asked again
            self._record(fill)
        await fills.aclose()


# --- command line -------------------------------------------------------------------------------


def min_interval(limits: RateLimits, pairs: int) -> float:
    """Seconds per step that keep the loop within half the key's REST budget.

    A step spends about 2 + pairs on Kraken's counter (balances, open orders, one batch per
    pair); the fill stream is sized to the other half by KrakenAdapter itself.
    """
    if limits.counter_max is None or limits.decay_per_second <= 0:
        return 0.0
    return (2 + pairs) / (limits.decay_per_second / 2)


def parse_positions(items: list[str]) -> dict[str, Decimal]:
    out = {}
    for item in items:
        asset, _, amount = item.partition("=")
        out[asset.strip().upper()] = Decimal(amount)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Real-time trading loop on KrakenAdapter with crypto risk limits.",
    )
    parser.add_argument("--sandbox", action="store_true", help="trade on an embedded sandbox")
    parser.add_argument("--iterations", type=int, help="stop after N steps (default: run)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between steps")
    parser.add_argument("--yes", action="store_true", help="trade live without asking")
    parser.add_argument(
        "--tier",
        choices=("starter", "intermediate", "pro", "unlimited"),
        default="starter",
        help="your verification tier (rate limits); unlimited only with --sandbox",
    )
    parser.add_argument("--pairs", default="BTC/USD,ETH/USD", help="allowed pairs, comma-separated")
    parser.add_argument("--max-order-notional", type=Decimal, default=Decimal(100))
    parser.add_argument(
        "--max-position",
        action="append",
        default=[],
        metavar="ASSET=AMOUNT",
        help="largest holding per asset (default: BTC=0.05, ETH=1)",
    )
    parser.add_argument("--max-daily-loss", type=Decimal, default=Decimal(100))
    parser.add_argument("--max-open-orders", type=int, default=4)
    parser.add_argument("--order-notional", type=Decimal, default=Decimal(50))
    parser.add_argument("--edge-bps", type=Decimal, default=Decimal(2))
    parser.add_argument("--requote-after", type=int, default=3, help="steps an order may rest")
    parser.add_argument("--poll-interval", type=float, help="seconds between fill polls")
    parser.add_argument("--seed", type=int, default=0, help="sandbox price path seed")
    return parser


def confirm_live(broker: KrakenAdapter, limits: RiskLimits) -> bool:
    print(f"LIVE trading on {broker.client.base_url} with real money, within:")
    for line in limits.describe():
        print(f"  {line}")
    answer = input("Type 'yes' to start: ")
    return answer.strip().lower() == "yes"


async def trade(args: argparse.Namespace, broker: KrakenAdapter, limits: RiskLimits) -> Session:
    interval = max(
        args.interval, min_interval(broker.client.rate_limits, len(limits.allowed_pairs))
    )
    if interval > args.interval:
        log.warning(
            "interval raised to %.0f s to stay within the %s tier's limits", interval, args.tier
        )
    strategy = quote_around_mid(args.edge_bps, args.order_notional)
    bot = Bot(broker, limits, strategy, interval=interval, requote_after=args.requote_after)
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        log.warning("stopping: cancelling our open orders (press Ctrl-C again to abort)")
        bot.stop.set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C raises instead
            loop.add_signal_handler(sig, on_signal)
    async with broker:
        session = await bot.run(args.iterations)
        left = [a for a in await broker.get_orders("open") if a.order_id in session.ours]
        print_summary(session, len(left))
    return session


def print_summary(session: Session, left_open: int) -> None:
    print("\nSession summary")
    print(f"  iterations        {session.iterations}")
    print(f"  orders submitted  {session.submitted} ({session.rejected} not accepted)")
    print(f"  refused by risk   {session.refused}")
    print(f"  fills streamed    {len(session.fills)}")
    print(f"  cancelled at exit {session.cancelled_at_exit}; still open: {left_open}")
    print(f"  P&L today         {session.pnl:+.2f} {QUOTE}")
    if session.halted:
        print(f"  HALTED            {session.halted}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    pairs = frozenset(p.strip().upper() for p in args.pairs.split(",") if p.strip())
    limits = RiskLimits(
        allowed_pairs=pairs,
        max_order_notional=args.max_order_notional,
        max_position=parse_positions(args.max_position)
        or {"BTC": Decimal("0.05"), "ETH": Decimal(1)},
        max_daily_loss=args.max_daily_loss,
        max_open_orders=args.max_open_orders,
    )
    if args.sandbox:
        return run_on_sandbox(args, limits)
    if args.tier == "unlimited":
        print("--tier unlimited is only for --sandbox", file=sys.stderr)
        return 2
    if not args.yes and not sys.stdin.isatty():
        print(
            "refusing to trade live without a terminal to confirm on; pass --yes", file=sys.stderr
        )
        return 2
    broker = KrakenAdapter.from_env(tier=args.tier, fill_poll_interval=args.poll_interval)
    if broker.client.credentials is None:
        print("set KRAKEN_API_KEY and KRAKEN_API_SECRET (or .env) to trade live", file=sys.stderr)
        return 2
    if not args.yes and not confirm_live(broker, limits):
        print("not confirmed; nothing was sent")
        return 1
    session = asyncio.run(trade(args, broker, limits))
    return EXIT_HALTED if session.halted else 0


def run_on_sandbox(args: argparse.Namespace, limits: RiskLimits) -> int:
    """Paper trading: a local exchange with a small account, real-time prices."""
    balances = {"ZUSD": "10000", "XXBT": "0.02", "XETH": "0.5"}
    with Sandbox(seed=args.seed, tier=args.tier, balances=balances) as sandbox:
        log.info("embedded sandbox at %s (paper money)", sandbox.url)
        broker = KrakenAdapter(
            sandbox.api_key,
            sandbox.api_secret,
            base_url=sandbox.url,
            tier=sandbox.limits,
            fill_poll_interval=args.poll_interval,
        )
        session = asyncio.run(trade(args, broker, limits))
        executed = [t for t in sandbox.trades() if t.time >= session.started.timestamp()]
        print(f"  trades executed   {len(executed)} (the sandbox's own record)")
    return EXIT_HALTED if session.halted else 0


if __name__ == "__main__":
    sys.exit(main())
