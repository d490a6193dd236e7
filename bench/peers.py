"""Side by side with the peers: kraken-sdk, krakenex, python-kraken-sdk and ccxt, one sandbox.

    pip install -e ".[bench]"            # krakenex, ccxt, python-kraken-sdk
    python bench/peers.py                # all four parts, about 2.5 minutes on 2 cores
    python bench/peers.py --quick        # smaller counts, under a minute
    python bench/peers.py --parts cpu,import --libs kraken-sdk,krakenex

One sandbox (`kraken-sdk sandbox --unlimited --seed 1 --keys 5 --ledger-entries 100000`) runs
in its own process for the cpu and export parts; each library has an API key of its own (their
nonces differ in scale) and runs in fresh worker processes, so none pays for another's imports
or heap. Every library is pointed at the sandbox URL. ccxt's throttle is off
(enableRateLimit=False); krakenex and python-kraken-sdk have none. krakenex's millisecond
nonce repeats on loopback, so it gets a strictly increasing one (see _krakenex). Tables print
as Markdown.

1. cpu: client CPU (`time.process_time` of the client process only) and wall time per call,
   for Time, Ticker (XBTUSD), Balance and AddOrder (limit, validate=true): the median of every
   single call, over `--rounds` interleaved rounds (default 4 x 500 = 2000 calls per cell),
   after 200 warm-up calls. Each library's own call path: typed groups (kraken-sdk), query_*
   (krakenex), Market/User/Trade (python-kraken-sdk), unified fetch_*/create_order (ccxt; its
   fetch_balance reads BalanceEx). kraken-sdk runs twice: with a rate limiter that counts every
   call but has limits too high to ever wait (the work a default client does per call), and
   with it off (tier="unlimited"). Two floor rows show what any client built on requests or
   urllib3 pays at least: build (and sign) the request, send it, read the body.
2. decode: the largest real OHLC (720 rows) and Trades (1000 rows) bodies of ../shared/conformance,
   its AssetPairs body (one pair), and that pair replicated under 600 names (Kraken lists
   ~600), from bytes to each library's result objects: typed msgspec Structs (kraken-sdk),
   requests' Response.json() (krakenex), Response.json() plus its error check
   (python-kraken-sdk), and ccxt's JSON parse, error check and unified
   fetch_ohlcv/fetch_trades/fetch_markets construction (the HTTP call stubbed out). Median of
   timed repeats, garbage collector on.
3. import: `python -X importtime`, the summed cumulative time of the statement's top-level
   imports, and the wall time of building one client after it; medians of `--import-runs`
   fresh processes, interleaved, after a warm-up run each.
4. export: every ledger entry (the seeded 100,000 plus the 9 opening deposits) through each
   library's best path, 50 per call, each run in a fresh process: wall and CPU time, and the
   peak RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) after setup and after the export.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from decode import DEFAULT_SHARED, largest_body

LIBS = ("kraken-sdk", "krakenex", "python-kraken-sdk", "ccxt")
OURS_OFF = "kraken-sdk, limiter off"
REQUESTS_FLOOR = "floor: requests"
URLLIB3_FLOOR = "floor: urllib3"
FLOORS = (REQUESTS_FLOOR, URLLIB3_FLOOR)
CPU_ROWS = ("kraken-sdk", OURS_OFF, "krakenex", "python-kraken-sdk", "ccxt", *FLOORS)
KEY_INDEX = {"kraken-sdk": 0, OURS_OFF: 0, "krakenex": 1, "python-kraken-sdk": 2, "ccxt": 3}
KEY_INDEX |= dict.fromkeys(FLOORS, 4)
OPS = ("Time", "Ticker", "Balance", "AddOrder")
BODIES = ("OHLC", "Trades", "AssetPairs", "AssetPairs x600")
WARMUP = 200
IMPORTS = {
    "runtime deps": ("import requests, urllib3, msgspec, tenacity", "pass"),
    "deps but tenacity": ("import requests, urllib3, msgspec", "pass"),
    "kraken-sdk": ("import kraken_sdk", "kraken_sdk.KrakenClient()"),
    "krakenex": ("import krakenex", "krakenex.API()"),
    "python-kraken-sdk": ("from kraken.spot import Market, Trade, User", "Market()"),
    "ccxt": ("import ccxt", "ccxt.kraken()"),
}
ORDER = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01", "price": "30000"}


# ---- the sandbox ---------------------------------------------------------------------------------


@contextmanager
def sandbox(keys: int, ledger_entries: int) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """`kraken-sdk sandbox --unlimited` in its own process: (url, [(key, secret), ...])."""
    command = [sys.executable, "-m", "kraken_sdk", "sandbox", "--unlimited", "--seed", "1"]
    command += ["--keys", str(keys), "--ledger-entries", str(ledger_entries)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        pairs = []
        for _ in range(keys):
            key = process.stdout.readline().split(": ", 1)[1].strip()
            secret = process.stdout.readline().split(": ", 1)[1].strip()
            pairs.append((key, secret))
        yield url, pairs
    finally:
        process.terminate()
        process.wait(timeout=10)


def worker(spec: dict[str, Any]) -> Any:
    """Run one measurement in a fresh process; its JSON answer."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker {spec['part']} {spec['lib']} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- each library's calls ------------------------------------------------------------------------


