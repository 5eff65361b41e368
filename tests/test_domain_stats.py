"""`certcli stats`: exact figures on a small office built for the purpose."""

from decimal import Decimal

import letter_records as R
import pytest
from commission_helpers import d_granted, decide_at, report_ready, session
from instruction_helpers import ECO_PIECES, d_candidate, d_open

from certcli.domain import instruction, invoices, reception, renewals

AS_OF = "2026-06-15"


def complete(store, name: str, opened: str, checked: str, scheme="ECO") -> str:
    """A dossier opened on `opened` whose pieces, fee and check come in on `checked`."""
    ref = d_open(store, d_candidate(store, name, name), scheme, R.day(opened))
    reception.receive(store, ref, list(ECO_PIECES), date=R.day(checked))
    reception.pay(store, ref, amount="480.00", method="cheque", date=R.day(checked))
    assert reception.check(store, ref, date=R.day(checked)).status == "instruction"
    return ref


@pytest.fixture
def office(cli, store):
    # Opening -> instruction: 10, 30 and 3 days in the window; 30 days in 2025, outside
    # (and 0 days for the four dossiers below whose pieces came in with the opening).
    a = complete(store, "Alice", "2026-03-01", "2026-03-11")
    b = complete(store, "Bruno", "2026-01-05", "2026-02-04")
    complete(store, "Chloé", "2026-05-20", "2026-05-23")
    complete(store, "Denis", "2025-01-10", "2025-02-09")
    incomplete = d_open(store, d_candidate(store, "Emma", "Emma"), "PROG", R.day("2026-04-01"))
    reception.check(store, incomplete, date=R.day("2026-04-02"))
    # Overdue on 2026-06-15: due 06-01; due that very day is not late yet.
    instruction.request(
        store, a, items="Attestation", due=R.day("2026-06-01"), date=R.day("2026-05-01")
    )
    instruction.request(
        store, b, items="Contrat", due=R.day("2026-06-15"), date=R.day("2026-05-01")
    )
    # Opening -> decision: 60 and 151 days; an adjournment is no decision; a refusal
    # exactly 12 months before as_of is out of the window.
    decide_at(cli, store, "2026-05-04", "--refuse", "--reason", "insuffisant")
    decide_at(cli, store, "2026-06-01", "--refuse", "--reason", "insuffisant", opened="2026-01-01")
    decide_at(cli, store, "2026-05-18", "--adjourn")
    decide_at(cli, store, "2025-06-15", "--refuse", "--reason", "insuffisant")
    # Sessions from as_of on: the first three; the first hears a new dossier and the
    # adjourned one.
    on_agenda = session(cli, AS_OF, capacity=8)
    report_ready(cli, store, report_on="2026-05-01")
    cli.ok("commission", "agenda", on_agenda, "--date", AS_OF)
    session(cli, "2026-09-14", "appeal")
    session(cli, "2026-10-05", "cpne", capacity=10)
    session(cli, "2026-12-01")
    # Renewals within 9 months: two (one reminded); one later, one already lapsed.
    # Four grants (four granted dossiers), in the order of their dues invoices; the
    # holder paid each grant's dues on the day.
    holder = R.candidate(store)
    granted = {on: d_granted(store, holder, on) for on in GRANTS}
    for decision in granted.values():
        invoices.pay(
            store,
            decision.invoice,
            decision.amount,
            method="cheque",
            reference=None,
            date=R.day(decision.date),
        )
    renewals.record_sent(
        store, granted["2023-01-10"].certificate, months=9, date=R.day("2026-05-01")
    )
    # Unpaid by as_of: 210.00 + 41.67 - 10.00 paid; not paid, cancelled, credit or later.
    issued = [
        _invoice(store, holder, amount, on)
        for amount, on in [
            ("210.00", "2026-06-01"),
            ("41.67", "2026-06-02"),
            ("99.00", "2026-06-03"),
            ("50.00", "2026-06-04"),
        ]
    ]
    # numbered after the dossiers' fee invoices of 2026, one after the other
    first = int(issued[0].number.rsplit("-", 1)[1])
    assert [i.number for i in issued] == [f"F-2026-{n:05d}" for n in range(first, first + 4)]
    invoices.pay(
        store, issued[1].number, "10.00", method="cheque", reference=None, date=R.day("2026-06-10")
    )
    invoices.pay(
        store, issued[2].number, "99.00", method="cheque", reference=None, date=R.day("2026-06-03")
    )
    _, credit = invoices.cancel(store, issued[3].number, reason="erreur", date=R.day("2026-06-05"))
    assert credit.number == "AV-2026-00001"
    _invoice(store, holder, "300.00", "2026-06-16")
    return {"overdue": a}


# The certificates' grant days: lapsed (valid until 2025-12-31), due (2026-08-31), due
# and reminded (2027-01-09), later (2027-05-31).
GRANTS = ("2022-01-01", "2022-09-01", "2023-01-10", "2023-06-01")


def _invoice(store, holder: int, amount: str, on: str):
    """An invoice through invoices.issue (numbered in its year's series, the buyer
    frozen), billed to the holder by the first scheme's body."""
    return invoices.issue(
        store,
        candidate_id=holder,
        amount=Decimal(amount),
        label="Cotisation annuelle",
        purpose="dues-prorata",
        date=R.day(on),
    )


