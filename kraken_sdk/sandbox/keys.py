"""API keys the sandbox accepts: secrets, permissions, and each key's last nonce."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["ALL_PERMISSIONS", "KeyRecord", "KeyStore"]

# Kraken's permission names, as GetApiKeyInfo lists them.
ALL_PERMISSIONS: frozenset[str] = frozenset(
    {
        "query-funds",
        "add-funds",
        "withdraw-funds",
        "earn-funds",
        "query-open-trades",
        "query-closed-trades",
        "modify-trades",
        "close-trades",
        "query-ledger",
        "export-data",
        "create-ws-token",
    }
)


@dataclass(slots=True)
class KeyRecord:
    api_key: str
    secret: str
    name: str
    permissions: frozenset[str]
    created: float
    nonce: int = 0
    last_used: float | None = None
    modified: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


class KeyStore:
    """Keys by their public string; new ones are drawn from the sandbox's seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._keys: dict[str, KeyRecord] = {}

    def create(
        self,
        now: float,
        *,
        permissions: frozenset[str] = ALL_PERMISSIONS,
        name: str | None = None,
        api_key: str | None = None,
        secret: str | None = None,
    ) -> KeyRecord:
        unknown = permissions - ALL_PERMISSIONS
        if unknown:
            raise ValueError(f"unknown permissions: {', '.join(sorted(unknown))}")
        key = api_key or base64.b64encode(self._rng.randbytes(42)).decode()
        secret = secret or base64.b64encode(self._rng.randbytes(64)).decode()
        base64.b64decode(secret, validate=True)  # Kraken secrets are base64
        record = KeyRecord(
            api_key=key,
            secret=secret,
            name=name or f"sandbox-key-{len(self._keys) + 1}",
            permissions=frozenset(permissions),
            created=now,
            modified=now,
        )
        self._keys[key] = record
        return record

    def get(self, api_key: str) -> KeyRecord | None:
        return self._keys.get(api_key)

    def __iter__(self) -> Iterator[KeyRecord]:
        return iter(self._keys.values())
