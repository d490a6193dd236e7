"""`kraken-sdk check`: the connection test to run first, against Kraken or the sandbox.

    report = run_checks(KrakenClient.from_env())
    print(report.render())
    sys.exit(0 if report.ok else 1)

It walks what a trading program needs, in the order a failure is easiest to explain: server
time and status, every public market method, authentication (with the key's permissions),
balances, trade balance, open and closed orders, trade history, positions, and a validate-only
order that Kraken checks but never places. A failed check carries a hint keyed to Kraken's
error string. After an unreachable server, or a key Kraken does not accept, the remaining
checks are skipped: repeating a bad key is what gets it locked out for 15 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Literal

from kraken_sdk._core.endpoints import ENDPOINTS
from kraken_sdk._core.errors import (
    AuthenticationError,
    CredentialsError,
    InvalidNonceError,
    KrakenAPIError,
    KrakenError,
    LockoutError,
    MarketModeError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServiceUnavailableError,
    TransportError,
)
from kraken_sdk.client import KrakenClient
from kraken_sdk.symbols import split_balance_code

__all__ = ["CheckResult", "Report", "main", "render_result", "run_checks"]

Status = Literal["ok", "warn", "fail", "skip"]

PUBLIC_METHODS = tuple(e.name for e in ENDPOINTS.values() if e.kind == "public_read")
"""Every public market method, each checked once (Level3 needs a key and special access)."""

PRIVATE_CHECKS = (
    ("authentication", "GetApiKeyInfo"),
    ("balances", "Balance"),
    ("trade balance", "TradeBalance"),
    ("open orders", "OpenOrders"),
    ("closed orders", "ClosedOrders"),
    ("trade history", "TradesHistory"),
    ("positions", "OpenPositions"),
    ("validate-only order", "AddOrder"),
)
"""The private checks, in the order they run: (line name, the method it calls)."""

PERMISSION_LABELS = {
    "query-funds": "Funds: Query",
    "add-funds": "Funds: Deposit",
    "withdraw-funds": "Funds: Withdraw",
    "earn-funds": "Funds: Earn",
    "query-open-trades": "Orders and trades: Query open orders & trades",
    "query-closed-trades": "Orders and trades: Query closed orders & trades",
    "modify-trades": "Orders and trades: Create & modify orders",
    "close-trades": "Orders and trades: Cancel & close orders",
    "query-ledger": "Data: Query ledger entries",
    "export-data": "Data: Export data",
    "create-ws-token": "Other: Access WebSockets API",
}
"""GetApiKeyInfo's permission names as Kraken's key settings page shows them."""


def _label(options: tuple[frozenset[str], ...]) -> str:
    """`(a+b) or c` in the settings page's words."""
    return " or ".join(
        " and ".join(f"'{PERMISSION_LABELS.get(p, p)}'" for p in sorted(option))
        for option in options
    )


PERMISSIONS = {e.name: _label(e.permission_options) for e in ENDPOINTS.values() if e.permission}
"""The API-key permission each private method needs, as Kraken's key settings name it."""

TRADING_PERMISSIONS = frozenset(
    permission
    for e in ENDPOINTS.values()
    if e.kind == "order_write" or e.name in {method for _, method in PRIVATE_CHECKS}
    for option in e.permission_options
    for permission in option
)
"""What a trading program's key needs (GetApiKeyInfo's names): the checked reads, placing and
cancelling orders; Withdraw is not among them."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the report."""

    name: str
    status: Status
    detail: str
    hint: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status in ("ok", "warn")


