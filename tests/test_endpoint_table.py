"""The endpoint table holds every per-method fact, and adding a method is one schema file."""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from codegen import generate as codegen
from kraken_sdk._core import retry
from kraken_sdk._core.endpoints import ENDPOINTS, Endpoint
from kraken_sdk._core.errors import (
    InvalidNonceError,
    KrakenError,
    OrderOutcomeUnknown,
    ReadTimeout,
    ServiceUnavailableError,
)
from kraken_sdk.cli import check
from kraken_sdk.reconcile.strategies import UNKNOWN_IF_AMBIGUOUS
from kraken_sdk.sandbox import ALL_PERMISSIONS
from kraken_sdk.sandbox.handlers import PERMISSIONS as SANDBOX_PERMISSIONS

NEW_METHOD: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "description": "A made-up private write that only this test knows.",
    "x-kraken": {
        "method": "MadeUpThing",
        "path": "/0/private/MadeUpThing",
        "group": "account",
        "body": "form",
        "idempotent": False,
        "rest_cost": 2,
        "engine": None,
        "kind": "funds_out",
        "permission": ["withdraw-funds+query-funds", "export-data"],
        "pair_style": "altname",
        "settle": "unknown",
        "pre_check": None,
        "at_least_one": ["amount", "key"],
    },
    "$defs": {
        "MadeUpThingParams": {
            "type": "object",
            "properties": {
                "pair": {"description": "Pair altname, e.g. XBTUSD.", "type": "string"},
                "amount": {"$ref": "common.json#/$defs/DecimalString"},
                "key": {"description": "Or a saved amount's name.", "type": "string"},
            },
            "required": ["pair"],
            "additionalProperties": False,
        },
        "MadeUpThingResult": {
            "description": "What Kraken would answer.",
            "type": "object",
            "properties": {"refid": {"type": "string"}},
        },
    },
}


