"""Reading request parameters the way Kraken does, from form fields or JSON values.

Form bodies carry strings only (`validate=true`, `close[ordertype]=limit`,
`orders[0][volume]=1`); JSON bodies carry real booleans, numbers and arrays. These helpers
accept both and raise `EGeneral:Invalid arguments:<field>` for values Kraken would refuse.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from kraken_sdk.sandbox.numbers import parse_decimal
from kraken_sdk.sandbox.rejects import invalid

__all__ = ["Params", "nest_form"]

_BRACKETS = re.compile(r"\[([^\]]*)\]")


def nest_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b]=1&a[c]=2&o[0][x]=3` -> {"a": {"b": "1", "c": "2"}, "o": [{"x": "3"}]}."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        path = [head, *_BRACKETS.findall(key[len(head) :])]
        node: dict[str, Any] = out
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return {key: _lists(value) for key, value in out.items()}


def _lists(value: Any) -> Any:
    """Dicts keyed 0, 1, 2... (from `o[0][x]`) become lists."""
    if not isinstance(value, dict):
        return value
    converted = {key: _lists(item) for key, item in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


class Params:
    """Typed access to one request's parameters (`nonce` and `otp` already removed)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise invalid(name)
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | Decimal):
            return str(value)
        if isinstance(value, str):
            return value
        raise invalid(name)

    def required(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
            return value.lower() in ("true", "1")
        raise invalid(name)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise invalid(name)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        raise invalid(name)

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        text = self.text(name, required=required)
        if text is None:
            return None
        value = parse_decimal(text)
        if value is None:
            raise invalid(name)
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in allowed:
            raise invalid(name)
        return value

    def items(self, name: str) -> list[str]:
        """A comma list (`a,b`), or a JSON array of strings."""
        value = self.values.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(item).strip() for item in value if str(item).strip()]
        text = self.text(name)
        assert text is not None
        return [item.strip() for item in text.split(",") if item.strip()]
