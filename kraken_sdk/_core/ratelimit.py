"""Kraken's rate limits, modelled inside the client so calls wait instead of failing.

Kraken keeps two kinds of decaying counters (reference/kraken_api.md §6):

* per API key, a REST counter: each private call adds its cost (1; 2 for Ledgers, QueryLedgers,
  TradesHistory and QueryTrades; 0 for order methods), it decays continuously, and a call that
  would pass the tier's maximum is refused with `EAPI:Rate limit exceeded`;
* per pair, a trading-engine counter: +1 per AddOrder, n/2 per batch, and amend, edit and
  cancel charges that grow the younger the order is; past the threshold the engine answers
  `EOrder:Rate limit exceeded`.

`RateLimiter` keeps the same counters. Before a private call takes its nonce, `acquire` books
its cost at the earliest instant the modelled counter allows it and sleeps until then: a leaky
bucket scheduled ahead, so many threads queue in order, each sleeping once, and the counter is
never over-committed. Right before the send, in nonce order, `confirm` counts the send as it
really happens. Order ages come from the client's own AddOrder, AddOrderBatch, AmendOrder and
EditOrder answers (`settle`). When Kraken refuses anyway (another program on the key, a wrong
tier), `resync` sets the counter to its cap, waiting threads plan again, and the retry waits
in `acquire` for exactly the decay it needs instead of a blind backoff.

Public calls are not limited: Kraken limits them per IP and publishes no numbers, so a model
would be a guess; `EGeneral:Too many requests` is retried with backoff like other refusals.

One limiter per client serves all its threads; `FileRateLimiter` shares the counters with other
processes through a locked file. The same `RateLimits` values configure the sandbox.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec

from kraken_sdk._core.endpoints import ENDPOINTS, EngineCharge
from kraken_sdk._core.errors import KrakenError, RateLimitError
from kraken_sdk._core.nonce import lock_file

__all__ = [
    "TIERS",
    "FileRateLimiter",
    "RateLimiter",
    "RateLimits",
    "Ticket",
    "TierName",
    "amend_penalty",
    "cancel_penalty",
    "edit_penalty",
]

TierName = Literal["starter", "intermediate", "pro", "unlimited"]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """One tier's limits; `None` counters mean that limiter is off."""

    counter_max: float | None = 15
    decay_per_second: float = 0.33
    engine_threshold: float | None = 60
    engine_decay_per_second: float = 1.0
    max_open_orders_per_pair: int | None = 60

    def __post_init__(self) -> None:
        for name in ("counter_max", "engine_threshold"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"RateLimits.{name} must be positive or None, got {value!r}")
        for name in ("decay_per_second", "engine_decay_per_second"):
            if getattr(self, name) < 0:
                raise ValueError(f"RateLimits.{name} must not be negative")

    @property
    def unlimited(self) -> bool:
        return self.counter_max is None and self.engine_threshold is None

    @classmethod
    def for_tier(cls, tier: TierName | RateLimits) -> RateLimits:
        """Kraken's published limits for a verification tier name (or the value itself)."""
        if isinstance(tier, RateLimits):
            return tier
        try:
            return TIERS[tier]
        except KeyError:
            names = ", ".join(sorted(TIERS))
            raise ValueError(f"tier must be one of {names} or a RateLimits, got {tier!r}") from None


TIERS: dict[str, RateLimits] = {
    "starter": RateLimits(15, 0.33, 60, 1.0, 60),
    "intermediate": RateLimits(20, 0.5, 125, 2.34, 80),
    "pro": RateLimits(20, 1.0, 180, 3.75, 225),
    "unlimited": RateLimits(None, 0.0, None, 0.0, None),
}


# --- the engine's order-age charges (§6.2), shared with the sandbox ----------------------------

# (age below which the charge applies, extra count), youngest first.
_AMEND = ((5, 3), (10, 2), (15, 1))
_EDIT = ((5, 6), (10, 5), (15, 4), (45, 2), (90, 1))
_CANCEL = ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1))