def test_stats_json(cli, office):
    data = cli.json("stats", "--as-of", AS_OF)
    assert data["as_of"] == AS_OF
    assert data["dossiers"] == {
        # granted: the four dossiers the renewal holder's certificates were granted on
        "ECO": {"granted": 4, "instruction": 2, "on_agenda": 2, "refused": 3, "waiting": 2},
        "PROG": {"incomplete": 1},
    }
    assert data["delays"] == {
        "from": "2025-06-16",
        "to": AS_OF,
        "to_instruction": {"count": 7, "median_days": 0, "max_days": 30},
        "to_decision": {"count": 2, "median_days": 105.5, "max_days": 151},
    }
    assert data["overdue_requests"] == {
        "count": 1,
        "dossiers": [{"ref": office["overdue"], "due": "2026-06-01", "days_overdue": 14}],
    }
    assert [
        (s["date"], s["kind"], s["on_agenda"], s["capacity"]) for s in data["next_sessions"]
    ] == [(AS_OF, "award", 2, 8), ("2026-09-14", "appeal", 0, None), ("2026-10-05", "cpne", 0, 10)]
    assert data["renewals"] == {"months": 9, "due": 2, "not_reminded": 1}
    assert data["unpaid_invoices"] == {"count": 2, "total": "241.67"}


def test_stats_moves_with_as_of(cli, office):
    data = cli.json("stats", "--as-of", "2026-06-16")
    # The request due on 06-15 is now late too; 2025-06-15's refusal still out; the
    # invoice of 06-16 is now issued; the session of 06-15 is past.
    assert data["overdue_requests"]["count"] == 2
    assert data["delays"]["to_decision"]["count"] == 2
    assert data["unpaid_invoices"] == {"count": 3, "total": "541.67"}
    assert [s["date"] for s in data["next_sessions"]] == ["2026-09-14", "2026-10-05", "2026-12-01"]
    earlier = cli.json("stats", "--as-of", "2026-06-14")
    assert earlier["delays"]["to_decision"] == {"count": 3, "median_days": 60, "max_days": 151}


def test_stats_text(cli, office):
    out = cli.ok("stats", "--as-of", AS_OF).stdout
    assert "Dossiers (as of 2026-06-15)" in out
    assert "Delays, 2025-06-16 to 2026-06-15" in out
    assert f"overdue requests         {office['overdue']}" in out
    assert "renewals due (9 months)  2, 1 not reminded yet" in out
    assert "unpaid invoices          2, 241,67" in out


def test_stats_on_an_empty_database(cli):
    data = cli.json("stats", "--as-of", AS_OF)
    assert data["dossiers"] == {} and data["next_sessions"] == []
    assert data["delays"]["to_decision"] == {"count": 0, "median_days": None, "max_days": None}
    assert data["unpaid_invoices"] == {"count": 0, "total": "0.00"}
    assert "none" in cli.ok("stats", "--as-of", AS_OF).stdout


def test_median_of_whole_days_stays_an_integer():
    from certcli.domain.stats import Delay

    assert Delay.of([3, 10, 30]).to_dict() == {"count": 3, "median_days": 10, "max_days": 30}
    assert Delay.of([60, 151]).median_days == 105.5
    assert isinstance(Delay.of([2, 4]).median_days, int)


def test_stats_income_of_the_year(cli, store, tmp_path):
    """Expected (invoiced since 1 January), received, pending collection and the
    bank entries left unmatched (issue 13)."""
    from builders import candidate
    from camt_files import entry, statement, tx

    lea, zoe = candidate(store, "Léa", "Martin"), candidate(store, "Zoé", "Noël")
    _invoice(store, lea, "40.00", "2025-12-01")  # last year's: not this year's income
    a = _invoice(store, lea, "210.00", "2026-03-02").number
    b = _invoice(store, zoe, "150.00", "2026-03-02").number
    invoices.pay(store, a, "100.00", method="cheque", reference=None, date=R.day("2026-03-05"))
    path = tmp_path / "releve.xml"
    path.write_text(
        statement(
            [
                entry("R1", tx("150.00", debtor="NOEL ZOE", remittance=b)),
                entry("R2", tx("50.00", debtor="INCONNU", remittance="DON")),
                entry("R3", tx("20.00", debtor="X", remittance="Y", return_code="AC04")),
            ]
        ),
        encoding="utf-8",
    )
    cli.ok("bank", "import", path, "--date", "2026-03-13")
    data = cli.json("stats", "--as-of", AS_OF)
    assert data["income"] == {
        "year": 2026,
        "expected": "360.00",
        "received": "250.00",
        "pending_collection": "0.00",
        "unmatched_entries": {"count": 2, "total": "50.00"},
    }
    assert data["unpaid_invoices"] == {"count": 2, "total": "150.00"}  # keys kept
    assert cli.json("stats", "--as-of", "2026-03-01")["income"]["expected"] == "0.00"
    out = cli.ok("stats", "--as-of", AS_OF).stdout
    assert "Income 2026" in out and "unmatched bank entries (2)" in out
    assert "360,00" in out and "250,00" in out
