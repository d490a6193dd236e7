"""Write kraken_sdk/resources/: one typed, keyword-only client method per Kraken method.

The signatures come straight from the schemas' Params definitions, so IDE completion and mypy
see every parameter with its documented values. Input types are what a caller naturally has
(Decimal, str, int or float for numbers; a str or a list for comma lists); the client
normalizes them and validates against the strict request models before anything is sent.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

GROUP_DOCS = {
    "market": "Public market data (no key needed), plus Level3 for keys with query rights.",
    "account": "Balances, orders, trades, ledgers, fees and exports of the key's account.",
    "trading": "Placing, amending and cancelling orders; the dead man's switch.",
    "funding": "Deposits and withdrawals; withdrawals need allow_withdrawals=True.",
    "earn": "Kraken Earn strategies and allocations.",
    "subaccounts": "Institutional master accounts: create subaccounts and move funds.",
}

SPECIAL_REFS = {
    "common.json#/$defs/DecimalString": "Number",
    "common.json#/$defs/Timestamp": "Number",
    "common.json#/$defs/Price": "Number",
    "common.json#/$defs/CommaList": "str | Sequence[str]",
}


def python_identifier(wire_name: str) -> str:
    """`close[ordertype]` -> `close_ordertype`, `from` -> `from_`."""
    name = re.sub(r"\W+", "_", wire_name).strip("_")
    return name + "_" if keyword.iskeyword(name) else name


class _Renderer:
    """Turns a request schema node into the annotation a caller may pass."""

    def __init__(self, schemas: dict[str, dict[str, Any]], stem: str) -> None:
        self.schemas = schemas
        self.stem = stem

    def resolve(self, ref: str) -> tuple[str, str, dict[str, Any]]:
        target, _, name = ref.partition("#/$defs/")
        stem = target.removesuffix(".json") or self.stem
        return stem, name, self.schemas[stem]["$defs"][name]

    def borrowed_description(self, node: dict[str, Any]) -> str:
        """A property without its own description borrows its referenced definition's."""
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return ""
        return str(self.resolve(ref)[2].get("description", ""))

    def render(self, node: dict[str, Any]) -> str:
        ref = node.get("$ref")
        if isinstance(ref, str):
            qualified = ref if ref.startswith("common.json") else f"{self.stem}.json{ref}"
            if qualified in SPECIAL_REFS:
                return SPECIAL_REFS[qualified]
            stem, name, target = self.resolve(ref)
            if target.get("type") == "object":
                return f"_{stem}.{name} | Mapping[str, Any]"
            return self.render(target)
        for combinator in ("anyOf", "oneOf"):
            if combinator in node:
                return _union(self.render(option) for option in node[combinator])
        if "enum" in node:
            return "Literal[" + ", ".join(repr(value) for value in node["enum"]) + "]"
        kinds = node.get("type", "object")
        if isinstance(kinds, list):
            return _union(self.render({**node, "type": kind}) for kind in kinds)
        if kinds == "string":
            return "Number" if node.get("format") == "decimal" else "str"
        if kinds == "array":
            return f"Sequence[{self.render(node.get('items', {}))}]"
        return {
            "integer": "int",
            "number": "Number",
            "boolean": "bool",
            "null": "None",
        }.get(kinds, "Mapping[str, Any]")


def _union(parts: Any) -> str:
    seen: list[str] = []
    for part in parts:
        for piece in part.split(" | "):
            if piece not in seen:
                seen.append(piece)
    return " | ".join(seen)


