"""The public surface: what users may import, and that nothing else is public by accident.

A name is public when it is in a public module's `__all__`. Every public module keeps its
`__all__` sorted (isort style: CONSTANTS, Classes, functions), every name in it importable, and
every top-level definition that is not in it private (`_name`): so a helper never becomes API
because someone forgot an underscore, and a newcomer reads the surface off `__all__`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import kraken_sdk

PUBLIC_MODULES = (
    "kraken_sdk",
    "kraken_sdk.aio",
    "kraken_sdk.auth",
    "kraken_sdk.check",
    "kraken_sdk.cli",
    "kraken_sdk.client",
    "kraken_sdk.deadman",
    "kraken_sdk.display",
    "kraken_sdk.endpoints",
    "kraken_sdk.errors",
    "kraken_sdk.execution",
    "kraken_sdk.frames",
    "kraken_sdk.nonce",
    "kraken_sdk.paginate",
    "kraken_sdk.plot",
    "kraken_sdk.ratelimit",
    "kraken_sdk.reconcile",
    "kraken_sdk.sandbox",
    "kraken_sdk.symbols",
    "kraken_sdk.testing",
    "kraken_sdk.transport",
)

ROOT_API = [
    "ENDPOINTS",
    "AsyncKrakenClient",
    "Credentials",
    "CredentialsError",
    "DeadMansSwitch",
    "FileNonceSource",
    "FileRateLimiter",
    "KrakenAPIError",
    "KrakenAdapter",
    "KrakenClient",
    "KrakenError",
    "NonceSource",
    "OrderOutcomeUnknown",
    "RateLimiter",
    "RateLimits",
    "ReconcilePolicy",
    "RetryPolicy",
    "TransportError",
    "ValidationError",
    "WithdrawalsDisabledError",
    "__version__",
]


def isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest; each A-Z."""
    bare = name.lstrip("_")
    if bare.isupper() or (bare.upper() == bare and "_" in bare):
        kind = 0
    elif bare[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, name


def test_the_root_surface_is_exactly_the_documented_one() -> None:
    assert sorted(kraken_sdk.__all__, key=isort_key) == sorted(ROOT_API, key=isort_key)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_sorted_and_every_name_imports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = list(module.__all__)
    assert names == sorted(names, key=isort_key), f"{module_name}.__all__ is not sorted"
    assert len(set(names)) == len(names), f"{module_name}.__all__ repeats a name"
    for name in names:
        assert getattr(module, name) is not None or name.isupper(), f"{module_name}.{name}"


def _top_level_definitions(source: str) -> set[str]:
    """Names a module binds at its top level by def, class or assignment (not by import)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_nothing_is_public_by_accident(module_name: str) -> None:
    module = importlib.import_module(module_name)
    source = Path(inspect.getfile(module)).read_text(encoding="utf-8")
    defined = _top_level_definitions(source)
    accidental = sorted(
        name
        for name in defined
        if not name.startswith("_") and name not in module.__all__ and name != "logger"
    )
    assert accidental == [], f"{module_name}: public but not in __all__: {accidental}"


def test_public_faces_are_the_real_objects() -> None:
    """The old import paths (README, examples) hand out the same objects as their new homes."""
    from kraken_sdk import errors
    from kraken_sdk._core import errors as core_errors

    assert errors.KrakenError is core_errors.KrakenError
    for face in ("errors", "auth", "nonce", "ratelimit", "endpoints", "transport", "execution"):
        module = importlib.import_module(f"kraken_sdk.{face}")
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                home = importlib.import_module(value.__module__)
                assert getattr(home, name) is value, f"{face}.{name}"


README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_imports() -> list[str]:
    lines = README.read_text(encoding="utf-8").splitlines()
    found: set[str] = set()
    for line in lines:
        statement = line.split("#", 1)[0].strip()
        if statement.startswith(("from kraken_sdk", "import kraken_sdk")):
            found.add(statement)
    return sorted(found)


@pytest.mark.parametrize("statement", _readme_imports())
def test_every_import_the_readme_shows_works(statement: str) -> None:
    exec(statement, {})  # the README's own import lines, verbatim
