"""Request signing and credentials.

Kraken signs a private call as base64(HMAC-SHA512(base64decode(secret),
uri_path + SHA256(nonce + post_data))). `sign` is pure so it can be tested against Kraken's
published vector and reused by the sandbox to verify requests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret_b64: str, uri_path: str, nonce: int | str, post_data: str | bytes) -> str:
    """The API-Sign header for one request (post_data is the exact body sent)."""
    body = post_data.encode() if isinstance(post_data, str) else post_data
    digest = hashlib.sha256(str(nonce).encode() + body).digest()
    mac = hmac.digest(base64.b64decode(secret_b64), uri_path.encode() + digest, "sha512")
    return base64.b64encode(mac).decode()
