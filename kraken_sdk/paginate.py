"""Walk Kraken's paged listings to the end.

    from kraken_sdk import paginate
    for ledger_id, entry in paginate.ledgers(k, asset="XBT", progress=True):
        ...
    df = paginate.trades_history(k).to_pandas()
    for candle in paginate.ohlc(k, "BTC/USD", interval=60, since=datetime(2024, 1, 1)):
        ...

Ledgers, TradesHistory and ClosedOrders page by offset: 50 entries per call, newest first,
`count` the total. A newest-first list shifts while you read it: an entry booked between two
calls pushes every later one down by one, so naive `ofs += 50` would see an entry twice (and a
removed one would make it skip). The walk therefore freezes the window after the first page
(`end` = that page's newest time, rounded up to the second since Kraken takes whole seconds)
and drops ids it has already yielded, so each entry that existed when the walk began comes out
exactly once, and nothing booked later leaks in half-way.

Trades and OHLC move forward from `since` with the `last` cursor Kraken returns. Kraken serves
only the latest 720 candles, whatever `since` says: use Trades for older history.

Every call goes through the client, so its rate limiter, retries and pair names apply (Ledgers
and TradesHistory cost 2 on the REST counter). The only waiting done here is the pause Kraken's
historical-data guide asks for between public OHLC and Trades calls (about 1 s), skipped when
the client talks to a loopback address such as the sandbox.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from urllib.parse import urlsplit

import msgspec
from msgspec import UNSET

from kraken_sdk._core.times import iso, time_ns
from kraken_sdk.models._base import renderer
from kraken_sdk.models.common import LedgerEntry, Order, Trade
from kraken_sdk.models.ohlc import OHLCRow
from kraken_sdk.models.trades import TradesRow

if TYPE_CHECKING:
    import pandas as pd

    from kraken_sdk.aio.client import AsyncKrakenClient
    from kraken_sdk.client import KrakenClient

__all__ = [
    "OHLC_PAUSE",
    "TRADES_PAUSE",
    "Paginator",
    "closed_orders",
    "ledgers",
    "ohlc",
    "trades",
    "trades_history",
]

_T = TypeVar("_T")
_S = TypeVar("_S", bound=msgspec.Struct)

OHLC_PAUSE = 1.0
"""Seconds between OHLC calls, as Kraken's historical-data guide recommends (public calls are
limited per IP, with no published number)."""

TRADES_PAUSE = 1.0
"""Seconds between Trades calls: the low end of the guide's 1-2 s; pass `pause=` for more."""

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Progress:
    """A tqdm bar when asked for one, else nothing; tqdm is imported only then."""

    def __init__(self, enabled: bool, desc: str, unit: str) -> None:
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                raise ImportError(
                    "progress=True needs tqdm: pip install 'kraken-sdk[progress]'"
                ) from None
            self._bar = tqdm(desc=desc, unit=unit)

    def total(self, count: int) -> None:
        if self._bar is not None and self._bar.total != count:
            self._bar.total = count
            self._bar.refresh()

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class Paginator(Generic[_T]):
    """Everything a paged listing holds, fetched lazily as you iterate.

    Iterating again starts a new walk. `to_pandas()` collects the whole walk into a DataFrame
    (through the renderer kraken_sdk installs: presentation.frames); `list()` or `dict()` (for
    the id-keyed listings) work too.
    """

    def __init__(
        self,
        walk: Callable[[_Progress], Iterator[_T]],
        *,
        run: _Runner | None = None,
        progress: bool,
        desc: str,
        unit: str,
    ) -> None:
        self._walk = walk
        self._run = run
        self._progress = progress
        self._desc = desc
        self._unit = unit

    def __iter__(self) -> Iterator[_T]:
        if self._run is not None:
            raise TypeError(
                f"{self!r} walks an AsyncKrakenClient: iterate it with `async for` (a plain "
                "`for` would block the event loop)"
            )
        return self._pages()

    def _pages(self) -> Generator[_T, None, None]:
        bar = _Progress(self._progress, self._desc, self._unit)
        try:
            yield from self._walk(bar)
        finally:
            bar.close()

    async def __aiter__(self) -> AsyncIterator[_T]:
        """The same walk, each step run on the AsyncKrakenClient's worker threads."""
        run = self._run
        if run is None:
            raise TypeError(
                f"{self!r} walks a blocking KrakenClient: iterate it with `for`, or pass an "
                "AsyncKrakenClient to iterate with `async for`"
            )
        steps = self._pages()
        try:
            while True:
                item = await run(next, steps, _DONE)
                if item is _DONE:
                    return
                yield item
        finally:
            with contextlib.suppress(ValueError):  # a step still running ends on its own
                steps.close()  # ends the progress bar

    def to_pandas(self, *, floats: bool = False) -> pd.DataFrame:
        """Fetch everything and return it as one DataFrame (needs the pandas extra)."""
        return renderer().to_pandas(list(self), floats=floats)

    def __repr__(self) -> str:
        return f"<Paginator {self._desc}>"


