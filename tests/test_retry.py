"""Which failures are resent (with a fresh nonce), which raise, and which become
OrderOutcomeUnknown; waits are recorded by a fake sleep, never slept."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

import pytest
import requests
import responses
import urllib3
from kraken_wire import API, ASSET_PAIRS, ASSETS, KEY, SECRET, Wire, ok, rejected

from kraken_sdk import KrakenClient, OrderOutcomeUnknown
from kraken_sdk._core.retry import RetryPolicy, decide
from kraken_sdk.errors import (
    ConnectError,
    ConnectionLost,
    HTTPStatusError,
    InsufficientFundsError,
    InternalError,
    InvalidNonceError,
    KrakenError,
    LockoutError,
    RateLimitError,
    ReadTimeout,
    ServiceUnavailableError,
    ThrottledError,
    error_from_response,
)

BALANCE = ok({"ZUSD": "1.0000"})
ORDER = ok({"descr": {"order": "buy 0.01000000 XBTUSD @ limit 30000.0"}, "txid": ["OUF4EM"]})
HTML_502 = b"<!DOCTYPE html><html><title>api.kraken.com | 502: Bad gateway</title></html>"


def refused() -> requests.exceptions.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


def limit_order(client: KrakenClient, **extra: object) -> object:
    return client.trading.add_order(
        pair="BTC/USD", type="buy", ordertype="limit", volume="0.01", price="30000", **extra
    )


# --- the decision table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "read", "write"),
    [
        (ConnectError("refused"), True, True),
        (error_from_response("X", ["EAPI:Rate limit exceeded"]), True, True),
        (error_from_response("X", ["EService:Unavailable"]), True, True),
        (error_from_response("X", ["EService:Busy"]), True, True),
        (error_from_response("X", ["EService: Throttled: 1"]), True, True),
        (error_from_response("X", ["EAPI:Invalid nonce"]), True, True),
        (ReadTimeout("slow"), True, False),
        (ConnectionLost("reset"), True, False),
        (HTTPStatusError("502", status_code=502), True, False),
        (error_from_response("X", ["EGeneral:Internal error"]), True, False),
        (error_from_response("X", ["EService:Deadline elapsed"]), True, False),
        (error_from_response("X", ["EOrder:Insufficient funds"]), False, False),
        (error_from_response("X", ["EGeneral:Temporary lockout"]), False, False),
        (error_from_response("X", ["EService:Market in cancel_only mode"]), False, False),
        (error_from_response("X", ["EGeneral:Invalid arguments:volume"]), False, False),
    ],
)
def test_decision_table(error: KrakenError, read: bool, write: bool) -> None:
    assert decide(error, idempotent=True, nonce_retried=False).retry is read
    assert decide(error, idempotent=False, nonce_retried=False).retry is write


def test_an_invalid_nonce_is_resent_only_once() -> None:
    error = error_from_response("X", ["EAPI:Invalid nonce"])
    assert decide(error, idempotent=True, nonce_retried=True).retry is False


def test_waits_grow_exponentially_capped_and_rate_limits_wait_longer() -> None:
    policy = RetryPolicy(jitter=0)
    plain = [policy.wait(ReadTimeout("x"), n) for n in range(1, 7)]
    assert plain == [0.5, 1, 2, 4, 8, 8]
    limited = error_from_response("X", ["EAPI:Rate limit exceeded"])
    assert [policy.wait(limited, n) for n in (1, 2, 3)] == [2, 4, 8]
    assert policy.wait(error_from_response("X", ["EAPI:Invalid nonce"]), 1) == 0


def test_throttled_waits_until_the_time_kraken_named() -> None:
    policy = RetryPolicy(jitter=0)
    throttled = error_from_response("X", ["EService: Throttled: 1000000007"])
    assert policy.wait(throttled, 1, clock=lambda: 1000000000.0) == 7.0


def test_jitter_is_added_on_top() -> None:
    policy = RetryPolicy(jitter=0.5)
    assert policy.wait(ReadTimeout("x"), 1, rand=lambda: 1.0) == 1.0


# --- reads -------------------------------------------------------------------------------------


def test_a_read_is_retried_through_5xx_html_and_timeouts_with_fresh_nonces(
    kraken: responses.RequestsMock,
    client: KrakenClient,
    sleeps: list[float],
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    kraken.post(f"{API}/0/private/Balance", body=HTML_502, status=502)
    kraken.post(f"{API}/0/private/Balance", body=requests.exceptions.ReadTimeout("slow"))
    kraken.post(f"{API}/0/private/Balance", json=rejected("EAPI:Rate limit exceeded"))
    kraken.post(f"{API}/0/private/Balance", json=BALANCE)
    with caplog.at_level(logging.WARNING, logger="kraken_sdk"):
        assert client.account.balance() == {"ZUSD": 1}
    # The third failure was a rate limit: the limiter re-synced its counter to 15 + 1, so the
    # retry itself does not wait; the limiter waits until one call fits again (at 0.33/s).
    assert len(sleeps) == 4
    assert sleeps[2] == 0
    assert sleeps[3] == pytest.approx((16 - (15 - 0.033 - 1)) / 0.33, rel=0.01)
    nonces = [wire.nonce(call) for call in kraken.calls]
    assert nonces == sorted(set(nonces))
    for call in kraken.calls:
        wire.assert_signed(call, "/0/private/Balance")
    lines = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(lines) == 3
    assert "CloudflareError" in lines[0]
    assert "outcome unknown, but the call is a read" in lines[0]
    assert "RateLimitError" in lines[2]
    assert "not executed; safe to resend" in lines[2]


def test_retries_stop_after_max_retries_and_raise_the_last_failure(
    kraken: responses.RequestsMock, client: KrakenClient, sleeps: list[float]
) -> None:
    for _ in range(4):
        kraken.get(f"{API}/0/public/Time", body=b"oops", status=503)
    with pytest.raises(HTTPStatusError) as caught:
        client.market.time()
    assert caught.value.status_code == 503
    assert len(kraken.calls) == 4
    assert len(sleeps) == 3


def test_max_retries_zero_sends_exactly_once(
    kraken: responses.RequestsMock, sleeps: list[float]
) -> None:
    kraken.get(f"{API}/0/public/Time", body=b"oops", status=503)
    with KrakenClient(max_retries=0, sleep=sleeps.append) as client, pytest.raises(HTTPStatusError):
        client.market.time()
    assert sleeps == []


def test_permanent_errors_are_never_retried(
    kraken: responses.RequestsMock, client: KrakenClient, sleeps: list[float]
) -> None:
    kraken.post(f"{API}/0/private/Balance", json=rejected("EGeneral:Temporary lockout"))
    with pytest.raises(LockoutError, match="every attempt extends the lockout"):
        client.account.balance()
    assert sleeps == []


def test_throttled_far_in_the_future_is_raised_not_waited_for(
    kraken: responses.RequestsMock, client: KrakenClient, sleeps: list[float]
) -> None:
    kraken.post(
        f"{API}/0/private/Balance", json=rejected(f"EService: Throttled: {int(time.time()) + 3600}")
    )
    with pytest.raises(ThrottledError):
        client.account.balance()
    assert sleeps == []


def test_invalid_nonce_is_resent_once_with_a_fresh_nonce_then_raised(
    kraken: responses.RequestsMock, client: KrakenClient, sleeps: list[float], wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/Balance", json=rejected("EAPI:Invalid nonce"))
    kraken.post(f"{API}/0/private/Balance", json=BALANCE)
    kraken.post(f"{API}/0/private/Balance", json=rejected("EAPI:Invalid nonce"))
    kraken.post(f"{API}/0/private/Balance", json=rejected("EAPI:Invalid nonce"))
    assert client.account.balance() == {"ZUSD": 1}
    with pytest.raises(InvalidNonceError, match="another program"):
        client.account.balance()
    assert len(kraken.calls) == 4
    assert wire.nonce(kraken.calls[1]) > wire.nonce(kraken.calls[0])
    assert sleeps == [0, 0]


# --- orders and other writes -------------------------------------------------------------------
# These check the session's own rule, so reconciliation (tests/test_order_safety.py) is off.


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ReadTimeout("slow")},
        {"body": HTML_502, "status": 502},
        {"json": rejected("EGeneral:Internal error")},
        {"json": rejected("EService:Deadline elapsed")},
        {"body": b"", "status": 200},
    ],
)
def test_an_order_with_an_unknown_outcome_is_never_resent(
    kraken: responses.RequestsMock,
    client: KrakenClient,
    sleeps: list[float],
    wire: Wire,
    failure: dict[str, object],
) -> None:
    client.reconciler.policy = None
    kraken.post(f"{API}/0/private/AddOrder", **failure)  # type: ignore[arg-type]
    with pytest.raises(OrderOutcomeUnknown) as caught:
        limit_order(client)
    sent = wire.body(kraken.calls[0])
    assert len(kraken.calls) == 1
    assert sleeps == []
    assert caught.value.cl_ord_id == sent["cl_ord_id"]
    assert caught.value.request["pair"] == "XBTUSD"
    assert f"look it up by cl_ord_id {sent['cl_ord_id']}" in str(caught.value)
    assert isinstance(caught.value.__cause__, KrakenError)


def test_an_order_that_surely_did_not_execute_is_resent_with_the_same_cl_ord_id(
    kraken: responses.RequestsMock, client: KrakenClient, sleeps: list[float], wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", body=refused())
    kraken.post(f"{API}/0/private/AddOrder", body=HTML_502, status=521)  # Kraken not reached
    kraken.post(f"{API}/0/private/AddOrder", json=rejected("EOrder:Rate limit exceeded"))
    kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
    result = limit_order(client)
    assert result.txid == ["OUF4EM"]  # type: ignore[attr-defined]
    ids = {wire.body(call)["cl_ord_id"] for call in kraken.calls[1:]}
    assert len(ids) == 1  # one order, fixed before the first attempt
    assert len({wire.nonce(call) for call in kraken.calls[1:]}) == 3
    assert len(sleeps) == 4  # two backoffs; the engine refusal's wait is the limiter's
    assert sleeps[2] == 0
    assert sleeps[3] == pytest.approx(1.1, rel=0.01)  # pair counter at 60, room for +1


def test_a_caller_cl_ord_id_is_kept_and_reported(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    client.reconciler.policy = None
    kraken.post(f"{API}/0/private/AddOrder", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(OrderOutcomeUnknown) as caught:
        limit_order(client, cl_ord_id="arb-20240509-00010")
    assert caught.value.cl_ord_id == "arb-20240509-00010"


def test_an_order_with_userref_gets_no_generated_cl_ord_id(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    client.reconciler.policy = None
    kraken.post(f"{API}/0/private/AddOrder", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(OrderOutcomeUnknown) as caught:
        limit_order(client, userref=42)
    assert "cl_ord_id" not in wire.body(kraken.calls[0])
    assert (caught.value.cl_ord_id, caught.value.userref) == (None, 42)
    assert "look it up by userref 42" in str(caught.value)


def test_a_batch_with_an_unknown_outcome_reports_every_cl_ord_id(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    client.reconciler.policy = None
    kraken.post(f"{API}/0/private/AddOrderBatch", body=requests.exceptions.ReadTimeout("slow"))
    orders = [
        {"ordertype": "limit", "type": "buy", "volume": "0.01", "price": "30000"},
        {"ordertype": "limit", "type": "sell", "volume": "0.01", "price": "31000"},
    ]
    with pytest.raises(OrderOutcomeUnknown) as caught:
        client.trading.add_order_batch(pair="BTC/USD", orders=orders)
    sent = [order["cl_ord_id"] for order in wire.body(kraken.calls[0])["orders"]]
    assert caught.value.cl_ord_ids == tuple(sent)
    assert len(set(sent)) == 2


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("amend_order", "AmendOrder", {"cl_ord_id": "my-order", "limit_price": "30000.1"}),
        ("edit_order", "EditOrder", {"txid": "OHYO67-6LP66-HMQ437", "pair": "BTC/USD"}),
    ],
)
def test_amend_and_edit_with_an_unknown_outcome_raise_outcome_unknown(
    kraken: responses.RequestsMock,
    client: KrakenClient,
    method: str,
    path: str,
    kwargs: dict[str, str],
) -> None:
    client.reconciler.policy = None
    kraken.post(f"{API}/0/private/{path}", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(OrderOutcomeUnknown) as caught:
        getattr(client.trading, method)(**kwargs)
    assert len(kraken.calls) == 1
    assert caught.value.cl_ord_id == kwargs.get("cl_ord_id")
    assert caught.value.txid == kwargs.get("txid")


def test_a_withdrawal_with_an_unknown_outcome_is_never_resent(
    kraken: responses.RequestsMock, sleeps: list[float]
) -> None:
    kraken.post(f"{API}/0/private/Withdraw", body=HTML_502, status=502)
    client = KrakenClient(KEY, SECRET, allow_withdrawals=True, sleep=sleeps.append)
    with client, pytest.raises(OrderOutcomeUnknown) as caught:
        client.funding.withdraw(asset="XBT", key="cold-wallet", amount="0.5")
    assert len(kraken.calls) == 1
    assert caught.value.request == {"asset": "XBT", "key": "cold-wallet", "amount": Decimal("0.5")}


def test_other_writes_raise_the_ambiguous_failure_itself(
    kraken: responses.RequestsMock, client: KrakenClient, sleeps: list[float]
) -> None:
    kraken.post(f"{API}/0/private/CancelAll", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(ReadTimeout) as caught:
        client.trading.cancel_all()
    assert caught.value.surely_not_executed is False
    assert sleeps == []


def test_rejections_of_orders_are_raised_as_they_are(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=rejected("EOrder:Insufficient funds"))
    with pytest.raises(InsufficientFundsError) as caught:
        limit_order(client)
    assert caught.value.surely_not_executed is True


def test_exhausted_retries_on_an_order_raise_the_refusal_not_outcome_unknown(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    for _ in range(4):
        kraken.post(f"{API}/0/private/AddOrder", json=rejected("EAPI:Rate limit exceeded"))
    with pytest.raises(RateLimitError) as caught:
        limit_order(client)
    assert caught.value.surely_not_executed is True


# --- nothing secret in logs or errors ----------------------------------------------------------


def test_retries_log_no_secrets(
    kraken: responses.RequestsMock, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", body=HTML_502, status=521)
    kraken.post(f"{API}/0/private/AddOrder", body=requests.exceptions.ReadTimeout("slow"))
    client = KrakenClient(KEY, SECRET, sleep=sleeps.append, reconcile=None)
    client.symbols.load(ASSET_PAIRS, ASSETS)
    with caplog.at_level(logging.DEBUG), client, pytest.raises(OrderOutcomeUnknown) as caught:
        limit_order(client, otp="424242")
    signatures = [call.request.headers["API-Sign"] for call in kraken.calls]
    texts = [caplog.text, str(caught.value), repr(caught.value), str(caught.value.__cause__)]
    for secret in (SECRET, SECRET[:16], KEY, "424242", *signatures):
        for text in texts:
            assert secret not in text
    assert "CloudflareError" in caplog.text
    assert isinstance(caught.value.__cause__, ReadTimeout)
    assert not isinstance(caught.value.__cause__, ServiceUnavailableError)
    assert isinstance(error_from_response("X", ["EGeneral:Internal error"]), InternalError)
