"""Orders on the paper exchange: every order type, flag and management call, Kraken's errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sandbox_raw import RawClient

from kraken_sdk.sandbox import Sandbox


def place(raw: RawClient, **params: Any) -> str:
    params.setdefault("pair", "XBTUSD")
    result = raw.call("AddOrder", params)
    return str(result["txid"][0])


def query(raw: RawClient, txid: str) -> dict[str, Any]:
    return dict(raw.call("QueryOrders", {"txid": txid, "trades": True})[txid])


def test_market_buy_fills_at_the_ask_with_taker_fee(raw: RawClient, sandbox: Sandbox) -> None:
    ask = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["a"][0])
    result = raw.call(
        "AddOrder", {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.001"}
    )
    assert result["descr"] == {"order": "buy 0.00100000 XBTUSD @ market"}
    order = query(raw, result["txid"][0])
    assert order["status"] == "closed"
    assert order["vol_exec"] == "0.00100000"
    assert order["oflags"] == "fciq"
    assert order["descr"]["price"] == "0"
    price, cost, fee = Decimal(order["price"]), Decimal(order["cost"]), Decimal(order["fee"])
    assert price >= ask
    assert cost == price * Decimal("0.001")
    assert fee == (cost * Decimal("0.0026")).quantize(Decimal("0.0001"))
    trade_id = order["trades"][0]
    trade = raw.call("QueryTrades", {"txid": trade_id})[trade_id]
    assert trade["maker"] is False
    assert trade["pair"] == "XXBTZUSD"
    assert sandbox.balances()["XXBT"] == Decimal("2.001")


def test_limit_order_rests_then_fills_as_maker(raw: RawClient, sandbox: Sandbox) -> None:
    ticker = raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]
    bid, ask = Decimal(ticker["b"][0]), Decimal(ticker["a"][0])
    buy_price = str((bid - 500).quantize(Decimal("0.1")))
    buy = place(raw, type="buy", ordertype="limit", volume="0.01", price=buy_price, userref=7)
    open_orders = raw.call("OpenOrders")["open"]
    assert open_orders[buy]["status"] == "open"
    assert open_orders[buy]["userref"] == 7
    held = raw.call("BalanceEx")["ZUSD"]["hold_trade"]
    assert Decimal(held) == (Decimal(buy_price) * Decimal("0.01") * Decimal("1.0026")).quantize(
        Decimal("0.0001"), rounding="ROUND_UP"
    )
    raw.call("CancelOrder", {"txid": buy})
    assert raw.call("BalanceEx")["ZUSD"]["hold_trade"] == "0.0000"
    price = str((ask + 500).quantize(Decimal("0.1")))
    txid = place(raw, type="sell", ordertype="limit", volume="0.01", price=price)
    for _ in range(48):
        sandbox.advance(3600)
        if query(raw, txid)["status"] == "closed":
            break
    order = query(raw, txid)
    assert order["status"] == "closed"
    assert order["price"] == price
    trade = raw.call("QueryTrades", {"txid": order["trades"][0]})[order["trades"][0]]
    assert trade["maker"] is True
    assert trade["price"] == f"{price}0000"
    assert Decimal(trade["fee"]) == (Decimal(trade["cost"]) * Decimal("0.0016")).quantize(
        Decimal("0.0001")
    )
    assert raw.call("OpenOrders")["open"] == {}


def test_marketable_limit_takes_immediately(raw: RawClient) -> None:
    ask = Decimal(raw.public("Ticker", pair="ETHUSD")["XETHZUSD"]["a"][0])
    txid = place(
        raw, pair="ETHUSD", type="buy", ordertype="limit", volume="0.01", price=str(ask + 5)
    )
    order = query(raw, txid)
    assert order["status"] == "closed"
    assert Decimal(order["price"]) <= ask + 5


def test_post_only_that_would_take_is_canceled(raw: RawClient) -> None:
    ask = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["a"][0])
    txid = place(
        raw, type="buy", ordertype="limit", volume="0.01", price=str(ask + 10), oflags="post"
    )
    order = query(raw, txid)
    assert (order["status"], order["reason"], order["vol_exec"]) == (
        "canceled",
        "Post only order",
        "0.00000000",
    )
    assert order["oflags"] == "post,fciq"


def test_ioc_cancels_what_does_not_fill(raw: RawClient) -> None:
    bid = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["b"][0])
    txid = place(
        raw, type="buy", ordertype="limit", volume="0.01", price=str(bid - 100), timeinforce="IOC"
    )
    assert query(raw, txid)["status"] == "canceled"


def test_gtd_order_expires(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(
        raw,
        type="buy",
        ordertype="limit",
        volume="0.01",
        price="1000.0",
        timeinforce="GTD",
        expiretm="+60",
    )
    assert query(raw, txid)["expiretm"] == pytest.approx(sandbox.now() + 60)
    sandbox.advance(61)
    order = query(raw, txid)
    assert order["status"] == "expired"
    assert order["closetm"] == pytest.approx(sandbox.now() - 1)
    assert raw.error(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.01",
            "price": "1000",
            "timeinforce": "GTD",
        },
    ) == ("EGeneral:Invalid arguments:expiretm")


def test_scheduled_start(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(raw, type="buy", ordertype="market", volume="0.001", starttm="+30")
    assert query(raw, txid)["status"] == "pending"
    sandbox.advance(31)
    assert query(raw, txid)["status"] == "closed"


@pytest.mark.parametrize(
    ("ordertype", "side", "offset", "misc"),
    [
        ("stop-loss", "sell", -150, "stopped"),
        ("take-profit", "sell", 150, "touched"),
        ("stop-loss", "buy", 150, "stopped"),
        ("take-profit", "buy", -150, "touched"),
    ],
)
def test_triggered_orders_fire_when_the_price_gets_there(
    raw: RawClient, sandbox: Sandbox, ordertype: str, side: str, offset: int, misc: str
) -> None:
    last = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["c"][0])
    trigger = (last + offset).quantize(Decimal("0.1"))
    txid = place(raw, type=side, ordertype=ordertype, volume="0.001", price=str(trigger))
    assert query(raw, txid)["descr"]["order"] == (
        f"{side} 0.00100000 XBTUSD @ {ordertype.replace('-', ' ')} {trigger}"
    )
    for _ in range(96):
        sandbox.advance(900)
        if query(raw, txid)["status"] != "open":
            break
    order = query(raw, txid)
    assert order["status"] == "closed"
    assert order["misc"] == misc
    assert Decimal(order["stopprice"]) == trigger


def test_stop_loss_limit_becomes_a_limit(raw: RawClient, sandbox: Sandbox) -> None:
    last = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["c"][0])
    trigger, limit = (last - 150).quantize(Decimal("0.1")), (last - 160).quantize(Decimal("0.1"))
    txid = place(
        raw,
        type="sell",
        ordertype="stop-loss-limit",
        volume="0.001",
        price=str(trigger),
        price2=str(limit),
    )
    descr = query(raw, txid)["descr"]
    assert descr["order"] == f"sell 0.00100000 XBTUSD @ stop loss {trigger} -> limit {limit}"
    assert (descr["price"], descr["price2"]) == (str(trigger), str(limit))
    for _ in range(96):
        sandbox.advance(900)
        if query(raw, txid)["misc"]:
            break
    order = query(raw, txid)
    assert order["misc"].startswith("stopped")
    assert Decimal(order["limitprice"]) == limit
    if order["status"] == "closed":
        assert Decimal(order["price"]) >= limit


def test_trailing_stop_follows_the_peak(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(raw, type="sell", ordertype="trailing-stop", volume="0.001", price="+1.5%")
    order = query(raw, txid)
    assert order["descr"]["price"] == "+1.5000%"
    assert order["descr"]["order"] == "sell 0.00100000 XBTUSD @ trailing stop +1.5000%"
    first_stop = Decimal(order["stopprice"])
    assert raw.error(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "sell",
            "ordertype": "trailing-stop",
            "volume": "0.001",
            "price": "-100",
        },
    ) == ("EGeneral:Invalid arguments:price")
    stops = [first_stop]
    for _ in range(200):
        sandbox.advance(1800)
        order = query(raw, txid)
        stops.append(Decimal(order["stopprice"]))
        if order["status"] == "closed":
            break
    assert order["status"] == "closed"
    assert order["misc"] == "stopped"
    assert stops == sorted(stops)  # a sell trailing stop only ever moves up


def test_relative_limit_price(raw: RawClient) -> None:
    last = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["c"][0])
    txid = place(raw, type="buy", ordertype="limit", volume="0.001", price="-2%")
    expected = (last * Decimal("0.98")).quantize(Decimal("0.1"))
    assert Decimal(query(raw, txid)["descr"]["price"]) == expected
    txid = place(raw, type="sell", ordertype="limit", volume="0.001", price="#100")
    assert Decimal(query(raw, txid)["descr"]["price"]) == last + 100


def test_iceberg(raw: RawClient) -> None:
    txid = place(
        raw, type="buy", ordertype="iceberg", volume="0.15", displayvol="0.01", price="50000.0"
    )
    assert query(raw, txid)["descr"]["order"] == "buy 0.15000000 XBTUSD @ iceberg 50000.0"
    assert raw.error(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "iceberg",
            "volume": "0.15",
            "displayvol": "0.001",
            "price": "50000",
        },
    ) == ("EGeneral:Invalid arguments:displayvol")


def test_viqc_spends_a_quote_amount(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(raw, type="buy", ordertype="market", volume="100", oflags="viqc")
    order = query(raw, txid)
    assert order["status"] == "closed"
    assert Decimal("99.9") < Decimal(order["cost"]) <= Decimal(100)
    assert raw.error(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "sell",
            "ordertype": "market",
            "volume": "100",
            "oflags": "viqc",
        },
    ) == ("EGeneral:Invalid arguments:oflags")


def test_fee_in_base_currency(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(raw, type="buy", ordertype="market", volume="0.01", oflags="fcib")
    order = query(raw, txid)
    ledgers = {e.asset: e for e in sandbox.ledgers() if e.refid == order["trades"][0]}
    assert ledgers["XXBT"].fee == Decimal("0.000026")  # 0.26% of the volume, in BTC
    assert ledgers["ZUSD"].fee == 0
    assert -ledgers["ZUSD"].amount == Decimal(order["cost"])


def test_validate_places_nothing(raw: RawClient, sandbox: Sandbox) -> None:
    result = raw.call(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "buy",
            "ordertype": "limit",
            "volume": "0.01",
            "price": "50000",
            "validate": True,
        },
    )
    assert result == {"descr": {"order": "buy 0.01000000 XBTUSD @ limit 50000.0"}}
    assert sandbox.orders() == []


def test_order_refusals_use_krakens_strings(raw: RawClient) -> None:
    base = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "50000",
    }
    assert raw.error("AddOrder", {**base, "volume": "100"}) == "EOrder:Insufficient funds"
    assert raw.error("AddOrder", {**base, "volume": "0.00001"}) == "EOrder:Order minimum not met"
    assert raw.error("AddOrder", {**base, "volume": "0.00005", "price": "1000"}) == (
        "EOrder:Cost minimum not met"
    )
    assert raw.error("AddOrder", {**base, "price": "50000.05"}) == (
        "EOrder:Invalid price:BTC/USD price can only be specified up to 1 decimals."
    )
    assert raw.error("AddOrder", {**base, "price": "0"}) == "EOrder:Invalid price"
    assert raw.error("AddOrder", {**base, "volume": "0.123456789"}) == (
        "EGeneral:Invalid arguments:volume"
    )
    assert raw.error("AddOrder", {**base, "type": "sell", "volume": "5"}) == (
        "EOrder:Insufficient funds"
    )
    assert raw.error("AddOrder", {**base, "userref": 1, "cl_ord_id": "x"}) == (
        "EGeneral:Invalid arguments:cl_ord_id"
    )


def test_tick_size_check() -> None:
    """A pair whose tick is coarser than its decimals (as some Kraken pairs have)."""
    from kraken_sdk.sandbox.orderspec import check_price
    from kraken_sdk.sandbox.refdata import PAIRS
    from kraken_sdk.sandbox.rejects import RejectError

    pair = next(p for p in PAIRS if p.key == "XXBTZUSD")
    coarse = type(pair)(
        **{**{f: getattr(pair, f) for f in pair.__slots__}, "tick_size": Decimal("0.5")}
    )
    check_price(coarse, Decimal("100.5"), "BTC/USD")
    with pytest.raises(RejectError) as refused:
        check_price(coarse, Decimal("100.3"), "BTC/USD")
    assert refused.value.error == "EOrder:Tick size check failed"


def test_funds_held_by_open_orders_are_not_available(raw: RawClient) -> None:
    place(raw, type="sell", ordertype="limit", volume="1.5", price="150000")
    assert raw.error(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "sell",
            "ordertype": "limit",
            "volume": "0.6",
            "price": "150000",
        },
    ) == ("EOrder:Insufficient funds")
    assert raw.call("BalanceEx")["XXBT"] == {
        "balance": "2.0000000000",
        "hold_trade": "1.5000000000",
    }


def test_cl_ord_id_is_unique_among_open_orders(raw: RawClient) -> None:
    order = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.001",
        "price": "50000",
        "cl_ord_id": "6d1b345e-2821-40e2-ad83-4ecb18a06876",
    }
    txid = raw.call("AddOrder", order)["txid"][0]
    assert raw.error("AddOrder", order) == "EOrder:Duplicate order"
    assert raw.call("OpenOrders", {"cl_ord_id": order["cl_ord_id"]})["open"].keys() == {txid}
    raw.call("CancelOrder", {"cl_ord_id": order["cl_ord_id"]})
    second = raw.call("AddOrder", order)["txid"][0]  # free again once the first is closed
    assert second != txid
    assert raw.error("AddOrder", {**order, "cl_ord_id": "x" * 19}) == (
        "EGeneral:Invalid arguments:cl_ord_id"
    )


def test_cancel_by_txid_userref_and_cl_ord_id(raw: RawClient, sandbox: Sandbox) -> None:
    limit = {"type": "buy", "ordertype": "limit", "volume": "0.001", "price": "50000"}
    first = place(raw, **limit, userref=11)
    place(raw, **limit, userref=11)
    third = place(raw, **limit, cl_ord_id="c-3")
    assert raw.call("CancelOrder", {"txid": first}) == {"count": 1}
    assert query(raw, first)["status"] == "canceled"
    assert query(raw, first)["reason"] == "User requested"
    assert raw.call("CancelOrder", {"txid": "11"}) == {"count": 1}
    assert raw.call("CancelOrder", {"cl_ord_id": "c-3"}) == {"count": 1}
    assert query(raw, third)["status"] == "canceled"
    assert raw.error("CancelOrder", {"txid": first}) == "EOrder:Unknown order"
    assert raw.error("CancelOrder", {"txid": "OAAAAA-BBBBB-CCCCCC"}) == "EOrder:Unknown order"
    assert [o.status for o in sandbox.orders()] == ["canceled"] * 3


def test_cancel_all_and_batch(raw: RawClient) -> None:
    limit = {"type": "buy", "ordertype": "limit", "volume": "0.001", "price": "50000"}
    txids = [place(raw, **limit) for _ in range(4)]
    place(raw, **limit, cl_ord_id="batch-me")
    result = raw.call(
        "CancelOrderBatch",
        {"orders": [txids[0], {"txid": txids[1]}], "cl_ord_ids": [{"cl_ord_id": "batch-me"}]},
        as_json=True,
    )
    assert result == {"count": 3}
    assert raw.call("CancelAll") == {"count": 2}
    assert raw.call("CancelAll") == {"count": 0}


def test_dead_mans_switch_cancels_everything(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(raw, type="buy", ordertype="limit", volume="0.001", price="50000")
    armed = raw.call("CancelAllOrdersAfter", {"timeout": 60})
    assert armed == {"currentTime": "2026-09-21T14:13:20Z", "triggerTime": "2026-09-21T14:14:20Z"}
    sandbox.advance(30)
    raw.call("CancelAllOrdersAfter", {"timeout": 60})  # refreshed: fires at +90 now
    sandbox.advance(50)
    assert query(raw, txid)["status"] == "open"
    sandbox.advance(15)
    order = query(raw, txid)
    assert order["status"] == "canceled"
    assert order["closetm"] == pytest.approx(1_790_000_090)
    place(raw, type="buy", ordertype="limit", volume="0.001", price="50000")
    raw.call("CancelAllOrdersAfter", {"timeout": 10})
    assert raw.call("CancelAllOrdersAfter", {"timeout": 0})["triggerTime"] == "0"
    sandbox.advance(60)
    assert len(raw.call("OpenOrders")["open"]) == 1


def test_add_order_batch(raw: RawClient, sandbox: Sandbox) -> None:
    orders = [
        {
            "ordertype": "limit",
            "type": "buy",
            "volume": "0.01",
            "price": "50000",
            "cl_ord_id": "b-1",
        },
        {"ordertype": "limit", "type": "sell", "volume": "50", "price": "150000"},
        {
            "ordertype": "limit",
            "type": "sell",
            "volume": "0.01",
            "price": "150000",
            "close": {"ordertype": "limit", "price": "90000"},
        },
    ]
    result = raw.call("AddOrderBatch", {"pair": "BTC/USD", "orders": orders}, as_json=True)
    entries = result["orders"]
    assert entries[0]["descr"] == {"order": "buy 0.01000000 XBTUSD @ limit 50000.0"}
    assert entries[1] == {"error": "EOrder:Insufficient funds"}
    assert entries[2]["descr"]["close"] == "close position @ limit 90000"
    assert [o.txid for o in sandbox.orders()] == [entries[0]["txid"], entries[2]["txid"]]
    # one invalid order rejects the whole batch
    bad = [*orders[:1], {"ordertype": "limit", "type": "buy", "volume": "0.01"}]
    assert raw.error("AddOrderBatch", {"pair": "BTC/USD", "orders": bad}, as_json=True) == (
        "EGeneral:Invalid arguments:price"
    )
    assert raw.error("AddOrderBatch", {"pair": "BTC/USD", "orders": orders[:1]}, as_json=True) == (
        "EGeneral:Invalid arguments:orders"
    )


def test_add_order_batch_as_form_fields(raw: RawClient) -> None:
    form = {"pair": "XBTUSD"}
    for index in range(2):
        form.update(
            {
                f"orders[{index}][ordertype]": "limit",
                f"orders[{index}][type]": "buy",
                f"orders[{index}][volume]": "0.001",
                f"orders[{index}][price]": "50000",
            }
        )
    assert len(raw.call("AddOrderBatch", form)["orders"]) == 2


def test_edit_order_replaces_it(raw: RawClient) -> None:
    txid = place(raw, type="buy", ordertype="limit", volume="0.01", price="50000", userref=3)
    result = raw.call(
        "EditOrder",
        {"txid": txid, "pair": "XBTUSD", "volume": "0.02", "price": "51000", "userref": 4},
    )
    assert result["status"] == "ok"
    assert result["originaltxid"] == txid
    assert (result["volume"], result["price"], result["orders_cancelled"]) == (
        "0.02000000",
        "51000.0",
        1,
    )
    assert (result["olduserref"], result["newuserref"]) == (3, 4)
    assert query(raw, txid)["status"] == "canceled"
    new = query(raw, result["txid"])
    assert new["status"] == "open"
    assert new["vol"] == "0.02000000"
    assert new["userref"] == 4


def test_amend_order_keeps_the_txid(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(
        raw, type="buy", ordertype="limit", volume="0.01", price="50000", cl_ord_id="amend-me"
    )
    result = raw.call(
        "AmendOrder", {"cl_ord_id": "amend-me", "order_qty": "0.02", "limit_price": "50100"}
    )
    order = query(raw, txid)
    assert (order["vol"], order["descr"]["price"], order["amended"]) == (
        "0.02000000",
        "50000.0",
        True,
    )
    assert order["descr"]["order"] == "buy 0.02000000 XBTUSD @ limit 50000.0"
    amends = raw.call("OrderAmends", {"order_id": txid})
    assert amends["count"] == 2
    assert [a["amend_type"] for a in amends["amends"]] == ["original", "user"]
    assert amends["amends"][1]["amend_id"] == result["amend_id"]
    assert amends["amends"][1]["limit_price"] == "50100.0"
    ask = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["a"][0])
    assert (
        raw.error("AmendOrder", {"txid": txid, "limit_price": str(ask + 50), "post_only": True})
        == "EOrder:Post only order"
    )


def test_conditional_close_places_the_opposite_order(raw: RawClient) -> None:
    txid = place(
        raw,
        type="buy",
        ordertype="market",
        volume="0.01",
        **{"close[ordertype]": "limit", "close[price]": "150000"},
    )
    parent = query(raw, txid)
    assert parent["descr"]["close"] == "close position @ limit 150000"
    children = [o for o in raw.call("OpenOrders")["open"].values() if o["refid"] == txid]
    assert len(children) == 1
    child = children[0]
    assert (child["descr"]["type"], child["vol"], child["descr"]["price"]) == (
        "sell",
        "0.01000000",
        "150000.0",
    )


def test_closed_orders_paging_and_filters(raw: RawClient, sandbox: Sandbox) -> None:
    for index in range(55):
        place(raw, type="buy", ordertype="market", volume="0.0001", userref=index % 2)
        sandbox.advance(1)
    page = raw.call("ClosedOrders")
    assert page["count"] == 55
    assert len(page["closed"]) == 50
    times = [o["closetm"] for o in page["closed"].values()]
    assert times == sorted(times, reverse=True)
    rest = raw.call("ClosedOrders", {"ofs": 50})
    assert len(rest["closed"]) == 5
    assert raw.call("ClosedOrders", {"userref": 1})["count"] == 27
    oldest = list(rest["closed"])[-1]
    assert raw.call("ClosedOrders", {"start": oldest})["count"] == 54
    assert "count" not in raw.call("ClosedOrders", {"without_count": True})


def test_margin_position_opens_and_closes(raw: RawClient, sandbox: Sandbox) -> None:
    txid = place(raw, type="buy", ordertype="market", volume="0.1", leverage="5")
    order = query(raw, txid)
    assert order["descr"]["leverage"] == "5:1"
    assert order["margin"] is True
    assert order["descr"]["order"].endswith("with 5:1 leverage")
    positions = raw.call("OpenPositions", {"docalcs": True})
    ((position_id, position),) = positions.items()
    assert position["vol"] == "0.10000000"
    assert position["posstatus"] == "open"
    margin = (Decimal(position["cost"]) / 5).quantize(Decimal("0.0001"))
    assert Decimal(position["margin"]) == margin
    assert "net" in position
    assert "value" in position
    balance = raw.call("TradeBalance")
    assert Decimal(balance["m"]) > 0
    assert "ml" in balance
    usd_before = sandbox.balances()["ZUSD"]
    assert raw.error(
        "AddOrder",
        {
            "pair": "ETHUSD",
            "type": "sell",
            "ordertype": "market",
            "volume": "0.1",
            "leverage": "2",
            "reduce_only": True,
        },
    ) == ("EOrder:Reduce only:No position exists")
    sandbox.advance(3600)
    close = place(
        raw, type="sell", ordertype="market", volume="0.2", leverage="5", reduce_only=True
    )
    closed = query(raw, close)
    assert closed["vol_exec"] == "0.10000000"  # reduce-only stops at the position's size
    assert raw.call("OpenPositions") == {}
    trade = raw.call("QueryTrades", {"txid": closed["trades"][0]})[closed["trades"][0]]
    assert trade["misc"] == "closing"
    assert trade["postxid"] == position_id
    margin_ledgers = [e for e in sandbox.ledgers() if e.type == "margin"]
    realised = sum(e.amount - e.fee for e in margin_ledgers)
    assert sandbox.balances()["ZUSD"] - usd_before == realised - margin_ledgers[0].amount + (
        margin_ledgers[0].fee
    )
    assert raw.error(
        "AddOrder",
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.1", "leverage": "7"},
    ) == ("EGeneral:Invalid arguments:leverage")


def test_margin_needs_collateral() -> None:
    from kraken_sdk.sandbox import ManualClock

    with (
        Sandbox(
            seed=1, tier="unlimited", clock=ManualClock(1_790_000_000), balances={"ZUSD": "100"}
        ) as sb,
        RawClient(sb.url, sb.api_key, sb.api_secret) as raw,
    ):
        assert raw.error(
            "AddOrder",
            {
                "pair": "XBTUSD",
                "type": "buy",
                "ordertype": "market",
                "volume": "0.1",
                "leverage": "2",
            },
        ) == ("EOrder:Margin level too low")
        assert raw.error(
            "AddOrder",
            {
                "pair": "XBTUSD",
                "type": "buy",
                "ordertype": "market",
                "volume": "400",
                "leverage": "5",
            },
        ) == ("EOrder:Margin position size exceeded")


def test_orders_inspection(raw: RawClient, sandbox: Sandbox) -> None:
    market = place(raw, type="buy", ordertype="market", volume="0.001")
    limit = place(
        raw, type="buy", ordertype="limit", volume="0.001", price="50000", cl_ord_id="inspect-me"
    )
    raw.call("CancelOrder", {"txid": limit})
    views = {view.txid: view for view in sandbox.orders()}
    assert views[market].status == "closed"
    assert views[market].vol_exec == Decimal("0.001")
    assert views[limit].status == "canceled"
    assert views[limit].cl_ord_id == "inspect-me"
    assert views[limit].api_key == sandbox.api_key
    assert [t.ordertxid for t in sandbox.trades()] == [market]


def test_take_profit_limit_and_trailing_stop_limit(raw: RawClient, sandbox: Sandbox) -> None:
    last = Decimal(raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["c"][0])
    trigger = (last + 300).quantize(Decimal("0.1"))
    take = place(
        raw,
        type="sell",
        ordertype="take-profit-limit",
        volume="0.001",
        price=str(trigger),
        price2=str(trigger - 5),
        trigger="index",
    )
    assert query(raw, take)["trigger"] == "index"
    trailing = place(
        raw, type="buy", ordertype="trailing-stop-limit", volume="0.001", price="+200", price2="+10"
    )
    order = query(raw, trailing)
    assert order["descr"]["order"] == "buy 0.00100000 XBTUSD @ trailing stop +200.0 -> limit +10.0"
    assert Decimal(order["limitprice"]) == Decimal(order["stopprice"]) + 10
    for _ in range(96):
        sandbox.advance(900)
        if query(raw, take)["misc"] and query(raw, trailing)["misc"]:
            break
    assert query(raw, take)["misc"].startswith("touched")
    fired = query(raw, trailing)
    assert fired["misc"].startswith("stopped")
    assert Decimal(fired["limitprice"]) == Decimal(fired["stopprice"]) + 10


def test_deadline(raw: RawClient, sandbox: Sandbox) -> None:
    order = {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.001"}
    assert raw.error("AddOrder", {**order, "deadline": "2026-09-21T14:13:00Z"}) == (
        "EService:Deadline elapsed"
    )
    assert raw.error("AddOrder", {**order, "deadline": "2026-09-21T15:00:00Z"}) == (
        "EGeneral:Invalid arguments:deadline"
    )
    assert raw.call("AddOrder", {**order, "deadline": "2026-09-21T14:13:30Z"})["txid"]
