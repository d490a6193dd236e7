"""The wire protocol: paths, envelope, encodings, authentication, nonces, permissions."""

from __future__ import annotations

import json
import urllib.parse

import pytest
import requests
from sandbox_raw import RawClient, checked

from kraken_sdk.auth import sign
from kraken_sdk.sandbox import Sandbox


def test_public_get_answers_with_kraken_envelope(raw: RawClient) -> None:
    response = raw.get("Time")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error"] == []
    assert body["result"]["unixtime"] == 1_790_000_000
    assert body["result"]["rfc1123"] == "Mon, 21 Sep 26 14:13:20 +0000"


def test_public_methods_also_take_post_bodies(raw: RawClient) -> None:
    response = raw.http.post(f"{raw.url}/0/public/Ticker", data={"pair": "XBTUSD"}, timeout=5)
    assert list(checked("Ticker", response)) == ["XXBTZUSD"]


def test_unknown_method(raw: RawClient) -> None:
    assert raw.get("Nope").json() == {"error": ["EGeneral:Unknown method"]}
    assert raw.http.post(f"{raw.url}/0/private/Nope", timeout=5).json() == {
        "error": ["EGeneral:Unknown method"]
    }
    assert raw.http.get(f"{raw.url}/1/public/Time", timeout=5).json() == {
        "error": ["EGeneral:Unknown method"]
    }


def test_form_and_json_bodies_are_both_accepted(raw: RawClient) -> None:
    form = raw.call("Balance")
    as_json = raw.call("Balance", as_json=True)
    assert form == as_json
    assert form["ZUSD"] == "100000.0000"
    assert form["XXBT"] == "2.0000000000"


def test_missing_or_unknown_key(raw: RawClient) -> None:
    assert raw.error("Balance", key="") == "EAPI:Invalid key"
    assert raw.error("Balance", key="not-a-key") == "EAPI:Invalid key"