def _load_package(name: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a freshly generated models folder as its own package."""
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None
    assert spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, package)
    spec.loader.exec_module(package)
    return package


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """schemas/ plus one new file, generated once for the module (~3 s)."""
    if importlib.util.find_spec("datamodel_code_generator") is None:
        pytest.skip("datamodel-code-generator is not installed")
    root = tmp_path_factory.mktemp("added")
    schemas = root / "schemas"
    shutil.copytree(codegen.SCHEMAS, schemas)
    (schemas / "made_up_thing.json").write_text(json.dumps(NEW_METHOD, indent=2))
    codegen.generate(root / "models", schemas)
    codegen.generate_groups(root / "resources", schemas)
    return root


@pytest.mark.slow
def test_adding_a_method_is_one_schema_file(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load_package("fresh_models", generated / "models", monkeypatch)
    catalog = importlib.import_module("fresh_models._catalog")
    monkeypatch.setitem(sys.modules, "fresh_models._catalog", catalog)
    spec = next(s for s in catalog.METHODS if s.name == "MadeUpThing")
    assert len(catalog.METHODS) == len(ENDPOINTS) + 1

    endpoint = Endpoint.from_spec(spec)
    assert (endpoint.path, endpoint.group, endpoint.http_method) == (
        "/0/private/MadeUpThing",
        "account",
        "POST",
    )
    assert endpoint.private
    assert endpoint.python_name == "made_up_thing"
    assert (endpoint.kind, endpoint.settle, endpoint.pair_style) == (
        "funds_out",
        "unknown",
        "altname",
    )
    assert (endpoint.rest_cost, endpoint.engine, endpoint.pre_check) == (2, None, None)
    assert not endpoint.idempotent
    assert not endpoint.trading_engine
    assert endpoint.permission == ("withdraw-funds+query-funds", "export-data")
    assert endpoint.permission_options == (
        frozenset({"withdraw-funds", "query-funds"}),
        frozenset({"export-data"}),
    )
    model = importlib.import_module(f"fresh_models.{spec.module}")
    assert set(model.MadeUpThingParams.__struct_fields__) == {"pair", "amount", "key"}
    assert endpoint.at_least_one == ("amount", "key")
    assert (endpoint.exactly_one, endpoint.at_most_in_total) == ((), None)

    group = (generated / "resources" / "account.py").read_text()
    assert "def made_up_thing(" in group
    assert '"MadeUpThing"' in group
    # Everything that existed before is generated exactly as committed.
    stale = codegen.stale_files(generated / "models", generated / "resources")
    assert sorted(stale) == [
        "kraken_sdk/models/_catalog.py",
        "kraken_sdk/models/made_up_thing.py",
        "kraken_sdk/resources/account.py",
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("kind", "read", "x-kraken.kind must be one of"),
        ("kind", "public_read", "public_read exactly for /0/public/"),
        ("engine", True, "x-kraken.engine must be one of"),
        ("settle", "resend", "resend exactly for idempotent"),
        ("pre_check", "order", "pre_check is for order_write"),
        ("pair_style", "XBTUSD", "x-kraken.pair_style must be one of"),
        ("permission", "trade", "x-kraken.permission must be null"),
        ("permission", [], "x-kraken.permission must be null"),
        ("exactly_one", ["pair", "nonce"], "x-kraken.exactly_one must list 2 or more"),
        ("at_most_in_total", {"fields": ["amount", "key"]}, "at_most_in_total is"),
    ],
)
def test_codegen_refuses_a_bad_fact_naming_the_file(key: str, value: Any, message: str) -> None:
    schema = json.loads(json.dumps(NEW_METHOD))
    schema["x-kraken"][key] = value
    with pytest.raises(codegen.SchemaError, match=rf"schemas/made_up_thing\.json: .*{message}"):
        codegen.check_conventions({"made_up_thing": schema})


def test_every_schema_states_every_fact() -> None:
    for stem, schema in codegen.method_schemas(codegen.load_schemas()):
        meta = schema["x-kraken"]
        missing = {"kind", "permission", "pair_style", "engine", "settle", "pre_check"} - set(meta)
        assert not missing, f"{stem}: {missing}"
        assert "trading_engine" not in meta, stem


def test_codegen_and_the_sandbox_spell_permissions_alike() -> None:
    assert set(codegen.PERMISSIONS) == ALL_PERMISSIONS
    assert set(check.PERMISSION_LABELS) == ALL_PERMISSIONS


def test_the_table_says_what_each_kind_of_call_is() -> None:
    kinds: dict[str, set[str]] = {}
    for endpoint in ENDPOINTS.values():
        kinds.setdefault(endpoint.kind, set()).add(endpoint.name)
    assert kinds["order_write"] == {
        "AddOrder",
        "AddOrderBatch",
        "EditOrder",
        "AmendOrder",
        "CancelOrder",
        "CancelOrderBatch",
        "CancelAll",
        "CancelAllOrdersAfter",
    }
    assert kinds["funds_out"] == {"Withdraw", "WalletTransfer", "AccountTransfer"}
    assert {e.name for e in ENDPOINTS.values() if e.settle == "reconcile"} == {
        "AddOrder",
        "AddOrderBatch",
        "EditOrder",
        "AmendOrder",
        "CancelOrder",
    }
    assert {e.name for e in ENDPOINTS.values() if e.pair_style == "symbol"} == {
        "GroupedBook",
        "Level3",
    }
    assert ENDPOINTS["AssetPairs"].pair_style == "as_given"
    assert ENDPOINTS["Ticker"].pair_style == "altname"
    assert ENDPOINTS["Balance"].pair_style == "none"
    engines = {e.name: e.engine for e in ENDPOINTS.values() if e.engine is not None}
    assert engines == {
        "AddOrder": "add",
        "AddOrderBatch": "add",
        "AmendOrder": "amend",
        "EditOrder": "edit",
        "CancelOrder": "cancel",
        "CancelOrderBatch": "cancel",
        "CancelAll": "cancel",
    }
    pre_checks = {e.name: e.pre_check for e in ENDPOINTS.values() if e.pre_check is not None}
    assert pre_checks == {
        "AddOrder": "order",
        "AddOrderBatch": "order_batch",
        "EditOrder": "edit",
        "AmendOrder": "amend",
    }
    for endpoint in ENDPOINTS.values():
        assert (endpoint.settle == "resend") == endpoint.idempotent, endpoint.name
        assert (endpoint.permission is None) >= (not endpoint.private), endpoint.name


def test_consumers_derive_their_lists_from_the_table() -> None:
    assert {"AddOrder", "AddOrderBatch", "EditOrder", "AmendOrder"} == retry.ORDER_WRITES
    assert {"Withdraw"} == UNKNOWN_IF_AMBIGUOUS
    assert set(check.PUBLIC_METHODS) == {e.name for e in ENDPOINTS.values() if not e.private}
    assert SANDBOX_PERMISSIONS["QueryOrders"] == (
        frozenset({"query-open-trades"}),
        frozenset({"query-closed-trades"}),
    )
    assert SANDBOX_PERMISSIONS["DepositMethods"] == (frozenset({"query-funds", "add-funds"}),)
    assert "GetApiKeyInfo" not in SANDBOX_PERMISSIONS
    assert "Time" not in SANDBOX_PERMISSIONS
    assert check.PERMISSIONS["AddOrder"] == "'Orders and trades: Create & modify orders'"
    assert "withdraw-funds" not in check.TRADING_PERMISSIONS
    assert {"modify-trades", "close-trades", "query-funds"} <= check.TRADING_PERMISSIONS


def _lost() -> KrakenError:
    return ReadTimeout("sent, answer lost", method="x")


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    [
        ("Balance", _lost(), True),  # ambiguous, though a read settles it by resending
        ("AddOrder", _lost(), True),
        ("AddOrder", ServiceUnavailableError("EService:Unavailable", method="AddOrder"), True),
        ("CancelOrder", ServiceUnavailableError("EService:Unavailable", method="x"), False),
        ("Withdraw", ServiceUnavailableError("EService:Unavailable", method="x"), False),
        ("AddOrder", InvalidNonceError("EAPI:Invalid nonce", method="AddOrder"), False),
        ("CancelOrder", OrderOutcomeUnknown("unknown", method="CancelOrder"), True),
    ],
)
def test_ambiguous_is_one_answer_for_names_and_endpoints(
    method: str, error: KrakenError, expected: bool
) -> None:
    assert retry.ambiguous(method, error) is expected
    assert retry.ambiguous(ENDPOINTS[method], error) is expected


def test_decide_settles_an_ambiguous_outcome_by_the_table() -> None:
    read = retry.decide(_lost(), idempotent=True, nonce_retried=False, method="Balance")
    write = retry.decide(_lost(), idempotent=False, nonce_retried=False, method="AddExport")
    busy = ServiceUnavailableError("EService:Busy", method="AddOrder")
    order = retry.decide(busy, idempotent=False, nonce_retried=False, method="AddOrder")
    cancel = retry.decide(busy, idempotent=False, nonce_retried=False, method="CancelOrder")
    assert (read.retry, write.retry, order.retry, cancel.retry) == (True, False, False, True)
