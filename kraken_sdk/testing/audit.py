"""`python -m kraken_sdk.testing.audit PATH...`: fail if a cassette holds a key, secret, signature.

Every .yaml/.yml/.json file under the paths is read twice. Line by line, for runs of 32 or
more base64 characters mixing upper case, lower case and digits (Kraken keys are 56
characters, secrets and signatures 88, WebSocket tokens 43), also after percent-decoding, so
a form-encoded secret is caught; of a `uri:` line only the query is searched, since a URL
path is base64-alphabet text. As a vcrpy cassette, for API-Key and API-Sign headers that
are not REDACTED, a body nonce that is not 0, an otp that is not REDACTED, and response
fields from SENSITIVE_RESPONSE_FIELDS that were not scrubbed.

Prints `file:line: reason` per finding, never the value itself (only its first characters
and length), and exits 1 if there was any, 2 if a path does not exist, 0 otherwise.
Binary bodies (`!!binary`) are decoded and searched the same way, inside zip files too
(RetrieveExport's reports).
"""

from __future__ import annotations

import argparse
import base64
import importlib
import io
import json
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from kraken_sdk.testing._scrub import (
    REDACTED,
    SCRUBBED_HEADERS,
    SENSITIVE_RESPONSE_FIELDS,
    is_json,
)

__all__ = ["Finding", "audit_file", "audit_paths", "audit_text", "main"]

MIN_RUN = 32
SUFFIXES = (".yaml", ".yml", ".json")
BINARY_TAG = "tag:yaml.org,2002:binary"

_BASE64_RUN = re.compile(rf"[A-Za-z0-9+/]{{{MIN_RUN},}}={{0,2}}")
_SENSITIVE_JSON = re.compile(
    r'"(' + "|".join(sorted(SENSITIVE_RESPONSE_FIELDS)) + r')"\s*:\s*"((?:[^"\\]|\\.)*)"'
)
_SIGNED_HEADERS = {name.lower() for name in SCRUBBED_HEADERS}


@dataclass(frozen=True, slots=True)
class Finding:
    """Something in a cassette that looks secret, and where."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _mask(value: str) -> str:
    """Enough to find the value, not enough to use it."""
    return f"{value[:4]}... ({len(value)} chars)"


def _looks_like_base64_secret(run: str) -> bool:
    core = run.rstrip("=")
    return (
        any(c.isupper() for c in core)
        and any(c.islower() for c in core)
        and any(c.isdigit() for c in core)
    )


_URI_LINE = re.compile(r"^(\s*-?\s*uri:\s*)(\S+)")


def _base64_runs(line: str) -> Iterator[str]:
    uri = _URI_LINE.match(line)
    if uri:  # a URL path is base64-alphabet text; only a query can carry a value
        line = urlsplit(uri[2].strip("'\"")).query
    seen: set[str] = set()
    for variant in (line, unquote(line), line.replace("\\/", "/")):
        for match in _BASE64_RUN.finditer(variant):
            run = match.group()
            if run not in seen and _looks_like_base64_secret(run):
                seen.add(run)
                yield run


def _binary_runs(data: bytes) -> Iterator[str]:
    """Base64-like runs in raw bytes, and in the members of a zip file."""
    texts = [data]
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                texts.extend(archive.read(name) for name in archive.namelist())
        except (zipfile.BadZipFile, OSError, RuntimeError):
            pass
    for text in texts:
        for line in text.decode("latin-1").splitlines():
            yield from _base64_runs(line)


def audit_text(text: str, path: Path | str = "<text>") -> list[Finding]:
    """All findings in one cassette's text."""
    path = Path(path)
    structure = _Structure(path, text)
    findings = structure.findings()
    for number, line in enumerate(text.splitlines(), start=1):
        if number in structure.binary_lines:
            continue
        findings.extend(
            Finding(path, number, f"looks like a key, secret or signature: {_mask(run)}")
            for run in _base64_runs(line)
        )
    return sorted(set(findings), key=lambda f: (f.line, f.message))


def audit_file(path: Path | str) -> list[Finding]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [Finding(path, 1, "not UTF-8 text, cannot be audited")]
    return audit_text(text, path)


