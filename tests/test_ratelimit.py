"""The client-side rate limiter: REST costs and decay, per-pair engine charges by order age,
resync after a refusal, sharing across threads and through a file. A fake clock advanced by a
fake sleep makes every wait exact and instant; no test asserts on real time."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from kraken_wire import API, ASSET_PAIRS, ASSETS, KEY, SECRET, ok, rejected

from kraken_sdk import KrakenClient
from kraken_sdk.endpoints import ENDPOINTS
from kraken_sdk.errors import RateLimitError, error_from_response
from kraken_sdk.ratelimit import (
    TIERS,
    FileRateLimiter,
    RateLimiter,
    RateLimits,
    amend_penalty,
    cancel_penalty,
    edit_penalty,
)

STARTER = TIERS["starter"]
REST_ONLY = RateLimits(counter_max=15, decay_per_second=0.33, engine_threshold=None)
ENGINE_ONLY = RateLimits(counter_max=None, engine_threshold=60, engine_decay_per_second=1.0)
STILL = RateLimits(counter_max=None, engine_threshold=60, engine_decay_per_second=0)
"""An engine counter that never decays, so it shows the sum of the charges."""
XBT = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01", "price": "1"}


class FakeTime:
    """A clock that only moves when someone sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def limiter(fake: FakeTime, limits: RateLimits = STARTER, margin: float = 0.0) -> RateLimiter:
    return RateLimiter(limits, clock=fake.clock, sleep=fake.sleep, margin=margin)


def send(lim: RateLimiter, method: str, fields: dict[str, Any] | None = None) -> float:
    """One attempt as the session makes it: plan, then confirm at the send; seconds waited."""
    ticket = lim.acquire(method, fields or {})
    return ticket.waited + lim.confirm(ticket)


def place(lim: RateLimiter, txid: str, **extra: Any) -> None:
    """An AddOrder through the limiter, answered with `txid`."""
    fields = {**XBT, **extra}
    send(lim, "AddOrder", fields)
    lim.settle("AddOrder", fields, {"txid": [txid]})


# --- the REST counter --------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(n for n, e in ENDPOINTS.items() if e.private))
def test_every_private_method_costs_what_endpoints_says(fake: FakeTime, method: str) -> None:
    lim = limiter(fake, RateLimits(counter_max=100, decay_per_second=0.5, engine_threshold=None))
    send(lim, method)
    assert lim.rest_level() == ENDPOINTS[method].rest_cost


def test_history_calls_cost_two_and_orders_nothing(fake: FakeTime) -> None:
    costs = {name: ENDPOINTS[name].rest_cost for name in ENDPOINTS}
    assert {n for n, c in costs.items() if c == 2} == {
        "Ledgers",
        "QueryLedgers",
        "TradesHistory",
        "QueryTrades",
    }
    for name in ("AddOrder", "AddOrderBatch", "AmendOrder", "EditOrder", "CancelOrder"):
        assert costs[name] == 0


def test_a_burst_fills_the_counter_then_each_call_waits_exactly_one_decay(fake: FakeTime) -> None:
    lim = limiter(fake, REST_ONLY)
    waits = [send(lim, "Balance") for _ in range(18)]
    assert waits[:15] == [0.0] * 15
    assert waits[15:] == pytest.approx([1 / 0.33] * 3)
    assert fake.slept == pytest.approx([1 / 0.33] * 3)
    assert lim.rest_level() == pytest.approx(15)


def test_the_counter_decays_continuously(fake: FakeTime) -> None:
    lim = limiter(fake, REST_ONLY)
    for _ in range(15):
        send(lim, "Balance")
    fake.now += 6
    assert lim.rest_level() == pytest.approx(15 - 6 * 0.33)
    assert send(lim, "Balance") == 0.0  # 13.02 + 1 fits under 15
    fake.now += 1000
    assert lim.rest_level() == 0.0


def test_a_cost_two_call_waits_for_two(fake: FakeTime) -> None:
    lim = limiter(fake, REST_ONLY)
    for _ in range(15):
        send(lim, "Balance")
    assert send(lim, "Ledgers") == pytest.approx(2 / 0.33)


def test_the_margin_keeps_a_little_room_for_network_jitter(fake: FakeTime) -> None:
    lim = limiter(fake, REST_ONLY, margin=0.1)
    waits = [send(lim, "Balance") for _ in range(15)]
    assert waits[:14] == [0.0] * 14
    assert waits[14] == pytest.approx(0.1)  # the 15th waits until 0.033 has decayed


