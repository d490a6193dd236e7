"""Pair and asset names: `BTC/USD` in, Kraken's names out, and back.

Kraken names one market four ways: `XXBTZUSD` (the key responses use), `XBTUSD` (altname, what
orders report), `XBT/USD` (WebSocket v1) and `BTC/USD` (WebSocket v2 and most people). Legacy
asset ids carry X/Z prefixes that cannot be stripped blindly (`XTZ` is Tezos), so every name is
read from AssetPairs and Assets, fetched once per client and cached; the only fixed knowledge is
that Kraken's XBT is BTC and XDG is DOGE.

Balance keys may carry a suffix for read-only balances: `.F` (Kraken Rewards auto-earn), `.B`
(yield-bearing), `.S` (staked), `.M` (opt-in rewards), `.T` (tokenized); `standard_asset` keeps
it: `XBT.F` -> `BTC.F`.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kraken_sdk._core.errors import KrakenAPIError, UnknownPairError

__all__ = [
    "ALIASES",
    "BALANCE_SUFFIXES",
    "AssetInfo",
    "Fetch",
    "PairInfo",
    "SymbolTable",
    "Symbols",
    "split_balance_code",
]

ALIASES = {"XBT": "BTC", "XDG": "DOGE"}
"""Kraken's asset altnames that differ from everyone else's code."""

BALANCE_SUFFIXES = (".F", ".B", ".S", ".M", ".T")


@dataclass(frozen=True, slots=True)
class AssetInfo:
    """One asset: Kraken's id (`XXBT`), altname (`XBT`) and the standard code (`BTC`)."""

    id: str
    altname: str
    code: str
    decimals: int | None = None


@dataclass(frozen=True, slots=True)
class PairInfo:
    """One market with the rules orders must follow (from AssetPairs)."""

    key: str
    altname: str
    wsname: str | None
    symbol: str
    base: str
    quote: str
    status: str = "online"
    ordermin: Decimal | None = None
    costmin: Decimal | None = None
    tick_size: Decimal | None = None
    pair_decimals: int | None = None
    lot_decimals: int | None = None
    aclass_base: str = "currency"


def split_balance_code(code: str) -> tuple[str, str]:
    """`XBT.F` -> (`XBT`, `.F`); `ETH2.S` -> (`ETH2`, `.S`); `ZUSD` -> (`ZUSD`, ``)."""
    head, dot, tail = code.rpartition(".")
    if dot and head and f".{tail.upper()}" in BALANCE_SUFFIXES:
        return head, f".{tail}"
    return code, ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str | Decimal) and str(value) != "" else None


