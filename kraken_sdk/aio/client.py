"""AsyncKrakenClient: KrakenClient's surface as coroutines, derived from it, not copied.

    async with AsyncKrakenClient.from_env() as k:
        ticker = await k.market.ticker(pair="BTC/USD")
        async for ledger_id, entry in paginate.ledgers(k):
            ...

Nothing here restates the blocking client. The groups are generated beside their sync twins
(kraken_sdk/resources/); the constructors, `request()` and the read-only attributes are built
below from KrakenClient's own by three small wrappers (`_constructor`, `_coroutine`,
`_ReadThrough`), so a parameter added to KrakenClient appears here, typed, without an edit.

Blocking work runs on the client's own ThreadPoolExecutor with as many workers as the
connection pool has connections (`pool_maxsize`, 16 by default): more threads than pooled
connections would only queue inside urllib3, and asyncio's shared default executor is left to
the application. The blocking client is thread-safe, so concurrent coroutines share one
connection pool, one nonce sequence and one rate limiter, and every safety rule is the same
code as in sync use. `import kraken_sdk` does not import this module (or asyncio).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, Unpack

from kraken_sdk._core.auth import Credentials
from kraken_sdk.aio.deadman import AsyncDeadMansSwitch
from kraken_sdk.client import ClientOptions, KrakenClient
from kraken_sdk.resources import (
    AsyncAccountGroup,
    AsyncEarnGroup,
    AsyncFundingGroup,
    AsyncMarketGroup,
    AsyncSubaccountsGroup,
    AsyncTradingGroup,
)

__all__ = ["AsyncKrakenClient"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")


def _renamed(signature: inspect.Signature) -> inspect.Signature:
    """A KrakenClient signature as AsyncKrakenClient's: the same, returning the async class."""
    if signature.return_annotation in ("KrakenClient", KrakenClient):
        return signature.replace(return_annotation="AsyncKrakenClient")
    return signature


