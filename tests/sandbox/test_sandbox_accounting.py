"""Balances, trades and ledgers reconcile exactly, through the wire formats."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sandbox_raw import RawClient

from kraken_sdk.sandbox import Sandbox


def _trade_a_while(raw: RawClient, sandbox: Sandbox) -> None:
    orders = [
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.0123"},
        {"pair": "ETHUSD", "type": "sell", "ordertype": "market", "volume": "1.23456789"},
        {"pair": "XDGUSD", "type": "buy", "ordertype": "market", "volume": "12345.6789"},
        {"pair": "ETHXBT", "type": "buy", "ordertype": "market", "volume": "0.5"},
        {"pair": "XBTUSDT", "type": "sell", "ordertype": "market", "volume": "0.01"},
        {"pair": "SOLUSD", "type": "buy", "ordertype": "market", "volume": "3", "oflags": "fcib"},
        {"pair": "ADAUSD", "type": "sell", "ordertype": "limit", "volume": "100", "price": "0.6"},
        {"pair": "XRPUSD", "type": "buy", "ordertype": "market", "volume": "50", "oflags": "viqc"},
        {"pair": "DOTUSD", "type": "buy", "ordertype": "limit", "volume": "10", "price": "5"},
    ]
    for order in orders:
        raw.call("AddOrder", order)
        sandbox.advance(7)
    raw.call(
        "AddOrder",
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.05", "leverage": "3"},
    )
    sandbox.advance(600)
    raw.call(
        "AddOrder",
        {
            "pair": "XBTUSD",
            "type": "sell",
            "ordertype": "market",
            "volume": "0.05",
            "leverage": "3",
            "reduce_only": True,
        },
    )


def test_ledgers_reconcile_with_balances_exactly(raw: RawClient, sandbox: Sandbox) -> None:
    _trade_a_while(raw, sandbox)
    balances = raw.call("Balance")
    ledger = raw.call("Ledgers", {"ofs": 0})
    entries = dict(ledger["ledger"])
    offset = 50
    while offset < ledger["count"]:
        entries.update(raw.call("Ledgers", {"ofs": offset})["ledger"])
        offset += 50
    assert len(entries) == ledger["count"]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in sorted(entries.values(), key=lambda e: e["time"]):
        totals[entry["asset"]] += Decimal(entry["amount"]) - Decimal(entry["fee"])
    assert {asset: Decimal(value) for asset, value in balances.items()} == dict(totals)
    # each entry's balance is the running total of its asset, as printed
    running: dict[str, Decimal] = defaultdict(Decimal)
    for view in sandbox.ledgers():
        running[view.asset] += view.amount - view.fee
        assert running[view.asset] == view.balance


def test_every_trade_matches_its_ledger_entries(raw: RawClient, sandbox: Sandbox) -> None:
    _trade_a_while(raw, sandbox)
    history = raw.call("TradesHistory", {"ledgers": True})
    assert history["count"] == len(history["trades"]) == 11
    ledgers = {view.id: view for view in sandbox.ledgers()}
    for txid, trade in history["trades"].items():
        entries = [ledgers[ledger_id] for ledger_id in trade["ledgers"]]
        assert all(entry.refid == txid for entry in entries)
        if trade["margin"] != "0.00000" or trade["misc"] == "closing":
            continue  # margin trades move P/L and fees only
        pair = raw.public("AssetPairs", pair=trade["pair"])[trade["pair"]]
        by_asset = {entry.asset: entry for entry in entries}
        base, quote = by_asset[pair["base"]], by_asset[pair["quote"]]
        sign = 1 if trade["type"] == "buy" else -1
        assert base.amount == sign * Decimal(trade["vol"])
        assert quote.amount == -sign * Decimal(trade["cost"])
        assert quote.fee + base.fee * Decimal(trade["price"]) >= 0
        if base.fee == 0:
            assert quote.fee == Decimal(trade["fee"])


def test_order_totals_are_the_sum_of_their_trades(raw: RawClient, sandbox: Sandbox) -> None:
    _trade_a_while(raw, sandbox)
    trades = raw.call("TradesHistory")["trades"]
    closed = raw.call("ClosedOrders", {"trades": True})["closed"]
    for order in closed.values():
        if not order.get("trades"):
            continue
        mine = [trades[txid] for txid in order["trades"]]
        assert Decimal(order["cost"]) == sum(Decimal(t["cost"]) for t in mine)
        assert Decimal(order["fee"]) == sum(Decimal(t["fee"]) for t in mine)
        assert Decimal(order["vol_exec"]) == sum(Decimal(t["vol"]) for t in mine)


def test_trade_volume_counts_the_accounts_trades(raw: RawClient, sandbox: Sandbox) -> None:
    raw.call("AddOrder", {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "1"})
    volume = raw.call("TradeVolume", {"pair": "XBTUSD,ETHUSD"})
    assert Decimal(80000) < Decimal(volume["volume"]) < Decimal(100000)
    assert volume["fees"]["XXBTZUSD"]["fee"] == "0.2400"  # past 50 000 USD: the next tier
    assert volume["fees_maker"]["XETHZUSD"]["fee"] == "0.1400"
    assert volume["fees"]["XXBTZUSD"]["nextvolume"] == "100000.0000"
    sandbox.advance(31 * 86400)
    assert raw.call("TradeVolume")["volume"] == "0.0000"


def test_deposits_are_ledger_entries(raw: RawClient, sandbox: Sandbox) -> None:
    sandbox.fund("USD", "250.5")
    assert raw.call("Balance")["ZUSD"] == "100250.5000"
    deposits = raw.call("Ledgers", {"type": "deposit", "asset": "USD"})["ledger"]
    assert [entry["amount"] for entry in deposits.values()] == ["250.5000", "100000.0000"]
    status = raw.call("DepositStatus", {"asset": "ZUSD"})
    assert status[0]["amount"] == "250.5000"
    assert status[0]["status"] == "Success"


def test_a_long_history_pages_like_a_filtered_list(raw: RawClient, sandbox: Sandbox) -> None:
    now = sandbox.now()
    sandbox.add_history(240, every=10.0)
    booked = list(enumerate(sandbox.ledgers()))  # booking order breaks ties in time
    views = [view for _, view in sorted(booked, key=lambda b: (b[1].time, b[0]), reverse=True)]
    assert len(views) == 240 + 9  # and the 9 opening deposits
    assert views[-1].time == now - 2400  # the oldest; the newest is 10 s ago
    deposits = raw.call("DepositStatus", {"asset": "XBT"})
    assert len(deposits) >= 80
    for start, end, offset in [
        (None, None, 0),
        (None, None, 200),
        (now - 1000, None, 0),
        (None, now - 1000, 50),
        (now - 2000, now - 500, 100),
        (now - 500, now - 2000, 0),  # an empty window
        (now - 1005, now - 995, 0),  # bounds between two entries
    ]:
        params: dict[str, object] = {"ofs": offset}
        params |= {"start": start} if start is not None else {}
        params |= {"end": end} if end is not None else {}
        window = [
            view.id
            for view in views
            if (start is None or view.time > start) and (end is None or view.time <= end)
        ]
        page = raw.call("Ledgers", params)
        assert page["count"] == len(window)
        assert list(page["ledger"]) == window[offset : offset + 50]
