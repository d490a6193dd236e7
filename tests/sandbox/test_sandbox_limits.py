"""Rate limits: the per-key REST counter and the per-pair engine counter, per tier."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sandbox_raw import RawClient

from kraken_sdk.ratelimit import RateLimits, TierName
from kraken_sdk.sandbox import ManualClock, Sandbox
from kraken_sdk.sandbox.limits import amend_penalty, cancel_penalty, edit_penalty

LIMIT = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.001", "price": "50000"}


@contextmanager
def _sandbox(tier: TierName | RateLimits) -> Iterator[tuple[Sandbox, RawClient]]:
    with (
        Sandbox(seed=3, tier=tier, clock=ManualClock(1_790_000_000)) as sb,
        RawClient(sb.url, sb.api_key, sb.api_secret) as client,
    ):
        yield sb, client


@pytest.fixture
def starter() -> Iterator[tuple[Sandbox, RawClient]]:
    with _sandbox("starter") as pair:
        yield pair


def test_starter_rest_counter(starter: tuple[Sandbox, RawClient]) -> None:
    sandbox, raw = starter
    for _ in range(15):
        raw.call("Balance")
    assert raw.error("Balance") == "EAPI:Rate limit exceeded"
    sandbox.advance(3)  # 0.33/s: one call's worth after ~3 s... but the refusal counted too
    assert raw.error("Balance") == "EAPI:Rate limit exceeded"
    sandbox.advance(10)
    raw.call("Balance")


def test_ledger_calls_cost_two(starter: tuple[Sandbox, RawClient]) -> None:
    _, raw = starter
    for _ in range(7):
        raw.call("Ledgers")
    raw.call("Balance")  # 15 of 15
    assert raw.error("TradesHistory") == "EAPI:Rate limit exceeded"


def test_order_placement_does_not_use_the_rest_counter(
    starter: tuple[Sandbox, RawClient],
) -> None:
    _, raw = starter
    for _ in range(30):
        raw.call("AddOrder", LIMIT)
    for _ in range(15):
        raw.call("Balance")
    assert raw.error("Balance") == "EAPI:Rate limit exceeded"


def test_keys_have_separate_counters(starter: tuple[Sandbox, RawClient]) -> None:
    sandbox, raw = starter
    for _ in range(15):
        raw.call("Balance")
    key, secret = sandbox.create_key()
    raw.call("Balance", key=key, secret=secret, nonce=1)


def test_public_calls_are_not_counted(starter: tuple[Sandbox, RawClient]) -> None:
    _, raw = starter
    for _ in range(40):
        raw.public("Time")


def test_engine_counter_per_pair() -> None:
    fast = RateLimits(
        counter_max=None,
        engine_threshold=10,
        engine_decay_per_second=1.0,
        max_open_orders_per_pair=None,
    )
    with _sandbox(fast) as (sandbox, raw):
        for _ in range(10):
            raw.call("AddOrder", LIMIT)
        assert raw.error("AddOrder", LIMIT) == "EOrder:Rate limit exceeded"
        # another pair has its own counter
        raw.call("AddOrder", {**LIMIT, "pair": "ETHUSD", "price": "1000", "volume": "0.01"})
        sandbox.advance(1)
        raw.call("AddOrder", LIMIT)
        # cancelling a 1-second-old order costs 8: over the threshold now
        txid = sandbox.orders()[-1].txid
        assert raw.error("CancelOrder", {"txid": txid}) == "EOrder:Rate limit exceeded"
        sandbox.advance(300)
        assert raw.call("CancelOrder", {"txid": txid}) == {"count": 1}  # old orders cancel free
        # a batch cancel goes through even past the threshold
        assert raw.call("CancelAll")["count"] == 11


def test_max_open_orders_per_pair() -> None:
    capped = RateLimits(counter_max=None, engine_threshold=None, max_open_orders_per_pair=3)
    with _sandbox(capped) as (_, raw):
        for _ in range(3):
            raw.call("AddOrder", LIMIT)
        assert raw.error("AddOrder", LIMIT) == "EOrder:Orders limit exceeded"
        raw.call("AddOrder", {**LIMIT, "pair": "ETHUSD", "price": "1000", "volume": "0.01"})


def test_unlimited_never_refuses() -> None:
    with _sandbox("unlimited") as (_, raw):
        for _ in range(100):
            raw.call("Balance")
        for _ in range(70):
            raw.call("AddOrder", LIMIT)


def test_penalty_tables_match_krakens_examples() -> None:
    # add, amend after 7 s, cancel 36 s later = 1 + 1 + 2 + 4 = 8
    assert 1 + amend_penalty(7) + cancel_penalty(36) == 8
    assert [cancel_penalty(age) for age in (0, 5, 10, 15, 45, 90, 300)] == [8, 6, 5, 4, 2, 1, 0]
    assert [edit_penalty(age) for age in (0, 5, 10, 15, 45, 90)] == [7, 6, 5, 3, 2, 1]
    assert [amend_penalty(age) for age in (0, 5, 10, 15)] == [4, 3, 2, 1]


def test_intermediate_decay() -> None:
    with _sandbox("intermediate") as (sandbox, raw):
        for _ in range(20):
            raw.call("Balance")
        assert raw.error("Balance") == "EAPI:Rate limit exceeded"
        sandbox.advance(5)  # 0.5/s: the refusal's penalty and one more call have decayed
        raw.call("Balance")
