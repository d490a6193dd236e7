"""A minimal signing HTTP client for testing the sandbox's wire protocol directly."""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse
from typing import Any

import requests

from kraken_sdk import ENDPOINTS
from kraken_sdk.auth import sign


class RawClient:
    """Speaks Kraken's protocol with no SDK logic in between: what you send is what arrives."""

    def __init__(self, url: str, key: str = "", secret: str = "") -> None:
        self.url, self.key, self.secret = url, key, secret
        self.http = requests.Session()
        self._nonce = itertools.count(int(time.time() * 1000))

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def nonce(self) -> int:
        return next(self._nonce)

    def get(self, method: str, **params: Any) -> requests.Response:
        return self.http.get(f"{self.url}/0/public/{method}", params=params, timeout=10)

    def post(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        as_json: bool = False,
        nonce: int | None = None,
        key: str | None = None,
        secret: str | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        payload = {"nonce": self.nonce() if nonce is None else nonce, **(params or {})}
        path = f"/0/private/{method}"
        if as_json:
            body = json.dumps(payload)
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode(payload)
            content_type = "application/x-www-form-urlencoded"
        headers = {
            "API-Key": self.key if key is None else key,
            "API-Sign": sign(
                self.secret if secret is None else secret, path, payload["nonce"], body
            ),
            "Content-Type": content_type,
            "User-Agent": "sandbox-tests",
        }
        return self.http.post(self.url + path, data=body, headers=headers, timeout=timeout)

    # -- conveniences: the decoded result through our own models, or the raw envelope --

    def call(self, method: str, params: dict[str, Any] | None = None, **options: Any) -> Any:
        """A private call; returns the raw JSON result after checking it decodes with our model."""
        response = self.post(method, params, **options)
        return checked(method, response)

    def public(self, method: str, **params: Any) -> Any:
        return checked(method, self.get(method, **params))

    def error(self, method: str, params: dict[str, Any] | None = None, **options: Any) -> str:
        """The single error string of a refused private call."""
        body = self.post(method, params, **options).json()
        assert "result" not in body, body
        assert len(body["error"]) == 1, body
        return str(body["error"][0])


def checked(method: str, response: requests.Response) -> Any:
    """The result of a successful answer, after decoding it with ENDPOINTS[method]."""
    assert response.status_code == 200, response.text[:200]
    ENDPOINTS[method].decode(response.content)
    body = response.json()
    assert body["error"] == [], body
    return body["result"]