def _extra(table: tuple[tuple[int, int], ...], age: float) -> int:
    for below, extra in table:
        if age < below:
            return extra
    return 0


def amend_penalty(age: float) -> float:
    """AmendOrder: +1 fixed plus up to +3 for an order younger than 15 s."""
    return 1 + _extra(_AMEND, age)


def edit_penalty(age: float) -> float:
    """EditOrder: +1 fixed plus up to +6 for an order younger than 90 s."""
    return 1 + _extra(_EDIT, age)


def cancel_penalty(age: float) -> float:
    """CancelOrder: nothing fixed, up to +8 for an order younger than 300 s."""
    return _extra(_CANCEL, age)


# --- the orders this client placed, for their ages ----------------------------------------------


class _Placed:
    """One order: its pair and when it was placed or last amended (the engine's age)."""

    __slots__ = ("at", "pair", "userref")

    def __init__(self, pair: str, at: float, userref: int | None) -> None:
        self.pair, self.at, self.userref = pair, at, userref


class _OrderAges:
    """txid / cl_ord_id / userref -> the orders the client placed; bounded, oldest dropped."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._refs: OrderedDict[str, _Placed] = OrderedDict()

    def add(self, refs: list[str], pair: str, at: float, userref: int | None) -> None:
        placed = _Placed(pair, at, userref)
        for ref in refs:
            self._refs[ref] = placed
            self._refs.move_to_end(ref)
        while len(self._refs) > self.capacity:
            self._refs.popitem(last=False)

    def find(self, ref: object) -> list[_Placed]:
        """The orders a txid, cl_ord_id or userref (int or digits) names."""
        if ref is None or isinstance(ref, bool):
            return []
        text = str(ref)
        if text.lstrip("-").isdigit():
            wanted = int(text)
            return _unique(p for p in self._refs.values() if p.userref == wanted)
        placed = self._refs.get(text)
        return [placed] if placed is not None else []

    def remove(self, orders: list[_Placed]) -> None:
        gone = {id(order) for order in orders}
        for ref in [ref for ref, placed in self._refs.items() if id(placed) in gone]:
            del self._refs[ref]

    def everything(self) -> list[_Placed]:
        return _unique(self._refs.values())

    def clear(self) -> None:
        self._refs.clear()


def _unique(orders: Any) -> list[_Placed]:
    seen: dict[int, _Placed] = {}
    for order in orders:
        seen.setdefault(id(order), order)
    return list(seen.values())


# --- counters: a bucket is [level, at]; the level decays after `at` ------------------------------

Buckets = dict[str, list[float]]
REST = "rest"


def _level(bucket: list[float] | None, now: float, decay: float) -> float:
    """The counter at `now`; above the stored value while reservations lie in the future."""
    if bucket is None:
        return 0.0
    value, at = bucket
    return max(0.0, value - (now - at) * decay)


class _MemoryCounters:
    """The counters of one process, behind a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.buckets: Buckets = {}

    @contextmanager
    def open(self) -> Iterator[Buckets]:
        with self.lock:
            yield self.buckets


class _FileCounters:
    """The counters in a JSON file, read and written under an OS file lock."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # the OS lock is per process; threads queue here first
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))

    @contextmanager
    def open(self) -> Iterator[Buckets]:
        with self._lock:
            fd = os.open(self.path, os.O_RDWR)
            try:
                lock_file(fd)
                buckets = _parse(_read_all(fd))
                yield buckets
                data = json.dumps(buckets, separators=(",", ":")).encode()
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, data)
                os.ftruncate(fd, len(data))
            finally:
                os.close(fd)  # closing releases the OS lock


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes) -> Buckets:
    """The file's counters; an empty or damaged file starts from zero."""
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(key): [float(value[0]), float(value[1])]
        for key, value in data.items()
        if isinstance(value, list) and len(value) == 2
    }


# --- what a call costs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Charge:
    """One counter's share of a call: wait for room unless `force` (accepted past the cap)."""

    key: str
    amount: float
    cap: float
    decay: float
    force: bool = False


