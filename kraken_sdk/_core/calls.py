"""What the generated client groups (kraken_sdk/resources/) need from the client owning them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Final, Protocol, TypeAlias, TypedDict

from kraken_sdk._core.endpoints import ENDPOINTS, Endpoint

Number: TypeAlias = Decimal | int | float | str
"""What a caller may pass for an amount or price; floats go through their shortest repr."""


class NotGiven:
    """Marks a keyword the caller left out, so it is never sent (None can be a real value)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class CallOptions(TypedDict, total=False):
    """Per-call overrides accepted by every client method.

    `request_timeout` (seconds, or a (connect, read) pair) is not called `timeout` because
    CancelAllOrdersAfter has a Kraken parameter of that name.
    """

    request_timeout: float | tuple[float, float]
    otp: str


class Caller(Protocol):
    def _call(self, endpoint: Endpoint, params: dict[str, Any], options: CallOptions) -> Any: ...


def _given(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not NOT_GIVEN}


class Group:
    """A client group (`market`, `trading`, ...): thin methods that forward to the client."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def _call(self, name: str, params: dict[str, Any], options: CallOptions) -> Any:
        return self._caller._call(ENDPOINTS[name], _given(params), options)


Runner: TypeAlias = Callable[..., Awaitable[Any]]
"""`await run(function, *args)`: runs a blocking call off the event loop (AsyncKrakenClient's
`to_thread`, on its own worker threads)."""


class AsyncGroup:
    """The same group as coroutines: each call runs the blocking client's code in a worker thread.

    The blocking client is thread-safe (one nonce source, one limiter, pooled connections), so
    concurrent coroutines become concurrent requests without a second HTTP stack; `run` is the
    owning AsyncKrakenClient's thread pool, sized to the connection pool.
    """

    def __init__(self, caller: Caller, run: Runner) -> None:
        self._caller = caller
        self._run = run

    async def _call(self, name: str, params: dict[str, Any], options: CallOptions) -> Any:
        return await self._run(self._caller._call, ENDPOINTS[name], _given(params), options)