def _ok(answer: Any) -> Any:
    """krakenex returns Kraken's errors as data: a bench must not time failures."""
    if isinstance(answer, dict) and answer.get("error"):
        raise RuntimeError(f"Kraken error: {answer['error']}")
    return answer


def calls(lib: str, url: str, key: str, secret: str) -> dict[str, Callable[[], object]]:
    """The four timed calls of one library, with the client set up (and warm)."""
    if lib in ("kraken-sdk", OURS_OFF):
        from kraken_sdk import KrakenClient, RateLimits

        # Counts every call like a default client, with limits no run can reach.
        counting = RateLimits(1e12, 1e9, 1e12, 1e9, None)
        client = KrakenClient(
            key, secret, base_url=url, tier=counting if lib == "kraken-sdk" else "unlimited"
        )
        return {
            "Time": client.market.time,
            "Ticker": functools.partial(client.market.ticker, pair="XBTUSD"),
            "Balance": client.account.balance,
            "AddOrder": functools.partial(
                client.trading.add_order,
                pair=ORDER["pair"],
                type="buy",
                ordertype="limit",
                volume=Decimal(ORDER["volume"]),
                price=Decimal(ORDER["price"]),
                validate=True,
            ),
        }
    if lib == "krakenex":
        api = _krakenex(key, secret, url)
        return {
            "Time": lambda: _ok(api.query_public("Time")),
            "Ticker": lambda: _ok(api.query_public("Ticker", {"pair": "XBTUSD"})),
            "Balance": lambda: _ok(api.query_private("Balance")),
            "AddOrder": lambda: _ok(api.query_private("AddOrder", {**ORDER, "validate": "true"})),
        }
    if lib == "python-kraken-sdk":
        from kraken.spot import Market, Trade, User

        market, user, trade = (
            Market(url=url),
            User(key, secret, url=url),
            Trade(key, secret, url=url),
        )
        return {
            "Time": lambda: market.request("GET", "/0/public/Time", auth=False),
            "Ticker": functools.partial(market.get_ticker, pair="XBTUSD"),
            "Balance": user.get_account_balance,
            "AddOrder": functools.partial(
                trade.create_order,
                ordertype="limit",
                side="buy",
                volume=ORDER["volume"],
                pair=ORDER["pair"],
                price=ORDER["price"],
                validate=True,
            ),
        }
    if lib in FLOORS:
        return _floor(lib, url, key, secret)
    if lib == "ccxt":
        exchange = _ccxt(key, secret, url)
        exchange.load_markets()
        return {
            "Time": exchange.fetch_time,
            "Ticker": functools.partial(exchange.fetch_ticker, "BTC/USD"),
            "Balance": exchange.fetch_balance,
            "AddOrder": functools.partial(
                exchange.create_order, "BTC/USD", "limit", "buy", 0.01, 30000, {"validate": True}
            ),
        }
    raise ValueError(lib)