@dataclass(frozen=True, slots=True)
class Ticket:
    """One attempt's reserved slot; `confirm` it right before the request goes out."""

    charges: tuple[_Charge, ...] = ()
    start: float = 0.0  # the reserved instant, on the limiter's clock
    waited: float = 0.0


_NOTHING = Ticket()
SENT = "sent:"
"""Prefix of the counters that record actual sends (the others hold the queue's plan)."""


class RateLimiter:
    """Kraken's REST and engine counters for one API key, shared by all threads of a client.

    Args:
        limits: a tier name ("starter", "intermediate", "pro", "unlimited") or a RateLimits,
            the same values the sandbox takes.
        clock, sleep: injectable so tests are instant; `sleep` is called once per wait.
        margin: seconds of decay kept in reserve (at most a tenth of the cap), so requests
            that arrive a little closer together than they were sent still fit under it.
        max_wait: raise RateLimitError (nothing sent) instead of waiting longer than this.
    """

    def __init__(
        self,
        limits: TierName | RateLimits = "starter",
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.1,
        max_wait: float | None = None,
    ) -> None:
        if margin < 0:
            raise ValueError("margin must not be negative")
        self.limits = RateLimits.for_tier(limits)
        self.margin = margin
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._counters = self._open_counters()
        self._memory = self._counters if isinstance(self._counters, _MemoryCounters) else None
        self._orders = _OrderAges()
        self._epochs: dict[str, int] = {}  # bumped by resync: slots planned before are stale
        self._resyncs = 0  # every resync bumps it: unchanged means no epoch moved (fast path)
        self._fixed: dict[str, tuple[_Charge, ...]] = {}  # charges of methods without engine
        self._next_forget = float("-inf")  # idle pair counters are dropped once a second
        self._lock = threading.Lock()  # the orders and the epochs

    def _open_counters(self) -> _MemoryCounters | _FileCounters:
        return _MemoryCounters()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.limits!r})"

    # -- the hooks the session calls --

    def acquire(self, method: str, fields: Mapping[str, Any]) -> Ticket:
        """Reserve a private call's cost at the first instant the counters allow, and sleep
        until then. Called before the nonce lock, so waiting never holds up other calls."""
        if self.limits.unlimited:
            return _NOTHING
        charges = self._fixed.get(method)
        if charges is None:
            with self._lock:
                charges = tuple(self._charges(method, fields))
            if _charge_of(method)[0] is None:  # REST cost only: the same every call
                self._fixed[method] = charges
        start, waited = 0.0, 0.0
        while charges:
            resyncs = self._resyncs
            # No resync yet: every epoch is 0, and the tuple need not be built.
            epochs = self._epochs_of(charges) if self._epochs else (0,) * len(charges)
            start, wait = self._reserve(charges, method)
            if wait > 0:
                self._sleep(wait)
                waited += wait
            if self._resyncs == resyncs or self._epochs_of(charges) == epochs:
                break
            # Kraken refused another call meanwhile: this slot was planned on a wrong count.
        if _charge_of(method) == ("add", False):  # known even if the answer is lost: age from
            self._remember_sent(fields)  # the send
        return Ticket(charges, start, waited)

    def confirm(self, ticket: Ticket) -> float:
        """Record the send, in nonce order, right before it happens; seconds waited.

        Slots are planned when threads start waiting. If a slow request holds the nonce lock
        past several slots, the calls behind it would go out in one burst that the planned
        counter never saw; the actual sends are counted here, and a wait spaces them again.
        """
        if not ticket.charges:
            return 0.0
        _start, wait = self._reserve(ticket.charges, "", prefix=SENT, not_before=ticket.start)
        if wait > 0:
            self._sleep(wait)
        return wait

    def settle(self, method: str, fields: Mapping[str, Any], result: Any) -> None:
        """Learn from a successful answer: order ids, placement and amend times, cancels."""
        if self.limits.engine_threshold is None or _flag(fields.get("validate")):
            return
        charge = _charge_of(method)
        if charge[0] is None:  # no order placed, amended or cancelled: nothing to learn
            return
        now = self._clock()
        with self._lock:
            orders = self._orders
            if charge == ("add", False):
                refs = _strings(_get(result, "txid")) + _strings(fields.get("cl_ord_id"))
                orders.add(refs, str(fields.get("pair")), now, _userref(fields))
            elif charge == ("add", True):
                sent = fields.get("orders") or []
                answers = _get(result, "orders") or []
                for order, answer in zip(sent, answers, strict=False):
                    refs = _strings(_get(answer, "txid")) + _strings(_get(order, "cl_ord_id"))
                    if refs and _get(answer, "error") is None:
                        orders.add(refs, str(fields.get("pair")), now, _userref(order))
            elif charge[0] == "amend":
                for order in self._targets(fields):
                    order.at = now
            elif charge[0] == "edit":
                old = orders.find(fields.get("txid"))
                orders.remove(old)
                userref = _userref(fields)
                if userref is None and old:
                    userref = old[0].userref
                orders.add(_strings(_get(result, "txid")), str(fields.get("pair")), now, userref)
            elif charge[0] == "cancel" and _cancels_everything(method):
                orders.clear()
            elif charge[0] == "cancel":
                orders.remove(self._targets(fields))

    def resync(self, method: str, fields: Mapping[str, Any], error: KrakenError) -> bool:
        """Kraken refused for a limit: set that counter to its cap. True if the model covers it
        (the retry then waits in `acquire`), False if only a blind backoff can help."""
        code = error.errors[0] if error.errors else ""
        if not isinstance(error, RateLimitError):
            return False
        if code.startswith("EAPI:Rate limit exceeded") and self.limits.counter_max is not None:
            cost = float(_rest_cost(method))  # a refused call counts too (the block grows)
            self._resync(REST, self.limits.counter_max + cost, self.limits.decay_per_second)
            return True
        threshold = self.limits.engine_threshold
        if code.startswith("EOrder:Rate limit exceeded") and threshold is not None:
            with self._lock:
                pairs = {c.key for c in self._charges(method, fields) if c.key != REST}
            for key in pairs:
                self._resync(key, threshold, self.limits.engine_decay_per_second)
            return bool(pairs)
        return False

    # -- what the counters say --

    def rest_level(self) -> float:
        """The modelled REST counter now (above the cap while calls are queued)."""
        with self._counters.open() as buckets:
            return _level(buckets.get(REST), self._clock(), self.limits.decay_per_second)

    def engine_level(self, pair: str) -> float:
        """The modelled engine counter of a pair (Kraken's name as sent, e.g. XBTUSD)."""
        with self._counters.open() as buckets:
            bucket = buckets.get(_pair_key(pair))
            return _level(bucket, self._clock(), self.limits.engine_decay_per_second)

    def order_age(self, ref: str) -> float | None:
        """Seconds since this client placed or amended the order (txid or cl_ord_id)."""
        with self._lock:
            found = self._orders.find(ref)
        return self._clock() - found[0].at if found else None

    # -- internals --

    def _charges(self, method: str, fields: Mapping[str, Any]) -> list[_Charge]:
        """Each counter this call adds to, and how much (caller holds the orders lock)."""
        limits = self.limits
        charges: list[_Charge] = []
        cost = _rest_cost(method)
        if cost and limits.counter_max is not None:
            charges.append(_Charge(REST, cost, limits.counter_max, limits.decay_per_second))
        threshold = limits.engine_threshold
        if threshold is None:
            return charges
        per_pair: dict[str, float] = {}
        pair = fields.get("pair")
        force = False
        engine, batch = _charge_of(method)
        if engine == "add" and pair is not None:
            per_pair[str(pair)] = len(fields.get("orders") or ()) / 2 if batch else 1
        elif engine == "edit" and pair is not None:
            old = self._orders.find(fields.get("txid"))
            age = self._clock() - old[0].at if old else 0.0  # unknown: the youngest, costliest
            per_pair[str(pair)] = edit_penalty(age)
        elif engine == "amend":
            targets = self._targets(fields)
            if targets:
                per_pair[targets[0].pair] = amend_penalty(self._clock() - targets[0].at)
            elif pair is not None:
                per_pair[str(pair)] = amend_penalty(0.0)
        elif engine == "cancel":
            everything = _cancels_everything(method)
            force = batch or everything  # batch cancels are accepted past the threshold
            targets = self._orders.everything() if everything else self._targets(fields)
            now = self._clock()
            for order in targets:
                per_pair[order.pair] = per_pair.get(order.pair, 0.0) + cancel_penalty(
                    now - order.at
                )
        decay = limits.engine_decay_per_second
        for name, amount in per_pair.items():
            if amount > 0:
                charges.append(_Charge(_pair_key(name), amount, threshold, decay, force))
        return charges

    def _targets(self, fields: Mapping[str, Any]) -> list[_Placed]:
        """The known orders a cancel or amend names (txid, cl_ord_id, userref, batch lists)."""
        refs: list[object] = [fields.get("txid"), fields.get("cl_ord_id")]
        for name, key in (("orders", "txid"), ("cl_ord_ids", "cl_ord_id")):
            for item in fields.get(name) or ():
                refs.append(item.get(key) if isinstance(item, Mapping) else item)
        found: list[_Placed] = []
        for ref in refs:
            if isinstance(ref, str) and "," in ref:
                for part in ref.split(","):
                    found.extend(self._orders.find(part.strip()))
            else:
                found.extend(self._orders.find(ref))
        return _unique(found)

    def _reserve(
        self,
        charges: tuple[_Charge, ...],
        method: str,
        *,
        prefix: str = "",
        not_before: float | None = None,
    ) -> tuple[float, float]:
        """Book every charge at the earliest instant all counters allow: (instant, wait).

        `not_before` is the instant a confirmed ticket was planned for: a fake sleep in tests
        moves no clock, and the send then counts as made on plan.
        """
        memory = self._memory
        if memory is not None:  # no context manager: ~2 µs a call less
            with memory.lock:
                return self._book(memory.buckets, charges, method, prefix, not_before)
        with self._counters.open() as buckets:
            return self._book(buckets, charges, method, prefix, not_before)

    def _book(
        self,
        buckets: Buckets,
        charges: tuple[_Charge, ...],
        method: str,
        prefix: str,
        not_before: float | None,
    ) -> tuple[float, float]:
        """`_reserve` with the counters open (the hot path: `_room_at` and `_level` inlined)."""
        clock = self._clock()
        now = clock if not_before is None or clock >= not_before else not_before
        start = now
        margin = self.margin
        for charge in charges:
            if charge.force:
                continue
            bucket = buckets.get(prefix + charge.key)
            if bucket is None:  # an empty counter has room now
                continue
            decay = charge.decay
            level = bucket[0] - (now - bucket[1]) * decay
            reserve = decay * margin
            if reserve > charge.cap / 10:
                reserve = charge.cap / 10
            target = charge.cap - reserve - charge.amount
            if level > target and level > 0:
                room = now + (level - max(target, 0.0)) / decay if decay > 0 else float("inf")
                if room > start:
                    start = room
        if start == float("inf"):
            raise RateLimitError(
                f"{method}: the counter never decays (decay 0), so the call can never fit; "
                "nothing was sent",
                method=method,
            )
        if not prefix and self.max_wait is not None and start - now > self.max_wait:
            raise RateLimitError(
                f"{method}: the rate limiter would wait {start - now:.1f} s, more than "
                f"max_wait={self.max_wait} s; nothing was sent",
                method=method,
            )
        for charge in charges:
            key = prefix + charge.key
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [charge.amount, start]
                continue
            value, at = bucket
            if start > at:
                value -= (start - at) * charge.decay
                at = start
            buckets[key] = [(value if value > 0 else 0.0) + charge.amount, at]  # a new list:
            # resync may have stored one list under two keys
        if len(buckets) > 2 and now >= self._next_forget:
            self._next_forget = now + 1.0
            self._forget_idle(buckets, now)
        return start, start - now

    def _room_at(self, bucket: list[float] | None, charge: _Charge, now: float) -> float:
        """When the counter has decayed enough to take `charge` under its cap (less margin)."""
        reserve = min(charge.decay * self.margin, charge.cap / 10)
        target = max(0.0, charge.cap - reserve - charge.amount)
        level = _level(bucket, now, charge.decay)
        if level <= target:
            return now
        if charge.decay <= 0:
            return float("inf")
        return now + (level - target) / charge.decay

    def _resync(self, key: str, level: float, decay: float) -> None:
        """Kraken's counter is at `level` now. Slots planned beyond it are dropped (and their
        threads plan again), so one refusal does not become one per waiting thread."""
        with self._counters.open() as buckets:
            now = self._clock()
            level = max(level, _level(buckets.get(SENT + key), now, decay))
            buckets[key] = buckets[SENT + key] = [level, now]
        with self._lock:
            self._epochs[key] = self._epochs.get(key, 0) + 1
            self._resyncs += 1

    def _epochs_of(self, charges: tuple[_Charge, ...]) -> tuple[int, ...]:
        epochs = self._epochs  # each read is atomic; resync bumps under the lock
        return tuple(epochs.get(charge.key, 0) for charge in charges)

    def _forget_idle(self, buckets: Buckets, now: float) -> None:
        """Drop pair counters that decayed to zero, so the state stays small."""
        decay = self.limits.engine_decay_per_second
        for key in [k for k in buckets if k.startswith(("pair:", SENT + "pair:"))]:
            if _level(buckets[key], now, decay) <= 0:
                del buckets[key]

    def _remember_sent(self, fields: Mapping[str, Any]) -> None:
        if self.limits.engine_threshold is None or _flag(fields.get("validate")):
            return
        refs = _strings(fields.get("cl_ord_id"))
        if refs and fields.get("pair") is not None:
            with self._lock:
                self._orders.add(refs, str(fields["pair"]), self._clock(), _userref(fields))


