"""Client CPU per call (sign, encode, send, decode) against a loopback server.

The server runs in another process and answers every path with a fixed Kraken body, so the
figure is this process's CPU time (`time.process_time`) per call: what the SDK costs on top of
the network. Also shown: the part spent before the socket (validation, pair lookup, encoding,
nonce and signature), measured without any I/O.

    python bench/client_cpu.py             # 5 rounds of 2000 calls per row
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from kraken_sdk import ENDPOINTS, KrakenClient
from kraken_sdk._core.session import encode_form

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
ROUNDS, CALLS, WARMUP = 5, 2000, 200
BODIES = {
    "/0/public/Time": b'{"error":[],"result":{"unixtime":1688669448,"rfc1123":"Thu, 06 Jul 23"}}',
    "/0/private/Balance": b'{"error":[],"result":{"ZUSD":"171288.6158","XXBT":"1011.19088779",'
    b'"XETH":"818.55","USDT":"500000.0","DOT":"2.5","ETH2.S":"198.39708"}}',
    "/0/private/AddOrder": b'{"error":[],"result":{"descr":{"order":"buy 1.25000000 XBTUSD @ '
    b'limit 30000.0"}}}',
}
PAIRS = {
    "XXBTZUSD": {
        "altname": "XBTUSD",
        "wsname": "XBT/USD",
        "base": "XXBT",
        "quote": "ZUSD",
        "pair_decimals": 1,
        "lot_decimals": 8,
        "ordermin": "0.0001",
        "costmin": "0.5",
        "tick_size": "0.1",
        "status": "online",
    }
}
ASSETS = {"XXBT": {"altname": "XBT"}, "ZUSD": {"altname": "USD"}}


def serve(ready: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            self.answer()

        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = BODIES[self.path.split("?")[0]]
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.put(server.server_address[1])
    server.serve_forever()


def per_call_us(call: Callable[[], object]) -> tuple[float, float]:
    """(client CPU, wall) in µs per call: the median of the round means."""
    for _ in range(WARMUP):
        call()
    cpu, wall = [], []
    for _ in range(ROUNDS):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(CALLS):
            call()
        cpu.append((time.process_time() - c0) / CALLS * 1e6)
        wall.append((time.perf_counter() - w0) / CALLS * 1e6)
    return statistics.median(cpu), statistics.median(wall)


def add_order(client: KrakenClient, order: dict[str, Any]) -> object:
    return client.trading.add_order(**order)


def main() -> None:
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    server = context.Process(target=serve, args=(ready,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ready.get()}"
    order: dict[str, Any] = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit"}
    order |= {"volume": Decimal("1.25"), "price": Decimal("30000.0"), "validate": True}
    print(f"client CPU per call on loopback, median of {ROUNDS} x {CALLS} calls")
    print(f"{'call':44} {'CPU µs':>8} {'wall µs':>8}")
    raw = requests.Session()
    raw.trust_env = False
    body = b"nonce=1&asset=ZUSD"

    def bare_post() -> bytes:
        return raw.post(f"{url}/0/private/Balance", data=body, timeout=10).content

    cpu, wall = per_call_us(bare_post)
    print(f"{'reference: bare requests.Session.post':44} {cpu:8.0f} {wall:8.0f}   (no SDK)")
    for trust_env in (False, True):
        client = KrakenClient("bench-key", SECRET, base_url=url, trust_env=trust_env)
        client.symbols.load(PAIRS, ASSETS)
        rows: list[tuple[str, Callable[[], object]]] = [
            ("market.time()  GET, decode", client.market.time),
            ("account.balance()  sign, POST, decode", client.account.balance),
            ("trading.add_order(validate=True)  + checks", partial(add_order, client, order)),
        ]
        for label, call in rows:
            cpu, wall = per_call_us(call)
            print(f"{label:44} {cpu:8.0f} {wall:8.0f}   trust_env={trust_env}")
        client.close()

    client = KrakenClient("bench-key", SECRET, base_url=url)
    client.symbols.load(PAIRS, ASSETS)
    endpoint = ENDPOINTS["AddOrder"]
    credentials = client.credentials
    assert credentials is not None

    def before_the_socket() -> None:
        fields, pair = client._prepare(endpoint, order)
        assert pair is not None
        client._check("AddOrder", fields, pair)
        body = encode_form({"nonce": time.time_ns(), **fields}).encode()
        credentials.sign(endpoint.path, 1, body)

    cpu, _ = per_call_us(before_the_socket)
    print(f"{'add_order: validate+checks+encode+sign only':44} {cpu:8.0f}")
    server.terminate()


if __name__ == "__main__":
    main()
