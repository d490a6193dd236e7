"""Notebook and terminal tables: balances, ticker, order book, orders; the IPython extension for
dict results; the candle plot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from kraken_sdk import KrakenClient
from kraken_sdk.display import load_ipython_extension, show, to_html, to_text
from kraken_sdk.sandbox import ManualClock, Sandbox

START = 1_790_000_000.0


@pytest.fixture(scope="module")
def k() -> Iterator[KrakenClient]:
    with Sandbox(seed=5, tier="unlimited", clock=ManualClock(START)) as sb, sb.client() as client:
        client.trading.add_order(pair="BTC/USD", type="buy", ordertype="market", volume="0.01")
        client.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="limit", volume="0.02", price="1000.5"
        )
        yield client


def cells(html: str) -> list[str]:
    return re.findall(r"<t[dh](?: [^>]*)?>(.*?)</t[dh]>", html)


def test_balances_as_an_html_table(k: KrakenClient) -> None:
    balance = k.account.balance()
    html = show(balance)._repr_html_()

    assert "<caption>Balance</caption>" in html
    found = cells(html)
    assert found[:2] == ["Asset", "Balance"]
    assert "XXBT" in found
    assert "2.0100000000" in found  # exact digits: 2 + the 0.01 bought
    assert '<td class="n">2.0100000000</td>' in html  # numbers right-aligned


def test_cells_are_escaped() -> None:
    html = to_html({"<script>": Decimal("1")})
    assert "<script>" not in html.replace("<style>", "")
    assert "&lt;script&gt;" in html


def test_ticker_table(k: KrakenClient) -> None:
    ticker = k.market.ticker(pair=["BTC/USD", "ETH/USD"])
    found = cells(to_html(ticker))

    assert found[:4] == ["Pair", "Bid", "Ask", "Last"]
    row = found[found.index("XXBTZUSD") : found.index("XXBTZUSD") + 4]
    info = ticker["XXBTZUSD"]
    assert row[1:] == [format(value, "f") for value in (info.b.price, info.a.price, info.c.price)]
    assert "XETHZUSD" in found


def test_order_book_side_by_side_with_spread(k: KrakenClient) -> None:
    depth = k.market.depth(pair="BTC/USD", count=15)
    book = depth["XXBTZUSD"]
    html = to_html(depth)

    spread = book.asks[0].price - book.bids[0].price
    assert f"XXBTZUSD order book: spread {format(spread, 'f')}" in html
    found = cells(html)
    assert found[:4] == ["Bid volume", "Bid", "Ask", "Ask volume"]
    assert found[4:8] == [
        format(book.bids[0].volume, "f"),
        format(book.bids[0].price, "f"),
        format(book.asks[0].price, "f"),
        format(book.asks[0].volume, "f"),
    ]
    assert len(found) == 4 + 4 * 10  # a notebook shows the top 10 levels
    assert book._repr_html_().count("<tr>") == 11  # a DepthBook renders by itself


def test_open_and_closed_orders_render_themselves(k: KrakenClient) -> None:
    open_orders = k.account.open_orders()
    (txid,) = open_orders.open
    found = cells(open_orders._repr_html_())
    assert found[:9] == [
        "Order", "Opened", "Pair", "Side", "Type", "Price", "Volume", "Filled", "Status"
    ]  # fmt: skip
    assert found[9:] == [
        txid, "2026-09-21T14:13:20Z", "XBTUSD", "buy", "limit", "1000.5", "0.02000000",
        "0.00000000", "open",
    ]  # fmt: skip

    closed = k.account.closed_orders()._repr_html_()
    assert "<caption>Closed orders</caption>" in closed
    assert "Closed" in cells(closed)
    assert "market" in cells(closed)


def test_empty_and_generic_results(k: KrakenClient) -> None:
    none_open = k.account.open_orders(userref=7)
    assert "<p>no rows</p>" in none_open._repr_html_()

    found = cells(k.market.time()._repr_html_())
    assert found[:2] == ["unixtime", "rfc1123"]
    assert found[2] == str(int(START))


def test_long_tables_are_clipped(k: KrakenClient) -> None:
    ohlc = k.market.ohlc(pair="BTC/USD", interval=60)
    html = ohlc._repr_html_()
    assert html.count("<tr>") == 1 + 10 + 1 + 10
    assert "(700 more rows not shown)" in html


def test_text_tables_align_columns(k: KrakenClient) -> None:
    lines = to_text(k.account.ledgers()).splitlines()
    assert lines[0] == "Ledger"
    header, *rows = lines[1:]
    assert header.split()[:4] == ["LEDGER", "TIME", "TYPE", "ASSET"]
    # right-aligned numbers: every BALANCE cell ends where the header does
    end = header.index("BALANCE") + len("BALANCE")
    assert all(row[end - 1] != " " and row[end] == " " for row in rows)
    assert repr(show(k.account.balance())).startswith("Balance\nASSET")


class FakeShell:
    """Just the part of IPython's shell that the extension touches."""

    def __init__(self) -> None:
        from IPython.core.formatters import DisplayFormatter

        self.display_formatter = DisplayFormatter()


def test_ipython_extension_renders_dict_results_and_leaves_other_dicts(k: KrakenClient) -> None:
    pytest.importorskip("IPython")
    shell: Any = FakeShell()
    load_ipython_extension(shell)
    html = shell.display_formatter.formatters["text/html"]

    assert "<caption>Balance</caption>" in html(k.account.balance())
    assert "order book" in html(k.market.depth(pair="BTC/USD", count=3))
    assert html({"a": 1}) is None
    assert html({}) is None


def test_candles_plot(k: KrakenClient) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kraken_sdk.plot import candles

    ohlc = k.market.ohlc(pair="BTC/USD", interval=60)
    ax = candles(ohlc)
    rows = ohlc.pairs["XXBTZUSD"]
    assert ax.get_title() == "XXBTZUSD"
    assert len(ax.patches) == len(rows)  # one body per candle
    colours = {tuple(p.get_facecolor()[:3]) for p in ax.patches}
    assert len(colours) == 2  # rising and falling

    pytest.importorskip("pandas")
    ax2 = candles(ohlc.to_pandas().tail(24), volume=False, title="last day")
    assert ax2.get_title() == "last day"
    assert len(ax2.patches) == 24
    plt.close("all")
    with pytest.raises(TypeError, match="candles"):
        candles(42)
