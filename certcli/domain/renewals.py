"""Renewal reminders (spec §4): who is due.

A certificate is due when its current period ends within `months` of `as_of`,
it is still valid on `as_of` (not withdrawn, its latest period covers as_of),
it has no later period (not renewed), and no reminder was recorded for that
period. `reminders.period_id` is UNIQUE: reminding twice for one period cannot
be written, even by two runs at once. The reminder letters are
certcli.letters.reminders'.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certcli.errors import StateError, ValidationError
from certcli.records import dataclass
from certcli.rules import dates

if TYPE_CHECKING:
    from collections.abc import Iterator

    from certcli.store import Store


@dataclass
class Due:
    certificate: str
    certificate_id: int
    period_id: int
    candidate_id: int
    holder: str
    valid_until: dt.date
    days_left: int
    reminded_on: str | None

    @property
    def status(self) -> str:
        if self.reminded_on:
            return f"reminded {self.reminded_on}"
        return "expired" if self.days_left < 0 else "to remind"

    def to_dict(self) -> dict:
        return {
            "certificate": self.certificate,
            "candidate_id": self.candidate_id,
            "holder": self.holder,
            "valid_until": self.valid_until.isoformat(),
            "days_left": self.days_left,
            "reminded_on": self.reminded_on,
        }


MAX_MONTHS = 48  # a whole validity period: further ahead is a typo, not a reminder window


def _check_months(months: int) -> None:
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(f"invalid --months {months}: between 1 and {MAX_MONTHS}")


def _window(as_of: dt.date, months: int, include_expired: bool, pending: bool) -> dict:
    """The store's renewal window: periods ending within
    certcli.rules.dates.reminder_window, or lapsed without renewal with
    `include_expired`; `pending`: not reminded yet and not lapsed."""
    _check_months(months)
    first, last = dates.reminder_window(as_of, months)
    return {
        "as_of": first.isoformat(),
        "limit": last.isoformat(),
        "include_expired": include_expired,
        "pending": pending,
    }


def _built(row, as_of: dt.date) -> Due:
    valid_until = dt.date.fromisoformat(row["end"])
    holder = " ".join(p for p in (row["civility"], row["first_name"], row["last_name"]) if p)
    return Due(
        row["number"],
        row["certificate_id"],
        row["period_id"],
        row["candidate_id"],
        holder,
        valid_until,
        (valid_until - as_of).days,
        row["reminded_on"],
    )


def due(
    store: Store,
    *,
    as_of: dt.date,
    months: int,
    include_expired: bool = False,
    pending: bool = False,
) -> list[Due]:
    """Every certificate in the reminder window, soonest end first, with its reminder
    status; `pending` keeps only those still to remind (what `remind` does)."""
    return list(
        stream(store, as_of=as_of, months=months, include_expired=include_expired, pending=pending)
    )


def listing(
    store: Store,
    *,
    as_of: dt.date,
    months: int,
    include_expired: bool = False,
    pending: bool = False,
    limit: int,
    offset: int = 0,
) -> tuple[list[Due], int]:
    """One page of `due` (`limit` rows from `offset`) and how many are due in all."""
    window = _window(as_of, months, include_expired, pending)
    rows = store.renewal_window(**window, rows=limit, offset=offset)
    return [_built(r, as_of) for r in rows], store.count_renewal_window(**window)


def counts(store: Store, *, as_of: dt.date, months: int) -> tuple[int, int]:
    """How many certificates are due (`due`'s length) and how many of them are not
    reminded yet (`pending`'s), counted by the store (`stats`)."""
    window = _window(as_of, months, include_expired=False, pending=False)
    pending = _window(as_of, months, include_expired=False, pending=True)
    return store.count_renewal_window(**window), store.count_renewal_window(**pending)


def stream(
    store: Store,
    *,
    as_of: dt.date,
    months: int,
    include_expired: bool = False,
    pending: bool = False,
) -> Iterator[Due]:
    """The rows of `due`, built as they are read (`renewals due --all`)."""
    window = _window(as_of, months, include_expired, pending)  # refused before any row
    return (_built(row, as_of) for row in store.iter_renewal_window(**window))


def record_sent(store: Store, number: str, *, months: int, date: dt.date) -> Due:
    """Record a reminder sent without a letter rendered here (by e-mail, or by
    another tool): the period counts as reminded, so `remind` skips it."""
    with store.transaction():
        # Read under the write lock: a reminder recorded meanwhile by another run is
        # seen here, and this one is refused with a message, not a constraint error.
        found = [
            d
            for d in due(store, as_of=date, months=months, pending=True)
            if d.certificate == number
        ]
        if not found:
            raise StateError(
                f"certificate {number} has no period to remind on {date} "
                f"(not within {months} months of its end, or already reminded)"
            )
        item = found[0]
        store.insert(
            "reminders",
            {
                "certificate_id": item.certificate_id,
                "period_id": item.period_id,
                "reminded_on": date.isoformat(),
                "letter_id": None,
            },
        )
        store.audit(
            "renewal.remind",
            "certificate",
            item.certificate,
            {"valid_until": item.valid_until.isoformat(), "letter": None},
            date,
        )
    item.reminded_on = date.isoformat()
    return item