@dataclass(slots=True)
class Report:
    """Everything the check found; `ok` is what the exit code says."""

    target: str
    results: list[CheckResult] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)
    key_name: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.failed

    @property
    def failed(self) -> list[CheckResult]:
        """Failures, and the checks skipped because of one."""
        return [r for r in self.results if not r.passed]

    def render(self) -> str:
        """The whole report as `kraken-sdk check` prints it."""
        lines = [self.header(), ""]
        lines += [line for result in self.results for line in render_result(result)]
        return "\n".join([*lines, self.footer()])

    def header(self) -> str:
        return f"kraken-sdk check: {self.target}"

    def footer(self) -> str:
        """Notes, balances and the verdict line that ends the report."""
        lines = [f"  {note}" for note in self.notes]
        if self.balances:
            lines += ["", f"Balances{f' (key {self.key_name!r})' if self.key_name else ''}:"]
            lines += _balance_lines(self.balances)
        lines.append("")
        if self.ok:
            count = len(self.results)
            lines.append(f"ALL CHECKS PASSED ({count} checks in {self.seconds:.2f} s)")
        else:
            failed = [r.name for r in self.results if r.status == "fail"]
            skipped = sum(1 for r in self.results if r.status == "skip")
            verdict = f"{len(failed)} OF {len(self.results)} CHECKS FAILED: {', '.join(failed)}"
            lines.append(verdict + (f" ({skipped} more not run)" if skipped else ""))
        return "\n".join(lines)


NAME_WIDTH = 20


def render_result(result: CheckResult) -> list[str]:
    """One check as a line (two with a hint), aligned for printing as results arrive."""
    took = f"{result.seconds * 1000:5.0f} ms" if result.status != "skip" else " " * 8
    lines = [f"  {result.status:<4}  {result.name:<{NAME_WIDTH}}  {took}  {result.detail}"]
    if result.hint:
        lines.append(f"  {'':<4}  {'':<{NAME_WIDTH}}  {'':8}  -> {result.hint}")
    return lines


def _balance_lines(balances: dict[str, Decimal]) -> list[str]:
    shown = {name: amount for name, amount in balances.items() if amount != 0}
    if not shown:
        return ["  (every balance is zero)"]
    width = max(len(name) for name in shown)
    texts = {name: format(amount.normalize(), "f") for name, amount in shown.items()}
    whole = max(len(text.split(".")[0]) for text in texts.values())
    return [
        f"  {name:<{width}}  {' ' * (whole - len(texts[name].split('.')[0]))}{texts[name]}"
        for name in sorted(shown)
    ]


def hint_for(error: BaseException, base_url: str, method: str | None = None) -> str:
    """What to do about a failure, keyed to Kraken's error string or the transport failure."""
    first = error.errors[0] if isinstance(error, KrakenAPIError) and error.errors else ""
    if isinstance(error, CredentialsError):
        return (
            "no API key: set KRAKEN_API_KEY and KRAKEN_API_SECRET (or put them in .env), "
            "or run with --public-only, or try --sandbox"
        )
    if isinstance(error, LockoutError):
        return "EGeneral:Temporary lockout: wait about 15 minutes; retrying extends it"
    if isinstance(error, InvalidNonceError):
        return (
            "EAPI:Invalid nonce: another program used this key with larger nonces; give each "
            "program its own key, or share a FileNonceSource between processes"
        )
    if isinstance(error, AuthenticationError):
        if "signature" in first.lower():
            return (
                "EAPI:Invalid signature: KRAKEN_API_SECRET does not belong to this key; paste "
                "the private key exactly as Kraken showed it when the key was created"
            )
        return (
            f"{first or 'EAPI:Invalid key'}: Kraken does not know KRAKEN_API_KEY at {base_url} "
            "(a typo, a deleted key, or a sandbox key sent to the real Kraken)"
        )
    if isinstance(error, PermissionDeniedError):
        needed = PERMISSIONS.get(method or "", "'the permission this call needs'")
        return f"{first}: enable {needed} for this key in Kraken's API settings"
    if isinstance(error, RateLimitError):
        return (
            f"{first}: the key's rate counter is spent (another program on the same key?); "
            "wait 30 seconds, and pass --tier to match your verification tier"
        )
    if isinstance(error, ServiceUnavailableError | MarketModeError):
        return f"{first}: Kraken is in maintenance or a restricted mode; see status.kraken.com"
    if isinstance(error, ResponseDecodeError):
        return "an answer that is not Kraken's JSON (a proxy or an edge error page); try again"
    if isinstance(error, TransportError):
        return (
            f"cannot reach {base_url}: check the network, HTTPS_PROXY/NO_PROXY and "
            "KRAKEN_API_URL; nothing was sent if the connection was refused"
        )
    return first or type(error).__name__


