"""Nonces rise strictly, stay unique across threads and processes, and reach Kraken in order."""

from __future__ import annotations

import multiprocessing
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from kraken_wire import KEY, SECRET

from kraken_sdk import FileNonceSource, KrakenClient, NonceSource
from kraken_sdk.auth import sign
from kraken_sdk.nonce import nonce_source_for


def test_nonces_follow_the_nanosecond_clock() -> None:
    ticks = iter([1_700_000_000_000_000_000, 1_700_000_000_000_000_500])
    source = NonceSource(clock=lambda: next(ticks))
    assert [source(), source()] == [1_700_000_000_000_000_000, 1_700_000_000_000_000_500]


def test_same_tick_and_clock_stepping_back_still_rise_by_one() -> None:
    ticks = iter([1000, 1000, 400, 1002])
    source = NonceSource(clock=lambda: next(ticks))
    assert [source(), source(), source(), source()] == [1000, 1001, 1002, 1003]


def test_unique_and_rising_per_thread_across_16_threads() -> None:
    source = NonceSource(clock=lambda: 5)  # worst case: the clock never moves
    drawn: list[list[int]] = [[] for _ in range(16)]

    def draw(index: int) -> None:
        drawn[index].extend(source() for _ in range(500))

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [n for per_thread in drawn for n in per_thread]
    assert len(set(everything)) == 16 * 500
    assert all(seq == sorted(seq) for seq in drawn)


def test_one_source_per_key_in_a_process() -> None:
    assert nonce_source_for("key-a") is nonce_source_for("key-a")
    assert nonce_source_for("key-a") is not nonce_source_for("key-b")
    first, second = KrakenClient(KEY, SECRET), KrakenClient(KEY, SECRET)
    assert first._session._sequence == second._session._sequence


def test_a_sequence_holds_back_the_next_one_until_it_ends() -> None:
    source = NonceSource()
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with source.sequence():
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with source.sequence():
        inside.set()
        thread.join(timeout=0.2)
        order.append("first, still answering")
    thread.join()
    assert order == ["first, still answering", "second"]
    assert source() > 0  # plain nonces do not wait for sequences


def _draw_from_file(path: str, count: int, out: Any) -> None:
    source = FileNonceSource(path, clock=lambda: 1)  # a frozen clock: only the file orders them
    out.put([source() for _ in range(count)])


def test_file_source_is_unique_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "kraken.nonce")
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [context.Process(target=_draw_from_file, args=(path, 300, out)) for _ in range(4)]
    for worker in workers:
        worker.start()
    batches = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    everything = [n for batch in batches for n in batch]
    assert len(set(everything)) == 4 * 300
    assert all(batch == sorted(batch) for batch in batches)
    assert int(Path(path).read_text()) == max(everything)


def test_file_source_never_goes_below_what_another_process_issued(tmp_path: Path) -> None:
    path = tmp_path / "kraken.nonce"
    path.write_text("9000000000000000000")
    assert FileNonceSource(path, clock=lambda: 5)() == 9000000000000000001


class _StrictKraken(BaseHTTPRequestHandler):
    """Answers like Kraken: a nonce not above the last accepted one is EAPI:Invalid nonce."""

    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    last = 0
    accepted = 0
    rejected = 0

    def setup(self) -> None:
        super().setup()  # headers and body go out in two writes: without this, Nagle and
        self.connection.setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
        )  # delayed ACK add 40 ms

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        nonce = int(dict(parse_qsl(body.decode()))["nonce"])
        assert self.headers["API-Sign"] == sign(SECRET, self.path, nonce, body)
        cls = type(self)
        with cls.lock:
            fresh = nonce > cls.last
            if fresh:
                cls.last = nonce
                cls.accepted += 1
            else:
                cls.rejected += 1
        answer = (
            b'{"error":[],"result":{"ZUSD":"1.0000"}}'
            if fresh
            else b'{"error":["EAPI:Invalid nonce"]}'
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def strict_kraken() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StrictKraken)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _call_from_process(url: str, path: str, calls: int, out: Any) -> None:
    try:
        with KrakenClient(
            "process-test-key",
            SECRET,
            base_url=url,
            nonce=FileNonceSource(path),
            max_retries=0,
            tier="unlimited",  # 400 calls in a second: only the nonce order is under test
        ) as client:
            for _ in range(calls):
                client.account.balance()
        out.put(None)
    except Exception as error:
        out.put(repr(error))


def test_processes_sharing_a_key_through_a_file_reach_kraken_in_order(
    strict_kraken: str, tmp_path: Path
) -> None:
    _StrictKraken.last = _StrictKraken.accepted = _StrictKraken.rejected = 0
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    path = str(tmp_path / "shared.nonce")
    workers = [
        context.Process(target=_call_from_process, args=(strict_kraken, path, 100, out))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert results == [None] * 4
    assert (_StrictKraken.accepted, _StrictKraken.rejected) == (400, 0)


def test_16_threads_x_500_calls_reach_kraken_in_nonce_order(strict_kraken: str) -> None:
    """The measurement behind sending in nonce order lives in bench/nonce_order.py."""
    _StrictKraken.last = _StrictKraken.accepted = _StrictKraken.rejected = 0
    errors: list[BaseException] = []
    with KrakenClient(
        "thread-test-key",
        SECRET,
        base_url=strict_kraken,
        trust_env=False,
        max_retries=0,
        tier="unlimited",
    ) as client:

        def work() -> None:
            try:
                for _ in range(500):
                    client.account.balance()
            except BaseException as error:  # collected, then failed on below
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert (_StrictKraken.accepted, _StrictKraken.rejected) == (16 * 500, 0)