def test_bad_signature(raw: RawClient, sandbox: Sandbox) -> None:
    other_secret = (
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
    )
    assert raw.error("Balance", secret=other_secret) == "EAPI:Invalid signature"
    # a signature over another path is wrong too
    nonce = raw.nonce()
    body = urllib.parse.urlencode({"nonce": nonce})
    headers = {
        "API-Key": sandbox.api_key,
        "API-Sign": sign(sandbox.api_secret, "/0/private/BalanceEx", nonce, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = raw.http.post(f"{raw.url}/0/private/Balance", data=body, headers=headers, timeout=5)
    assert answer.json() == {"error": ["EAPI:Invalid signature"]}


def test_nonce_must_strictly_increase_per_key(raw: RawClient, sandbox: Sandbox) -> None:
    raw.call("Balance", nonce=1000)
    assert raw.error("Balance", nonce=1000) == "EAPI:Invalid nonce"
    assert raw.error("Balance", nonce=999) == "EAPI:Invalid nonce"
    raw.call("Balance", nonce=1001)
    # another key keeps its own nonce
    key, secret = sandbox.create_key()
    raw.call("Balance", nonce=5, key=key, secret=secret)


def test_missing_nonce(raw: RawClient, sandbox: Sandbox) -> None:
    body = ""
    headers = {
        "API-Key": sandbox.api_key,
        "API-Sign": sign(sandbox.api_secret, "/0/private/Balance", "", body),
    }
    answer = raw.http.post(f"{raw.url}/0/private/Balance", data=body, headers=headers, timeout=5)
    assert answer.json() == {"error": ["EAPI:Invalid nonce"]}


def test_json_signature_covers_the_exact_text(raw: RawClient, sandbox: Sandbox) -> None:
    nonce = raw.nonce()
    text = json.dumps({"nonce": nonce, "asset": "ZUSD"}, separators=(",", ":"))
    headers = {
        "API-Key": sandbox.api_key,
        "API-Sign": sign(sandbox.api_secret, "/0/private/TradeBalance", nonce, text),
        "Content-Type": "application/json",
    }
    url = f"{raw.url}/0/private/TradeBalance"
    answer = raw.http.post(url, data=text, headers=headers, timeout=5)
    assert checked("TradeBalance", answer)["eb"]


def test_private_methods_refuse_get(raw: RawClient) -> None:
    answer = raw.http.get(f"{raw.url}/0/private/Balance", timeout=5)
    assert answer.json()["error"] == ["EGeneral:Invalid arguments"]


def test_permissions_are_enforced(raw: RawClient, sandbox: Sandbox) -> None:
    key, secret = sandbox.create_key({"query-funds"}, name="read-only")
    assert raw.call("Balance", key=key, secret=secret)["ZUSD"] == "100000.0000"
    order = {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.001"}
    assert raw.error("AddOrder", order, key=key, secret=secret) == "EGeneral:Permission denied"
    assert raw.error("Ledgers", key=key, secret=secret) == "EGeneral:Permission denied"
    assert raw.error("CancelAll", key=key, secret=secret) == "EGeneral:Permission denied"
    assert sandbox.orders() == []
    info = raw.call("GetApiKeyInfo", key=key, secret=secret)
    assert info["permissions"] == ["query-funds"]
    assert info["api_key_name"] == "read-only"


def test_invalid_arguments_name_the_field(raw: RawClient) -> None:
    base = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "1000",
    }
    assert raw.error("AddOrder", {**base, "type": "hold"}) == "EGeneral:Invalid arguments:type"
    assert raw.error("AddOrder", {**base, "ordertype": "x"}) == (
        "EGeneral:Invalid arguments:ordertype"
    )
    assert raw.error("AddOrder", {**base, "volume": "abc"}) == "EGeneral:Invalid arguments:volume"
    assert raw.error("AddOrder", {**base, "oflags": "fast"}) == "EGeneral:Invalid arguments:oflags"
    assert raw.error("AddOrder", {**base, "timeinforce": "FOK"}) == (
        "EGeneral:Invalid arguments:timeinforce"
    )
    assert raw.error("AddOrder", {**base, "pair": "NOPE"}) == "EQuery:Unknown asset pair"
    assert raw.error("CancelAllOrdersAfter", {"timeout": "86400"}) == (
        "EGeneral:Invalid arguments:timeout"
    )
    answer = raw.get("OHLC", pair="XBTUSD", interval=2).json()
    assert answer == {"error": ["EGeneral:Invalid arguments:interval"]}


def test_request_log_records_every_call(raw: RawClient, sandbox: Sandbox) -> None:
    raw.get("Time")
    raw.error("Balance", key="nope")
    raw.call("Balance")
    log = sandbox.requests()
    assert [(r.method, r.errors) for r in log] == [
        ("Time", ()),
        ("Balance", ("EAPI:Invalid key",)),
        ("Balance", ()),
    ]
    assert log[2].api_key == sandbox.api_key
    assert "nonce" not in log[2].params
    assert log[2].committed
    assert not log[1].committed


def test_sandboxes_with_the_same_seed_issue_the_same_ids() -> None:
    def run() -> tuple[str, str]:
        from kraken_sdk.sandbox import ManualClock

        with (
            Sandbox(seed=5, tier="unlimited", clock=ManualClock(1_790_000_000)) as sb,
            RawClient(sb.url, sb.api_key, sb.api_secret) as client,
        ):
            order = {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.01"}
            txid = client.call("AddOrder", order)["txid"][0]
            return sb.api_key, txid

    assert run() == run()


def test_stopped_sandbox_refuses_connections() -> None:
    sandbox = Sandbox(seed=1).start()
    url = sandbox.url
    sandbox.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/0/public/Time", timeout=2)


def test_a_handler_bug_answers_internal_error(
    raw: RawClient,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kraken_sdk.sandbox.handlers import HANDLERS

    def broken(*_args: object) -> object:
        raise ZeroDivisionError

    monkeypatch.setitem(HANDLERS, "Time", broken)
    assert raw.get("Time").json() == {"error": ["EGeneral:Internal error"]}
    assert "Time failed" in caplog.text
    assert raw.call("Balance")["ZUSD"]  # and it keeps serving
