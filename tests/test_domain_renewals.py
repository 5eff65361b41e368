"""Who is due for a renewal reminder (certcli/domain/renewals.py): the window's
boundaries, leap days, renewed, withdrawn and never-expiring certificates."""

import datetime as dt

import letter_records as R
import pytest
from commission_helpers import d_renewed

from certcli.domain import certificates


@pytest.fixture
def holder(store):
    return R.candidate(store)


def due_numbers(cli, as_of, *extra):
    return [
        d["certificate"]
        for d in cli.json("renewals", "due", "--months", "9", "--as-of", as_of, *extra)
    ]


def test_window_boundaries(cli, store, holder):
    # Granted 2026-03-12: valid until 2030-03-11; nine months before is 2029-06-11.
    R.certificate(store, holder, "2026-03-12")  # the first ECO number: ECO-2026-0001
    assert due_numbers(cli, "2029-06-10") == []
    assert cli.json("renewals", "due", "--months", "9", "--as-of", "2029-06-11") == [
        {
            "certificate": "ECO-2026-0001",
            "candidate_id": holder,
            "holder": "Mme Hélène Lefèvre-Dupré",
            "valid_until": "2030-03-11",
            "days_left": 273,
            "reminded_on": None,
        }
    ]
    assert due_numbers(cli, "2030-03-11") == ["ECO-2026-0001"]  # its last valid day
    assert due_numbers(cli, "2030-03-12") == []  # expired
    lapsed = cli.json("renewals", "due", "--as-of", "2030-03-12", "--include-expired")
    assert [(d["certificate"], d["days_left"]) for d in lapsed] == [("ECO-2026-0001", -1)]
    assert due_numbers(cli, "2029-09-01", "--pending") == ["ECO-2026-0001"]


@pytest.mark.today("2028-02-29")  # the grant's dues invoice is issued that day
def test_leap_day_grant_and_other_months(cli, store, holder):
    R.certificate(store, holder, "2028-02-29")  # ECO-2028-0001, valid until 2032-02-28
    assert due_numbers(cli, "2031-05-28") == ["ECO-2028-0001"]
    assert due_numbers(cli, "2031-05-27") == []
    assert cli.json("renewals", "due", "--months", "3", "--as-of", "2031-05-28") == []


@pytest.mark.today("2029-09-01")  # the day of the renewal
def test_renewed_withdrawn_and_never_expiring_are_not_due(cli, store, holder):
    renewed = R.number(store, R.certificate(store, holder, "2026-03-12"))
    # Renewed ahead of time: the new period runs 2030-03-12 to 2034-03-11.
    assert d_renewed(store, renewed, "2029-09-01").valid_until == "2034-03-11"
    withdrawn = R.number(store, R.certificate(store, holder, "2026-03-12"))
    certificates.withdraw(store, withdrawn, reason="demande du titulaire", date=dt.date(2027, 1, 1))
    R.certificate(store, holder, "2026-03-12", scheme="CQPT")  # never expires
    due = R.number(store, R.certificate(store, holder, "2026-03-12"))
    assert (renewed, withdrawn, due) == ("ECO-2026-0001", "ECO-2026-0002", "ECO-2026-0003")
    assert due_numbers(cli, "2029-12-01", "--include-expired") == [due]


def test_the_latest_period_by_start_then_id(cli, store, holder):
    """Only a certificate's latest period (by start, then id) is its current one: an
    earlier period in the window, or one of the same start entered before, is not due."""
    number = R.number(store, R.certificate(store, holder, "2026-03-12"))  # until 2030-03-11
    cert = store.one("SELECT id FROM certificates WHERE number = ?", (number,))["id"]
    assert due_numbers(cli, "2029-09-01") == [number]
    # A second period of the same start, entered after: the later id is the current
    # one, and it ends outside the window.
    with store.transaction():
        store.insert(
            "certificate_periods",
            {"certificate_id": cert, "start": "2026-03-12", "end": "2035-03-11"},
        )
    assert due_numbers(cli, "2029-09-01") == []
    assert store.count_renewal_window(as_of="2029-09-01", limit="2030-06-01") == 0
