"""Orders are never duplicated or lost: reconciliation after ambiguous failures, and the dead
man's switch. Unit tests script Kraken with `responses`; e2e tests inject faults in the sandbox
and count what landed on the exchange."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from kraken_wire import API, ASSET_PAIRS, ASSETS, KEY, SECRET, Wire, ok, rejected

from kraken_sdk import KrakenClient, OrderOutcomeUnknown
from kraken_sdk._core.endpoints import ENDPOINTS
from kraken_sdk._core.retry import decide
from kraken_sdk._core.session import Call
from kraken_sdk.deadman import DeadMansSwitch
from kraken_sdk.errors import (
    HTTPStatusError,
    PermissionDeniedError,
    ReadTimeout,
    ServiceUnavailableError,
    UnknownOrderError,
    ValidationError,
    error_from_response,
)
from kraken_sdk.reconcile import RECONCILED, STRATEGIES, ReconcilePolicy, ambiguous, caller_ids
from kraken_sdk.sandbox import ManualClock, Sandbox

ADD = f"{API}/0/private/AddOrder"
OPEN = f"{API}/0/private/OpenOrders"
CLOSED = f"{API}/0/private/ClosedOrders"
QUERY = f"{API}/0/private/QueryOrders"
TIME = f"{API}/0/public/Time"
LIMIT_TEXT = "buy 0.01000000 XBTUSD @ limit 30000.0"
TIMEOUT = requests.exceptions.ReadTimeout("slow")


@pytest.fixture
def k(sleeps: list[float]) -> Iterator[KrakenClient]:
    """A signed client without rate-limit waits, so `sleeps` holds only reconciliation waits."""
    with KrakenClient(KEY, SECRET, sleep=sleeps.append, trust_env=False, tier="unlimited") as c:
        c.symbols.load(ASSET_PAIRS, ASSETS)
        yield c


def order(
    *,
    cl_ord_id: str | None = None,
    status: str = "open",
    opentm: float | None = None,
    text: str = LIMIT_TEXT,
    userref: int | None = None,
    ordertype: str = "limit",
    price: str = "30000.0",
    vol: str = "0.01000000",
    refid: str | None = None,
) -> dict[str, Any]:
    """One order as OpenOrders/ClosedOrders/QueryOrders list it (opened now by default)."""
    opentm = time.time() if opentm is None else opentm
    body: dict[str, Any] = {
        "refid": refid,
        "userref": userref,
        "status": status,
        "opentm": opentm,
        "starttm": 0,
        "expiretm": 0,
        "descr": {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": ordertype,
            "price": price,
            "price2": "0",
            "leverage": "none",
            "order": text,
            "close": "",
        },
        "vol": vol,
        "vol_exec": "0.00000000",
        "cost": "0.00000",
        "fee": "0.00000",
        "price": "0.00000",
        "misc": "",
        "oflags": "fciq",
    }
    if cl_ord_id is not None:
        body["cl_ord_id"] = cl_ord_id
    if status != "open":
        body["closetm"] = opentm + 1
    return body


def open_orders(**orders: dict[str, Any]) -> dict[str, Any]:
    return ok({"open": orders})


def closed_orders(**orders: dict[str, Any]) -> dict[str, Any]:
    return ok({"closed": orders})


def server_time(at: float) -> dict[str, Any]:
    return ok({"unixtime": int(at), "rfc1123": "Sun, 01 Jan 2026 00:00:00 +0000"})


def limit_order(client: KrakenClient, **extra: Any) -> Any:
    return client.trading.add_order(
        pair="BTC/USD", type="buy", ordertype="limit", volume="0.01", price="30000", **extra
    )


def sent(kraken: responses.RequestsMock, wire: Wire, index: int) -> dict[str, Any]:
    return wire.body(kraken.calls[index])


def nothing_listed(kraken: responses.RequestsMock, rounds: int = 2) -> None:
    """Lookup rounds that find nothing: OpenOrders, then ClosedOrders."""
    for _ in range(rounds):
        kraken.post(OPEN, json=open_orders())
        kraken.post(CLOSED, json=closed_orders())


# --- what counts as ambiguous ------------------------------------------------------------------


def test_eservice_unavailable_on_an_order_write_is_ambiguous_not_blindly_resent() -> None:
    busy = error_from_response("AddOrder", ["EService:Busy"])
    assert decide(busy, idempotent=False, nonce_retried=False, method="AddOrder").retry is False
    assert decide(busy, idempotent=False, nonce_retried=False, method="CancelAll").retry is True
    assert ambiguous("AddOrder", busy)
    assert not ambiguous("CancelOrder", busy)
    assert ambiguous("CancelOrder", ReadTimeout("slow"))
    assert not ambiguous("AddOrder", error_from_response("AddOrder", ["EOrder:Insufficient funds"]))


def test_caller_ids_are_told_apart_from_generated_ones() -> None:
    assert caller_ids("AddOrder", {"cl_ord_id": "mine"}) == {"mine"}
    assert caller_ids("AddOrder", {"userref": 3}) == frozenset()
    batch = {"orders": [{"cl_ord_id": "a"}, {"volume": "1"}]}
    assert caller_ids("AddOrderBatch", batch) == {"a"}


def test_the_policy_refuses_settings_that_could_never_confirm_absence() -> None:
    with pytest.raises(ValueError, match="confirmations"):
        ReconcilePolicy(lookups=1, confirmations=2)
    with pytest.raises(ValueError, match="negative"):
        ReconcilePolicy(spacing=-1)


def test_every_endpoint_settled_by_reconciliation_has_a_strategy() -> None:
    reconciled = {e.name for e in ENDPOINTS.values() if e.settle == "reconcile"}
    assert reconciled == set(STRATEGIES) == set(RECONCILED)
    assert {"AddOrder", "AddOrderBatch", "EditOrder", "AmendOrder", "CancelOrder"} <= reconciled


def test_the_session_raises_the_ambiguous_failure_itself_and_only_the_reconciler_names_it(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    add = Call.from_endpoint(ENDPOINTS["AddOrder"])
    fields = {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "1"}
    with pytest.raises(ReadTimeout) as caught:
        k.reconciler.session.call(add, {**fields, "cl_ord_id": "s-1"})
    assert not isinstance(caught.value, OrderOutcomeUnknown)
    k.reconciler.policy = None
    kraken.post(ADD, body=TIMEOUT)
    with pytest.raises(OrderOutcomeUnknown) as unknown:
        k.reconciler.send(add, {**fields, "cl_ord_id": "s-2"})
    assert unknown.value.cl_ord_id == "s-2"
    assert isinstance(unknown.value.__cause__, ReadTimeout)
    assert "reconciliation is off" in str(unknown.value)


# --- AddOrder, unit level ----------------------------------------------------------------------


def lists_the_asked_id(
    kraken: responses.RequestsMock, url: str, status: str = "open", txid: str = "OUF4EM"
) -> None:
    """OpenOrders/ClosedOrders answering with an order carrying the cl_ord_id asked for."""
    key = "open" if url == OPEN else "closed"

    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        asked = dict(parse_qsl(body))["cl_ord_id"]
        return 200, {}, json.dumps(ok({key: {txid: order(cl_ord_id=asked, status=status)}}))

    kraken.add_callback(responses.POST, url, callback=callback)


def test_found_open_returns_what_a_success_returns(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire, sleeps: list[float]
) -> None:
    """SDK ids are uuid4: no Time call and no time bound, just one OpenOrders request."""
    kraken.post(ADD, body=TIMEOUT)
    lists_the_asked_id(kraken, OPEN)
    result = limit_order(k)
    assert result.txid == ["OUF4EM"]
    assert result.descr.order == LIMIT_TEXT
    assert sent(kraken, wire, 1) == {"cl_ord_id": sent(kraken, wire, 0)["cl_ord_id"]}
    assert len(kraken.calls) == 2
    assert sleeps == []
    assert k.reconciler.stats.snapshot() == {
        "ambiguous": 1,
        "found": 1,
        "resent": 0,
        "unknown": 0,
        "lookups": 1,
    }


def test_found_closed_a_market_order_is_asked_for_in_closed_orders_first(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire
) -> None:
    kraken.post(ADD, body=requests.exceptions.ConnectionError("reset by peer"))
    lists_the_asked_id(kraken, CLOSED, status="closed", txid="OFILLED")
    result = k.trading.add_order(pair="BTC/USD", type="buy", ordertype="market", volume="0.01")
    assert result.txid == ["OFILLED"]
    closed = sent(kraken, wire, 1)
    assert closed == {"cl_ord_id": sent(kraken, wire, 0)["cl_ord_id"], "without_count": "true"}


def test_found_closed_after_open_orders_missed_it(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=b"<html>502 Bad Gateway</html>", status=502)
    kraken.post(OPEN, json=open_orders())
    lists_the_asked_id(kraken, CLOSED, status="closed", txid="OFILLED")
    assert limit_order(k).txid == ["OFILLED"]


def test_an_order_without_our_id_is_never_claimed(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=b"<html>502 Bad Gateway</html>", status=502)
    kraken.post(OPEN, json=open_orders(OTHER=order(cl_ord_id="someone-else")))
    kraken.post(CLOSED, json=closed_orders(OLDER=order(status="closed")))
    kraken.post(OPEN, json=open_orders())
    kraken.post(CLOSED, json=closed_orders())
    kraken.post(ADD, json=ok({"descr": {"order": LIMIT_TEXT}, "txid": ["ORESENT"]}))
    assert limit_order(k).txid == ["ORESENT"]


def test_surely_absent_is_resent_once_with_the_same_cl_ord_id(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire, sleeps: list[float]
) -> None:
    kraken.post(ADD, body=b"<!DOCTYPE html><title>520</title>", status=520)
    nothing_listed(kraken)
    kraken.post(ADD, json=ok({"descr": {"order": LIMIT_TEXT}, "txid": ["OUF4EM"]}))
    result = limit_order(k)
    assert result.txid == ["OUF4EM"]
    first, resend = sent(kraken, wire, 0), sent(kraken, wire, 5)
    assert first == resend
    assert wire.nonce(kraken.calls[5]) > wire.nonce(kraken.calls[0])
    assert sleeps == [1.0]  # the confirmation round waits for lagging order lists
    stats = k.reconciler.stats.snapshot()
    assert (stats["resent"], stats["found"], stats["lookups"]) == (1, 0, 4)


def test_a_duplicate_refusal_means_it_landed_and_it_is_looked_up_again(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    nothing_listed(kraken)
    kraken.post(ADD, json=rejected("EOrder:Duplicate order"))
    lists_the_asked_id(kraken, OPEN, txid="OLATE")
    assert limit_order(k).txid == ["OLATE"]
    assert [c.request.url for c in kraken.calls].count(ADD) == 2


def test_a_duplicate_refusal_with_nothing_listed_stays_unknown(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    nothing_listed(kraken)
    kraken.post(ADD, json=rejected("EOrder:Duplicate order"))
    nothing_listed(kraken)
    with pytest.raises(OrderOutcomeUnknown, match="refused the resend") as caught:
        limit_order(k)
    assert caught.value.cl_ord_id == sent(kraken, wire, 0)["cl_ord_id"]
    assert [c.request.url for c in kraken.calls].count(ADD) == 2


def test_lookups_failing_raise_outcome_unknown_with_the_cl_ord_id(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire, sleeps: list[float]
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    for _ in range(3):
        kraken.post(OPEN, json=rejected("EGeneral:Permission denied"))
    with pytest.raises(OrderOutcomeUnknown) as caught:
        limit_order(k)
    cl_ord_id = sent(kraken, wire, 0)["cl_ord_id"]
    assert caught.value.cl_ord_id == cl_ord_id
    assert f"look it up by cl_ord_id {cl_ord_id}" in str(caught.value)
    assert "ReadTimeout" in str(caught.value)
    assert isinstance(caught.value.__cause__, PermissionDeniedError)
    assert sleeps == [1.0, 1.0]
    assert k.reconciler.stats.unknown == 1


def test_eservice_unavailable_on_add_order_is_looked_up_before_any_resend(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, json=rejected("EService:Unavailable"))
    lists_the_asked_id(kraken, OPEN)
    assert limit_order(k).txid == ["OUF4EM"]
    assert len(kraken.calls) == 2


def test_with_reconciliation_off_eservice_on_an_order_raises_outcome_unknown(
    kraken: responses.RequestsMock, sleeps: list[float]
) -> None:
    kraken.post(ADD, json=rejected("EService:Busy"))
    with KrakenClient(KEY, SECRET, sleep=sleeps.append, tier="unlimited", reconcile=None) as c:
        c.symbols.load(ASSET_PAIRS, ASSETS)
        with pytest.raises(OrderOutcomeUnknown) as caught:
            limit_order(c, cl_ord_id="off-1")
    assert caught.value.cl_ord_id == "off-1"
    assert isinstance(caught.value.__cause__, ServiceUnavailableError)


def test_validate_places_nothing_so_it_is_simply_resent(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    kraken.post(ADD, json=ok({"descr": {"order": LIMIT_TEXT}}))
    assert limit_order(k, validate=True).descr.order == LIMIT_TEXT
    assert len(kraken.calls) == 2


def test_an_order_with_a_deadline_is_absent_only_once_the_deadline_passed(
    kraken: responses.RequestsMock, k: KrakenClient, sleeps: list[float]
) -> None:
    """After its deadline the engine rejects it: a lookup after that is final."""
    now = time.time()
    deadline = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 30))
    kraken.post(ADD, body=TIMEOUT)
    nothing_listed(kraken)
    kraken.get(TIME, json=server_time(now))
    lists_the_asked_id(kraken, OPEN, txid="OLATE")  # it arrived late, before its deadline
    assert limit_order(k, deadline=deadline).txid == ["OLATE"]
    assert sleeps[0] == 1.0
    assert 29 < sleeps[1] < 33  # until the deadline (Kraken's clock) plus one spacing


def test_the_raw_request_path_gets_the_raw_result(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    lists_the_asked_id(kraken, OPEN)
    params = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    result = k.request("AddOrder", {**params, "price": "30000"})
    assert result == {"descr": {"order": LIMIT_TEXT}, "txid": ["OUF4EM"]}


# --- caller ids and userref: only orders opened since the call began, by Kraken's clock ------


def test_a_reused_caller_id_ignores_older_orders_by_krakens_clock(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire
) -> None:
    skew = 3600.0  # Kraken's clock an hour ahead of ours: a local bound would hide the order
    kraken.post(ADD, body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time() + skew))
    old = order(cl_ord_id="grid-5", status="closed", opentm=time.time() + skew - 600)
    kraken.post(OPEN, json=open_orders())
    kraken.post(CLOSED, json=closed_orders(OOLD=old))
    mine = order(cl_ord_id="grid-5", status="closed", opentm=time.time() + skew)
    kraken.post(OPEN, json=open_orders())
    kraken.post(CLOSED, json=closed_orders(OMINE=mine, OOLD=old))
    assert limit_order(k, cl_ord_id="grid-5").txid == ["OMINE"]
    start = int(sent(kraken, wire, 3)["start"])
    assert abs(start - (time.time() + skew - 5)) < 3


def test_userref_claims_the_one_matching_order(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time()))
    other = order(userref=42, opentm=time.time(), vol="0.02000000")  # another volume: not ours
    kraken.post(OPEN, json=open_orders(OOTHER=other))
    kraken.post(CLOSED, json=closed_orders(OMINE=order(userref=42, status="closed")))
    assert limit_order(k, userref=42).txid == ["OMINE"]


def test_userref_absent_is_never_resent(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time()))
    nothing_listed(kraken)
    with pytest.raises(OrderOutcomeUnknown, match="without a cl_ord_id") as caught:
        limit_order(k, userref=42)
    assert caught.value.userref == 42
    assert [c.request.url for c in kraken.calls].count(ADD) == 1


def test_userref_with_two_candidates_is_not_guessed(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time()))
    kraken.post(OPEN, json=open_orders(OA=order(userref=42), OB=order(userref=42)))
    kraken.post(CLOSED, json=closed_orders())
    with pytest.raises(OrderOutcomeUnknown, match="2 orders"):
        limit_order(k, userref=42)


# --- batch, edit, amend, cancel, unit level ------------------------------------------------------


BATCH = [
    {"ordertype": "limit", "type": "buy", "volume": "0.01", "price": "30000", "cl_ord_id": "b-1"},
    {"ordertype": "limit", "type": "sell", "volume": "0.01", "price": "31000", "cl_ord_id": "b-2"},
]


def test_a_batch_found_in_parts_returns_entries_in_request_order(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/AddOrderBatch", body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time()))
    sell = order(cl_ord_id="b-2", text="sell 0.01000000 XBTUSD @ limit 31000.0")
    kraken.post(OPEN, json=open_orders(OSELL=sell))
    buy = order(cl_ord_id="b-1", status="closed")
    kraken.post(CLOSED, json=closed_orders(OBUY=buy))
    result = k.trading.add_order_batch(pair="BTC/USD", orders=BATCH)
    assert [(entry.txid, entry.descr.order) for entry in result.orders] == [
        ("OBUY", LIMIT_TEXT),
        ("OSELL", "sell 0.01000000 XBTUSD @ limit 31000.0"),
    ]


def test_a_batch_partly_listed_was_processed_and_the_rest_refused(
    kraken: responses.RequestsMock, k: KrakenClient, sleeps: list[float]
) -> None:
    kraken.post(f"{API}/0/private/AddOrderBatch", body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time()))
    for _ in range(3):
        kraken.post(OPEN, json=open_orders(OBUY=order(cl_ord_id="b-1")))
        kraken.post(CLOSED, json=closed_orders())
    result = k.trading.add_order_batch(pair="BTC/USD", orders=BATCH)
    assert result.orders[0].txid == "OBUY"
    assert "not placed" in result.orders[1].error
    assert sleeps == [1.0, 1.0]


def test_a_batch_without_ids_everywhere_is_not_guessed(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/AddOrderBatch", body=TIMEOUT)
    orders = [BATCH[0], {"ordertype": "market", "type": "sell", "volume": "0.01", "userref": 9}]
    with pytest.raises(OrderOutcomeUnknown, match="no cl_ord_id") as caught:
        k.trading.add_order_batch(pair="BTC/USD", orders=orders)
    assert caught.value.cl_ord_ids == ("b-1",)


def test_an_edit_that_happened_returns_the_replacement(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/EditOrder", body=TIMEOUT)
    kraken.post(QUERY, json=ok({"OOLD": order(status="canceled", opentm=time.time() - 60)}))
    kraken.get(TIME, json=server_time(time.time()))
    new = order(price="29000.0", text="buy 0.01000000 XBTUSD @ limit 29000.0")
    kraken.post(OPEN, json=open_orders(ONEW=new, OELSE=order(price="1.0")))
    kraken.post(CLOSED, json=closed_orders())
    result = k.trading.edit_order(txid="OOLD", pair="BTC/USD", price="29000")
    assert (result.status, result.txid, result.originaltxid) == ("ok", "ONEW", "OOLD")
    assert result.descr.order == "buy 0.01000000 XBTUSD @ limit 29000.0"
    assert result.orders_cancelled == 1


def test_an_edit_that_did_not_happen_is_resent(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/EditOrder", body=TIMEOUT)
    kraken.post(QUERY, json=ok({"OOLD": order()}))
    kraken.post(QUERY, json=ok({"OOLD": order()}))
    kraken.post(f"{API}/0/private/EditOrder", json=ok({"status": "ok", "txid": "ONEW"}))
    assert k.trading.edit_order(txid="OOLD", pair="BTC/USD", price="29000").txid == "ONEW"


def amend(amend_id: str, kind: str, at: float, price: str) -> dict[str, Any]:
    return {
        "amend_id": amend_id,
        "amend_type": kind,
        "order_qty": "0.01000000",
        "remaining_qty": "0.01000000",
        "limit_price": price,
        "timestamp": int(at * 1e9),
    }


def test_an_amend_that_happened_is_found_in_order_amends(
    kraken: responses.RequestsMock, k: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AmendOrder", body=TIMEOUT)
    kraken.get(TIME, json=server_time(time.time()))
    history = [
        amend("TORIG", "original", time.time() - 90, "30000.0"),
        amend("TOLDER", "user", time.time() - 60, "30000.1"),  # an earlier amendment
        amend("TMINE", "user", time.time(), "30000.1"),
    ]
    kraken.post(f"{API}/0/private/OrderAmends", json=ok({"amends": history, "count": 3}))
    result = k.trading.amend_order(txid="OUF4EM", limit_price="30000.1")
    assert result.amend_id == "TMINE"
    assert sent(kraken, wire, 2) == {"order_id": "OUF4EM"}


def test_an_amend_by_cl_ord_id_that_did_not_happen_is_resent(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/AmendOrder", body=TIMEOUT)
    kraken.post(OPEN, json=open_orders(OUF4EM=order(cl_ord_id="am-1")))
    kraken.get(TIME, json=server_time(time.time()))
    only_original = ok({"amends": [amend("TORIG", "original", time.time() - 9, "3")], "count": 1})
    kraken.post(f"{API}/0/private/OrderAmends", json=only_original)
    kraken.post(f"{API}/0/private/OrderAmends", json=only_original)
    kraken.post(f"{API}/0/private/AmendOrder", json=ok({"amend_id": "TNEW"}))
    assert k.trading.amend_order(cl_ord_id="am-1", limit_price="30000.1").amend_id == "TNEW"


def test_absent_after_every_resend_failed_raises_the_failure_marked_not_placed(
    kraken: responses.RequestsMock, k: KrakenClient, sleeps: list[float]
) -> None:
    kraken.post(ADD, body=TIMEOUT)
    for _ in range(3):  # each resend only after two clean "not there" rounds; each fails
        nothing_listed(kraken)
        kraken.post(ADD, body=b"", status=503)
    nothing_listed(kraken)
    with pytest.raises(HTTPStatusError) as caught:
        limit_order(k)
    assert caught.value.surely_not_executed is True
    assert "not placed" in caught.value.__notes__[0]
    assert [c.request.url for c in kraken.calls].count(ADD) == 4
    assert k.reconciler.stats.resent == 3


def test_a_cancel_that_meets_unknown_order_after_an_ambiguous_try_is_done(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/CancelOrder", body=TIMEOUT)
    kraken.post(f"{API}/0/private/CancelOrder", json=rejected("EOrder:Unknown order"))
    kraken.post(QUERY, json=ok({"OUF4EM": order(status="canceled")}))
    assert k.trading.cancel_order(txid="OUF4EM").count == 1


def test_a_cancel_of_an_order_that_filled_first_raises_what_kraken_said(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/CancelOrder", body=TIMEOUT)
    kraken.post(f"{API}/0/private/CancelOrder", json=rejected("EOrder:Invalid order"))
    kraken.post(QUERY, json=ok({"OUF4EM": order(status="closed")}))
    with pytest.raises(UnknownOrderError):
        k.trading.cancel_order(txid="OUF4EM")


def test_a_cancel_resent_after_a_dropped_connection_returns_its_answer(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/CancelOrder", body=b"", status=502)
    kraken.post(f"{API}/0/private/CancelOrder", json=ok({"count": 1}))
    assert k.trading.cancel_order(cl_ord_id="c-1").count == 1


def test_a_cancel_that_never_gets_an_answer_raises_outcome_unknown(
    kraken: responses.RequestsMock, k: KrakenClient
) -> None:
    for _ in range(3):
        kraken.post(f"{API}/0/private/CancelOrder", body=TIMEOUT)
    with pytest.raises(OrderOutcomeUnknown) as caught:
        k.trading.cancel_order(txid="OUF4EM")
    assert caught.value.txid == "OUF4EM"


# --- end to end on the sandbox -------------------------------------------------------------------

START = 1_790_000_000.0


def place(client: KrakenClient, index: int) -> Any:
    """Alternating market buys, market sells and resting limit buys far below the market."""
    if index % 3 == 2:
        return client.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="limit", volume="0.001", price="1000"
        )
    side: Literal["buy", "sell"] = "buy" if index % 3 == 0 else "sell"
    return client.trading.add_order(pair="BTC/USD", type=side, ordertype="market", volume="0.001")


@pytest.mark.e2e
def test_sixty_orders_through_25_percent_ambiguous_failures_land_exactly_once() -> None:
    with Sandbox(seed=7, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client(timeout=0.3)
        client.symbols.pair("BTC/USD")
        kinds = ["drop_after_commit", "error_after_commit", "timeout"]
        sb.inject_mix("AddOrder", kinds, 0.25, delay=0.6)
        txids = [place(client, i).txid for i in range(60)]
        sb.clear_faults()
        orders = sb.orders()
        faults = [r.fault for r in sb.requests() if r.method == "AddOrder" and r.fault]
    assert all(len(ids) == 1 for ids in txids)
    assert sorted(t[0] for t in txids) == sorted(o.txid for o in orders)  # none lost
    assert len(orders) == 60  # none duplicated
    assert len({o.cl_ord_id for o in orders}) == 60
    assert set(faults) == {"drop_after_commit", "error_after_commit", "timeout"}
    stats = client.reconciler.stats.snapshot()
    assert stats["ambiguous"] == len(faults) == stats["found"]
    assert (stats["resent"], stats["unknown"]) == (0, 0)
    assert stats["lookups"] == len(faults)  # one lookup each: closed first for market orders


@pytest.mark.e2e
def test_failures_before_commit_are_resent_once_each_and_still_land_once() -> None:
    with Sandbox(seed=3, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client(sleep=lambda seconds: None)
        client.symbols.pair("BTC/USD")
        kinds = ["http_502", "html_520", "service_unavailable", "drop_after_commit"]
        sb.inject_mix("AddOrder", kinds, 0.3, delay=0.0)
        txids = [place(client, i).txid[0] for i in range(30)]
        sb.clear_faults()
        orders = sb.orders()
        adds = [r for r in sb.requests() if r.method == "AddOrder"]
    assert sorted(txids) == sorted(o.txid for o in orders)
    assert len(orders) == len({o.cl_ord_id for o in orders}) == 30
    stats = client.reconciler.stats.snapshot()
    before_commit = [r for r in adds if r.fault and r.fault != "drop_after_commit"]
    assert stats["resent"] == len(before_commit) > 0
    assert len(adds) == 30 + stats["resent"]


@pytest.mark.e2e
def test_when_lookups_fail_outcome_unknown_carries_the_id_and_nothing_is_resent() -> None:
    with Sandbox(seed=5, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client(sleep=lambda seconds: None, max_retries=1)
        client.symbols.pair("BTC/USD")
        sb.inject("AddOrder", "drop_after_commit", times=1)
        sb.inject("OpenOrders", "http_502")
        sb.inject("ClosedOrders", "service_busy")
        with pytest.raises(OrderOutcomeUnknown) as caught:
            place(client, 2)
        (landed,) = sb.orders()
        adds = [r for r in sb.requests() if r.method == "AddOrder"]
    assert caught.value.cl_ord_id == landed.cl_ord_id
    assert len(adds) == 1


@pytest.mark.e2e
def test_a_reused_caller_id_finds_the_new_order_not_the_old_one() -> None:
    with Sandbox(seed=5, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client()
        market = {"pair": "BTC/USD", "type": "buy", "ordertype": "market", "volume": "0.001"}
        old = client.trading.add_order(cl_ord_id="reused", **market).txid
        sb.advance(60)
        sb.inject("AddOrder", "drop_after_commit", times=1)
        new = client.trading.add_order(cl_ord_id="reused", **market).txid
        orders = sb.orders()
    assert new != old
    assert [o.txid for o in orders] == old + new


@pytest.mark.e2e
def test_batch_edit_amend_and_cancel_settle_on_the_sandbox() -> None:
    with Sandbox(seed=9, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client(timeout=0.3)
        sb.inject("AddOrderBatch", "error_after_commit", times=1)
        orders = [
            {"ordertype": "limit", "type": "buy", "volume": "0.001", "price": "1000"},
            {"ordertype": "market", "type": "buy", "volume": "0.001"},
        ]
        batch = client.trading.add_order_batch(pair="BTC/USD", orders=orders)
        resting, filled = (entry.txid for entry in batch.orders)
        by_id = {o.txid: o for o in sb.orders()}
        assert (by_id[resting].status, by_id[filled].status) == ("open", "closed")
        assert len(by_id) == 2

        sb.inject("EditOrder", "drop_after_commit", times=1)
        edit = client.trading.edit_order(txid=resting, pair="BTC/USD", price="1100")
        by_id = {o.txid: o for o in sb.orders()}
        assert edit.originaltxid == resting
        assert by_id[resting].status == "canceled"
        assert (by_id[edit.txid].status, by_id[edit.txid].price) == ("open", Decimal("1100"))

        sb.inject("AmendOrder", "timeout", times=1, delay=0.6)
        amended = client.trading.amend_order(txid=edit.txid, limit_price="1200")
        amends = client.account.order_amends(order_id=edit.txid).amends
        assert amended.amend_id == amends[-1].amend_id
        assert [a.amend_type for a in amends] == ["original", "user"]  # amended once

        sb.inject("CancelOrder", "drop_after_commit", times=1)
        assert client.trading.cancel_order(txid=edit.txid).count == 1
        assert {o.txid: o for o in sb.orders()}[edit.txid].status == "canceled"
        assert len(sb.orders()) == 3
        assert client.reconciler.stats.unknown == 0


# --- the dead man's switch ---------------------------------------------------------------------


def dead_man_calls(sb: Sandbox) -> list[str]:
    calls = [r for r in sb.requests() if r.method == "CancelAllOrdersAfter"]
    return [str(r.params["timeout"]) for r in calls if "timeout" in r.params]


def wait_for(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_switch_checks_its_settings(k: KrakenClient) -> None:
    with pytest.raises(ValidationError, match="refresh_every"):
        DeadMansSwitch(k, timeout=60, refresh_every=60)
    with pytest.raises(ValidationError, match="timeout"):
        DeadMansSwitch(k, timeout=0)
    assert DeadMansSwitch(k, timeout=60).refresh_every == 20


@pytest.mark.e2e
def test_the_switch_arms_refreshes_and_disarms() -> None:
    with Sandbox(seed=2, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client()
        limit = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit", "volume": "0.001"}
        (txid,) = client.trading.add_order(price="1000", **limit).txid
        with client.dead_mans_switch(timeout=60, refresh_every=0.05) as switch:
            assert switch.armed
            sb.advance(50)
            seen = switch.refreshes
            wait_for(lambda: switch.refreshes > seen)  # re-armed at +50: fires at +110
            sb.advance(50)
            assert {o.txid: o.status for o in sb.orders()}[txid] == "open"
        assert not switch.armed
        sb.advance(1000)
        assert {o.txid: o.status for o in sb.orders()}[txid] == "open"
        calls = dead_man_calls(sb)
    assert calls[0] == "60"
    assert calls[-1] == "0"
    assert len(calls) >= 3


@pytest.mark.e2e
def test_without_refreshes_the_switch_cancels_every_order() -> None:
    with Sandbox(seed=2, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client()
        limit = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit", "volume": "0.001"}
        (txid,) = client.trading.add_order(price="1000", **limit).txid
        with client.dead_mans_switch(timeout=60, refresh_every=50):  # no refresh within the test
            sb.advance(61)
            (gone,) = sb.orders()
        assert (gone.txid, gone.status, gone.reason) == (txid, "canceled", "Dead man's switch")


@pytest.mark.e2e
def test_the_switch_retries_failed_refreshes_and_stays_armed_after_an_exception() -> None:
    with Sandbox(seed=2, tier="unlimited", clock=ManualClock(START)) as sb:
        client = sb.client(max_retries=0)
        switch = DeadMansSwitch(client, timeout=60, refresh_every=0.05, retry_every=0.01)

        def bot() -> None:
            with switch:
                sb.inject("CancelAllOrdersAfter", "drop", times=2)
                wait_for(lambda: switch.refreshes >= 1)
                raise RuntimeError("bot crashed")

        with pytest.raises(RuntimeError, match="bot crashed"):
            bot()
        assert switch.failures == 2
        assert switch.armed  # the crashed bot's orders will be cancelled by Kraken
        assert dead_man_calls(sb)[-1] == "60"
