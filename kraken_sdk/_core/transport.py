"""The transport seam: one HTTP request out, one answer back, failures as the SDK's errors.

The session signs and decodes; a transport only moves bytes. Each transport translates its own
library's exceptions in one place, deciding what matters for order safety: ConnectError and
ConnectTimeout mean the request was surely never sent, ReadTimeout and ConnectionLost that it
may have been, anything else is a TransportError. No transport ever resends a request itself
(a signed POST may only be resent re-signed, by the session's retry loop).

- `Urllib3Transport` (the default): urllib3's PoolManager, keep-alive pool, a deadline per attempt.
- `RequestsTransport`: a caller's requests.Session (and tests that mock requests with `responses`).
- `MockTransport`: a function answers every request, as httpx.MockTransport does.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from kraken_sdk._core.errors import (
    ConnectError,
    ConnectionLost,
    ConnectTimeout,
    KrakenError,
    ReadTimeout,
    TransportError,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "NEVER_SENT",
    "MockTransport",
    "Request",
    "RequestsTransport",
    "Response",
    "TimeoutSpec",
    "Transport",
    "Urllib3Transport",
    "short",
]

TimeoutSpec = float | tuple[float, float]

NEVER_SENT: tuple[type[BaseException], ...] = (
    NewConnectionError,
    ConnectTimeoutError,
    NameResolutionError,
    ConnectionRefusedError,
    socket.gaierror,
)
"""Failures that happen before any byte of the request could have left."""

_CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request; `name` is the Kraken method, for error messages only."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None = None
    timeout: TimeoutSpec = 10.0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer, its body read in full."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Transport(Protocol):
    """Sends one request; raises only TransportError subclasses (or other KrakenErrors)."""

    def send(self, request: Request) -> Response: ...

    def close(self) -> None: ...


def short(error: BaseException | None) -> str:
    text = str(error) if error is not None else ""
    return text if len(text) <= 200 else text[:197] + "..."


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception with its causes, contexts and urllib3 `reason`s, outermost first."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return seen


def _detail(exc: BaseException, causes: list[BaseException]) -> str:
    reason = next((c for c in reversed(causes) if c is not exc), exc)
    return f"{type(reason).__name__}: {short(reason)}" if reason is not exc else short(exc)


# --- urllib3 ------------------------------------------------------------------------------------


def _urllib3_error(method: str, exc: BaseException) -> TransportError:
    """urllib3's (and the socket's) exceptions -> ours, deciding whether anything was sent."""
    causes = _chain(exc)
    detail = _detail(exc, causes)
    if any(isinstance(c, ReadTimeoutError | TimeoutError) for c in causes) and not any(
        isinstance(c, ConnectTimeoutError) for c in causes
    ):
        return ReadTimeout(f"{method}: no answer within the read timeout", method=method)
    if any(isinstance(c, NEVER_SENT) for c in causes):
        if any(
            isinstance(c, ConnectTimeoutError) and not isinstance(c, NewConnectionError)
            for c in causes
        ):
            return ConnectTimeout(f"{method}: connecting timed out ({detail})", method=method)
        return ConnectError(f"{method}: could not connect ({detail})", method=method)
    if any(isinstance(c, SSLError | ssl.SSLError) for c in causes):
        return ConnectError(f"{method}: could not connect ({detail})", method=method)
    if isinstance(exc, ProtocolError | ProxyError | ConnectionError | OSError):
        return ConnectionLost(f"{method}: the connection broke ({detail})", method=method)
    return TransportError(f"{method}: {detail}", method=method)


def _ca_bundle() -> str | None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if value := os.environ.get(name):
            return value
    return None


class Urllib3Transport:
    """urllib3 directly: pooled keep-alive connections, no retries, no redirects.

    With trust_env, the CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE) and the
    proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) are read from the environment once, here.
    Each attempt has a deadline: a float timeout bounds the whole attempt, a (connect, read)
    pair bounds connecting by the first, each wait for data by the second and the whole
    attempt by their sum, however slowly the server drips its answer.
    """

    def __init__(
        self,
        *,
        trust_env: bool = True,
        pool_maxsize: int = 16,
        ca_certs: str | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> None:
        if ca_certs is None and trust_env:
            ca_certs = _ca_bundle()
        if ca_certs is None:
            try:  # requests' bundle when present, so trust matches what users had before
                import certifi

                ca_certs = certifi.where()
            except ImportError:  # the system store
                pass
        self.ca_certs = ca_certs
        if proxies is None and trust_env:
            from urllib.request import getproxies  # lazily: it costs ~10 ms to import

            proxies = getproxies()
        self.proxies: dict[str, str] = {k.lower(): v for k, v in (proxies or {}).items()}
        self.pool_maxsize = pool_maxsize
        self._pool_options = {
            "maxsize": pool_maxsize,
            "block": False,
            "retries": False,
            "ca_certs": ca_certs,
            "cert_reqs": "CERT_REQUIRED",
        }
        self._direct = urllib3.PoolManager(num_pools=4, **self._pool_options)  # type: ignore[arg-type]
        self._managers: dict[str, urllib3.PoolManager] = {}

    def proxy_for(self, url: str) -> str | None:
        """The proxy a request to `url` goes through (None: direct)."""
        scheme, _, rest = url.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        proxy = self.proxies.get(scheme.lower())
        if not proxy:
            return None
        from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

        return None if proxy_bypass_environment(host.split(":", 1)[0], self.proxies) else proxy

    def _manager(self, url: str) -> urllib3.PoolManager:
        end = url.find("/", url.find("://") + 3)
        origin = url if end < 0 else url[:end]
        manager = self._managers.get(origin)
        if manager is None:
            proxy = self.proxy_for(url)
            if proxy is None:
                manager = self._direct
            else:
                manager = urllib3.ProxyManager(proxy, num_pools=4, **self._pool_options)  # type: ignore[arg-type]
            manager = self._managers.setdefault(origin, manager)
        return manager

    def send(self, request: Request) -> Response:
        timeout = request.timeout
        if isinstance(timeout, tuple):
            connect, read = timeout
            total = connect + read
        else:
            connect = read = total = timeout
        deadline = time.monotonic() + total
        try:
            raw = self._manager(request.url).urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=request.headers,
                timeout=urllib3.Timeout(connect=connect, read=read, total=total),
                retries=False,
                redirect=False,
                preload_content=False,
            )
            try:
                body = _read_until(raw, deadline, read)
            finally:
                raw.release_conn()
        except HTTPError as exc:
            raise _urllib3_error(request.name, exc) from None
        except OSError as exc:
            raise _urllib3_error(request.name, exc) from None
        return Response(raw.status, body, raw.headers)

    def open_pools(self) -> int:
        """Connection pools currently open (one per host reached; 0 after close)."""
        managers = {id(m): m for m in (self._direct, *self._managers.values())}
        return sum(len(m.pools) for m in managers.values())

    def close(self) -> None:
        self._direct.clear()
        for manager in self._managers.values():
            manager.clear()

    def __repr__(self) -> str:
        return f"Urllib3Transport(pool_maxsize={self.pool_maxsize}, proxies={self.proxies!r})"


def _read_until(raw: urllib3.BaseHTTPResponse, deadline: float, read: float) -> bytes:
    """The whole body, in chunks, each socket wait shrunk to what is left of the deadline."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)  # none under vcrpy
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer did not arrive within the deadline")
        if sock is not None:
            sock.settimeout(min(left, read))
        chunk = raw.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


