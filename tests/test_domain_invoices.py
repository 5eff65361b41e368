"""Invoices (certcli/domain/invoices.py): payments, credit notes, gapless numbers in
date order, the issue day (never after today without --future) and what an issued
invoice keeps of its buyer; one balance rule (invoices.balance) for `invoice show`, the
letters and `stats`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from commission_helpers import decide_at, new_candidate, report_ready, session
from instruction_helpers import d_candidate

from certcli.domain import invoices, stats
from certcli.errors import ValidationError
from certcli.letters import context

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "annual, date, months, amount",
    [
        ("360.00", "2026-06-15", 7, "210.00"),
        ("360.00", "2026-01-01", 12, "360.00"),
        ("360.00", "2026-12-31", 1, "30.00"),
        ("250.00", "2026-11-05", 2, "41.67"),
    ],
)
def test_prorata_table_of_the_spec(cli, annual, date, months, amount):
    assert cli.json("dues", "prorata", "--amount", annual, "--date", date) == {
        "months": months,
        "amount": amount,
    }


def test_prorata_next_month_mode_and_bad_input(cli):
    assert cli.json(
        "dues", "prorata", "--amount", "360", "--date", "15/06/2026", "--mode", "next_month"
    ) == {"months": 6, "amount": "180.00"}
    assert cli.json(
        "dues", "prorata", "--amount", "360.00", "--date", "2026-12-01", "--mode", "next_month"
    ) == {"months": 0, "amount": "0.00"}
    assert (
        "unknown prorata mode"
        in cli.fails(
            "dues", "prorata", "--amount", "360", "--date", "2026-06-15", "--mode", "x"
        ).stderr
    )
    assert (
        "invalid amount"
        in cli.fails("dues", "prorata", "--amount", "abc", "--date", "2026-06-15").stderr
    )


def _invoice(cli, store, date="2026-06-15"):
    return decide_at(cli, store, date)["invoice"]


def test_partial_payments_add_up_and_overpayment_is_refused(cli, store, unchanged):
    number = _invoice(cli, store)  # 210.00
    first = cli.json(
        "invoice",
        "pay",
        number,
        "--amount",
        "100.00",
        "--method",
        "cheque",
        "--reference",
        "0012345",
        "--date",
        "2026-07-01",
    )
    assert (first["paid"], first["due"], first["status"]) == ("100.00", "110.00", "open")
    with unchanged():
        err = cli.fails(
            "invoice",
            "pay",
            number,
            "--amount",
            "110.01",
            "--method",
            "virement",
            "--date",
            "2026-07-02",
        ).stderr
        assert "overpayment refused" in err and "110.00 left to pay" in err
        assert (
            "invalid method"
            in cli.fails("invoice", "pay", number, "--amount", "1", "--method", "cash").stderr
        )
        assert (
            "before the invoice was issued"
            in cli.fails(
                "invoice",
                "pay",
                number,
                "--amount",
                "1",
                "--method",
                "cheque",
                "--date",
                "2026-06-01",
            ).stderr
        )
    assert [i["number"] for i in cli.json("invoice", "list", "--unpaid")] == [number]
    done = cli.json(
        "invoice",
        "pay",
        number,
        "--amount",
        "110,00",
        "--method",
        "virement",
        "--date",
        "2026-07-02",
    )
    assert (done["paid"], done["due"], done["status"]) == ("210.00", "0.00", "paid")
    assert [p["amount"] for p in cli.json("invoice", "show", number)["payments"]] == [
        "100.00",
        "110.00",
    ]
    assert cli.json("invoice", "list", "--unpaid") == []
    with unchanged():
        assert (
            "is paid: nothing to pay"
            in cli.fails("invoice", "pay", number, "--amount", "1", "--method", "cheque").stderr
        )


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_cancel_issues_a_credit_note_and_numbering_stays_gapless(cli, store, unchanged):
    # Each dossier's fee is invoiced with its payment, before the grant's dues.
    first = _invoice(cli, store, "2026-06-15")
    second = _invoice(cli, store, "2026-09-15")
    assert (first, second) == ("F-2026-00002", "F-2026-00004")
    out = cli.json(
        "invoice", "cancel", first, "--reason", "erreur de titulaire", "--date", "2026-09-20"
    )
    assert out["status"] == "cancelled" and out["credited_by"] == "AV-2026-00001"
    credit = out["credit_note"]
    assert (credit["number"], credit["amount"], credit["credit_for"]) == (
        "AV-2026-00001",
        "-210.00",
        first,
    )
    third = _invoice(cli, store, "2026-11-05")
    assert third == "F-2026-00006"  # the cancelled number is not reused
    listed = cli.json("invoice", "list")
    assert [(i["number"], i["status"]) for i in listed] == [
        ("F-2026-00001", "paid"),  # the fees
        ("F-2026-00002", "cancelled"),
        ("F-2026-00003", "paid"),
        ("F-2026-00004", "open"),
        ("AV-2026-00001", "applied"),
        ("F-2026-00005", "paid"),
        ("F-2026-00006", "open"),
    ]
    assert [i["number"] for i in cli.json("invoice", "list", "--unpaid")] == [second, third]
    with unchanged():
        assert "already cancelled" in cli.fails("invoice", "cancel", first, "--reason", "x").stderr
        assert (
            "credit note" in cli.fails("invoice", "cancel", "AV-2026-00001", "--reason", "x").stderr
        )
        assert (
            "is cancelled"
            in cli.fails("invoice", "pay", first, "--amount", "1", "--method", "cheque").stderr
        )
    # A new year starts both counters again.
    assert _invoice(cli, store, "2027-03-01") == "F-2027-00001"
    cli.ok("invoice", "cancel", "F-2027-00001", "--reason", "x", "--date", "2027-03-02")
    assert cli.json("invoice", "show", "AV-2027-00001")["amount"] == "-300.00"
    assert [i["number"] for i in cli.json("invoice", "list", "--year", "2027")] == [
        "F-2027-00001",
        "AV-2027-00001",
    ]


def test_an_invoice_with_payments_cannot_be_cancelled(cli, store, unchanged):
    number = _invoice(cli, store)
    cli.ok(
        "invoice", "pay", number, "--amount", "10.00", "--method", "cheque", "--date", "2026-06-20"
    )
    with unchanged():
        err = cli.fails("invoice", "cancel", number, "--reason", "x").stderr
        assert "10.00 paid" in err
        assert "no invoice or credit note" in cli.fails("invoice", "show", "F-1999-00001").stderr


def test_invoice_list_filters_by_candidate(cli, store):
    cid = new_candidate(cli)
    mine = decide_at(cli, store, "2026-06-15", candidate=cid)["invoice"]
    _invoice(cli, store, "2026-06-16")
    # the candidate's fee invoice and dues invoice, not the other one's
    assert [i["number"] for i in cli.json("invoice", "list", "--candidate", cid)] == [
        "F-2026-00001",
        mine,
    ]
    keys = cli.json("invoice", "show", mine)
    assert {"number", "amount", "paid", "status"} <= set(keys)


_ISSUE_200 = """
import datetime as dt, pathlib, sys, time
from decimal import Decimal
from certcli.domain import invoices
from certcli.store import Store
store = Store(sys.argv[1])
store.actor = sys.argv[2]
folder = pathlib.Path(sys.argv[3])
(folder / sys.argv[2]).touch()
while not (folder / "go").exists():  # start together, so the two really compete
    time.sleep(0.005)
