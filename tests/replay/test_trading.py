"""Orders replayed from cassettes/test_trading/: place, amend, cancel, batch (JSON bodies)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_sdk.errors import InsufficientFundsError
from kraken_sdk.testing import REDACTED
from kraken_sdk.testing.plugin import KrakenCassette

pytestmark = pytest.mark.kraken_cassette


def test_limit_order_lifecycle(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    placed = kraken.trading.add_order(
        pair="BTC/USD",
        type="buy",
        ordertype="limit",
        volume="0.01",
        price="40000",
        cl_ord_id="replay-limit-1",
    )
    (txid,) = placed.txid
    assert placed.descr.order == "buy 0.01000000 XBTUSD @ limit 40000.0"
    open_orders = kraken.account.open_orders().open
    assert open_orders[txid].cl_ord_id == "replay-limit-1"
    amended = kraken.trading.amend_order(cl_ord_id="replay-limit-1", limit_price="40100")
    assert amended.amend_id
    assert kraken.account.open_orders().open[txid].amended is True
    amends = kraken.account.order_amends(order_id=txid).amends
    assert [amend.limit_price for amend in amends] == [Decimal(40000), Decimal(40100)]
    assert kraken.trading.cancel_order(txid=txid).count == 1
    assert kraken.account.open_orders().open == {}


def test_batch_orders_send_json(kraken_cassette: KrakenCassette) -> None:
    """AddOrderBatch and CancelOrderBatch bodies are JSON: scrubbed and matched like forms."""
    kraken = kraken_cassette.client()
    batch = kraken.trading.add_order_batch(
        pair="BTC/USD",
        orders=[
            {
                "ordertype": "limit",
                "type": "buy",
                "volume": "0.001",
                "price": "40000",
                "cl_ord_id": "replay-batch-1",
            },
            {
                "ordertype": "limit",
                "type": "buy",
                "volume": "0.001",
                "price": "40001",
                "cl_ord_id": "replay-batch-2",
            },
        ],
    )
    txids = [entry.txid for entry in batch.orders]
    assert all(txids)
    assert len(kraken.account.open_orders().open) == 2
    assert kraken.trading.cancel_order_batch(orders=txids).count == 2
    assert kraken.trading.cancel_all().count == 0


def test_insufficient_funds_replays_as_its_error(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    with pytest.raises(InsufficientFundsError):
        kraken.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="market", volume="50", cl_ord_id="replay-big"
        )


def test_web_sockets_token_is_scrubbed(kraken_cassette: KrakenCassette) -> None:
    """The live token reaches the test; the cassette only ever holds REDACTED."""
    token = kraken_cassette.client().trading.get_web_sockets_token()
    assert token.expires == 900
    if kraken_cassette.recording:
        assert token.token != REDACTED
    else:
        assert token.token == REDACTED