def _constructor(
    sync: Callable[_P, KrakenClient],
) -> classmethod[AsyncKrakenClient, _P, AsyncKrakenClient]:
    """`AsyncKrakenClient.<name>(...)` = `from_client(KrakenClient.<name>(...))`."""

    def build(
        cls: type[AsyncKrakenClient], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> AsyncKrakenClient:
        return cls.from_client(sync(*args, **kwargs))

    functools.update_wrapper(build, sync)
    build.__qualname__ = f"AsyncKrakenClient.{build.__name__}"
    del build.__wrapped__  # type: ignore[attr-defined]  # the signature below is the truth
    signature = _renamed(inspect.signature(sync))
    cls_parameter = inspect.Parameter("cls", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    build.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[cls_parameter, *signature.parameters.values()]
    )
    return classmethod(build)


def _coroutine(
    sync: Callable[Concatenate[KrakenClient, _P], _R],
) -> Callable[Concatenate[AsyncKrakenClient, _P], Coroutine[Any, Any, _R]]:
    """`await k.<name>(...)` runs `KrakenClient.<name>` on the client's worker threads."""

    async def method(self: AsyncKrakenClient, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await self.to_thread(sync, self.sync, *args, **kwargs)

    functools.update_wrapper(method, sync)
    method.__qualname__ = f"AsyncKrakenClient.{method.__name__}"
    del method.__wrapped__  # type: ignore[attr-defined]
    method.__signature__ = _renamed(inspect.signature(sync))  # type: ignore[attr-defined]
    return method


class _ReadThrough(Generic[_T]):
    """A read-only attribute that is the blocking client's attribute of the same name."""

    def __init__(self, get: Callable[[KrakenClient], _T]) -> None:
        self._get = get
        self.__doc__ = "Read through to the blocking client (`sync`)."

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def __get__(self, instance: AsyncKrakenClient, owner: type[Any] | None = None) -> _T:
        return self._get(instance.sync)

    def __set__(self, instance: AsyncKrakenClient, value: object) -> None:
        raise AttributeError(f"{self.name} is the blocking client's: set it on `sync`")


class AsyncKrakenClient:
    """KrakenClient as coroutines: same groups, method names, parameters and result types.

    `AsyncKrakenClient(api_key, api_secret, base_url=..., tier=...)` takes KrakenClient's
    arguments; `from_env()` and `from_keyring()` are KrakenClient's; `from_client(k)` wraps a
    client you already have (both then share its connections, nonces and rate limits). `sync`
    is the blocking client underneath; `to_thread(f, ...)` runs any blocking call of yours on
    the same worker threads.
    """

    market: AsyncMarketGroup
    account: AsyncAccountGroup
    trading: AsyncTradingGroup
    funding: AsyncFundingGroup
    earn: AsyncEarnGroup
    subaccounts: AsyncSubaccountsGroup

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        credentials: Credentials | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._bind(KrakenClient(api_key, api_secret, credentials=credentials, **options))

    # Runtime introspection (help(), IDEs, the twin test) sees KrakenClient's full signature;
    # ClientOptions is the same option list, typed (tests/test_aio.py holds the two equal).
    __init__.__signature__ = inspect.signature(KrakenClient.__init__)  # type: ignore[attr-defined]

    def _bind(self, client: KrakenClient) -> None:
        self.sync = client
        self._executor = ThreadPoolExecutor(
            max_workers=client.pool_maxsize, thread_name_prefix="kraken-sdk"
        )
        self._closed = False
        self.market = AsyncMarketGroup(client, self.to_thread)
        self.account = AsyncAccountGroup(client, self.to_thread)
        self.trading = AsyncTradingGroup(client, self.to_thread)
        self.funding = AsyncFundingGroup(client, self.to_thread)
        self.earn = AsyncEarnGroup(client, self.to_thread)
        self.subaccounts = AsyncSubaccountsGroup(client, self.to_thread)

    @classmethod
    def from_client(cls, client: KrakenClient) -> Self:
        """Wrap an existing blocking client; closing this one closes it too."""
        self = cls.__new__(cls)
        self._bind(client)
        return self

    from_env = _constructor(KrakenClient.from_env)
    from_keyring = _constructor(KrakenClient.from_keyring)
    request = _coroutine(KrakenClient.request)
    prepare = _coroutine(KrakenClient.prepare)  # may fetch AssetPairs: a coroutine too

    base_url = _ReadThrough(lambda k: k.base_url)
    credentials = _ReadThrough(lambda k: k.credentials)
    rate_limiter = _ReadThrough(lambda k: k.rate_limiter)
    rate_limits = _ReadThrough(lambda k: k.rate_limits)
    allow_withdrawals = _ReadThrough(lambda k: k.allow_withdrawals)
    check_orders = _ReadThrough(lambda k: k.check_orders)
    pool_maxsize = _ReadThrough(lambda k: k.pool_maxsize)
    symbols = _ReadThrough(lambda k: k.symbols)  # its first use fetches AssetPairs: off-loop
    reconciler = _ReadThrough(lambda k: k.reconciler)
    transport = _ReadThrough(lambda k: k.transport)

    async def to_thread(
        self, function: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """`function(*args, **kwargs)` on this client's worker threads (context vars kept)."""
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        call = functools.partial(context.run, function, *args, **kwargs)
        return await loop.run_in_executor(self._executor, call)

    def dead_mans_switch(
        self, timeout: int = 60, refresh_every: float | None = None
    ) -> AsyncDeadMansSwitch:
        """`async with k.dead_mans_switch(60):` Kraken cancels every open order if this
        process stops re-arming CancelAllOrdersAfter for `timeout` seconds."""
        return AsyncDeadMansSwitch(self, timeout, refresh_every)

    @property
    def closed(self) -> bool:
        return self._closed

    async def close(self) -> None:
        """Stop the worker threads (queued calls are cancelled) and close the connections."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.sync.close()

    async def aclose(self) -> None:
        """close() under the name contextlib.aclosing and httpx users expect."""
        await self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        who = repr(self.credentials) if self.credentials else "public only"
        return f"AsyncKrakenClient({self.base_url!r}, {who})"
