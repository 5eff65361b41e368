"""The filters every letter template can use, registered together.

French forms only: dates "24 novembre 2026" ("1er décembre 2026"), times "10 h" or
"10 h 30", amounts "1 234,56 €" (Babel, via certcli.rules.dates and certcli.rules.money so
that the CLI and the letters agree). Dates, times and amounts are joined with
no-break spaces: a posted letter never splits "16 / octobre" or "10 h / 30" across
two lines. The CLI keeps plain spaces (`dates.format_fr`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from certcli.rules import dates, money

NBSP = "\u00a0"
MINUS = "\u2212"  # the typographic minus of a credit note, not a hyphen
_ENDS = (".", "!", "?", "…")


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dates.parse_date(str(value)[:10])


def date_fr(value) -> str:
    """2026-11-24 -> '24 novembre 2026'; the first of a month is '1er décembre 2026'."""
    day = _as_date(value)
    words = dates.format_fr(day).split()
    if day.day == 1:
        words[0] = "1er"
    return NBSP.join(words)


def time_fr(value) -> str:
    """14:30 -> '14 h 30', 10:00 -> '10 h' (the French typographic forms)."""
    if isinstance(value, str):
        value = dates.parse_datetime(value)
    hour = f"{value.hour}{NBSP}h"
    return hour if value.minute == 0 else f"{hour}{NBSP}{value.minute:02d}"


def eur(value: Decimal | str) -> str:
    """Decimal('1234.56') -> '1 234,56 €'; a negative amount takes a true minus sign."""
    text = money.format_eur(value)
    return MINUS + text[1:] if text.startswith("-") else text


def months_fr(value: int) -> str:
    return f"{value}{NBSP}mois"


def hours_fr(value) -> str:
    """Decimal('1607') -> '1 607 heures', Decimal('151.67') -> '151,67 heures'."""
    from babel.numbers import format_decimal

    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    # Babel's French grouping, the same as the amounts' ("1 234,56 €"); whole hours
    # without decimals, others with two.
    pattern = "#,##0" if amount == amount.to_integral_value() else "#,##0.00"
    return f"{format_decimal(amount, format=pattern, locale='fr_FR')}{NBSP}heures"


def and_list(values) -> str:
    """['OPC', 'BIM', 'Santé'] -> 'OPC, BIM et Santé' (no serial comma in French)."""
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} et {values[-1]}"


def sentence(value) -> str:
    """A recorded reason as the end of a sentence: one full stop, never two."""
    text = str(value or "").strip()
    if not text:
        return text
    return text if text.endswith(_ENDS) else f"{text}."


FILTERS = {
    "date_fr": date_fr,
    "time_fr": time_fr,
    "eur": eur,
    "months_fr": months_fr,
    "hours_fr": hours_fr,
    "and_list": and_list,
    "sentence": sentence,
}


def register(env) -> None:
    env.filters.update(FILTERS)
