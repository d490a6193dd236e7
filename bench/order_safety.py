"""Orders are never duplicated or lost: 500 add_order calls while a quarter fail ambiguously.

    python bench/order_safety.py [--calls 500] [--rate 0.25] [--seed 1]

Each run starts a fresh sandbox (unlimited tier, real clock), injects faults on AddOrder, makes
the calls with a KrakenClient (default reconciliation policy unless said otherwise), then
counts the orders on the exchange by cl_ord_id:

  A  25% after commit: drop_after_commit, error_after_commit and timeout in equal shares (the
     order landed, the answer did not; client read timeout 0.5 s, sandbox holds the answer 1 s).
  B  25% before commit: http_502, html_520, EService:Unavailable, EService:Busy (nothing
     landed; the order must be resent). The sandbox's order lists never lag, so the
     confirmation wait (1 s by default, for Kraken) is cut to 20 ms here.
  C  as A, for a fifth of the calls, while OpenOrders and ClosedOrders always fail: the only
     run where OrderOutcomeUnknown may appear.

"Extra round trips" are the requests beyond one AddOrder per call (lookups, Time, resends),
per ambiguous failure, from the sandbox's own request log.
"""

from __future__ import annotations

import argparse
import collections
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

from kraken_sdk import KrakenClient, OrderOutcomeUnknown
from kraken_sdk.errors import KrakenError
from kraken_sdk.reconcile import ReconcilePolicy
from kraken_sdk.sandbox import Sandbox

AFTER_COMMIT = ["drop_after_commit", "error_after_commit", "timeout"]
BEFORE_COMMIT = ["http_502", "html_520", "service_unavailable", "service_busy"]
SETUP = {"AssetPairs", "Assets"}


@dataclass
class Outcome:
    name: str
    calls: int
    results: int
    unknown: int
    not_placed: int
    orders: int
    duplicates: int
    lost: int
    ambiguous: int
    extra: int
    seconds: float
    unknown_found: int


def place(client: KrakenClient, index: int) -> Any:
    """Market buys, market sells, and limit buys resting far below the market, in turn."""
    if index % 3 == 2:
        return client.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="limit", volume="0.001", price="1000"
        )
    side: Literal["buy", "sell"] = "buy" if index % 3 == 0 else "sell"
    return client.trading.add_order(pair="BTC/USD", type=side, ordertype="market", volume="0.001")


def run(
    name: str,
    calls: int,
    seed: int,
    rate: float,
    kinds: list[str],
    *,
    policy: ReconcilePolicy,
    break_lookups: bool = False,
) -> Outcome:
    with Sandbox(seed=seed, tier="unlimited") as sb:
        # run C: the session's own backoff for the failing lookups would only add idle seconds
        no_wait = {"sleep": lambda seconds: None} if break_lookups else {}
        client = sb.client(timeout=0.5, reconcile=policy, **no_wait)
        client.symbols.pair("BTC/USD")
        sb.inject_mix("AddOrder", kinds, rate, delay=1.0)
        if break_lookups:
            sb.inject("OpenOrders", "http_502")
            sb.inject("ClosedOrders", "service_busy")
        txids: list[str] = []
        unknown: list[OrderOutcomeUnknown] = []
        not_placed = 0
        started = time.perf_counter()
        for index in range(calls):
            try:
                (txid,) = place(client, index).txid
                txids.append(txid)
            except OrderOutcomeUnknown as exc:
                unknown.append(exc)
            except KrakenError as exc:
                if not exc.surely_not_executed:
                    raise
                not_placed += 1  # every resend failed too, and lookups found nothing
        seconds = time.perf_counter() - started
        sb.clear_faults()
        orders = sb.orders()
        log = [r for r in sb.requests() if r.method not in SETUP]
        client.close()
    per_id = collections.Counter(order.cl_ord_id for order in orders)
    on_exchange = {order.txid for order in orders}
    landed_ids = set(per_id)
    unknown_found = sum(1 for exc in unknown if exc.cl_ord_id in landed_ids)
    ambiguous = sum(1 for r in log if r.method == "AddOrder" and r.fault)
    named = len(on_exchange & set(txids))
    # lost: a result naming no order, or an order whose call said "not placed"
    unreported = len(orders) - named - unknown_found
    return Outcome(
        name=name,
        calls=calls,
        results=len(txids),
        unknown=len(unknown),
        not_placed=not_placed,
        orders=len(orders),
        duplicates=sum(count - 1 for count in per_id.values()),
        lost=(len(txids) - named) + unreported,
        ambiguous=ambiguous,
        extra=len(log) - calls,
        seconds=seconds,
        unknown_found=unknown_found,
    )


def report(outcomes: list[Outcome]) -> None:
    header = (
        f"{'run':<34}{'calls':>6}{'results':>8}{'unknown':>8}{'absent':>7}{'orders':>7}"
        f"{'dupes':>6}{'lost':>5}{'ambig.':>7}{'extra/amb.':>11}{'seconds':>8}"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        per = o.extra / o.ambiguous if o.ambiguous else 0.0
        print(
            f"{o.name:<34}{o.calls:>6}{o.results:>8}{o.unknown:>8}{o.not_placed:>7}{o.orders:>7}"
            f"{o.duplicates:>6}{o.lost:>5}{o.ambiguous:>7}{per:>11.2f}{o.seconds:>8.1f}"
        )
    print(
        "results: calls that returned an order; unknown: OrderOutcomeUnknown; absent: calls "
        "that raised\n'not placed' (every resend failed too, lookups found nothing); dupes: "
        "extra orders per cl_ord_id;\nlost: results naming no order, or orders whose call "
        "said 'not placed'; extra/amb.: requests\nbeyond one AddOrder per call, per "
        "ambiguous failure."
    )
    for o in outcomes:
        if o.unknown:
            print(
                f"{o.name}: {o.unknown} OrderOutcomeUnknown, each carrying a cl_ord_id; "
                f"{o.unknown_found} of those ids name an order on the exchange (it landed)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rate", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("kraken_sdk").setLevel(logging.ERROR)  # each failure logs a warning
    default = ReconcilePolicy()
    fast = ReconcilePolicy(spacing=0.02)
    outcomes = [
        run("A after commit (default policy)", args.calls, args.seed, args.rate, AFTER_COMMIT,
            policy=default),
        run("B before commit (spacing 20 ms)", args.calls, args.seed, args.rate, BEFORE_COMMIT,
            policy=fast),
        run("C after commit, lookups failing", max(1, args.calls // 5), args.seed, args.rate,
            AFTER_COMMIT, policy=fast, break_lookups=True),
    ]  # fmt: skip
    report(outcomes)


if __name__ == "__main__":
    main()