def _floor(lib: str, url: str, key: str, secret: str) -> dict[str, Callable[[], object]]:
    """What a client on requests (or urllib3) pays at least per call: the request built
    (and signed), sent and read; no decoding, validation, retries or rate limiting."""
    import requests
    import urllib3

    from kraken_sdk.auth import sign

    last = [0]
    plain = {"User-Agent": "bench", "Accept": "application/json"}
    session = requests.Session()
    session.trust_env = False
    adapter = session.get_adapter(url)
    pool = urllib3.connection_from_url(url)

    def send(path: str, query: str = "", params: dict[str, str] | None = None) -> bytes:
        body, headers = None, plain
        if params is not None:
            last[0] = nonce = max(time.time_ns(), last[0] + 1)
            form = urlencode({"nonce": nonce, **params})
            body = form.encode()
            headers = {**plain, "API-Key": key, "API-Sign": sign(secret, path, nonce, form)}
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        target = f"{path}?{query}" if query else path
        if lib == URLLIB3_FLOOR:
            return bytes(pool.urlopen("POST" if body else "GET", target, body, headers).data)
        prepared = requests.PreparedRequest()
        prepared.prepare("POST" if body else "GET", url + target, headers, data=body)
        return bytes(adapter.send(prepared, timeout=10).content)

    return {
        "Time": functools.partial(send, "/0/public/Time"),
        "Ticker": functools.partial(send, "/0/public/Ticker", "pair=XBTUSD"),
        "Balance": functools.partial(send, "/0/private/Balance", params={}),
        "AddOrder": functools.partial(
            send, "/0/private/AddOrder", params={**ORDER, "validate": "true"}
        ),
    }


def _krakenex(key: str, secret: str, url: str) -> Any:
    """krakenex's nonce is time.time() in ms: on loopback two calls share a millisecond and
    the second gets EAPI:Invalid nonce. Its `_nonce` becomes a strictly increasing one."""
    import krakenex

    api = krakenex.API(key, secret)
    api.uri = url
    last = [0]

    def nonce() -> int:
        last[0] = max(int(1000 * time.time()), last[0] + 1)
        return last[0]

    api._nonce = nonce
    return api


def _ccxt(key: str, secret: str, url: str) -> Any:
    import ccxt

    exchange = ccxt.kraken({"apiKey": key, "secret": secret, "enableRateLimit": False})
    exchange.urls["api"] = {"public": url, "private": url}
    return exchange


def cpu_worker(spec: dict[str, Any]) -> dict[str, list[list[float]]]:
    timed = calls(spec["lib"], spec["url"], spec["key"], spec["secret"])
    out: dict[str, list[list[float]]] = {}
    clock, wall_clock = time.process_time, time.perf_counter
    for op, call in timed.items():
        answer = call()  # python-kraken-sdk returns errors it does not know as data too
        _ok(json.loads(answer) if isinstance(answer, bytes) else answer)
        for _ in range(spec["warmup"]):
            call()
        cpu, wall = [], []
        for _ in range(spec["calls"]):
            c0, w0 = clock(), wall_clock()
            call()
            w1, c1 = wall_clock(), clock()
            cpu.append(round((c1 - c0) * 1e6, 2))
            wall.append(round((w1 - w0) * 1e6, 2))
        out[op] = [cpu, wall]
    return out


# ---- decode ----------------------------------------------------------------------------------


def bodies(shared: Path) -> dict[str, bytes]:
    corpus = shared / "conformance"
    out = {name: largest_body(corpus, name) for name in ("OHLC", "Trades", "AssetPairs")}
    (pair,) = json.loads(out["AssetPairs"])["result"].values()
    many = {}
    for index in range(600):
        base = f"A{index:03d}"
        many[f"{base}USDT"] = {
            **pair,
            "altname": f"{base}USDT",
            "wsname": f"{base}/USDT",
            "base": base,
        }
    out["AssetPairs x600"] = json.dumps({"error": [], "result": many}).encode()
    return out


def _response(body: bytes) -> Any:
    import requests

    response = requests.Response()
    response._content = body
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    return response


