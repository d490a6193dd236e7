"""Refusing socket connections while a cassette replays, so nothing reaches the internet.

vcrpy answers matched requests without a connection and refuses unmatched ones; this guard
is the second lock, for anything vcrpy does not patch. It raises an error that is not an
OSError, so no HTTP library mistakes it for a dropped connection and retries or swallows it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["NetworkBlockedError", "block_network"]


class NetworkBlockedError(RuntimeError):
    """A connection was attempted while the network is blocked."""


_lock = threading.Lock()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def block_network(*, allow_loopback: bool = True) -> Iterator[None]:
    """Within the block, connecting a socket anywhere but loopback (or anywhere at all with
    allow_loopback=False) raises NetworkBlockedError. Unix sockets stay allowed."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host, port = str(address[0]), address[1]
        if allow_loopback and _is_loopback(host):
            return
        where = "anywhere" if not allow_loopback else "outside loopback"
        sock.close()  # callers close only on OSError; this is not one, so it would leak
        raise NetworkBlockedError(
            f"connection to {host}:{port} refused: the network is blocked {where} while "
            "replaying Kraken cassettes (record with --kraken-record=once)"
        )

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    with _lock:
        setattr(socket.socket, "connect", connect)  # noqa: B010
        setattr(socket.socket, "connect_ex", connect_ex)  # noqa: B010
    try:
        yield
    finally:
        with _lock:
            setattr(socket.socket, "connect", real_connect)  # noqa: B010
            setattr(socket.socket, "connect_ex", real_connect_ex)  # noqa: B010