for _ in range(200):
    invoices.issue(store, candidate_id=1, amount=Decimal("10.00"), label="test",
                   purpose="test", date=dt.date(2026, 5, 4))
    time.sleep(0.001)  # let the other process in between two invoices, as staff would
"""


def test_two_processes_issue_gapless_unique_numbers(cli, store, db_path, tmp_path):
    import time

    new_candidate(cli)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _ISSUE_200, str(db_path), name, str(tmp_path)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("p1", "p2")
    ]
    deadline = time.monotonic() + 30
    while not all((tmp_path / n).exists() for n in ("p1", "p2")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    numbers = [r["number"] for r in store.all("SELECT number FROM invoices")]
    assert sorted(numbers) == [f"F-2026-{n:05d}" for n in range(1, 401)]
    actors = [
        r["actor"]
        for r in store.all("SELECT actor FROM audit_log WHERE action = 'invoice.issue' ORDER BY id")
    ]
    assert sorted(actors) == ["p1"] * 200 + ["p2"] * 200
    # Each number went with the audit line of the same process and transaction.
    issued = [
        r["entity_id"]
        for r in store.all(
            "SELECT entity_id FROM audit_log WHERE action = 'invoice.issue' ORDER BY id"
        )
    ]
    assert issued == [f"F-2026-{n:05d}" for n in range(1, 401)]


def test_invoice_list_carries_each_invoices_payments_in_one_query(cli, store):
    partly = _invoice(cli, store, "2026-06-15")
    untouched = _invoice(cli, store, "2026-07-02")
    twice = _invoice(cli, store, "2026-09-03")
    cli.ok(
        "invoice",
        "pay",
        partly,
        "--amount",
        "50.00",
        "--method",
        "cheque",
        "--reference",
        "0012345",
        "--date",
        "2026-07-01",
    )
    for amount, day in (("10.00", "2026-09-10"), ("20.00", "2026-09-11")):
        cli.ok("invoice", "pay", twice, "--amount", amount, "--method", "virement", "--date", day)
    listed = {i["number"]: i["payments"] for i in cli.json("invoice", "list")}
    assert listed[partly] == [
        {
            "date": "2026-07-01",
            "amount": "50.00",
            "method": "cheque",
            "reference": "0012345",
            "kind": "payment",
            "reason": None,
        }
    ]
    assert listed[untouched] == []
    assert [(p["date"], p["amount"]) for p in listed[twice]] == [
        ("2026-09-10", "10.00"),
        ("2026-09-11", "20.00"),
    ]
    assert cli.json("invoice", "show", partly)["payments"] == listed[partly]

    from certcli.domain import invoices

    statements = []
    store.conn.set_trace_callback(statements.append)
    assert len(invoices.listing(store)) == 6  # three dues invoices, three fee invoices
    store.conn.set_trace_callback(None)
    assert sum("FROM payments WHERE" in sql for sql in statements) == 1


# -- invoice numbers follow the issue dates ---------------------------------------------
@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_grant_recorded_after_the_dues_call_is_numbered_and_dated_after_it(cli, store, unchanged):
    decide_at(cli, store, "2026-03-12")  # F-2026-00001
    called = cli.json("dues", "call", "--year", "2030", "--date", "2030-01-05")
    assert [i["number"] for i in called["invoiced"]] == ["F-2030-00001"]
    ref = report_ready(cli, store, report_on="2029-12-01", opened="2029-11-01")
    sid = session(cli, "2030-01-02")
    cli.ok("commission", "agenda", sid, "--date", "2030-01-02")
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2030-01-02").stderr
        assert (
            "invoices are numbered in date order: F-2030-00001 was issued on 2030-01-05, "
            "so a new one cannot be dated 2030-01-02"
        ) in err
    granted = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2030-01-06")
    assert granted["date"] == "2030-01-02"  # the decision: the session day
    assert (granted["invoice"], granted["amount"]) == ("F-2030-00002", "360.00")  # 12/12
    assert cli.json("invoice", "show", "F-2030-00002")["issued_on"] == "2030-01-06"


def test_credit_notes_follow_their_own_dates(cli, store, unchanged):
    first = decide_at(cli, store, "2026-06-15")["invoice"]
    second = decide_at(cli, store, "2026-07-15")["invoice"]
    cli.ok("invoice", "cancel", second, "--reason", "x", "--date", "2026-09-01")
    with unchanged():
        err = cli.fails("invoice", "cancel", first, "--reason", "x", "--date", "2026-08-01").stderr
        assert (
            "credit notes are numbered in date order: AV-2026-00001 was issued on 2026-09-01" in err
        )
    cli.ok("invoice", "cancel", first, "--reason", "x", "--date", "2026-09-01")


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_issue_refuses_an_earlier_date_in_the_same_year_only(cli, store):
    cid = d_candidate(store)

    def issue(day):
        return invoices.issue(
            store, candidate_id=cid, amount="10.00", label="t", purpose="test", date=day
        ).number

    assert issue(dt.date(2030, 1, 5)) == "F-2030-00001"
    with pytest.raises(ValidationError, match="F-2030-00001 was issued on 2030-01-05"):
        issue(dt.date(2030, 1, 2))
    assert issue(dt.date(2030, 1, 5)) == "F-2030-00002"
    assert issue(dt.date(2029, 12, 31)) == "F-2029-00001"  # another year's series


def _audit(store, action):
    return [
        json.loads(r["details"])
        for r in store.all("SELECT details FROM audit_log WHERE action = ? ORDER BY id", (action,))
    ]


def _granted_to_someone_who_moves(cli, store):
    cid = new_candidate(
        cli,
        first="Hélène",
        last="Lefèvre",
        civility="Mme",
        address="12 rue des Lilas",
        postcode="69003",
        city="Lyon",
    )
    done = decide_at(cli, store, "2026-06-15", candidate=cid)
    cli.ok(
        "candidate",
        "edit",
        cid,
        "--last-name",
        "Martin-Roux",
        "--address",
        "3 avenue Foch",
        "--postcode",
        "75016",
        "--city",
        "Paris",
        "--civility",
        "M.",
    )
    return done


def _html(cli, tmp_path, template, *record):
    out = tmp_path / template
    path = cli.json(
        "letters", "render", template, *record, "--format", "html", "--out", out, "--dry-run"
    )["path"]
    return Path(path).read_text(encoding="utf-8")


def test_a_decision_dated_after_today_issues_no_invoice_without_future(cli, store, unchanged):
    ref = report_ready(cli, store, report_on="2026-10-20")
    sid = session(cli, "2026-11-20")
    cli.ok("commission", "agenda", sid, "--date", "2026-11-20")
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2026-12-31").stderr
    assert "2026-12-31 is after today (2026-11-25)" in err and "--future" in err
    # The day's decision goes through, and the next invoice is not blocked.
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-11-25")
    assert done["invoice"] == "F-2026-00002"  # after the fee's invoice
    assert not any("future" in entry for entry in _audit(store, "invoice.issue"))


def test_future_allows_a_later_date_and_the_audit_trail_says_so(cli, store):
    done = decide_at(cli, store, "2026-11-20", "--grant", "--date", "2026-12-31", "--future")
    assert cli.json("invoice", "show", done["invoice"])["issued_on"] == "2026-12-31"
    issued = _audit(store, "invoice.issue")
    assert [("future" in entry) for entry in issued] == [False, True]  # the fee's, the dues'
    assert "--future" in issued[1]["future"]


def test_dues_call_and_credit_notes_follow_the_same_rule(cli, store, unchanged):
    number = decide_at(cli, store, "2026-11-20")["invoice"]
    with unchanged():
        assert (
            "is after today"
            in cli.fails("dues", "call", "--year", "2027", "--date", "2026-12-15").stderr
        )
        err = cli.fails(
            "invoice", "cancel", number, "--reason", "erreur", "--date", "2026-11-30"
        ).stderr
        assert "credit notes are dated on the day they are issued" in err
    assert (
        cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15", "--future")["count"] == 1
    )
    credit = cli.json(
        "invoice", "cancel", number, "--reason", "erreur", "--date", "2026-11-30", "--future"
    )["credit_note"]
    assert credit["issued_on"] == "2026-11-30"
    assert "future" in _audit(store, "credit.issue")[0]


def test_an_issued_invoice_keeps_its_buyer_when_the_candidate_is_edited(cli, store, tmp_path):
    done = _granted_to_someone_who_moves(cli, store)
    number = done["invoice"]
    shown = cli.json("invoice", "show", number)
    assert shown["holder"] == "Hélène Lefèvre"
    assert shown["address"] == "12 rue des Lilas, 69003 Lyon"
    assert shown["label"].startswith("Cotisation annuelle ECO 2026") and shown["amount"] == "210.00"
    assert [i["holder"] for i in cli.json("invoice", "list")] == ["Hélène Lefèvre"] * 2  # fee
    for template in ("facture", "appel-cotisation"):
        html = _html(cli, tmp_path, template, "--invoice", number)
        assert "Mme Hélène Lefèvre" in html and "12 rue des Lilas" in html, template
        assert "Madame," in html and "Martin-Roux" not in html and "Foch" not in html
    # The notification's invoice part quotes the invoice as issued.
    html = _html(cli, tmp_path, "notification", "--dossier", done["ref"])
    assert shown["label"] in html and "210,00" in html
    # A credit note names the buyer of the invoice it cancels, as on that invoice.
    credit = cli.json("invoice", "cancel", number, "--reason", "erreur", "--date", "2026-07-01")[
        "credit_note"
    ]
    assert (credit["holder"], credit["address"]) == (shown["holder"], shown["address"])
    html = _html(cli, tmp_path, "facture", "--invoice", credit["number"])
    assert "12 rue des Lilas" in html and "Foch" not in html


@pytest.mark.parametrize(
    "kind, status, paid, due",
    [
        ("invoice", "open", ["50.00", "10.50"], "149.50"),
        ("invoice", "open", [], "210.00"),
        ("invoice", "paid", ["210.00"], "0.00"),
        ("invoice", "cancelled", [], "0.00"),
        ("credit", "applied", [], "0.00"),
    ],
)
def test_balance_rule(kind, status, paid, due):
    owed = invoices.balance("210.00", paid, kind=kind, status=status)
    assert owed.due == Decimal(due)
    assert owed.paid == sum((Decimal(p) for p in paid), Decimal("0"))


def test_show_letters_and_stats_use_the_one_rule(cli, store, monkeypatch):
    number = decide_at(cli, store, "2026-06-15", "--grant")["invoice"]
    cli.ok(
        "invoice", "pay", number, "--amount", "10.00", "--method", "cheque", "--date", "2026-06-20"
    )
    calls = []
    rule = invoices.balance

    def counted(*args, **kwargs):
        calls.append(kwargs["status"])
        return rule(*args, **kwargs)

    monkeypatch.setattr(invoices, "balance", counted)
    shown = invoices.get(store, number)
    built = context.for_invoice(store, number, dt.date(2026, 6, 21)).data
    letter = built["invoice"]
    unpaid = stats.unpaid(store, dt.date(2026, 6, 21))
    # show; the letter's invoice and its invoice document (issue 12); stats
    assert calls == ["open", "open", "open", "open"]
    assert built["document"]["balance"] == letter["balance"]
    assert Decimal(shown.due) == letter["balance"] == unpaid.total
    assert letter["payable"] and Decimal(shown.paid) == letter["paid"] == Decimal("10.00")


def test_pay_many_is_the_payment_rule_for_a_batch(cli, store, unchanged):
    """Several payments of one invoice in one batch add up in order; one too many is
    refused like any overpayment, and the whole batch with it (issue 13)."""
    number = _invoice(cli, store)  # 210.00
    day = dt.date(2026, 7, 1)
    pay = invoices.Payment
    with unchanged(), pytest.raises(ValidationError, match="overpayment refused"):
        invoices.pay_many(
            store,
            [pay(number, "200.00", "virement", "A", day), pay(number, "20.00", "cheque", "B", day)],
        )
    with unchanged(), pytest.raises(ValidationError, match="before the invoice was issued"):
        invoices.pay_many(store, [pay(number, "10.00", "virement", "C", dt.date(2026, 1, 1))])
    invoices.pay_many(
        store,
        [pay(number, "200.00", "virement", "A", day), pay(number, "10.00", "cheque", "B", day)],
    )
    shown = invoices.get(store, number)
    assert (shown.status, shown.paid, shown.due) == ("paid", Decimal("210.00"), Decimal("0.00"))
    assert [(p["method"], p["reference"]) for p in shown.payments] == [
        ("virement", "A"),
        ("cheque", "B"),
    ]
    assert len(_audit(store, "invoice.pay")) == 2
