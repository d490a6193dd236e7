"""Request signing and credentials.

Kraken signs a private call as base64(HMAC-SHA512(base64decode(secret),
uri_path + SHA256(nonce + post_data))). `sign` is pure so it can be tested against Kraken's
published vector and reused by the sandbox to verify requests.

`Credentials` holds a key pair and keeps it out of sight: repr, str, pickles and exception
messages never show the secret (only the first characters of the key), so logging a client or
an error cannot leak it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from kraken_sdk._core.errors import ValidationError

__all__ = ["Credentials", "sign"]

ENV_KEY = "KRAKEN_API_KEY"
ENV_SECRET = "KRAKEN_API_SECRET"
ENV_URL = "KRAKEN_API_URL"
KEYRING_SERVICE = "kraken-sdk"


def sign(secret_b64: str, uri_path: str, nonce: int | str, post_data: str | bytes) -> str:
    """The API-Sign header for one request (post_data is the exact body sent)."""
    body = post_data.encode() if isinstance(post_data, str) else post_data
    digest = hashlib.sha256(str(nonce).encode() + body).digest()
    mac = hmac.digest(base64.b64decode(secret_b64), uri_path.encode() + digest, "sha512")
    return base64.b64encode(mac).decode()


class Credentials:
    """An API key and its secret, checked once and never shown.

    The secret is base64-decoded at construction (a malformed one fails here, not at the first
    call), so signing costs one HMAC and nothing else.
    """

    __slots__ = ("_key", "_secret")

    def __init__(self, api_key: str, api_secret: str) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValidationError("must be a non-empty string", field="api_key")
        if not isinstance(api_secret, str) or not api_secret.strip():
            raise ValidationError("must be a non-empty string", field="api_secret")
        try:
            secret = base64.b64decode(api_secret.strip(), validate=True)
        except (binascii.Error, ValueError):
            # The message names the problem, never the value.
            raise ValidationError(
                "is not valid base64; paste the private key exactly as Kraken showed it",
                field="api_secret",
                rule="base64",
            ) from None
        if not secret:
            raise ValidationError("decodes to nothing", field="api_secret", rule="base64")
        self._key = api_key.strip()
        self._secret = secret

    @property
    def api_key(self) -> str:
        """The public API key, sent in the API-Key header."""
        return self._key

    @property
    def api_secret(self) -> str:
        """The private key in Kraken's base64 form (ask for it only to hand it on)."""
        return base64.b64encode(self._secret).decode()

    def sign(self, uri_path: str, nonce: int, post_data: bytes) -> str:
        """The API-Sign header for one request; the same value as `sign()`."""
        digest = hashlib.sha256(str(nonce).encode() + post_data).digest()
        mac = hmac.digest(self._secret, uri_path.encode() + digest, "sha512")
        return base64.b64encode(mac).decode()

    def __repr__(self) -> str:
        return f"Credentials(api_key='{self._key[:4]}...', api_secret=<hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return hmac.compare_digest(self._key, other._key) and hmac.compare_digest(
            self._secret, other._secret
        )

    def __hash__(self) -> int:
        return hash((self._key, self._secret))

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials cannot be pickled (that would write the secret out)")

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        dotenv: str | os.PathLike[str] | bool = True,
    ) -> Credentials | None:
        """KRAKEN_API_KEY and KRAKEN_API_SECRET from the environment, else from a .env file.

        Real environment variables win over the .env file. `dotenv=True` looks for `.env` from
        the current directory upwards (needs python-dotenv); a path reads that file; False
        skips it. Returns None when neither variable is set anywhere.
        """
        values = read_settings(environ, dotenv=dotenv)
        key, secret = values.get(ENV_KEY), values.get(ENV_SECRET)
        if not key and not secret:
            return None
        if not key or not secret:
            missing = ENV_SECRET if key else ENV_KEY
            raise ValidationError(
                f"{missing} is not set but its partner is", field=missing, rule="both or neither"
            )
        return cls(key, secret)

    @classmethod
    def from_keyring(cls, username: str, service: str = KEYRING_SERVICE) -> Credentials:
        """The key pair stored with `keyring` (install kraken-sdk[keyring]).

        Store it once with `keyring set kraken-sdk <name>` twice: as `<name>` the API key and
        as `<name>:secret` the secret (or call `store_in_keyring`).
        """
        keyring = _import_keyring()
        key = keyring.get_password(service, username)
        secret = keyring.get_password(service, f"{username}:secret")
        if not key or not secret:
            raise ValidationError(
                f"keyring service {service!r} has no key pair for {username!r}",
                field="keyring",
                rule="stored key pair",
            )
        return cls(key, secret)

    def store_in_keyring(self, username: str, service: str = KEYRING_SERVICE) -> None:
        """Save this key pair with `keyring`, to be read back by `from_keyring(username)`."""
        keyring = _import_keyring()
        keyring.set_password(service, username, self._key)
        keyring.set_password(service, f"{username}:secret", self.api_secret)


def read_settings(
    environ: Mapping[str, str] | None = None,
    *,
    dotenv: str | os.PathLike[str] | bool = True,
) -> dict[str, str]:
    """KRAKEN_* settings: a .env file first, then the real environment on top of it."""
    values: dict[str, str] = {}
    if dotenv is not False:
        values.update(_read_dotenv(None if dotenv is True else Path(dotenv)))
    source = os.environ if environ is None else environ
    values.update({name: source[name] for name in (ENV_KEY, ENV_SECRET, ENV_URL) if name in source})
    return {name: value for name, value in values.items() if value}


def _read_dotenv(path: Path | None) -> dict[str, str]:
    try:
        import dotenv
    except ImportError:
        if path is not None:
            raise ImportError(
                "reading a .env file needs python-dotenv: pip install kraken-sdk[dotenv]"
            ) from None
        return {}
    found = str(path) if path is not None else dotenv.find_dotenv(usecwd=True)
    if not found:
        return {}
    return {k: v for k, v in dotenv.dotenv_values(found).items() if v is not None}


def _import_keyring() -> Any:
    try:
        return importlib.import_module("keyring")  # optional extra, imported only when used
    except ImportError:
        raise ImportError("keyring support needs: pip install kraken-sdk[keyring]") from None
