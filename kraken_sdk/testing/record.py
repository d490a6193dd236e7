"""`python -m kraken_sdk.testing.record [PYTEST ARGS...]`: re-record cassettes, then audit them.

    python -m kraken_sdk.testing.record tests/replay            # every cassette, fresh sandbox
    python -m kraken_sdk.testing.record --mode once tests       # only the missing ones
    python -m kraken_sdk.testing.record --target kraken tests/test_bot.py   # the real API

Runs pytest with --kraken-record and --kraken-target (sandbox unless asked: a re-record never
reaches the real API by accident, whatever the environment holds), then audits the whole
cassette folder, so stale cassettes are checked too. Exits non-zero if either fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from kraken_sdk.testing import audit
from kraken_sdk.testing.plugin import settings

__all__ = ["main"]


class _CassetteRoot:
    """A pytest plugin object that notes where the run keeps its cassettes."""

    def __init__(self) -> None:
        self.root: Path | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.root = settings(config).cassette_root


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kraken_sdk.testing.record",
        description="Re-record Kraken cassettes with pytest, then audit them; other "
        "arguments go to pytest.",
    )
    parser.add_argument("--mode", choices=("all", "once", "new_episodes"), default="all")
    parser.add_argument("--target", choices=("sandbox", "kraken"), default="sandbox")
    args, rest = parser.parse_known_args(argv)
    root = _CassetteRoot()
    # This script has imported kraken_sdk already, so pytest cannot rewrite the asserts of
    # the package that holds its plugin and warns about it; harmless, and not the tests' fault.
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    status = pytest.main(
        [*rest, f"--kraken-record={args.mode}", f"--kraken-target={args.target}", *quiet],
        plugins=[root],
    )
    if root.root is None or not root.root.exists():
        return int(status)
    findings = audit.audit_paths([root.root])
    for finding in findings:
        print(finding)
    if findings:
        print(f"record: the audit found {len(findings)} problem(s) in {root.root}", file=sys.stderr)
        return 1
    if status == 0:
        print(f"record: cassettes in {root.root} recorded and audited")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
