import datetime as dt
from decimal import Decimal

import pytest

from certcli.errors import ValidationError
from certcli.rules import dates, money

D = dt.date


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-06-15", D(2026, 6, 15)),
        ("15/06/2026", D(2026, 6, 15)),
        ("1/2/2028", D(2028, 2, 1)),
        ("29/02/2028", D(2028, 2, 29)),
    ],
)
def test_parse_date(text, expected):
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "29/02/2027", "06/15/2026", "tomorrow", ""])
def test_parse_date_refuses(text):
    with pytest.raises(ValidationError):
        dates.parse_date(text)


@pytest.mark.parametrize(
    "granted,until",
    [
        (D(2026, 3, 12), D(2030, 3, 11)),
        (D(2028, 2, 29), D(2032, 2, 28)),
        (D(2026, 1, 1), D(2029, 12, 31)),
        (D(2027, 3, 1), D(2031, 2, 28)),
        (D(2027, 2, 28), D(2031, 2, 27)),
    ],
)
def test_validity_end(granted, until):
    assert dates.validity_end(granted, 4) == until


def test_reminder_window_boundaries():
    until = D(2030, 3, 11)
    assert dates.reminder_due(until, D(2029, 6, 11), 9)  # exactly nine months before
    assert not dates.reminder_due(until, D(2029, 6, 10), 9)  # one day too early
    assert dates.reminder_due(until, until, 9)  # last valid day
    assert not dates.reminder_due(until, D(2030, 3, 12), 9)  # expired


def test_cqpt_window_example_from_spec():
    lo, hi = dates.window(D(2026, 7, 1), 3)
    assert lo == D(2023, 7, 1)
    assert dates.days_inclusive(D(2023, 1, 1), D(2023, 12, 31)) == 365
    assert dates.overlap_days(D(2023, 1, 1), D(2023, 12, 31), lo, hi) == 184


@pytest.mark.parametrize(
    "annual,day,months,amount",
    [
        ("360.00", D(2026, 6, 15), 7, "210.00"),
        ("360.00", D(2026, 1, 1), 12, "360.00"),
        ("360.00", D(2026, 12, 31), 1, "30.00"),
        ("250.00", D(2026, 11, 5), 2, "41.67"),
    ],
)
def test_prorata_table_from_spec(annual, day, months, amount):
    assert money.prorata(Decimal(annual), day) == (months, Decimal(amount))


def test_prorata_next_month_mode():
    assert money.prorata(Decimal("360.00"), D(2026, 6, 15), "next_month") == (6, Decimal("180.00"))


def test_half_up_rounding_and_parsing():
    assert money.cents("0.125") == Decimal("0.13")
    assert money.cents("2.675") == Decimal("2.68")
    assert money.parse_amount("1 234,50") == Decimal("1234.50")
    with pytest.raises(ValidationError):
        money.parse_amount("12.345")
    with pytest.raises(ValidationError):
        money.parse_amount("-5")


def test_french_formats():
    assert (
        money.format_eur(Decimal("1234.56")).replace("\u202f", " ").replace("\xa0", " ")
        == "1 234,56 €"
    )
    assert dates.format_fr(D(2026, 11, 24)) == "24 novembre 2026"
