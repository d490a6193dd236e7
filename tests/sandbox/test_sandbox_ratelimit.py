"""End to end: bursts from many threads against a sandbox enforcing fast limits in real time.

The client's limiter waits instead of being refused: the sandbox's own request log shows no
rate-limit error. No assertion is about time; the limits are fast so the test is short.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from kraken_sdk.errors import RateLimitError
from kraken_sdk.ratelimit import RateLimits
from kraken_sdk.sandbox import ManualClock, Sandbox

pytestmark = pytest.mark.e2e

FAST_REST = RateLimits(counter_max=10, decay_per_second=100, engine_threshold=None)
FAST_ENGINE = RateLimits(counter_max=None, engine_threshold=30, engine_decay_per_second=300)


def in_threads(count: int, work: Callable[[int], object]) -> None:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def refusals(sandbox: Sandbox, text: str) -> int:
    return sum(1 for r in sandbox.requests() if any(text in e for e in r.errors))


def test_eight_threads_burst_past_the_rest_counter_without_one_refusal() -> None:
    with Sandbox(seed=5, tier=FAST_REST) as sandbox, sandbox.client(trust_env=False) as client:
        in_threads(8, lambda _: [client.account.balance() for _ in range(8)])
        balances = [r for r in sandbox.requests() if r.method == "Balance"]
        assert len(balances) == 64  # none refused, so none resent
        assert refusals(sandbox, "Rate limit") == 0


def test_the_same_burst_without_a_limiter_is_refused() -> None:
    """The control: the sandbox does enforce the counter the limiter kept under."""
    with (
        Sandbox(seed=5, tier=FAST_REST) as sandbox,
        sandbox.client(tier="unlimited", max_retries=0, trust_env=False) as client,
    ):
        refused = 0
        for _ in range(40):
            try:
                client.account.balance()
            except RateLimitError:
                refused += 1
        assert refused > 0
        assert refusals(sandbox, "EAPI:Rate limit exceeded") == refused


def test_placing_and_cancelling_young_orders_stays_under_the_engine_threshold() -> None:
    """Each young cancel costs 8 on a threshold of 30: the limiter spaces them by age."""
    with Sandbox(seed=5, tier=FAST_ENGINE) as sandbox, sandbox.client(trust_env=False) as client:

        def trade(index: int) -> None:
            for step in range(3):
                placed = client.trading.add_order(
                    pair="BTC/USD",
                    type="buy",
                    ordertype="limit",
                    volume="0.001",
                    price=str(20000 + index * 10 + step),
                )
                (txid,) = placed.txid  # type: ignore[misc]  # set unless validate=True
                client.trading.amend_order(txid=txid, limit_price=str(19000 + index))
                client.trading.cancel_order(txid=txid)

        in_threads(4, trade)
        orders = sandbox.orders()
        assert len(orders) == 12
        assert {order.status for order in orders} == {"canceled"}
        assert refusals(sandbox, "Rate limit") == 0


def test_on_a_manual_clock_the_client_waits_by_moving_that_clock() -> None:
    """No real sleep: the limiter advances the sandbox's clock, which the server decays by."""
    limits = RateLimits(counter_max=3, decay_per_second=1, engine_threshold=None)
    with (
        Sandbox(seed=5, tier=limits, clock=ManualClock(1_790_000_000)) as sandbox,
        sandbox.client(trust_env=False) as client,
    ):
        for _ in range(10):
            client.account.balance()
        assert refusals(sandbox, "Rate limit") == 0
        assert sandbox.now() > 1_790_000_000 + 6  # about 7 calls' worth of decay went by