def cassette_files(paths: Iterable[Path | str]) -> list[Path]:
    """The cassette files named or found (recursively) under the paths, sorted."""
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found.extend(p for p in entry.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            found.append(entry)
    return sorted(found)


def audit_paths(paths: Iterable[Path | str]) -> list[Finding]:
    return [finding for path in cassette_files(paths) for finding in audit_file(path)]


class _Structure:
    """A cassette read as YAML nodes, which carry their line numbers."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.binary_lines: set[int] = set()
        self._findings: list[Finding] = []
        try:
            yaml = importlib.import_module("yaml")
        except ImportError:
            raise ImportError("the audit reads YAML: pip install kraken-sdk[testing]") from None
        try:
            self.root = yaml.compose(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            problem = f"not valid YAML ({error.__class__.__name__})"
            self._findings.append(Finding(path, line, problem))
            self.root = None

    def findings(self) -> list[Finding]:
        if self.root is not None:
            self._mark_binary(self.root)
            interactions = _get(self.root, "interactions")
            for interaction in _items(interactions):
                self._request(_get(interaction, "request"))
                self._response(_get(interaction, "response"))
        return self._findings

    def _add(self, node: Any, message: str) -> None:
        self._findings.append(Finding(self.path, node.start_mark.line + 1, message))

    def _mark_binary(self, node: Any) -> None:
        """Binary bodies: their base64 lines are skipped by the text scan; the bytes are not."""
        if node.tag == BINARY_TAG:
            self.binary_lines.update(range(node.start_mark.line + 1, node.end_mark.line + 2))
            try:
                data = base64.b64decode("".join(str(node.value).split()))
            except ValueError:
                data = b""
            for run in _binary_runs(data):
                self._add(node, f"binary body holds what looks like a key or secret: {_mask(run)}")
        for child in _children(node):
            self._mark_binary(child)

    def _request(self, request: Any) -> None:
        for key, value in _pairs(_get(request, "headers")):
            if str(key.value).lower() in _SIGNED_HEADERS:
                for scalar in _scalars(value):
                    if scalar.value != REDACTED:
                        value = _mask(scalar.value)
                        self._add(scalar, f"{key.value} header is not scrubbed: {value}")
        body = _get(request, "body")
        if body is None or body.tag == BINARY_TAG or not isinstance(body.value, str):
            return
        content_type = ""
        for key, value in _pairs(_get(request, "headers")):
            if str(key.value).lower() == "content-type":
                content_type = " ".join(str(s.value) for s in _scalars(value))
        for name, value in _volatile_fields(body.value, content_type):
            if name == "nonce" and str(value) != "0":
                self._add(body, f"nonce is not scrubbed: {_mask(str(value))}")
            if name == "otp" and value != REDACTED:
                self._add(body, f"otp is not scrubbed: {_mask(str(value))}")

    def _response(self, response: Any) -> None:
        body = _get(_get(response, "body"), "string")
        if body is None or body.tag == BINARY_TAG or not isinstance(body.value, str):
            return
        for match in _SENSITIVE_JSON.finditer(body.value):
            if match[2] != REDACTED:
                self._add(body, f"response field {match[1]!r} is not scrubbed: {_mask(match[2])}")


def _volatile_fields(body: str, content_type: str) -> list[tuple[str, Any]]:
    if is_json(body, content_type):
        try:
            document = json.loads(body)
        except ValueError:
            return []
        if not isinstance(document, dict):
            return []
        return [(name, document[name]) for name in ("nonce", "otp") if name in document]
    return [(n, v) for n, v in parse_qsl(body, keep_blank_values=True) if n in ("nonce", "otp")]


# -- YAML node helpers (nodes are yaml.Node; typed Any because PyYAML ships no types) --


def _children(node: Any) -> Iterator[Any]:
    value = getattr(node, "value", None)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, tuple):
                yield from item
            else:
                yield item


def _pairs(node: Any) -> list[tuple[Any, Any]]:
    if node is None or node.id != "mapping":
        return []
    return list(node.value)


def _get(node: Any, key: str) -> Any:
    for k, v in _pairs(node):
        if k.id == "scalar" and k.value == key:
            return v
    return None


def _items(node: Any) -> list[Any]:
    if node is None or node.id != "sequence":
        return []
    return list(node.value)


def _scalars(node: Any) -> list[Any]:
    if node is None:
        return []
    if node.id == "scalar":
        return [node]
    return [item for item in _items(node) if item.id == "scalar"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kraken_sdk.testing.audit",
        description="Fail if a cassette holds anything that looks like a Kraken key, secret "
        "or signature: long base64 runs, unscrubbed API-Key/API-Sign headers, nonces or otps.",
    )
    parser.add_argument("paths", nargs="+", help="cassette files or folders (searched recursively)")
    args = parser.parse_args(argv)
    missing = [path for path in args.paths if not Path(path).exists()]
    if missing:
        print(f"audit: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    files = cassette_files(args.paths)
    findings = [finding for path in files for finding in audit_file(path)]
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"audit: {len(findings)} finding(s) in {len({f.path for f in findings})} of "
            f"{len(files)} cassette(s); re-record them with kraken_sdk.testing's scrubbers",
            file=sys.stderr,
        )
        return 1
    print(f"audit: {len(files)} cassette(s), no keys, secrets or signatures found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
