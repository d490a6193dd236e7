"""Bad input raises ValidationError naming the field and the rule, before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from kraken_wire import API, ASSET_PAIRS, ASSETS, KEY, SECRET, Wire, ok

from kraken_sdk import KrakenClient, ValidationError
from kraken_sdk._core.session import encode_form

ORDER = ok({"descr": {"order": "buy"}, "txid": ["OUF4EM"]})


class _NoNetwork(requests.adapters.BaseAdapter):
    """Counts every attempt to send; validation must leave it at zero."""

    sent = 0

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        type(self).sent += 1
        raise AssertionError(f"validation let {request.method} {request.url} through")

    def close(self) -> None:
        pass


def _offline_client() -> KrakenClient:
    http = requests.Session()
    http.mount("https://", _NoNetwork())
    client = KrakenClient(KEY, SECRET, http_session=http, max_retries=0)
    client.symbols.load(ASSET_PAIRS, ASSETS)
    return client


OFFLINE = _offline_client()


@pytest.fixture
def offline() -> Iterator[KrakenClient]:
    before = _NoNetwork.sent
    yield OFFLINE
    assert _NoNetwork.sent == before, "a request went out"


def rejects(client: KrakenClient, field: str, rule: str, **order: Any) -> ValidationError:
    """Place a BTC/USD order that must be refused for `field`/`rule`; return the error."""
    base: dict[str, Any] = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit"}
    base.update(volume="0.01", price="30000")
    base.update(order)
    with pytest.raises(ValidationError) as caught:
        client.trading.add_order(**base)
    assert (caught.value.field, caught.value.rule) == (field, rule), str(caught.value)
    assert caught.value.method == "AddOrder"
    return caught.value


# --- the pair's rules --------------------------------------------------------------------------


def test_volume_below_ordermin(offline: KrakenClient) -> None:
    error = rejects(offline, "volume", "ordermin", volume="0.00009")
    assert "minimum order of 0.0001" in str(error)


def test_volume_beyond_lot_decimals(offline: KrakenClient) -> None:
    error = rejects(offline, "volume", "lot_decimals", volume="0.123456789")
    assert "nearest below: 0.12345678" in str(error)


def test_price_off_the_tick_grid(offline: KrakenClient) -> None:
    error = rejects(offline, "price", "tick_size", price="30000.05")
    assert "nearest below: 30000.0" in str(error)


def test_cost_below_costmin(offline: KrakenClient) -> None:
    rejects(offline, "volume", "costmin", volume="0.0001", price="1000")


def test_the_grid_uses_exact_decimals_not_floats(offline: KrakenClient, wire: Wire) -> None:
    # 30000.3 % 0.1 is 0.0999... in floats; exactly 0 as decimals
    with responses.RequestsMock() as kraken:
        kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
        client = KrakenClient(KEY, SECRET, http_session=requests.Session())  # responses mocks it
        client.symbols.load(ASSET_PAIRS, ASSETS)
        client.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="limit", volume=0.0003, price=30000.3
        )
        sent = wire.body(kraken.calls[0])
    assert (sent["volume"], sent["price"]) == ("0.0003", "30000.3")


@pytest.mark.parametrize(
    ("pair", "order", "field"),
    [
        ("DOT/USD", {}, "pair"),  # cancel_only: no new orders
        ("ADA/USD", {"volume": "10", "price": "0.5"}, "oflags"),  # post_only without post
        ("LTC/USD", {"ordertype": "market", "volume": "1"}, "ordertype"),  # limit_only
        ("USDT/USD", {"volume": "10", "price": "1"}, "reduce_only"),  # reduce_only
    ],
)
def test_pair_status_limits_what_may_be_sent(
    offline: KrakenClient, pair: str, order: dict[str, Any], field: str
) -> None:
    error = rejects(offline, field, "pair status", pair=pair, **order)
    assert "status" in str(error)


def test_post_only_market_accepts_post_only_limit_orders(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
    client.trading.add_order(
        pair="ADA/USD", type="buy", ordertype="limit", volume="10", price="0.5", oflags="post"
    )
    assert wire.body(kraken.calls[0])["oflags"] == "post"


# --- relative prices, viqc, order shapes -------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [
        {"price": "+100"},
        {"price": "-1.5%"},
        {"price": "#50"},
        {"ordertype": "trailing-stop", "price": "+5"},
        {"ordertype": "trailing-stop", "price": "+2.5%"},
        {"ordertype": "trailing-stop-limit", "price": "+5", "price2": "-0.5%"},
        {"ordertype": "stop-loss-limit", "price": "29000", "price2": "28900.5"},
        {"ordertype": "market", "oflags": "viqc", "volume": "25.50", "price": None},
        {"close_ordertype": "stop-loss", "close_price": "-5%"},
    ],
)
def test_relative_prices_and_viqc_are_accepted(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire, order: dict[str, Any]
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
    base: dict[str, Any] = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit"}
    base.update(volume="0.01", price="30000")
    base.update(order)
    client.trading.add_order(**{k: v for k, v in base.items() if v is not None})
    sent = wire.body(kraken.calls[0])
    for key, value in order.items():
        wire_key = {"close_ordertype": "close[ordertype]", "close_price": "close[price]"}.get(
            key, key
        )
        if value is not None:
            assert sent[wire_key] == value
    assert "+" not in wire.raw_body(kraken.calls[0])  # form-encoded as %2B


@pytest.mark.parametrize(
    ("order", "field", "rule"),
    [
        ({"ordertype": "trailing-stop", "price": "30000"}, "price", "relative price"),
        ({"ordertype": "trailing-stop", "price": "-5"}, "price", "relative price"),
        (
            {"ordertype": "trailing-stop-limit", "price": "+5", "price2": "100"},
            "price2",
            "relative price",
        ),
        ({"ordertype": "stop-loss-limit", "price": "29000"}, "price2", "required"),
        ({"price": None}, "price", "required"),
        ({"price": "-100%"}, "price", "relative price"),
        (
            {"type": "sell", "ordertype": "market", "oflags": "viqc", "price": None},
            "oflags",
            "viqc",
        ),
        (
            {"ordertype": "market", "oflags": "viqc", "volume": "0.1", "price": None},
            "volume",
            "costmin",
        ),
        ({"oflags": "fcib,fciq"}, "oflags", "exclusive"),
        ({"ordertype": "market", "oflags": "post", "price": None}, "oflags", "post"),
        ({"userref": 1, "cl_ord_id": "x"}, "cl_ord_id", "exclusive"),
        ({"timeinforce": "GTD"}, "expiretm", "required"),
        ({"displayvol": "0.001"}, "displayvol", "iceberg"),
        (
            {"ordertype": "iceberg", "volume": "1.5", "displayvol": "0.05"},
            "displayvol",
            ">= volume/15",
        ),
        ({"close_ordertype": "limit", "close_price": "31000.01"}, "close[price]", "tick_size"),
        ({"volume": "0"}, "volume", "> 0"),
    ],
)
def test_order_shape_rules(
    offline: KrakenClient, order: dict[str, Any], field: str, rule: str
) -> None:
    base: dict[str, Any] = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit"}
    base.update(volume="0.01", price="30000")
    base.update(order)
    with pytest.raises(ValidationError) as caught:
        offline.trading.add_order(**{k: v for k, v in base.items() if v is not None})
    assert (caught.value.field, caught.value.rule) == (field, rule), str(caught.value)


def test_volume_zero_closes_a_margin_position(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
    client.trading.add_order(
        pair="BTC/USD", type="sell", ordertype="market", volume=0, leverage="5", reduce_only=True
    )
    assert wire.body(kraken.calls[0])["volume"] == "0"


def test_batch_errors_name_the_order(offline: KrakenClient) -> None:
    orders: list[dict[str, Any]] = [
        {"ordertype": "limit", "type": "buy", "volume": "0.01", "price": "30000"},
        {"ordertype": "limit", "type": "sell", "volume": "0.01", "price": "30000.07"},
    ]
    with pytest.raises(ValidationError) as caught:
        offline.trading.add_order_batch(pair="BTC/USD", orders=orders)
    assert (caught.value.field, caught.value.rule) == ("orders[1].price", "tick_size")
    orders[1] = {"ordertype": "limit", "type": "sell", "price": "30000"}
    with pytest.raises(ValidationError, match=r"orders\[1\]\.volume: is required"):
        offline.trading.add_order_batch(pair="BTC/USD", orders=orders)
    orders[1] = {**orders[0], "bogus": 1}
    with pytest.raises(ValidationError, match="has no parameter 'bogus'") as caught:
        offline.trading.add_order_batch(pair="BTC/USD", orders=orders)
    assert caught.value.field == "orders[1].bogus"


def test_edit_and_amend_check_what_they_can(offline: KrakenClient) -> None:
    with pytest.raises(ValidationError, match="tick size") as caught:
        offline.trading.edit_order(txid="OHYO67", pair="BTC/USD", price="30000.05")
    assert caught.value.field == "price"
    with pytest.raises(ValidationError, match="cancel_only status"):
        offline.trading.edit_order(txid="OHYO67", pair="DOT/USD", volume="2")
    with pytest.raises(ValidationError, match="exactly one of txid or cl_ord_id"):
        offline.trading.amend_order(order_qty="1")
    with pytest.raises(ValidationError, match="must be positive"):
        offline.trading.amend_order(txid="OHYO67", order_qty="0")
    with pytest.raises(ValidationError, match="tick size"):
        offline.trading.amend_order(txid="OHYO67", pair="BTC/USD", limit_price="30000.05")


def test_cancel_rules_across_parameters(offline: KrakenClient) -> None:
    with pytest.raises(ValidationError, match="exactly one of txid or cl_ord_id"):
        offline.trading.cancel_order(txid="O1", cl_ord_id="c1")
    with pytest.raises(ValidationError, match="give orders or cl_ord_ids"):
        offline.trading.cancel_order_batch()
    with pytest.raises(ValidationError, match="at most 50 ids in total, got 60"):
        offline.trading.cancel_order_batch(
            orders=[f"O{i}" for i in range(30)], cl_ord_ids=[f"c{i}" for i in range(30)]
        )


# --- types, via the params models --------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field", "fragment"),
    [
        (lambda k: k.market.ohlc(pair="BTC/USD", since=-1), "since", ">= 0"),
        (lambda k: k.market.ohlc(pair="BTC/USD", interval=7), "interval", "one of 1, 5, 15"),
        (
            lambda k: k.trading.add_order(
                pair="BTC/USD", type="hold", ordertype="market", volume=1
            ),
            "type",
            "one of 'buy', 'sell'",
        ),
        (
            lambda k: k.trading.add_order(
                pair="BTC/USD", type="buy", ordertype="limit", volume=1, price="abc"
            ),
            "price",
            "regex",
        ),
        (
            lambda k: k.trading.add_order(
                pair="BTC/USD", type="buy", ordertype="limit", volume=1, price=-5
            ),
            "price",
            "relative price as a string",
        ),
        (
            lambda k: k.trading.add_order(
                pair="BTC/USD", type="buy", ordertype="limit", volume=float("nan"), price=1
            ),
            "volume",
            "not a finite number",
        ),
        (
            lambda k: k.trading.add_order(
                pair="BTC/USD", type="buy", ordertype="limit", volume=Decimal("-1"), price=1
            ),
            "volume",
            "must not be negative",
        ),
        (
            lambda k: k.funding.withdraw_info(asset="XBT", key="k", amount="lots"),
            "amount",
            "decimal",
        ),
    ],
)
def test_type_errors_name_the_field(
    offline: KrakenClient, call: Any, field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError, match=fragment) as caught:
        call(offline)
    assert caught.value.field == field


def test_check_orders_false_leaves_pair_rules_to_kraken(
    kraken: responses.RequestsMock, sleeps: list[float], wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ORDER)
    with KrakenClient(KEY, SECRET, check_orders=False, sleep=sleeps.append) as client:
        client.symbols.load(ASSET_PAIRS, ASSETS)
        client.trading.add_order(
            pair="BTC/USD", type="buy", ordertype="limit", volume="0.00001", price="1"
        )
    assert wire.body(kraken.calls[0])["volume"] == "0.00001"


def test_validate_true_is_krakens_dry_run(
    kraken: responses.RequestsMock, client: KrakenClient, wire: Wire
) -> None:
    kraken.post(f"{API}/0/private/AddOrder", json=ok({"descr": {"order": "buy 0.01 XBTUSD"}}))
    result = client.trading.add_order(
        pair="BTC/USD", type="buy", ordertype="limit", volume="0.01", price="30000", validate=True
    )
    assert wire.body(kraken.calls[0])["validate"] == "true"
    assert result.descr.order == "buy 0.01 XBTUSD"
    assert not result.txid  # nothing was placed


# --- properties --------------------------------------------------------------------------------

TICK = Decimal("0.1")
ORDERMIN = Decimal("0.0001")

below_min = st.decimals(min_value=Decimal("0.00000001"), max_value=ORDERMIN, places=8).filter(
    lambda d: d < ORDERMIN
)
off_tick = st.builds(
    lambda whole, frac: Decimal(whole) + frac,
    st.integers(1, 10**6),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.09"), places=2),
)
too_precise = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100"), places=12).filter(
    lambda d: d.normalize().as_tuple().exponent < -8
)  # type: ignore[operator]
not_finite = st.sampled_from([float("nan"), float("inf"), -float("inf"), Decimal("NaN")])
bad_words = st.text(min_size=1, max_size=12).filter(lambda s: s not in ("buy", "sell"))

bad_orders = st.one_of(
    st.builds(lambda v: {"volume": v}, below_min),
    st.builds(lambda p: {"price": p}, off_tick),
    st.builds(lambda v: {"volume": v}, too_precise),
    st.builds(lambda v: {"volume": v}, not_finite),
    st.builds(lambda p: {"price": p}, not_finite),
    st.builds(
        lambda v: {"volume": -v},
        st.decimals(min_value=Decimal("0.0001"), max_value=10**6, places=4),
    ),
    st.builds(lambda t: {"type": t}, bad_words),
    st.builds(lambda t: {"ordertype": t}, bad_words),
    st.builds(lambda p: {"price": p}, st.from_regex(r"\A[a-z+\-%#.]{1,8}\Z")),
    st.builds(
        lambda v, p: {"volume": v, "price": p}, st.just(Decimal("0.0001")), st.integers(1, 4999)
    ),
)


@given(bad_orders)
@settings(max_examples=300, deadline=None)
def test_random_bad_orders_always_raise_validation_error_and_never_reach_the_network(
    bad: dict[str, Any],
) -> None:
    before = _NoNetwork.sent
    order: dict[str, Any] = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit"}
    order.update(volume=Decimal("0.01"), price=Decimal("30000"))
    order.update(bad)
    with pytest.raises(ValidationError):
        OFFLINE.trading.add_order(**order)
    assert _NoNetwork.sent == before


@given(
    volume=st.decimals(min_value=ORDERMIN, max_value=Decimal(1000), places=8),
    ticks=st.integers(min_value=10**4, max_value=10**7),
)
@settings(max_examples=200, deadline=None)
def test_random_valid_orders_are_written_without_exponents(volume: Decimal, ticks: int) -> None:
    price = ticks * TICK
    if price * volume < Decimal("0.5"):
        return
    order = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit", "volume": volume}
    prepared = OFFLINE.prepare("AddOrder", **order, price=price)  # checks pass: on the grid
    assert prepared.pair is not None
    body = encode_form(prepared.fields)
    assert "E" not in body.split("cl_ord_id")[0]
    assert f"volume={format(volume, 'f')}" in body