def decoders(lib: str, raw: dict[str, bytes], shared: Path) -> dict[str, Callable[[], object]]:
    """bytes -> each library's result objects, for every body (no network)."""
    method = {name: name.split()[0] for name in raw}
    if lib == "kraken-sdk":
        from kraken_sdk import ENDPOINTS

        return {n: functools.partial(ENDPOINTS[method[n]].decode, b) for n, b in raw.items()}
    if lib == "krakenex":  # API._query: `return response.json(**self.json_options)`
        return {n: _response(b).json for n, b in raw.items()}
    if lib == "python-kraken-sdk":  # SpotClient.request -> __check_response_data
        from kraken.spot import Market

        check = getattr(Market(), "_SpotClient__check_response_data")  # noqa: B009
        return {n: functools.partial(check, _response(b)) for n, b in raw.items()}
    if lib == "ccxt":  # Exchange.fetch: text -> parse_json -> handle_errors; then the unified parse
        exchange = _ccxt("", "", "http://127.0.0.1:9")
        texts = {name: body.decode() for name, body in raw.items()}
        texts["Assets"] = largest_body(shared / "conformance", "Assets").decode()
        pairs = ["AssetPairs"]  # which AssetPairs body the stub answers with

        def answer(text: str) -> Any:
            parsed = exchange.parse_json(text.strip())
            exchange.handle_errors(200, "OK", "", "GET", {}, text, parsed, {}, None)
            return parsed

        def stub(name: str) -> Callable[..., Any]:
            return lambda params=None: answer(texts[name])

        exchange.publicGetAssets = stub("Assets")
        exchange.publicGetAssetPairs = lambda params=None: answer(texts[pairs[0]])
        exchange.publicGetOHLC = stub("OHLC")
        exchange.publicGetTrades = stub("Trades")
        exchange.load_markets()

        def markets(name: str) -> Any:
            pairs[0] = name
            return exchange.fetch_markets()

        return {
            "OHLC": functools.partial(exchange.fetch_ohlcv, "BTC/USDT", "1m"),
            "Trades": functools.partial(exchange.fetch_trades, "BTC/USDT"),
            "AssetPairs": functools.partial(markets, "AssetPairs"),
            "AssetPairs x600": functools.partial(markets, "AssetPairs x600"),
        }
    raise ValueError(lib)


def per_call_us(fn: Callable[[], object], repeats: int, budget: float = 0.05) -> float:
    """Median µs per call over `repeats` runs of about `budget` seconds each, GC on."""
    start, loops = time.perf_counter(), 0
    while time.perf_counter() - start < budget / 5:
        fn()
        loops += 1
    loops = max(1, loops * 5)
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        runs.append((time.perf_counter() - t0) / loops * 1e6)
    return statistics.median(runs)


def decode_worker(spec: dict[str, Any]) -> dict[str, float]:
    raw = bodies(Path(spec["shared"]))
    fns = decoders(spec["lib"], raw, Path(spec["shared"]))
    return {name: per_call_us(fns[name], spec["repeats"]) for name in BODIES}


# ---- import --------------------------------------------------------------------------------------

_IMPORT_PROBE = """
import sys, time
sys.stderr.write("@@import\\n")
{statement}
sys.stderr.write("@@client\\n")
t0 = time.perf_counter()
{client}
print((time.perf_counter() - t0) * 1e3)
"""


def import_once(statement: str, client: str) -> tuple[float, float]:
    """(importtime Σ ms of the statement, wall ms of building a client after it).

    Bytecode caches are written (PYTHONDONTWRITEBYTECODE unset), as pip does at install: a
    module edited since its last .pyc would otherwise be compiled again in every run.
    """
    code = _IMPORT_PROBE.format(statement=statement, client=client)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    section, total = "", 0
    for line in out.stderr.splitlines():
        if line.startswith("@@"):
            section = line[2:]
        elif section == "import" and line.startswith("import time:"):
            _, cumulative, name = line.split("|")
            if not name.startswith("  "):  # top level: one space before the name
                total += int(cumulative)
    return total / 1e3, float(out.stdout)


# ---- export --------------------------------------------------------------------------------------


