"""The `kraken_sdk` pytest plugin (pytest11 entry point): record a test's Kraken traffic once,
replay it offline ever after.

    @pytest.mark.kraken_cassette
    def test_my_bot(kraken_cassette):
        bot = MyBot(kraken_cassette.client())   # or KrakenClient.from_env(): the env is set
        bot.run_once()

`pytest` replays `cassettes/<test module>/<test name>.yaml` with no network: a request the
cassette lacks fails the test, even if the bot caught the error, and so do recorded
requests the test never made. `pytest --kraken-record=once` records missing cassettes,
`--kraken-record=all` re-records every one (KRAKEN_RECORD works too). Recording goes to a
fresh `kraken_sandbox`, or to the real API with `--kraken-target=kraken` (`auto`, the
default, picks it when KRAKEN_API_KEY and KRAKEN_API_SECRET are set when pytest starts).
Each cassette is audited as it is written; one that holds anything secret is deleted.

Fixtures to override: `kraken_sandbox_options` (Sandbox arguments), `kraken_vcr_config`
(vcrpy options, e.g. extra hooks), `kraken_cassette_dir`; the ini option
`kraken_cassette_dir` moves the cassette root (default `cassettes`, under rootdir).

This module is imported by every pytest run in the environment, so it imports nothing but
pytest and the standard library until a test asks for a cassette or the sandbox.
"""

from __future__ import annotations

import base64
import os
import random
import re
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from kraken_sdk.client import KrakenClient
    from kraken_sdk.sandbox import Sandbox

__all__ = [
    "ENV_RECORD",
    "ENV_TARGET",
    "RECORD_MODES",
    "REPLAY_URL",
    "SANDBOX_ORIGIN",
    "TARGETS",
    "KrakenCassette",
    "Settings",
    "settings",
]

RECORD_MODES = ("none", "once", "new_episodes", "all")
TARGETS = ("auto", "sandbox", "kraken")
ENV_RECORD = "KRAKEN_RECORD"
ENV_TARGET = "KRAKEN_RECORD_TARGET"
DEFAULT_API_URL = "https://api.kraken.com"

REPLAY_URL = "https://replay.kraken-sdk.invalid"
"""The replay client's base URL: matching ignores the host, and `.invalid` never resolves, so
anything that slipped past vcrpy could not reach Kraken."""

SANDBOX_ORIGIN = "http://sandbox.kraken-sdk.invalid"
"""What a sandbox's http://127.0.0.1:<port> becomes in recorded URIs, so re-recording on
another port changes nothing."""

REPLAY_API_KEY = "kraken-sdk-replay-key"
REPLAY_API_SECRET = base64.b64encode(b"kraken-sdk replay: not a real secret").decode()
"""Well-formed credentials so replayed private calls go through signing as they would live."""

Target = Literal["sandbox", "kraken"]


@dataclass(frozen=True)
class Settings:
    """How this pytest run treats cassettes, fixed when pytest starts."""

    mode: str
    target: Target
    cassette_root: Path
    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)

    @property
    def describe_target(self) -> str:
        if self.target == "kraken":
            return f"the real Kraken API at {self.api_url}"
        return "a fresh kraken_sandbox per test"


_settings_key = pytest.StashKey[Settings]()
_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()


def settings(config: pytest.Config) -> Settings:
    """This run's cassette settings (for conftest files and the record script)."""
    return config.stash[_settings_key]


# -- hooks -----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kraken", "kraken-sdk cassettes")
    group.addoption(
        "--kraken-record",
        choices=RECORD_MODES,
        default=None,
        help=f"none (default, also ${ENV_RECORD}): replay only, an unmatched request fails; "
        "once: record missing cassettes; new_episodes: record requests a cassette lacks; "
        "all: re-record every cassette",
    )
    group.addoption(
        "--kraken-target",
        choices=TARGETS,
        default=None,
        help=f"where recordings go (also ${ENV_TARGET}): sandbox, kraken (the real API, "
        "with KRAKEN_API_KEY/KRAKEN_API_SECRET), or auto (default): kraken when both are set",
    )
    parser.addini(
        "kraken_cassette_dir",
        "folder of Kraken cassettes, relative to rootdir (default: cassettes)",
        default="cassettes",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kraken_cassette(name=None, *, allow_unplayed=False, audit=True, **vcr_options): "
        "record or replay this test's Kraken traffic (kraken_sdk.testing)",
    )
    config.stash[_settings_key] = _read_settings(config)


