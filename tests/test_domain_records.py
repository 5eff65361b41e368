"""Domain results are dataclasses, money a Decimal in every record until printed; the
JSON the CLI prints from them keeps its keys and values (the contract)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import builders
import pytest
from commission_helpers import new_candidate, report_ready, session
from instruction_helpers import open_dossier

from certcli.domain import (
    agenda,
    appeals,
    cqpt,
    cqpt_funding,
    decisions,
    dossiers,
    dues,
    evaluators,
    instruction,
    invoices,
    sessions,
    stats,
)

DAY = dt.date(2026, 6, 15)


def test_a_decision_is_a_record_with_a_decimal_amount(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    built = agenda.build_agenda(store, sid, date=DAY)
    assert dataclasses.is_dataclass(built) and built.added == [ref]
    granted = decisions.decide(store, sid, ref, "granted", date=DAY)
    assert isinstance(granted, decisions.Decision)
    assert granted.amount == Decimal("210.00") and isinstance(granted.amount, Decimal)
    data = granted.to_dict()
    assert data["amount"] == "210.00" and "appeal_outcome" not in data
    assert list(data) == [
        "ref",
        "decision",
        "session",
        "date",
        "certificate",
        "valid_until",
        "mentions",
        "invoice",
        "amount",
        "reason",
        "appeal_deadline",
        "warnings",
    ]
    invoice = invoices.get(store, granted.invoice)
    assert (invoice.amount, invoice.paid, invoice.due) == (
        Decimal("210.00"),
        Decimal("0.00"),
        Decimal("210.00"),
    )
    cli.ok("invoice", "pay", invoice.number, "--amount", "20", "--method", "cheque")
    paid = invoices.get(store, invoice.number)
    assert paid.payments[0]["amount"] == Decimal("20.00") and paid.due == Decimal("190.00")
    shown = cli.json("invoice", "show", invoice.number)
    assert (shown["amount"], shown["paid"], shown["due"]) == ("210.00", "20.00", "190.00")
    assert shown["payments"][0]["amount"] == "20.00"


def test_withdrawal_and_appeal_are_records(cli, store):
    ref = open_dossier(cli, new_candidate(cli))
    done = instruction.withdraw(store, ref, reason="départ", date=DAY)
    assert isinstance(done, instruction.Withdrawal)
    assert done.to_dict() == {
        "ref": ref,
        "status": "withdrawn",
        "closed_on": "2026-06-15",
        "reason": "départ",
        "interviews_cancelled": 0,
        "removed_from_agenda": [],
    }
    refused = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    agenda.build_agenda(store, sid, date=DAY)
    decisions.decide(store, sid, refused, "refused", reason="insuffisant", date=DAY)
    filed = appeals.file(store, refused, date=dt.date(2026, 6, 20))
    assert isinstance(filed, appeals.Filed) and set(filed.to_dict()) == {
        "id",
        "ref",
        "filed_on",
        "deadline",
        "deadline_from",
        "status",
    }


def test_sessions_and_their_corrections_are_records(cli, store):
    added = sessions.add(store, date=dt.date(2026, 6, 30), kind="award", capacity=8)
    assert isinstance(added, sessions.Session)
    assert list(added.to_dict()) == ["id", "date", "kind", "capacity", "status"]
    listed = sessions.listing(store)
    assert [list(s.to_dict()) for s in listed] == [
        ["id", "date", "kind", "capacity", "status", "on_agenda", "decided"]
    ]
    proposals = sessions.plan(store, year=2027, count=2)
    assert all(isinstance(p, sessions.Proposal) and p.id is None for p in proposals)
    assert list(proposals[0].to_dict()) == [
        "date",
        "kind",
        "capacity",
        "weekday",
        "shifted_from",
        "holiday",
        "id",
    ]
    moved = agenda.move(store, added.id, to=dt.date(2026, 7, 2), reason="salle", date=DAY)
    assert isinstance(moved, agenda.Moved) and moved.session.date == "2026-07-02"
    assert list(moved.to_dict())[-3:] == ["moved_from", "reason", "agenda"]
    cancelled = agenda.cancel(store, added.id, reason="quorum", date=DAY)
    assert isinstance(cancelled, agenda.Cancelled) and cancelled.session.status == "cancelled"
    assert list(cancelled.to_dict())[-2:] == ["reason", "released"]


def test_the_cqpt_steps_and_the_funding_are_records(cli, store):
    ev = evaluators.add(store, name="Formatel", date=DAY).id
    cid = builders.candidate(store, "Léa", "Cqpt", employer="Orange SA")
    ref = dossiers.open_dossier(
        store,
        candidate_id=cid,
        scheme_code="CQPT",
        route="contrat-pro",
        financing="contrat-pro",
        date=dt.date(2026, 3, 1),
    ).ref
    builders.complete_cqpt(store, ref)
    cqpt.admissibility(store, ref, accept=True, date=dt.date(2026, 4, 1))
    oriented = cqpt.orient(store, ref, evaluator_id=ev, date=dt.date(2026, 4, 10))
    assert isinstance(oriented, cqpt.Orientation)
    assert oriented.to_dict() == {
        "ref": ref,
        "status": "evaluation",
        "evaluator": {"id": ev, "name": "Formatel"},
    }
    pre = cqpt.prediag(store, ref, score="12,5", date=dt.date(2026, 4, 20))
    assert isinstance(pre, cqpt.Prediagnostic) and pre.score == Decimal("12.5")
    assert list(pre.to_dict()) == ["ref", "phase", "score", "training_advised", "date"]
    assert pre.to_dict()["score"] == "12.5"
    for phase in ("proof", "quiz", "situation"):
        done = cqpt.record_phase(store, ref, phase, result="pass", score="15", date=DAY)
    assert isinstance(done, cqpt.PhaseRecord) and done.score == Decimal("15")
    assert list(done.to_dict()) == [
        "ref",
        "phase",
        "result",
        "score",
        "working_time",
        "date",
        "missing",
    ]
    fixed = cqpt.record_phase(store, ref, "quiz", result="pass", replace=True, date=DAY)
    assert list(fixed.to_dict())[5:] == ["replaced", "date", "missing"]
    cpne = builders.session(store, "2026-06-30", "cpne")
    sent = cqpt.transmit(store, ref, session_id=cpne, date=dt.date(2026, 6, 20))
    assert isinstance(sent, cqpt.Transmission) and sent.position == 1
    report = cqpt_funding.funding(store, 2026)
    assert isinstance(report, cqpt_funding.Funding)
    assert report.totals == {"AUVICOM": Decimal("300.00")}
    assert isinstance(report.totals["AUVICOM"], Decimal)
    assert report.by_employer == {"Orange SA": {"AUVICOM": Decimal("300.00")}}
    data = report.to_dict()
    assert data["totals"] == {"AUVICOM": "300.00"}
    assert data["by_employer"] == {"Orange SA": {"AUVICOM": "300.00"}}


@pytest.mark.today("2027-01-15")  # the call of January 2027
def test_dues_and_the_unpaid_total_are_decimal_records(cli, store):
    prorata = dues.prorata("360", dt.date(2026, 6, 15))
    assert isinstance(prorata, dues.Prorata) and prorata.amount == Decimal("210.00")
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    agenda.build_agenda(store, sid, date=DAY)
    decisions.decide(store, sid, ref, "granted", date=DAY)
    called = dues.call(store, 2027, date=dt.date(2027, 1, 15))
    assert isinstance(called, dues.DuesCall) and called.count == 1
    assert isinstance(called.total, Decimal) and called.total == Decimal("360.00")
    assert isinstance(called.first[0], dues.Called) and list(called.invoiced) == called.first
    assert list(called.to_dict()) == ["year", "invoiced", "count", "total", "already_invoiced"]
    unpaid = stats.unpaid(store, dt.date(2027, 1, 15))
    assert isinstance(unpaid, stats.Unpaid) and isinstance(unpaid.total, Decimal)
    assert unpaid.to_dict() == {"count": 2, "total": "570.00"}
