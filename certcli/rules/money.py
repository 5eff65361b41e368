"""Money rules: Decimal only, half-up to the cent, and the dues prorata (spec §6)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from certcli.errors import ValidationError
from certcli.rules import validators
from certcli.rules.validators import shown

METHODS = ("cheque", "virement")  # how a fee or an invoice is paid
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# An optional sign (callers refuse what they must), digits, at most one separator.
# No amount certcli handles comes near a billion euros: anything larger is a typing
# mistake, and 28 digits would leave Decimal's precision (InvalidOperation).
LIMIT = Decimal("1000000000")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Read an amount typed by a user or stored as text ('1234.5', '1 234,50')."""
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.removesuffix("€").replace(",", ".")
    # Plain decimal notation only: Decimal() would also take '1e3', 'NaN' or '1_000'.
    if len(text) > 40 or not _PLAIN.fullmatch(text):
        raise ValidationError(
            f"invalid amount {shown(value)}: digits with at most one decimal "
            "separator, e.g. 1234.50 or 1 234,50"
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
        raise ValidationError(f"invalid amount {shown(value)}") from None
    if abs(amount) >= LIMIT:
        raise ValidationError(f"invalid amount {shown(value)}: too large (at most 999 999 999,99)")
    return amount


def cents(value: str | int | Decimal) -> Decimal:
    """Round half-up to the cent."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: str, *, allow_zero: bool = False) -> Decimal:
    """A user-entered amount: positive, at most two decimals."""
    amount = to_decimal(value)
    if amount != amount.quantize(CENT):
        raise ValidationError(f"invalid amount {value!r}: at most two decimals")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(f"invalid amount {value!r}: must be positive")
    return amount.quantize(CENT)


def payment_method(value: str) -> str:
    """The one check of a payment method (an instruction fee, an invoice): one of
    METHODS, case and accents ignored like every other choice ("Chèque" is cheque)."""
    return validators.choice(value, METHODS, "method")


def as_str(amount: Decimal) -> str:
    """The stored and JSON form: '210.00'."""
    return str(cents(amount))


def prorata_months(decision: dt.date, mode: str = "current_month") -> int:
    """Months of dues owed for the rest of the year.

    current_month: the decision month counts (13 - month); next_month: only the
    months after it (12 - month).
    """
    if mode == "current_month":
        return 13 - decision.month
    if mode == "next_month":
        return 12 - decision.month
    raise ValidationError(f"unknown prorata mode {mode!r} (current_month or next_month)")


def prorata(annual: Decimal, decision: dt.date, mode: str = "current_month") -> tuple[int, Decimal]:
    """(months, amount): annual x months / 12, half-up to the cent."""
    months = prorata_months(decision, mode)
    return months, cents(to_decimal(annual) * months / 12)


def format_eur(amount: Decimal | str) -> str:
    """'1 234,56 €' through Babel's French currency format."""
    from babel.numbers import format_currency

    return format_currency(cents(amount), "EUR", locale="fr_FR")
