"""Money rules: Decimal only, half-up to the cent, and the dues prorata (spec §6)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from certcli.errors import ValidationError
from certcli.rules import validators
from certcli.rules.validators import quoted

# How a fee or an invoice is paid; prelevement: a SEPA direct debit (issue 13).
METHODS = ("cheque", "virement", "prelevement")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# An optional sign (callers refuse what they must), digits, at most one separator.
# No amount certcli handles comes near a billion euros: anything larger is a typing
# mistake, and 28 digits would leave Decimal's precision (InvalidOperation).
LIMIT = Decimal("1000000000")
_PLAIN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"  # what _plain accepts


_AMOUNT_HINT = "digits with at most one decimal separator, e.g. 1234.50 or 1 234,50"


def _plain(text: str) -> bool:
    """re.fullmatch(_PLAIN, text), without compiling the pattern (half a million
    instructions, on every command that reads a stored amount)."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body.isascii():
        return False  # [0-9] is ASCII; str.isdigit() also takes other scripts' digits
    whole, dot, fraction = body.partition(".")
    if not dot:
        return whole.isdigit()
    return (
        bool(whole or fraction)
        and (not whole or whole.isdigit())
        and (not fraction or fraction.isdigit())
    )


def _read(value: str | int | Decimal, what: str, hint: str) -> Decimal:
    """A decimal in plain notation ('1234.5', '1 234,50', '15,5'), or ValidationError
    naming `what` with `hint`."""
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.removesuffix("€").replace(",", ".")
    # Plain decimal notation only: Decimal() would also take '1e3', 'NaN' or '1_000'.
    if len(text) > 40 or not _plain(text):
        raise ValidationError(f"invalid {what} {quoted(value)}: {hint}")
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
        raise ValidationError(f"invalid {what} {quoted(value)}") from None
    if abs(amount) >= LIMIT:
        raise ValidationError(f"invalid {what} {quoted(value)}: too large (at most 999 999 999,99)")
    return amount


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Read an amount typed by a user or stored as text ('1234.5', '1 234,50')."""
    return _read(value, "amount", _AMOUNT_HINT)


def cents(value: str | int | Decimal) -> Decimal:
    """Round half-up to the cent."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_included(amount: str | int | Decimal, rate: str | int | Decimal) -> Decimal:
    """The VAT contained in an amount that includes it (TTC) at `rate` percent, to the
    cent half-up: 120.00 at 20 % holds 20.00; nothing at 0 %."""
    rate = to_decimal(rate)
    if not rate:
        return ZERO
    total = to_decimal(amount)
    return cents(total - total * 100 / (100 + rate))


def parse_amount(
    value: str | Decimal,
    *,
    allow_zero: bool = False,
    what: str = "amount",
    example: str | None = None,
    cents_only: bool = True,
) -> Decimal:
    """The one parser of a number a user types: an amount (positive, at most two
    decimals), hours worked (`what="hours"`) or a CQPT score (`what="score"`,
    `allow_zero`, `cents_only=False`). Plain notation with a point or a comma; below a
    billion; more than 0, or not negative with `allow_zero`. `example` is the hint of
    an unreadable value ("a number expected, e.g. ...")."""
    hint = f"a number expected, e.g. {example}" if example else _AMOUNT_HINT
    number = _read(value, what, hint)
    if cents_only and number != number.quantize(CENT):
        raise ValidationError(f"invalid {what} {quoted(value)}: at most two decimals")
    if allow_zero and number < 0:
        raise ValidationError(f"invalid {what} {quoted(value)}: must not be negative")
    if not allow_zero and number <= 0:
        raise ValidationError(f"invalid {what} {quoted(value)}: must be positive (more than 0)")
    return number.quantize(CENT) if cents_only else number


def payment_method(value: str) -> str:
    """The one check of a payment method (an instruction fee, an invoice): one of
    METHODS, case and accents ignored like every other choice ("Chèque" is cheque)."""
    return validators.choice(value, METHODS, "method")


def from_cents(count: int) -> Decimal:
    """A whole number of cents (an exact sum the store made) as an amount: 21050 is 210.50."""
    return Decimal(int(count)).scaleb(-2)


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
    """'1 234,56 €': Babel's French currency format (fr_FR), its digits grouped by a
    narrow no-break space and a no-break space before the sign, written here for a
    plain amount (importing Babel costs more than a whole `dossier show`; a test
    compares the two on many amounts) and by Babel for anything else."""
    value = cents(amount)
    if value.is_finite() and not (value.is_zero() and value.is_signed()):
        whole, _, fraction = f"{abs(value):.2f}".partition(".")
        grouped = f"{int(whole):,}".replace(",", "\u202f")
        return f"{'-' if value < 0 else ''}{grouped},{fraction}\xa0€"
    from babel.numbers import format_currency

    return format_currency(value, "EUR", locale="fr_FR")