# --- requests -----------------------------------------------------------------------------------


def _requests_error(method: str, exc: BaseException) -> TransportError:
    """requests' exceptions -> ours, as urllib3's map (same classes, same semantics)."""
    import requests

    causes = _chain(exc)
    detail = _detail(exc, causes)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ConnectTimeout(f"{method}: connecting timed out ({detail})", method=method)
    if isinstance(exc, requests.exceptions.ReadTimeout) or any(
        isinstance(c, ReadTimeoutError) for c in causes
    ):
        return ReadTimeout(f"{method}: no answer within the read timeout", method=method)
    if isinstance(exc, requests.exceptions.SSLError) or any(
        isinstance(c, NEVER_SENT) for c in causes
    ):
        return ConnectError(f"{method}: could not connect ({detail})", method=method)
    if isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        return ConnectionLost(f"{method}: the connection broke ({detail})", method=method)
    return TransportError(f"{method}: {detail}", method=method)


class RequestsTransport:
    """A requests.Session: its headers, auth, cookies and adapters are kept.

    close() closes the session only if this transport was told it owns it (`owned=True`).
    The timeout goes to requests as given (requests has no deadline for a dripping body).
    """

    def __init__(self, session: requests.Session | None = None, *, owned: bool = False) -> None:
        if session is None:
            import requests

            session, owned = requests.Session(), True
        self.session = session
        self.owned = owned

    def send(self, request: Request) -> Response:
        import requests

        try:
            answer = self.session.request(
                request.method,
                request.url,
                data=request.body,
                headers=dict(request.headers),
                timeout=request.timeout,
                allow_redirects=False,
            )
            body = answer.content
        except requests.exceptions.RequestException as exc:
            raise _requests_error(request.name, exc) from None
        return Response(answer.status_code, body, answer.headers)

    def close(self) -> None:
        if self.owned:
            self.session.close()

    def __repr__(self) -> str:
        return f"RequestsTransport({self.session!r})"


# --- tests --------------------------------------------------------------------------------------


class MockTransport:
    """Answers every request with `handler(request)`: a Response, or an exception.

    The handler may raise the SDK's own errors (ConnectError, ReadTimeout, ...) or plain
    ones: ConnectionRefusedError becomes ConnectError, TimeoutError ReadTimeout, other
    OSErrors ConnectionLost. Every request sent is kept in `requests`.
    """

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.closed = False

    def send(self, request: Request) -> Response:
        self.requests.append(request)
        try:
            return self.handler(request)
        except KrakenError:
            raise
        except OSError as exc:
            raise _urllib3_error(request.name, exc) from None

    def close(self) -> None:
        self.closed = True

    def __repr__(self) -> str:
        return f"MockTransport({self.handler!r})"
