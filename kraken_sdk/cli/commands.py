"""Market and account subcommands of `kraken-sdk`.

    kraken-sdk ticker BTC/USD ETH/USD
    kraken-sdk ohlc BTC/USD --interval 60
    kraken-sdk balance --json
    kraken-sdk ledgers --csv ledgers.csv
    kraken-sdk order buy BTC/USD 0.001 --limit 50000 --validate
    kraken-sdk orders --sandbox

Every command prints an aligned table, or JSON with --json (numbers as exact strings, the
models' field names), and runs against a throwaway local sandbox with --sandbox. Credentials
come from KRAKEN_API_KEY / KRAKEN_API_SECRET (or a .env file), the URL from KRAKEN_API_URL.

Exit codes: 0 done; 1 Kraken refused or failed the call (the message names Kraken's error
string), or an order was not confirmed; 2 bad usage (arguments, missing credentials, an order
without a terminal to confirm on and no --yes).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

import msgspec
from msgspec import UNSET

from kraken_sdk import paginate
from kraken_sdk._core.errors import (
    CredentialsError,
    KrakenError,
    OrderOutcomeUnknown,
    ValidationError,
)
from kraken_sdk.presentation.columns import balances, tabulate
from kraken_sdk.presentation.display import grid, grids, render_text, text

if TYPE_CHECKING:
    from kraken_sdk.client import KrakenClient

__all__ = [
    "COMMANDS",
    "UsageError",
    "add_all",
    "add_balance",
    "add_book",
    "add_cancel",
    "add_cancel_all",
    "add_ledgers",
    "add_ohlc",
    "add_order",
    "add_orders",
    "add_status",
    "add_ticker",
    "add_time",
    "add_trades",
]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)


class UsageError(Exception):
    """The command cannot run as given (exit code 2)."""


class NotConfirmed(Exception):  # noqa: N818 - an outcome, not a fault
    """The user did not confirm an order (exit code 1)."""


@dataclass(slots=True)
class Output:
    """What a command produced: data for --json, text for people."""

    data: Any
    text: str


Run = Callable[["KrakenClient", argparse.Namespace], Output]


# ---- plumbing -----------------------------------------------------------------------------------


def _common() -> argparse.ArgumentParser:
    """--json and --sandbox, shared by every command here."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--json", action="store_true", help="print JSON for machines instead of a table"
    )
    parent.add_argument(
        "--sandbox",
        action="store_true",
        help="run against a throwaway local paper exchange instead of Kraken",
    )
    return parent


@contextmanager
def _client(sandbox: bool) -> Iterator[KrakenClient]:
    from kraken_sdk.client import KrakenClient

    if not sandbox:
        with KrakenClient.from_env() as client:
            yield client
        return
    from kraken_sdk.sandbox import Sandbox

    with Sandbox(tier="unlimited") as exchange, exchange.client() as client:
        yield client


def _fail(message: str, code: int) -> int:
    print(f"kraken-sdk: {message}", file=sys.stderr)
    return code


def _handler(run: Run) -> Callable[[argparse.Namespace], int]:
    """Wrap a command: open the client, map exceptions to exit codes, print the output."""

    def handle(args: argparse.Namespace) -> int:
        try:
            with _client(args.sandbox) as client:
                output = run(client, args)
        except (UsageError, ValidationError, CredentialsError) as error:
            return _fail(str(error), 2)
        except NotConfirmed as error:
            return _fail(str(error), 1)
        except OrderOutcomeUnknown as error:
            hint = "check `kraken-sdk orders` and `kraken-sdk orders --closed` before retrying"
            return _fail(f"{error}; {hint}", 1)
        except KrakenError as error:
            return _fail(str(error), 1)
        except KeyboardInterrupt:
            return _fail("interrupted", 130)
        if args.json:
            print(json.dumps(plain(output.data), indent=2))
        elif output.text:
            print(output.text)
        return 0

    return handle


