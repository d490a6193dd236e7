"""`kraken-sdk sandbox` and `python -m kraken_sdk sandbox`."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import requests

from kraken_sdk.cli import build_parser, main


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
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            key_line = process.stdout.readline().strip()
            secret_line = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            assert key_line.startswith("API key: ")
            assert secret_line.startswith("API secret: ")
            with requests.Session() as http:
                body = http.get(f"{url}/0/public/SystemStatus", timeout=5).json()
            assert body["result"]["status"] == "online"
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


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "sandbox" in capsys.readouterr().out
