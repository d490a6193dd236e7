"""Real Kraken bodies decode with our models.

Two sources, both read from ../shared beside the checkout (never committed): every example
response in Kraken's OpenAPI spec, and every sample in the conformance corpus (real captures,
docs examples, other libraries' fixtures). A sample that cannot decode must be listed in
EXPECTED_FAILURES with the reason; the list is strict, so a listed sample that starts to decode
fails the run too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kraken_sdk import ENDPOINTS
from kraken_sdk.errors import KrakenError

SHARED = Path(os.environ.get("KRAKEN_SDK_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SPEC = SHARED / "kraken_openapi.json"
CORPUS = SHARED / "conformance"

# (file stem, sample index) -> why the sample cannot decode with a correct model.
EXPECTED_FAILURES: dict[tuple[str, int], str] = {
    # ccxt's fixture recorder stringified the count; Kraken documents and sends an integer.
    ("CancelOrder", 1): "count is the string '1' where Kraken documents an integer",
    # Kraken.Net's fixture answers Earn/Deallocate with DeallocateStatus's {"pending": false};
    # Kraken documents a bare boolean.
    ("Earn_Deallocate", 1): "an object where Kraken documents a bare boolean",
    # ccxt's recorder and one older docs example stringify integers.
    ("ClosedOrders", 5): "count is the string '1' where Kraken documents an integer",
    ("OpenOrders", 1): "userref is '' where Kraken documents an integer or null",
    ("OpenOrders", 5): "userref is the string '0' where Kraken documents an integer",
    ("OpenOrders", 6): "userref is the string '0' where Kraken documents an integer",
    ("OpenOrders", 7): "userref is the string '0' where Kraken documents an integer",
    ("QueryOrders", 5): "userref is the string '0' where Kraken documents an integer",
    ("QueryOrders", 6): "userref is the string '0' where Kraken documents an integer",
}

# Spec examples (test id) that contradict the spec's own schema.
EXPECTED_SPEC_FAILURES: dict[str, str] = {
    "OrderAmends:schema example": "wrapped in a spurious 'response' key (reference §9)",
}

# Corpus files for methods Kraken has removed; they have no endpoint to decode with.
RETIRED_METHODS = {
    "Stake": "legacy staking, replaced by Earn; no longer served",
    "Unstake": "legacy staking, replaced by Earn; no longer served",
    "Staking/Assets": "legacy staking, replaced by Earn; no longer served",
    "Staking/Pending": "legacy staking, replaced by Earn; no longer served",
    "Staking/Transactions": "legacy staking, replaced by Earn; no longer served",
}


def _spec_examples() -> list[Any]:
    if not SPEC.exists():
        return []
    spec = json.loads(SPEC.read_text())
    cases = []
    for path, operations in spec["paths"].items():
        method = path.split("/", 2)[2]
        for operation in operations.values():
            content = operation.get("responses", {}).get("200", {}).get("content", {})
            for media in content.values():
                found = []
                if "example" in media:
                    found.append(("example", media["example"]))
                if "example" in media.get("schema", {}):
                    found.append(("schema example", media["schema"]["example"]))
                for label, example in media.get("examples", {}).items():
                    found.append((label, example.get("value")))
                for label, value in found:
                    case_id = f"{method}:{label}"
                    marks = []
                    if case_id in EXPECTED_SPEC_FAILURES:
                        reason = EXPECTED_SPEC_FAILURES[case_id]
                        marks.append(pytest.mark.xfail(reason=reason, strict=True))
                    cases.append(pytest.param(method, value, marks=marks, id=case_id))
    return cases


def _corpus_samples() -> list[Any]:
    if not CORPUS.exists():
        return []
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        document = json.loads(path.read_text())
        if "endpoint" not in document or "samples" not in document:
            continue
        for index, sample in enumerate(document["samples"]):
            key = (path.stem, index)
            marks = []
            if key in EXPECTED_FAILURES:
                marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[key], strict=True))
            cases.append(
                pytest.param(document["endpoint"], sample, marks=marks, id=f"{path.stem}[{index}]")
            )
    return cases


def _body(sample: dict[str, Any]) -> bytes:
    raw = sample.get("response_raw")
    if isinstance(raw, str):
        return raw.encode()
    return json.dumps(sample["response"]).encode()


@pytest.mark.skipif(not SPEC.exists(), reason="../shared/kraken_openapi.json is absent")
@pytest.mark.parametrize(("method", "example"), _spec_examples())
def test_spec_example_decodes(method: str, example: Any) -> None:
    body = example.encode() if isinstance(example, str) else json.dumps(example).encode()
    result = ENDPOINTS[method].decode(body)
    assert result is not None


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/conformance is not beside the checkout")
@pytest.mark.parametrize(("method", "sample"), _corpus_samples())
def test_corpus_sample_decodes(method: str, sample: dict[str, Any]) -> None:
    if method in RETIRED_METHODS:
        assert method not in ENDPOINTS, RETIRED_METHODS[method]
        return
    body = _body(sample)
    failures = [message for message in json.loads(body)["error"] if message.startswith("E")]
    if failures:
        # Error envelopes are method-independent; they must raise with Kraken's strings intact.
        endpoint = ENDPOINTS.get(method, ENDPOINTS["Time"])
        with pytest.raises(KrakenError) as caught:
            endpoint.decode(body)
        assert list(caught.value.errors) == failures
        return
    result = ENDPOINTS[method].decode(body)
    assert result is not None


def test_every_spec_method_has_an_endpoint() -> None:
    if not SPEC.exists():
        pytest.skip("../shared/kraken_openapi.json is not beside the checkout")
    spec = json.loads(SPEC.read_text())
    methods = {path.split("/", 2)[2] for path in spec["paths"]}
    assert methods - set(ENDPOINTS) == set()
    assert len(methods) == 54
