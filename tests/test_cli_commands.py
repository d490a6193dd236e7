"""`kraken-sdk` market and account commands: tables, --json, --sandbox, exit codes, and an
order that is never placed without a confirmation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kraken_sdk.cli.app import build_parser, main
from kraken_sdk.sandbox import ManualClock, Sandbox

START = 1_790_000_000.0


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox the commands reach through KRAKEN_API_URL / _KEY / _SECRET, as a user would."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    with Sandbox(seed=11, tier="unlimited", clock=ManualClock(START)) as sb:
        monkeypatch.setenv("KRAKEN_API_URL", sb.url)
        monkeypatch.setenv("KRAKEN_API_KEY", sb.api_key)
        monkeypatch.setenv("KRAKEN_API_SECRET", sb.api_secret)
        yield sb


class Terminal(io.StringIO):
    """stdin as if a person sat at a terminal."""

    def isatty(self) -> bool:
        return True


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    listing = capsys.readouterr().out
    for name in (
        "time", "status", "ticker", "ohlc", "book", "balance", "orders", "trades", "ledgers",
        "order", "cancel", "cancel-all", "sandbox",
    ):  # fmt: skip
        assert name in listing


def test_time_and_status(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "time")
    assert code == 0
    assert out.splitlines()[0] == "time      2026-09-21T14:13:20Z"
    assert run_json(capsys, "time")["unixtime"] == int(START)

    sandbox.set_status("cancel_only")
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert out.splitlines()[0].split() == ["status", "cancel_only"]
    assert run_json(capsys, "status")["status"] == "cancel_only"


def test_ticker_table_and_json(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ticker", "BTC/USD", "ETH/USD")
    assert code == 0
    header, btc, eth = out.splitlines()
    assert header.split()[:4] == ["PAIR", "BID", "ASK", "LAST"]
    data = run_json(capsys, "ticker", "BTC/USD", "ETH/USD")
    assert set(data) == {"XXBTZUSD", "XETHZUSD"}
    quote = data["XXBTZUSD"]
    assert btc.split()[:3] == ["XXBTZUSD", quote["b"]["price"], quote["a"]["price"]]
    assert eth.startswith("XETHZUSD")
    assert Decimal(data["XXBTZUSD"]["c"]["price"]) == sandbox.price("BTC/USD")


def test_ohlc_rows_and_interval(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ohlc", "BTC/USD", "--interval", "15", "--rows", "3")
    assert code == 0
    title, header, *rows = out.splitlines()
    assert title == "OHLC XXBTZUSD (15 min; last row still forming)"
    assert header.split() == ["TIME", "OPEN", "HIGH", "LOW", "CLOSE", "VWAP", "VOLUME", "COUNT"]
    assert [row.split()[0] for row in rows] == [
        "2026-09-21T13:30:00Z", "2026-09-21T13:45:00Z", "2026-09-21T14:00:00Z"
    ]  # fmt: skip

    data = run_json(capsys, "ohlc", "BTC/USD")
    candles = data["pairs"]["XXBTZUSD"]
    assert len(candles) == 720  # --json gives everything unless --rows says otherwise
    assert set(candles[0]) == {"time", "open", "high", "low", "close", "vwap", "volume", "count"}


def test_book(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "book", "BTC/USD", "--depth", "3")
    assert code == 0
    title, header, *rows = out.splitlines()
    assert title.startswith("XXBTZUSD order book: spread ")
    assert header.split() == ["BID", "VOLUME", "BID", "ASK", "ASK", "VOLUME"]
    assert len(rows) == 3
    book = run_json(capsys, "book", "BTC/USD", "--depth", "3")["XXBTZUSD"]
    assert rows[0].split() == [
        book["bids"][0]["volume"], book["bids"][0]["price"],
        book["asks"][0]["price"], book["asks"][0]["volume"],
    ]  # fmt: skip


def test_balance_hides_zeros_unless_all(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    balances = {"ZUSD": "1500.5", "XXBT": "0.25", "XETH": "0.5"}
    with Sandbox(tier="unlimited", balances=balances) as sb:
        monkeypatch.setenv("KRAKEN_API_URL", sb.url)
        monkeypatch.setenv("KRAKEN_API_KEY", sb.api_key)
        monkeypatch.setenv("KRAKEN_API_SECRET", sb.api_secret)
        assert run(capsys, "order", "sell", "ETH/USD", "0.5", "--yes")[0] == 0
        assert sb.balances()["XETH"] == 0
        code, out, _ = run(capsys, "balance")
        assert code == 0
        lines = out.splitlines()
        assert lines[0].split() == ["ASSET", "BALANCE"]
        assert {line.split()[0] for line in lines[1:-1]} == {"ZUSD", "XXBT"}
        assert lines[-1] == "(1 zero balances not shown; --all shows them)"
        code, out, _ = run(capsys, "balance", "--all")
        assert "XETH" in out
        data = run_json(capsys, "balance")
        assert Decimal(data["ZUSD"]) > Decimal("1500.5")  # plus what the ETH sold for
        assert "XETH" in data  # JSON is the whole result


def test_order_needs_confirmation(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "order", "buy", "BTC/USD", "0.01")
    assert code == 2
    assert "without a terminal; pass --yes" in err
    assert sandbox.orders() == []

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, _, err = run(capsys, "order", "buy", "BTC/USD", "0.01", "--limit", "1000")
    assert code == 1
    assert "Place buy 0.01 BTC/USD @ limit 1000? [y/N]" in err
    assert "not confirmed; no order placed" in err
    assert sandbox.orders() == []

    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run(capsys, "order", "buy", "BTC/USD", "0.01", "--limit", "1000")
    assert code == 0
    (order,) = sandbox.orders()
    assert out.splitlines() == [
        "placed  buy 0.01000000 XBTUSD @ limit 1000.0",
        f"order   {order.txid}",
    ]


def test_order_yes_validate_and_json(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "order", "sell", "ETH/USD", "0.5", "--validate")
    assert code == 0  # validate places nothing, so it needs no confirmation
    assert out.startswith("validated, not placed  sell 0.50000000 ETHUSD @ market")
    assert sandbox.orders() == []

    placed = run_json(capsys, "order", "buy", "BTC/USD", "0.01", "--yes")
    (order,) = sandbox.orders()
    assert placed == {"descr": {"order": "buy 0.01000000 XBTUSD @ market"}, "txid": [order.txid]}
    assert order.status == "closed"


def test_kraken_errors_exit_1_and_name_the_error(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "order", "buy", "BTC/USD", "1000", "--yes")
    assert (code, out) == (1, "")
    assert err.strip() == "kraken-sdk: AddOrder: EOrder:Insufficient funds"

    code, _, err = run(capsys, "cancel", "OXXXXX-XXXXX-XXXXXX")
    assert code == 1
    assert "EOrder:Unknown order" in err


def test_usage_errors_exit_2(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "ticker", "NOPE/USD")
    assert code == 2
    assert "unknown pair 'NOPE/USD'" in err

    with pytest.raises(SystemExit) as exit_info:
        main(["order", "buy", "BTC/USD", "lots"])
    assert exit_info.value.code == 2
    assert "not a number: 'lots'" in capsys.readouterr().err

    monkeypatch.delenv("KRAKEN_API_KEY")
    monkeypatch.delenv("KRAKEN_API_SECRET")
    code, _, err = run(capsys, "balance")
    assert code == 2
    assert "KRAKEN_API_KEY" in err


def test_orders_cancel_and_cancel_all(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "orders") == (0, "no open orders\n", "")
    for price in ("1000", "1100", "1200"):
        assert run(capsys, "order", "buy", "BTC/USD", "0.01", "--limit", price, "--yes")[0] == 0
    txids = [order.txid for order in sandbox.orders()]

    code, out, _ = run(capsys, "orders")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == [
        "ORDER", "OPENED", "PAIR", "SIDE", "TYPE", "PRICE", "VOLUME", "FILLED", "STATUS"
    ]  # fmt: skip
    assert {row.split()[0] for row in rows} == set(txids)

    assert run(capsys, "cancel", txids[0]) == (0, "canceled 1 order\n", "")
    assert run_json(capsys, "cancel-all") == {"count": 2}
    assert {order.status for order in sandbox.orders()} == {"canceled"}
    _, out, _ = run(capsys, "orders", "--closed")
    assert {line.split()[0] for line in out.splitlines()[1:]} == set(txids)
    assert set(run_json(capsys, "orders", "--closed", "--all")) == set(txids)


def test_trades_and_ledgers_pages(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "trades") == (0, "no trades\n", "")
    client = sandbox.client()
    for _ in range(26):
        client.trading.add_order(pair="BTC/USD", type="buy", ordertype="market", volume="0.001")

    code, out, _ = run(capsys, "ledgers")  # 9 deposits + 52 trade entries
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["LEDGER", "TIME", "TYPE", "ASSET"]
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "(newest 50 of 61; --all lists every one)"
    assert len(run_json(capsys, "ledgers", "--all")) == 61
    assert len(run_json(capsys, "ledgers", "--asset", "XBT")["ledger"]) == 27

    _, out, _ = run(capsys, "trades")
    assert len(out.splitlines()) == 1 + 26
    assert set(run_json(capsys, "trades", "--all")) == {t.txid for t in sandbox.trades()}


def test_ledgers_csv_has_every_entry_exactly(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sandbox.client().trading.add_order(
        pair="BTC/USD", type="buy", ordertype="market", volume="0.01"
    )
    target = tmp_path / "ledgers.csv"
    code, out, _ = run(capsys, "ledgers", "--csv", str(target))
    assert code == 0
    assert out == f"wrote 11 ledger entries to {target}\n"
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {entry.id: entry for entry in sandbox.ledgers()}
    assert {row["id"] for row in rows} == set(by_id)
    for row in rows:
        entry = by_id[row["id"]]
        assert Decimal(row["amount"]) == entry.amount
        assert row["time"].startswith("2026-09-21T14:13:20")
        assert row["time"].endswith("Z")


def test_sandbox_flag_needs_no_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Decimal(run_json(capsys, "balance", "--sandbox")["ZUSD"]) == Decimal("100000")
    code, out, _ = run(capsys, "order", "buy", "BTC/USD", "0.01", "--yes", "--sandbox")
    assert code == 0
    assert out.startswith("placed  buy 0.01000000 XBTUSD @ market")