def plain(value: Any) -> Any:
    """Results as JSON-ready values: structs (rows too) as objects, Decimals as exact strings."""
    if isinstance(value, msgspec.Struct):
        return {
            name: plain(getattr(value, name))
            for name in value.__struct_fields__
            if getattr(value, name) is not UNSET
        }
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _fields(pairs: Sequence[tuple[str, str]]) -> str:
    width = max(len(key) for key, _ in pairs)
    return "\n".join(f"{key.ljust(width)}  {value}" for key, value in pairs)


def _table(result: object, *, title: bool = False, **options: Any) -> str:
    return "\n\n".join(render_text(grid, title=title) for grid in grids(result, **options))


def _progress() -> bool:
    """A progress bar on stderr when someone is watching and tqdm is installed."""
    return sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number: {value!r}")
    return number


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value!r}")
    return number


def _write_csv(path: Path, items: Sequence[tuple[str, Any]]) -> None:
    """Every field of every entry, exact decimals, ISO UTC times: for spreadsheets and taxes."""
    cells = grid(tabulate(list(items)))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(cells.headers)
        writer.writerows(cells.rows)


def _register(
    commands: Subparsers, name: str, run: Run, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name, help=help, description=description or help, parents=[_common()]
    )
    parser.set_defaults(handler=_handler(run))
    return parser


# ---- market data --------------------------------------------------------------------------------