class _Runner:
    def __init__(
        self,
        client: KrakenClient,
        report: Report,
        on_result: Callable[[CheckResult], None] | None,
    ) -> None:
        self.client = client
        self.report = report
        self.on_result = on_result
        self.stop_reason = ""

    def add(self, result: CheckResult) -> None:
        self.report.results.append(result)
        if self.on_result is not None:
            self.on_result(result)

    def run(
        self, name: str, method: str, check: Callable[[], str | tuple[Status, str, str]]
    ) -> bool:
        """Run one check unless an earlier failure made it pointless; True if it passed."""
        if self.stop_reason:
            self.add(CheckResult(name, "skip", f"not run: {self.stop_reason}"))
            return False
        started = time.perf_counter()
        try:
            outcome = check()
        except Exception as error:  # a diagnostic tool reports every failure, then goes on
            took = time.perf_counter() - started
            detail = _describe(error)
            hint = hint_for(error, self.client.base_url, method)
            self.add(CheckResult(name, "fail", detail, hint, took))
            if isinstance(error, TransportError) and not isinstance(error, ResponseDecodeError):
                self.stop_reason = f"{self.client.base_url} is unreachable"
            elif isinstance(error, AuthenticationError | LockoutError | CredentialsError):
                self.stop_reason = "the key was not accepted (repeating risks a lockout)"
            return False
        took = time.perf_counter() - started
        if isinstance(outcome, str):
            status: Status = "ok"
            detail, hint = outcome, ""
        else:
            status, detail, hint = outcome
        self.add(CheckResult(name, status, detail, hint, took))
        return status != "fail"


def _describe(error: BaseException) -> str:
    if isinstance(error, KrakenAPIError) and error.errors:
        return ", ".join(error.errors)
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_checks(
    client: KrakenClient,
    *,
    pair: str = "BTC/USD",
    private: bool | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
    target: str | None = None,
) -> Report:
    """Run every check against `client`; private ones unless private=False.

    With private=None they run when the client has a key, and a missing key fails the
    authentication check (a connection test that skips the key would prove little).
    `on_result` sees each result as soon as it is known (the CLI prints it).
    """
    started = time.perf_counter()
    report = Report(target=target or client.base_url)
    runner = _Runner(client, report, on_result)
    _public_checks(runner, client, pair)
    if private is False:
        report.notes.append("private checks not run (public only)")
    elif client.credentials is None and private is None:
        runner.run("authentication", "GetApiKeyInfo", _no_key)
    else:
        _private_checks(runner, client, pair)
    report.seconds = time.perf_counter() - started
    return report


def _no_key() -> str:
    raise CredentialsError("this client has no API key", method="GetApiKeyInfo")


