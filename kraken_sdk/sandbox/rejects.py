"""The one way a handler refuses a request: raise `RejectError` with Kraken's exact error string."""

from __future__ import annotations

__all__ = [
    "DUPLICATE_ORDER",
    "INSUFFICIENT_FUNDS",
    "UNKNOWN_ORDER",
    "UNKNOWN_PAIR",
    "RejectError",
    "invalid",
]

INSUFFICIENT_FUNDS = "EOrder:Insufficient funds"
UNKNOWN_ORDER = "EOrder:Unknown order"
UNKNOWN_PAIR = "EQuery:Unknown asset pair"
# Kraken refuses a cl_ord_id already used by an open order; the exact text is not documented.
DUPLICATE_ORDER = "EOrder:Duplicate order"


class RejectError(Exception):
    """Kraken would answer `{"error": [error]}` to this request."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def invalid(field: str | None = None) -> RejectError:
    """`EGeneral:Invalid arguments` naming the offending field, as Kraken does."""
    return RejectError("EGeneral:Invalid arguments" + (f":{field}" if field else ""))
