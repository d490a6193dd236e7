"""Market data replayed from cassettes/test_market/: typed results from recorded Kraken traffic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_sdk.errors import UnknownPairError
from kraken_sdk.testing.plugin import KrakenCassette

pytestmark = pytest.mark.kraken_cassette

START = 1_790_000_000


def test_time_status_and_ticker(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    assert kraken.market.time().unixtime == START
    assert kraken.market.system_status().status == "online"
    (ticker,) = kraken.market.ticker(pair="BTC/USD").values()
    assert isinstance(ticker.c.price, Decimal)
    assert ticker.a.price > ticker.b.price


def test_book_trades_and_candles(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    (book,) = kraken.market.depth(pair="ETH/USD", count=5).values()
    assert len(book.asks) == len(book.bids) == 5
    assert [level.price for level in book.asks] == sorted(level.price for level in book.asks)
    assert book.bids[0].price < book.asks[0].price
    trades = kraken.market.trades(pair="SOL/USD", count=3)
    (rows,) = trades.pairs.values()
    assert len(rows) == 3
    assert all(row.volume > 0 for row in rows)
    candles = kraken.market.ohlc(pair="BTC/USD", interval=1440, since=START - 3 * 86400)
    (days,) = candles.pairs.values()
    assert 1 <= len(days) <= 4
    assert all(day.low <= day.open <= day.high for day in days)


def test_asset_pairs_and_assets(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    pairs = kraken.market.asset_pairs(pair="XBTUSD,ETHUSD")
    assert set(pairs) == {"XXBTZUSD", "XETHZUSD"}
    assert pairs["XXBTZUSD"].tick_size == Decimal("0.1")
    assets = kraken.market.assets(asset="XBT,ETH")
    assert assets["XXBT"].altname == "XBT"


def test_unknown_pair_is_refused_after_one_refresh(kraken_cassette: KrakenCassette) -> None:
    """The symbol table is fetched, refreshed once for the unknown name, then it raises."""
    kraken = kraken_cassette.client()
    with pytest.raises(UnknownPairError, match="NOPE/USD"):
        kraken.market.ticker(pair="NOPE/USD")
