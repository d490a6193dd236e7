"""Every documented Kraken error string raises its class; the tree is the one drawn in errors.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kraken_sdk import ENDPOINTS
from kraken_sdk._core import errors
from kraken_sdk.errors import (
    AccountError,
    AuthenticationError,
    DeadlineElapsedError,
    EarnBusyError,
    EarnError,
    FundingError,
    InsufficientFundsError,
    InternalError,
    InvalidArgumentsError,
    InvalidNonceError,
    KrakenAPIError,
    KrakenError,
    LockoutError,
    MarginError,
    MarketModeError,
    OrderError,
    OrderLimitError,
    OrderRateLimitError,
    OrderRulesError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    ReduceOnlyError,
    ServiceUnavailableError,
    SessionTokenError,
    ThrottledError,
    UnknownOrderError,
    ValidationError,
    error_from_response,
)

ENVELOPES = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "_error_envelopes.json"

# Every string in reference/kraken_api.md §7.1 (documented) and §7.2 (also seen), with the class
# it must raise and whether the call surely did not execute.
DOCUMENTED: list[tuple[str, type[KrakenAPIError], bool]] = [
    ("EGeneral:Invalid arguments", InvalidArgumentsError, True),
    ("EGeneral:Invalid arguments:Index unavailable", InvalidArgumentsError, True),
    ("EGeneral:Temporary lockout", LockoutError, True),
    ("EGeneral:Permission denied", PermissionDeniedError, True),
    ("EGeneral:Internal error", InternalError, False),
    ("EService:Unavailable", ServiceUnavailableError, True),
    ("EService:Market in cancel_only mode", MarketModeError, True),
    ("EService:Market in post_only mode", MarketModeError, True),
    ("EService:Deadline elapsed", DeadlineElapsedError, False),
    ("EService: Throttled: 1741500000", ThrottledError, True),
    ("EAPI:Invalid key", AuthenticationError, True),
    ("EAPI:Invalid signature", AuthenticationError, True),
    ("EAPI:Invalid nonce", InvalidNonceError, True),
    ("EAPI:Rate limit exceeded", RateLimitError, True),
    ("EAuth:Account temporary disabled", AccountError, True),
    ("EAuth:Account unconfirmed", AccountError, True),
    ("EAuth:Rate limit exceeded", RateLimitError, True),
    ("EAuth:Too many requests", RateLimitError, True),
    ("EOrder:Cannot open opposing position", MarginError, True),
    ("EOrder:Cannot open position", MarginError, True),
    ("EOrder:Margin allowance exceeded", MarginError, True),
    ("EOrder:Margin level too low", MarginError, True),
    ("EOrder:Margin position size exceeded", MarginError, True),
    ("EOrder:Insufficient margin", MarginError, True),
    ("EOrder:Insufficient funds", InsufficientFundsError, True),
    ("EOrder:Order minimum not met", OrderRulesError, True),
    ("EOrder:Cost minimum not met", OrderRulesError, True),
    ("EOrder:Tick size check failed", OrderRulesError, True),
    ("EOrder:Invalid price", OrderRulesError, True),
    ("EOrder:Orders limit exceeded", OrderLimitError, True),
    ("EOrder:Rate limit exceeded", OrderRateLimitError, True),
    ("EOrder:Domain rate limit exceeded", OrderRateLimitError, True),
    ("EOrder:Scheduled orders limit exceeded", OrderLimitError, True),
    ("EOrder:Positions limit exceeded", OrderLimitError, True),
    ("EOrder:Reduce only:Non-PC", ReduceOnlyError, True),
    ("EOrder:Reduce only:No position exists", ReduceOnlyError, True),
    ("EOrder:Reduce only:Position is closed", ReduceOnlyError, False),
    ("EOrder:Unknown position", UnknownOrderError, True),
    ("ETrade:Invalid request", InvalidArgumentsError, True),
    ("EAccount:Invalid permissions", PermissionDeniedError, True),
    ("EFunding:Max fee exceeded", FundingError, True),
    ("EBM:limit exceeded:CAL", AccountError, True),
    ("EQuery:Unknown asset pair", QueryError, True),
    ("EGeneral:Unknown method", InvalidArgumentsError, True),
    ("EGeneral:Too many requests", RateLimitError, True),
    ("EAPI:Bad request", InvalidArgumentsError, True),
    ("EAPI:Invalid token", SessionTokenError, True),
    ("ESession:Invalid session", SessionTokenError, True),
    ("EQuery:Unknown asset", QueryError, True),
    ("EOrder:Invalid order", UnknownOrderError, True),
    ("EOrder:Unknown order", UnknownOrderError, True),
    ("EService:Busy", ServiceUnavailableError, True),
    ("EService:Market in limit_only mode", MarketModeError, True),
    ("EFunding:Invalid reference id", FundingError, True),
    ("EFunding:Unknown reference id", FundingError, True),
    ("EFunding:Unknown withdraw key", FundingError, True),
    ("EFunding:Invalid amount", FundingError, True),
    ("EFunding:Invalid staking method", FundingError, True),
    ("EFunding:Too many addresses", FundingError, True),
    ("EFunding:Unknown asset", FundingError, True),
    ("EFunding:No funding method", FundingError, True),
    ("Invalid withdrawal address", FundingError, True),
    ("EEarnings:Busy", EarnBusyError, True),
    ("EEarnings:Busy:Another allocation for the same strategy is in progress", EarnBusyError, True),
    ("EEarnings:Below min:Allocation operation amount less than minimum", EarnError, True),
    ("EEarnings:Permission denied:The user's tier is not high enough", EarnError, True),
]


@pytest.mark.parametrize(("text", "cls", "surely_not_executed"), DOCUMENTED)
def test_documented_string_raises_its_class(
    text: str, cls: type[KrakenAPIError], surely_not_executed: bool
) -> None:
    error = error_from_response("AddOrder", [text])
    assert type(error) is cls
    assert error.errors == (text,)
    assert error.method == "AddOrder"
    assert error.surely_not_executed is surely_not_executed
    assert text in str(error)


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("EGeneral:Invalid arguments:volume", InvalidArgumentsError),  # detail suffix
        ("EGeneral:Internal error:5", InternalError),
        ("EService:Throttled:1741500000", ThrottledError),
        ("EOrder:Some new order rule", OrderError),  # category prefix
        ("EFunding:Some new funding rule", FundingError),
        ("EAPI:Some new key problem", AuthenticationError),
        ("EEarnings:Above max:Too much", EarnError),
    ],
)
def test_details_and_categories_fall_back_by_prefix(text: str, cls: type[KrakenError]) -> None:
    assert type(error_from_response("X", [text])) is cls


def test_unknown_strings_still_raise_and_claim_nothing() -> None:
    for text in ("EGeneral:Something new", "ENew:Thing", "something odd"):
        error = error_from_response("Balance", [text])
        assert isinstance(error, KrakenAPIError)
        assert error.surely_not_executed is False
    unknown_service = error_from_response("AddOrder", ["EService:Something new"])
    assert unknown_service.surely_not_executed is False  # maybe executed: never resent blindly


def test_the_first_string_decides_and_all_are_kept() -> None:
    error = error_from_response("AddOrder", ["EOrder:Insufficient funds", "EGeneral:Whatever"])
    assert isinstance(error, InsufficientFundsError)
    assert error.errors == ("EOrder:Insufficient funds", "EGeneral:Whatever")
    assert error.code == "EOrder:Insufficient funds"


def test_throttled_carries_the_time_kraken_named() -> None:
    error = error_from_response("Balance", ["EService: Throttled: 1741500000"])
    assert isinstance(error, ThrottledError)
    assert error.retry_at == 1741500000.0
    assert isinstance(error, RateLimitError)


def test_engine_rate_limit_is_both_a_rate_limit_and_an_order_error() -> None:
    error = error_from_response("AddOrder", ["EOrder:Rate limit exceeded"])
    assert isinstance(error, RateLimitError)
    assert isinstance(error, OrderError)


def test_validation_error_is_a_value_error_naming_field_and_rule() -> None:
    error = ValidationError("must be >= 0", method="OHLC", field="since", rule=">= 0")
    assert isinstance(error, ValueError)
    assert isinstance(error, KrakenError)
    assert (error.field, error.rule, error.surely_not_executed) == ("since", ">= 0", True)
    assert str(error) == "OHLC: since: must be >= 0"


def test_the_tree_in_the_module_docstring_is_the_real_one() -> None:
    assert errors.__doc__ is not None
    stack: list[tuple[int, type[BaseException]]] = []
    checked = 0
    for line in errors.__doc__.splitlines():
        found = re.match(r"^[\s│]*(?:[├└]── )?([A-Z]\w+)", line)
        if not found or not hasattr(errors, found.group(1)):
            continue
        depth = found.start(1)  # the column of the name is its depth in the tree
        cls = getattr(errors, found.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            assert issubclass(cls, stack[-1][1]), f"{cls.__name__} under {stack[-1][1].__name__}"
            checked += 1
        stack.append((depth, cls))
    public = {
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), KrakenError)
    }
    drawn = set(re.findall(r"── (\w+)", errors.__doc__)) | {"KrakenError"}
    assert public == drawn
    assert checked == len(public) - 1


def test_surely_not_executed_marks_in_the_drawing_match_the_classes() -> None:
    assert errors.__doc__ is not None
    for name, mark in re.findall(r"── (\w+)\s+(✓?)", errors.__doc__):
        cls = getattr(errors, name)
        assert cls.surely_not_executed is (mark == "✓"), name


@pytest.mark.skipif(
    not ENVELOPES.exists(), reason="../shared/conformance is not beside the checkout"
)
def test_recorded_error_envelopes_raise_their_classes() -> None:
    samples = json.loads(ENVELOPES.read_text())["samples"]
    endpoint = ENDPOINTS["Balance"]
    for sample in samples:
        body = (sample.get("response_raw") or json.dumps(sample["response"])).encode()
        with pytest.raises(KrakenAPIError) as caught:
            endpoint.decode(body)
        assert list(caught.value.errors) == sample["response"]["error"]
        assert type(caught.value) is errors.classify(caught.value.errors[0])
