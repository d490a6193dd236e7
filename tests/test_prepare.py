"""KrakenClient.prepare: every check a typed call goes through, and the wire fields, unsent."""

from __future__ import annotations

import pytest
from kraken_wire import ASSET_PAIRS, ASSETS, KEY, SECRET

from kraken_sdk import KrakenClient, ValidationError, WithdrawalsDisabledError
from kraken_sdk.errors import CredentialsError

# Port 9 (discard) on localhost: a call that did reach the network would fail loudly.
NOWHERE = "http://127.0.0.1:9"


def offline(**options: bool) -> KrakenClient:
    client = KrakenClient(KEY, SECRET, base_url=NOWHERE, max_retries=0, **options)
    client.symbols.load(ASSET_PAIRS, ASSETS)
    return client


def test_prepare_returns_the_wire_fields_with_the_pair_resolved_and_an_id() -> None:
    prepared = offline().prepare(
        "AddOrder", pair="BTC/USD", type="buy", ordertype="limit", volume="0.01", price=30000
    )
    assert prepared.method == "AddOrder"
    assert prepared.endpoint.path == "/0/private/AddOrder"
    assert prepared.fields["pair"] == "XBTUSD"
    assert prepared.fields["price"] == "30000"  # written as Kraken takes it
    assert len(prepared.fields["cl_ord_id"]) == 36  # generated before anything is sent
    assert prepared.pair is not None
    assert prepared.pair.symbol == "BTC/USD"
    assert prepared.given == frozenset()


def test_a_caller_id_is_kept_and_reported_as_the_callers() -> None:
    prepared = offline().prepare(
        "AddOrder", pair="BTC/USD", type="buy", ordertype="market", volume="0.01", cl_ord_id="a"
    )
    assert prepared.fields["cl_ord_id"] == "a"
    assert prepared.given == {"a"}


def test_the_pair_style_comes_from_the_endpoint() -> None:
    client = offline()
    assert client.prepare("Ticker", pair="BTC/USD").fields["pair"] == "XBTUSD"
    assert client.prepare("GroupedBook", pair="XBTUSD").fields["pair"] == "BTC/USD"
    assert client.prepare("AssetPairs", pair="whatever").fields["pair"] == "whatever"


def test_the_order_rules_apply_unless_check_orders_is_off() -> None:
    order = {"pair": "BTC/USD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    with pytest.raises(ValidationError) as caught:
        offline().prepare("AddOrder", **order, price="30000.05")
    assert caught.value.rule == "tick_size"
    unchecked = offline(check_orders=False).prepare("AddOrder", **order, price="30000.05")
    assert unchecked.fields["price"] == "30000.05"
    entry = {"type": "buy", "ordertype": "limit", "volume": "0.01"}
    good, off_tick = entry | {"price": "30000"}, entry | {"price": "30000.05"}
    with pytest.raises(ValidationError) as batch:
        offline().prepare("AddOrderBatch", pair="BTC/USD", orders=[good, off_tick])
    assert (batch.value.field, batch.value.rule) == ("orders[1].price", "tick_size")


def test_the_guards_run_before_anything_else() -> None:
    public = KrakenClient(base_url=NOWHERE)
    with pytest.raises(CredentialsError):
        public.prepare("Balance")
    with pytest.raises(WithdrawalsDisabledError):
        offline().prepare("Withdraw", asset="XBT", key="cold", amount="0.5")
    allowed = offline(allow_withdrawals=True).prepare("Withdraw", asset="XBT", key="k", amount=1)
    assert allowed.fields == {"asset": "XBT", "key": "k", "amount": 1}


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValidationError, match="not in ENDPOINTS"):
        offline().prepare("NoSuchMethod")
