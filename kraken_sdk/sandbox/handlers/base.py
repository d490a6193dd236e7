"""What every method handler receives and the registry the server routes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kraken_sdk._core.endpoints import ENDPOINTS
from kraken_sdk._core.ratelimit import RateLimits
from kraken_sdk.sandbox.exchange import Exchange
from kraken_sdk.sandbox.funding import FundingState
from kraken_sdk.sandbox.ids import IdFactory
from kraken_sdk.sandbox.keys import KeyRecord, KeyStore
from kraken_sdk.sandbox.market import Market
from kraken_sdk.sandbox.params import Params
from kraken_sdk.sandbox.refdata import PairSpec, ReferenceData
from kraken_sdk.sandbox.rejects import UNKNOWN_PAIR, RejectError, invalid

__all__ = [
    "HANDLERS",
    "PERMISSIONS",
    "Binary",
    "Call",
    "Handler",
    "State",
    "handler",
    "pair_param",
    "pairs_param",
]


@dataclass(slots=True)
class State:
    """The sandbox's state as the handlers see it (always used under the sandbox's lock)."""

    ref: ReferenceData
    market: Market
    exchange: Exchange
    funding: FundingState
    ids: IdFactory
    keys: KeyStore
    limits: RateLimits


@dataclass(slots=True)
class Call:
    """One request: its method, parameters, time, and the key that signed it (private calls)."""

    method: str
    params: Params
    now: float
    key: KeyRecord | None

    @property
    def api_key(self) -> str:
        return self.key.api_key if self.key is not None else ""


@dataclass(frozen=True, slots=True)
class Binary:
    """A non-JSON answer (RetrieveExport's zip)."""

    data: bytes
    content_type: str = "application/octet-stream"


Handler = Callable[[State, Call], Any]
HANDLERS: dict[str, Handler] = {}

PERMISSIONS: dict[str, tuple[frozenset[str], ...]] = {
    e.name: e.permission_options for e in ENDPOINTS.values() if e.permission_options
}
"""Method -> alternatives, each a set of permissions that together allow the call: the
schemas' `permission` facts, so the sandbox refuses exactly what the table says Kraken would."""


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register the handler of a Kraken method."""

    def register(function: Handler) -> Handler:
        HANDLERS[name] = function
        return function

    return register


def pair_param(state: State, params: Params, name: str = "pair") -> tuple[PairSpec, str]:
    """The pair a request names and the key its answer goes under.

    Answers are keyed by the canonical pair key (XXBTZUSD) even when asked for XBTUSD, but by
    the symbol itself when asked as BTC/USD, as Kraken answers today.
    """
    text = params.text(name)
    if text is None:
        raise invalid(name)
    pair = state.ref.pair(text)
    if pair is None:
        raise RejectError(UNKNOWN_PAIR)
    symbol = state.ref.symbol(pair)
    return pair, symbol if text.strip().upper() == symbol else pair.key


def pairs_param(state: State, params: Params, name: str = "pair") -> list[tuple[PairSpec, str]]:
    out = []
    for text in params.items(name):
        out.append(pair_param(state, Params({name: text}), name))
    return out
