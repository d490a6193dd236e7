"""Funding (deposits, withdrawals, wallet transfers), Earn and subaccount methods."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kraken_sdk.sandbox.handlers.base import Call, State, handler
from kraken_sdk.sandbox.numbers import ZERO, fmt
from kraken_sdk.sandbox.params import Params
from kraken_sdk.sandbox.refdata import AssetSpec
from kraken_sdk.sandbox.rejects import RejectError, invalid

__all__: list[str] = []


def _asset(state: State, params: Params, name: str = "asset") -> AssetSpec:
    text = params.text(name)
    if text is None:
        raise invalid(name)
    asset = state.ref.asset(text)
    if asset is None:
        raise RejectError("EFunding:Unknown asset")
    return asset


def _optional_asset(state: State, params: Params) -> AssetSpec | None:
    return _asset(state, params) if params.has("asset") else None


def _amount(params: Params, name: str = "amount") -> Decimal:
    value = params.decimal(name, required=True)
    assert value is not None
    return value


def _available(state: State, asset: str, now: float) -> Decimal:
    return state.exchange.available(asset, now)


def _paged(params: Params, rows: list[dict[str, Any]], key: str, default: int) -> Any:
    """A plain list, or Kraken's cursor page when `cursor` was sent."""
    cursor = params.raw("cursor")
    if cursor is None or cursor is False or cursor in ("false", ""):
        return rows
    limit = params.integer("limit", default) or default
    start = int(cursor) if isinstance(cursor, str) and cursor.isdigit() else 0
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    return {key: page, "next_cursor": str(start + limit) if more else None}


def _window(params: Params, time: float) -> bool:
    start, end = params.decimal("start"), params.decimal("end")
    return (start is None or time >= start) and (end is None or time <= end)


@handler("DepositMethods")
def deposit_methods(state: State, call: Call) -> Any:
    asset = _asset(state, call.params)
    method = state.funding.method(asset)
    return [
        {
            "method": method.deposit,
            "limit": False,
            "fee": fmt(ZERO, asset.decimals),
            "gen-address": asset.id != "ZUSD",
            "minimum": fmt(method.minimum, 8),
        }
    ]


@handler("DepositAddresses")
def deposit_addresses(state: State, call: Call) -> Any:
    asset = _asset(state, call.params)
    method = call.params.required("method")
    if method != state.funding.method(asset).deposit:
        raise RejectError("EFunding:No funding method")
    rows = []
    for address, new in state.funding.deposit_addresses(asset, call.params.flag("new")):
        row: dict[str, Any] = {"address": address, "expiretm": "0"}
        if new:
            row["new"] = True
        rows.append(row)
    return rows


@handler("DepositStatus")
def deposit_status(state: State, call: Call) -> Any:
    asset = _optional_asset(state, call.params)
    method = call.params.text("method")
    rows = []
    for record in reversed(state.funding.deposits):
        if asset is not None and record.asset != asset.id:
            continue
        if method is not None and record.method != method:
            continue
        if not _window(call.params, record.time):
            continue
        places = state.ref.assets[record.asset].decimals
        rows.append(
            {
                "method": record.method,
                "aclass": "currency",
                "asset": record.asset,
                "refid": record.refid,
                "txid": record.txid,
                "info": record.info,
                "amount": fmt(record.amount, places),
                "fee": fmt(record.fee, places),
                "time": int(record.time),
                "status": record.status,
            }
        )
    return _paged(call.params, rows, "deposit", 25)


@handler("WithdrawMethods")
def withdraw_methods(state: State, call: Call) -> Any:
    asset = _optional_asset(state, call.params)
    chosen = [asset] if asset is not None else list(state.ref.assets.values())
    rows = []
    for spec in chosen:
        method = state.funding.method(spec)
        rows.append(
            {
                "asset": spec.id,
                "method": method.withdraw,
                "network": method.network,
                "minimum": format(method.minimum, "f"),
            }
        )
    return rows


