"""Many threads, one key: send private calls in nonce order, or retry the rejected ones?

Kraken rejects a nonce that is not larger than the last one it accepted for the key, so two
requests that overtake each other on the way lose one of them to `EAPI:Invalid nonce`. Two ways
out, measured here against a local server that enforces increasing nonces exactly like Kraken:

* retry   - no coordination; a rejected call is resent with a fresh nonce until accepted.
* ordered - one lock per key held from taking the nonce until the answer arrives, so requests
            reach the server in nonce order (nautilus does this).
* ordered-send - the lock is released once the request bytes are written (cheaper, but the
                 network may still reorder them).

The server delays each request by `latency + U(0, jitter)` before it checks the nonce, which is
what the network does to requests that travel on different connections. Every rejection is a
strike towards Kraken's `EGeneral:Temporary lockout` (about 15 minutes).

    python bench/nonce_order.py            # three network profiles, 16 threads
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from kraken_sdk.nonce import NonceSource

THREADS = 16
ACCEPTED = b'{"error":[],"result":{"ok":true}}'
REJECTED = b'{"error":["EAPI:Invalid nonce"]}'


def serve(ready: Any, latency: float, jitter: float) -> None:
    """Answer POSTs after a simulated network delay; accept only increasing nonces."""
    state = {"last": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            nonce = int(parse_qs(body.decode())["nonce"][0])
            time.sleep(latency + random.uniform(0, jitter))
            with lock:
                accepted = nonce > state["last"]
                if accepted:
                    state["last"] = nonce
            answer = ACCEPTED if accepted else REJECTED
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ready.put(server.server_address[1])
    server.serve_forever()


def run(mode: str, port: int, calls: int) -> dict[str, float]:
    nonce = NonceSource()
    key_lock = threading.Lock()
    rejections = 0
    max_attempts = 0
    count_lock = threading.Lock()

    def one_call(conn: http.client.HTTPConnection) -> int:
        attempts = 0
        while True:
            attempts += 1
            if mode == "ordered":
                with key_lock:
                    answer = exchange(conn, nonce(), lambda: None)
            elif mode == "ordered-send":
                key_lock.acquire()
                answer = exchange(conn, nonce(), key_lock.release)
            else:
                answer = exchange(conn, nonce(), lambda: None)
            if json.loads(answer)["error"] == []:
                return attempts

    def worker() -> None:
        nonlocal rejections, max_attempts
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(calls):
            attempts = one_call(conn)
            with count_lock:
                rejections += attempts - 1
                max_attempts = max(max_attempts, attempts)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    total = THREADS * calls
    return {
        "calls/s": total / wall,
        "rejections per 100 calls": 100 * rejections / total,
        "max attempts": max_attempts,
    }


def exchange(conn: http.client.HTTPConnection, nonce: int, sent: Callable[[], None]) -> bytes:
    body = f"nonce={nonce}&pair=XBTUSD".encode()
    conn.putrequest("POST", "/0/private/Balance")
    conn.putheader("Content-Length", str(len(body)))
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.endheaders(body)
    sent()
    return conn.getresponse().read()


def main() -> None:
    profiles = [
        ("loopback, no delay", 0.0, 0.0, 500),
        ("LAN-like 1 ms + U(0, 1 ms)", 0.001, 0.001, 100),
        ("WAN-like 20 ms + U(0, 10 ms)", 0.020, 0.010, 25),
    ]
    context = multiprocessing.get_context("spawn")
    print(f"{THREADS} threads sharing one key; rejections count resends after EAPI:Invalid nonce")
    for label, latency, jitter, calls in profiles:
        ready = context.Queue()
        server = context.Process(target=serve, args=(ready, latency, jitter), daemon=True)
        server.start()
        port = ready.get()
        print(f"\n{label}: {THREADS} x {calls} calls")
        for mode in ("retry", "ordered-send", "ordered"):
            figures = run(mode, port, calls)
            shown = ", ".join(f"{name} {value:.1f}" for name, value in figures.items())
            print(f"  {mode:13} {shown}")
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
