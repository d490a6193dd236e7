"""Funding replayed from cassettes/test_funding/: deposits, and withdrawals behind the opt-in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_sdk.errors import WithdrawalsDisabledError
from kraken_sdk.testing import REDACTED
from kraken_sdk.testing.plugin import KrakenCassette

pytestmark = pytest.mark.kraken_cassette


def test_deposits(kraken_cassette: KrakenCassette) -> None:
    kraken = kraken_cassette.client()
    (method,) = kraken.funding.deposit_methods(asset="XBT")
    assert method.method == "Bitcoin"
    (address,) = kraken.funding.deposit_addresses(asset="XBT", method="Bitcoin")
    if not kraken_cassette.recording:  # addresses are scrubbed before the cassette is written
        assert address.address == REDACTED
    deposits = kraken.funding.deposit_status(asset="USD")
    assert deposits
    assert all(deposit.amount > 0 for deposit in deposits)


def test_withdrawals_need_the_opt_in(kraken_cassette: KrakenCassette) -> None:
    """Without allow_withdrawals nothing leaves the process (the cassette has no such call);
    reads are fine; with it, a withdrawal goes out and is cancelled."""
    cautious = kraken_cassette.client()
    with pytest.raises(WithdrawalsDisabledError):
        cautious.funding.withdraw(asset="XBT", key="btc-wallet-1", amount="0.1")
    with pytest.raises(WithdrawalsDisabledError):
        cautious.funding.wallet_transfer(
            asset="USD", from_="Spot Wallet", to="Futures Wallet", amount="10"
        )
    (saved,) = cautious.funding.withdraw_addresses(asset="XBT")
    assert saved.key == "btc-wallet-1"
    info = cautious.funding.withdraw_info(asset="XBT", key=saved.key, amount="0.1")
    assert info.fee == Decimal("0.0002")
    allowed = kraken_cassette.client(allow_withdrawals=True)
    refid = allowed.funding.withdraw(asset="XBT", key=saved.key, amount="0.1").refid
    assert allowed.funding.withdraw_status(asset="XBT")[0].refid == refid
    assert allowed.funding.withdraw_cancel(asset="XBT", refid=refid) is True
