"""Earn replayed from cassettes/test_earn/: allocate, check, deallocate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_sdk.errors import EarnError
from kraken_sdk.testing.plugin import KrakenCassette

pytestmark = pytest.mark.kraken_cassette


def test_allocate_and_deallocate(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    (strategy,) = kraken.earn.strategies(asset="DOT").items
    assert strategy.asset == "DOT"
    assert kraken.earn.allocate(strategy_id=strategy.id, amount="100") is True
    assert kraken.earn.allocate_status(strategy_id=strategy.id).pending is False
    (allocation,) = kraken.earn.allocations().items
    assert allocation.amount_allocated.total.native == Decimal(100)
    assert kraken.earn.deallocate(strategy_id=strategy.id, amount="40") is True
    assert kraken.earn.deallocate_status(strategy_id=strategy.id).pending is False
    assert kraken.account.balance()["DOT.F"] == Decimal(60)


def test_allocation_below_minimum_is_an_earn_error(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    (strategy,) = kraken.earn.strategies(asset="DOT").items
    with pytest.raises(EarnError, match="Below min"):
        kraken.earn.allocate(strategy_id=strategy.id, amount="0.001")
