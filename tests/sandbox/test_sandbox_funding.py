"""Funding, Earn, subaccounts and exports: Kraken's shapes over simple state."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from sandbox_raw import RawClient

from kraken_sdk import ENDPOINTS
from kraken_sdk.sandbox import Sandbox


def test_deposit_methods_and_addresses(raw: RawClient) -> None:
    (method,) = raw.call("DepositMethods", {"asset": "XBT"})
    assert method["method"] == "Bitcoin"
    assert method["gen-address"] is True
    addresses = raw.call("DepositAddresses", {"asset": "XBT", "method": "Bitcoin"})
    assert addresses[0]["address"].startswith("bc1q")
    more = raw.call("DepositAddresses", {"asset": "XBT", "method": "Bitcoin", "new": True})
    assert len(more) == 2
    assert more[-1]["new"] is True
    assert raw.error("DepositAddresses", {"asset": "XBT", "method": "Carrier pigeon"}) == (
        "EFunding:No funding method"
    )
    page = raw.call("DepositStatus", {"cursor": True, "limit": 2})
    assert len(page["deposit"]) == 2
    assert page["next_cursor"] == "2"


def test_withdrawal_lifecycle(raw: RawClient, sandbox: Sandbox) -> None:
    (address,) = raw.call("WithdrawAddresses", {"asset": "XBT"})
    assert address["key"] == "btc-wallet-1"
    assert address["verified"] is True
    methods = raw.call("WithdrawMethods", {"asset": "XBT"})
    assert methods == [
        {"asset": "XXBT", "method": "Bitcoin", "network": "Bitcoin", "minimum": "0.0004"}
    ]
    info = raw.call("WithdrawInfo", {"asset": "XBT", "key": "btc-wallet-1", "amount": "0.5"})
    assert (info["amount"], info["fee"]) == ("0.4998000000", "0.0002000000")
    refid = raw.call("Withdraw", {"asset": "XBT", "key": "btc-wallet-1", "amount": "0.5"})["refid"]
    assert raw.call("Balance")["XXBT"] == "1.5000000000"
    status = raw.call("WithdrawStatus", {"asset": "XBT"})
    assert status[0]["refid"] == refid
    assert status[0]["status"] == "Pending"
    assert raw.call("WithdrawCancel", {"asset": "XBT", "refid": refid}) is True
    assert raw.call("Balance")["XXBT"] == "2.0000000000"
    assert raw.call("WithdrawStatus")[0]["status-prop"] == "canceled"
    second = raw.call("Withdraw", {"asset": "XBT", "key": "btc-wallet-1", "amount": "0.1"})
    sandbox.advance(61)
    assert raw.call("WithdrawStatus")[0]["refid"] == second["refid"]
    assert raw.call("WithdrawStatus")[0]["status"] == "Success"
    assert raw.call("WithdrawCancel", {"asset": "XBT", "refid": second["refid"]}) is False
    assert raw.error("Withdraw", {"asset": "XBT", "key": "nope", "amount": "0.1"}) == (
        "EFunding:Unknown withdraw key"
    )
    assert (
        raw.error(
            "Withdraw",
            {"asset": "XBT", "key": "btc-wallet-1", "amount": "0.1", "max_fee": "0.0001"},
        )
        == "EFunding:Max fee exceeded"
    )
    assert raw.error("Withdraw", {"asset": "XBT", "key": "btc-wallet-1", "amount": "50"}) == (
        "EFunding:Insufficient funds"
    )


def test_wallet_transfer(raw: RawClient) -> None:
    result = raw.call(
        "WalletTransfer",
        {"asset": "USD", "from": "Spot Wallet", "to": "Futures Wallet", "amount": "100"},
    )
    assert result["refid"].startswith("F")
    assert raw.call("Balance")["ZUSD"] == "99900.0000"
    assert raw.error(
        "WalletTransfer",
        {"asset": "USD", "from": "Futures Wallet", "to": "Spot Wallet", "amount": "1"},
    ) == ("EGeneral:Invalid arguments:from")


def test_earn_allocation_round_trip(raw: RawClient) -> None:
    strategies = raw.call("Earn/Strategies", {"asset": "DOT"})["items"]
    (dot,) = strategies
    assert dot["asset"] == "DOT"
    assert dot["lock_type"]["type"] == "flex"
    assert raw.call("Earn/Allocate", {"strategy_id": dot["id"], "amount": "100"}) is True
    assert raw.call("Earn/AllocateStatus", {"strategy_id": dot["id"]}) == {"pending": False}
    balances = raw.call("Balance")
    assert (balances["DOT"], balances["DOT.F"]) == ("1900.0000000000", "100.0000000000")
    allocations = raw.call("Earn/Allocations")
    assert allocations["items"][0]["amount_allocated"]["total"]["native"] == "100.0000000000"
    assert Decimal(allocations["total_allocated"]) > 0
    assert raw.call("Earn/Deallocate", {"strategy_id": dot["id"], "amount": "40"}) is True
    assert raw.call("Balance")["DOT.F"] == "60.0000000000"
    assert raw.error("Earn/Allocate", {"strategy_id": dot["id"], "amount": "0.001"}) == (
        "EEarnings:Below min:(De)allocation operation amount less than minimum"
    )
    assert raw.error("Earn/Allocate", {"strategy_id": "nope", "amount": "1"}) == (
        "EGeneral:Invalid arguments:Invalid strategy ID"
    )


def test_subaccounts(raw: RawClient) -> None:
    assert raw.call("CreateSubaccount", {"username": "bot-1", "email": "bot@example.com"}) is True
    iban = raw.call("GetApiKeyInfo")["iban"]
    master_to_sub = {"asset": "USD", "amount": "10", "from": iban}
    assert raw.error("AccountTransfer", {**master_to_sub, "to": "nowhere"}) == (
        "EGeneral:Invalid arguments:to"
    )


def test_exports(raw: RawClient, sandbox: Sandbox) -> None:
    raw.call("AddOrder", {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.01"})
    export_id = raw.call("AddExport", {"report": "trades", "description": "mine"})["id"]
    (queued,) = raw.call("ExportStatus", {"report": "trades"})
    assert queued["status"] == "Queued"
    assert raw.error("RetrieveExport", {"id": export_id}) == "EGeneral:Invalid arguments:id"
    sandbox.advance(2)
    assert raw.call("ExportStatus", {"report": "trades"})[0]["status"] == "Processed"
    response = raw.post("RetrieveExport", {"id": export_id})
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert ENDPOINTS["RetrieveExport"].decode(response.content) == response.content
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = archive.read("trades.csv").decode()
    header, row = text.splitlines()
    assert header.startswith("txid,ordertxid,pair")
    assert ",XXBTZUSD," in row
    assert raw.call("RemoveExport", {"id": export_id, "type": "delete"}) == {"delete": True}
    assert raw.call("ExportStatus", {"report": "trades"}) == []
    ledgers = raw.call("AddExport", {"report": "ledgers", "description": "l", "format": "TSV"})
    assert raw.call("RemoveExport", {"id": ledgers["id"], "type": "cancel"}) == {"cancel": True}


def test_credit_lines_and_websocket_token(raw: RawClient) -> None:
    assert raw.call("CreditLines")["asset_details"] == {}
    token = raw.call("GetWebSocketsToken")
    assert token["expires"] == 900
    assert len(token["token"]) == 43


def test_alternative_result_shapes_decode(raw: RawClient, sandbox: Sandbox) -> None:
    """Paged, consolidated and count-less answers decode with the models too."""
    raw.call(
        "AddOrder",
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.01", "leverage": "2"},
    )
    raw.call(
        "AddOrder",
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.02", "leverage": "3"},
    )
    (aggregate,) = raw.call("OpenPositions", {"consolidation": "market", "docalcs": True})
    assert (aggregate["pair"], aggregate["positions"], aggregate["vol"]) == (
        "XXBTZUSD",
        "2",
        "0.03000000",
    )
    for method, field in (
        ("Ledgers", "ledger"),
        ("TradesHistory", "trades"),
        ("ClosedOrders", "closed"),
    ):
        result = raw.call(method, {"without_count": True})
        assert field in result
        assert "count" not in result
    raw.call("Withdraw", {"asset": "XBT", "key": "btc-wallet-1", "amount": "0.1"})
    page = raw.call("WithdrawStatus", {"cursor": True})
    assert len(page["withdrawals"]) == 1
    assert page["next_cursor"] is None
