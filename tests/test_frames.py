"""DataFrames from results: exact Decimals by default, floats on request, UTC times, the index
each result needs; and the optional libraries stay out of `import kraken_sdk`."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kraken_sdk._core.times import iso, time_ns, utc
from kraken_sdk.endpoints import ENDPOINTS
from kraken_sdk.frames import to_pandas
from kraken_sdk.presentation.columns import tabulate

pd = pytest.importorskip("pandas")


def decode(method: str, result: Any) -> Any:
    """A result exactly as the client hands it over, from Kraken's documented wire shape."""
    return ENDPOINTS[method].decode(json.dumps({"error": [], "result": result}).encode())


OHLC: dict[str, Any] = {
    "XXBTZUSD": [
        [1688671200, "30306.1", "30306.2", "30305.7", "30305.7", "30306.1", "3.39243896", 23],
        [1688671260, "30304.5", "30304.5", "30300.0", "30300.0", "30300.0", "4.42996871", 18],
    ],
    "last": 1688671200,
}
TRADES = {
    "XXBTZUSD": [
        ["30243.40000", "0.34507674", 1688669597.8277369, "b", "m", "", 61044952],
        ["30243.30000", "0.00376960", 1688669598.2804112, "s", "l", ""],
    ],
    "last": "1688671969993150842",
}
DEPTH = {
    "XXBTZUSD": {
        "asks": [["30384.10000", "2.059", 1688671659], ["30387.90000", "1.500", 1688671380]],
        "bids": [["30297.00000", "1.115", 1688671636], ["30296.70000", "2.002", 1688671674]],
    }
}
LEDGERS = {
    "ledger": {
        "L4UESK-KG3EQ-UFO4T5": {
            "refid": "TJKLXF-PGMUI-4NTLXU",
            "time": 1688464484.1787,
            "type": "trade",
            "subtype": "",
            "aclass": "currency",
            "asset": "ZGBP",
            "amount": "-24.5000",
            "fee": "0.0490",
            "balance": "459567.9171",
        },
        "LMKZCZ-Z3GVL-CXKK4H": {
            "refid": "TBZIP2-F6QOU-TMB6FY",
            "time": 1688444262.8888,
            "type": "trade",
            "subtype": "",
            "aclass": "currency",
            "asset": "ZUSD",
            "amount": "0.1",
            "fee": "0",
            "balance": "0.3",
        },
    },
    "count": 2,
}
ORDER = {
    "refid": None,
    "userref": 1,
    "status": "canceled",
    "reason": "User requested",
    "opentm": 1688148493.7708,
    "closetm": 1688148610.0482,
    "starttm": 0,
    "expiretm": 0,
    "descr": {
        "pair": "XBTGBP",
        "type": "buy",
        "ordertype": "stop-loss-limit",
        "price": "23667.0",
        "price2": "0",
        "leverage": "none",
        "order": "buy 0.00100000 XBTGBP @ limit 23667.0",
        "close": "",
    },
    "vol": "0.00100000",
    "vol_exec": "0.00000000",
    "cost": "0.00000",
    "fee": "0.00000",
    "price": "0.00000",
    "stopprice": "0.00000",
    "limitprice": "0.00000",
    "misc": "",
    "oflags": "fciq",
    "trigger": "index",
}
TRADE = {
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
    "trade_id": 40274859,
    "maker": True,
}


def utc_ts(text: str) -> Any:
    return pd.Timestamp(text, tz="UTC")


def test_ohlc_is_indexed_by_utc_time_with_exact_decimals() -> None:
    df = decode("OHLC", OHLC).to_pandas()

    assert list(df.columns) == ["open", "high", "low", "close", "vwap", "volume", "count"]
    assert df.index.name == "time"
    assert str(df.index.dtype) == "datetime64[ns, UTC]"
    row = df.loc[utc_ts("2023-07-06 19:20:00")]
    assert row["open"] == Decimal("30306.1")
    assert isinstance(row["volume"], Decimal)
    assert row["volume"] == Decimal("3.39243896")
    assert df["count"].tolist() == [23, 18]
    assert df.attrs == {"pair": "XXBTZUSD", "last": 1688671200}
    assert df["volume"].sum() == Decimal("7.82240767")  # exact: a float sum would not be


def test_floats_on_request() -> None:
    df = decode("OHLC", OHLC).to_pandas(floats=True)

    assert {str(t) for t in df.dtypes[["open", "close", "volume"]]} == {"float64"}
    assert df["close"].iloc[-1] == pytest.approx(30300.0)
    assert str(df["count"].dtype) == "int64"