@handler("WithdrawAddresses")
def withdraw_addresses(state: State, call: Call) -> Any:
    asset = _optional_asset(state, call.params)
    key = call.params.text("key")
    chosen = [asset] if asset is not None else list(state.ref.assets.values())
    rows = []
    for spec in chosen:
        name = state.funding.withdraw_key(spec)
        if key is not None and key != name:
            continue
        rows.append(
            {
                "address": state.funding.address(spec),
                "asset": spec.altname,
                "method": state.funding.method(spec).withdraw,
                "key": name,
                "verified": True,
            }
        )
    return rows


@handler("WithdrawInfo")
def withdraw_info(state: State, call: Call) -> Any:
    asset = _asset(state, call.params)
    key = call.params.required("key")
    amount = _amount(call.params)
    if key != state.funding.withdraw_key(asset):
        raise RejectError("EFunding:Unknown withdraw key")
    method = state.funding.method(asset)
    places = asset.decimals
    return {
        "method": method.withdraw,
        "limit": fmt(max(ZERO, _available(state, asset.id, call.now)), places),
        "amount": fmt(max(ZERO, amount - method.withdraw_fee), places),
        "fee": fmt(method.withdraw_fee, places),
    }


@handler("Withdraw")
def withdraw(state: State, call: Call) -> Any:
    params = call.params
    asset = _asset(state, params)
    record = state.funding.withdraw(
        state.exchange.account,
        asset,
        params.required("key"),
        _amount(params),
        _available(state, asset.id, call.now),
        call.now,
        address=params.text("address"),
        max_fee=params.decimal("max_fee"),
    )
    return {"refid": record.refid}


@handler("WithdrawStatus")
def withdraw_status(state: State, call: Call) -> Any:
    state.funding.settle_withdrawals(call.now)
    asset = _optional_asset(state, call.params)
    method = call.params.text("method")
    rows = []
    for record in reversed(state.funding.withdrawals):
        if asset is not None and record.asset != asset.id:
            continue
        if method is not None and record.method != method:
            continue
        if not _window(call.params, record.time):
            continue
        places = state.ref.assets[record.asset].decimals
        row: dict[str, Any] = {
            "method": record.method,
            "network": record.network,
            "aclass": "currency",
            "asset": record.asset,
            "refid": record.refid,
            "txid": record.txid,
            "info": record.info,
            "amount": fmt(record.amount, places),
            "fee": fmt(record.fee, places),
            "time": int(record.time),
            "status": record.status,
            "key": record.key,
        }
        if record.status_prop is not None:
            row["status-prop"] = record.status_prop
        rows.append(row)
    return _paged(call.params, rows, "withdrawals", 500)


@handler("WithdrawCancel")
def withdraw_cancel(state: State, call: Call) -> Any:
    state.funding.settle_withdrawals(call.now)
    asset = _asset(state, call.params)
    refid = call.params.required("refid")
    return state.funding.cancel_withdrawal(state.exchange.account, asset.id, refid, call.now)


@handler("WalletTransfer")
def wallet_transfer(state: State, call: Call) -> Any:
    params = call.params
    asset = _asset(state, params)
    if params.text("from") != "Spot Wallet":
        raise invalid("from")
    if params.text("to") != "Futures Wallet":
        raise invalid("to")
    amount = _amount(params)
    if amount <= 0:
        raise RejectError("EFunding:Invalid amount")
    if amount > _available(state, asset.id, call.now):
        raise RejectError("EFunding:Insufficient funds")
    refid = state.ids.funding()
    state.exchange.account.post(
        asset.id,
        -amount,
        ZERO,
        type="transfer",
        subtype="spottofutures",
        refid=refid,
        time=call.now,
    )
    return {"refid": refid}


# ---- Earn ---------------------------------------------------------------------------
@handler("Earn/Strategies")
def earn_strategies(state: State, call: Call) -> Any:
    asset = _optional_asset(state, call.params)
    lock_types = call.params.raw("lock_type")
    items = []
    for strategy in state.funding.strategies:
        if asset is not None and strategy.asset != asset.id:
            continue
        if isinstance(lock_types, list) and "flex" not in lock_types:
            continue
        spec = state.ref.assets[strategy.asset]
        items.append(
            {
                "id": strategy.id,
                "asset": spec.altname,
                "lock_type": {"type": "flex", "payout_frequency": 604800},
                "apr_estimate": {"low": strategy.apr_low, "high": strategy.apr_high},
                "user_min_allocation": format(strategy.minimum, "f"),
                "allocation_fee": "0.0000",
                "deallocation_fee": "0.0000",
                "auto_compound": {"type": "enabled"},
                "yield_source": {"type": "staking" if spec.id != "ZUSD" else "off_chain"},
                "can_allocate": True,
                "can_deallocate": True,
                "allocation_restriction_info": [],
            }
        )
    if call.params.flag("ascending"):
        items.reverse()
    return {"items": items, "next_cursor": None}


