"""The `kraken-sdk` command (also `python -m kraken_sdk`).

Named kraken-sdk, not kraken, because python-kraken-sdk already installs `kraken`. Each
subcommand is one `add_<name>` function that registers its parser and handler, so new
subcommands slot in without touching the others.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kraken_sdk._core.ratelimit import TierName
from kraken_sdk._version import __version__
from kraken_sdk.cli import commands as cli_commands

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace], int]


def _sandbox(args: argparse.Namespace) -> int:
    """Serve a paper exchange until Ctrl-C."""
    from kraken_sdk.sandbox import Sandbox

    tier: TierName = "unlimited" if args.unlimited else args.tier
    sandbox = Sandbox(seed=args.seed, tier=tier, host=args.host, port=args.port)
    sandbox.add_history(args.ledger_entries)
    keys = [(sandbox.api_key, sandbox.api_secret)]
    keys += [sandbox.create_key() for _ in range(args.keys - 1)]
    sandbox.start()
    print(sandbox.url)
    for key, secret in keys:
        print(f"API key: {key}")
        print(f"API secret: {secret}")
    print(f"Tier: {tier}. Press Ctrl-C to stop.", file=sys.stderr)
    sys.stdout.flush()
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        sandbox.stop()
    return 0


def add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "sandbox",
        help="run a local paper exchange that speaks Kraken's REST protocol",
        description="Serve a local Kraken-compatible paper exchange on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: free)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--seed", type=int, default=0, help="seed of prices and ids")
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--tier",
        choices=("starter", "intermediate", "pro", "unlimited"),
        default="starter",
        help="rate limits to enforce, as for a Kraken verification tier",
    )
    limits.add_argument("--unlimited", action="store_true", help="switch rate limits off")
    parser.add_argument(
        "--keys", type=_positive, default=1, help="API keys to create, each printed (default: 1)"
    )
    parser.add_argument(
        "--ledger-entries",
        type=_positive_or_zero,
        default=0,
        metavar="N",
        help="book N past deposits first, for a long ledger (default: 0)",
    )
    parser.set_defaults(handler=_sandbox)


def _positive(text: str) -> int:
    value = _positive_or_zero(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_or_zero(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _check(args: argparse.Namespace) -> int:
    from kraken_sdk.cli.check import main

    return main(args)


def add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from kraken_sdk.cli.check import add_arguments

    parser = commands.add_parser(
        "check",
        help="test the connection, key and account end to end (run this first)",
        description="Check server time and status, every public market method, the key, "
        "balances, orders, trades, positions and a validate-only order. Exit code 0 when "
        "every check passes, 1 otherwise. Credentials come from KRAKEN_API_KEY and "
        "KRAKEN_API_SECRET (or .env); --sandbox needs none.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=_check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kraken-sdk", description="Tools of the kraken-sdk package."
    )
    parser.add_argument("--version", action="version", version=f"kraken-sdk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_check(commands)
    cli_commands.add_all(commands)
    add_sandbox(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
