"""ENDPOINTS: one `Endpoint` per Kraken method, the table the client, CLI and sandbox share.

The facts (path, group, costs, idempotency) live in schemas/ and reach this module through the
generated `models._catalog`; this module adds what is derived from them and the one place where
a raw HTTP body becomes a typed result or an exception.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import msgspec

from kraken_sdk._core.errors import ResponseDecodeError, error_from_response
from kraken_sdk.models._base import Envelope, MethodSpec, RequestStruct
from kraken_sdk.models._catalog import METHODS

__all__ = [
    "ENDPOINTS",
    "DecodedResponse",
    "Endpoint",
    "EngineCharge",
    "Kind",
    "PairStyle",
    "PreCheck",
    "Settle",
    "python_name",
]

logger = logging.getLogger("kraken_sdk")

Group = Literal["market", "account", "trading", "funding", "earn", "subaccounts"]
Kind = Literal["public_read", "private_read", "private_write", "order_write", "funds_out"]
EngineCharge = Literal["add", "amend", "edit", "cancel"]
PairStyle = Literal["altname", "symbol", "as_given", "none"]
Settle = Literal["resend", "raise", "reconcile", "unknown"]
PreCheck = Literal["order", "order_batch", "edit", "amend"]


class DecodedResponse(NamedTuple):
    """A typed result with the `W...` warnings Kraken sent beside it."""

    result: Any
    warnings: tuple[str, ...]


def python_name(method: str) -> str:
    """`TradesHistory` -> `trades_history`; `Earn/Allocate` -> `allocate` (its group says earn)."""
    last = method.rsplit("/", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", last).lower()


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One Kraken method: how to call it, what it costs, and how to read its answer.

    Every per-method fact comes from the schema's x-kraken block (schemas/README.md says what
    each means); modules read these fields instead of keeping lists of method names.
    """

    name: str
    path: str
    http_method: Literal["GET", "POST"]
    private: bool
    group: Group
    python_name: str
    summary: str
    module: str
    idempotent: bool
    rest_cost: int
    engine: EngineCharge | None
    kind: Kind
    permission: str | tuple[str, ...] | None
    pair_style: PairStyle
    settle: Settle
    pre_check: PreCheck | None
    body: Literal["query", "form", "json"]
    binary: bool
    fixed_keys: tuple[str, ...]
    exactly_one: tuple[str, ...]
    at_least_one: tuple[str, ...]
    at_most_in_total: tuple[tuple[str, ...], int] | None
    _type_names: tuple[str, str, str | None] = field(repr=False, compare=False)
    _types: tuple[type[RequestStruct], Any, Any] | None = field(
        default=None, repr=False, compare=False
    )
    _decoder: msgspec.json.Decoder[Envelope[Any]] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def from_spec(cls, spec: MethodSpec) -> Endpoint:
        private = spec.path.startswith("/0/private/")
        return cls(
            name=spec.name,
            path=spec.path,
            http_method="POST" if private else "GET",
            private=private,
            group=spec.group,
            python_name=python_name(spec.name),
            summary=spec.summary,
            module=spec.module,
            idempotent=spec.idempotent,
            rest_cost=spec.rest_cost,
            engine=spec.engine,
            kind=spec.kind,
            permission=spec.permission,
            pair_style=spec.pair_style,
            settle=spec.settle,
            pre_check=spec.pre_check,
            body=spec.body,
            binary=spec.binary,
            fixed_keys=spec.fixed_keys,
            exactly_one=spec.exactly_one,
            at_least_one=spec.at_least_one,
            at_most_in_total=spec.at_most_in_total,
            _type_names=(spec.params, spec.result, spec.wire),
        )

    @property
    def trading_engine(self) -> bool:
        """Whether the per-pair matching-engine counter applies (`engine` names the charge)."""
        return self.engine is not None

    @property
    def permission_options(self) -> tuple[frozenset[str], ...]:
        """`permission` as alternatives, each the set of permissions that together allow the
        call; () when no permission is needed (public methods, GetApiKeyInfo)."""
        if self.permission is None:
            return ()
        options = (self.permission,) if isinstance(self.permission, str) else self.permission
        return tuple(frozenset(option.split("+")) for option in options)

    @property
    def params_type(self) -> type[RequestStruct]:
        """The strict model of the parameters (`models.<module>.<Method>Params`)."""
        return self._models()[0]

    @property
    def result_type(self) -> Any:
        """The typed result (`models.<module>.<Method>Result`)."""
        return self._models()[1]

    def _models(self) -> tuple[type[RequestStruct], Any, Any]:
        """(params, result, wire) types, from `kraken_sdk.models.<module>` on first use:
        importing all 61 model modules would cost `import kraken_sdk` ~10 ms."""
        types = self._types
        if types is None:
            models = importlib.import_module(f"kraken_sdk.models.{self.module}")
            params, result, wire = self._type_names
            types = (
                getattr(models, params),
                getattr(models, result),
                getattr(models, wire if wire is not None else result),
            )
            object.__setattr__(self, "_types", types)  # a cache, not state: frozen is fine
        return types

    def _envelope_decoder(self) -> msgspec.json.Decoder[Envelope[Any]]:
        """Built on first use: msgspec resolving all 57 result types costs ~20 ms at import."""
        decoder = self._decoder
        if decoder is None:
            wire = self._models()[2]
            decoder = msgspec.json.Decoder(Envelope[wire])  # type: ignore[valid-type]
            object.__setattr__(self, "_decoder", decoder)  # a cache, not state: frozen is fine
        return decoder

    def decode(self, body: bytes) -> Any:
        """Raw HTTP body -> typed result; raises a KrakenError for an error envelope."""
        return self.decode_response(body).result

    def decode_response(self, body: bytes) -> DecodedResponse:
        """Like `decode`, keeping the `W...` warnings Kraken sent beside the result."""
        if self.binary and not body.lstrip().startswith(b"{"):
            return DecodedResponse(body, ())
        try:
            envelope = self._envelope_decoder().decode(body)
        except msgspec.ValidationError as exc:
            raise self._shape_error(body, exc) from exc
        except msgspec.DecodeError as exc:
            raise ResponseDecodeError.from_body(self.name, body) from exc
        failures = [message for message in envelope.error if not message.startswith("W")]
        warnings = tuple(message for message in envelope.error if message.startswith("W"))
        if failures:
            raise error_from_response(self.name, failures)
        for warning in warnings:
            logger.warning("%s: Kraken warning %s", self.name, warning)
        result = envelope.result
        if result is msgspec.UNSET or result is None:
            raise ResponseDecodeError(
                f"{self.name}: the response has neither a result nor an error",
                method=self.name,
            )
        if self.fixed_keys:
            result = self._from_wire(result)
        return DecodedResponse(result, warnings)

    def _from_wire(self, wire: dict[str, Any]) -> Any:
        fixed = {key: wire.pop(key) for key in self.fixed_keys if key in wire}
        try:
            return msgspec.convert({**fixed, "pairs": wire}, self.result_type)
        except msgspec.ValidationError as exc:
            raise _shape_mismatch(self.name, exc) from exc

    def _shape_error(self, body: bytes, exc: msgspec.ValidationError) -> Exception:
        """An error envelope whose result also fails to decode still raises Kraken's error."""
        try:
            envelope = msgspec.json.decode(body, type=Envelope[Any])
        except msgspec.MsgspecError:
            return ResponseDecodeError.from_body(self.name, body)
        failures = [message for message in envelope.error if not message.startswith("W")]
        if failures:
            return error_from_response(self.name, failures)
        return _shape_mismatch(self.name, exc)


def _shape_mismatch(method: str, exc: msgspec.ValidationError) -> ResponseDecodeError:
    """Kraken succeeded (no error strings) but the result is not what the model says.

    The call executed, and resending it would fail the same way: neither transient nor
    "surely not executed".
    """
    return ResponseDecodeError(
        f"{method}: Kraken answered successfully, but the result does not match the "
        f"documented shape: {exc}",
        method=method,
        surely_not_executed=False,
        transient=False,
    )


ENDPOINTS: dict[str, Endpoint] = {spec.name: Endpoint.from_spec(spec) for spec in METHODS}
