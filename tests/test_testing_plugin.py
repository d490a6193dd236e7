"""kraken_sdk.testing: scrubbing, matching, the audit, the network guard and the pytest plugin.

The plugin tests run an inner pytest session (pytester, in-process) that records against a
real sandbox and replays with it gone, the way a user's suite would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import socket
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from kraken_sdk import KrakenClient
from kraken_sdk.sandbox import ManualClock, Sandbox
from kraken_sdk.testing import (
    REDACTED,
    NetworkBlockedError,
    block_network,
    kraken_vcr,
    match_kraken_body,
    scrub_request,
    scrub_response,
)
from kraken_sdk.testing.audit import audit_paths, audit_text, main

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SIGNATURE = base64.b64encode(hashlib.sha512(b"planted signature").digest()).decode()
FORM = "application/x-www-form-urlencoded"


def request(body: bytes | str | None, content_type: str = FORM, **headers: str) -> Any:
    all_headers = {"Content-Type": content_type, **headers} if body else dict(headers)
    return Request("POST", "https://api.kraken.com/0/private/AddOrder", body, all_headers)


# -- scrubbing -------------------------------------------------------------------------------


def test_form_request_loses_key_signature_cookie_nonce_and_otp() -> None:
    body = b"nonce=1790000000123456789&pair=XBTUSD&price=%2B5&otp=123456&volume="
    sent = request(
        body,
        **{"API-Key": "my-key", "API-Sign": SIGNATURE, "Cookie": "a=b"},
        **{"Content-Length": str(len(body))},
    )
    scrubbed = scrub_request(sent)
    assert scrubbed.headers["API-Key"] == REDACTED
    assert scrubbed.headers["api-sign"] == REDACTED
    assert "Cookie" not in scrubbed.headers
    assert scrubbed.body == b"nonce=0&pair=XBTUSD&price=%2B5&otp=REDACTED&volume="
    assert scrubbed.headers["Content-Length"] == str(len(scrubbed.body))


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_json_request_loses_nonce_and_otp(content_type: str) -> None:
    body = '{"nonce": 1790000000123456789,"orders":[{"cl_ord_id":"a","nonce":"x"}],"otp":"99"}'
    scrubbed = scrub_request(request(body, content_type, **{"API-Sign": SIGNATURE}))
    assert (
        scrubbed.body == b'{"nonce": 0,"orders":[{"cl_ord_id":"a","nonce":"0"}],"otp":"REDACTED"}'
    )
    assert scrubbed.headers["API-Sign"] == REDACTED


def test_a_string_nonce_stays_a_string_and_a_public_get_is_untouched() -> None:
    assert scrub_request(request('{"nonce":"17"}', "application/json")).body == b'{"nonce":"0"}'
    public = Request("GET", "https://api.kraken.com/0/public/Time", None, {"Accept": "x"})
    assert scrub_request(public).body is None
    assert dict(public.headers) == {"Accept": "x"}


def test_response_loses_token_addresses_and_cookies_and_keeps_its_length_right() -> None:
    body = (
        b'{"error":[],"result":{"token":"1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw",'
        b'"expires":900,"address":"bc1qsecret","fee":0.26,"note":"token"}}'
    )
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Length": [str(len(body))], "set-cookie": ["__cf_bm=x"]},
        "body": {"string": body},
    }
    scrubbed = scrub_response(response)
    assert scrubbed["body"]["string"] == (
        b'{"error":[],"result":{"token":"REDACTED","expires":900,"address":"REDACTED",'
        b'"fee":0.26,"note":"token"}}'
    )
    assert scrubbed["headers"] == {"Content-Length": [str(len(scrubbed["body"]["string"]))]}


def test_binary_responses_are_left_alone() -> None:
    response = {"headers": {}, "body": {"string": b"\xff\xfe token"}}
    assert scrub_response(response)["body"]["string"] == b"\xff\xfe token"


# -- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "recorded"),
    [
        ("nonce=2&pair=XBTUSD&volume=1.25", "nonce=1&pair=XBTUSD&volume=1.25"),
        ("nonce=2&otp=111&volume=1", "nonce=0&otp=REDACTED&volume=1"),
        ("volume=1&nonce=2&pair=XBTUSD", "nonce=0&pair=XBTUSD&volume=1"),
        ('{"nonce":5,"orders":["A","B"]}', '{"orders":["A","B"],"nonce":0}'),
        ('{"nonce":5,"price":1.50}', '{"nonce":0,"price":1.5}'),
    ],
)
def test_bodies_match_without_their_nonce_otp_and_field_order(sent: str, recorded: str) -> None:
    kind = "application/json" if sent.startswith("{") else FORM
    match_kraken_body(request(sent, kind), request(recorded, kind))


@pytest.mark.parametrize(
    ("sent", "recorded", "message"),
    [
        ("nonce=2&volume=2", "nonce=1&volume=1.25", "volume: sent '2', recorded '1.25'"),
        ("nonce=2&userref=&volume=1", "nonce=1&volume=1", "userref: sent '', recorded nothing"),
        ('{"nonce":1,"orders":["A"]}', '{"nonce":1,"orders":["B"]}', "orders: sent ['A']"),
        ('{"nonce":1}', "nonce=1", "body is json, the recording's is form"),
    ],
)
def test_any_other_difference_fails_and_says_where(sent: str, recorded: str, message: str) -> None:
    def kind(body: str) -> str:
        return "application/json" if body.startswith("{") else FORM

    with pytest.raises(AssertionError) as failure:
        match_kraken_body(request(sent, kind(sent)), request(recorded, kind(recorded)))
    assert message in str(failure.value)


# -- kraken_vcr against a real sandbox -------------------------------------------------------


def test_kraken_vcr_records_scrubbed_and_replays_with_the_sandbox_gone(tmp_path: Path) -> None:
    """The recipe end to end: signed calls recorded against the sandbox, nothing secret on
    disk, replayed through another key and URL, and a changed order refused."""
    recorder = kraken_vcr(tmp_path, record_mode="once")
    with Sandbox(seed=3, tier="unlimited", clock=ManualClock(1_790_000_000)) as sb:
        secrets = (sb.api_key, sb.api_secret)
        with recorder.use_cassette("flow.yaml"), sb.client(max_retries=0) as live:
            recorded = live.trading.add_order(
                pair="BTC/USD",
                type="buy",
                ordertype="limit",
                volume="0.01",
                price="40000",
                cl_ord_id="vcr-1",
                otp="123456",
            )
            batch = live.trading.cancel_order_batch(orders=list(recorded.txid))
    text = (tmp_path / "flow.yaml").read_text()
    assert not any(secret in text for secret in secrets)
    assert "123456" not in text
    assert text.count("nonce=0&") == 1
    assert text.count('{"nonce":0,') == 1
    assert audit_text(text) == []

    replayer = kraken_vcr(tmp_path)  # record_mode none; the sandbox is gone
    other = base64.b64encode(b"another secret").decode()
    with (
        replayer.use_cassette("flow.yaml") as cassette,
        KrakenClient("other-key", other, base_url="http://elsewhere.invalid:1") as replay,
    ):
        again = replay.trading.add_order(
            pair="BTC/USD",
            type="buy",
            ordertype="limit",
            volume="0.01",
            price="40000",
            cl_ord_id="vcr-1",
            otp="654321",
        )
        assert again.txid == recorded.txid
        assert replay.trading.cancel_order_batch(orders=list(again.txid)).count == batch.count
        assert cassette.all_played
    with (
        replayer.use_cassette("flow.yaml"),
        KrakenClient("other-key", other, base_url="http://elsewhere.invalid:1") as replay,
    ):
        replay.symbols.refresh()
        with pytest.raises(CannotOverwriteExistingCassetteException, match="volume"):
            replay.trading.add_order(
                pair="BTC/USD",
                type="buy",
                ordertype="limit",
                volume="0.02",
                price="40000",
                cl_ord_id="vcr-1",
            )


# -- the audit -------------------------------------------------------------------------------

CLEAN = """\
interactions:
- request:
    body: nonce=0&otp=REDACTED&pair=XBTUSD&cl_ord_id=47622fc8-c069-4029-96cc-e985470d198e
    headers:
      API-Key:
      - REDACTED
      API-Sign:
      - REDACTED
      Content-Type:
      - application/x-www-form-urlencoded
    method: POST
    uri: https://api.kraken.com/0/private/WithdrawAddresses
  response:
    body:
      string: '{"error":[],"result":{"token":"REDACTED","txid":"OQCLML-BW3P3-BUCMWZ",
        "hash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}'
    headers: {}
    status:
      code: 200
      message: OK
