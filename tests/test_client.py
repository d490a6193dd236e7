"""Every method of every group: the request Kraken receives and the typed result it returns."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from kraken_wire import API, ASSET_PAIRS, ASSETS, KEY, SECRET, Wire, ok

from kraken_sdk import (
    ENDPOINTS,
    CredentialsError,
    KrakenClient,
    ValidationError,
    WithdrawalsDisabledError,
)
from kraken_sdk._core.calls import CallOptions
from kraken_sdk.endpoints import Endpoint
from kraken_sdk.transport import Urllib3Transport

Check = Callable[[Any], bool]
ORDER_ROW = {
    "refid": None,
    "userref": 0,
    "status": "open",
    "opentm": 1688666559.8974,
    "starttm": 0,
    "expiretm": 0,
    "descr": {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "price": "30010.0",
        "price2": "0",
        "leverage": "none",
        "order": "buy 1.25000000 XBTUSD @ limit 30010.0",
        "close": "",
    },
    "vol": "1.25000000",
    "vol_exec": "0.37500000",
    "cost": "11253.7",
    "fee": "0.00000",
    "price": "30010.0",
    "stopprice": "0.00000",
    "limitprice": "0.00000",
    "misc": "",
    "oflags": "fciq",
}
TRADE_ROW = {
    "ordertxid": "OQCLML-BW3P3-BUCMWZ",
    "postxid": "TKH2SE-M7IF5-CFI7LT",
    "pair": "XXBTZUSD",
    "time": 1688667796.8802,
    "type": "buy",
    "ordertype": "limit",
    "price": "30010.00000",
    "cost": "600.20000",
    "fee": "0.00000",
    "vol": "0.02000000",
    "margin": "0.00000",
    "misc": "",
}
LEDGER_ROW = {
    "refid": "TJKLXF-PGMUI-4NTLXU",
    "time": 1688464484.1787,
    "type": "trade",
    "subtype": "",
    "aclass": "currency",
    "asset": "ZGBP",
    "amount": "-24.5000",
    "fee": "0.0490",
    "balance": "459567.9171",
}

# name: (keyword arguments, parameters Kraken receives (nonce left out), result, check)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], Any, Check]] = {
    # market
    "AssetPairs": (
        {"pair": "XBTUSD", "info": "info"},
        {"pair": "XBTUSD", "info": "info"},
        {"XXBTZUSD": ASSET_PAIRS["XXBTZUSD"]},
        lambda r: r["XXBTZUSD"].tick_size == Decimal("0.1"),
    ),
    "Assets": (
        {"asset": ["XBT", "ETH"]},
        {"asset": "XBT,ETH"},
        {"XXBT": ASSETS["XXBT"]},
        lambda r: r["XXBT"].altname == "XBT",
    ),
    "Depth": (
        {"pair": "BTC/USD", "count": 2},
        {"pair": "XBTUSD", "count": "2"},
        {"XXBTZUSD": {"asks": [["30384.1", "2.059", 1688671659]], "bids": []}},
        lambda r: r["XXBTZUSD"].asks[0].price == Decimal("30384.1"),
    ),
    "GroupedBook": (
        {"pair": "BTC/USD", "depth": 10, "grouping": 5},
        {"pair": "BTC/USD", "depth": "10", "grouping": "5"},
        {
            "pair": "BTC/USD",
            "grouping": 5,
            "bids": [{"price": "90400.0", "qty": "19.8"}],
            "asks": [],
        },
        lambda r: r.bids[0].qty == Decimal("19.8"),
    ),
    "Level3": (
        {"pair": "XBT/USD", "depth": 10},
        {"pair": "BTC/USD", "depth": "10"},
        {
            "pair": "BTC/USD",
            "bids": [{"price": "1.5", "qty": "2", "order_id": "O1", "timestamp": 1}],
            "asks": [],
        },
        lambda r: r.bids[0].order_id == "O1",
    ),
    "OHLC": (
        {"pair": "ETH/USD", "interval": 5, "since": 1688671200},
        {"pair": "ETHUSD", "interval": "5", "since": "1688671200"},
        {"XETHZUSD": [[1688671200, "1", "2", "0.5", "1.5", "1.2", "3.39", 23]], "last": 1688671200},
        lambda r: r.last == 1688671200 and r.pairs["XETHZUSD"][0].high == Decimal(2),
    ),
    "Spread": (
        {"pair": "BTC/USD", "since": 1688671834},
        {"pair": "XBTUSD", "since": "1688671834"},
        {"XXBTZUSD": [[1688671834, "30292.1", "30297.5"]], "last": 1688672106},
        lambda r: r.pairs["XXBTZUSD"][0].ask == Decimal("30297.5"),
    ),
    "SystemStatus": (
        {},
        {},
        {"status": "online", "timestamp": "2023-07-06T18:52:00Z"},
        lambda r: r.status == "online",
    ),
    "Ticker": (
        {"pair": "XXBTZUSD"},
        {"pair": "XBTUSD"},
        {
            "XXBTZUSD": {
                "a": ["30300.1", "1", "1.000"],
                "b": ["30300.0", "1", "1.000"],
                "c": ["30303.2", "0.00067643"],
                "v": ["4083.67", "4412.73"],
                "p": ["30706.77", "30689.13"],
                "t": [34619, 38907],
                "l": ["29868.3", "29868.3"],
                "h": ["31631.0", "31631.0"],
                "o": "30502.8",
            }
        },
        lambda r: r["XXBTZUSD"].b.price == Decimal("30300.0"),
    ),
    "Time": (
        {},
        {},
        {"unixtime": 1688669448, "rfc1123": "Thu, 06 Jul 23 18:50:48 +0000"},
        lambda r: r.unixtime == 1688669448,
    ),
    "Trades": (
        {"pair": "BTC/USD", "since": "1688671969993150842", "count": 1},
        {"pair": "XBTUSD", "since": "1688671969993150842", "count": "1"},
        {
            "XXBTZUSD": [["30243.4", "0.345", 1688669597.8277369, "b", "m", "", 61044952]],
            "last": "1688671969993150842",
        },
        lambda r: r.pairs["XXBTZUSD"][0].time == Decimal("1688669597.8277369"),
    ),
    # account
    "AddExport": (
        {"report": "trades", "description": "my trades", "format": "CSV"},
        {"report": "trades", "description": "my trades", "format": "CSV"},
        {"id": "TCJA"},
        lambda r: r.id == "TCJA",
    ),
    "Balance": (
        {},
        {},
        {"ZUSD": "171288.6158", "XXBT": "1011.1908877900"},
        lambda r: r["XXBT"] == Decimal("1011.1908877900"),
    ),
    "BalanceEx": (
        {"rebase_multiplier": "base"},
        {"rebase_multiplier": "base"},
        {"ZUSD": {"balance": "25435.21", "hold_trade": "8249.76"}},
        lambda r: r["ZUSD"].hold_trade == Decimal("8249.76"),
    ),
    "ClosedOrders": (
        {"trades": True, "start": 1688000000, "ofs": 50, "closetime": "close"},
        {"trades": "true", "start": "1688000000", "ofs": "50", "closetime": "close"},
        {"closed": {"O37652-RJWRT-IMO74O": {**ORDER_ROW, "status": "canceled"}}, "count": 2},
        lambda r: r.count == 2 and r.closed["O37652-RJWRT-IMO74O"].status == "canceled",
    ),
    "CreditLines": (
        {},
        {},
        {
            "asset_details": {
                "USD": {
                    "balance": "1000.5",
                    "credit_limit": "50000",
                    "credit_used": "12500",
                    "available_credit": "37500",
                }
            }
        },
        lambda r: r.asset_details["USD"].available_credit == Decimal(37500),
    ),
    "ExportStatus": (
        {"report": "ledgers"},
        {"report": "ledgers"},
        [{"id": "VSKC", "descr": "mine", "format": "CSV", "report": "ledgers", "status": "Queued"}],
        lambda r: r[0].status == "Queued",
    ),
    "GetApiKeyInfo": (
        {},
        {},
        {"api_key_name": "bot", "permissions": ["query-funds"]},
        lambda r: r.api_key_name == "bot",
    ),
    "Ledgers": (
        {"asset": ["XBT", "ZUSD"], "type": "trade", "without_count": True},
        {"asset": "XBT,ZUSD", "type": "trade", "without_count": "true"},
        {"ledger": {"L4UESK-KG3EQ-UFO4T5": LEDGER_ROW}, "count": 1},
        lambda r: r.ledger["L4UESK-KG3EQ-UFO4T5"].amount == Decimal("-24.5000"),
    ),
    "OpenOrders": (
        {"trades": True, "cl_ord_id": "my-order"},
        {"trades": "true", "cl_ord_id": "my-order"},
        {"open": {"OQCLML-BW3P3-BUCMWZ": ORDER_ROW}},
        lambda r: r.open["OQCLML-BW3P3-BUCMWZ"].vol_exec == Decimal("0.375"),
    ),
    "OpenPositions": (
        {"docalcs": True},
        {"docalcs": "true"},
        {},
        lambda r: r == {},
    ),
    "OrderAmends": (
        {"order_id": "OQCLML-BW3P3-BUCMWZ"},
        {"order_id": "OQCLML-BW3P3-BUCMWZ"},
        {
            "amends": [
                {
                    "amend_id": "TSUN4B",
                    "amend_type": "original",
                    "order_qty": "0.01",
                    "remaining_qty": "0.01",
                    "limit_price": "61032.8",
                    "timestamp": 1724158070287557853,
                }
            ],
            "count": 1,
        },
        lambda r: r.amends[0].limit_price == Decimal("61032.8"),
    ),
    "QueryLedgers": (
        {"id": ["L4UESK-KG3EQ-UFO4T5", "L2"]},
        {"id": "L4UESK-KG3EQ-UFO4T5,L2"},
        {"L4UESK-KG3EQ-UFO4T5": LEDGER_ROW},
        lambda r: r["L4UESK-KG3EQ-UFO4T5"].balance == Decimal("459567.9171"),
    ),
    "QueryOrders": (
        {"txid": ["OQCLML-BW3P3-BUCMWZ", "OB2"], "trades": False},
        {"txid": "OQCLML-BW3P3-BUCMWZ,OB2", "trades": "false"},
        {"OQCLML-BW3P3-BUCMWZ": ORDER_ROW},
        lambda r: r["OQCLML-BW3P3-BUCMWZ"].descr.pair == "XBTUSD",
    ),
    "QueryTrades": (
        {"txid": "THVRQM-33VKH-UCI7BS"},
        {"txid": "THVRQM-33VKH-UCI7BS"},
        {"THVRQM-33VKH-UCI7BS": TRADE_ROW},
        lambda r: r["THVRQM-33VKH-UCI7BS"].cost == Decimal("600.2"),
    ),
    "RemoveExport": (
        {"id": "TCJA", "type": "delete"},
        {"id": "TCJA", "type": "delete"},
        {"delete": True},
        lambda r: r.delete is True,
    ),
    "TradeBalance": (
        {"asset": "ZUSD"},
        {"asset": "ZUSD"},
        {
            "eb": "1101.3425",
            "tb": "392.2264",
            "m": "7.0354",
            "n": "-10.0232",
            "c": "21.1063",
            "v": "31.1297",
            "e": "382.2032",
            "mf": "375.1678",
            "ml": "5432.57",
        },
        lambda r: r.n == Decimal("-10.0232"),
    ),
    "TradeVolume": (
        {"pair": ["BTC/USD", "ETH/USD"]},
        {"pair": "XBTUSD,ETHUSD"},
        {"currency": "ZUSD", "volume": "200709587.4223"},
        lambda r: r.volume == Decimal("200709587.4223"),
    ),
    "TradesHistory": (
        {"type": "no position", "ledgers": True},
        {"type": "no position", "ledgers": "true"},
        {"trades": {"THVRQM-33VKH-UCI7BS": TRADE_ROW}, "count": 1},
        lambda r: r.trades["THVRQM-33VKH-UCI7BS"].pair == "XXBTZUSD",
    ),
    # trading
    "AddOrder": (
        {
            "pair": "BTC/USD",
            "type": "buy",
            "ordertype": "stop-loss-limit",
            "volume": Decimal("1.25"),
            "price": "+5%",
            "price2": 37500,
            "close_ordertype": "limit",
            "close_price": "45000.5",
            "cl_ord_id": "6d1b345e-2821-40e2-ad83-4ecb18a06876",
        },
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "stop-loss-limit",
            "volume": "1.25",
            "price": "+5%",
            "price2": "37500",
            "cl_ord_id": "6d1b345e-2821-40e2-ad83-4ecb18a06876",
            "close[ordertype]": "limit",
            "close[price]": "45000.5",
        },
        {"descr": {"order": "buy 1.25 XBTUSD @ stop loss +5%"}, "txid": ["OUF4EM-FRGI2-MQMWZD"]},
        lambda r: r.txid == ["OUF4EM-FRGI2-MQMWZD"],
    ),
    "AddOrderBatch": (
        {
            "pair": "BTC/USD",
            "orders": [
                {
                    "ordertype": "limit",
                    "type": "buy",
                    "volume": "1.2",
                    "price": "40000",
                    "userref": 1,
                },
                {
                    "ordertype": "limit",
                    "type": "sell",
                    "volume": "1.2",
                    "price": "42000",
                    "userref": 2,
                },
            ],
            "deadline": "2023-09-24T14:15:22Z",
        },
        {
            "pair": "XBTUSD",
            "orders": [
                {
                    "ordertype": "limit",
                    "type": "buy",
                    "volume": "1.2",
                    "price": "40000",
                    "userref": 1,
                },
                {
                    "ordertype": "limit",
                    "type": "sell",
                    "volume": "1.2",
                    "price": "42000",
                    "userref": 2,
                },
            ],
            "deadline": "2023-09-24T14:15:22Z",
        },
        {
            "orders": [
                {"txid": "O1", "descr": {"order": "a"}},
                {"error": "EOrder:Insufficient funds"},
            ]
        },
        lambda r: r.orders[1].error == "EOrder:Insufficient funds",
    ),
    "AmendOrder": (
        {"txid": "OHYO67-6LP66-HMQ437", "order_qty": Decimal("0.5"), "limit_price": "+0.1%"},
        {"txid": "OHYO67-6LP66-HMQ437", "order_qty": "0.5", "limit_price": "+0.1%"},
        {"amend_id": "TEZA4R-DSDGT-IJBOJK"},
        lambda r: r.amend_id == "TEZA4R-DSDGT-IJBOJK",
    ),
    "CancelAll": ({}, {}, {"count": 4}, lambda r: r.count == 4),
    "CancelAllOrdersAfter": (
        {"timeout": 60},
        {"timeout": "60"},
        {"currentTime": "2023-03-24T17:41:56Z", "triggerTime": "2023-03-24T17:42:56Z"},
        lambda r: r.trigger_time == "2023-03-24T17:42:56Z",
    ),
    "CancelOrder": (
        {"txid": "OYVGEW-VYV5B-UUEXSK"},
        {"txid": "OYVGEW-VYV5B-UUEXSK"},
        {"count": 1},
        lambda r: r.count == 1,
    ),
    "CancelOrderBatch": (
        {"cl_ord_ids": ["a-1", "a-2"]},
        {"cl_ord_ids": ["a-1", "a-2"]},
        {"count": 2},
        lambda r: r.count == 2,
    ),
    "EditOrder": (
        {"txid": "OHYO67-6LP66-HMQ437", "pair": "BTC/USD", "volume": 0.0003, "price": 19500},
        {"txid": "OHYO67-6LP66-HMQ437", "pair": "XBTUSD", "volume": "0.0003", "price": "19500"},
        {
            "status": "ok",
            "txid": "OFVXHJ-KPQ3B-VS7ELA",
            "originaltxid": "OHYO67-6LP66-HMQ437",
            "descr": {"order": "buy 0.00030000 XXBTZGBP @ limit 19500.0"},
        },
        lambda r: r.txid == "OFVXHJ-KPQ3B-VS7ELA",
    ),
    "GetWebSocketsToken": (
        {},
        {},
        {"token": "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw", "expires": 900},
        lambda r: r.expires == 900,
    ),
    # funding
    "DepositAddresses": (
        {"asset": "XBT", "method": "Bitcoin", "new": True},
        {"asset": "XBT", "method": "Bitcoin", "new": "true"},
        [{"address": "2N9fRkx5JTWXWHmXzZtvhQsufvoYRMq9ExV", "expiretm": "0", "new": True}],
        lambda r: r[0].address.startswith("2N9f"),
    ),
    "DepositMethods": (
        {"asset": "XBT"},
        {"asset": "XBT"},
        [{"method": "Bitcoin", "limit": False, "fee": "0.0000000000", "gen-address": True}],
        lambda r: r[0].gen_address is True,
    ),
    "DepositStatus": (
        {"asset": "XBT", "limit": 10},
        {"asset": "XBT", "limit": "10"},
        [],
        lambda r: r == [],
    ),
    "WalletTransfer": (
        {"asset": "XBT", "from_": "Spot Wallet", "to": "Futures Wallet", "amount": "0.1"},
        {"asset": "XBT", "from": "Spot Wallet", "to": "Futures Wallet", "amount": "0.1"},
        {"refid": "BOG5AE5-KSCNR4-VPNPEV"},
        lambda r: r.refid == "BOG5AE5-KSCNR4-VPNPEV",
    ),
    "Withdraw": (
        {"asset": "XBT", "key": "cold-wallet", "amount": Decimal("0.725"), "max_fee": "0.0002"},
        {"asset": "XBT", "key": "cold-wallet", "amount": "0.725", "max_fee": "0.0002"},
        {"refid": "AGBSO6T-UFMTTQ-I7KGS6"},
        lambda r: r.refid == "AGBSO6T-UFMTTQ-I7KGS6",
    ),
    "WithdrawAddresses": (
        {"asset": "XBT", "verified": True},
        {"asset": "XBT", "verified": "true"},
        [{"address": "bc1qx", "asset": "XBT", "method": "Bitcoin", "key": "k", "verified": True}],
        lambda r: r[0].verified is True,
    ),
    "WithdrawCancel": (
        {"asset": "XBT", "refid": "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"},
        {"asset": "XBT", "refid": "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"},
        True,
        lambda r: r is True,
    ),
    "WithdrawInfo": (
        {"asset": "XBT", "key": "cold-wallet", "amount": 0.725},
        {"asset": "XBT", "key": "cold-wallet", "amount": "0.725"},
        {"method": "Bitcoin", "limit": "332.00956139", "amount": "0.72485000", "fee": "0.00020000"},
        lambda r: r.fee == Decimal("0.0002"),
    ),
    "WithdrawMethods": (
        {"asset": "XBT"},
        {"asset": "XBT"},
        [{"asset": "XXBT", "method": "Bitcoin", "network": "Bitcoin", "minimum": "0.0004"}],
        lambda r: r[0].minimum == Decimal("0.0004"),
    ),
    "WithdrawStatus": (
        {"asset": "XBT"},
        {"asset": "XBT"},
        [],
        lambda r: r == [],
    ),
    # earn
    "Earn/Allocate": (
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7", "amount": "12.5"},
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7", "amount": "12.5"},
        True,
        lambda r: r is True,
    ),
    "Earn/AllocateStatus": (
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7"},
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7"},
        {"pending": False},
        lambda r: r.pending is False,
    ),
    "Earn/Allocations": (
        {"converted_asset": "EUR", "hide_zero_allocations": True},
        {"converted_asset": "EUR", "hide_zero_allocations": "true"},
        {
            "converted_asset": "EUR",
            "total_allocated": "49.2",
            "total_rewarded": "0.06",
            "items": [],
        },
        lambda r: r.total_allocated == Decimal("49.2"),
    ),
    "Earn/Deallocate": (
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7", "amount": Decimal("1E-8")},
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7", "amount": "0.00000001"},
        True,
        lambda r: r is True,
    ),
    "Earn/DeallocateStatus": (
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7"},
        {"strategy_id": "ESRFUO3-Q62XD-WIOIL7"},
        {"pending": True},
        lambda r: r.pending is True,
    ),
    "Earn/Strategies": (
        {"asset": "DOT", "limit": 5},
        {"asset": "DOT", "limit": "5"},
        {"next_cursor": None, "items": []},
        lambda r: r.items == [],
    ),
    # subaccounts
    "AccountTransfer": (
        {
            "asset": "XBT",
            "amount": "1.5",
            "from_": "AA00 0000 0000 0000",
            "to": "BB11 1111 1111 1111",
        },
        {
            "asset": "XBT",
            "amount": "1.5",
            "from": "AA00 0000 0000 0000",
            "to": "BB11 1111 1111 1111",
        },
        {"transfer_id": "TOH3AS2-LPCWR8-JDQGEU", "status": "complete"},
        lambda r: r.status == "complete",
    ),
    "CreateSubaccount": (
        {"username": "bot-1", "email": "bot-1@example.com"},
        {"username": "bot-1", "email": "bot-1@example.com"},
        True,
        lambda r: r is True,
    ),
}

ZIP = b"PK\x03\x04 a zip archive"


def test_the_table_covers_every_endpoint() -> None:
    assert set(CASES) | {"RetrieveExport"} == set(ENDPOINTS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_method_sends_what_kraken_expects_and_returns_its_typed_result(
    name: str, kraken: responses.RequestsMock, wire: Wire, sleeps: list[float]
) -> None:
    kwargs, expected, result, check = CASES[name]
    endpoint = ENDPOINTS[name]
    verb = responses.POST if endpoint.private else responses.GET
    kraken.add(verb, f"{API}{endpoint.path}", json=ok(result))
    with KrakenClient(KEY, SECRET, allow_withdrawals=True, sleep=sleeps.append) as client:
        client.symbols.load(ASSET_PAIRS, ASSETS)
        method = getattr(getattr(client, endpoint.group), endpoint.python_name)
        answer = method(**kwargs)
    call = kraken.calls[0]
    if endpoint.private:
        wire.assert_signed(call, endpoint.path)
        sent = wire.body(call)
    else:
        assert call.request.method == "GET"
        assert call.request.path_url.split("?")[0] == endpoint.path
        sent = dict(parse_qsl(urlsplit(call.request.url).query))
    if name == "AddOrderBatch":
        assert all(len(o.pop("cl_ord_id", "")) in (0, 36) for o in sent["orders"])
    assert sent == expected
    assert check(answer)


def test_retrieve_export_returns_the_zip_bytes(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(
        f"{API}/0/private/RetrieveExport", body=ZIP, content_type="application/octet-stream"
    )
    assert client.account.retrieve_export(id="TCJA") == ZIP
    wire.assert_signed(kraken.calls[0], "/0/private/RetrieveExport")
    assert wire.body(kraken.calls[0]) == {"id": "TCJA"}


def test_one_client_method_per_endpoint() -> None:
    """Client methods / ENDPOINTS entries: every entry, nothing else."""
    client = KrakenClient()
    groups = ("market", "account", "trading", "funding", "earn", "subaccounts")
    methods = {
        (group, name)
        for group in groups
        for name, member in inspect.getmembers(getattr(client, group), inspect.ismethod)
        if not name.startswith("_")
    }
    assert methods == {(e.group, e.python_name) for e in ENDPOINTS.values()}
    assert len(methods) == len(ENDPOINTS) == 57


def test_each_method_routes_to_its_own_endpoint() -> None:
    seen: list[str] = []

    class Recorder(KrakenClient):
        def _call(self, endpoint: Endpoint, params: dict[str, Any], options: CallOptions) -> Any:
            seen.append(endpoint.name)
            return None

    client = Recorder()
    for endpoint in ENDPOINTS.values():
        method = getattr(getattr(client, endpoint.group), endpoint.python_name)
        required = {
            name: "x"
            for name, p in inspect.signature(method).parameters.items()
            if p.kind is not p.VAR_KEYWORD and p.default is p.empty
        }
        method(**required)
    assert seen == list(ENDPOINTS)


def test_a_private_method_without_credentials_is_a_clear_error(
    kraken: responses.RequestsMock, public: KrakenClient
) -> None:
    with pytest.raises(CredentialsError, match=r"Balance is a private method.*from_env"):
        public.account.balance()
    with pytest.raises(CredentialsError):
        public.request("Balance")


def test_moving_funds_out_needs_an_explicit_opt_in(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    with pytest.raises(WithdrawalsDisabledError, match="allow_withdrawals=True"):
        client.funding.withdraw(asset="XBT", key="cold-wallet", amount="1")
    with pytest.raises(WithdrawalsDisabledError):
        client.funding.wallet_transfer(
            asset="XBT", from_="Spot Wallet", to="Futures Wallet", amount="1"
        )
    with pytest.raises(WithdrawalsDisabledError):
        client.request("Withdraw", {"asset": "XBT", "key": "k", "amount": "1"})


def test_request_returns_kraken_s_plain_json(
    kraken: responses.RequestsMock, public: KrakenClient
) -> None:
    kraken.get(f"{API}/0/public/Ticker", json=ok({"XXBTZUSD": {"o": "30502.8", "t": [1, 2]}}))
    result = public.request("Ticker", {"pair": "XBTUSD"})
    assert result == {"XXBTZUSD": {"o": "30502.8", "t": [1, 2]}}
    assert kraken.calls[0].request.url == f"{API}/0/public/Ticker?pair=XBTUSD"


def test_request_still_gives_new_orders_a_cl_ord_id(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ok({"descr": {"order": "x"}}))
    client.request(
        "AddOrder", {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": 1}
    )
    assert len(wire.body(kraken.calls[0])["cl_ord_id"]) == 36


def test_bad_input_on_private_methods_fails_before_the_network(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    with pytest.raises(ValidationError, match="CancelAllOrdersAfter: timeout"):
        client.trading.cancel_all_orders_after(timeout="soon")  # type: ignore[arg-type]
    assert len(kraken.calls) == 0


def test_context_manager_closes_the_connections() -> None:
    class Answer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = b'{"error":[],"result":{"unixtime":1,"rfc1123":"x"}}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with KrakenClient(base_url=f"http://127.0.0.1:{server.server_address[1]}") as client:
            transport = client.transport
            assert isinstance(transport, Urllib3Transport)
            assert client.market.time().unixtime == 1
            assert transport.open_pools() == 1
        assert transport.open_pools() == 0
    finally:
        server.shutdown()
        server.server_close()


def test_tier_sets_the_rate_limits() -> None:
    assert KrakenClient(tier="pro").rate_limits.counter_max == 20
    with pytest.raises(ValueError, match="tier must be one of"):
        KrakenClient(tier="platinum")  # type: ignore[arg-type]