_Runner = Callable[..., Awaitable[Any]]
"""AsyncKrakenClient.to_thread: how an async walk runs each blocking step."""

_DONE: Any = object()


def _sides(client: KrakenClient | AsyncKrakenClient) -> tuple[KrakenClient, _Runner | None]:
    """The blocking client a walk calls, and how to run it off the loop (None: in place)."""
    from kraken_sdk.client import KrakenClient  # deferred: keeps this module light to import

    if isinstance(client, KrakenClient):
        return client, None
    return client.sync, client.to_thread


# ---- offset pagination (Ledgers, TradesHistory, ClosedOrders) ---------------------------------

_Page = tuple[Mapping[str, _S], int | None]


def _given(**params: Any) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _offset_walk(
    fetch: Callable[[dict[str, Any]], _Page[_S]],
    newest: Callable[[_S], Decimal],
    end: int | str | None,
    bar: _Progress,
) -> Iterator[tuple[str, _S]]:
    """Pages from ofs=0 until `count` is reached or a page comes back empty."""
    seen: set[str] = set()
    offset = 0
    while True:
        page, count = fetch(_given(ofs=offset or None, end=end))
        if count is not None:
            bar.total(count)
        if not page:
            return
        if end is None:
            # Freeze the window: later pages ignore anything booked after this first one.
            end = math.ceil(max(newest(item) for item in page.values()))
        for key, item in page.items():
            if key not in seen:
                seen.add(key)
                bar.advance()
                yield key, item
        offset += len(page)
        if count is not None and offset >= count:
            return


def ledgers(
    client: KrakenClient | AsyncKrakenClient,
    *,
    asset: str | list[str] | None = None,
    type: str | None = None,
    start: int | str | datetime | None = None,
    end: int | str | datetime | None = None,
    progress: bool = False,
    **params: Any,
) -> Paginator[tuple[str, LedgerEntry]]:
    """Every ledger entry (newest first) as (ledger id, LedgerEntry).

    `start` is exclusive and `end` inclusive, as unix seconds, datetimes or ledger ids; other
    keyword arguments (aclass, ...) go to `client.account.ledgers` unchanged.
    """
    blocking, run = _sides(client)
    fixed = _given(asset=asset, type=type, start=_bound(start), **params)

    def walk(bar: _Progress) -> Iterator[tuple[str, LedgerEntry]]:
        def fetch(paging: dict[str, Any]) -> _Page[LedgerEntry]:
            result = blocking.account.ledgers(**fixed, **paging)
            return result.ledger, _count(result.count)

        return _offset_walk(fetch, lambda e: e.time, _bound(end), bar)

    return Paginator(walk, run=run, progress=progress, desc="Ledgers", unit=" entries")


def trades_history(
    client: KrakenClient | AsyncKrakenClient,
    *,
    start: int | str | datetime | None = None,
    end: int | str | datetime | None = None,
    progress: bool = False,
    **params: Any,
) -> Paginator[tuple[str, Trade]]:
    """Every fill of the account (newest first) as (trade id, Trade).

    Other keyword arguments (type, trades, ledgers, consolidate_taker, ...) go to
    `client.account.trades_history` unchanged.
    """
    blocking, run = _sides(client)
    fixed = _given(start=_bound(start), **params)

    def walk(bar: _Progress) -> Iterator[tuple[str, Trade]]:
        def fetch(paging: dict[str, Any]) -> _Page[Trade]:
            result = blocking.account.trades_history(**fixed, **paging)
            return result.trades, _count(result.count)

        return _offset_walk(fetch, lambda t: t.time, _bound(end), bar)

    return Paginator(walk, run=run, progress=progress, desc="TradesHistory", unit=" trades")


def closed_orders(
    client: KrakenClient | AsyncKrakenClient,
    *,
    start: int | str | datetime | None = None,
    end: int | str | datetime | None = None,
    closetime: Literal["open", "close", "both"] | None = None,
    progress: bool = False,
    **params: Any,
) -> Paginator[tuple[str, Order]]:
    """Every closed, canceled or expired order (newest first) as (txid, Order).

    Other keyword arguments (trades, userref, cl_ord_id, ...) go to
    `client.account.closed_orders` unchanged.
    """
    blocking, run = _sides(client)
    fixed = _given(start=_bound(start), closetime=closetime, **params)

    def newest(order: Order) -> Decimal:
        if closetime == "open" or order.closetm is UNSET:
            return order.opentm
        return max(order.opentm, order.closetm)

    def walk(bar: _Progress) -> Iterator[tuple[str, Order]]:
        def fetch(paging: dict[str, Any]) -> _Page[Order]:
            result = blocking.account.closed_orders(**fixed, **paging)
            return result.closed, _count(result.count)

        return _offset_walk(fetch, newest, _bound(end), bar)

    return Paginator(walk, run=run, progress=progress, desc="ClosedOrders", unit=" orders")


