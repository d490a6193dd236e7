"""Balances and the ledger: every change to a balance is one ledger entry, so they reconcile."""

from __future__ import annotations

from decimal import Decimal

from kraken_sdk.sandbox.ids import IdFactory
from kraken_sdk.sandbox.numbers import ZERO
from kraken_sdk.sandbox.records import LedgerEntry

__all__ = ["Account"]


class Account:
    """Spot balances by asset id, changed only through `post`, which writes the ledger."""

    def __init__(self, ids: IdFactory) -> None:
        self._ids = ids
        self.balances: dict[str, Decimal] = {}
        self.ledgers: dict[str, LedgerEntry] = {}
        self._seq = 0
        self._newest: tuple[int, list[LedgerEntry]] = (0, [])

    def balance(self, asset: str) -> Decimal:
        return self.balances.get(asset, ZERO)

    def post(
        self,
        asset: str,
        amount: Decimal,
        fee: Decimal,
        *,
        type: str,
        refid: str,
        time: float,
        subtype: str = "",
    ) -> LedgerEntry:
        """Apply `amount - fee` to an asset and record it; the entry carries the new balance."""
        balance = self.balance(asset) + amount - fee
        self.balances[asset] = balance
        self._seq += 1
        entry = LedgerEntry(
            id=self._ids.ledger(),
            refid=refid,
            time=time,
            type=type,
            subtype=subtype,
            asset=asset,
            amount=amount,
            fee=fee,
            balance=balance,
            seq=self._seq,
        )
        self.ledgers[entry.id] = entry
        return entry

    def newest_first(self) -> list[LedgerEntry]:
        """Every entry by time then booking order, newest first (kept until the next post)."""
        seq, ordered = self._newest
        if seq != self._seq:
            ordered = sorted(self.ledgers.values(), key=lambda e: (e.time, e.seq), reverse=True)
            self._newest = (self._seq, ordered)
        return ordered
