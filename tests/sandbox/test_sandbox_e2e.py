"""End to end: KrakenClient over real HTTP against the sandbox, for every client method.

One sandbox serves the whole module (its clock is manual, its limits a fast Pro-like tier);
the last test checks from the sandbox's own request log that every Kraken method the client
has was called and took effect.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from kraken_sdk import ENDPOINTS
from kraken_sdk.sandbox import ManualClock, Sandbox

pytestmark = pytest.mark.e2e

KrakenClient = pytest.importorskip("kraken_sdk.client").KrakenClient


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=11, tier="unlimited", clock=ManualClock(1_790_000_000)) as sb:
        yield sb


@pytest.fixture(scope="module")
def kraken(sandbox: Sandbox) -> Iterator[Any]:
    client = sandbox.client(allow_withdrawals=True, timeout=5.0)
    yield client
    client.close()


def test_market_data(kraken: Any) -> None:
    assert kraken.market.time().unixtime == 1_790_000_000
    assert kraken.market.system_status().status == "online"
    assets = kraken.market.assets()
    assert assets["XXBT"].altname == "XBT"
    pairs = kraken.market.asset_pairs(pair="XBTUSD,ETHUSD")
    assert pairs["XXBTZUSD"].tick_size == Decimal("0.1")
    ticker = kraken.market.ticker(pair="BTC/USD")
    (info,) = ticker.values()
    assert info.a.price > info.b.price
    candles = kraken.market.ohlc(pair="BTC/USD", interval=15)
    assert len(next(iter(candles.pairs.values()))) == 720
    book = kraken.market.depth(pair="ETH/USD", count=10)
    (levels,) = book.values()
    assert len(levels.asks) == 10
    trades = kraken.market.trades(pair="SOL/USD", count=5)
    assert len(next(iter(trades.pairs.values()))) == 5
    spread = kraken.market.spread(pair="XRP/USD")
    assert spread.last > 0
    grouped = kraken.market.grouped_book(pair="BTC/USD", depth=10, grouping=5)
    assert len(grouped.bids) == 10
    level3 = kraken.market.level3(pair="BTC/USD", depth=10)
    assert len(level3.asks) == 10


def test_account_reads(kraken: Any) -> None:
    balance = kraken.account.balance()
    assert balance["ZUSD"] == Decimal("100000.0000")
    extended = kraken.account.balance_ex()
    assert extended["XXBT"].balance == Decimal(2)
    assert kraken.account.trade_balance(asset="ZUSD").eb > 0
    assert kraken.account.credit_lines().asset_details == {}
    assert kraken.account.trade_volume(pair="XBTUSD").currency == "ZUSD"
    info = kraken.account.get_api_key_info()
    assert "modify-trades" in info.permissions
    assert kraken.trading.get_web_sockets_token().expires == 900


def test_scenario_fund_buy_then_a_limit_sell_fills(kraken: Any, sandbox: Sandbox) -> None:
    """Fund, market-buy, rest a limit sell above the market, let time pass until it fills;
    then the trades and ledgers must explain the balances exactly."""
    sandbox.fund("USD", "5000")
    start = {asset: value for asset, value in kraken.account.balance().items()}
    bought = kraken.trading.add_order(pair="ETH/USD", type="buy", ordertype="market", volume="1.5")
    (buy_txid,) = bought.txid
    ask = kraken.market.ticker(pair="ETHUSD")["XETHZUSD"].a.price
    target = (ask * Decimal("1.01")).quantize(Decimal("0.01"))
    sold = kraken.trading.add_order(
        pair="ETH/USD", type="sell", ordertype="limit", volume="1.5", price=target
    )
    (sell_txid,) = sold.txid
    assert sell_txid in kraken.account.open_orders().open
    for _ in range(24 * 14):
        sandbox.advance(3600)
        if not kraken.account.open_orders().open:
            break
    orders = kraken.account.query_orders(txid=f"{buy_txid},{sell_txid}", trades=True)
    assert orders[sell_txid].status == "closed"
    assert orders[sell_txid].price == target
    trades = kraken.account.trades_history(ledgers=True).trades
    mine = [t for t in trades.values() if t.ordertxid in (buy_txid, sell_txid)]
    assert len(mine) == 2
    assert {t.maker for t in mine} == {True, False}
    end = kraken.account.balance()
    usd = sum((-(t.cost + t.fee) if t.type == "buy" else t.cost - t.fee for t in mine), Decimal(0))
    assert end["ZUSD"] - start["ZUSD"] == usd
    assert end["XETH"] == start["XETH"]
    ledger_ids = [ledger for t in mine for ledger in t.ledgers]
    entries = kraken.account.query_ledgers(id=",".join(ledger_ids))
    assert sum(e.amount - e.fee for e in entries.values() if e.asset == "ZUSD") == usd
    by_trade = kraken.account.query_trades(
        txid=",".join(t_id for t_id in trades if trades[t_id] in mine)
    )
    assert len(by_trade) == 2
    ledgers = kraken.account.ledgers(asset="ZUSD")
    assert ledgers.count >= 3


def test_order_management(kraken: Any, sandbox: Sandbox) -> None:
    placed = kraken.trading.add_order(
        pair="XBT/USD",
        type="buy",
        ordertype="limit",
        volume="0.01",
        price="50000",
        cl_ord_id="e2e-1",
    )
    (txid,) = placed.txid
    amended = kraken.trading.amend_order(cl_ord_id="e2e-1", limit_price="50100")
    assert amended.amend_id.startswith("T")
    amends = kraken.account.order_amends(order_id=txid)
    assert amends.count == 2
    edited = kraken.trading.edit_order(txid=txid, pair="XBTUSD", volume="0.02", price="50200")
    assert edited.originaltxid == txid
    closed = kraken.account.closed_orders(cl_ord_id="e2e-1")
    assert txid in closed.closed
    assert kraken.trading.cancel_order(txid=edited.txid).count == 1
    batch = kraken.trading.add_order_batch(
        pair="BTC/USD",
        orders=[
            {"ordertype": "limit", "type": "buy", "volume": "0.001", "price": "50000"},
            {"ordertype": "limit", "type": "buy", "volume": "0.001", "price": "50001"},
            {"ordertype": "limit", "type": "buy", "volume": "0.001", "price": "50002"},
        ],
    )
    txids = [entry.txid for entry in batch.orders]
    assert all(txids)
    assert kraken.trading.cancel_order_batch(orders=txids[:2]).count == 2
    armed = kraken.trading.cancel_all_orders_after(timeout=30)
    assert armed.trigger_time > armed.current_time  # RFC 3339 strings sort as times
    sandbox.advance(31)
    assert kraken.account.open_orders().open == {}
    assert kraken.trading.cancel_all().count == 0


def test_margin_positions(kraken: Any) -> None:
    kraken.trading.add_order(
        pair="XBTUSD", type="buy", ordertype="market", volume="0.05", leverage="2"
    )
    positions = kraken.account.open_positions(docalcs=True)
    assert len(positions) == 1
    kraken.trading.add_order(
        pair="XBTUSD",
        type="sell",
        ordertype="market",
        volume="0.05",
        leverage="2",
        reduce_only=True,
    )
    assert kraken.account.open_positions() == {}


def test_funding_earn_and_subaccounts(kraken: Any, sandbox: Sandbox) -> None:
    assert kraken.funding.deposit_methods(asset="XBT")[0].method == "Bitcoin"
    assert kraken.funding.deposit_addresses(asset="XBT", method="Bitcoin")
    assert kraken.funding.deposit_status(asset="USD")
    assert kraken.funding.withdraw_methods(asset="XBT")
    (address,) = kraken.funding.withdraw_addresses(asset="XBT")
    info = kraken.funding.withdraw_info(asset="XBT", key=address.key, amount="0.1")
    assert info.fee > 0
    refid = kraken.funding.withdraw(asset="XBT", key=address.key, amount="0.1").refid
    assert kraken.funding.withdraw_status(asset="XBT")[0].refid == refid
    assert kraken.funding.withdraw_cancel(asset="XBT", refid=refid) is True
    assert kraken.funding.wallet_transfer(
        asset="USD", from_="Spot Wallet", to="Futures Wallet", amount="10"
    ).refid
    strategy = kraken.earn.strategies(asset="DOT").items[0]
    assert kraken.earn.allocate(strategy_id=strategy.id, amount="10") is True
    assert kraken.earn.allocate_status(strategy_id=strategy.id).pending is False
    assert kraken.earn.allocations().items
    assert kraken.earn.deallocate(strategy_id=strategy.id, amount="5") is True
    assert kraken.earn.deallocate_status(strategy_id=strategy.id).pending is False
    assert kraken.subaccounts.create_subaccount(username="e2e", email="e2e@example.com") is True
    master = kraken.account.get_api_key_info().iban
    sub = sandbox.state.funding.subaccounts["e2e"]  # Kraken shows it to the subaccount's key
    before = kraken.account.balance()["ZUSD"]
    moved = kraken.subaccounts.account_transfer(asset="USD", amount="25", from_=master, to=sub)
    assert moved.status == "complete"
    assert kraken.account.balance()["ZUSD"] == before - 25
    with pytest.raises(Exception, match="Invalid arguments:to"):
        kraken.subaccounts.account_transfer(asset="USD", amount="1", from_=master, to="nowhere")


def test_exports(kraken: Any, sandbox: Sandbox) -> None:
    export_id = kraken.account.add_export(report="ledgers", description="e2e").id
    sandbox.advance(2)
    (status,) = [s for s in kraken.account.export_status(report="ledgers") if s.id == export_id]
    assert status.status == "Processed"
    archive = kraken.account.retrieve_export(id=export_id)
    assert bytes(archive[:2]) == b"PK"
    assert kraken.account.remove_export(id=export_id, type="delete").delete is True


def test_every_client_method_reached_the_sandbox(sandbox: Sandbox) -> None:
    reached = {record.method for record in sandbox.requests() if record.committed}
    missing = sorted(set(ENDPOINTS) - reached)
    assert missing == []