def _count(count: int | msgspec.UnsetType) -> int | None:
    return None if count is UNSET else int(count)


def _bound(value: int | str | datetime | None) -> int | str | None:
    """start/end: unix seconds, an id, or a datetime (whole seconds; naive means UTC)."""
    if isinstance(value, datetime):
        return math.floor(_seconds(value))
    return value


def _seconds(value: datetime) -> Decimal:
    """A datetime as exact unix seconds; naive datetimes are UTC, like every Kraken time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    micros = (value - _EPOCH) // timedelta(microseconds=1)
    return Decimal(micros) / 1_000_000


# ---- cursor pagination (Trades, OHLC) ---------------------------------------------------------


def _pauser(
    client: KrakenClient, pause: float | None, default: float, sleep: Callable[[float], None]
) -> Callable[[], None]:
    seconds = pause
    if seconds is None:
        seconds = 0.0 if urlsplit(client.base_url).hostname in _LOOPBACK else default

    def wait() -> None:
        if seconds > 0:
            sleep(seconds)

    return wait


def trades(
    client: KrakenClient | AsyncKrakenClient,
    pair: str,
    *,
    since: int | str | datetime | None = None,
    until: int | datetime | None = None,
    count: int = 1000,
    pause: float | None = None,
    progress: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Paginator[TradesRow]:
    """Public trades of one pair, oldest first, from `since` up to now (or `until`).

    `since` is unix seconds, a datetime, or the `last` cursor of an earlier answer; without it
    the walk starts at the latest `count` trades. Rows seen twice across calls are dropped by
    trade id. `pause` overrides TRADES_PAUSE; `sleep` is how it waits (tests pass a fake).
    """
    blocking, run = _sides(client)
    cursor = _trades_since(since)
    begin = _nanos(since) if isinstance(since, datetime) else None
    stop = None if until is None else _nanos(until)
    wait = _pauser(blocking, pause, TRADES_PAUSE, sleep)

    def walk(bar: _Progress) -> Iterator[TradesRow]:
        position = cursor
        newest_id: int | None = None
        while True:
            options = _given(since=position)
            result = blocking.market.trades(pair=pair, count=count, **options)
            rows = next(iter(result.pairs.values()), [])
            fresh = 0
            for row in rows:
                if isinstance(row.trade_id, int):
                    if newest_id is not None and row.trade_id <= newest_id:
                        continue
                    newest_id = row.trade_id
                fresh += 1
                at = time_ns(row.time)
                if begin is not None and at < begin:
                    continue  # within the whole second sent as since, before the datetime
                if stop is not None and at >= stop:
                    return
                bar.advance()
                yield row
            if rows:
                bar.note(iso(rows[-1].time))
            caught_up = len(rows) < count
            if not fresh or caught_up or not result.last or result.last == position:
                return
            position = result.last
            wait()

    return Paginator(walk, run=run, progress=progress, desc=f"Trades {pair}", unit=" trades")


def ohlc(
    client: KrakenClient | AsyncKrakenClient,
    pair: str,
    *,
    interval: Literal[1, 5, 15, 30, 60, 240, 1440, 10080, 21600] = 1,
    since: int | datetime | None = None,
    partial: bool = False,
    pause: float | None = None,
    progress: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Paginator[OHLCRow]:
    """Committed candles of one pair after `since`, oldest first, up to now.

    Kraken keeps only the latest 720 candles per interval, so a `since` further back starts
    where Kraken's data starts. `partial=True` also yields the candle still forming, last.
    """
    blocking, run = _sides(client)
    first = None if since is None else math.floor(_bound_seconds(since))
    wait = _pauser(blocking, pause, OHLC_PAUSE, sleep)

    def walk(bar: _Progress) -> Iterator[OHLCRow]:
        position = first
        newest = -1 if first is None else first
        forming: OHLCRow | None = None
        while True:
            options = _given(since=position)
            result = blocking.market.ohlc(pair=pair, interval=interval, **options)
            committed = int(result.last)
            rows = next(iter(result.pairs.values()), [])
            for row in rows:
                if row.time <= newest:
                    continue
                if row.time > committed:
                    forming = row
                    continue
                newest = row.time
                bar.advance()
                yield row
            bar.note(iso(newest) if newest >= 0 else "")
            if forming is not None or not rows or committed == position:
                break
            position = committed
            wait()
        if partial and forming is not None:
            bar.advance()
            yield forming

    return Paginator(walk, run=run, progress=progress, desc=f"OHLC {pair}", unit=" candles")


def _bound_seconds(value: int | datetime) -> Decimal:
    return _seconds(value) if isinstance(value, datetime) else Decimal(value)


def _nanos(value: int | datetime) -> int:
    return time_ns(_bound_seconds(value))


def _trades_since(since: int | str | datetime | None) -> str | None:
    """Trades' since on the wire: unix seconds (a datetime rounded down) or a `last` cursor."""
    if since is None:
        return None
    if isinstance(since, datetime):
        return str(math.floor(_seconds(since)))
    return str(since)