- request:
    body: null
    headers: {}
    method: GET
    uri: http://sandbox.kraken-sdk.invalid/0/private/Earn/DeallocateStatus?asset=DOT
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 200
      message: OK
version: 1
"""


def test_a_clean_cassette_passes_even_with_long_paths_uuids_txids_and_hashes() -> None:
    assert audit_text(CLEAN) == []


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("API-Sign:\n      - REDACTED", f"API-Sign:\n      - {SIGNATURE}", 8, "API-Sign header"),
        ("API-Key:\n      - REDACTED", "API-Key:\n      - my-key", 6, "API-Key header"),
        ("nonce=0&", "nonce=1790000000123&", 3, "nonce is not scrubbed"),
        ("otp=REDACTED", "otp=123456", 3, "otp is not scrubbed"),
        ('"token":"REDACTED"', '"token":"abc"', 15, "response field 'token'"),
        ("pair=XBTUSD", f"pair={SIGNATURE.replace('+', '%2B').replace('/', '%2F')}", 3, "secret"),
        ("asset=DOT", f"asset={SIGNATURE[:40]}", 25, "looks like a key"),
        ("body: null", 'body: \'{"nonce":12,"otp":"1"}\'', 22, "otp is not scrubbed"),
    ],
)
def test_planted_secrets_are_found_by_line(old: str, new: str, line: int, message: str) -> None:
    assert old in CLEAN
    findings = audit_text(CLEAN.replace(old, new, 1), "planted.yaml")
    assert any(f.line == line and message in f.message for f in findings), findings
    assert all(SIGNATURE not in str(f) for f in findings)


def test_a_secret_inside_a_zipped_binary_body_is_found() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("trades.csv", f"txid,key\nT1,{SIGNATURE}\n")
    encoded = base64.encodebytes(buffer.getvalue()).decode()
    binary = "!!binary |\n" + textwrap.indent(encoded, " " * 8)
    text = CLEAN.replace("string: ''", f"string: {binary}")
    (finding,) = audit_text(text)
    assert finding.line == 28
    assert "binary body" in finding.message


def test_main_names_file_and_line_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "fine.yaml").write_text(CLEAN)
    assert main([str(tmp_path / "ok")]) == 0
    (tmp_path / "bad.yml").write_text(CLEAN.replace("nonce=0&", "nonce=42&"))
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'bad.yml'}:3: nonce is not scrubbed" in out
    assert main([str(tmp_path / "missing")]) == 2


def test_this_repository_s_cassettes_are_clean() -> None:
    assert (ROOT / "cassettes").is_dir()
    assert audit_paths([ROOT / "cassettes"]) == []


# -- the network guard -----------------------------------------------------------------------


def test_block_network_refuses_before_any_packet_and_restores_sockets() -> None:
    real = socket.socket.connect
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with block_network(allow_loopback=True):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            with pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.7:443"):
                socket.create_connection(("203.0.113.7", 443), timeout=1)
        with block_network(allow_loopback=False), pytest.raises(NetworkBlockedError):
            socket.create_connection(("127.0.0.1", port), timeout=1)
    assert socket.socket.connect is real


# -- the pytest plugin -----------------------------------------------------------------------

BOT = """
import pytest
from kraken_sdk import KrakenClient

