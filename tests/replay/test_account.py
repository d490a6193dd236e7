"""Account reads replayed from cassettes/test_account/, before and after a trade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_sdk.testing.plugin import KrakenCassette

pytestmark = pytest.mark.kraken_cassette


def test_balances_and_volume(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    balance = kraken.account.balance()
    assert balance["ZUSD"] == Decimal("100000.0000")
    assert kraken.account.balance_ex()["XXBT"].balance == Decimal(2)
    assert kraken.account.trade_balance(asset="ZUSD").eb > 0
    assert kraken.account.trade_volume(pair="BTC/USD").currency == "ZUSD"


def test_history_after_a_market_buy(kraken_cassette: KrakenCassette) -> None:
    """The order goes out with the cl_ord_id the SDK generates; the plugin seeds that
    generator, so the recorded AddOrder body matches on replay."""
    kraken = kraken_cassette.client()
    placed = kraken.trading.add_order(pair="ETH/USD", type="buy", ordertype="market", volume="0.5")
    (txid,) = placed.txid
    order = kraken.account.query_orders(txid=txid, trades=True)[txid]
    assert order.status == "closed"
    assert order.vol_exec == Decimal("0.5")
    assert order.cl_ord_id is not None
    assert txid in kraken.account.closed_orders().closed
    trades = kraken.account.trades_history().trades
    (trade,) = [trade for trade in trades.values() if trade.ordertxid == txid]
    assert trade.vol == Decimal("0.5")
    assert trade.type == "buy"
    ledgers = kraken.account.ledgers(asset="XETH").ledger
    assert any(
        entry.type == "trade" and entry.amount == Decimal("0.5") for entry in ledgers.values()
    )
