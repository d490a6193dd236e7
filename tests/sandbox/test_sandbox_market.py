"""Reference data and the synthetic market: real rows, consistent figures, time moving."""

from __future__ import annotations

import itertools
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from sandbox_raw import RawClient

from kraken_sdk.sandbox import Sandbox

PAIRS = {
    # key: (altname, wsname, base, quote)
    "XXBTZUSD": ("XBTUSD", "XBT/USD", "XXBT", "ZUSD"),
    "XETHZUSD": ("ETHUSD", "ETH/USD", "XETH", "ZUSD"),
    "SOLUSD": ("SOLUSD", "SOL/USD", "SOL", "ZUSD"),
    "XDGUSD": ("XDGUSD", "XDG/USD", "XXDG", "ZUSD"),
    "XXRPZUSD": ("XRPUSD", "XRP/USD", "XXRP", "ZUSD"),
    "ADAUSD": ("ADAUSD", "ADA/USD", "ADA", "ZUSD"),
    "DOTUSD": ("DOTUSD", "DOT/USD", "DOT", "ZUSD"),
    "XETHXXBT": ("ETHXBT", "ETH/XBT", "XETH", "XXBT"),
    "XBTUSDT": ("XBTUSDT", "XBT/USDT", "XXBT", "USDT"),
}
SHARED = Path(os.environ.get("KRAKEN_SDK_SHARED", Path(__file__).resolve().parents[3] / "shared"))
CORPUS = SHARED / "conformance"


def test_asset_pairs_have_krakens_names(raw: RawClient) -> None:
    pairs = raw.public("AssetPairs")
    assert set(PAIRS) <= set(pairs)
    for key, (altname, wsname, base, quote) in PAIRS.items():
        row = pairs[key]
        assert (row["altname"], row["wsname"], row["base"], row["quote"]) == (
            altname,
            wsname,
            base,
            quote,
        )
        assert row["fees"][0] == [0, 0.26]
        assert row["fees_maker"][0] == [0, 0.16]
    btc = pairs["XXBTZUSD"]
    assert (btc["pair_decimals"], btc["lot_decimals"], btc["cost_decimals"]) == (1, 8, 5)
    assert (btc["ordermin"], btc["costmin"], btc["tick_size"]) == ("0.00005", "0.5", "0.1")
    assert pairs["XDGUSD"]["tick_size"] == "0.0000001"


@pytest.mark.skipif(not CORPUS.exists(), reason="shared conformance corpus not present")
def test_asset_pair_rows_match_krakens_real_rows(raw: RawClient) -> None:
    """Field for field, the sandbox's rows agree with rows Kraken actually returned."""
    real = json.loads((CORPUS / "AssetPairs.json").read_text())
    ours = raw.public("AssetPairs")
    compared = 0
    for sample in real["samples"]:
        for key, row in sample["response"]["result"].items():
            if key in ("XBTUSDT",) and key in ours:
                for field in (
                    "altname",
                    "wsname",
                    "base",
                    "quote",
                    "pair_decimals",
                    "lot_decimals",
                    "cost_decimals",
                    "ordermin",
                    "costmin",
                    "tick_size",
                    "status",
                ):
                    assert ours[key][field] == row[field], (key, field)
                compared += 1
    assert compared


def test_asset_pairs_by_any_name(raw: RawClient) -> None:
    # canonical key even when asked by altname; the symbol itself when asked as BTC/USD
    assert list(raw.public("AssetPairs", pair="XBTUSD,ETHXBT")) == ["XXBTZUSD", "XETHXXBT"]
    assert list(raw.public("AssetPairs", pair="BTC/USD,DOGE/USD")) == ["BTC/USD", "DOGE/USD"]
    assert list(raw.public("Ticker", pair="xdgusd")) == ["XDGUSD"]
    assert raw.public("AssetPairs", pair="XBTUSD", info="leverage") == {
        "XXBTZUSD": {"leverage_buy": [2, 3, 4, 5], "leverage_sell": [2, 3, 4, 5]}
    }
    assert raw.get("AssetPairs", pair="NOPE").json() == {"error": ["EQuery:Unknown asset pair"]}


def test_assets(raw: RawClient) -> None:
    assets = raw.public("Assets")
    assert assets["XXBT"]["altname"] == "XBT"
    assert assets["XXBT"]["decimals"] == 10
    assert assets["ZUSD"]["decimals"] == 4
    assert assets["XXDG"]["altname"] == "XDG"
    assert list(raw.public("Assets", asset="XBT,DOGE")) == ["XXBT", "XXDG"]
    assert raw.get("Assets", asset="NOPE").json() == {"error": ["EQuery:Unknown asset"]}


def test_prices_start_near_real_prices(raw: RawClient) -> None:
    ticker = raw.public("Ticker")
    assert set(PAIRS) <= set(ticker)
    btc = Decimal(ticker["XXBTZUSD"]["c"][0])
    assert Decimal(70000) < btc < Decimal(100000)
    eth_btc = Decimal(ticker["XETHXXBT"]["c"][0])
    eth = Decimal(ticker["XETHZUSD"]["c"][0])
    assert abs(eth_btc - eth / btc) / eth_btc < Decimal("0.01")  # the cross rate holds