def export(lib: str, url: str, key: str, secret: str) -> Callable[[], int]:
    """Each library's best path to every ledger entry, all kept in memory; run -> how many.

    kraken-sdk's rate limiter is off (tier="unlimited"), like ccxt's: a Starter-tier client
    would spend the 2,000 calls (cost 2 each) waiting for Kraken's counter."""
    if lib == "kraken-sdk":
        from kraken_sdk import KrakenClient, paginate

        client = KrakenClient(key, secret, base_url=url, tier="unlimited")

        def ours() -> int:
            return len(list(paginate.ledgers(client)))

        return ours
    if lib == "krakenex":
        api = _krakenex(key, secret, url)

        def krakenex_walk() -> int:
            entries: dict[str, Any] = {}
            offset, count = 0, 1
            while offset < count:
                result = _ok(api.query_private("Ledgers", {"ofs": offset}))["result"]
                entries.update(result["ledger"])
                count, offset = result["count"], offset + len(result["ledger"])
            return len(entries)

        return krakenex_walk
    if lib == "python-kraken-sdk":
        from kraken.spot import User

        user = User(key, secret, url=url)

        def pks_walk() -> int:
            entries: dict[str, Any] = {}
            offset, count = 0, 1
            while offset < count:
                result = user.get_ledgers_info(ofs=offset)
                entries.update(result["ledger"])
                count, offset = result["count"], offset + len(result["ledger"])
            return len(entries)

        return pks_walk
    if lib == "ccxt":
        exchange = _ccxt(key, secret, url)
        exchange.load_markets()

        def ccxt_walk() -> int:
            entries: list[Any] = []
            while True:
                page = exchange.fetch_ledger(params={"ofs": len(entries)})
                entries.extend(page)
                if len(page) < 50:  # ccxt drops Kraken's count: stop at a short page
                    return len(entries)

        return ccxt_walk
    raise ValueError(lib)


def export_worker(spec: dict[str, Any]) -> dict[str, float]:
    import resource

    run = export(spec["lib"], spec["url"], spec["key"], spec["secret"])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c0, w0 = time.process_time(), time.perf_counter()
    count = run()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"count": count, "wall": wall, "cpu": cpu, "before": before, "peak": peak}