def _method_source(
    stem: str, schema: dict[str, Any], schemas: dict[str, dict[str, Any]], *, is_async: bool
) -> str:
    meta = schema["x-kraken"]
    method = meta["method"]
    prefix = method.replace("/", "")
    params = schema["$defs"][prefix + "Params"]
    required = set(params.get("required", []))
    renderer = _Renderer(schemas, stem)
    arguments, mapping, docs = [], [], []
    properties = params.get("properties", {})
    ordered = sorted(properties, key=lambda wire: wire not in required)
    for wire in ordered:
        node = properties[wire]
        name = python_identifier(wire)
        annotation = renderer.render(node)
        if wire in required:
            arguments.append(f"{name}: {annotation}")
        else:
            arguments.append(f"{name}: {annotation} | NotGiven = NOT_GIVEN")
        mapping.append(f"{wire!r}: {name}")
        description = node.get("description") or renderer.borrowed_description(node)
        if description:
            docs.append(f"{name}: {description}")
    python_name = re.sub(
        r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", method.rsplit("/", 1)[-1]
    ).lower()
    result = f"_{stem}.{prefix}Result"
    # A required `pair` may also be passed positionally: k.market.ohlc("BTC/USD").
    positional = arguments[:1] if ordered[:1] == ["pair"] and "pair" in required else []
    keyword_only = arguments[len(positional) :]
    marker = ["*", *keyword_only] if keyword_only else []
    signature = ", ".join(["self", *positional, *marker, "**options: Unpack[CallOptions]"])
    docstring = schema["description"]
    if docs:
        lines = ["", "Args:", *(f"    {line}" for line in docs), ""]
        docstring += "".join(f"\n        {line}".rstrip(" ") for line in lines)
    define, wait = ("async def", "await ") if is_async else ("def", "")
    return (
        f"    {define} {python_name}({signature}) -> {result}:\n"
        f'        """{docstring}"""\n'
        f"        params: dict[str, Any] = {{{', '.join(mapping)}}}\n"
        f"        return cast({result!r}, {wait}self._call({method!r}, params, options))\n"
    )


def group_module_source(schemas: dict[str, dict[str, Any]], group: str, header: str) -> str:
    """`resources/<group>.py`: the group's sync class and its async twin, from one template.

    Both classes come from the same `_method_source`, so a sync method and its coroutine twin
    cannot drift apart: same name, parameters, annotations, defaults and docstring.
    """
    members = [
        (stem, schema)
        for stem, schema in schemas.items()
        if "x-kraken" in schema and schema["x-kraken"]["group"] == group
    ]
    members.sort(key=lambda item: item[1]["x-kraken"]["method"])
    sync_name, async_name = _class_name(group, False), _class_name(group, True)
    lines = [
        header.rstrip("\n"),
        f'"""{group.capitalize()} methods: `{sync_name}` and its coroutine twin `{async_name}`."""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping, Sequence",
        "from typing import TYPE_CHECKING, Any, Literal, Unpack, cast",
        "",
        "from kraken_sdk._core.calls import (",
        "    NOT_GIVEN, AsyncGroup, CallOptions, Group, NotGiven, Number",
        ")",
        "",
        "if TYPE_CHECKING:  # annotations only: the models load when a call first needs them",
    ]
    lines += [f"    from kraken_sdk.models import {stem} as _{stem}" for stem, _ in members]
    lines += ["", "__all__ = [" + ", ".join(repr(n) for n in sorted([sync_name, async_name])) + "]"]
    for is_async in (False, True):
        base = "AsyncGroup" if is_async else "Group"
        doc = GROUP_DOCS[group]
        if is_async:
            doc = doc.rstrip(".") + f"; coroutines, twins of {sync_name}'s methods."
        lines += ["", "", f"class {_class_name(group, is_async)}({base}):", f'    """{doc}"""', ""]
        lines += [
            _method_source(stem, schema, schemas, is_async=is_async) for stem, schema in members
        ]
    return "\n".join(lines) + "\n"


def package_init_source(header: str) -> str:
    """`resources/__init__.py`: every group class, sync and async."""
    names = [_class_name(group, is_async) for is_async in (False, True) for group in GROUP_DOCS]
    lines = [
        header.rstrip("\n"),
        '"""Typed client groups, one module per group; one keyword-only method per Kraken method."""',  # noqa: E501
        "",
    ]
    for group in GROUP_DOCS:
        pair = f"{_class_name(group, True)}, {_class_name(group, False)}"
        lines.append(f"from kraken_sdk.resources.{group} import {pair}")
    lines += ["", "__all__ = [" + ", ".join(repr(name) for name in sorted(names)) + "]"]
    return "\n".join(lines) + "\n"


def resources_sources(schemas: dict[str, dict[str, Any]], header: str) -> dict[str, str]:
    """File name -> source of every module of `kraken_sdk/resources/`."""
    sources = {f"{group}.py": group_module_source(schemas, group, header) for group in GROUP_DOCS}
    sources["__init__.py"] = package_init_source(header)
    return sources


def _class_name(group: str, is_async: bool) -> str:
    return ("Async" if is_async else "") + group.capitalize() + "Group"
