"""What the generated models promise: exact Decimals, named rows, lenient answers, strict requests.

These bodies are small and written here, so the behaviour is visible at a glance; real Kraken
bodies are covered by test_conformance.py.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import msgspec
import pytest

from kraken_sdk import ENDPOINTS
from kraken_sdk.errors import KrakenError, ResponseDecodeError
from kraken_sdk.models.add_order import AddOrderParams
from kraken_sdk.models.ohlc import OHLCResult, OHLCRow
from kraken_sdk.models.ticker import TickerInfo

TICKER = b"""{"error": [], "result": {"XXBTZUSD": {
  "a": ["30300.10000", "1", "1.000"], "b": ["30300.00000", "1", "1.000"],
  "c": ["30303.20000", "0.00067643"], "v": ["4083.67001100", "4412.73601799"],
  "p": ["30706.77771", "30689.13205"], "t": [34619, 38907],
  "l": ["29868.30000", "29868.30000"], "h": ["31631.00000", "31631.00000"],
  "o": "30502.80000", "brand_new_field": {"x": 1}}}}"""

OHLC = b"""{"error": [], "result": {"XXBTZUSD": [
  [1688671200, "30306.1", "30306.2", "30305.7", "30305.7", "30306.1", "3.39243896", 23],
  [1688671260, "30304.5", "30304.5", "30300.0", "30300.0", "30300.0", "4.42996871", 18, "extra"]
 ], "last": 1688672160}}"""


def test_prices_are_exact_decimals_in_named_fields() -> None:
    ticker = ENDPOINTS["Ticker"].decode(TICKER)

    info = ticker["XXBTZUSD"]
    assert isinstance(info, TickerInfo)
    assert info.a.price == Decimal("30300.10000")
    assert str(info.a.price) == "30300.10000"  # trailing zeros kept, nothing went through float
    assert info.c.lot_volume == Decimal("0.00067643")
    assert info.t.today == 34619
    assert info.o == Decimal("30502.80000")


def test_unknown_response_fields_are_tolerated() -> None:
    ticker = ENDPOINTS["Ticker"].decode(TICKER)
    assert not hasattr(ticker["XXBTZUSD"], "brand_new_field")


def test_candles_keep_their_rows_beside_last() -> None:
    result = ENDPOINTS["OHLC"].decode(OHLC)

    assert isinstance(result, OHLCResult)
    assert result.last == 1688672160
    assert list(result.pairs) == ["XXBTZUSD"]
    first, second = result.pairs["XXBTZUSD"]
    assert isinstance(first, OHLCRow)
    assert (first.time, first.close, first.count) == (1688671200, Decimal("30305.7"), 23)
    assert second.volume == Decimal("4.42996871")  # the extra trailing element was ignored


def test_error_envelope_raises_with_kraken_strings() -> None:
    with pytest.raises(KrakenError) as caught:
        ENDPOINTS["AddOrder"].decode(b'{"error": ["EOrder:Insufficient funds"]}')
    assert caught.value.errors == ("EOrder:Insufficient funds",)
    assert caught.value.method == "AddOrder"


def test_warnings_are_returned_and_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"error": ["WGeneral:Deprecated endpoint"], "result": {"unixtime": 1, "rfc1123": "x"}}'
    with caplog.at_level(logging.WARNING, logger="kraken_sdk"):
        decoded = ENDPOINTS["Time"].decode_response(body)

    assert decoded.result.unixtime == 1
    assert decoded.warnings == ("WGeneral:Deprecated endpoint",)
    assert "WGeneral:Deprecated endpoint" in caplog.text


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "an empty body"),
        (b"<!DOCTYPE html><html><title>520: Web server is returning an unknown error", "HTML"),
        (b"upstream connect error", "not JSON"),
        (b'{"error": [], "result": {"unixtime": "soon"}}', "documented shape"),
        (b'{"error": []}', "neither a result nor an error"),
    ],
)
def test_odd_bodies_raise_a_clear_decode_error(body: bytes, says: str) -> None:
    with pytest.raises(ResponseDecodeError, match=says):
        ENDPOINTS["Time"].decode(body)


def test_request_models_are_strict() -> None:
    good = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "1.25"}
    params = msgspec.convert({**good, "price": "37500"}, AddOrderParams)
    assert params.volume == Decimal("1.25")

    with pytest.raises(msgspec.ValidationError, match="unknown field `volumne`"):
        msgspec.convert({**good, "volumne": "1"}, AddOrderParams)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.ordertype"):
        msgspec.convert({**good, "ordertype": "limmit"}, AddOrderParams)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.price"):
        msgspec.convert({**good, "price": "1.5.5"}, AddOrderParams)


def test_request_models_encode_only_what_was_given() -> None:
    params = AddOrderParams(pair="XBTUSD", type="buy", ordertype="market", volume=Decimal("2"))
    assert msgspec.to_builtins(params, builtin_types=(Decimal,)) == {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "market",
        "volume": Decimal("2"),
    }


def test_endpoint_table_describes_each_method() -> None:
    ticker, add_order = ENDPOINTS["Ticker"], ENDPOINTS["AddOrder"]

    assert (ticker.path, ticker.http_method, ticker.private) == ("/0/public/Ticker", "GET", False)
    assert (add_order.path, add_order.http_method, add_order.private) == (
        "/0/private/AddOrder",
        "POST",
        True,
    )
    assert add_order.python_name == "add_order"
    assert add_order.group == "trading"
    assert not add_order.idempotent
    assert add_order.trading_engine
    assert add_order.rest_cost == 0
