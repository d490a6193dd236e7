"""`Sandbox`: start a local Kraken on a free port, fund it, trade on it, look inside it."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kraken_sdk._core.ratelimit import RateLimiter, RateLimits, TierName
from kraken_sdk.sandbox.clock import Clock, RealClock
from kraken_sdk.sandbox.core import RequestRecord, SandboxCore
from kraken_sdk.sandbox.exchange import Exchange
from kraken_sdk.sandbox.faults import Fault, FaultInjector, FaultRule
from kraken_sdk.sandbox.funding import FundingState
from kraken_sdk.sandbox.handlers import State
from kraken_sdk.sandbox.ids import IdFactory
from kraken_sdk.sandbox.keys import ALL_PERMISSIONS, KeyStore
from kraken_sdk.sandbox.market import Market
from kraken_sdk.sandbox.numbers import parse_decimal
from kraken_sdk.sandbox.refdata import ReferenceData
from kraken_sdk.sandbox.server import SandboxHTTPServer
from kraken_sdk.sandbox.snapshots import LedgerView, OrderView, PositionView, TradeView

if TYPE_CHECKING:
    from kraken_sdk.client import KrakenClient

__all__ = ["DEFAULT_BALANCES", "Sandbox"]

DEFAULT_BALANCES: dict[str, str] = {
    "ZUSD": "100000",
    "XXBT": "2",
    "XETH": "20",
    "SOL": "200",
    "XXDG": "100000",
    "XXRP": "20000",
    "ADA": "20000",
    "DOT": "2000",
    "USDT": "100000",
}

_HISTORY_ASSETS = ("ZUSD", "XXBT", "XETH")


class Sandbox:
    """A paper exchange that speaks Kraken's REST protocol on 127.0.0.1.

    `with Sandbox(seed=1, tier="pro") as sb: sb.client().market.ticker(pair="BTC/USD")`.
    Time comes from `clock` (real time by default; pass `ManualClock()` and call `advance`
    in tests). `tier` sets the server-side rate limits, like Kraken's verification tiers.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        tier: TierName | RateLimits = "starter",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        balances: Mapping[str, Decimal | str | int] | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
    ) -> None:
        self.seed = seed
        self.limits = RateLimits.for_tier(tier)
        self.clock: Clock = clock if clock is not None else RealClock()
        self._host, self._port = host, port
        rng = random.Random(seed)
        now = self.clock.now()
        ref = ReferenceData()
        ids = IdFactory(rng)
        market = Market(ref, seed, now)
        exchange = Exchange(ref, market, ids, self.limits, now)
        self.state = State(
            ref=ref,
            market=market,
            exchange=exchange,
            funding=FundingState(ref, ids),
            ids=ids,
            keys=KeyStore(rng),
            limits=self.limits,
        )
        self._faults = FaultInjector(seed)
        self.core = SandboxCore(self.state, self.clock, self._faults)
        key = self.state.keys.create(now, name="sandbox", api_key=api_key, secret=api_secret)
        self.api_key, self.api_secret = key.api_key, key.secret
        for asset, amount in (DEFAULT_BALANCES if balances is None else balances).items():
            self.fund(asset, amount)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle --------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._server is None:
            self._server = SandboxHTTPServer((self._host, self._port), self.core)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="kraken-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's mode)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; use `with Sandbox() as sb:`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def client(self, **overrides: Any) -> KrakenClient:
        """A KrakenClient bound to this sandbox, with the sandbox's key and rate limits.

        On a manual clock the client's rate limiter reads that clock and waits by advancing
        it, so the client and a rate-limited sandbox agree on time and nobody really sleeps.
        """
        from kraken_sdk.client import KrakenClient

        options: dict[str, Any] = {"base_url": self.url, "tier": self.limits}
        options.update(overrides)
        if not isinstance(self.clock, RealClock) and "rate_limiter" not in overrides:
            limits = RateLimits.for_tier(options["tier"])
            clock = self.clock
            options["rate_limiter"] = RateLimiter(limits, clock=clock.now, sleep=clock.advance)
        return KrakenClient(self.api_key, self.api_secret, **options)

    # ---- time and market ----------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Move the clock forward and let the market act on open orders at once."""
        self.clock.advance(seconds)
        self.sync()

    def sync(self) -> None:
        with self.core.lock:
            self.state.exchange.sync(self.clock.now())

    def price(self, pair: str) -> Decimal:
        """The last trade price of a pair (any name Kraken accepts)."""
        spec = self.state.ref.pair(pair)
        if spec is None:
            raise KeyError(pair)
        return self.state.market.last_trade(spec, self.clock.now()).price

    def set_status(self, status: str) -> None:
        """SystemStatus: online, maintenance, cancel_only, post_only or limit_only."""
        if status not in ("online", "maintenance", "cancel_only", "post_only", "limit_only"):
            raise ValueError(f"unknown system status {status!r}")
        with self.core.lock:
            self.state.exchange.status = status

    # ---- accounts -----------------------------------------------------------------------
    def fund(self, asset: str, amount: Decimal | str | int) -> None:
        """Deposit into the account (a deposit record and ledger entry, as on Kraken)."""
        spec = self.state.ref.asset(asset)
        value = parse_decimal(amount)
        if spec is None or value is None:
            raise ValueError(f"cannot fund {amount!r} {asset!r}")
        with self.core.lock:
            self.state.funding.deposit(self.state.exchange.account, spec, value, self.clock.now())

    def add_history(self, entries: int, *, every: float = 30.0) -> None:
        """Book `entries` past deposits, the newest `every` seconds ago and each earlier one
        `every` seconds before the next, cycling through USD, BTC and ETH: a long ledger for
        paging and export tests (100,000 take a few seconds)."""
        if entries < 0 or every <= 0:
            raise ValueError("entries must be >= 0 and every > 0")
        ref = self.state.ref
        cycle = [spec for spec in map(ref.asset, _HISTORY_ASSETS) if spec is not None]
        with self.core.lock:
            account, now = self.state.exchange.account, self.clock.now()
            for index in range(entries):
                asset = cycle[index % len(cycle)]
                amount = Decimal(index % 997 + 1).scaleb(-2)
                when = now - (entries - index) * every
                self.state.funding.deposit(account, asset, amount, when)

    def create_key(
        self, permissions: frozenset[str] | set[str] = ALL_PERMISSIONS, name: str | None = None
    ) -> tuple[str, str]:
        """Another key on the same account, e.g. without trading rights; returns (key, secret)."""
        with self.core.lock:
            key = self.state.keys.create(
                self.clock.now(), permissions=frozenset(permissions), name=name
            )
        return key.api_key, key.secret

    # ---- faults -------------------------------------------------------------------------
    def inject(
        self,
        method: str,
        kind: Fault | str,
        probability: float = 1.0,
        *,
        times: int | None = None,
        delay: float = 15.0,
    ) -> None:
        """Make `method` ("*" for all) fail with `kind` at `probability`, at most `times` times.

        `delay` is how long a `timeout` fault holds the answer back (default: longer than
        KrakenClient's 10 s timeout).
        """
        self._faults.add(FaultRule(method, Fault(kind), probability, times, delay))

    def inject_mix(
        self,
        method: str,
        kinds: Sequence[Fault | str],
        probability: float,
        *,
        delay: float = 15.0,
    ) -> None:
        """Make `method` fail at `probability` overall, split evenly across `kinds`.

        Rules are drawn in order, so each later rule's chance is raised to make up for the
        calls the earlier ones already took.
        """
        share, left = probability / len(kinds), 1.0
        for kind in kinds:
            self.inject(method, kind, share / left, delay=delay)
            left -= share

    def clear_faults(self) -> None:
        self._faults.clear()

    # ---- inspection ---------------------------------------------------------------------
    def orders(self) -> list[OrderView]:
        """Every order ever accepted (open, closed, canceled, expired), oldest first."""
        self.sync()
        with self.core.lock:
            return [OrderView.of(order) for order in self.state.exchange.orders.values()]

    def trades(self) -> list[TradeView]:
        self.sync()
        with self.core.lock:
            return [TradeView.of(trade) for trade in self.state.exchange.trades.values()]

    def ledgers(self) -> list[LedgerView]:
        self.sync()
        with self.core.lock:
            return [LedgerView.of(e) for e in self.state.exchange.account.ledgers.values()]

    def positions(self) -> list[PositionView]:
        self.sync()
        with self.core.lock:
            return [PositionView.of(p) for p in self.state.exchange.positions.values()]

    def balances(self) -> dict[str, Decimal]:
        self.sync()
        with self.core.lock:
            return dict(self.state.exchange.account.balances)

    def requests(self) -> list[RequestRecord]:
        """Every request received, in order, with its parameters, errors and any fault."""
        with self.core.lock:
            return list(self.core.log)
