"""`kraken-sdk check`: every check passes on a healthy sandbox, and each failure explains itself."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from kraken_sdk import ENDPOINTS, KrakenClient
from kraken_sdk.cli.app import main
from kraken_sdk.cli.check import PUBLIC_METHODS, Report, run_checks
from kraken_sdk.sandbox import ALL_PERMISSIONS, ManualClock, Sandbox

BOT = ALL_PERMISSIONS - {"withdraw-funds"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=9, tier="unlimited", clock=ManualClock(1_790_000_000)) as sb:
        yield sb


def check_with(
    sandbox: Sandbox, permissions: frozenset[str] = BOT, **kwargs: object
) -> tuple[Report, Sandbox]:
    key, secret = sandbox.create_key(permissions, name="test-bot")
    no_waiting = {"max_retries": 0, "sleep": lambda seconds: None}  # failures answer at once
    with KrakenClient(key, secret, base_url=sandbox.url, tier="unlimited", **no_waiting) as k:
        return run_checks(k, **kwargs), sandbox  # type: ignore[arg-type]


def statuses(report: Report) -> dict[str, str]:
    return {result.name: result.status for result in report.results}


def test_every_check_passes_on_a_healthy_exchange(sandbox: Sandbox) -> None:
    report, _ = check_with(sandbox)
    assert report.ok, report.render()
    assert set(statuses(report).values()) == {"ok"}
    text = report.render()
    assert "key 'test-bot' accepted; can query, trade and cancel" in text
    assert "validated, nothing placed" in text
    assert "  BTC        2" in text  # the balances, by standard name
    assert text.splitlines()[-1].startswith("ALL CHECKS PASSED (18 checks")
    assert sandbox.orders() == []  # the order was validate-only


def test_the_public_checks_cover_every_public_market_method() -> None:
    public = {e.name for e in ENDPOINTS.values() if e.group == "market" and not e.private}
    assert set(PUBLIC_METHODS) == public


def test_the_command_line_with_its_own_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--sandbox"]) == 0
    out = capsys.readouterr().out
    assert "(embedded sandbox, paper money)" in out
    assert out.rstrip().splitlines()[-1].startswith("ALL CHECKS PASSED")


def test_a_wrong_secret_fails_once_and_stops_the_private_checks(sandbox: Sandbox) -> None:
    bad = KrakenClient(sandbox.api_key, "c2VjcmV0", base_url=sandbox.url, tier="unlimited")
    with bad:
        report = run_checks(bad)
    assert not report.ok
    assert statuses(report)["authentication"] == "fail"
    [auth] = [r for r in report.results if r.name == "authentication"]
    assert auth.detail == "EAPI:Invalid signature"
    assert "KRAKEN_API_SECRET does not belong to this key" in auth.hint
    assert statuses(report)["balances"] == "skip"  # one bad attempt, not nine: no lockout
    signed = [r for r in sandbox.requests() if r.api_key is not None or r.errors]
    assert [r.method for r in signed if r.method != "AssetPairs"] == ["GetApiKeyInfo"]
    assert "1 OF 18 CHECKS FAILED: authentication (7 more not run)" in report.render()


def test_maintenance_fails_the_status_check(sandbox: Sandbox) -> None:
    sandbox.set_status("maintenance")
    report, _ = check_with(sandbox)
    assert statuses(report)["system status"] == "fail"
    assert not report.ok


def test_a_key_without_trading_rights_fails_the_order_check_with_the_fix(
    sandbox: Sandbox,
) -> None:
    report, _ = check_with(sandbox, BOT - {"modify-trades"})
    [auth] = [r for r in report.results if r.name == "authentication"]
    assert auth.status == "ok"
    assert "cannot modify-trades" in auth.detail
    [order] = [r for r in report.results if r.name == "validate-only order"]
    assert order.status == "fail"
    assert order.detail == "EGeneral:Permission denied"
    assert "Create & modify orders" in order.hint


def test_a_key_that_can_withdraw_passes_with_a_warning(sandbox: Sandbox) -> None:
    report, _ = check_with(sandbox, ALL_PERMISSIONS)
    [auth] = [r for r in report.results if r.name == "authentication"]
    assert auth.status == "warn"
    assert "without Withdraw" in auth.hint
    assert report.ok


def test_public_only_and_missing_keys(sandbox: Sandbox) -> None:
    with KrakenClient(base_url=sandbox.url, tier="unlimited") as public:
        assert run_checks(public, private=False).ok
        report = run_checks(public)  # a connection test without a key proves too little
    assert statuses(report)["authentication"] == "fail"
    assert "KRAKEN_API_KEY" in report.results[-1].hint


def test_an_unreachable_server_fails_fast_and_skips_the_rest() -> None:
    with KrakenClient("key", "c2VjcmV0", base_url="http://127.0.0.1:9", max_retries=0) as k:
        report = run_checks(k)
    assert statuses(report)["server time"] == "fail"
    assert "cannot reach http://127.0.0.1:9" in report.results[0].hint
    assert {r.status for r in report.results[1:]} == {"skip"}


def test_the_installed_command_exits_zero() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kraken_sdk", "check", "--sandbox"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ALL CHECKS PASSED" in done.stdout
