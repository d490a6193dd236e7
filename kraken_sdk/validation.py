"""Input checks that run before anything is sent: types, then the pair's order rules.

Three steps, all raising ValidationError naming the field and the rule:

1. `normalize` shapes what callers pass into what the strict params model accepts: floats go
   through their shortest repr (0.1 -> Decimal("0.1"), never 0.1000000000000000055...), numbers
   given for string fields (prices, which may also be relative like "+1.5%") are written
   positionally (`format(d, "f")`, never `1E-8`), tuples become lists, aware datetimes RFC 3339.
2. `convert` validates against the generated params struct (unknown parameters, missing ones,
   enums, patterns, bounds), then `check_numbers` refuses NaN, infinities and negatives.
3. `check_order` / `check_amend` apply AssetPairs' rules with exact Decimal arithmetic: volume
   >= ordermin and within lot_decimals, price on the tick_size grid, price * volume >= costmin
   where the price is known, pair status, relative-price syntax per order type, viqc.
"""

from __future__ import annotations

import decimal
import difflib
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import msgspec.inspect as mi

from kraken_sdk._core.calls import NOT_GIVEN
from kraken_sdk._core.endpoints import ENDPOINTS
from kraken_sdk._core.errors import ValidationError
from kraken_sdk.symbols import PairInfo

__all__ = [
    "check_amend",
    "check_edit",
    "check_numbers",
    "check_order",
    "check_rules",
    "convert",
    "ensure_client_order_ids",
    "normalize",
    "to_decimal",
]

_EXACT = decimal.Context(prec=80, traps=[decimal.InvalidOperation, decimal.Overflow])
_RELATIVE = re.compile(r"^(?P<sign>[+#-])(?P<offset>[0-9]+(\.[0-9]+)?)(?P<pct>%?)$")
_ABSOLUTE = re.compile(r"^[0-9]+(\.[0-9]+)?$")


# --- step 1: normalize --------------------------------------------------------------------------


def to_decimal(value: float, field: str | None = None, method: str | None = None) -> Decimal:
    """A float through its shortest repr: 0.1 -> Decimal('0.1'), 1e-05 -> Decimal('0.00001')."""
    if not math.isfinite(value):
        raise ValidationError(f"{value!r} is not a finite number", method=method, field=field)
    return Decimal(repr(value))


def normalize(method: str, params: Mapping[str, Any], params_type: type[Any]) -> dict[str, Any]:
    """Caller's values -> what msgspec.convert(params_type) accepts (see the module docstring)."""
    info = _struct_info(params_type)
    return _normalize_struct(method, params, info, "")


_INFO: dict[type[Any], mi.StructType] = {}


def _struct_info(struct_type: type[Any]) -> mi.StructType:
    """msgspec's description of a params struct (cached: inspecting costs ~50 µs)."""
    info = _INFO.get(struct_type)
    if info is None:
        found = mi.type_info(struct_type)
        assert isinstance(found, mi.StructType)
        info = _INFO[struct_type] = found
    return info


def _members(t: mi.Type | None) -> list[mi.Type]:
    """A type with Annotated metadata and unions flattened away."""
    if t is None:
        return []
    if isinstance(t, mi.Metadata):
        return _members(t.type)
    if isinstance(t, mi.UnionType):
        return [m for member in t.types for m in _members(member)]
    return [t]


def _normalize_struct(
    method: str, params: Mapping[str, Any], info: mi.StructType, prefix: str
) -> dict[str, Any]:
    fields = {f.encode_name: f.type for f in info.fields}
    return {
        key: _normalize(method, value, fields.get(key), f"{prefix}{key}")
        for key, value in params.items()
        if value is not NOT_GIVEN
    }


def _normalize(method: str, value: Any, t: mi.Type | None, field: str) -> Any:
    members = _members(t)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        value = to_decimal(value, field, method)
    if isinstance(value, int | Decimal):
        return _normalize_number(method, value, members, field)
    if isinstance(value, datetime) and any(isinstance(m, mi.StrType) for m in members):
        if value.tzinfo is None:
            raise ValidationError(
                "needs a timezone-aware datetime", method=method, field=field, rule="aware"
            )
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, msgspec.Struct):  # e.g. an AddOrderBatchOrder built by the caller
        value = msgspec.to_builtins(value, builtin_types=(Decimal,))
    if isinstance(value, Mapping):
        for member in members:
            if isinstance(member, mi.StructType):
                return _normalize_struct(method, value, member, f"{field}.")
        return dict(value)
    if isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes | bytearray):
        item_type = next(
            (m.item_type for m in members if isinstance(m, mi.ListType | mi.VarTupleType)), None
        )
        return [
            _normalize(method, item, item_type, f"{field}[{index}]")
            for index, item in enumerate(value)
        ]
    return value


