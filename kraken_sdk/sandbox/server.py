"""The HTTP layer: a threading HTTP/1.1 server on loopback that carries out `SandboxCore`'s replies.

Keep-alive connections are pooled by clients as with Kraken. A reply may be held back (the
`timeout` fault) or the connection closed without an answer (`drop` faults); both are done here,
and a held-back reply wakes up early when the server shuts down.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kraken_sdk.sandbox.core import SandboxCore

__all__ = ["SandboxHTTPServer"]

_MAX_BODY = 1 << 20


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "cloudflare"
    sys_version = ""
    server: SandboxHTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.core.handle(method, self.path, headers, body)
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.delay and self.server.closing.wait(reply.delay):
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (e.g. after its own timeout)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox keeps its own request log."""


class SandboxHTTPServer(ThreadingHTTPServer):
    """Serves one SandboxCore; `closing` is set when it shuts down."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], core: SandboxCore) -> None:
        self.core = core
        self.closing = threading.Event()
        super().__init__(address, _Handler)

    def shutdown(self) -> None:
        self.closing.set()
        super().shutdown()
