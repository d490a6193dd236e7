"""Signing reproduces Kraken's vector; credentials load from arguments, env, .env, keyring and
never show the secret."""

from __future__ import annotations

import json
import os
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from kraken_wire import KEY, SECRET

from kraken_sdk import Credentials, KrakenClient, ValidationError
from kraken_sdk.auth import sign

DOCS_NONCE = "1616492376594"
DOCS_BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
DOCS_SIGN = (
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
)
VECTORS = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "signature_vectors.json"


def test_sign_reproduces_krakens_documented_vector() -> None:
    assert sign(SECRET, "/0/private/AddOrder", DOCS_NONCE, DOCS_BODY) == DOCS_SIGN
    assert sign(SECRET, "/0/private/AddOrder", int(DOCS_NONCE), DOCS_BODY.encode()) == DOCS_SIGN


def test_credentials_sign_matches_the_pure_function() -> None:
    credentials = Credentials(KEY, SECRET)
    signed = credentials.sign("/0/private/AddOrder", int(DOCS_NONCE), DOCS_BODY.encode())
    assert signed == DOCS_SIGN


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/0/private/AddOrde", SECRET),  # wrong path
        ("/0/private/AddOrder", "AAAA" + SECRET[4:]),  # wrong secret
    ],
)
def test_sign_changes_with_path_and_secret(path: str, secret: str) -> None:
    assert sign(secret, path, DOCS_NONCE, DOCS_BODY) != DOCS_SIGN


@pytest.mark.skipif(not VECTORS.exists(), reason="../shared/conformance is not beside the checkout")
def test_sign_matches_every_collected_vector_with_a_base64_secret() -> None:
    vectors = json.loads(VECTORS.read_text())["vectors"]
    checked = 0
    for vector in vectors:
        if "secret_base64" not in vector or "expected_api_sign" not in vector:
            continue
        got = sign(
            vector["secret_base64"], vector["uri_path"], vector["nonce"], vector["post_data"]
        )
        assert got == vector["expected_api_sign"], vector["id"]
        checked += 1
    assert checked >= 1


def test_secret_that_is_not_base64_fails_at_construction_without_echoing_it() -> None:
    bad = "this-is-not-base64!!"
    with pytest.raises(ValidationError, match="not valid base64") as caught:
        KrakenClient(KEY, bad)
    assert caught.value.field == "api_secret"
    assert bad not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_key_without_its_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="api_secret"):
        KrakenClient(api_key=KEY)


def test_secret_never_appears_in_repr_str_or_pickle() -> None:
    credentials = Credentials(KEY, SECRET)
    client = KrakenClient(credentials=credentials)
    for text in (repr(credentials), str(credentials), repr(client), str(client)):
        assert SECRET not in text
        assert SECRET[:12] not in text
        assert KEY not in text  # only the first characters of the key
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(credentials)
    assert credentials.api_secret == SECRET  # explicit access still works


def test_from_env_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRAKEN_API_KEY", KEY)
    monkeypatch.setenv("KRAKEN_API_SECRET", SECRET)
    monkeypatch.setenv("KRAKEN_API_URL", "http://127.0.0.1:9999")
    client = KrakenClient.from_env(dotenv=False)
    assert client.credentials == Credentials(KEY, SECRET)
    assert client.base_url == "http://127.0.0.1:9999"


def test_from_env_reads_a_dotenv_file_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dotenv")
    (tmp_path / ".env").write_text(
        f"KRAKEN_API_KEY=from-file\nKRAKEN_API_SECRET={SECRET}\nKRAKEN_API_URL=http://file:1\n"
    )
    monkeypatch.chdir(tmp_path)
    client = KrakenClient.from_env()
    assert client.credentials is not None
    assert client.credentials.api_key == "from-file"
    assert client.base_url == "http://file:1"

    monkeypatch.setenv("KRAKEN_API_KEY", KEY)
    assert KrakenClient.from_env().credentials == Credentials(KEY, SECRET)


def test_from_env_without_any_key_gives_a_public_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    client = KrakenClient.from_env()
    assert client.credentials is None
    assert client.base_url == "https://api.kraken.com"


def test_from_env_with_half_a_key_pair_says_which_half_is_missing() -> None:
    with pytest.raises(ValidationError, match="KRAKEN_API_SECRET is not set"):
        Credentials.from_env({"KRAKEN_API_KEY": KEY}, dotenv=False)


def test_keyring_round_trip_with_a_stand_in_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our use of the keyring API, checked without touching the machine's real keychain."""
    store: dict[tuple[str, str], str] = {}
    fake: Any = types.ModuleType("keyring")
    fake.get_password = lambda service, user: store.get((service, user))
    fake.set_password = lambda service, user, value: store.__setitem__((service, user), value)
    monkeypatch.setitem(sys.modules, "keyring", fake)

    Credentials(KEY, SECRET).store_in_keyring("bot")
    assert KrakenClient.from_keyring("bot").credentials == Credentials(KEY, SECRET)
    with pytest.raises(ValidationError, match="no key pair for 'other'"):
        Credentials.from_keyring("other")


def test_keyring_with_the_real_package() -> None:
    keyring = pytest.importorskip("keyring")
    if "fail" in type(keyring.get_keyring()).__name__.lower():
        pytest.skip("no keyring backend on this machine")
    name = f"kraken-sdk-test-{os.getpid()}"
    Credentials(KEY, SECRET).store_in_keyring(name, service="kraken-sdk-tests")
    try:
        assert Credentials.from_keyring(name, service="kraken-sdk-tests") == Credentials(
            KEY, SECRET
        )
    finally:
        keyring.delete_password("kraken-sdk-tests", name)
        keyring.delete_password("kraken-sdk-tests", f"{name}:secret")