class FileRateLimiter(RateLimiter):
    """A RateLimiter whose counters live in a locked file, shared by processes on one key.

    Use the same path (and tier) in every process. The clock is wall time, which processes
    share. Order ages stay per process: an order placed elsewhere is cancelled at no modelled
    cost, and Kraken's answer (resync) covers the rest.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        limits: TierName | RateLimits = "starter",
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.1,
        max_wait: float | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        super().__init__(limits, clock=clock, sleep=sleep, margin=margin, max_wait=max_wait)

    def _open_counters(self) -> _FileCounters:
        return _FileCounters(self.path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {self.limits!r})"


def _rest_cost(method: str) -> int:
    endpoint = ENDPOINTS.get(method)
    return endpoint.rest_cost if endpoint is not None else 1  # unknown private method: 1


def _charge_of(method: str) -> tuple[EngineCharge | None, bool]:
    """(the endpoint's matching-engine charge, whether it is a batch: a JSON body of orders)."""
    endpoint = ENDPOINTS.get(method)
    if endpoint is None:
        return None, False
    return endpoint.engine, endpoint.body == "json"


@functools.cache
def _cancels_everything(method: str) -> bool:
    """A cancel that takes no order ids (CancelAll) cancels every open order."""
    endpoint = ENDPOINTS[method]
    return endpoint.engine == "cancel" and not endpoint.params_type.__struct_fields__


def _pair_key(pair: str) -> str:
    return f"pair:{pair}"


def _get(value: Any, name: str) -> Any:
    """A field of a typed result (Struct) or of a raw JSON result (dict)."""
    if isinstance(value, Mapping):
        return value.get(name)
    found = getattr(value, name, None)
    return None if found is msgspec.UNSET else found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str)]
    return []


def _userref(fields: Any) -> int | None:
    value = _get(fields, "userref")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
