"""Trading: AddOrder, AddOrderBatch, AmendOrder, EditOrder, the cancels, the dead man's switch,
and WebSocket tokens. Engine-counter charges follow reference/kraken_api.md §6.2."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kraken_sdk.sandbox.handlers.base import Call, State, handler, pair_param
from kraken_sdk.sandbox.limits import amend_penalty, cancel_penalty, edit_penalty
from kraken_sdk.sandbox.numbers import decimals_of, fmt
from kraken_sdk.sandbox.params import Params
from kraken_sdk.sandbox.records import TRIGGERED_TYPES, Order
from kraken_sdk.sandbox.rejects import UNKNOWN_ORDER, RejectError, invalid
from kraken_sdk.sandbox.views import close_text, order_text, rfc3339

__all__: list[str] = []

_RATE_LIMITED = "EOrder:Rate limit exceeded"


def _check_deadline(params: Params, now: float) -> None:
    """`deadline` (RFC3339) must be in the next 60 seconds; a past one has elapsed."""
    text = params.text("deadline")
    if text is None:
        return
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise invalid("deadline") from None
    if when < now:
        raise RejectError("EService:Deadline elapsed")
    if when > now + 60:
        raise invalid("deadline")


def _descr(order: Order) -> dict[str, str]:
    descr = {"order": order_text(order)}
    if order.close is not None:
        descr["close"] = close_text(order.close)
    return descr


@handler("AddOrder")
def add_order(state: State, call: Call) -> Any:
    exchange, params, now = state.exchange, call.params, call.now
    pair, _key = pair_param(state, params)
    validate = params.flag("validate")
    _check_deadline(params, now)
    if not validate and not exchange.engine.charge(pair.key, 1, now):
        raise RejectError(_RATE_LIMITED)
    order = exchange.build(params, pair, now)
    exchange.place(order, now, api_key=call.api_key, validate=validate)
    result: dict[str, Any] = {"descr": _descr(order)}
    if not validate:
        result["txid"] = [order.txid]
    return result


@handler("AddOrderBatch")
def add_order_batch(state: State, call: Call) -> Any:
    exchange, params, now = state.exchange, call.params, call.now
    pair, _key = pair_param(state, params)
    validate = params.flag("validate")
    _check_deadline(params, now)
    raw = params.raw("orders")
    if not isinstance(raw, list) or not 2 <= len(raw) <= 15:
        raise invalid("orders")
    if not all(isinstance(item, dict) for item in raw):
        raise invalid("orders")
    if not validate and not exchange.engine.charge(pair.key, len(raw) / 2, now):
        raise RejectError(_RATE_LIMITED)
    orders = [exchange.build(Params(dict(item)), pair, now) for item in raw]
    entries: list[dict[str, Any]] = []
    for order in orders:
        try:
            exchange.place(order, now, api_key=call.api_key, validate=validate)
        except RejectError as refused:
            entries.append({"error": refused.error})
            continue
        entry: dict[str, Any] = {"descr": _descr(order)}
        if not validate:
            entry["txid"] = order.txid
        entries.append(entry)
    return {"orders": entries}


def _open_order(state: State, txid: str | None, cl_ord_id: str | None) -> Order:
    """The open order a request names by txid or cl_ord_id."""
    for order in state.exchange.open_orders():
        if (txid is not None and order.txid == txid) or (
            cl_ord_id is not None and order.cl_ord_id == cl_ord_id
        ):
            return order
    raise RejectError(UNKNOWN_ORDER)


@handler("AmendOrder")
def amend_order(state: State, call: Call) -> Any:
    params, now = call.params, call.now
    txid, cl_ord_id = params.text("txid"), params.text("cl_ord_id")
    if txid is None and cl_ord_id is None:
        raise invalid("txid")
    _check_deadline(params, now)
    order = _open_order(state, txid, cl_ord_id)
    if order.ordertype in ("market", "settle-position"):
        raise RejectError("EOrder:Invalid order")
    if not state.exchange.engine.charge(order.pair.key, amend_penalty(now - order.age_from), now):
        raise RejectError(_RATE_LIMITED)
    order_qty = params.decimal("order_qty")
    if order_qty is not None and decimals_of(order_qty) > order.pair.lot_decimals:
        raise invalid("order_qty")
    record = state.exchange.amend(
        order,
        now,
        order_qty=order_qty,
        display_qty=params.decimal("display_qty"),
        limit_price=params.text("limit_price"),
        trigger_price=params.text("trigger_price"),
        post_only=params.flag("post_only"),
    )
    return {"amend_id": record.amend_id}


def _find_by_txid_or_userref(state: State, ref: str) -> Order:
    if ref.lstrip("-").isdigit():
        matches = [o for o in state.exchange.open_orders() if o.userref == int(ref)]
        if len(matches) != 1:
            raise RejectError(UNKNOWN_ORDER)
        return matches[0]
    return _open_order(state, ref, None)


@handler("EditOrder")
def edit_order(state: State, call: Call) -> Any:
    exchange, params, now = state.exchange, call.params, call.now
    pair, _key = pair_param(state, params)
    old = _find_by_txid_or_userref(state, params.required("txid"))
    if old.pair.key != pair.key:
        raise RejectError(UNKNOWN_ORDER)
    if old.ordertype in TRIGGERED_TYPES or old.close is not None or old.ordertype == "market":
        raise RejectError("EOrder:Invalid order")
    _check_deadline(params, now)
    validate = params.flag("validate")
    if not validate and not exchange.engine.charge(pair.key, edit_penalty(now - old.age_from), now):
        raise RejectError(_RATE_LIMITED)
    volume = params.decimal("volume") or old.vol
    if volume < old.vol_exec or volume <= 0:
        raise invalid("volume")
    oflags = [flag for flag in old.oflags if flag != "post"]
    new_flags = params.items("oflags")
    if any(flag != "post" for flag in new_flags):
        raise invalid("oflags")
    if "post" in new_flags or ("post" in old.oflags and not params.has("oflags")):
        oflags.append("post")
    values: dict[str, Any] = {
        "type": old.side,
        "ordertype": old.ordertype,
        "volume": format(volume - old.vol_exec, "f"),
        "price": params.text("price") or old.descr_price,
        "oflags": ",".join(oflags),
        "timeinforce": old.timeinforce,
    }
    if old.leverage is not None:
        values["leverage"] = str(old.leverage)
    display = params.text("displayvol") or (
        format(old.displayvol, "f") if old.displayvol is not None else None
    )
    if display is not None:
        values["displayvol"] = display
    if params.has("userref"):
        values["userref"] = params.text("userref")
    new = exchange.build(Params(values), pair, now)
    new.vol = volume - old.vol_exec
    if validate:
        exchange.place(new, now, api_key=call.api_key, validate=True)
        return {"status": "ok", "descr": {"order": order_text(new)}}
    exchange.cancel(old, now, "Order replaced")
    try:
        exchange.place(new, now, api_key=call.api_key, validate=False)
    except RejectError:
        old.status, old.reason, old.closetm = "open", None, None
        raise
    result: dict[str, Any] = {
        "status": "ok",
        "txid": new.txid,
        "originaltxid": old.txid,
        "volume": fmt(volume, pair.lot_decimals),
        "price": new.descr_price,
        "price2": new.descr_price2,
        "orders_cancelled": 1,
        "descr": {"order": order_text(new)},
    }
    if old.userref is not None:
        result["olduserref"] = old.userref
    if new.userref is not None:
        result["newuserref"] = new.userref
    return result


def _cancel_all(state: State, orders: list[Order], now: float, *, batch: bool) -> int:
    """Cancel orders, charging each pair's engine counter by the orders' ages."""
    charges: dict[str, float] = {}
    for order in orders:
        charges[order.pair.key] = charges.get(order.pair.key, 0.0) + cancel_penalty(
            now - order.age_from
        )
    for pair, amount in charges.items():
        if not state.exchange.engine.charge(pair, amount, now, force=batch):
            raise RejectError(_RATE_LIMITED)
    for order in orders:
        state.exchange.cancel(order, now)
    return len(orders)


@handler("CancelOrder")
def cancel_order(state: State, call: Call) -> Any:
    params, now = call.params, call.now
    cl_ord_id = params.text("cl_ord_id")
    txid = params.text("txid")
    open_orders = state.exchange.open_orders()
    if cl_ord_id is not None:
        targets = [order for order in open_orders if order.cl_ord_id == cl_ord_id]
        if not targets:
            raise RejectError(UNKNOWN_ORDER)
    elif txid is not None:
        refs = [ref.strip() for ref in txid.split(",") if ref.strip()]
        if len(refs) == 1 and refs[0].lstrip("-").isdigit():
            targets = [order for order in open_orders if order.userref == int(refs[0])]
        else:
            targets = [order for order in open_orders if order.txid in refs]
            if not targets:
                raise RejectError(UNKNOWN_ORDER)
    else:
        raise invalid("txid")
    return {"count": _cancel_all(state, targets, now, batch=False)}


@handler("CancelAll")
def cancel_all(state: State, call: Call) -> Any:
    orders = state.exchange.open_orders()
    return {"count": _cancel_all(state, orders, call.now, batch=True)}


@handler("CancelAllOrdersAfter")
def cancel_all_orders_after(state: State, call: Call) -> Any:
    timeout = call.params.integer("timeout")
    if timeout is None or not 0 <= timeout < 86400:
        raise invalid("timeout")
    trigger = state.exchange.arm_dead_man(call.api_key, timeout, call.now)
    return {
        "currentTime": rfc3339(call.now),
        "triggerTime": rfc3339(trigger) if trigger is not None else "0",
    }


def _batch_refs(raw: Any, field: str) -> list[str]:
    """CancelOrderBatch lists: plain strings or objects like {"txid": ...}."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise invalid(field)
    refs = []
    for item in raw:
        value = item.get("txid", item.get("cl_ord_id")) if isinstance(item, dict) else item
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise invalid(field)
        refs.append(str(value))
    return refs


@handler("CancelOrderBatch")
def cancel_order_batch(state: State, call: Call) -> Any:
    txids = _batch_refs(call.params.raw("orders"), "orders")
    cl_ord_ids = _batch_refs(call.params.raw("cl_ord_ids"), "cl_ord_ids")
    if not 1 <= len(txids) + len(cl_ord_ids) <= 50:
        raise invalid("orders")
    targets = []
    for order in state.exchange.open_orders():
        if (
            order.txid in txids
            or (order.userref is not None and str(order.userref) in txids)
            or (order.cl_ord_id is not None and order.cl_ord_id in cl_ord_ids)
        ):
            targets.append(order)
    if not targets:
        raise RejectError(UNKNOWN_ORDER)
    return {"count": _cancel_all(state, targets, call.now, batch=True)}


@handler("GetWebSocketsToken")
def get_web_sockets_token(state: State, call: Call) -> Any:
    return {"token": state.ids.token(), "expires": 900}
