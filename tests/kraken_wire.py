"""Test data and wire helpers shared by the client tests (fixtures live in conftest.py).

The secret is the one from Kraken's documented signing example, so every API-Sign a test sees
can be recomputed with `kraken_sdk.auth.sign`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from kraken_sdk.auth import sign

KEY = "test-api-key-0123456789"
SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
API = "https://api.kraken.com"


def _pair(
    altname: str,
    wsname: str,
    base: str,
    quote: str,
    decimals: int,
    ordermin: str,
    costmin: str,
    tick: str,
    status: str = "online",
) -> dict[str, Any]:
    return {
        "altname": altname,
        "wsname": wsname,
        "aclass_base": "currency",
        "base": base,
        "aclass_quote": "currency",
        "quote": quote,
        "lot": "unit",
        "cost_decimals": 5,
        "pair_decimals": decimals,
        "lot_decimals": 8,
        "lot_multiplier": 1,
        "ordermin": ordermin,
        "costmin": costmin,
        "tick_size": tick,
        "status": status,
    }


ASSET_PAIRS: dict[str, dict[str, Any]] = {
    "XXBTZUSD": _pair("XBTUSD", "XBT/USD", "XXBT", "ZUSD", 1, "0.0001", "0.5", "0.1"),
    "XETHZUSD": _pair("ETHUSD", "ETH/USD", "XETH", "ZUSD", 2, "0.002", "0.5", "0.01"),
    "XETHXXBT": _pair("ETHXBT", "ETH/XBT", "XETH", "XXBT", 5, "0.002", "0.00002", "0.00001"),
    "XDGUSD": _pair("XDGUSD", "XDG/USD", "XXDG", "ZUSD", 7, "13", "0.5", "0.0000001"),
    "SOLUSD": _pair("SOLUSD", "SOL/USD", "SOL", "ZUSD", 2, "0.02", "0.5", "0.01"),
    "XTZUSD": _pair("XTZUSD", "XTZ/USD", "XTZ", "ZUSD", 4, "2.5", "0.5", "0.0001"),
    "ADAUSD": _pair("ADAUSD", "ADA/USD", "ADA", "ZUSD", 6, "8", "0.5", "0.000001", "post_only"),
    "DOTUSD": _pair("DOTUSD", "DOT/USD", "DOT", "ZUSD", 4, "1.2", "0.5", "0.0001", "cancel_only"),
    "XLTCZUSD": _pair("LTCUSD", "LTC/USD", "XLTC", "ZUSD", 2, "0.05", "0.5", "0.01", "limit_only"),
    "USDTZUSD": _pair(
        "USDTZUSD", "USDT/USD", "USDT", "ZUSD", 4, "5", "0.5", "0.0001", "reduce_only"
    ),
}

ASSETS: dict[str, dict[str, Any]] = {
    asset_id: {"aclass": "currency", "altname": altname, "decimals": 8, "display_decimals": 5}
    for asset_id, altname in {
        "XXBT": "XBT",
        "ZUSD": "USD",
        "XETH": "ETH",
        "XXDG": "XDG",
        "SOL": "SOL",
        "XTZ": "XTZ",
        "ADA": "ADA",
        "DOT": "DOT",
        "XLTC": "LTC",
        "USDT": "USDT",
        "ETH2": "ETH2",
        "KFEE": "FEE",
    }.items()
}


def ok(result: Any) -> dict[str, Any]:
    """Kraken's success envelope."""
    return {"error": [], "result": result}


def rejected(*errors: str) -> dict[str, Any]:
    """Kraken's error envelope."""
    return {"error": list(errors)}


class Wire:
    """Reads what the client put on the wire, as Kraken would."""

    @staticmethod
    def body(call: Any) -> dict[str, Any]:
        """The parameters sent, without the nonce (form or JSON body)."""
        raw = call.request.body
        text = raw.decode() if isinstance(raw, bytes) else raw
        if call.request.headers.get("Content-Type") == "application/json":
            fields = json.loads(text)
        else:
            fields = dict(parse_qsl(text, keep_blank_values=True))
        fields.pop("nonce", None)
        return dict(fields)

    @staticmethod
    def raw_body(call: Any) -> str:
        raw = call.request.body
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    @staticmethod
    def nonce(call: Any) -> int:
        text = Wire.raw_body(call)
        if call.request.headers.get("Content-Type") == "application/json":
            return int(json.loads(text)["nonce"])
        return int(dict(parse_qsl(text))["nonce"])

    @staticmethod
    def assert_signed(call: Any, path: str) -> None:
        """API-Key is ours and API-Sign is what Kraken computes for this exact body."""
        headers = call.request.headers
        assert call.request.method == "POST"
        assert call.request.path_url == path
        assert headers["API-Key"] == KEY
        body = Wire.raw_body(call)
        assert headers["API-Sign"] == sign(SECRET, path, Wire.nonce(call), body)