def test_threads_share_one_schedule_and_never_over_commit() -> None:
    """64 threads at a clock that stands still: the reserved start times are exactly the
    burst and then one slot per decay period, no two calls in one slot."""
    lim = RateLimiter(REST_ONLY, clock=lambda: 0.0, sleep=lambda _: None, margin=0.0)
    starts: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            slot = lim.acquire("Balance", {}).start  # planned, not yet sent
            with lock:
                starts.append(slot)

    threads = [threading.Thread(target=work) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [0.0] * 15 + [k / 0.33 for k in range(1, 64 * 5 - 15 + 1)]
    assert sorted(starts) == pytest.approx(expected)


def test_sends_held_up_together_are_spread_out_again_at_the_send(fake: FakeTime) -> None:
    """Four threads plan slots one second apart; a slow request holds the nonce lock until the
    last slot, and all four go out at once. The planned counter was never over the cap, but
    four sends in an instant on a cap of 2 would be; confirm() spaces the real sends."""
    lim = limiter(fake, RateLimits(counter_max=2, decay_per_second=1, engine_threshold=None))
    send(lim, "Balance")
    send(lim, "Balance")
    tickets = [lim.acquire("Balance", {}) for _ in range(4)]
    assert [t.start - 1000 for t in tickets] == [1, 2, 3, 4]
    assert [lim.confirm(ticket) for ticket in tickets] == pytest.approx([0, 0, 1, 1])


def test_a_send_on_plan_confirms_without_waiting(fake: FakeTime) -> None:
    lim = limiter(fake, REST_ONLY)
    waits = [send(lim, "Ledgers") for _ in range(12)]
    assert waits[:7] == [0.0] * 7  # 14 of 15
    assert waits[7:] == pytest.approx([1 / 0.33] + [2 / 0.33] * 4)  # the plan's waits only


def test_unlimited_never_waits(fake: FakeTime) -> None:
    lim = limiter(fake, TIERS["unlimited"])
    for _ in range(1000):
        send(lim, "Ledgers")
        send(lim, "AddOrder", XBT)
    assert fake.slept == []


def test_max_wait_raises_before_sending_and_books_nothing(fake: FakeTime) -> None:
    lim = RateLimiter(REST_ONLY, clock=fake.clock, sleep=fake.sleep, margin=0, max_wait=1.0)
    for _ in range(15):
        send(lim, "Balance")
    with pytest.raises(RateLimitError, match="max_wait") as caught:
        send(lim, "Balance")
    assert caught.value.surely_not_executed
    assert lim.rest_level() == pytest.approx(15)
    assert fake.slept == []


# --- the engine counter, per pair --------------------------------------------------------------


def test_add_order_counts_one_per_pair_and_pairs_are_independent(fake: FakeTime) -> None:
    lim = limiter(fake, ENGINE_ONLY)
    for index in range(60):
        place(lim, f"O{index}")
    assert fake.slept == []
    assert lim.engine_level("XBTUSD") == 60
    assert send(lim, "AddOrder", {**XBT, "pair": "ETHUSD"}) == 0.0  # another pair: no wait
    assert send(lim, "AddOrder", XBT) == pytest.approx(1.0)  # decays 1/s on starter
    assert lim.rest_level() == 0  # orders are not on the REST counter


def test_a_batch_counts_half_per_order(fake: FakeTime) -> None:
    lim = limiter(fake, ENGINE_ONLY)
    orders = [{"cl_ord_id": f"c{i}", **XBT} for i in range(4)]
    send(lim, "AddOrderBatch", {"pair": "XBTUSD", "orders": orders})
    assert lim.engine_level("XBTUSD") == 2


@pytest.mark.parametrize(
    ("age", "cancel", "amend", "edit"),
    [(1, 8, 4, 7), (7, 6, 3, 6), (12, 5, 2, 5), (30, 4, 1, 3), (60, 2, 1, 2), (200, 1, 1, 1)],
)
def test_penalties_by_order_age(age: float, cancel: int, amend: int, edit: int) -> None:
    assert (cancel_penalty(age), amend_penalty(age), edit_penalty(age)) == (cancel, amend, edit)
    assert cancel_penalty(300) == 0
    assert amend_penalty(10_000) == 1


@pytest.mark.parametrize(("age", "charge"), [(1, 8), (7, 6), (12, 5), (30, 4), (60, 2), (400, 0)])
def test_a_cancel_costs_by_the_age_of_the_order_this_client_placed(
    fake: FakeTime, age: float, charge: int
) -> None:
    lim = limiter(fake, STILL)
    place(lim, "OABC")
    fake.now += age
    send(lim, "CancelOrder", {"txid": "OABC"})
    assert lim.engine_level("XBTUSD") == 1 + charge


def test_worked_example_add_amend_after_7s_cancel_36s_later_costs_8(fake: FakeTime) -> None:
    lim = limiter(fake, STILL)
    place(lim, "O1", cl_ord_id="mine-1")
    fake.now += 7
    amend = {"cl_ord_id": "mine-1", "limit_price": "2"}
    send(lim, "AmendOrder", amend)
    lim.settle("AmendOrder", amend, {"amend_id": "A1"})  # the age restarts at the amend
    fake.now += 36
    send(lim, "CancelOrder", {"txid": "O1"})
    assert lim.engine_level("XBTUSD") == 1 + (1 + 2) + 4


def test_worked_example_50_orders_then_10s_at_intermediate_is_26_6(fake: FakeTime) -> None:
    lim = limiter(fake, TIERS["intermediate"])
    for index in range(50):
        place(lim, f"O{index}")
    fake.now += 10
    assert lim.engine_level("XBTUSD") == pytest.approx(50 - 10 * 2.34)


def test_edit_replaces_the_order_and_its_age(fake: FakeTime) -> None:
    lim = limiter(fake, STILL)
    place(lim, "OLD")
    fake.now += 20
    edit = {"txid": "OLD", "pair": "XBTUSD", "price": "2"}
    send(lim, "EditOrder", edit)
    lim.settle("EditOrder", edit, {"txid": "NEW", "originaltxid": "OLD"})
    assert lim.engine_level("XBTUSD") == 1 + edit_penalty(20)
    assert lim.order_age("OLD") is None
    assert lim.order_age("NEW") == 0


def test_unknown_orders_are_charged_the_most_where_the_pair_is_known(fake: FakeTime) -> None:
    lim = limiter(fake, STILL)
    send(lim, "EditOrder", {"txid": "ELSEWHERE", "pair": "XBTUSD"})
    assert lim.engine_level("XBTUSD") == edit_penalty(0) == 7
    send(lim, "AmendOrder", {"txid": "ELSEWHERE2", "pair": "ETHUSD"})
    assert lim.engine_level("ETHUSD") == amend_penalty(0) == 4
    assert send(lim, "CancelOrder", {"txid": "ELSEWHERE3"}) == 0.0  # no pair: Kraken decides


def test_cancel_by_userref_charges_every_order_with_it(fake: FakeTime) -> None:
    lim = limiter(fake, STILL)
    place(lim, "O1", userref=17)
    place(lim, "O2", userref=17)
    place(lim, "O3", userref=18)
    send(lim, "CancelOrder", {"txid": 17})
    assert lim.engine_level("XBTUSD") == 3 + 2 * 8
    lim.settle("CancelOrder", {"txid": 17}, {"count": 2})
    assert lim.order_age("O1") is None
    assert lim.order_age("O3") == 0


def test_batch_cancels_are_charged_but_never_wait(fake: FakeTime) -> None:
    lim = limiter(fake, RateLimits(counter_max=None, engine_threshold=10))
    for index in range(5):
        place(lim, f"O{index}")
    batch = {"orders": [{"txid": "O0"}, {"txid": "O1"}], "cl_ord_ids": []}
    assert send(lim, "CancelOrderBatch", batch) == 0.0  # 5 + 16 > 10: accepted anyway
    assert lim.engine_level("XBTUSD") == 5 + 16
    lim.settle("CancelOrderBatch", batch, {"count": 2})
    assert send(lim, "CancelAll") == 0.0  # the other three, still young
    assert lim.engine_level("XBTUSD") == 5 + 16 + 3 * 8
    lim.settle("CancelAll", {}, {"count": 5})
    assert lim.order_age("O4") is None
    assert send(lim, "AddOrder", XBT) == pytest.approx(5 + 16 + 24 + 1 - 10)


def test_validate_only_orders_are_charged_but_not_remembered(fake: FakeTime) -> None:
    lim = limiter(fake, ENGINE_ONLY)
    fields = {**XBT, "validate": True, "cl_ord_id": "dry"}
    send(lim, "AddOrder", fields)
    lim.settle("AddOrder", fields, {"descr": {"order": "buy"}})
    assert lim.engine_level("XBTUSD") == 1
    assert lim.order_age("dry") is None


def test_an_order_whose_answer_was_lost_is_known_by_cl_ord_id(fake: FakeTime) -> None:
    lim = limiter(fake, ENGINE_ONLY)
    send(lim, "AddOrder", {**XBT, "cl_ord_id": "lost-1"})  # no settle: the answer never came
    fake.now += 3
    assert lim.order_age("lost-1") == 3


# --- resync after Kraken refused ---------------------------------------------------------------


def test_a_rest_refusal_sets_the_counter_to_its_cap_and_the_retry_waits(fake: FakeTime) -> None:
    lim = limiter(fake, REST_ONLY)
    refusal = error_from_response("Balance", ["EAPI:Rate limit exceeded"])
    assert lim.resync("Balance", {}, refusal)
    assert lim.rest_level() == 15 + 1  # the refused call counted too
    assert send(lim, "Balance") == pytest.approx(2 / 0.33)


def test_a_refusal_while_others_wait_makes_them_plan_again(fake: FakeTime) -> None:
    """Their slots were planned on a count Kraken just proved wrong: sending on them would
    turn one refusal into one per waiting thread (and each extends Kraken's block)."""
    refusal = error_from_response("Balance", ["EAPI:Rate limit exceeded"])
    refused: list[float] = []

    def sleep(seconds: float) -> None:
        fake.sleep(seconds)
        if not refused:  # another thread's call is refused while this one sleeps
            refused.append(seconds)
            lim.resync("Balance", {}, refusal)

    lim = RateLimiter(REST_ONLY, clock=fake.clock, sleep=sleep, margin=0)
    for _ in range(15):
        send(lim, "Balance")
    ticket = lim.acquire("Balance", {})
    assert ticket.waited == pytest.approx(1 / 0.33 + 2 / 0.33)  # planned again from 16
    assert lim.rest_level() == pytest.approx(15)


def test_an_engine_refusal_resyncs_only_that_pair(fake: FakeTime) -> None:
    lim = limiter(fake, ENGINE_ONLY)
    refusal = error_from_response("AddOrder", ["EOrder:Rate limit exceeded"])
    assert lim.resync("AddOrder", XBT, refusal)
    assert lim.engine_level("XBTUSD") == 60
    assert lim.engine_level("ETHUSD") == 0
    assert send(lim, "AddOrder", XBT) == pytest.approx(1.0)


def test_limits_the_model_does_not_cover_fall_back_to_backoff(fake: FakeTime) -> None:
    lim = limiter(fake)
    other = error_from_response("Balance", ["EGeneral:Too many requests"])
    assert not lim.resync("Balance", {}, other)
    unknown_pair = error_from_response("CancelOrder", ["EOrder:Rate limit exceeded"])
    assert not lim.resync("CancelOrder", {"txid": "NOT-MINE"}, unknown_pair)
    assert not limiter(fake, TIERS["unlimited"]).resync(
        "Balance", {}, error_from_response("Balance", ["EAPI:Rate limit exceeded"])
    )


# --- shared through a file ---------------------------------------------------------------------


def test_two_file_limiters_on_one_path_share_one_schedule(tmp_path: Path) -> None:
    """Two instances stand in for two processes: only the OS file lock is shared."""
    path = tmp_path / "kraken.limits"
    first, second = (
        FileRateLimiter(path, REST_ONLY, clock=lambda: 5_000.0, sleep=lambda _: None, margin=0)
        for _ in range(2)
    )
    starts: list[float] = []
    lock = threading.Lock()

    def work(lim: RateLimiter) -> None:
        for _ in range(10):
            slot = lim.acquire("Balance", {}).start - 5_000.0  # planned, not yet sent
            with lock:
                starts.append(slot)

    threads = [threading.Thread(target=work, args=(lim,)) for lim in (first, second) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [0.0] * 15 + [k / 0.33 for k in range(1, 80 - 15 + 1)]
    assert sorted(starts) == pytest.approx(expected)
    assert first.rest_level() == second.rest_level() == pytest.approx(80)


def _frozen_clock() -> float:
    return 5_000.0


def _no_sleep(seconds: float) -> None:
    pass


def _plan_in_process(path: str, out: Any) -> None:
    lim = FileRateLimiter(path, REST_ONLY, clock=_frozen_clock, sleep=_no_sleep, margin=0)
    out.put([lim.acquire("Balance", {}).start - 5_000.0 for _ in range(10)])


def test_processes_sharing_the_file_share_one_schedule(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    path = str(tmp_path / "kraken.limits")
    workers = [context.Process(target=_plan_in_process, args=(path, out)) for _ in range(3)]
    for worker in workers:
        worker.start()
    slots = sorted(slot for _ in workers for slot in out.get(timeout=60))
    for worker in workers:
        worker.join(timeout=30)
    assert slots == pytest.approx([0.0] * 15 + [k / 0.33 for k in range(1, 16)])


def test_a_damaged_state_file_starts_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "kraken.limits"
    path.write_text("not json")
    lim = FileRateLimiter(path, REST_ONLY, clock=lambda: 5_000.0, sleep=lambda _: None)
    assert lim.rest_level() == 0
    send(lim, "Ledgers")
    assert lim.rest_level() == 2
    assert '"rest"' in path.read_text()


# --- through the client ------------------------------------------------------------------------


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Kraken answering the same way every time."""
    with responses.RequestsMock() as mock:
        yield mock


def client_with(fake: FakeTime, limits: RateLimits = STARTER) -> KrakenClient:
    lim = RateLimiter(limits, clock=fake.clock, sleep=fake.sleep, margin=0)
    http = requests.Session()  # `mocked` (responses) answers through requests
    client = KrakenClient(KEY, SECRET, rate_limiter=lim, sleep=fake.sleep, http_session=http)
    client.symbols.load(ASSET_PAIRS, ASSETS)
    return client


def test_the_client_waits_for_the_counter_instead_of_being_refused(
    mocked: responses.RequestsMock, fake: FakeTime
) -> None:
    mocked.post(f"{API}/0/private/Balance", json=ok({"ZUSD": "1"}))
    with client_with(fake) as client:
        for _ in range(17):
            client.account.balance()
    assert fake.slept == pytest.approx([1 / 0.33] * 2)
    assert client.rate_limiter.limits is STARTER
    assert client.rate_limits is STARTER


def test_a_refusal_resyncs_and_the_retry_waits_in_the_limiter_not_in_backoff(
    mocked: responses.RequestsMock, fake: FakeTime
) -> None:
    mocked.post(f"{API}/0/private/Balance", json=rejected("EAPI:Rate limit exceeded"))
    with client_with(fake) as client, pytest.raises(RateLimitError):  # refused every time
        client.account.balance()
    # three retries: no backoff, each waits for the re-synced counter (16 -> room for 1 at 14)
    assert fake.slept == pytest.approx([0.0, 2 / 0.33] * 3)


def test_the_client_learns_order_ages_from_its_own_answers(
    mocked: responses.RequestsMock, fake: FakeTime
) -> None:
    placed = ok({"descr": {"order": "buy 0.01 XBTUSD @ limit 30000"}, "txid": ["OUF4EM"]})
    mocked.post(f"{API}/0/private/AddOrder", json=placed)
    mocked.post(f"{API}/0/private/CancelOrder", json=ok({"count": 1}))
    with client_with(fake, ENGINE_ONLY) as client:
        client.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="limit", volume="0.01", price="30000"
        )
        assert client.rate_limiter.order_age("OUF4EM") == 0
        fake.now += 7
        client.trading.cancel_order(txid="OUF4EM")
        assert client.rate_limiter.engine_level("XBTUSD") == pytest.approx(6)  # 1 decayed
        assert client.rate_limiter.order_age("OUF4EM") is None


def test_tier_names_and_values_configure_the_client() -> None:
    assert KrakenClient(tier="pro").rate_limiter.limits == TIERS["pro"]
    custom = RateLimits(counter_max=10, decay_per_second=5)
    assert KrakenClient(tier=custom).rate_limits is custom
    assert KrakenClient(tier="unlimited").rate_limits.unlimited
    with pytest.raises(ValueError, match="tier must be one of"):
        KrakenClient(tier="gold")  # type: ignore[arg-type]
