"""`kraken-sdk sandbox` and `python -m kraken_sdk sandbox`."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from kraken_sdk import KrakenClient
from kraken_sdk.cli.app import build_parser, main


def test_sandbox_command_serves_until_interrupted() -> None:
    command = [
        sys.executable,
        "-m",
        "kraken_sdk",
        "sandbox",
        "--port",
        "0",
        "--seed",
        "5",
        "--unlimited",
        "--keys",
        "2",
        "--ledger-entries",
        "60",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            lines = [process.stdout.readline().strip() for _ in range(4)]
            assert url.startswith("http://127.0.0.1:")
            assert [line.split(": ")[0] for line in lines] == ["API key", "API secret"] * 2
            with requests.Session() as http:
                body = http.get(f"{url}/0/public/SystemStatus", timeout=5).json()
            assert body["result"]["status"] == "online"
            second_key, second_secret = (line.split(": ", 1)[1] for line in lines[2:])
            with KrakenClient(second_key, second_secret, base_url=url, tier="unlimited") as k:
                assert k.account.ledgers().count == 60 + 9  # the history and 9 deposits
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()


def test_parser_options() -> None:
    args = build_parser().parse_args(["sandbox", "--port", "8080", "--tier", "pro"])
    assert (args.port, args.tier, args.seed, args.unlimited) == (8080, "pro", 0, False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--tier", "pro", "--unlimited"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--tier", "gold"])
    args = build_parser().parse_args(["sandbox", "--keys", "4", "--ledger-entries", "100000"])
    assert (args.keys, args.ledger_entries) == (4, 100000)
    assert build_parser().parse_args(["sandbox"]).keys == 1
    for bad in (["--keys", "0"], ["--ledger-entries", "-1"], ["--keys", "two"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["sandbox", *bad])


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "sandbox" in capsys.readouterr().out
