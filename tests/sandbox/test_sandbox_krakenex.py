"""An independent client, krakenex, cannot tell the sandbox from Kraken."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_sdk.sandbox import Sandbox

krakenex = pytest.importorskip("krakenex")

pytestmark = pytest.mark.e2e

OTHER_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)


def test_krakenex_public_and_private_calls(sandbox: Sandbox) -> None:
    api = krakenex.API(key=sandbox.api_key, secret=sandbox.api_secret)
    api.uri = sandbox.url
    api.json_options(parse_float=Decimal)
    assert api.query_public("Time")["result"]["unixtime"] == 1_790_000_000
    ticker = api.query_public("Ticker", {"pair": "XBTUSD"})
    assert list(ticker["result"]) == ["XXBTZUSD"]
    assert api.query_private("Balance")["result"]["ZUSD"] == "100000.0000"
    placed = api.query_private(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.01",
            "price": "50000",
            "userref": 17,
        },
    )
    assert placed["error"] == []
    (txid,) = placed["result"]["txid"]
    open_orders = api.query_private("OpenOrders", {"userref": 17})["result"]["open"]
    assert open_orders[txid]["descr"]["order"] == "buy 0.01000000 XBTUSD @ limit 50000.0"
    assert api.query_private("CancelOrder", {"txid": txid})["result"] == {"count": 1}
    assert [order.status for order in sandbox.orders()] == ["canceled"]


def test_krakenex_sees_krakens_errors(sandbox: Sandbox) -> None:
    api = krakenex.API(key=sandbox.api_key, secret=OTHER_SECRET)
    api.uri = sandbox.url
    assert api.query_private("Balance") == {"error": ["EAPI:Invalid signature"]}
    api.secret = sandbox.api_secret
    refused = api.query_private(
        "AddOrder", {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "1000"}
    )
    assert refused == {"error": ["EOrder:Insufficient funds"]}
