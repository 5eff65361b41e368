"""Domain results are dataclasses, money a Decimal in every record until printed; the
JSON the CLI prints from them keeps its keys and values (the contract)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from commission_helpers import new_candidate, report_ready, session
from instruction_helpers import open_dossier

from certcli.domain import agenda, appeals, decisions, instruction, invoices

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