def test_ticker_depth_spread_trades_and_candles_agree(raw: RawClient) -> None:
    ticker = raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]
    book = raw.public("Depth", pair="XBTUSD", count=5)["XXBTZUSD"]
    trades = raw.public("Trades", pair="XBTUSD", count=5)
    candles = raw.public("OHLC", pair="XBTUSD")["XXBTZUSD"]
    spread = raw.public("Spread", pair="XBTUSD")["XXBTZUSD"]
    assert ticker["a"][0] == book["asks"][0][0]
    assert ticker["b"][0] == book["bids"][0][0]
    assert Decimal(book["bids"][0][0]) < Decimal(book["asks"][0][0])
    asks = [Decimal(level[0]) for level in book["asks"]]
    bids = [Decimal(level[0]) for level in book["bids"]]
    assert asks == sorted(asks)
    assert bids == sorted(bids, reverse=True)
    last_trade = trades["XXBTZUSD"][-1]
    assert ticker["c"] == [last_trade[0], last_trade[1]]
    assert Decimal(candles[-1][4]) == Decimal(ticker["c"][0])  # forming candle's close
    assert spread[-1][1:] == [ticker["b"][0], ticker["a"][0]]
    low, high = Decimal(ticker["l"][1]), Decimal(ticker["h"][1])
    assert low <= Decimal(ticker["c"][0]) <= high


def test_number_formats_follow_the_pair(raw: RawClient) -> None:
    ticker = raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]
    assert ticker["a"][0].split(".")[1].__len__() == 5  # cost decimals, like Kraken's 30300.10000
    candle = raw.public("OHLC", pair="XBTUSD")["XXBTZUSD"][-1]
    assert len(candle[1].split(".")[1]) == 1
    assert len(candle[6].split(".")[1]) == 8
    doge = raw.public("Depth", pair="XDGUSD", count=1)["XDGUSD"]
    assert len(doge["asks"][0][0].split(".")[1]) == 9
    assert len(doge["asks"][0][1].split(".")[1]) == 3


@pytest.mark.parametrize("interval", [1, 5, 15, 30, 60, 240, 1440, 10080, 21600])
def test_ohlc_every_interval(raw: RawClient, interval: int) -> None:
    result = raw.public("OHLC", pair="ETHUSD", interval=interval)
    rows = result["XETHZUSD"]
    assert len(rows) == 720
    period = interval * 60
    assert all(b[0] - a[0] == period for a, b in itertools.pairwise(rows))
    assert result["last"] == rows[-2][0]  # the last committed candle
    for row in rows:
        low, high = Decimal(row[3]), Decimal(row[2])
        assert low <= Decimal(row[1]) <= high
        assert low <= Decimal(row[4]) <= high
    newer = raw.public("OHLC", pair="ETHUSD", interval=interval, since=result["last"])
    assert [row[0] for row in newer["XETHZUSD"]] == [rows[-1][0]]


def test_time_moves_the_market(raw: RawClient, sandbox: Sandbox) -> None:
    first = raw.public("Trades", pair="XBTUSD")
    before = raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["c"][0]
    sandbox.advance(3600)
    after = raw.public("Ticker", pair="XBTUSD")["XXBTZUSD"]["c"][0]
    assert before != after
    newer = raw.public("Trades", pair="XBTUSD", since=first["last"])
    assert len(newer["XXBTZUSD"]) == 1000  # an hour of trades, paged 1000 at a time
    assert newer["XXBTZUSD"][0][6] == first["XXBTZUSD"][-1][6] + 1  # ids continue, no gap
    rest = raw.public("Trades", pair="XBTUSD", since=newer["last"])["XXBTZUSD"]
    assert 150 < len(rest) < 250
    assert rest[-1][2] <= sandbox.now()


def test_trades_since_seconds_and_count(raw: RawClient, sandbox: Sandbox) -> None:
    since = int(sandbox.now()) - 60
    rows = raw.public("Trades", pair="XBTUSD", since=since, count=3)["XXBTZUSD"]
    assert len(rows) == 3
    assert all(row[2] > since for row in rows)
    assert raw.get("Trades", pair="XBTUSD", count=0).json()["error"] == [
        "EGeneral:Invalid arguments:count"
    ]


def test_same_seed_same_market() -> None:
    from kraken_sdk.sandbox import ManualClock

    def ticker(seed: int) -> object:
        with Sandbox(seed=seed, clock=ManualClock(1_790_000_000)) as sb, RawClient(sb.url) as raw:
            return raw.public("Ticker", pair="XBTUSD")

    assert ticker(3) == ticker(3)
    assert ticker(3) != ticker(4)


def test_grouped_book_and_level3(raw: RawClient) -> None:
    grouped = raw.public("GroupedBook", pair="BTC/USD", depth=10, grouping=10)
    assert grouped["pair"] == "BTC/USD"
    assert grouped["grouping"] == 10
    assert len(grouped["asks"]) == 10
    assert len(grouped["bids"]) == 10
    level3 = raw.call("Level3", {"pair": "BTC/USD", "depth": 10})
    assert len(level3["asks"]) == 10


def test_system_status(raw: RawClient, sandbox: Sandbox) -> None:
    assert raw.public("SystemStatus")["status"] == "online"
    sandbox.set_status("cancel_only")
    status = raw.public("SystemStatus")
    assert status == {"status": "cancel_only", "timestamp": "2026-09-21T14:13:20Z"}
    order = {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.001"}
    assert raw.error("AddOrder", order) == "EService:Market in cancel_only mode"
