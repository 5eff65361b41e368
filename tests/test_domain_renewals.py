"""Who is due for a renewal reminder (certcli/domain/renewals.py): the window's
boundaries, leap days, renewed, withdrawn and never-expiring certificates."""

import letter_records as R
import pytest


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
    R.certificate(store, holder, "ECO-2026-0001", "2026-03-12")
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


def test_leap_day_grant_and_other_months(cli, store, holder):
    R.certificate(store, holder, "ECO-2028-0001", "2028-02-29")  # valid until 2032-02-28
    assert due_numbers(cli, "2031-05-28") == ["ECO-2028-0001"]
    assert due_numbers(cli, "2031-05-27") == []
    assert cli.json("renewals", "due", "--months", "3", "--as-of", "2031-05-28") == []


def test_renewed_withdrawn_and_never_expiring_are_not_due(cli, store, holder):
    renewed = R.certificate(store, holder, "ECO-2026-0001", "2026-03-12")
    R.period(store, renewed, "2030-03-12", "2034-03-11")  # renewed ahead of time
    withdrawn = R.certificate(store, holder, "ECO-2026-0002", "2026-03-12")
    with store.transaction():
        store.update(
            "certificates", withdrawn, {"status": "withdrawn", "withdrawn_on": "2027-01-01"}
        )
    R.certificate(store, holder, "CQPT-2026-00001", "2026-03-12", scheme="CQPT", years=0)
    R.certificate(store, holder, "ECO-2026-0003", "2026-03-12")
    assert due_numbers(cli, "2029-12-01", "--include-expired") == ["ECO-2026-0003"]