def _read_settings(config: pytest.Config) -> Settings:
    mode = config.getoption("kraken_record") or os.environ.get(ENV_RECORD) or "none"
    if mode not in RECORD_MODES:
        raise pytest.UsageError(f"{ENV_RECORD}={mode!r}: expected one of {', '.join(RECORD_MODES)}")
    target = config.getoption("kraken_target") or os.environ.get(ENV_TARGET) or "auto"
    if target not in TARGETS:
        raise pytest.UsageError(f"{ENV_TARGET}={target!r}: expected one of {', '.join(TARGETS)}")
    key, secret = os.environ.get("KRAKEN_API_KEY"), os.environ.get("KRAKEN_API_SECRET")
    if target == "auto":
        target = "kraken" if key and secret else "sandbox"
    if target == "kraken" and not (key and secret):
        raise pytest.UsageError(
            "--kraken-target=kraken records against the real API: set KRAKEN_API_KEY and "
            "KRAKEN_API_SECRET"
        )
    root = Path(str(config.getini("kraken_cassette_dir")))
    return Settings(
        mode=mode,
        target="kraken" if target == "kraken" else "sandbox",
        cassette_root=root if root.is_absolute() else config.rootpath / root,
        api_url=os.environ.get("KRAKEN_API_URL") or DEFAULT_API_URL,
        api_key=key if target == "kraken" else None,
        api_secret=secret if target == "kraken" else None,
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    found = config.stash.get(_settings_key, None)
    if found is None or found.mode == "none":
        return []
    return [
        f"kraken-sdk cassettes: record mode {found.mode!r} against {found.describe_target}, "
        f"into {found.cassette_root}"
    ]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Keep each phase's report, so the cassette's teardown knows whether the test passed.
    (An old-style wrapper, so the plugin loads under any pytest >= 7.)"""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    item.stash.setdefault(_reports_key, {})[report.when] = report


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def kraken_sandbox_options() -> dict[str, Any]:
    """Arguments for kraken_sandbox's Sandbox; override to fix the clock, tier or balances."""
    return {"seed": 0}


@pytest.fixture
def kraken_sandbox(kraken_sandbox_options: dict[str, Any]) -> Iterator[Sandbox]:
    """A running local Kraken (kraken_sdk.sandbox.Sandbox), fresh for each test."""
    from kraken_sdk.sandbox import Sandbox

    with Sandbox(**kraken_sandbox_options) as sandbox:
        yield sandbox


@pytest.fixture
def kraken_vcr_config() -> dict[str, Any]:
    """Extra vcrpy options for every cassette (the marker's keywords win)."""
    return {}


@pytest.fixture
def kraken_cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where this module's cassettes live: <cassette root>/<test module name>/."""
    return settings(request.config).cassette_root / request.path.stem


@pytest.fixture(autouse=True)
def _kraken_cassette_marker(request: pytest.FixtureRequest) -> None:
    """`@pytest.mark.kraken_cassette` alone is enough: it brings in the fixture."""
    if request.node.get_closest_marker("kraken_cassette") is not None:
        request.getfixturevalue("kraken_cassette")


@pytest.fixture
def kraken_cassette(
    request: pytest.FixtureRequest,
    kraken_vcr_config: dict[str, Any],
    kraken_cassette_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[KrakenCassette]:
    """This test's cassette, replayed or recorded, and clients bound to it."""
    run = settings(request.config)
    name, options = _marker_options(request)
    allow_unplayed = bool(options.pop("allow_unplayed", False))
    audit = bool(options.pop("audit", True))
    path = kraken_cassette_dir / f"{name}.yaml"
    exists = path.is_file()
    live = run.mode in ("all", "new_episodes") or (run.mode == "once" and not exists)
    if not live and not exists:
        pytest.fail(
            f"no cassette {_shown(path, request.config)} for this test; record it with\n"
            f"    pytest --kraken-record=once {request.node.nodeid}",
            pytrace=False,
        )
    sandbox: Sandbox | None = None
    if live and run.target == "sandbox":
        sandbox = request.getfixturevalue("kraken_sandbox")
    session = KrakenCassette(path=path, mode=run.mode, live=live, settings=run, sandbox=sandbox)

    request_hooks = _as_list(options.pop("before_record_request", None))
    response_hooks = _as_list(options.pop("before_record_response", None))
    config = {**kraken_vcr_config, **options}
    request_hooks = _as_list(config.pop("before_record_request", None)) + request_hooks
    response_hooks = _as_list(config.pop("before_record_response", None)) + response_hooks
    if sandbox is not None:
        request_hooks.insert(0, _origin_rewriter(sandbox.url, SANDBOX_ORIGIN))

    from kraken_sdk.testing import kraken_vcr

    recorder = kraken_vcr(
        record_mode=run.mode,
        before_record_request=request_hooks,
        before_record_response=response_hooks,
    )
    merged = recorder.get_merged_config(path=str(path), **config)
    context = _tracking_cassette_class().use(**merged)

    _seed_client_order_ids(monkeypatch, f"{path.parent.name}/{name}")
    monkeypatch.setenv("KRAKEN_API_KEY", session.api_key)
    monkeypatch.setenv("KRAKEN_API_SECRET", session.api_secret)
    monkeypatch.setenv("KRAKEN_API_URL", session.base_url)

    with ExitStack() as stack:
        if not live:
            from kraken_sdk.testing import block_network

            stack.enter_context(block_network(allow_loopback=True))
        session.cassette = context.__enter__()
        passed = False
        try:
            yield session
            reports = request.node.stash.get(_reports_key, {})
            passed = "call" in reports and reports["call"].passed
        finally:
            session.close()
            failed = (AssertionError, AssertionError("test failed"), None)
            context.__exit__(*((None, None, None) if passed else failed))
    if live and audit and path.is_file():
        _audit_recording(path, request.config)
    if not live and passed:
        _check_replay(session, allow_unplayed, request.config)


# -- the fixture's object --------------------------------------------------------------------


class KrakenCassette:
    """What the kraken_cassette fixture gives a test.

    `client()` builds a KrakenClient bound to the recording target (sandbox or Kraken) or, on
    replay, to the cassette; KRAKEN_API_KEY/SECRET/URL point the same way for bots that call
    KrakenClient.from_env(). `sandbox` is the Sandbox being recorded against, else None: use
    it to move time or set up state, only while recording.
    """

    def __init__(
        self,
        *,
        path: Path,
        mode: str,
        live: bool,
        settings: Settings,
        sandbox: Sandbox | None,
    ) -> None:
        self.path = path
        self.mode = mode
        self.recording = live
        self.sandbox = sandbox
        self.cassette: Any = None
        self._clients: list[KrakenClient] = []
        if not live:
            self.target: Literal["replay", "sandbox", "kraken"] = "replay"
            self.base_url = REPLAY_URL
            self._key, self._secret = REPLAY_API_KEY, REPLAY_API_SECRET
        elif sandbox is not None:
            self.target, self.base_url = "sandbox", sandbox.url
            self._key, self._secret = sandbox.api_key, sandbox.api_secret
        else:
            assert settings.api_key is not None
            assert settings.api_secret is not None
            self.target, self.base_url = "kraken", settings.api_url
            self._key, self._secret = settings.api_key, settings.api_secret

    @property
    def api_key(self) -> str:
        return self._key

    @property
    def api_secret(self) -> str:
        return self._secret

    def client(self, **options: Any) -> KrakenClient:
        """A KrakenClient for this cassette, closed after the test; options as KrakenClient's.

        On replay its retries wait no time and it keeps no client-side rate limit, so a
        recorded 503-then-200 replays instantly; what it sends is the same either way.
        """
        from kraken_sdk.client import KrakenClient

        if self.sandbox is not None:
            client = self.sandbox.client(**options)
        else:
            defaults: dict[str, Any] = {"base_url": self.base_url}
            if self.target == "replay":
                defaults.update(tier="unlimited", sleep=_no_sleep, trust_env=False)
            client = KrakenClient(self._key, self._secret, **{**defaults, **options})
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def __repr__(self) -> str:
        return f"KrakenCassette({str(self.path)!r}, mode={self.mode!r}, target={self.target!r})"


def _no_sleep(seconds: float) -> None:
    """Replayed retries need no wait: the answers are already on disk."""


# -- helpers ---------------------------------------------------------------------------------


def _marker_options(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    marker = request.node.get_closest_marker("kraken_cassette")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    name = options.pop("name", None)
    if marker is not None and marker.args:
        if len(marker.args) > 1 or not isinstance(marker.args[0], str):
            raise pytest.UsageError("kraken_cassette takes one positional argument, the name")
        name = marker.args[0]
    if name is None:
        node = request.node
        cls = getattr(node, "cls", None)
        name = f"{cls.__name__}.{node.name}" if cls is not None else node.name
    return _safe_name(str(name)), options


def _safe_name(name: str) -> str:
    """A cassette file name from a test name: `test_x[BTC/USD]` -> `test_x-BTC-USD`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "cassette"


def _shown(path: Path, config: pytest.Config) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)


def _as_list(hooks: Any) -> list[Callable[[Any], Any]]:
    if hooks is None:
        return []
    if callable(hooks):
        return [hooks]
    return list(hooks)


def _origin_rewriter(origin: str, replacement: str) -> Callable[[Any], Any]:
    def rewrite(request: Any) -> Any:
        if request.uri.startswith(origin):
            request.uri = replacement + request.uri[len(origin) :]
        return request

    return rewrite


class _SeededUUIDs:
    """Stands in for the uuid module inside kraken_sdk.validation: the cl_ord_ids the SDK
    gives new orders repeat run to run, so a recorded AddOrder body matches on replay."""

    def __init__(self, seed: str) -> None:
        self._random = random.Random(seed)

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self._random.getrandbits(128), version=4)

    def __getattr__(self, name: str) -> Any:
        return getattr(uuid, name)


def _seed_client_order_ids(monkeypatch: pytest.MonkeyPatch, seed: str) -> None:
    from kraken_sdk import validation

    if getattr(validation, "uuid", None) is uuid:
        monkeypatch.setattr(validation, "uuid", _SeededUUIDs(seed))


@cache
def _tracking_cassette_class() -> Any:
    """vcrpy's Cassette, remembering every request it could not answer on replay, so one
    that the code under test caught and swallowed still fails the test."""
    from vcr.cassette import Cassette

    class TrackingCassette(Cassette):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.unmatched: list[Any] = []

        def can_play_response_for(self, request: Any) -> bool:
            playable = bool(super().can_play_response_for(request))
            known = any(seen is request for seen in self.unmatched)
            if not playable and self.write_protected and not known:
                self.unmatched.append(request)
            return playable

    return TrackingCassette


def _describe(cassette: Any, request: Any) -> str:
    shown = cassette.filter_request(request) or request
    body = shown.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    query = f"?{shown.parsed_uri.query}" if shown.parsed_uri.query else ""
    return f"{shown.method} {shown.path}{query}" + (f" body {text[:300]}" if text else "")


def _check_replay(session: KrakenCassette, allow_unplayed: bool, config: pytest.Config) -> None:
    cassette = session.cassette
    where = _shown(session.path, config)
    unmatched = getattr(cassette, "unmatched", [])
    if unmatched:
        lines = "\n".join(f"    {_describe(cassette, r)}" for r in unmatched)
        pytest.fail(
            f"{len(unmatched)} request(s) not in {where} (the code under test may have "
            f"caught the error):\n{lines}\nre-record with --kraken-record=all if the change "
            "is intended",
            pytrace=False,
        )
    if not allow_unplayed and not cassette.all_played:
        unplayed = [
            f"    {_describe(cassette, r)}"
            for index, (r, _) in enumerate(cassette.data)
            if cassette.play_counts[index] == 0
        ]
        pytest.fail(
            f"{len(unplayed)} recorded request(s) in {where} were never made:\n"
            + "\n".join(unplayed)
            + "\nre-record with --kraken-record=all, or mark the test "
            "kraken_cassette(allow_unplayed=True)",
            pytrace=False,
        )


def _audit_recording(path: Path, config: pytest.Config) -> None:
    from kraken_sdk.testing.audit import audit_file

    findings = audit_file(path)
    if findings:
        path.unlink()
        lines = "\n".join(f"    {finding}" for finding in findings)
        pytest.fail(
            f"the new cassette {_shown(path, config)} looked like it held secrets and was "
            f"deleted:\n{lines}\nscrub them with kraken_vcr_config's before_record_request/"
            "before_record_response, or mark the test kraken_cassette(audit=False)",
            pytrace=False,
        )
