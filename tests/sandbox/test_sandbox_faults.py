"""Fault injection: each kind fails the way it says, before or after the request took effect."""

from __future__ import annotations

import pytest
import requests
from sandbox_raw import RawClient

from kraken_sdk.sandbox import Fault, Sandbox

ORDER = {
    "pair": "XBTUSD",
    "type": "buy",
    "ordertype": "market",
    "volume": "0.001",
    "cl_ord_id": "fault-test",
}


@pytest.mark.parametrize(
    ("kind", "status"), [("http_500", 500), ("http_502", 502), ("html_520", 520)]
)
def test_http_errors_happen_before_processing(
    raw: RawClient, sandbox: Sandbox, kind: str, status: int
) -> None:
    sandbox.inject("AddOrder", kind)
    response = raw.post("AddOrder", ORDER)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert sandbox.orders() == []
    if kind == "html_520":
        assert "Cloudflare" in response.text
        assert response.text.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("kind", "error"),
    [("service_unavailable", "EService:Unavailable"), ("service_busy", "EService:Busy")],
)
def test_service_errors(raw: RawClient, sandbox: Sandbox, kind: str, error: str) -> None:
    sandbox.inject("*", kind)
    assert raw.error("AddOrder", ORDER) == error
    assert raw.get("Time").json() == {"error": [error]}
    assert sandbox.orders() == []


def test_drop_closes_the_connection_without_effect(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.inject("AddOrder", Fault.DROP)
    with pytest.raises(requests.ConnectionError):
        raw.post("AddOrder", ORDER)
    assert sandbox.orders() == []


def test_drop_after_commit_places_the_order(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.inject("AddOrder", "drop_after_commit", times=1)
    with pytest.raises(requests.ConnectionError):
        raw.post("AddOrder", ORDER)
    (order,) = sandbox.orders()
    assert order.cl_ord_id == "fault-test"
    assert order.status == "closed"
    log = sandbox.requests()[-1]
    assert log.fault == "drop_after_commit"
    assert log.committed
    # what a careful client does next: look the order up by its cl_ord_id
    closed = raw.call("ClosedOrders", {"cl_ord_id": "fault-test"})["closed"]
    assert list(closed) == [order.txid]


def test_error_after_commit(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.inject("AddOrder", "error_after_commit", times=1)
    response = raw.post("AddOrder", ORDER)
    assert response.status_code == 502
    assert len(sandbox.orders()) == 1
    raw.call("AddOrder", {**ORDER, "cl_ord_id": "second"})  # times=1: the rule is spent


def test_timeout_answers_late_after_taking_effect(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.inject("AddOrder", "timeout", delay=2.0)
    with pytest.raises(requests.Timeout):
        raw.post("AddOrder", ORDER, timeout=0.2)
    assert len(sandbox.orders()) == 1


def test_probability_is_seeded(sandbox: Sandbox, raw: RawClient) -> None:
    def pattern() -> list[int]:
        from kraken_sdk.sandbox import ManualClock

        with Sandbox(seed=9, clock=ManualClock(1_790_000_000)) as sb:
            sb.inject("Time", "http_502", probability=0.5)
            with RawClient(sb.url) as client:
                return [client.get("Time").status_code for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert set(first) == {200, 502}


def test_rules_apply_to_their_method_only_and_clear(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.inject("Balance", "service_busy")
    raw.call("BalanceEx")
    assert raw.error("Balance") == "EService:Busy"
    sandbox.clear_faults()
    raw.call("Balance")


def test_unknown_kind_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="melt"):
        sandbox.inject("Time", "melt")
    with pytest.raises(ValueError, match="probability"):
        sandbox.inject("Time", "drop", probability=1.5)
