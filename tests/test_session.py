"""What goes on the wire (bodies, headers, timeouts) and how transport failures are reported."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import responses
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st
from kraken_wire import API, KEY, SECRET, Wire, ok, rejected

from kraken_sdk import KrakenClient, ValidationError, __version__
from kraken_sdk._core.session import encode_form, encode_json, wire_value
from kraken_sdk.errors import (
    CloudflareError,
    ConnectError,
    ConnectionLost,
    ConnectTimeout,
    HTTPStatusError,
    InternalError,
    ReadTimeout,
    ResponseDecodeError,
)
from kraken_sdk.models.add_order_batch import AddOrderBatchOrder
from kraken_sdk.testing import MockTransport
from kraken_sdk.transport import Request, RequestsTransport, Response, Urllib3Transport

TIME = ok({"unixtime": 1688669448, "rfc1123": "Thu, 06 Jul 23 18:50:48 +0000"})
BALANCE = ok({"ZUSD": "171288.6158", "XXBT": "1011.1908877900"})
ORDER = ok({"descr": {"order": "buy 1.25000000 XBTUSD @ limit 30000.0"}, "txid": ["OUF4EM"]})


# --- encoding ----------------------------------------------------------------------------------


def test_form_encoding_writes_numbers_positionally_and_booleans_as_words() -> None:
    body = encode_form(
        {
            "nonce": 1,
            "volume": Decimal("1E-8"),
            "price": "+1.5%",
            "validate": True,
            "trades": False,
            "pair": ["XBTUSD", "ETHUSD"],
            "close": {"ordertype": "limit", "price": Decimal("3.10")},
        }
    )
    assert body == (
        "nonce=1&volume=0.00000001&price=%2B1.5%25&validate=true&trades=false"
        "&pair=XBTUSD%2CETHUSD&close%5Bordertype%5D=limit&close%5Bprice%5D=3.10"
    )


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text() | st.integers() | st.booleans(), max_size=6))
def test_form_encoding_is_exactly_what_urlencode_writes(fields: dict[str, Any]) -> None:
    pairs = [(key, wire_value(value)) for key, value in fields.items()]
    assert encode_form(fields) == urlencode(pairs)


def test_json_encoding_keeps_lists_and_writes_decimals_as_strings() -> None:
    body = encode_json({"nonce": 1, "orders": [{"volume": Decimal("1E-8")}], "validate": True})
    assert json.loads(body) == {"nonce": 1, "orders": [{"volume": "0.00000001"}], "validate": True}


# --- requests as sent --------------------------------------------------------------------------


def test_public_call_is_a_get_with_a_query_and_no_credentials(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    kraken.get(f"{API}/0/public/OHLC", json=ok({"XXBTZUSD": [], "last": 1688672160}))
    result = client.market.ohlc(pair="BTC/USD", interval=60, since=1688671200)
    request = kraken.calls[0].request
    assert request.method == "GET"
    assert request.url == f"{API}/0/public/OHLC?pair=XBTUSD&interval=60&since=1688671200"
    assert request.body is None
    assert "API-Key" not in request.headers
    assert request.headers["User-Agent"] == f"kraken-sdk/{__version__}"
    assert result.last == 1688672160


def test_mock_transport_sees_the_exact_request_and_its_answer_is_decoded() -> None:
    def answer(request: Request) -> Response:
        result = BALANCE if request.url.endswith("/Balance") else TIME
        return Response(200, json.dumps(result).encode())

    transport = MockTransport(answer)
    with KrakenClient(KEY, SECRET, transport=transport, tier="unlimited") as client:
        assert client.account.balance()["ZUSD"] == Decimal("171288.6158")
        assert client.market.time(request_timeout=(1.5, 4)).unixtime == 1688669448
    sent = transport.requests[0]
    assert (sent.method, sent.url, sent.timeout) == ("POST", f"{API}/0/private/Balance", 10.0)
    assert sent.headers["API-Key"] == KEY
    assert sent.headers["User-Agent"] == f"kraken-sdk/{__version__}"
    assert sent.body is not None
    assert sent.body.startswith(b"nonce=")
    assert transport.requests[1].timeout == (1.5, 4.0)
    assert transport.closed is False  # the caller's transport is the caller's to close


@pytest.mark.parametrize(
    ("raised", "expected", "surely_not_executed"),
    [
        (ConnectionRefusedError("refused"), ConnectError, True),
        (TimeoutError("slow"), ReadTimeout, False),
        (ConnectionResetError("reset"), ConnectionLost, False),
    ],
)
def test_mock_transport_maps_plain_socket_errors(
    raised: Exception, expected: type[Exception], surely_not_executed: bool
) -> None:
    def fail(request: Request) -> Response:
        raise raised

    client = KrakenClient(transport=MockTransport(fail), max_retries=0)
    with client, pytest.raises(expected) as caught:
        client.market.time()
    assert type(caught.value) is expected
    assert caught.value.surely_not_executed is surely_not_executed
    assert caught.value.method == "Time"


def test_a_transport_and_an_http_session_are_not_both_accepted() -> None:
    with pytest.raises(ValidationError, match="transport"):
        KrakenClient(
            transport=MockTransport(lambda r: Response(200)), http_session=requests.Session()
        )


def test_http_session_wraps_into_a_requests_transport() -> None:
    http = requests.Session()
    client = KrakenClient(http_session=http)
    assert isinstance(client.transport, RequestsTransport)
    assert client.transport.session is http
    assert isinstance(KrakenClient().transport, Urllib3Transport)


def test_private_call_is_a_signed_form_post_with_only_the_given_parameters(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/Balance", json=BALANCE)
    kraken.post(f"{API}/0/private/TradesHistory", json=ok({"trades": {}, "count": 0}))
    balances = client.account.balance()
    client.account.trades_history(trades=False, ofs=50)
    assert balances["XXBT"] == Decimal("1011.1908877900")
    first, second = kraken.calls
    wire.assert_signed(first, "/0/private/Balance")
    assert wire.body(first) == {}  # nonce only: no stray defaults
    assert first.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert first.request.headers["User-Agent"] == f"kraken-sdk/{__version__}"
    assert wire.body(second) == {"trades": "false", "ofs": "50"}
    assert wire.nonce(second) > wire.nonce(first)


def test_floats_go_through_their_shortest_repr(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
    client.trading.add_order(
        pair="ETH/USD", type="buy", ordertype="limit", volume=0.1, price=2500.07, cl_ord_id="a-1"
    )
    # Decimal(2500.07) would be 2500.070000000000163709046319127082824707031250
    assert wire.body(kraken.calls[0]) == {
        "pair": "ETHUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.1",
        "price": "2500.07",
        "cl_ord_id": "a-1",
    }


def test_batch_orders_go_as_json_and_the_signature_covers_the_json_text(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(
        f"{API}/0/private/AddOrderBatch",
        json=ok({"orders": [{"txid": "O1", "descr": {"order": "a"}}, {"txid": "O2"}]}),
    )
    result = client.trading.add_order_batch(
        pair="BTC/USD",
        orders=[
            {"ordertype": "limit", "type": "buy", "volume": "0.5", "price": 30000, "userref": 7},
            AddOrderBatchOrder(
                ordertype="limit", type="sell", volume=Decimal("0.5"), price="31000.5"
            ),
        ],
        validate=False,
    )
    call = kraken.calls[0]
    wire.assert_signed(call, "/0/private/AddOrderBatch")
    assert call.request.headers["Content-Type"] == "application/json"
    sent = wire.body(call)
    assert sent["pair"] == "XBTUSD"
    assert sent["validate"] is False
    assert sent["orders"][0] == {
        "ordertype": "limit",
        "type": "buy",
        "volume": "0.5",
        "price": "30000",
        "userref": 7,
    }
    assert sent["orders"][1]["price"] == "31000.5"
    assert len(sent["orders"][1]["cl_ord_id"]) == 36  # generated before sending
    assert [order.txid for order in result.orders] == ["O1", "O2"]


def test_cancel_order_batch_goes_as_json(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/CancelOrderBatch", json=ok({"count": 2}))
    result = client.trading.cancel_order_batch(
        orders=["OG5V2Y-RYKVL-DT3V3B", "OP5V2Y-RYKVL-ET3V3B"]
    )
    call = kraken.calls[0]
    assert call.request.headers["Content-Type"] == "application/json"
    wire.assert_signed(call, "/0/private/CancelOrderBatch")
    assert wire.body(call) == {"orders": ["OG5V2Y-RYKVL-DT3V3B", "OP5V2Y-RYKVL-ET3V3B"]}
    assert result.count == 2


def test_otp_goes_into_the_signed_body(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/Balance", json=BALANCE)
    client.account.balance(otp="123456")
    wire.assert_signed(kraken.calls[0], "/0/private/Balance")
    assert wire.body(kraken.calls[0]) == {"otp": "123456"}


def test_timeouts_always_apply_and_can_be_overridden_per_call(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    kraken.get(f"{API}/0/public/Time", json=TIME)
    kraken.get(f"{API}/0/public/Time", json=TIME)
    client.market.time()
    client.market.time(request_timeout=(1.5, 4))
    assert kraken.calls[0].request.req_kwargs["timeout"] == 10.0
    assert kraken.calls[1].request.req_kwargs["timeout"] == (1.5, 4.0)


@pytest.mark.parametrize("timeout", [None, 0, -1, (1, 2, 3), "10", True])
def test_a_timeout_that_would_not_apply_is_refused(timeout: Any) -> None:
    with pytest.raises(ValidationError, match="timeout"):
        KrakenClient(timeout=timeout)


def test_unknown_call_options_are_refused_before_sending(client: KrakenClient) -> None:
    with pytest.raises(ValidationError, match="unknown call options"):
        client.market.time(timeout=3)  # type: ignore[call-arg]


def test_proxy_and_ca_settings_are_read_from_the_environment_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")
    transport = KrakenClient().transport
    assert isinstance(transport, Urllib3Transport)
    monkeypatch.delenv("HTTPS_PROXY")  # read once: later changes do not matter
    assert transport.proxy_for(API + "/0/public/Time") == "http://proxy.internal:3128"
    assert transport.ca_certs == "/etc/ssl/corporate.pem"
    untrusting = KrakenClient(trust_env=False).transport
    assert isinstance(untrusting, Urllib3Transport)
    assert untrusting.proxy_for(API) is None
    assert untrusting.ca_certs != "/etc/ssl/corporate.pem"
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "api.kraken.com")
    bypassing = KrakenClient().transport
    assert isinstance(bypassing, Urllib3Transport)
    assert bypassing.proxy_for(API) is None


def test_request_escape_hatch_sends_raw_parameters_and_returns_plain_json(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/SomethingNew", json=ok({"value": 1.25, "items": ["a"]}))
    result = client.request(
        "SomethingNew", {"amount": 0.1, "flag": True, "ids": ["a", "b"]}, private=True
    )
    assert result == {"value": Decimal("1.25"), "items": ["a"]}
    wire.assert_signed(kraken.calls[0], "/0/private/SomethingNew")
    assert wire.body(kraken.calls[0]) == {"amount": "0.1", "flag": "true", "ids": "a,b"}


def test_request_needs_private_for_a_method_it_does_not_know(client: KrakenClient) -> None:
    with pytest.raises(ValidationError, match="pass private=True or private=False"):
        client.request("SomethingNew")


# --- failures ----------------------------------------------------------------------------------


def _connection_error(reason: Exception) -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


@pytest.mark.parametrize(
    ("raised", "expected", "surely_not_executed"),
    [
        (requests.exceptions.ConnectTimeout("slow"), ConnectTimeout, True),
        (requests.exceptions.ReadTimeout("slow"), ReadTimeout, False),
        (
            _connection_error(urllib3.exceptions.NewConnectionError(None, "refused")),  # type: ignore[arg-type]
            ConnectError,
            True,
        ),
        (
            _connection_error(urllib3.exceptions.ProtocolError("aborted", ConnectionResetError())),
            ConnectionLost,
            False,
        ),
        (requests.exceptions.SSLError("handshake"), ConnectError, True),
    ],
)
def test_transport_exceptions_say_whether_anything_was_sent(
    kraken: responses.RequestsMock,
    sleeps: list[float],
    raised: Exception,
    expected: type[Exception],
    surely_not_executed: bool,
) -> None:
    with KrakenClient(KEY, SECRET, max_retries=0, sleep=sleeps.append) as client:
        kraken.post(f"{API}/0/private/Balance", body=raised)
        with pytest.raises(expected) as caught:
            client.account.balance()
    assert type(caught.value) is expected
    assert caught.value.surely_not_executed is surely_not_executed
    assert caught.value.method == "Balance"


@pytest.mark.parametrize(
    ("status", "body", "expected", "surely_not_executed"),
    [
        (
            502,
            b"<!DOCTYPE html><html><title>502 Bad gateway</title></html>",
            CloudflareError,
            False,
        ),
        (521, b"<html><title>Web server is down</title></html>", CloudflareError, True),
        (503, b"upstream overloaded", HTTPStatusError, False),
        (429, b"", HTTPStatusError, True),
        (200, b"", ResponseDecodeError, False),
        (200, b"this is not json", ResponseDecodeError, False),
        (200, b"<html><title>Just a moment...</title></html>", CloudflareError, False),
        (500, b'{"error":["EGeneral:Internal error"]}', InternalError, False),
    ],
)
def test_bad_answers_have_their_own_classes(
    kraken: responses.RequestsMock,
    status: int,
    body: bytes,
    expected: type[Exception],
    surely_not_executed: bool,
) -> None:
    with KrakenClient(max_retries=0) as client:
        kraken.get(f"{API}/0/public/Time", body=body, status=status)
        with pytest.raises(expected) as caught:
            client.market.time()
    assert type(caught.value) is expected
    assert caught.value.surely_not_executed is surely_not_executed
    if status != 500:
        assert getattr(caught.value, "status_code", None) == status


def test_a_kraken_error_envelope_raises_kraken_s_error(
    kraken: responses.RequestsMock, client: KrakenClient
) -> None:
    kraken.post(f"{API}/0/private/Balance", json=rejected("EGeneral:Permission denied"))
    with pytest.raises(Exception, match=r"Balance: EGeneral:Permission denied \(enable"):
        client.account.balance()


def test_warnings_do_not_fail_the_call(
    kraken: responses.RequestsMock, client: KrakenClient, caplog: pytest.LogCaptureFixture
) -> None:
    kraken.get(
        f"{API}/0/public/Time", json={"error": ["WGeneral:Deprecated"], "result": TIME["result"]}
    )
    assert client.market.time().unixtime == 1688669448
    assert "WGeneral:Deprecated" in caplog.text


# --- a real loopback server: timeouts and refused connections ----------------------------------


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.0
    hits = 0

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        type(self).hits += 1
        time.sleep(self.delay)
        body = json.dumps(TIME).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except BrokenPipeError:  # the client gave up first: that is the point of the test
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[Callable[[float], str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def start(delay: float) -> str:
        _Slow.delay, _Slow.hits = delay, 0
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    server.shutdown()
    server.server_close()


def test_a_read_timeout_on_loopback_is_a_read_timeout(slow_server: Callable[[float], str]) -> None:
    with KrakenClient(base_url=slow_server(0.5), timeout=(1, 0.05), max_retries=0) as client:
        with pytest.raises(ReadTimeout):
            client.market.time()
        assert client.market.time(request_timeout=2).unixtime == 1688669448
    assert _Slow.hits == 2


def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = KrakenClient(base_url=f"http://127.0.0.1:{port}", max_retries=0)
    with client, pytest.raises(ConnectError) as caught:
        client.market.time()
    assert caught.value.surely_not_executed is True


def test_a_drip_fed_answer_cannot_outlive_the_deadline() -> None:
    """A valid answer, one byte every 50 ms (3 s in all): timeout=1.0 ends the call by ~1 s."""
    body = json.dumps(TIME).encode()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        port = listener.getsockname()[1]
        stop = threading.Event()

        def drip() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                connection.sendall(head)
                for byte in body[:60]:  # bounded: at most 3 s, then it stops by itself
                    if stop.wait(0.05):
                        return
                    try:
                        connection.sendall(bytes([byte]))
                    except OSError:
                        return

        server = threading.Thread(target=drip, daemon=True)
        server.start()
        client = KrakenClient(base_url=f"http://127.0.0.1:{port}", timeout=1.0, max_retries=0)
        started = time.monotonic()
        with client, pytest.raises(ReadTimeout):
            client.market.time()
        elapsed = time.monotonic() - started
        stop.set()
        server.join(5)
    assert 0.9 <= elapsed < 1.5


def test_a_broken_connection_is_never_resent_by_urllib3() -> None:
    """The server reads a signed POST and hangs up: one request arrives, and no other."""
    hits = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        port = listener.getsockname()[1]

        def hang_up() -> None:
            for _ in range(3):
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                with connection:
                    hits.append(connection.recv(65536))

        server = threading.Thread(target=hang_up, daemon=True)
        server.start()
        client = KrakenClient(KEY, SECRET, base_url=f"http://127.0.0.1:{port}", max_retries=0)
        with client, pytest.raises(ConnectionLost) as caught:
            client.account.balance()
        server.join(3)
    assert caught.value.surely_not_executed is False
    assert len(hits) == 1
    assert hits[0].startswith(b"POST /0/private/Balance")


def test_the_urllib3_transport_sends_the_request_as_given_and_closes_its_pools(
    slow_server: Callable[[float], str],
) -> None:
    base = slow_server(0)
    transport = Urllib3Transport(trust_env=False)
    answer = transport.send(
        Request("GET", f"{base}/0/public/Time?a=1", {"Accept": "application/json"}, None, 2.0)
    )
    assert answer.status == 200
    assert json.loads(answer.body) == TIME
    assert answer.headers["Content-Length"] == str(len(answer.body))
    assert transport.open_pools() == 1
    transport.close()
    assert transport.open_pools() == 0