def _normalize_number(method: str, value: int | Decimal, members: list[mi.Type], field: str) -> Any:
    numeric = (mi.DecimalType, mi.IntType, mi.FloatType, mi.LiteralType)
    wants_number = any(isinstance(m, numeric) for m in members)
    wants_str = any(isinstance(m, mi.StrType) for m in members)
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValidationError(f"{value} is not a finite number", method=method, field=field)
    if wants_str and not wants_number:
        if value < 0:
            raise ValidationError(
                "a negative number is not a valid value here; write a relative price as a "
                "string such as '-5' or '-1.5%'",
                method=method,
                field=field,
                rule="non-negative",
            )
        return format(Decimal(value), "f")
    if (
        isinstance(value, Decimal)
        and any(isinstance(m, mi.IntType) for m in members)
        and not any(isinstance(m, mi.DecimalType) for m in members)
        and value == value.to_integral_value()
    ):
        return int(value)
    return value


# --- step 2: convert ----------------------------------------------------------------------------

_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>.+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>.+)`$")


def convert(method: str, params: Mapping[str, Any], params_type: type[Any]) -> Any:
    """Validate against the strict params struct; msgspec's complaint becomes a ValidationError."""
    try:
        return msgspec.convert(params, params_type)
    except msgspec.ValidationError as exc:
        raise _translate(method, str(exc), params_type) from None


def _translate(method: str, text: str, params_type: type[Any]) -> ValidationError:
    match = _AT.match(text)
    message = match.group("message") if match else text
    path = (match.group("path") or "").lstrip(".") if match else ""
    info = _field_at(_struct_info(params_type), path)
    if found := _UNKNOWN.match(message):
        name = found.group("name")
        known = [f.encode_name for f in info.fields] if isinstance(info, mi.StructType) else []
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return ValidationError(
            f"{method} has no parameter {name!r}{hint}",
            method=method,
            field=_join(path, name),
            rule="unknown parameter",
        )
    if found := _MISSING.match(message):
        name = found.group("name")
        return ValidationError(
            "is required", method=method, field=_join(path, name), rule="required"
        )
    described = _description(info)
    text = message[0].lower() + message[1:] if message else message
    allowed = [v for m in _members(info) if isinstance(m, mi.LiteralType) for v in m.values]
    if allowed and message.startswith("Invalid enum value"):
        text += f"; expected one of {', '.join(repr(v) for v in allowed)}"
    if described:
        text = f"{text} ({described})"
    return ValidationError(text, method=method, field=path or None, rule=message)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _field_at(info: mi.Type, path: str) -> mi.Type:
    """The inspect type at `orders[0].close.price`-style path (best effort)."""
    current: mi.Type = info
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        members = _members(current)
        if part.startswith("["):
            current = next(
                (m.item_type for m in members if isinstance(m, mi.ListType | mi.VarTupleType)),
                current,
            )
            continue
        struct = next((m for m in members if isinstance(m, mi.StructType)), None)
        if struct is None:
            return current
        field = next((f for f in struct.fields if f.encode_name == part), None)
        if field is None:
            return current
        current = field.type
    return current


def _description(t: mi.Type) -> str:
    if isinstance(t, mi.Metadata):
        described = (t.extra_json_schema or {}).get("description")
        return str(described) if described else _description(t.type)
    if isinstance(t, mi.UnionType):
        for member in t.types:
            if described := _description(member):
                return described
    return ""


def check_numbers(method: str, fields: Mapping[str, Any], prefix: str = "") -> None:
    """Every Decimal parameter is finite and not negative (Kraken takes no negative amounts)."""
    for key, value in fields.items():
        name = f"{prefix}{key}"
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValidationError(f"{value} is not a finite number", method=method, field=name)
            if value < 0:
                raise ValidationError(
                    f"must not be negative, got {value}", method=method, field=name, rule=">= 0"
                )
        elif isinstance(value, Mapping):
            check_numbers(method, value, f"{name}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    check_numbers(method, item, f"{name}[{index}].")


def check_rules(method: str, fields: Mapping[str, Any]) -> None:
    """Rules across parameters that a JSON Schema cannot say for Kraken's form bodies (the
    schemas' x-kraken exactly_one, at_least_one and at_most_in_total)."""
    endpoint = ENDPOINTS.get(method)
    if endpoint is None:
        return
    if endpoint.exactly_one:
        names = endpoint.exactly_one
        given = [name for name in names if name in fields]
        if len(given) != 1:
            raise ValidationError(
                f"give exactly one of {' or '.join(names)}"
                + (f", not {' and '.join(given)}" if given else ""),
                method=method,
                field=names[0] if not given else given[-1],
                rule="exactly one",
            )
    if endpoint.at_least_one and not any(name in fields for name in endpoint.at_least_one):
        names = endpoint.at_least_one
        raise ValidationError(
            f"give {' or '.join(names)} (or both)", method=method, field=names[0], rule="required"
        )
    if endpoint.at_most_in_total is not None:
        names, limit = endpoint.at_most_in_total
        total = sum(len(fields[name]) for name in names if isinstance(fields.get(name), list))
        if total > limit:
            raise ValidationError(
                f"at most {limit} ids in total, got {total}",
                method=method,
                field=names[0],
                rule=f"<= {limit} ids",
            )


# --- client order ids ---------------------------------------------------------------------------


def ensure_client_order_ids(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Give every new order a cl_ord_id (uuid4) unless the caller set cl_ord_id or userref.

    Fixed before the first attempt, it is how an order with an unknown outcome is found again.
    """
    endpoint = ENDPOINTS.get(method)
    pre_check = endpoint.pre_check if endpoint is not None else None
    if pre_check == "order":
        return _with_id(params)
    if pre_check == "order_batch" and isinstance(params.get("orders"), list):
        orders = params["orders"]
        return {**params, "orders": [_with_id(o) if isinstance(o, dict) else o for o in orders]}
    return params


def _with_id(order: dict[str, Any]) -> dict[str, Any]:
    if "cl_ord_id" in order or "userref" in order:
        return order
    return {**order, "cl_ord_id": str(uuid.uuid4())}


# --- step 3: order rules ------------------------------------------------------------------------

LIMIT_TYPES = frozenset({"limit", "iceberg"})
NEEDS_PRICE = frozenset(
    {
        "limit",
        "iceberg",
        "stop-loss",
        "take-profit",
        "stop-loss-limit",
        "take-profit-limit",
        "trailing-stop",
        "trailing-stop-limit",
    }
)
NEEDS_PRICE2 = frozenset({"stop-loss-limit", "take-profit-limit", "trailing-stop-limit"})
TRAILING = frozenset({"trailing-stop", "trailing-stop-limit"})
NO_NEW_ORDERS = frozenset({"cancel_only", "maintenance", "delisted", "work_in_progress"})


class _Order:
    """One order's fields with the method and field prefix used in error messages."""

    def __init__(self, method: str, fields: Mapping[str, Any], prefix: str, pair: PairInfo):
        self.method = method
        self.fields = fields
        self.prefix = prefix
        self.pair = pair

    def fail(self, field: str, message: str, rule: str) -> ValidationError:
        return ValidationError(message, method=self.method, field=self.prefix + field, rule=rule)

    def get(self, name: str) -> Any:
        return self.fields.get(name)


def check_order(
    method: str, fields: Mapping[str, Any], pair: PairInfo, *, prefix: str = ""
) -> None:
    """A new order (AddOrder, one AddOrderBatch entry) against its pair's rules."""
    order = _Order(method, fields, prefix, pair)
    ordertype = str(fields.get("ordertype", ""))
    side = str(fields.get("type", ""))
    flags = _flags(fields.get("oflags"))
    _check_status(order, ordertype, flags)
    if "userref" in fields and "cl_ord_id" in fields:
        raise order.fail("cl_ord_id", "cl_ord_id and userref cannot both be set", "exclusive")
    if {"fcib", "fciq"} <= flags:
        raise order.fail("oflags", "fcib and fciq exclude each other", "exclusive")
    if "post" in flags and ordertype not in LIMIT_TYPES:
        raise order.fail("oflags", f"post-only needs a limit order, not {ordertype}", "post")
    if fields.get("timeinforce") == "GTD" and "expiretm" not in fields:
        raise order.fail("expiretm", "is required when timeinforce is GTD", "required")
    viqc = "viqc" in flags
    if viqc and (side != "buy" or ordertype != "market" or "leverage" in fields):
        raise order.fail("oflags", "viqc is only for buy market orders without leverage", "viqc")

    price = _price(order, "price", ordertype, required=ordertype in NEEDS_PRICE)
    price2 = _price(order, "price2", ordertype, required=ordertype in NEEDS_PRICE2, second=True)
    close_type = fields.get("close[ordertype]") or _nested(fields, "close", "ordertype")
    if close_type:
        for name, second in (("price", False), ("price2", True)):
            key = "close[price]" if not second else "close[price2]"
            wire = key if key in fields else f"close.{name}"
            value = fields.get(key, _nested(fields, "close", name))
            sub = _Order(method, {wire: value} if value is not None else {}, prefix, pair)
            needed = str(close_type) in (NEEDS_PRICE2 if second else NEEDS_PRICE)
            _price(sub, wire, str(close_type), required=needed, second=second)

    volume = _decimal_field(order, "volume")
    if volume is not None:
        if viqc:
            _check_cost(order, volume, "volume", "volume (in quote currency with viqc)")
        else:
            _check_volume(order, "volume", volume, allow_zero=_may_close(fields, ordertype))
            known = price2 if ordertype in NEEDS_PRICE2 and price2 is not None else price
            if known is not None and ordertype not in TRAILING:
                _check_cost(order, known * volume, "volume", f"price {known} x volume {volume}")
    display = _decimal_field(order, "displayvol")
    if display is not None:
        if ordertype != "iceberg":
            raise order.fail("displayvol", "is only for iceberg orders", "iceberg")
        _check_lot(order, "displayvol", display)
        if volume is not None and display * 15 < volume:
            raise order.fail(
                "displayvol", f"must be at least 1/15 of volume ({volume / 15})", ">= volume/15"
            )


def check_edit(method: str, fields: Mapping[str, Any], pair: PairInfo) -> None:
    """EditOrder: a replacement order; its type is not known here, so prices are checked as such."""
    order = _Order(method, fields, "", pair)
    if pair.status in NO_NEW_ORDERS:
        raise order.fail("pair", _status_message(pair), "pair status")
    price = _price(order, "price", "", required=False)
    _price(order, "price2", "", required=False, second=True)
    volume = _decimal_field(order, "volume")
    if volume is not None:
        _check_volume(order, "volume", volume, allow_zero=False)
        if price is not None:
            _check_cost(order, price * volume, "volume", f"price {price} x volume {volume}")
    display = _decimal_field(order, "displayvol")
    if display is not None:
        _check_lot(order, "displayvol", display)


def check_amend(method: str, fields: Mapping[str, Any], pair: PairInfo | None) -> None:
    """AmendOrder: quantities positive, prices well-formed; pair rules when the pair is given."""
    if pair is None:
        pair = PairInfo(key="", altname="", wsname=None, symbol="", base="", quote="")
    order = _Order(method, fields, "", pair)
    for name in ("limit_price", "trigger_price"):
        _price(order, name, "", required=False, any_relative=True)
    for name in ("order_qty", "display_qty"):
        quantity = _decimal_field(order, name)
        if quantity is not None:
            if quantity <= 0:
                raise order.fail(name, f"must be positive, got {quantity}", "> 0")
            _check_lot(order, name, quantity)


def _check_status(order: _Order, ordertype: str, flags: set[str]) -> None:
    status = order.pair.status
    if status in NO_NEW_ORDERS:
        raise order.fail("pair", _status_message(order.pair), "pair status")
    if status == "post_only" and (ordertype not in LIMIT_TYPES or "post" not in flags):
        raise order.fail(
            "oflags", f"{_status_message(order.pair)}: only post-only limit orders", "pair status"
        )
    if status == "limit_only" and ordertype not in LIMIT_TYPES:
        raise order.fail(
            "ordertype", f"{_status_message(order.pair)}: only limit orders", "pair status"
        )
    if status == "reduce_only" and order.get("reduce_only") is not True:
        raise order.fail(
            "reduce_only", f"{_status_message(order.pair)}: only reduce-only orders", "pair status"
        )


def _status_message(pair: PairInfo) -> str:
    return f"{pair.symbol or pair.altname} is in {pair.status} status"


def _flags(value: Any) -> set[str]:
    if isinstance(value, str):
        return {flag.strip() for flag in value.split(",") if flag.strip()}
    if isinstance(value, list):
        return {str(flag) for flag in value}
    return set()


def _nested(fields: Mapping[str, Any], outer: str, inner: str) -> Any:
    nested = fields.get(outer)
    return nested.get(inner) if isinstance(nested, Mapping) else None


def _may_close(fields: Mapping[str, Any], ordertype: str) -> bool:
    """Volume 0 closes a margin position in full (settle-position, or with leverage)."""
    return ordertype == "settle-position" or "leverage" in fields


def _decimal_field(order: _Order, name: str) -> Decimal | None:
    value = order.get(name)
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _ABSOLUTE.match(value):
        return Decimal(value)
    raise order.fail(name, f"must be a non-negative number, got {value!r}", "number")


def _price(
    order: _Order,
    name: str,
    ordertype: str,
    *,
    required: bool,
    second: bool = False,
    any_relative: bool = False,
) -> Decimal | None:
    """An absolute price checked against the pair (returned), or a relative one checked for form."""
    value = order.get(name)
    if value is None:
        if required:
            raise order.fail(name, f"is required for {ordertype} orders", "required")
        return None
    text = format(value, "f") if isinstance(value, Decimal | int) else str(value)
    relative = _RELATIVE.match(text)
    if ordertype in TRAILING and not any_relative:
        allowed = "+" if not second else "+-"
        if relative is None or relative.group("sign") not in allowed:
            form = "+<offset>" if not second else "+<offset> or -<offset>"
            raise order.fail(
                name,
                f"must be relative to the trigger for {ordertype} orders ({form}, "
                f"optionally with %), got {text!r}",
                "relative price",
            )
        return None
    if relative is not None:
        if (
            relative.group("pct")
            and Decimal(relative.group("offset")) >= 100
            and relative.group("sign") in "-#"
        ):
            raise order.fail(name, f"an offset of {text} would reach zero", "relative price")
        return None
    if not _ABSOLUTE.match(text):
        raise order.fail(
            name,
            f"must be a price like 37500.1 or a relative one like +5 or -1.5%, got {text!r}",
            "price",
        )
    price = Decimal(text)
    if price <= 0:
        raise order.fail(name, f"must be positive, got {text}", "> 0")
    pair = order.pair
    tick = pair.tick_size
    if tick is not None and tick > 0 and _EXACT.remainder(price, tick) != 0:
        lower = _EXACT.multiply(_EXACT.divide_int(price, tick), tick)
        raise order.fail(
            name,
            f"{text} is not a multiple of {pair.symbol}'s tick size {tick} "
            f"(nearest below: {lower})",
            "tick_size",
        )
    if pair.pair_decimals is not None and _places(price) > pair.pair_decimals:
        raise order.fail(
            name,
            f"{text} has more than {pair.pair_decimals} decimals ({pair.symbol} pair_decimals)",
            "pair_decimals",
        )
    return price


def _check_volume(order: _Order, name: str, volume: Decimal, *, allow_zero: bool) -> None:
    pair = order.pair
    if volume == 0 and allow_zero:
        return
    if volume <= 0:
        raise order.fail(name, f"must be positive, got {volume}", "> 0")
    if pair.ordermin is not None and volume < pair.ordermin:
        raise order.fail(
            name,
            f"{volume} is below {pair.symbol}'s minimum order of {pair.ordermin} (ordermin)",
            "ordermin",
        )
    _check_lot(order, name, volume)


def _check_lot(order: _Order, name: str, volume: Decimal) -> None:
    lot = order.pair.lot_decimals
    if lot is not None and _places(volume) > lot:
        step = Decimal(1).scaleb(-lot)
        lower = volume.quantize(step, rounding=decimal.ROUND_DOWN, context=_EXACT)
        raise order.fail(
            name,
            f"{volume} has more than {lot} decimals ({order.pair.symbol} lot_decimals; "
            f"nearest below: {lower})",
            "lot_decimals",
        )


def _check_cost(order: _Order, cost: Decimal, name: str, what: str) -> None:
    costmin = order.pair.costmin
    if costmin is not None and cost < costmin:
        raise order.fail(
            name,
            f"{what} = {_EXACT.multiply(cost, Decimal(1))} is below {order.pair.symbol}'s "
            f"minimum cost of {costmin} (costmin)",
            "costmin",
        )


def _places(value: Decimal) -> int:
    exponent = value.normalize(_EXACT).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
