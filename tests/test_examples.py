"""The examples run as users run them: as scripts, on the embedded sandbox."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from kraken_sdk.execution import Order, OrderAck, OrderStatus
from kraken_sdk.symbols import PairInfo

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FAST = ["--sandbox", "--tier", "unlimited", "--interval", "0.1", "--poll-interval", "0.1"]


def script(name: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,  # never a terminal: nothing may wait for an answer
        env={**os.environ, "KRAKEN_API_KEY": "", "KRAKEN_API_SECRET": ""},
    )


def summary(out: str) -> dict[str, int]:
    """The numbers of the live example's session summary."""
    figures = {}
    for label in ("iterations", "fills streamed", "trades executed", "still open:"):
        found = re.search(rf"{label}\s+(\d+)", out)
        assert found, f"{label!r} missing from:\n{out}"
        figures[label.rstrip(":")] = int(found.group(1))
    return figures


def test_connection_example_passes_on_the_sandbox() -> None:
    done = script("test_kraken_connection.py", "--sandbox")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "get_orders(closed)" in done.stdout  # the adapter half ran too
    assert done.stdout.rstrip().splitlines()[-1].startswith("ALL CHECKS PASSED (client 18/18")


def test_live_example_runs_its_iterations_and_every_trade_is_streamed() -> None:
    crossing = ["--edge-bps", "-5"]  # quotes through the mid: they fill at once
    done = script("live_trading_kraken.py", *FAST, "--iterations", "4", *crossing)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = summary(done.stdout)
    assert figures["iterations"] == 4
    assert figures["fills streamed"] == figures["trades executed"] > 0
    assert figures["still open"] == 0  # its orders were cancelled on the way out
    assert "step 4:" in done.stderr


def test_live_example_refuses_real_money_without_a_terminal_to_ask() -> None:
    done = script("live_trading_kraken.py")  # no --sandbox, no --yes, stdin not a TTY
    assert done.returncode == 2
    assert "refusing to trade live without a terminal" in done.stderr


def test_risk_limits_refuse_orders_over_the_notional_cap() -> None:
    cap = ["--max-order-notional", "10"]
    done = script("live_trading_kraken.py", *FAST, "--iterations", "1", *cap)
    assert done.returncode == 0, done.stderr
    assert re.search(r"risk refused .*notional [\d.]+ > 10 USD", done.stderr)
    assert re.search(r"refused by risk\s+4", done.stdout)  # a bid and an ask on two pairs


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX")
def test_ctrl_c_cancels_open_orders_and_exits_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "live_trading_kraken.py"), *FAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    for line in process.stderr:  # wait until it has orders resting
        if "step 2:" in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping: cancelling our open orders" in err
    figures = summary(out)
    assert figures["still open"] == 0
    assert figures["fills streamed"] == figures["trades executed"]
    assert re.search(r"cancelled at exit\s+[1-9]", out)


# --- the risk limits, one by one ----------------------------------------------------------------


@pytest.fixture(scope="module")
def live() -> ModuleType:
    """The live example as a module, to test its risk manager without a market."""
    spec = importlib.util.spec_from_file_location(
        "live_trading", EXAMPLES / "live_trading_kraken.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["live_trading"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def market(live: ModuleType, btc: str = "0.02", usd: str = "10000", resting: int = 0) -> object:
    """BTC/USD at 50000 mid; `resting` open buys of 0.001 BTC."""
    rules = {"BTC/USD": PairInfo("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "XXBT", "ZUSD")}
    prices = {"BTC/USD": {"bid": Decimal(49990), "ask": Decimal(50010)}}
    ours = [
        live.Tracked(
            OrderAck(f"O{i}", None, "BTC/USD", OrderStatus.OPEN),
            Order("BTC/USD", "buy", "0.001", "limit", 49000),
            1,
        )
        for i in range(resting)
    ]
    return live.Market(prices, {"BTC": Decimal(btc), "USD": Decimal(usd)}, ours, rules)


def limits(live: ModuleType) -> object:
    return live.RiskLimits(
        allowed_pairs=frozenset({"BTC/USD"}),
        max_order_notional=Decimal(100),
        max_position={"BTC": Decimal("0.025")},
        max_daily_loss=Decimal(50),
        max_open_orders=3,
    )


@pytest.mark.parametrize(
    ("order", "resting", "reason"),
    [
        (Order("BTC/USD", "buy", "0.001", "limit", 49000), 0, None),
        (Order("ETH/USD", "buy", "0.01", "limit", 3000), 0, "ETH/USD is not an allowed pair"),
        (Order("BTC/USD", "buy", "0.003", "limit", 49000), 0, "notional 147.00 > 100 USD"),
        (Order("BTC/USD", "buy", "0.001"), 0, None),  # market orders are valued at the mid
        (Order("BTC/USD", "buy", "0.001", "limit", 49000), 3, "3 open orders already"),
        (Order("BTC/USD", "buy", "0.001", "limit", 49000), 2, None),
        (Order("BTC/USD", "sell", "0.0019", "limit", 51000), 0, "would sell BTC we do not hold"),
        (Order("BTC/USD", "sell", "0.0015", "limit", 51000), 0, None),
    ],
)
def test_each_risk_limit(live: ModuleType, order: Order, resting: int, reason: str | None) -> None:
    risk = live.RiskManager(limits(live))
    refusal = risk.refusal(order, market(live, btc="0.0015", resting=resting), [])
    if reason is None:
        assert refusal is None
    else:
        assert refusal is not None
        assert reason in refusal


def test_position_limit_counts_resting_and_planned_buys(live: ModuleType) -> None:
    risk = live.RiskManager(limits(live))
    buy = Order("BTC/USD", "buy", "0.001", "limit", 49000)
    now = market(live, btc="0.023", resting=1)  # 0.023 held + 0.001 resting
    assert risk.refusal(buy, now, []) is None  # 0.025: exactly the cap
    assert "could reach 0.026 > 0.025" in risk.refusal(buy, now, [buy])


def test_a_daily_loss_halts_everything_until_the_next_utc_day(live: ModuleType) -> None:
    risk = live.RiskManager(limits(live))
    morning = datetime(2026, 5, 4, 9, tzinfo=UTC)
    assert risk.update(market(live), morning) == 0  # the day starts at this equity
    assert risk.update(market(live, usd="9960"), morning) == -40  # within the limit
    assert not risk.halted
    assert risk.update(market(live, usd="9940"), morning) == -60
    assert risk.halted == "daily loss 60.00 USD passed 50"
    buy = Order("BTC/USD", "buy", "0.001", "limit", 49000)
    assert risk.refusal(buy, market(live), []).startswith("halted")
    risk.update(market(live, usd="9940"), morning + timedelta(days=1))
    assert risk.day_start_equity == risk.equity(market(live, usd="9940"))  # a new day's base