class SymbolTable:
    """Every pair and asset Kraken lists, indexed by all their names (immutable)."""

    def __init__(self, pairs: Iterable[PairInfo], assets: Iterable[AssetInfo]) -> None:
        self.assets: dict[str, AssetInfo] = {}
        self._asset_names: dict[str, AssetInfo] = {}
        for asset in assets:
            self.assets[asset.id] = asset
            for name in (asset.id, asset.altname, asset.code):
                self._asset_names.setdefault(name.upper(), asset)
        self.pairs: dict[str, PairInfo] = {}
        self._pair_names: dict[str, PairInfo] = {}
        for pair in pairs:
            self.pairs[pair.key] = pair
        for pair in self.pairs.values():  # exact keys first, so an alias never shadows a key
            self._pair_names[pair.key.upper()] = pair
        for pair in self.pairs.values():
            for alias in (pair.altname, pair.wsname, pair.symbol):
                if alias:
                    self._pair_names.setdefault(alias.upper(), pair)

    @classmethod
    def from_kraken(
        cls, asset_pairs: Mapping[str, Mapping[str, Any]], assets: Mapping[str, Mapping[str, Any]]
    ) -> SymbolTable:
        """Build from the `result` of AssetPairs and of Assets (plain JSON objects)."""
        asset_infos = [
            AssetInfo(
                id=asset_id,
                altname=str(info.get("altname") or asset_id),
                code=_standard(str(info.get("altname") or asset_id)),
                decimals=_int(info.get("decimals")),
            )
            for asset_id, info in assets.items()
        ]
        by_id = {asset.id: asset for asset in asset_infos}
        pairs = []
        for key, info in asset_pairs.items():
            if key.endswith(".d"):  # dark-pool twins share the altname of the real pair
                continue
            base, quote = str(info.get("base", "")), str(info.get("quote", ""))
            wsname = info.get("wsname")
            pairs.append(
                PairInfo(
                    key=key,
                    altname=str(info.get("altname") or key),
                    wsname=str(wsname) if wsname else None,
                    symbol=_pair_symbol(base, quote, wsname, by_id),
                    base=base,
                    quote=quote,
                    status=str(info.get("status") or "online"),
                    ordermin=_decimal(info.get("ordermin")),
                    costmin=_decimal(info.get("costmin")),
                    tick_size=_decimal(info.get("tick_size")),
                    pair_decimals=_int(info.get("pair_decimals")),
                    lot_decimals=_int(info.get("lot_decimals")),
                    aclass_base=str(info.get("aclass_base") or "currency"),
                )
            )
        return cls(pairs, asset_infos)

    def find(self, name: str) -> PairInfo | None:
        """The pair called `name` in any of its spellings, or None."""
        return self._pair_names.get(name.strip().upper())

    def pair(self, name: str) -> PairInfo:
        """The pair called `name`; an unknown name raises with the closest known names."""
        found = self.find(name)
        if found is None:
            raise UnknownPairError(name, self.suggest(name))
        return found

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Standard names of the pairs whose spellings are closest to `name`."""
        wanted = name.strip().upper()
        candidates = difflib.get_close_matches(wanted, self._pair_names, n=limit * 3, cutoff=0.6)
        if "/" not in wanted and len(wanted) > 3:  # BTCUSD: try the split ones too
            for split in range(3, min(len(wanted) - 1, 6) + 1):
                slashed = f"{wanted[:split]}/{wanted[split:]}"
                if slashed in self._pair_names:
                    candidates.insert(0, slashed)
        seen: list[str] = []
        for candidate in candidates:
            symbol = self._pair_names[candidate].symbol
            if symbol not in seen:
                seen.append(symbol)
        return seen[:limit]

    def standard_pair(self, name: str) -> str:
        """`XXBTZUSD`, `XBTUSD` or `XBT/USD` -> `BTC/USD`."""
        return self.pair(name).symbol

    def asset(self, code: str) -> AssetInfo | None:
        """The asset with this id, altname or standard code (without a balance suffix)."""
        return self._asset_names.get(code.strip().upper())

    def standard_asset(self, code: str) -> str:
        """`XXBT` -> `BTC`, `ZUSD` -> `USD`, `XBT.F` -> `BTC.F`; unknown codes come back as is."""
        head, suffix = split_balance_code(code)
        asset = self.asset(head)
        return (asset.code if asset else _standard(head)) + suffix

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"SymbolTable({len(self.pairs)} pairs, {len(self.assets)} assets)"


def _standard(altname: str) -> str:
    return ALIASES.get(altname.upper(), altname)


def _pair_symbol(base: str, quote: str, wsname: Any, assets: Mapping[str, AssetInfo]) -> str:
    """`BTC/USD`: standard base and quote codes, from Assets, else from the WebSocket name."""
    if base in assets and quote in assets:
        return f"{assets[base].code}/{assets[quote].code}"
    if wsname:
        ws_base, _, ws_quote = str(wsname).partition("/")
        return f"{_standard(ws_base)}/{_standard(ws_quote)}"
    return f"{_standard(base)}/{_standard(quote)}"


Fetch = Callable[[str, dict[str, Any]], Any]


class Symbols:
    """A client's lazily loaded, cached SymbolTable; thread-safe and refreshable.

    `fetch(method, params)` returns a raw result (the client's `request`). The table loads on
    first use (AssetPairs and Assets: two requests) and is kept for `ttl` seconds. A name it
    does not know triggers one refresh, at most once a minute per name, that also asks for
    tokenized assets (xStocks, which Kraken lists only on request) before UnknownPairError.
    """

    def __init__(
        self, fetch: Fetch, *, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._table: SymbolTable | None = None
        self._loaded_at = 0.0
        self._missed_at: dict[str, float] = {}
        self._tokenized = False

    @property
    def table(self) -> SymbolTable:
        """The current table, loading or reloading it if needed."""
        table = self._table
        if table is None or self._clock() - self._loaded_at > self._ttl:
            with self._lock:
                if self._table is None or self._clock() - self._loaded_at > self._ttl:
                    self._load()
            table = self._table
        assert table is not None
        return table

    def load(
        self, asset_pairs: Mapping[str, Mapping[str, Any]], assets: Mapping[str, Mapping[str, Any]]
    ) -> SymbolTable:
        """Use these AssetPairs and Assets results instead of fetching them (tests, caches)."""
        with self._lock:
            self._table = SymbolTable.from_kraken(asset_pairs, assets)
            self._loaded_at = self._clock()
            return self._table

    def refresh(self) -> SymbolTable:
        """Fetch AssetPairs and Assets again now."""
        with self._lock:
            self._load()
            assert self._table is not None
            return self._table

    def _load(self) -> None:
        pairs = dict(self._fetch("AssetPairs", {}))
        assets = dict(self._fetch("Assets", {}))
        if self._tokenized:
            pairs.update(self._optional("AssetPairs", {"aclass_base": "tokenized_asset"}))
            assets.update(self._optional("Assets", {"aclass": "tokenized_asset"}))
        self._table = SymbolTable.from_kraken(pairs, assets)
        self._loaded_at = self._clock()

    def _optional(self, method: str, params: dict[str, Any]) -> Mapping[str, Any]:
        """xStocks are listed only when asked for; where they are not offered, Kraken refuses."""
        try:
            return dict(self._fetch(method, params))
        except KrakenAPIError:
            return {}

    def pair(self, name: str) -> PairInfo:
        """The pair called `name`, refreshing once (at most every 60 s per name) if unknown."""
        table = self.table
        found = table.find(name)
        if found is not None:
            return found
        now = self._clock()
        if now - self._missed_at.get(name, -1e18) > 60.0:
            self._missed_at[name] = now
            self._tokenized = True
            found = self.refresh().find(name)
            if found is not None:
                return found
        return self.table.pair(name)

    def standard_pair(self, name: str) -> str:
        """`XXBTZUSD`, `XBTUSD`, `XBT/USD` -> `BTC/USD`."""
        return self.pair(name).symbol

    def standard_asset(self, code: str) -> str:
        """`XXBT` -> `BTC`, `XBT.F` -> `BTC.F` (balance keys, ledger assets)."""
        return self.table.standard_asset(code)

    def __repr__(self) -> str:
        state = repr(self._table) if self._table is not None else "not loaded"
        return f"Symbols({state})"