# ---- the tables ----------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def run_cpu(args: argparse.Namespace, url: str, keys: list[tuple[str, str]]) -> None:
    rows = [lib for lib in CPU_ROWS if lib in args.libs or lib in FLOORS or lib == OURS_OFF]
    if LIBS[0] not in args.libs:
        rows.remove(OURS_OFF)
    per_round = max(1, args.calls // args.rounds)
    samples: dict[str, dict[str, list[list[float]]]] = {
        lib: {op: [[], []] for op in OPS} for lib in rows
    }
    for round_ in range(args.rounds):
        for lib in rows[round_ % len(rows) :] + rows[: round_ % len(rows)]:  # rotate the order
            key, secret = keys[KEY_INDEX[lib]]
            spec = {"part": "cpu", "lib": lib, "url": url, "key": key, "secret": secret}
            answer = worker({**spec, "calls": per_round, "warmup": WARMUP})
            for op in OPS:
                samples[lib][op][0] += answer[op][0]
                samples[lib][op][1] += answer[op][1]
    n = per_round * args.rounds
    print(f"\n### 1. Client CPU and wall time per call (µs, median of {n} calls each)\n")
    header = ["library"] + [f"{op} CPU / wall" for op in OPS]
    medians = {
        lib: {op: [statistics.median(samples[lib][op][i]) for i in (0, 1)] for op in OPS}
        for lib in rows
    }
    body = [
        [lib] + [f"{medians[lib][op][0]:.0f} / {medians[lib][op][1]:.0f}" for op in OPS]
        for lib in rows
    ]
    print(table(header, body))
    if "kraken-sdk" in medians:
        ours = medians["kraken-sdk"]
        for lib, bound in (("krakenex", 1.0), ("python-kraken-sdk", 0.5), ("ccxt", 0.5)):
            if lib in medians:
                ratios = [ours[op][0] / medians[lib][op][0] for op in OPS]
                verdict = "met" if all(r <= bound for r in ratios) else "MISSED"
                shown = ", ".join(f"{op} {r:.2f}" for op, r in zip(OPS, ratios, strict=True))
                print(f"\nkraken-sdk CPU / {lib}: {shown} (target <= {bound:g}: {verdict})")


def run_decode(args: argparse.Namespace) -> None:
    results = {
        lib: worker(
            {"part": "decode", "lib": lib, "shared": str(args.shared), "repeats": args.repeats}
        )
        for lib in args.libs
    }
    raw = bodies(args.shared)
    print("\n### 2. Decode: bytes to each library's result objects (µs per body)\n")
    header = ["body", "size", *args.libs]
    rows = []
    for name in BODIES:
        row = [name, f"{len(raw[name]) / 1024:.0f} KiB"]
        row += [f"{results[lib][name]:,.0f}" for lib in args.libs]
        rows.append(row)
    print(table(header, rows))


def run_import(args: argparse.Namespace) -> None:
    names = ["runtime deps", "deps but tenacity", *args.libs]
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for name in names:  # a warm-up run each: disk cache and .pyc files
        import_once(*IMPORTS[name])
    for _ in range(args.import_runs):
        for name in names:  # interleaved, so drift hits every statement alike
            runs[name].append(import_once(*IMPORTS[name]))
    print(f"\n### 3. Import time (ms, median of {args.import_runs} fresh processes)\n")
    header = ["library", "statement", "-X importtime Σ", "then a client"]
    rows = []
    medians = {}
    for name in names:
        statement, client = IMPORTS[name]
        imported, built = (statistics.median(run[i] for run in runs[name]) for i in (0, 1))
        medians[name] = imported
        shown = "—" if client == "pass" else f"{built:.1f} (`{client}`)"
        rows.append([name, f"`{statement}`", f"{imported:.1f}", shown])
    print(table(header, rows))
    if "kraken-sdk" in medians:
        for deps in ("runtime deps", "deps but tenacity"):
            ratio = medians["kraken-sdk"] / medians[deps]
            verdict = "met" if ratio <= 1.25 else "MISSED"
            print(f"\nimport kraken_sdk / {deps}: {ratio:.2f}x (target <= 1.25: {verdict})")


def run_export(args: argparse.Namespace, url: str, keys: list[tuple[str, str]]) -> None:
    results: dict[str, list[dict[str, float]]] = {lib: [] for lib in args.libs}
    for _ in range(args.export_runs):
        for lib in args.libs:
            key, secret = keys[KEY_INDEX[lib]]
            spec = {"part": "export", "lib": lib, "url": url, "key": key, "secret": secret}
            results[lib].append(worker(spec))
    counts = sorted({int(run["count"]) for runs in results.values() for run in runs})
    print(
        f"\n### 4. Export every ledger entry ({', '.join(map(str, counts))}), 50 a call "
        f"(median of {args.export_runs} runs)\n"
    )
    header = ["library", "path", "wall s", "CPU s", "RSS after setup MiB", "peak RSS MiB"]
    paths = {
        "kraken-sdk": "`list(paginate.ledgers(client))`",
        "krakenex": "`query_private('Ledgers', {'ofs': n})` loop",
        "python-kraken-sdk": "`User.get_ledgers_info(ofs=n)` loop",
        "ccxt": "`fetch_ledger(params={'ofs': n})` loop",
    }
    rows = []
    for lib, runs in results.items():
        wall, cpu, before, peak = (
            statistics.median(run[name] for run in runs)
            for name in ("wall", "cpu", "before", "peak")
        )
        rows.append([lib, paths[lib], f"{wall:.1f}", f"{cpu:.1f}", f"{before:.0f}", f"{peak:.0f}"])
    print(table(header, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="cpu,decode,import,export")
    parser.add_argument("--libs", default=",".join(LIBS))
    parser.add_argument("--quick", action="store_true", help="smaller counts, a smoke run")
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per library and call")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=15, help="timeit repeats per decode")
    parser.add_argument("--import-runs", type=int, default=9)
    parser.add_argument("--entries", type=int, default=100_000, help="seeded ledger entries")
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        run = {"cpu": cpu_worker, "decode": decode_worker, "export": export_worker}
        print(json.dumps(run[spec["part"]](spec)))
        return
    if args.quick:
        args.calls, args.rounds, args.repeats = 400, 2, 5
        args.import_runs, args.entries, args.export_runs = 3, 10_000, 1
    args.libs = [lib for lib in LIBS if lib in args.libs.split(",")]
    parts = args.parts.split(",")
    started = time.perf_counter()
    print(f"Python {sys.version.split()[0]}, {', '.join(_versions(args.libs))}", flush=True)
    entries = args.entries if "export" in parts else 0
    server: AbstractContextManager[tuple[str, list[tuple[str, str]]]] = nullcontext(("", []))
    if "cpu" in parts or "export" in parts:
        server = sandbox(5, entries)
    with server as (url, keys):
        if "cpu" in parts:
            run_cpu(args, url, keys)
        if "decode" in parts:
            run_decode(args)
        if "import" in parts:
            run_import(args)
        if "export" in parts:
            run_export(args, url, keys)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def _versions(libs: list[str]) -> list[str]:
    from importlib.metadata import version

    return [f"{lib} {version(lib)}" for lib in libs]  # the libraries' names on PyPI


if __name__ == "__main__":
    main()
