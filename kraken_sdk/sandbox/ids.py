"""Ids in Kraken's formats, drawn from the sandbox's seeded generator so runs are repeatable."""

from __future__ import annotations

import random
import string

__all__ = ["IdFactory"]

_UPPER = string.ascii_uppercase + string.digits
_MIXED = string.ascii_letters + string.digits


class IdFactory:
    """OQCLML-BW3P3-BUCMWZ order ids, T... trade and position ids, L... ledger ids, and so on."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _chars(self, alphabet: str, count: int) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(count))

    def _unique(self, make: str, *groups: int, alphabet: str = _UPPER) -> str:
        while True:
            head = make + self._chars(alphabet, groups[0] - 1)
            value = "-".join([head, *(self._chars(alphabet, size) for size in groups[1:])])
            if value not in self._seen:
                self._seen.add(value)
                return value

    def order(self) -> str:
        return self._unique("O", 6, 5, 6)

    def trade(self) -> str:
        return self._unique("T", 6, 5, 6)

    def position(self) -> str:
        return self._unique("T", 6, 5, 6)

    def ledger(self) -> str:
        return self._unique("L", 6, 5, 6)

    def amend(self) -> str:
        return self._unique("T", 6, 5, 6)

    def funding(self) -> str:
        """Deposit, withdrawal and wallet-transfer refids: FTQcuak-V6Za8qrWnhzTx67yYHz8Tg."""
        return self._unique("F", 7, 22, alphabet=_MIXED)

    def transfer(self) -> str:
        return self._unique("T", 7, 6, 6)

    def strategy(self) -> str:
        return self._unique("E", 7, 5, 6)

    def export(self) -> str:
        while True:
            value = self._chars(string.ascii_uppercase, 4)
            if value not in self._seen:
                self._seen.add(value)
                return value

    def token(self, length: int = 43) -> str:
        return self._chars(_MIXED + "+/", length)

    def hex(self, length: int) -> str:
        return self._chars("0123456789abcdef", length)