@pytest.mark.kraken_cassette
def test_bot(kraken_cassette):
    k = kraken_cassette.client()
    assert k.market.time().unixtime > 0
    placed = k.trading.add_order(
        pair="BTC/USD", type="buy", ordertype="limit", volume="VOLUME", price="40000"
    )
    assert len(placed.txid) == 1
    assert KrakenClient.from_env().account.balance()["ZUSD"] > 0
"""


@pytest.fixture
def bot(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_bot=BOT.replace("VOLUME", "0.01"))
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # kraken_sdk is already imported in this process, so the inner pytest cannot rewrite it.
    return pytester.runpytest(
        "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning", *args
    )


def test_replay_without_a_cassette_fails_and_says_how_to_record(bot: pytest.Pytester) -> None:
    result = run(bot)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*no cassette cassettes/test_bot/test_bot.yaml*", "*--kraken-record=once*"]
    )


def test_record_once_then_replay_offline(bot: pytest.Pytester) -> None:
    run(bot, "--kraken-record=once", "--kraken-target=sandbox").assert_outcomes(passed=1)
    cassette = bot.path / "cassettes" / "test_bot" / "test_bot.yaml"
    text = cassette.read_text()
    assert "sandbox.kraken-sdk.invalid/0/private/AddOrder" in text
    assert "cl_ord_id=" in text  # generated by the SDK, seeded by the plugin
    assert audit_text(text) == []
    run(bot).assert_outcomes(passed=1)
    run(bot, "--kraken-record=once").assert_outcomes(passed=1)  # exists: replayed, not redone
    assert cassette.read_text() == text


def test_a_changed_request_fails_loudly(bot: pytest.Pytester) -> None:
    run(bot, "--kraken-record=once").assert_outcomes(passed=1)
    bot.makepyfile(test_bot=BOT.replace("VOLUME", "0.02"))
    result = run(bot)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CannotOverwriteExistingCassetteException*", "*volume*"])


def test_a_swallowed_unmatched_request_and_an_unplayed_one_still_fail(
    bot: pytest.Pytester,
) -> None:
    run(bot, "--kraken-record=once").assert_outcomes(passed=1)
    bot.makepyfile(
        test_bot="""
        import pytest

        @pytest.mark.kraken_cassette
        def test_bot(kraken_cassette):
            k = kraken_cassette.client()
            k.market.time()
            try:
                k.market.system_status()
            except Exception:
                pass  # a bot that logs and carries on
        """
    )
    result = run(bot)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*1 request(s) not in cassettes/test_bot/test_bot.yaml*", "*GET /0/public/SystemStatus*"]
    )
    bot.makepyfile(
        test_bot="""
        import pytest

        @pytest.mark.kraken_cassette("test_bot")
        def test_short(kraken_cassette):
            kraken_cassette.client().market.time()

        @pytest.mark.kraken_cassette("test_bot", allow_unplayed=True)
        def test_short_allowed(kraken_cassette):
            kraken_cassette.client().market.time()
        """
    )
    result = run(bot)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*were never made*", "*/0/private/AddOrder*"])


def test_a_failing_test_records_nothing_and_replay_blocks_the_network(
    bot: pytest.Pytester,
) -> None:
    bot.makepyfile(
        test_bot="""
        import socket
        import pytest
        from kraken_sdk.testing import NetworkBlockedError

        @pytest.mark.kraken_cassette
        def test_fails(kraken_cassette):
            kraken_cassette.client().market.time()
            assert False

        @pytest.mark.kraken_cassette
        def test_offline(kraken_cassette):
            kraken_cassette.client().market.time()
            if not kraken_cassette.recording:
                with pytest.raises(NetworkBlockedError):
                    socket.create_connection(("203.0.113.7", 443), timeout=1)
        """
    )
    run(bot, "--kraken-record=once").assert_outcomes(passed=1, failed=1)
    assert not (bot.path / "cassettes" / "test_bot" / "test_fails.yaml").exists()
    run(bot, "-k", "offline").assert_outcomes(passed=1, deselected=1)


def test_a_recording_that_looks_secret_is_deleted(bot: pytest.Pytester) -> None:
    bot.makepyfile(
        test_bot=f"""
        import pytest

        @pytest.mark.kraken_cassette
        def test_leaky(kraken_cassette):
            kraken_cassette.client().request("Time", {{"note": "{SIGNATURE[:60]}"}})
        """
    )
    result = run(bot, "--kraken-record=once")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*looked like it held secrets and was deleted*"])
    assert not (bot.path / "cassettes" / "test_bot" / "test_leaky.yaml").exists()


def test_with_keys_in_the_environment_recording_goes_to_that_api(
    bot: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--kraken-target=auto picks the real API when both keys are set; a sandbox stands in
    for api.kraken.com here, reached through KRAKEN_API_URL."""
    secret = base64.b64encode(b"a key pair of the user's own").decode()
    with Sandbox(seed=5, api_key="users-own-key", api_secret=secret) as kraken:
        monkeypatch.setenv("KRAKEN_API_KEY", "users-own-key")
        monkeypatch.setenv("KRAKEN_API_SECRET", secret)
        url = kraken.url
        monkeypatch.setenv("KRAKEN_API_URL", url)
        result = run(bot, "--kraken-record=once")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines([f"*against the real Kraken API at {url}*"])
    text = (bot.path / "cassettes" / "test_bot" / "test_bot.yaml").read_text()
    assert f"uri: {url}/0/private/AddOrder" in text
    assert "users-own-key" not in text
    assert secret not in text
    run(bot).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "env", "error"),
    [
        (["--kraken-record=once", "--kraken-target=kraken"], {}, "set KRAKEN_API_KEY"),
        ([], {"KRAKEN_RECORD": "sometimes"}, "KRAKEN_RECORD='sometimes'"),
    ],
)
def test_bad_settings_are_usage_errors(
    bot: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    error: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run(bot, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{error}*"])