@handler("Earn/Allocate")
def earn_allocate(state: State, call: Call) -> Any:
    strategy = state.funding.strategy(call.params.required("strategy_id"))
    state.funding.allocate(
        state.exchange.account,
        strategy.id,
        _amount(call.params),
        _available(state, strategy.asset, call.now),
        call.now,
    )
    return True


@handler("Earn/Deallocate")
def earn_deallocate(state: State, call: Call) -> Any:
    state.funding.deallocate(
        state.exchange.account,
        call.params.required("strategy_id"),
        _amount(call.params),
        call.now,
    )
    return True


@handler("Earn/AllocateStatus")
def earn_allocate_status(state: State, call: Call) -> Any:
    state.funding.strategy(call.params.required("strategy_id"))
    return {"pending": False}


@handler("Earn/DeallocateStatus")
def earn_deallocate_status(state: State, call: Call) -> Any:
    state.funding.strategy(call.params.required("strategy_id"))
    return {"pending": False}


@handler("Earn/Allocations")
def earn_allocations(state: State, call: Call) -> Any:
    converted = call.params.text("converted_asset") or "USD"
    target = state.ref.asset(converted)
    if target is None:
        raise invalid("converted_asset")
    valuation = state.exchange.valuation
    unit = valuation.usd(target.id, call.now)
    items = []
    total = ZERO
    for strategy in state.funding.strategies:
        amount = state.funding.allocations.get(strategy.id)
        if amount is None or (amount == 0 and call.params.flag("hide_zero_allocations")):
            continue
        spec = state.ref.assets[strategy.asset]
        value = amount * valuation.usd(spec.id, call.now) / unit
        total += value
        native = fmt(amount, spec.decimals)
        items.append(
            {
                "strategy_id": strategy.id,
                "native_asset": spec.altname,
                "amount_allocated": {"total": {"native": native, "converted": fmt(value, 4)}},
                "total_rewarded": {"native": "0", "converted": "0.0000"},
            }
        )
    return {
        "converted_asset": target.altname,
        "total_allocated": fmt(total, 4),
        "total_rewarded": "0.0000",
        "items": items,
    }


# ---- Subaccounts --------------------------------------------------------------------
@handler("CreateSubaccount")
def create_subaccount(state: State, call: Call) -> Any:
    username = call.params.required("username")
    call.params.required("email")
    if username in state.funding.subaccounts:
        raise invalid("username")
    state.funding.subaccounts[username] = (
        "AA" + state.ids.hex(2).upper() + " N84G " + (state.ids.hex(4).upper())
    )
    return True


@handler("AccountTransfer")
def account_transfer(state: State, call: Call) -> Any:
    params = call.params
    asset = _asset(state, params)
    amount = _amount(params)
    source, target = params.required("from"), params.required("to")
    known = {state.funding.iiban, *state.funding.subaccounts.values()}
    if source not in known:
        raise invalid("from")
    if target not in known or target == source:
        raise invalid("to")
    if amount <= 0:
        raise RejectError("EFunding:Invalid amount")
    transfer_id = state.ids.transfer()
    master = state.funding.iiban
    if master in (source, target):
        if source == master and amount > _available(state, asset.id, call.now):
            raise RejectError("EFunding:Insufficient funds")
        sign = -1 if source == master else 1
        state.exchange.account.post(
            asset.id,
            sign * amount,
            ZERO,
            type="transfer",
            subtype="subaccounttransfer",
            refid=transfer_id,
            time=call.now,
        )
    return {"transfer_id": transfer_id, "status": "complete"}
