"""Paginators: every entry exactly once (even while new ones arrive), forward cursors without
gaps, the pause Kraken asks for on public history calls, and a progress bar on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import responses
from kraken_wire import ok

from kraken_sdk import KrakenClient, paginate
from kraken_sdk.sandbox import ManualClock, Sandbox

START = 1_790_000_000.0


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=3, tier="unlimited", clock=ManualClock(START)) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[KrakenClient]:
    with sandbox.client() as k:
        yield k


def trade(k: KrakenClient, n: int) -> None:
    """n market orders: n closed orders, n fills, 2n ledger entries."""
    for i in range(n):
        k.trading.add_order(
            pair="BTC/USD", type="sell" if i % 2 else "buy", ordertype="market", volume="0.001"
        )


def calls(sandbox: Sandbox, method: str) -> list[dict[str, object]]:
    return [r.params for r in sandbox.requests() if r.method == method and not r.errors]


def test_ledgers_walks_every_page_once(sandbox: Sandbox, client: KrakenClient) -> None:
    trade(client, 30)  # 60 trade entries beside the 9 deposits: two pages
    expected = [entry.id for entry in sandbox.ledgers()]

    entries = list(paginate.ledgers(client))

    ids = [ledger_id for ledger_id, _ in entries]
    assert len(ids) == len(expected) == 69
    assert set(ids) == set(expected)
    assert len(set(ids)) == len(ids)
    times = [entry.time for _, entry in entries]
    assert times == sorted(times, reverse=True)  # newest first, as Kraken sends them
    pages = calls(sandbox, "Ledgers")
    assert [p.get("ofs") for p in pages] == [None, "50"]
    assert "end" not in pages[0]
    assert pages[1]["end"] == str(int(START))  # the window frozen at the first page


@pytest.mark.parametrize("later", [0, 5], ids=["same-second", "later"])
def test_entries_booked_during_the_walk_neither_repeat_nor_leak_in(
    sandbox: Sandbox, client: KrakenClient, later: int
) -> None:
    trade(client, 30)
    before = {entry.id for entry in sandbox.ledgers()}
    walk = iter(paginate.ledgers(client))
    seen = [next(walk)[0]]

    sandbox.advance(later)
    trade(client, 6)  # 12 new entries push every older one 12 places down
    seen += [ledger_id for ledger_id, _ in walk]

    assert len(sandbox.ledgers()) == len(before) + 12
    assert len(seen) == len(set(seen))  # naive ofs paging would repeat 12 entries here
    assert set(seen) == before  # and would show the new ones


def test_trades_history_and_closed_orders(sandbox: Sandbox, client: KrakenClient) -> None:
    trade(client, 55)

    fills = dict(paginate.trades_history(client))
    orders = dict(paginate.closed_orders(client))

    assert set(fills) == {t.txid for t in sandbox.trades()}
    assert len(fills) == 55
    assert set(orders) == {o.txid for o in sandbox.orders()}
    assert {order.status for order in orders.values()} == {"closed"}
    assert [p.get("ofs") for p in calls(sandbox, "TradesHistory")] == [None, "50"]


def test_filters_pass_through_and_an_empty_listing_costs_one_call(
    sandbox: Sandbox, client: KrakenClient
) -> None:
    trade(client, 3)
    btc = list(paginate.ledgers(client, asset="XBT", type="trade"))
    assert len(btc) == 3
    assert {entry.asset for _, entry in btc} == {"XXBT"}

    assert list(paginate.closed_orders(client, start=datetime.fromtimestamp(START + 60, UTC))) == []
    assert calls(sandbox, "ClosedOrders")[-1]["start"] == str(int(START) + 60)


def test_to_pandas_collects_the_walk(client: KrakenClient) -> None:
    pytest.importorskip("pandas")
    trade(client, 2)
    df = paginate.ledgers(client).to_pandas()
    assert len(df) == 13
    assert df.index.name == "id"
    assert df.index.is_unique


def test_progress_bar_counts_to_the_total(
    client: KrakenClient, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    trade(client, 30)
    assert len(list(paginate.ledgers(client, progress=True))) == 69
    err = capsys.readouterr().err
    assert "Ledgers" in err
    assert "69/69" in err


def test_trades_move_forward_without_gaps(sandbox: Sandbox, client: KrakenClient) -> None:
    sleeps: list[float] = []
    rows = list(
        paginate.trades(client, "BTC/USD", since=int(START) - 3600, count=500, sleep=sleeps.append)
    )

    ids = [row.trade_id for row in rows if isinstance(row.trade_id, int)]
    assert len(ids) == len(rows) > 1000  # several calls' worth
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # consecutive: nothing skipped or repeated
    assert START - 3600 < rows[0].time < START - 3500
    assert rows[-1].time <= START
    assert len(calls(sandbox, "Trades")) == -(-len(ids) // 500)  # stops once caught up
    assert sleeps == []  # the sandbox is on loopback: no pause needed


def test_trades_until_and_an_explicit_pause(client: KrakenClient) -> None:
    sleeps: list[float] = []
    since = datetime.fromtimestamp(START - 1800, UTC)
    until = datetime.fromtimestamp(START - 1200, UTC)
    rows = list(
        paginate.trades(
            client, "BTC/USD", since=since, until=until, count=100, pause=0.5, sleep=sleeps.append
        )
    )
    assert rows
    assert all(START - 1800 < row.time < START - 1200 for row in rows)
    assert sleeps == [0.5] * (len(rows) // 100)


def test_public_history_pauses_between_calls_to_kraken(
    public: KrakenClient, kraken: responses.RequestsMock
) -> None:
    row = ["30243.4", "0.1", 1688669597.8, "b", "m", ""]
    url = "https://api.kraken.com/0/public/Trades"
    kraken.get(url, json=ok({"XXBTZUSD": [[*row, 1], [*row, 2]], "last": "100"}))
    kraken.get(url, json=ok({"XXBTZUSD": [[*row, 2], [*row, 3]], "last": "200"}))
    kraken.get(url, json=ok({"XXBTZUSD": [], "last": "200"}))
    sleeps: list[float] = []

    rows = list(paginate.trades(public, "BTC/USD", since=50, count=2, sleep=sleeps.append))

    assert [r.trade_id for r in rows] == [1, 2, 3]  # the repeated trade 2 is dropped
    assert sleeps == [paginate.TRADES_PAUSE, paginate.TRADES_PAUSE]
    sent = [str(call.request.url) for call in kraken.calls]
    assert "since=50" in sent[0]
    assert "since=100" in sent[1]
    assert "since=200" in sent[2]


def test_ohlc_yields_committed_candles_after_since(sandbox: Sandbox, client: KrakenClient) -> None:
    since = int(START) - 6 * 3600
    candles = list(paginate.ohlc(client, "BTC/USD", interval=60, since=since))
    with_forming = list(paginate.ohlc(client, "BTC/USD", interval=60, since=since, partial=True))

    times = [c.time for c in candles]
    assert times == list(range(times[0], times[-1] + 1, 3600))
    assert times[0] > since
    last = client.market.ohlc(pair="BTC/USD", interval=60).last
    assert times[-1] == last
    assert len(with_forming) == len(candles) + 1
    assert with_forming[-1].time > int(last)
    assert len(calls(sandbox, "OHLC")) == 3  # one call each: the forming candle marks "now"


def test_ohlc_without_since_starts_at_the_oldest_kraken_keeps(client: KrakenClient) -> None:
    candles = list(paginate.ohlc(client, "BTC/USD", interval=1440))
    assert len(candles) == 719  # 720 minus the forming one
    assert repr(paginate.ohlc(client, "BTC/USD")) == "<Paginator OHLC BTC/USD>"


def test_trades_since_a_datetime_sends_whole_seconds_and_drops_earlier_rows(
    sandbox: Sandbox, client: KrakenClient
) -> None:
    since = datetime.fromtimestamp(START - 600.5, UTC)
    rows = list(paginate.trades(client, "BTC/USD", since=since))
    assert rows
    assert min(row.time for row in rows) >= Decimal(str(START - 600.5))
    assert calls(sandbox, "Trades")[0]["since"] == str(int(START) - 601)