def test_trades_keep_nanosecond_times_and_a_missing_trade_id() -> None:
    df = to_pandas(decode("Trades", TRADES))

    assert df.index[0] == utc_ts("2023-07-06 18:53:17.8277369")
    assert df.index[1] == utc_ts("2023-07-06 18:53:18.2804112")
    assert df["price"].tolist() == [Decimal("30243.40000"), Decimal("30243.30000")]
    assert df["side"].tolist() == ["b", "s"]
    assert str(df["trade_id"].dtype) == "Int64"
    assert df["trade_id"].iloc[0] == 61044952
    assert df["trade_id"].isna().tolist() == [False, True]
    assert df.attrs["last"] == "1688671969993150842"


def test_depth_has_side_and_level_index() -> None:
    result = decode("Depth", DEPTH)
    df = to_pandas(result)

    assert df.index.names == ["side", "level"]
    assert df.loc[("ask", 0), "price"] == Decimal("30384.10000")
    assert df.loc[("bid", 1), "volume"] == Decimal("2.002")
    assert df.loc[("bid", 0), "time"] == utc_ts("2023-07-06 19:27:16")
    assert df.attrs["pair"] == "XXBTZUSD"
    # one pair's DepthBook converts by itself too
    assert result["XXBTZUSD"].to_pandas().equals(df)


def test_depth_of_several_pairs_adds_a_pair_level() -> None:
    both = decode("Depth", {**DEPTH, "XETHZUSD": DEPTH["XXBTZUSD"]})
    df = to_pandas(both)

    assert df.index.names == ["pair", "side", "level"]
    assert len(df) == 8
    assert df.loc[("XETHZUSD", "ask", 1), "price"] == Decimal("30387.90000")


def test_spread_and_several_pairs_of_ohlc() -> None:
    spread = decode(
        "Spread",
        {"XXBTZUSD": [[1688671834, "30292.10000", "30297.50000"]], "last": 1688672106},
    )
    df = spread.to_pandas()
    assert df.index[0] == utc_ts("2023-07-06 19:30:34")
    assert df["ask"].iloc[0] - df["bid"].iloc[0] == Decimal("5.4")

    two = decode("OHLC", {**OHLC, "XETHZUSD": OHLC["XXBTZUSD"][:1]})
    assert two.to_pandas().index.names == ["pair", "time"]
    assert len(two.to_pandas()) == 3


def test_balance_is_indexed_by_asset() -> None:
    result = decode("Balance", {"ZUSD": "171288.6158", "XXBT": "1011.19", "ETH2.S": "198.39"})
    df = to_pandas(result)

    assert df.index.name == "asset"
    assert df.index.tolist() == ["ZUSD", "XXBT", "ETH2.S"]
    assert df.loc["ZUSD", "balance"] == Decimal("171288.6158")
    assert to_pandas(result, floats=True).loc["XXBT", "balance"] == pytest.approx(1011.19)


def test_ledgers_by_id_with_utc_times() -> None:
    df = decode("Ledgers", LEDGERS).to_pandas()

    assert df.index.name == "id"
    assert df.index.tolist() == ["L4UESK-KG3EQ-UFO4T5", "LMKZCZ-Z3GVL-CXKK4H"]
    entry = df.loc["L4UESK-KG3EQ-UFO4T5"]
    assert entry["amount"] == Decimal("-24.5000")
    assert entry["time"] == utc_ts("2023-07-04 09:54:44.1787")
    assert entry["asset"] == "ZGBP"
    assert df.attrs["count"] == 2
    assert df.loc["LMKZCZ-Z3GVL-CXKK4H", "balance"] == Decimal("0.3")


def test_trades_history_and_closed_orders() -> None:
    trades = decode("TradesHistory", {"trades": {"THVRQM-33VKH-UCI7BS": TRADE}, "count": 1})
    df = trades.to_pandas()
    assert df.index.name == "txid"
    assert df.loc["THVRQM-33VKH-UCI7BS", "cost"] == Decimal("600.20000")
    assert df["maker"].tolist() == [True]
    assert df["trade_id"].tolist() == [40274859]

    closed = decode("ClosedOrders", {"closed": {"O37652-RJWRT-IMO74O": ORDER}, "count": 2})
    df = closed.to_pandas()
    order = df.loc["O37652-RJWRT-IMO74O"]
    assert order["descr_pair"] == "XBTGBP"
    assert order["descr_ordertype"] == "stop-loss-limit"
    assert order["closetm"] == utc_ts("2023-06-30 18:10:10.0482")
    assert order["vol"] == Decimal("0.00100000")
    assert "starttm" not in df.columns  # Kraken's 0 means none; a column of nothing is dropped
    assert df.attrs["count"] == 2


