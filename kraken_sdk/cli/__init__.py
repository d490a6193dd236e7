"""The `kraken-sdk` command: entry point (app), commands, and the connection check."""

from kraken_sdk.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
