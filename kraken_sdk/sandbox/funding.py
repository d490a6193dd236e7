"""Funding, Earn, subaccounts and exports: simple state behind Kraken's shapes.

Deposits and withdrawals move balances through the ledger like trades do, so a paper account's
history stays reconcilable; earn allocations move funds to `<ALT>.F` balances. Nothing here
talks to a chain or a bank: methods, addresses and fees are fixed per asset.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from kraken_sdk.sandbox.account import Account
from kraken_sdk.sandbox.ids import IdFactory
from kraken_sdk.sandbox.numbers import ZERO
from kraken_sdk.sandbox.refdata import AssetSpec, ReferenceData
from kraken_sdk.sandbox.rejects import RejectError

__all__ = [
    "Deposit",
    "Export",
    "FundingMethod",
    "FundingState",
    "Strategy",
    "Withdrawal",
    "zip_report",
]


@dataclass(frozen=True, slots=True)
class FundingMethod:
    """How an asset moves in and out: names, network, fees and minimums."""

    deposit: str
    withdraw: str
    network: str
    withdraw_fee: Decimal
    minimum: Decimal


_METHODS: dict[str, FundingMethod] = {
    "XXBT": FundingMethod("Bitcoin", "Bitcoin", "Bitcoin", Decimal("0.0002"), Decimal("0.0004")),
    "XETH": FundingMethod("Ether (Hex)", "Ether", "Ethereum", Decimal("0.0015"), Decimal("0.004")),
    "ZUSD": FundingMethod(
        "Bank Frick (SWIFT)", "Bank Frick (SWIFT)", "SWIFT", Decimal("35"), Decimal("25")
    ),
    "USDT": FundingMethod(
        "Tether USD (ERC20)", "Tether USD (ERC20)", "Ethereum", Decimal("5"), Decimal("10")
    ),
}


@dataclass(slots=True)
class Deposit:
    method: str
    asset: str
    refid: str
    txid: str
    info: str
    amount: Decimal
    fee: Decimal
    time: float
    status: str = "Success"


@dataclass(slots=True)
class Withdrawal:
    method: str
    network: str
    asset: str
    refid: str
    txid: str
    info: str
    amount: Decimal
    fee: Decimal
    time: float
    key: str
    status: str = "Pending"
    status_prop: str | None = None


@dataclass(frozen=True, slots=True)
class Strategy:
    id: str
    asset: str
    apr_low: str
    apr_high: str
    minimum: Decimal


@dataclass(slots=True)
class Export:
    id: str
    report: str
    descr: str
    format: str
    fields: str
    createdtm: float
    datastarttm: float
    dataendtm: float
    asset: str
    canceled: bool = False

    def status(self, now: float) -> str:
        return "Processed" if now >= self.createdtm + 1 else "Queued"


@dataclass(slots=True)
class FundingState:
    """Everything the funding, earn, subaccount and export methods remember."""

    ref: ReferenceData
    ids: IdFactory
    deposits: list[Deposit] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    addresses: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    allocations: dict[str, Decimal] = field(default_factory=dict)
    strategies: list[Strategy] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    subaccounts: dict[str, str] = field(default_factory=dict)  # username -> iiban
    iiban: str = ""

    def __post_init__(self) -> None:
        self.iiban = "AA" + self.ids.hex(2).upper() + " N84G " + self.ids.hex(4).upper()
        for asset, low, high, minimum in (
            ("DOT", "8.0000", "12.0000", "0.01"),
            ("XETH", "2.5000", "3.5000", "0.001"),
            ("SOL", "5.0000", "7.0000", "0.01"),
            ("ADA", "1.5000", "3.0000", "1"),
            ("USDT", "4.0000", "5.5000", "1"),
            ("ZUSD", "3.5000", "4.5000", "1"),
            ("XXBT", "0.1000", "0.2500", "0.0001"),
        ):
            self.strategies.append(
                Strategy(self.ids.strategy(), asset, low, high, Decimal(minimum))
            )

    # ---- methods and addresses --------------------------------------------------------
    def method(self, asset: AssetSpec) -> FundingMethod:
        default = FundingMethod(
            asset.symbol, asset.symbol, asset.symbol, Decimal("0.1"), Decimal("1")
        )
        return _METHODS.get(asset.id, default)

    def withdraw_key(self, asset: AssetSpec) -> str:
        return f"{asset.symbol.lower()}-wallet-1"

    def address(self, asset: AssetSpec, index: int = 0) -> str:
        """A stable address of the right shape for the asset's network."""
        seed = sum(ord(char) for char in asset.id) * 7919 + index
        digits = "".join(
            "0123456789abcdef"[(seed * (n + 3) * 2654435761 >> 7) % 16] for n in range(40)
        )
        if asset.id == "XXBT":
            return "bc1q" + digits[:38]
        if asset.id in ("XETH", "USDT"):
            return "0x" + digits
        return asset.symbol.lower() + "1" + digits[:32]

    def deposit_addresses(self, asset: AssetSpec, new: bool) -> list[tuple[str, bool]]:
        known = self.addresses.setdefault(asset.id, [(self.address(asset), False)])
        if new:
            known.append((self.address(asset, len(known)), True))
        return known

    # ---- money movements --------------------------------------------------------------
    def deposit(self, account: Account, asset: AssetSpec, amount: Decimal, t: float) -> Deposit:
        if amount <= 0:
            raise RejectError("EFunding:Invalid amount")
        refid = self.ids.funding()
        record = Deposit(
            method=self.method(asset).deposit,
            asset=asset.id,
            refid=refid,
            txid=self.ids.hex(64),
            info=self.address(asset),
            amount=amount,
            fee=ZERO,
            time=t,
        )
        self.deposits.append(record)
        account.post(asset.id, amount, ZERO, type="deposit", refid=refid, time=t)
        return record

    def withdraw(
        self,
        account: Account,
        asset: AssetSpec,
        key: str,
        amount: Decimal,
        available: Decimal,
        t: float,
        *,
        address: str | None = None,
        max_fee: Decimal | None = None,
    ) -> Withdrawal:
        method = self.method(asset)
        if key != self.withdraw_key(asset):
            raise RejectError("EFunding:Unknown withdraw key")
        if address is not None and address != self.address(asset):
            raise RejectError("Invalid withdrawal address")
        if amount <= 0 or amount < method.minimum:
            raise RejectError("EFunding:Invalid amount")
        if max_fee is not None and method.withdraw_fee > max_fee:
            raise RejectError("EFunding:Max fee exceeded")
        if amount > available:
            raise RejectError("EFunding:Insufficient funds")
        refid = self.ids.funding()
        record = Withdrawal(
            method=method.withdraw,
            network=method.network,
            asset=asset.id,
            refid=refid,
            txid=self.ids.hex(64),
            info=self.address(asset),
            amount=amount - method.withdraw_fee,
            fee=method.withdraw_fee,
            time=t,
            key=key,
        )
        self.withdrawals.append(record)
        account.post(asset.id, -record.amount, record.fee, type="withdrawal", refid=refid, time=t)
        return record

    def settle_withdrawals(self, now: float) -> None:
        """Pending withdrawals complete a minute after they were made."""
        for record in self.withdrawals:
            if record.status == "Pending" and now >= record.time + 60:
                record.status = "Success"

    def cancel_withdrawal(self, account: Account, asset: str, refid: str, t: float) -> bool:
        for record in self.withdrawals:
            if record.refid == refid and record.asset == asset:
                if record.status != "Pending":
                    return False
                record.status, record.status_prop = "Failure", "canceled"
                account.post(
                    asset,
                    record.amount + record.fee,
                    ZERO,
                    type="withdrawal",
                    refid=refid,
                    time=t,
                    subtype="cancel",
                )
                return True
        raise RejectError("EFunding:Unknown reference id")

    # ---- earn -------------------------------------------------------------------------
    def strategy(self, strategy_id: str) -> Strategy:
        for strategy in self.strategies:
            if strategy.id == strategy_id:
                return strategy
        raise RejectError("EGeneral:Invalid arguments:Invalid strategy ID")

    def earn_asset(self, strategy: Strategy) -> str:
        return self.ref.assets[strategy.asset].altname + ".F"

    def allocate(
        self, account: Account, strategy_id: str, amount: Decimal, available: Decimal, t: float
    ) -> None:
        strategy = self.strategy(strategy_id)
        if amount < strategy.minimum:
            raise RejectError(
                "EEarnings:Below min:(De)allocation operation amount less than minimum"
            )
        if amount > available:
            raise RejectError("EEarnings:Insufficient funds:Insufficient funds")
        refid = self.ids.funding()
        account.post(
            strategy.asset, -amount, ZERO, type="earn", subtype="allocation", refid=refid, time=t
        )
        account.post(
            self.earn_asset(strategy),
            amount,
            ZERO,
            type="earn",
            subtype="allocation",
            refid=refid,
            time=t,
        )
        self.allocations[strategy.id] = self.allocations.get(strategy.id, ZERO) + amount

    def deallocate(self, account: Account, strategy_id: str, amount: Decimal, t: float) -> None:
        strategy = self.strategy(strategy_id)
        if amount < strategy.minimum:
            raise RejectError(
                "EEarnings:Below min:(De)allocation operation amount less than minimum"
            )
        if amount > self.allocations.get(strategy.id, ZERO):
            raise RejectError("EEarnings:Insufficient funds:Insufficient funds")
        refid = self.ids.funding()
        account.post(
            self.earn_asset(strategy),
            -amount,
            ZERO,
            type="earn",
            subtype="deallocation",
            refid=refid,
            time=t,
        )
        account.post(
            strategy.asset, amount, ZERO, type="earn", subtype="deallocation", refid=refid, time=t
        )
        self.allocations[strategy.id] -= amount

    # ---- exports ----------------------------------------------------------------------
    def find_export(self, export_id: str) -> Export:
        for export in self.exports:
            if export.id == export_id and not export.canceled:
                return export
        raise RejectError("EGeneral:Invalid arguments:id")


def zip_report(name: str, header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    """An export as Kraken ships it: a zip holding one CSV (or TSV) file."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text.getvalue())
    return buffer.getvalue()