def test_open_orders_and_an_empty_result() -> None:
    live = {**ORDER, "status": "open"}
    del live["closetm"]
    df = decode("OpenOrders", {"open": {"OQCLML-BW3P3-BUCMWZ": live}}).to_pandas()
    assert df.index.tolist() == ["OQCLML-BW3P3-BUCMWZ"]
    assert df["status"].tolist() == ["open"]

    empty = decode("OpenOrders", {"open": {}}).to_pandas()
    assert len(empty) == 0
    assert empty.index.name == "txid"


def test_paginator_items_and_any_other_struct() -> None:
    entries = list(decode("Ledgers", LEDGERS).ledger.items())
    assert to_pandas(entries).equals(decode("Ledgers", LEDGERS).to_pandas())

    status = decode("SystemStatus", {"status": "online", "timestamp": "2023-07-06T18:52:00Z"})
    df = status.to_pandas()
    assert df.to_dict("records") == [{"status": "online", "timestamp": "2023-07-06T18:52:00Z"}]

    with pytest.raises(TypeError, match="cannot tabulate"):
        to_pandas(42)


def test_times_convert_exactly() -> None:
    assert iso(Decimal("1688669597.8277369")) == "2023-07-06T18:53:17.8277369Z"
    assert iso(1688671200) == "2023-07-06T19:20:00Z"
    assert iso(Decimal("1688671200.000")) == "2023-07-06T19:20:00Z"
    assert time_ns(Decimal("1688669597.8277369")) == 1688669597827736900
    assert utc(Decimal("0.5")).isoformat() == "1970-01-01T00:00:00.500000+00:00"


def test_tables_know_the_columns_without_pandas() -> None:
    table = tabulate(decode("Ledgers", LEDGERS))
    assert table.names() == [
        "id",
        "refid",
        "time",
        "type",
        "aclass",
        "asset",
        "amount",
        "fee",
        "balance",
        "subtype",
    ]
    assert table.column("time").kind == "time"
    assert table.column("amount").kind == "decimal"
    assert len(table) == 2


def test_import_kraken_sdk_loads_no_optional_library() -> None:
    code = (
        "import sys, kraken_sdk, kraken_sdk.frames, kraken_sdk.paginate, kraken_sdk.display, "
        "kraken_sdk.plot, kraken_sdk.cli.app; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'tqdm', 'IPython', 'nbclient') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_models_import_nothing_of_kraken_sdk_not_even_lazily() -> None:
    """Presentation sits above the models: they render through an installed renderer."""
    import ast

    import kraken_sdk.models._base as base

    tree = ast.parse(Path(base.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert [name for name in imported if name and name.startswith("kraken_sdk")] == []
    assert {name.partition(".")[0] for name in imported if name} <= {
        "__future__",
        "typing",
        "msgspec",
        "pandas",  # under TYPE_CHECKING only, for the return annotation
    }


def test_results_render_through_the_installed_renderer() -> None:
    from kraken_sdk.models._base import install_renderer, renderer
    from kraken_sdk.presentation import RENDERER

    class Recording:
        def __init__(self) -> None:
            self.seen: list[object] = []

        def to_pandas(self, result: object, *, floats: bool = False) -> Any:
            self.seen.append(result)
            return "frame"

        def to_html(self, result: object) -> str:
            self.seen.append(result)
            return "<p>html</p>"

    assert renderer() is RENDERER  # `import kraken_sdk` installed the presentation one
    status = decode("SystemStatus", {"status": "online", "timestamp": "2023-07-06T18:52:00Z"})
    recording = Recording()
    install_renderer(recording)
    try:
        assert status.to_pandas() == "frame"
        assert status._repr_html_() == "<p>html</p>"
    finally:
        install_renderer(RENDERER)
    assert recording.seen == [status, status]
    assert "<table>" in status._repr_html_()


def test_import_kraken_sdk_loads_no_rendering_module() -> None:
    """The renderer imports frames/display on first use; the client layer never needs them."""
    code = (
        "import sys, kraken_sdk, kraken_sdk.paginate; "
        "print(sorted(m for m in sys.modules if m.startswith('kraken_sdk.presentation.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
