"""Every calendar rule in one place: parsing, today, validity, reminder window,
appeal deadline and the CQPT 3-year window. Calendar arithmetic is dateutil's
relativedelta's, which clamps to month ends (29 February + 4 years -> 28 February
when the target year is not leap), written out (add_months) so that reading a
deadline does not import dateutil."""

from __future__ import annotations

import datetime as dt
import re
from typing import overload

from certcli.errors import ValidationError

# Every date certcli takes lies in this range: a birth date, a session, a decision.
# Dates at the ends of the calendar (0001-01-01, 9999-12-31) are mistakes, and the
# rules add years and months to them (validity, reminders, windows) that would
# leave Python's calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2199
# Patterns as text, compiled by `re` on first use (and cached there): compiling
# them all at import cost every command, most never use them.
_ISO = r"^(\d{4})-(\d{2})-(\d{2})$"
_FR = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"


def parse_date(text: str) -> dt.date:
    """Parse an ISO (2026-06-15) or French day-first (15/06/2026) date."""
    value = text.strip()
    match = re.match(_ISO, value)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.match(_FR, value)
        if not match:
            raise ValidationError(f"invalid date {text!r}: use YYYY-MM-DD or DD/MM/YYYY")
        day, month, year = (int(g) for g in match.groups())
    try:
        parsed = dt.date(year, month, day)
    except ValueError as exc:
        raise ValidationError(f"invalid date {text!r}: {exc}") from None
    check_year(parsed.year, what=f"date {text!r}")
    return parsed


def check_year(year: int, *, what: str = "year") -> int:
    """A year within the range certcli handles (FIRST_YEAR..LAST_YEAR)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            f"{what} is out of range: certcli handles the years {FIRST_YEAR} to {LAST_YEAR}"
        )
    return year


def parse_datetime(text: str) -> dt.datetime:
    """Parse '2026-05-12 14:30' or '12/05/2026 14:30' (minutes precision)."""
    parts = text.strip().replace("T", " ").split()
    if len(parts) != 2:
        raise ValidationError(f"invalid date and time {text!r}: use 'YYYY-MM-DD HH:MM'")
    day = parse_date(parts[0])
    match = re.match(r"^(\d{1,2})[:h](\d{2})$", parts[1])
    if not match:
        raise ValidationError(f"invalid time {parts[1]!r}: use HH:MM")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValidationError(f"invalid time {parts[1]!r}")
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def today() -> dt.date:
    """The one place that reads the clock; commands pass --date/--as-of instead."""
    return dt.date.today()


@overload
def iso(value: dt.date) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: dt.date | None) -> str | None: ...
def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@overload
def from_iso(value: str) -> dt.date: ...
@overload
def from_iso(value: None) -> None: ...
@overload
def from_iso(value: str | None) -> dt.date | None: ...
def from_iso(value: str | None) -> dt.date | None:
    """A stored ISO date; None stays None, so a column that may be NULL gives
    `date | None` and the type checker asks for a check before any arithmetic.
    (The store never writes an empty string for a date; one would give None.)"""
    return dt.date.fromisoformat(value) if value else None


def _rd():
    # dateutil.relativedelta costs ~20 ms (8 M instructions) to import: only a count of
    # months that is not an int goes to it.
    from dateutil.relativedelta import relativedelta

    return relativedelta


def add_months(day: dt.date, months: int) -> dt.date:
    """day + relativedelta(months=months), written out: the same day `months` later,
    clamped to the month's end (31 January + 1 month -> 28 or 29 February). A test
    compares both over the whole calendar."""
    if type(months) is not int:
        return day + _rd()(months=months)  # its own checks and errors
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, _month_days(year, month)))


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def add_years(day: dt.date, years: int) -> dt.date:
    """day + relativedelta(years=years): 29 February on a year without one -> 28."""
    if type(years) is not int:
        return day + _rd()(years=years)
    return add_months(day, 12 * years)


def validity_end(start: dt.date, years: int) -> dt.date:
    """Inclusive last day of a validity period: start + years - 1 day.

    2026-03-12 -> 2030-03-11; 2028-02-29 -> 2032-02-28.
    """
    return add_years(start, years) - dt.timedelta(days=1)


def reminder_window(as_of: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The ends of validity a reminder is due for on `as_of`: from `as_of` (still
    valid) to `months` later, inclusive (the store's renewal window reads it)."""
    return as_of, add_months(as_of, months)


def reminder_due(valid_until: dt.date, as_of: dt.date, months: int) -> bool:
    """True when the end of validity falls within `months` of `as_of`
    and the certificate is still valid on `as_of`."""
    first, last = reminder_window(as_of, months)
    return first <= valid_until <= last


def appeal_deadline(notified_on: dt.date, months: int) -> dt.date:
    """Last day to file an appeal: notification date + the scheme's delay."""
    return add_months(notified_on, months)


def window(as_of: dt.date, years: int = 3) -> tuple[dt.date, dt.date]:
    """The inclusive experience window [as_of - years, as_of]."""
    return add_years(as_of, -years), as_of


def days_inclusive(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def overlap_days(start: dt.date, end: dt.date, lo: dt.date, hi: dt.date) -> int:
    """Days (both ends included) that [start, end] shares with [lo, hi]."""
    first, last = max(start, lo), min(end, hi)
    return days_inclusive(first, last) if first <= last else 0


# -- working days ----------------------------------------------------------------------
_WEEKEND = {5: "Saturday", 6: "Sunday"}


def public_holidays(years):
    """France's public holidays of these years, named in French ("Noël") whatever the
    machine's locale: they are shown to a French secretariat. Looking up a day of
    another year adds that year."""
    import holidays  # ~30 ms: only the commands that place a day on the calendar pay it

    return holidays.France(years=list(years), language="fr")


def closed_reason(day: dt.date, closed=None) -> str | None:
    """Why nobody sits on `day` ("2026-12-25 is a public holiday (Noël)", "... is a
    Saturday"), or None for a working day. `closed`: holidays already loaded."""
    if day.weekday() in _WEEKEND:
        return f"{day.isoformat()} is a {_WEEKEND[day.weekday()]}"
    holiday = (public_holidays([day.year]) if closed is None else closed).get(day)
    return f"{day.isoformat()} is a public holiday ({holiday})" if holiday else None


def working_day(day: dt.date, closed=None) -> dt.date:
    """The day itself, or the next day that is neither a weekend nor a public holiday."""
    closed = public_holidays([day.year]) if closed is None else closed
    while closed_reason(day, closed):
        day += dt.timedelta(days=1)
    return day


def require_working_day(day: dt.date, *, force: bool = False) -> str | None:
    """Refuse a session or an appointment on a weekend or a public holiday unless
    `force`; returns the reason it was forced (for the audit trail), else None."""
    reason = closed_reason(day)
    if reason and not force:
        raise ValidationError(f"{reason}: use --force to hold it anyway")
    return reason


def format_fr(day: dt.date) -> str:
    """'24 novembre 2026', through Babel's French calendar data."""
    from babel.dates import format_date

    return format_date(day, format="d MMMM y", locale="fr_FR")
