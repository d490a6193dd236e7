"""Pair and asset names: every spelling in, Kraken's names out, standard names back."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from kraken_wire import API, ASSET_PAIRS, ASSETS, ok, rejected

from kraken_sdk import KrakenClient
from kraken_sdk.errors import UnknownPairError
from kraken_sdk.symbols import Symbols, SymbolTable, split_balance_code

TABLE = SymbolTable.from_kraken(ASSET_PAIRS, ASSETS)


@pytest.mark.parametrize(
    "name", ["BTC/USD", "XBT/USD", "XBTUSD", "XXBTZUSD", "btc/usd", " XBTUSD "]
)
def test_every_spelling_of_a_pair_finds_it(name: str) -> None:
    pair = TABLE.pair(name)
    assert (pair.key, pair.altname, pair.wsname, pair.symbol) == (
        "XXBTZUSD",
        "XBTUSD",
        "XBT/USD",
        "BTC/USD",
    )


@pytest.mark.parametrize(
    ("kraken_name", "standard"),
    [
        ("XXBTZUSD", "BTC/USD"),
        ("XETHXXBT", "ETH/BTC"),
        ("ETHXBT", "ETH/BTC"),
        ("XDGUSD", "DOGE/USD"),
        ("XTZUSD", "XTZ/USD"),  # Tezos keeps its X: names come from Assets, not from stripping
        ("XLTCZUSD", "LTC/USD"),
    ],
)
def test_kraken_pair_names_turn_into_standard_ones(kraken_name: str, standard: str) -> None:
    assert TABLE.standard_pair(kraken_name) == standard


def test_doge_is_found_by_its_standard_name() -> None:
    assert TABLE.pair("DOGE/USD").altname == "XDGUSD"


@pytest.mark.parametrize(
    ("code", "standard"),
    [
        ("XXBT", "BTC"),
        ("XBT", "BTC"),
        ("ZUSD", "USD"),
        ("XXDG", "DOGE"),
        ("XTZ", "XTZ"),
        ("KFEE", "FEE"),
        ("XBT.F", "BTC.F"),
        ("XXBT.B", "BTC.B"),
        ("ETH2.S", "ETH2.S"),
        ("USD.M", "USD.M"),
        ("SOL.T", "SOL.T"),
        ("GRT28.S", "GRT28.S"),  # unknown lock-period asset: kept as it is
    ],
)
def test_asset_codes_and_balance_suffixes(code: str, standard: str) -> None:
    assert TABLE.standard_asset(code) == standard


def test_split_balance_code() -> None:
    assert split_balance_code("XBT.F") == ("XBT", ".F")
    assert split_balance_code("ETH2.S") == ("ETH2", ".S")
    assert split_balance_code("ZUSD") == ("ZUSD", "")
    assert split_balance_code("A.X") == ("A.X", "")


@pytest.mark.parametrize(
    ("wrong", "suggested"),
    [("BTCUSD", "BTC/USD"), ("BTC/USDD", "BTC/USD"), ("ETHUSDD", "ETH/USD")],
)
def test_an_unknown_pair_suggests_close_matches(wrong: str, suggested: str) -> None:
    with pytest.raises(UnknownPairError) as caught:
        TABLE.pair(wrong)
    assert suggested in caught.value.suggestions
    assert f"did you mean {caught.value.suggestions[0]}" in str(caught.value)
    assert isinstance(caught.value, ValueError)


class _Fetcher:
    def __init__(self, pairs: dict[str, Any]) -> None:
        self.pairs = pairs
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append((method, params))
        if method == "AssetPairs":
            return self.pairs if not params else {}
        return ASSETS


def test_the_table_is_fetched_once_and_cached_until_the_ttl() -> None:
    now = [0.0]
    fetch = _Fetcher(ASSET_PAIRS)
    symbols = Symbols(fetch, ttl=100, clock=lambda: now[0])
    assert symbols.pair("BTC/USD").altname == "XBTUSD"
    assert symbols.pair("ETH/USD").altname == "ETHUSD"
    assert fetch.calls == [("AssetPairs", {}), ("Assets", {})]
    now[0] = 101
    symbols.pair("BTC/USD")
    assert len(fetch.calls) == 4


def test_an_unknown_name_refreshes_once_including_tokenized_assets() -> None:
    now = [0.0]
    fetch = _Fetcher({"XXBTZUSD": ASSET_PAIRS["XXBTZUSD"]})
    symbols = Symbols(fetch, clock=lambda: now[0])
    symbols.pair("BTC/USD")
    fetch.pairs = ASSET_PAIRS  # listed meanwhile
    assert symbols.pair("SOL/USD").altname == "SOLUSD"
    assert ("AssetPairs", {"aclass_base": "tokenized_asset"}) in fetch.calls
    before = len(fetch.calls)
    with pytest.raises(UnknownPairError):
        symbols.pair("NOPE/USD")
    with pytest.raises(UnknownPairError):
        symbols.pair("NOPE/USD")  # within a minute: no second refresh for the same name
    assert len(fetch.calls) == before + 4


def test_the_client_loads_symbols_on_first_use_and_sends_altnames(
    kraken: responses.RequestsMock,
) -> None:
    kraken.get(f"{API}/0/public/AssetPairs", json=ok(ASSET_PAIRS))
    kraken.get(f"{API}/0/public/Assets", json=ok(ASSETS))
    kraken.get(f"{API}/0/public/Ticker", json=ok({}))
    kraken.get(f"{API}/0/public/Ticker", json=ok({}))
    with KrakenClient() as client:
        client.market.ticker(pair=["BTC/USD", "XETHZUSD"])
        client.market.ticker(pair="DOGE/USD,XBT/USD")
        assert client.symbols.standard_asset("XXBT.F") == "BTC.F"
    assert kraken.calls[2].request.url == f"{API}/0/public/Ticker?pair=XBTUSD%2CETHUSD"
    assert kraken.calls[3].request.url == f"{API}/0/public/Ticker?pair=XDGUSD%2CXBTUSD"


def test_asset_pairs_itself_passes_its_pair_argument_through(
    kraken: responses.RequestsMock,
) -> None:
    kraken.get(f"{API}/0/public/AssetPairs", json=ok({}))
    with KrakenClient() as client:
        client.market.asset_pairs(pair="BTC/USD")
    assert kraken.calls[0].request.url == f"{API}/0/public/AssetPairs?pair=BTC%2FUSD"


def test_newer_methods_get_the_standard_symbol(
    kraken: responses.RequestsMock, public: KrakenClient
) -> None:
    kraken.get(
        f"{API}/0/public/GroupedBook",
        json=ok({"pair": "BTC/USD", "grouping": 1, "bids": [], "asks": []}),
    )
    public.market.grouped_book(pair="XXBTZUSD")
    assert kraken.calls[0].request.url == f"{API}/0/public/GroupedBook?pair=BTC%2FUSD"


def test_an_unknown_pair_fails_before_the_call_with_suggestions(
    kraken: responses.RequestsMock, public: KrakenClient
) -> None:
    kraken.get(f"{API}/0/public/AssetPairs", json=ok(ASSET_PAIRS))  # the one refresh
    kraken.get(f"{API}/0/public/Assets", json=ok(ASSETS))
    kraken.get(f"{API}/0/public/AssetPairs", json=rejected("EQuery:Unknown asset pair"))
    kraken.get(f"{API}/0/public/Assets", json=ok({}))
    with pytest.raises(UnknownPairError, match=r"Depth: pair: unknown pair 'BTCUSD'.*BTC/USD"):
        public.market.depth(pair="BTCUSD")
    assert all("/Depth" not in call.request.url for call in kraken.calls)
