"""certcli/rules/dates.py: parsing, validity ends, the reminder and 3-year windows."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certcli.errors import ValidationError
from certcli.rules import dates

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


def _outcome(function, *args):
    try:
        return function(*args)
    except Exception as exc:  # the same kind of error, out of the calendar
        return type(exc)


@settings(max_examples=4000, deadline=None)
@given(
    st.one_of(st.dates(), st.datetimes()),
    st.one_of(st.integers(-30, 30), st.integers(-120_000, 120_000)),
)
def test_months_and_years_added_as_relativedelta_adds_them(day, count):
    """add_months and add_years are relativedelta's arithmetic written out (dateutil is
    not imported to read a deadline): the same day, clamped to the month's end, the same
    type, the same error past the calendar's ends."""
    from dateutil.relativedelta import relativedelta

    assert _outcome(dates.add_months, day, count) == _outcome(
        lambda d, n: d + relativedelta(months=n), day, count
    )
    assert _outcome(dates.add_years, day, count) == _outcome(
        lambda d, n: d + relativedelta(years=n), day, count
    )
    assert type(_outcome(dates.add_months, day, count)) in (type(day), type)


def test_month_ends_and_leap_days():
    assert dates.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert dates.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert dates.add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert dates.add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)
    assert dates.add_years(D(2028, 2, 29), 1) == D(2029, 2, 28)
    assert dates.add_years(D(2000, 2, 29), 100) == D(2100, 2, 28)
    with pytest.raises(ValueError):
        dates.add_months(D(2026, 1, 1), 1.5)  # relativedelta's own refusal