def _public_checks(runner: _Runner, client: KrakenClient, pair: str) -> None:
    market = client.market

    def server_time() -> str:
        before = time.time()
        server = market.time().unixtime
        offset = (before + time.time()) / 2 - server
        when = datetime.fromtimestamp(server, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if abs(offset) < 1.5:
            return f"{when}, this machine's clock agrees"
        side = "ahead" if offset > 0 else "behind"
        return f"{when}, this machine's clock is {abs(offset):.0f} s {side}"

    def status() -> str | tuple[Status, str, str]:
        result = market.system_status()
        if result.status == "online":
            return "online"
        return (
            "fail",
            result.status,
            "trading is restricted or paused; see status.kraken.com",
        )

    def assets() -> str:
        return f"{len(market.assets())} assets"

    def asset_pairs() -> str:
        count = len(market.asset_pairs())
        info = client.symbols.pair(pair)
        return (
            f"{count} pairs; {info.symbol} is {info.key} ({info.altname}), {info.status}, "
            f"order minimum {info.ordermin} {info.symbol.split('/')[0]}"
        )

    def ticker() -> str:
        info = next(iter(market.ticker(pair=pair).values()))
        return f"{pair} bid {info.b.price}  ask {info.a.price}  last {info.c.price}"

    def ohlc() -> str:
        candles = next(iter(market.ohlc(pair=pair, interval=60).pairs.values()))
        return f"{len(candles)} hourly candles, last close {candles[-1].close}"

    def depth() -> str:
        book = next(iter(market.depth(pair=pair, count=10).values()))
        bid, ask = book.bids[0].price, book.asks[0].price
        return f"{len(book.bids)} bids from {bid}, {len(book.asks)} asks from {ask}"

    def trades() -> str:
        rows = next(iter(market.trades(pair=pair).pairs.values()))
        return f"{len(rows)} recent trades, last at {rows[-1].price}"

    def spread() -> str:
        rows = next(iter(market.spread(pair=pair).pairs.values()))
        return f"{len(rows)} spread snapshots"

    def grouped_book() -> str:
        book = market.grouped_book(pair=pair)
        return f"{len(book.bids)} bid and {len(book.asks)} ask groups"

    checks: dict[str, Callable[[], str | tuple[Status, str, str]]] = {
        "Time": server_time,
        "SystemStatus": status,
        "Assets": assets,
        "AssetPairs": asset_pairs,
        "Ticker": ticker,
        "OHLC": ohlc,
        "Depth": depth,
        "Trades": trades,
        "Spread": spread,
        "GroupedBook": grouped_book,
    }
    names = {"Time": "server time", "SystemStatus": "system status"}
    for method in checks:  # this order: a failure early on explains the later ones
        runner.run(names.get(method, method), method, checks[method])


def _private_checks(runner: _Runner, client: KrakenClient, pair: str) -> None:
    account = client.account
    report = runner.report

    def authentication() -> str | tuple[Status, str, str]:
        try:
            info = account.get_api_key_info()
        except PermissionDeniedError:  # refused for what it asked, so the key itself was fine
            return "key accepted (its settings are not readable with this key)"
        except (AuthenticationError, LockoutError, RateLimitError):
            raise
        except (KrakenAPIError, ResponseDecodeError):
            account.balance()  # GetApiKeyInfo unusable here: any accepted call proves the key
            return "key accepted"
        name = info.api_key_name if isinstance(info.api_key_name, str) else ""
        report.key_name = name or None
        if not isinstance(info.permissions, list):
            return f"key {name!r} accepted"
        granted = set(info.permissions)
        missing = sorted(TRADING_PERMISSIONS - granted)
        detail = f"key {name!r} accepted; " + (
            f"cannot {', '.join(missing)}" if missing else "can query, trade and cancel"
        )
        if "withdraw-funds" in granted:
            return (
                "warn",
                detail + ", and WITHDRAW",
                "give trading programs a key without Withdraw",
            )
        return detail

    def balances() -> str:
        raw = account.balance()
        table = client.symbols
        for code, amount in raw.items():
            name = table.standard_asset(code)
            report.balances[name] = report.balances.get(name, Decimal(0)) + amount
        held = [n for n, a in report.balances.items() if a and not split_balance_code(n)[1]]
        return f"{len(raw)} balances, {len(held)} non-zero"

    def trade_balance() -> str:
        result = account.trade_balance()
        return f"equity {result.e}, free margin {result.mf} (USD)"

    def open_orders() -> str:
        return f"{len(account.open_orders().open)} open"

    def closed_orders() -> str:
        result = account.closed_orders()
        count = result.count if isinstance(result.count, int) else len(result.closed)
        return f"{count} closed, canceled or expired"

    def trades_history() -> str:
        result = account.trades_history()
        count = result.count if isinstance(result.count, int) else len(result.trades)
        return f"{count} trades"

    def positions() -> str:
        result = account.open_positions()
        return f"{len(result)} open margin positions"

    def validate_order() -> str:
        info = client.symbols.pair(pair)
        bid = next(iter(client.market.ticker(pair=pair).values())).b.price
        tick = info.tick_size or Decimal(1).scaleb(-(info.pair_decimals or 0))
        price = ((bid / 2) / tick).to_integral_value(ROUND_DOWN) * tick
        volume = info.ordermin or Decimal("0.0001")
        if info.costmin and price * volume < info.costmin:
            lot = Decimal(1).scaleb(-(info.lot_decimals or 8))
            volume = (info.costmin / price / lot).to_integral_value(ROUND_UP) * lot
        result = client.trading.add_order(
            pair=pair, type="buy", ordertype="limit", volume=volume, price=price, validate=True
        )
        return f"{result.descr.order}: validated, nothing placed"

    run: dict[str, Callable[[], str | tuple[Status, str, str]]] = {
        "GetApiKeyInfo": authentication,
        "Balance": balances,
        "TradeBalance": trade_balance,
        "OpenOrders": open_orders,
        "ClosedOrders": closed_orders,
        "TradesHistory": trades_history,
        "OpenPositions": positions,
        "AddOrder": validate_order,
    }
    checks = [(name, method, run[method]) for name, method in PRIVATE_CHECKS]
    for name, method, check in checks:
        runner.run(name, method, check)


# --- the command --------------------------------------------------------------------------------


def main(args: argparse.Namespace) -> int:
    """`kraken-sdk check`: 0 when every check passed, 1 otherwise."""
    if args.sandbox:
        return _check_sandbox(args)
    try:
        client = KrakenClient.from_env(tier=args.tier, timeout=args.timeout)
    except KrakenError as error:  # a malformed key or secret in the environment
        print(f"kraken-sdk check: {error}", file=sys.stderr)
        return 1
    with client:
        return _run_and_print(client, args, client.base_url)


def _check_sandbox(args: argparse.Namespace) -> int:
    """Start an embedded sandbox, give it a bot-style key (no Withdraw), and check it."""
    from kraken_sdk.sandbox import ALL_PERMISSIONS, Sandbox

    with Sandbox(seed=0, tier=args.tier) as sandbox:
        key, secret = sandbox.create_key(ALL_PERMISSIONS - {"withdraw-funds"}, name="check-bot")
        with KrakenClient(
            key, secret, base_url=sandbox.url, tier=sandbox.limits, timeout=args.timeout
        ) as client:
            return _run_and_print(client, args, f"{sandbox.url} (embedded sandbox, paper money)")


def _run_and_print(client: KrakenClient, args: argparse.Namespace, target: str) -> int:
    print(f"kraken-sdk check: {target}\n", flush=True)

    def show(result: CheckResult) -> None:
        print("\n".join(render_result(result)), flush=True)

    report = run_checks(
        client,
        pair=args.pair,
        private=False if args.public_only else None,
        on_result=show,
        target=target,
    )
    print(report.footer())
    return 0 if report.ok else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox", action="store_true", help="start an embedded sandbox and check against it"
    )
    parser.add_argument("--pair", default="BTC/USD", help="pair for market and order checks")
    parser.add_argument(
        "--public-only", action="store_true", help="only the public checks (no key needed)"
    )
    parser.add_argument(
        "--tier",
        choices=("starter", "intermediate", "pro"),
        default="starter",
        help="your verification tier, for the rate limits (default: starter)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (default: 10)"
    )