def _time(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.market.time()
    return Output(result, _fields([("time", text(result.unixtime, time=True)),
                                   ("unixtime", str(result.unixtime)),
                                   ("rfc1123", result.rfc1123)]))  # fmt: skip


def add_time(commands: Subparsers) -> None:
    _register(commands, "time", _time, "Kraken's clock")


def _status(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.market.system_status()
    return Output(result, _fields([("status", result.status), ("timestamp", result.timestamp)]))


def add_status(commands: Subparsers) -> None:
    _register(
        commands,
        "status",
        _status,
        "whether the exchange is trading normally",
        "Kraken's system status: online, maintenance, cancel_only or post_only.",
    )


def _ticker(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.market.ticker(pair=list(args.pairs))
    return Output(result, _table(result))


def add_ticker(commands: Subparsers) -> None:
    parser = _register(commands, "ticker", _ticker, "best bid/ask, last trade and 24h figures")
    parser.add_argument("pairs", nargs="+", metavar="PAIR", help="e.g. BTC/USD (or XBTUSD)")


def _ohlc(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.market.ohlc(pair=args.pair, interval=args.interval)
    rows = args.rows if args.rows is not None else (0 if args.json else 20)
    if rows:
        result = msgspec.structs.replace(
            result, pairs={pair: candles[-rows:] for pair, candles in result.pairs.items()}
        )
    (view,) = grids(result)
    view.title = f"{view.title} ({args.interval} min; last row still forming)"
    return Output(result, render_text(view, title=True))


def add_ohlc(commands: Subparsers) -> None:
    parser = _register(
        commands,
        "ohlc",
        _ohlc,
        "candles of one pair",
        "Candles of one pair, oldest first; the last one is still forming.",
    )
    parser.add_argument("pair", metavar="PAIR")
    parser.add_argument(
        "--interval",
        type=int,
        choices=INTERVALS,
        default=60,
        metavar="MINUTES",
        help=f"candle length: {', '.join(map(str, INTERVALS))} (default: 60)",
    )
    parser.add_argument(
        "--rows",
        type=_positive,
        default=None,
        metavar="N",
        help="newest N candles, 0 for all 720 (default: 20 in tables, all with --json)",
    )


def _book(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.market.depth(pair=args.pair, count=args.depth)
    return Output(result, _table(result, title=True, levels=args.depth))


def add_book(commands: Subparsers) -> None:
    parser = _register(commands, "book", _book, "order book of one pair")
    parser.add_argument("pair", metavar="PAIR")
    parser.add_argument(
        "--depth", type=int, default=10, metavar="N", help="levels per side, 1-500 (default: 10)"
    )


# ---- account ------------------------------------------------------------------------------------


def _balance(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.account.balance()
    shown = result if args.all else {asset: v for asset, v in result.items() if v}
    hidden = len(result) - len(shown)
    table = grid(balances(shown))
    if hidden:
        table.note = f"({hidden} zero balances not shown; --all shows them)"
    return Output(result, render_text(table))


def add_balance(commands: Subparsers) -> None:
    parser = _register(commands, "balance", _balance, "balances of the account")
    parser.add_argument("--all", action="store_true", help="also list zero balances")


def _orders(client: KrakenClient, args: argparse.Namespace) -> Output:
    if not args.closed:
        result: Any = client.account.open_orders()
        return Output(result, _table(result) if result.open else "no open orders")
    if args.all:
        items = list(paginate.closed_orders(client, progress=_progress()))
        return Output(dict(items), _table(items) if items else "no closed orders")
    result = client.account.closed_orders()
    output = _table(result) if result.closed else "no closed orders"
    return Output(result, _more(output, len(result.closed), result.count))


def _more(output: str, shown: int, count: int | msgspec.UnsetType) -> str:
    if isinstance(count, int) and count > shown:
        return f"{output}\n(newest {shown} of {count}; --all lists every one)"
    return output


def add_orders(commands: Subparsers) -> None:
    parser = _register(commands, "orders", _orders, "open orders (or closed ones)")
    parser.add_argument(
        "--closed", action="store_true", help="closed, canceled and expired orders instead"
    )
    parser.add_argument(
        "--all", action="store_true", help="with --closed: every page, not just the newest 50"
    )


def _history(
    args: argparse.Namespace,
    walk: Callable[[], paginate.Paginator[tuple[str, Any]]],
    page: Callable[[], tuple[dict[str, Any], int | msgspec.UnsetType, Any]],
    noun: str,
) -> Output:
    """trades/ledgers: the newest page, or every page with --all or --csv."""
    if args.csv is not None or args.all:
        items = list(walk())
        if args.csv is not None:
            _write_csv(args.csv, items)
            message = f"wrote {len(items)} {noun} to {args.csv}"
            return Output({"written": len(items), "file": str(args.csv)}, message)
        return Output(dict(items), _table(items) if items else f"no {noun}")
    entries, count, result = page()
    output = _table(result) if entries else f"no {noun}"
    return Output(result, _more(output, len(entries), count))


def _trades(client: KrakenClient, args: argparse.Namespace) -> Output:
    def page() -> tuple[dict[str, Any], int | msgspec.UnsetType, Any]:
        result = client.account.trades_history()
        return result.trades, result.count, result

    return _history(
        args, lambda: paginate.trades_history(client, progress=_progress()), page, "trades"
    )


def add_trades(commands: Subparsers) -> None:
    parser = _register(commands, "trades", _trades, "the account's own trades (fills)")
    parser.add_argument("--all", action="store_true", help="every page, not just the newest 50")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write every trade to FILE as CSV")


def _ledgers(client: KrakenClient, args: argparse.Namespace) -> Output:
    filters: dict[str, Any] = {}
    if args.asset:
        filters["asset"] = args.asset
    if args.type:
        filters["type"] = args.type

    def page() -> tuple[dict[str, Any], int | msgspec.UnsetType, Any]:
        result = client.account.ledgers(**filters)
        return result.ledger, result.count, result

    def walk() -> paginate.Paginator[tuple[str, Any]]:
        return paginate.ledgers(client, progress=_progress(), **filters)

    return _history(args, walk, page, "ledger entries")


def add_ledgers(commands: Subparsers) -> None:
    parser = _register(commands, "ledgers", _ledgers, "balance movements of the account")
    parser.add_argument("--asset", help="only this asset, as Kraken names it (e.g. XBT or XXBT)")
    parser.add_argument("--type", help="only this kind: trade, deposit, withdrawal, ...")
    parser.add_argument("--all", action="store_true", help="every page, not just the newest 50")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write every entry to FILE as CSV")


# ---- trading ------------------------------------------------------------------------------------


def _confirm(question: str, stdin: TextIO, stderr: TextIO) -> bool:
    """Ask on the terminal; without one, refuse rather than guess (UsageError)."""
    if not stdin.isatty():
        raise UsageError(f"not asking '{question}' without a terminal; pass --yes to confirm")
    print(f"{question} [y/N] ", end="", file=stderr, flush=True)
    answer = stdin.readline().strip().lower()
    return answer in ("y", "yes")


def _order(client: KrakenClient, args: argparse.Namespace) -> Output:
    volume: Decimal = args.volume
    price: Decimal | None = args.limit
    where = f"limit {format(price, 'f')}" if price is not None else "market"
    summary = f"{args.side} {format(volume, 'f')} {args.pair} @ {where}"
    if (
        not args.validate
        and not args.yes
        and not _confirm(f"Place {summary}?", sys.stdin, sys.stderr)
    ):
        raise NotConfirmed(f"not confirmed; no order placed ({summary})")
    options: dict[str, Any] = {"price": price} if price is not None else {}
    if args.validate:
        options["validate"] = True
    result = client.trading.add_order(
        pair=args.pair,
        type=args.side,
        ordertype="limit" if price is not None else "market",
        volume=volume,
        **options,
    )
    lines = [("validated, not placed" if args.validate else "placed", result.descr.order)]
    if result.descr.close:
        lines.append(("close", result.descr.close))
    if isinstance(result.txid, list):
        lines += [("order", txid) for txid in result.txid]
    return Output(result, _fields(lines))


def add_order(commands: Subparsers) -> None:
    parser = _register(
        commands,
        "order",
        _order,
        "place a market or limit order",
        "Place a market order, or a limit order with --limit. Asks for confirmation unless "
        "--yes (or --validate, which only checks the order); without a terminal to ask on it "
        "refuses unless --yes.",
    )
    parser.add_argument("side", choices=("buy", "sell"))
    parser.add_argument("pair", metavar="PAIR")
    parser.add_argument("volume", type=_decimal, metavar="VOLUME", help="in the base asset")
    parser.add_argument(
        "--limit", type=_decimal, metavar="PRICE", help="limit price (default: a market order)"
    )
    parser.add_argument(
        "--validate", action="store_true", help="let Kraken check the order; nothing is placed"
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _cancel(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.trading.cancel_order(txid=args.txid)
    pending = " (pending)" if result.pending is True else ""
    return Output(result, f"canceled {result.count} order{'s' * (result.count != 1)}{pending}")


def add_cancel(commands: Subparsers) -> None:
    parser = _register(commands, "cancel", _cancel, "cancel an open order")
    parser.add_argument("txid", metavar="TXID", help="order id (or a userref: all its orders)")


def _cancel_all(client: KrakenClient, args: argparse.Namespace) -> Output:
    result = client.trading.cancel_all()
    pending = " (pending)" if result.pending is True else ""
    return Output(result, f"canceled {result.count} order{'s' * (result.count != 1)}{pending}")


def add_cancel_all(commands: Subparsers) -> None:
    _register(commands, "cancel-all", _cancel_all, "cancel every open order of the account")


COMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    add_time,
    add_status,
    add_ticker,
    add_ohlc,
    add_book,
    add_balance,
    add_orders,
    add_trades,
    add_ledgers,
    add_order,
    add_cancel,
    add_cancel_all,
)
"""Every subcommand of this module, in the order `kraken-sdk --help` lists them."""


def add_all(commands: Subparsers) -> None:
    """Register every subcommand of this module."""
    for add in COMMANDS:
        add(commands)
