"""Invoice corrections (issue 11): money paid back (`invoice refund`), a partial credit
note (`invoice credit`), cancelling once every payment is refunded, and `invoice
reissue` (a credit note and a corrected invoice naming the one it replaces). Nothing
is deleted or rewritten; every listing follows the corrected balance."""

from __future__ import annotations

import datetime as dt

from commission_helpers import decide_at, new_candidate

from certcli.domain import invoices, stats
from certcli.letters import context

DAY = "2026-06-15"  # the grant: a prorated dues invoice of 210.00 (7/12 of 360.00)
ADDRESS = {"address": "3 rue des Lilas", "postcode": "69003", "city": "Lyon"}


def _granted(cli, store, **candidate) -> str:
    cid = new_candidate(cli, **ADDRESS, **candidate)
    number = decide_at(cli, store, DAY, "--grant", candidate=cid)["invoice"]
    assert cli.json("invoice", "show", number)["amount"] == "210.00"
    return number


def _pay(cli, number, amount, date="2026-06-20"):
    cli.ok("invoice", "pay", number, "--amount", amount, "--method", "cheque", "--date", date)


def _unpaid(cli):
    return {i["number"]: i["due"] for i in cli.json("invoice", "list", "--unpaid")}


def test_refund_reopens_a_paid_invoice_and_every_listing_follows(cli, store):
    number = _granted(cli, store)
    _pay(cli, number, "210.00")
    assert number not in _unpaid(cli)
    done = cli.json(
        "invoice",
        "refund",
        number,
        "--amount",
        "210.00",
        "--method",
        "virement",
        "--reason",
        "payé deux fois",
        "--date",
        "2026-06-22",
        "--as",
        "marie",
    )
    assert done["paid"] == "0.00" and done["due"] == "210.00" and done["status"] == "open"
    assert [(p["kind"], p["amount"], p["reason"]) for p in done["payments"]] == [
        ("payment", "210.00", None),
        ("refund", "-210.00", "payé deux fois"),
    ]
    assert _unpaid(cli) == {number: "210.00"}
    assert stats.unpaid(store, dt.date(2026, 6, 23)).to_dict()["total"] == "210.00"
    letter = context.for_invoice(store, number, dt.date(2026, 6, 23)).data["invoice"]
    assert letter["balance"] == 210 and letter["payable"]
    entry = cli.json("log", "--entity", "invoice", "--record", number)[0]
    assert entry["action"] == "invoice.refund" and entry["by"] == "marie"
    assert entry["date"] == "2026-06-22"
    assert entry["details"]["before"]["status"] == "paid"
    assert entry["details"]["after"] == {
        "status": "open",
        "paid": "0.00",
        "credited": "0.00",
        "due": "210.00",
    }
    # Every payment refunded: the invoice can now be cancelled by a credit note.
    cancelled = cli.json(
        "invoice", "cancel", number, "--reason", "erreur de destinataire", "--date", "2026-06-23"
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["credit_note"]["amount"] == "-210.00"
    assert number not in _unpaid(cli)


def test_cancel_follows_the_corrected_balance(cli, store, unchanged):
    number = _granted(cli, store)
    _pay(cli, number, "50.00")
    with unchanged():
        err = cli.fails("invoice", "cancel", number, "--reason", "x").stderr
        assert "50.00 paid" in err and "invoice refund" in err
    cli.ok(
        "invoice",
        "refund",
        number,
        "--amount",
        "50",
        "--method",
        "cheque",
        "--reason",
        "x",
        "--date",
        "2026-06-21",
    )
    assert cli.json("invoice", "cancel", number, "--reason", "x")["status"] == "cancelled"


def test_refund_refusals_leave_the_database_unchanged(cli, store, unchanged):
    number = _granted(cli, store)
    with unchanged():
        err = cli.fails(
            "invoice", "refund", number, "--amount", "1", "--method", "cheque", "--reason", "x"
        ).stderr
        assert "more than the 0.00 paid" in err
    _pay(cli, number, "100.00")
    with unchanged():
        err = cli.fails(
            "invoice",
            "refund",
            number,
            "--amount",
            "100.01",
            "--method",
            "cheque",
            "--reason",
            "x",
        ).stderr
        assert "more than the 100.00 paid" in err
        # dated before the payment it would pay back
        cli.fails(
            "invoice",
            "refund",
            number,
            "--amount",
            "10",
            "--method",
            "cheque",
            "--reason",
            "x",
            "--date",
            "2026-06-19",
        )
        cli.fails(
            "invoice", "refund", number, "--amount", "10", "--method", "liquide", "--reason", "x"
        )
        err = cli.fails(
            "invoice", "refund", number, "--amount", "10", "--method", "cheque", "--reason", ""
        ).stderr
        assert "--reason" in err
        cli.fails(
            "invoice",
            "refund",
            "F-2026-09999",
            "--amount",
            "1",
            "--method",
            "cheque",
            "--reason",
            "x",
        )


def test_partial_credit_note_lowers_what_is_owed_everywhere(cli, store, unchanged, tmp_path):
    number = _granted(cli, store)
    done = cli.json(
        "invoice",
        "credit",
        number,
        "--amount",
        "50.00",
        "--reason",
        "geste commercial",
        "--date",
        "2026-06-20",
    )
    note = done["credit_note"]
    assert note["number"] == "AV-2026-00001" and note["amount"] == "-50.00"
    assert note["partial"] is True and note["credit_for"] == number
    assert done["credited"] == "50.00" and done["due"] == "160.00" and done["status"] == "open"
    assert done["credited_by"] is None  # a partial credit note cancels nothing
    assert _unpaid(cli) == {number: "160.00"}
    shown = cli.json("invoice", "show", number)
    assert shown["credit_notes"] == [
        {"number": "AV-2026-00001", "amount": "-50.00", "issued_on": "2026-06-20"}
    ]
    assert "AV-2026-00001" in cli.ok("invoice", "show", number).stdout
    assert stats.unpaid(store, dt.date(2026, 6, 21)).to_dict()["total"] == "160.00"
    letter = context.for_invoice(store, number, dt.date(2026, 6, 21)).data["invoice"]
    assert letter["balance"] == 160 and [c["number"] for c in letter["credits"]] == [
        "AV-2026-00001"
    ]
    cli.ok(
        "letters",
        "render",
        "facture",
        "--invoice",
        number,
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        "2026-06-21",
    )
    html = next(tmp_path.glob("*.html")).read_text()
    assert "AV-2026-00001" in html and "160,00" in html
    entries = cli.json("log", "--entity", "invoice", "--record", number)
    assert entries[0]["action"] == "invoice.credit"
    assert entries[0]["details"]["before"]["due"] == "210.00"
    assert entries[0]["details"]["after"]["due"] == "160.00"
    from certcli.domain import audit_trail

    told = audit_trail.describe(entries[0]["action"], entries[0]["details"], date="2026-06-20")
    assert told.startswith(f"invoice {number} credited 50,00") and "geste commercial" in told
    with unchanged():
        err = cli.fails("invoice", "credit", number, "--amount", "160.01", "--reason", "x").stderr
        assert "more than the 160.00 left to pay" in err
        # the whole of an unpaid invoice is a cancellation
        err = cli.fails("invoice", "credit", number, "--amount", "160.00", "--reason", "x").stderr
        assert "invoice cancel" in err
        cli.fails("invoice", "credit", number, "--amount", "10", "--reason", " ")
        cli.fails("invoice", "credit", "AV-2026-00001", "--amount", "10", "--reason", "x")
    _pay(cli, number, "100.00")
    # a credit clearing the rest of a partly paid invoice settles it
    settled = cli.json("invoice", "credit", number, "--amount", "60.00", "--reason", "solde")
    assert settled["status"] == "paid" and settled["due"] == "0.00"
    with unchanged():
        cli.fails("invoice", "credit", number, "--amount", "1", "--reason", "x")


def test_cancel_after_a_partial_credit_cancels_what_is_left(cli, store):
    number = _granted(cli, store)
    cli.ok("invoice", "credit", number, "--amount", "10.00", "--reason", "geste")
    done = cli.json("invoice", "cancel", number, "--reason", "erreur")
    assert done["credit_note"]["amount"] == "-200.00" and done["due"] == "0.00"
    assert done["credited_by"] == done["credit_note"]["number"] == "AV-2026-00002"
    # the dues invoice and its credit notes add up to what is owed: nothing (the
    # dossier's fee invoice, paid, stands apart)
    listed = cli.json("invoice", "list")
    assert [i["status"] for i in listed if i["purpose"] == "instruction-fee"] == ["paid"]
    total = sum(float(i["amount"]) for i in listed if i["purpose"] != "instruction-fee")
    assert total == 0


def test_reissue_to_the_employer(cli, store, tmp_path, unchanged):
    number = _granted(cli, store, employer="Cabinet Métré Conseil", siret="73282932000074")
    cid = cli.json("invoice", "show", number)["candidate_id"]
    # The employer is the company the candidate is linked to, not the free text.
    with unchanged():
        err = cli.fails("invoice", "reissue", number, "--bill-to", "employer", "--reason", "x")
    assert "linked to no company" in err.stderr and "--employer-id" in err.stderr
    company = cli.json(
        "company", "add", "--name", "Cabinet Métré Conseil", "--siret", "73282932000074"
    )["id"]
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    with unchanged():
        err = cli.fails("invoice", "reissue", number, "--bill-to", "employer", "--reason", "x")
    assert f"company {company} (Cabinet Métré Conseil) has no address" in err.stderr
    cli.ok(
        "company",
        "edit",
        company,
        "--address",
        "5 quai Perrache",
        "--postcode",
        "69002",
        "--city",
        "Lyon",
    )
    done = cli.json(
        "invoice",
        "reissue",
        number,
        "--bill-to",
        "employer",
        "--reason",
        "payé par l'employeur",
        "--date",
        "2026-06-20",
        "--as",
        "marie",
    )
    assert done["number"] == "F-2026-00003" and done["replaces"] == number  # after the fee's
    assert done["bill_to"] == "employer" and done["holder"] == "Cabinet Métré Conseil"
    assert done["siret"] == "73282932000074"
    assert done["buyer"]["kind"] == "company" and done["buyer"]["name"] == "Cabinet Métré Conseil"
    assert done["buyer"]["siret"] == "73282932000074"
    assert done["buyer"]["lines"] == ["5 quai Perrache", "69002 Lyon"]
    assert done["amount"] == "210.00" and done["status"] == "open"
    assert done["credit_note"]["number"] == "AV-2026-00001"
    assert done["cancelled"]["status"] == "cancelled"
    assert done["cancelled"]["replaced_by"] == "F-2026-00003"
    old, new = cli.json("invoice", "show", number), cli.json("invoice", "show", "F-2026-00003")
    assert (old["label"], old["dossier"], old["certificate"]) == (
        new["label"],
        new["dossier"],
        new["certificate"],
    )
    assert _unpaid(cli) == {"F-2026-00003": "210.00"}
    text = cli.ok("invoice", "show", "F-2026-00003").stdout
    assert "replaces" in text and number in text and "Cabinet Métré Conseil" in text
    entry = cli.json("log", "--entity", "invoice", "--record", number)[0]
    assert entry["action"] == "invoice.reissue" and entry["by"] == "marie"
    assert entry["details"]["before"]["bill_to"] == "candidate"
    assert entry["details"]["after"] == {"bill_to": "employer", "buyer": "Cabinet Métré Conseil"}
    told = cli.ok("log", "--entity", "invoice", "--record", number).stdout
    assert f"invoice {number} reissued as F-2026-00003 on 20 Jun 2026 by marie" in " ".join(
        told.split()
    )
    cli.ok(
        "letters",
        "render",
        "facture",
        "--invoice",
        "F-2026-00003",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        "2026-06-20",
    )
    html = next(tmp_path.glob("*.html")).read_text()
    assert f"remplace la facture n°&nbsp;{number}" in html
    assert "Cabinet Métré Conseil" in html and "73282932000074" in html


def test_reissue_a_dues_call_invoice_and_call_again(cli, store):
    number = _granted(cli, store)
    called = cli.json("dues", "call", "--year", "2027", "--date", "2026-11-20")
    dues = [i for i in cli.json("invoice", "list") if i["dues_year"] == 2027]
    assert len(dues) == 1, called
    done = cli.json(
        "invoice",
        "reissue",
        dues[0]["number"],
        "--bill-to",
        "candidate",
        "--reason",
        "adresse",
        "--date",
        "2026-11-21",
    )
    assert done["replaces"] == dues[0]["number"] and done["dues_year"] == 2027
    again = cli.json("dues", "call", "--year", "2027", "--date", "2026-11-22")
    assert not again.get("invoices")
    assert number  # the grant's invoice is untouched
    assert cli.json("invoice", "show", number)["status"] == "open"


def test_reissue_refusals_leave_the_database_unchanged(cli, store, unchanged):
    number = _granted(cli, store)  # a candidate without employer
    with unchanged():
        err = cli.fails(
            "invoice", "reissue", number, "--bill-to", "employer", "--reason", "x"
        ).stderr
        assert "linked to no company" in err
        err = cli.fails("invoice", "reissue", number, "--bill-to", "voisin", "--reason", "x").stderr
        assert "bill-to" in err
        cli.fails("invoice", "reissue", number, "--bill-to", "candidate", "--reason", "")
        # numbers follow the dates: not before the invoice's own day
        cli.fails(
            "invoice",
            "reissue",
            number,
            "--bill-to",
            "candidate",
            "--reason",
            "x",
            "--date",
            "2026-06-14",
        )
    _pay(cli, number, "10.00")
    with unchanged():
        err = cli.fails(
            "invoice", "reissue", number, "--bill-to", "candidate", "--reason", "x"
        ).stderr
        assert "refund it first" in err


def test_balance_rule_counts_credits_and_refunds():
    owed = invoices.balance(
        "210.00", ["100.00", "-30.00"], kind="invoice", status="open", credits=["-50.00"]
    )
    assert (owed.paid, owed.credited, owed.due) == (70, 50, 90)
