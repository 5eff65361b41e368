"""The accountant's journal (certcli/domain/accounting.py) and its FEC file
(`invoice export --format fec`, certcli/domain/exports.py): the 18 fields in the
official order, dates AAAAMMJJ, decimal commas, and every entry balanced."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import commission_helpers
import letter_records as R
import pytest

from certcli.domain import accounting, dossiers, invoices, reception
from certcli.rules import schemes

pytestmark = pytest.mark.today("2027-12-31")

FIELDS = (
    "JournalCode JournalLib EcritureNum EcritureDate CompteNum CompteLib CompAuxNum "
    "CompAuxLib PieceRef PieceDate EcritureLib Debit Credit EcritureLet DateLet ValidDate "
    "Montantdevise Idevise"
).split()


def _issue(store, cid, cert, on, amount="360.00") -> str:
    return invoices.issue(
        store,
        candidate_id=cid,
        amount=Decimal(amount),
        label="Cotisation annuelle 2027",
        purpose="dues-call",
        date=dt.date.fromisoformat(on),
        certificate_id=cert,
        dues_year=2027,
    ).number


def _holder(store, first: str, granted_on: str):
    """A candidate granted ECO on `granted_on` through the commission's steps
    (commission_helpers.d_granted: its fee paid and its prorated dues invoiced that
    year): (candidate, certificate id, the grant's dues invoice)."""
    cid = R.candidate(store, first=first, email=f"{first.lower()}@example.fr")
    decision = commission_helpers.d_granted(store, cid, granted_on)
    return cid, store.certificate(decision.certificate)["id"], decision.invoice


def _office(cli, store):
    """A paid invoice, a cancelled one, one partly paid then partly refunded, an
    instruction fee paid on a dossier, and an invoice of the year before paid in 2027.
    Everything the grants of 2026 bring (their fees, their prorated dues) is dated 2026,
    outside the 2027 journal, but Paul's: granted on 2026-10-01, his 3/12 months of 2026
    dues are the invoice of the year before paid in 2027."""
    people = []
    for first, granted_on in (
        ("Léa", "2026-03-10"),
        ("Marc", "2026-03-10"),
        ("Inès", "2026-03-10"),
        ("Paul", "2026-10-01"),
    ):
        cid, cert, grant = _holder(store, first, granted_on)
        people.append((cid, cert))
    old = grant  # Paul's
    shown = invoices.get(store, old)
    assert (shown.purpose, shown.amount, shown.issued_on) == (
        "dues-prorata",
        Decimal("90.00"),
        "2026-10-01",
    )
    paid = _issue(store, *people[0], "2027-01-04")
    cancelled = _issue(store, *people[1], "2027-01-04")
    partly = _issue(store, *people[2], "2027-01-05", amount="1234.56")
    cli.ok(
        "invoice",
        "pay",
        paid,
        "--amount",
        "360.00",
        "--method",
        "cheque",
        "--reference",
        "4567",
        "--date",
        "2027-02-01",
    )
    cli.ok("invoice", "cancel", cancelled, "--reason", "exonération", "--date", "2027-02-02")
    cli.ok(
        "invoice",
        "pay",
        partly,
        "--amount",
        "1000.00",
        "--method",
        "virement",
        "--date",
        "2027-02-03",
    )
    cli.ok(
        "invoice",
        "refund",
        partly,
        "--amount",
        "100.00",
        "--method",
        "virement",
        "--reason",
        "trop perçu",
        "--date",
        "2027-02-04",
    )
    cli.ok("invoice", "pay", old, "--amount", "90.00", "--method", "cheque", "--date", "2027-01-10")
    # Léa, holding ECO, asks for PROG: the first dossier opened in 2027, its fee paid.
    dossier = dossiers.open_dossier(
        store, candidate_id=people[0][0], scheme_code="PROG", date=dt.date(2027, 3, 1)
    )
    assert dossier.ref == "2027-0001"
    fee = schemes.get("PROG").fee("initial")
    reception.pay(store, dossier.ref, amount=str(fee), method="cheque", date=dt.date(2027, 3, 2))
    fee_invoice = store.fee_invoice(store.dossier(dossier.ref)["id"])["number"]
    return {
        "paid": paid,
        "cancelled": cancelled,
        "partly": partly,
        "old": old,
        "fee": fee_invoice,
    }


def _read(path):
    raw = path.read_bytes()
    assert b"\r\n" in raw
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    return [line.split("\t") for line in lines[:-1]]


def _amount(text: str) -> Decimal:
    assert re.fullmatch(r"\d+,\d{2}", text), text
    return Decimal(text.replace(",", "."))


def test_fec_fields_dates_amounts_and_balance(cli, store, tmp_path):
    numbers = _office(cli, store)
    out = tmp_path / "FEC2027.txt"
    cli.ok("invoice", "export", "--year", "2027", "--format", "fec", "--out", out)
    header, *rows = _read(out)
    assert header == FIELDS
    assert all(len(r) == 18 for r in rows)
    col = {name: i for i, name in enumerate(FIELDS)}
    entries = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in rows:
        for field in ("EcritureDate", "PieceDate", "ValidDate"):
            assert re.fullmatch(r"2027\d{4}", r[col[field]]), r
        debit, credit = _amount(r[col["Debit"]]), _amount(r[col["Credit"]])
        assert (debit == 0) != (credit == 0), r  # one side per line
        entries[r[col["EcritureNum"]]][0] += debit
        entries[r[col["EcritureNum"]]][1] += credit
        assert r[col["CompteNum"]][:3].isdigit()
        if r[col["CompteNum"]].startswith("411"):
            assert r[col["CompAuxNum"]] and r[col["CompAuxLib"]]
        else:
            assert r[col["CompAuxNum"]] == ""
    # every entry balanced, and the whole file
    assert all(d == c for d, c in entries.values()), dict(entries)
    assert sum(d for d, _ in entries.values()) == sum(c for _, c in entries.values())
    # one continuous sequence, in date order
    order = list(dict.fromkeys(r[col["EcritureNum"]] for r in rows))
    assert order == [str(n) for n in range(1, len(order) + 1)]
    dates = [r[col["EcritureDate"]] for r in rows]
    assert dates == sorted(dates)
    # 3 invoices, 1 fee invoice + 1 credit note of 2027 (VT); 4 payments, 1 refund, 1 fee (BQ)
    journals = defaultdict(set)
    for r in rows:
        journals[r[col["JournalCode"]]].add(r[col["EcritureNum"]])
        assert r[col["JournalLib"]] == {"VT": "Ventes", "BQ": "Banque"}[r[col["JournalCode"]]]
    assert (len(journals["VT"]), len(journals["BQ"])) == (5, 5)
    pieces = {r[col["PieceRef"]] for r in rows if r[col["JournalCode"]] == "VT"}
    assert numbers["old"] not in pieces and {numbers["paid"], numbers["partly"]} <= pieces
    by_piece = defaultdict(list)
    for r in rows:
        by_piece[(r[col["JournalCode"]], r[col["PieceRef"]], r[col["CompteNum"]])].append(
            (r[col["Debit"]], r[col["Credit"]])
        )
    assert by_piece[("VT", numbers["partly"], "411000")] == [("1234,56", "0,00")]
    assert by_piece[("VT", numbers["partly"], "756000")] == [("0,00", "1234,56")]
    assert ("0,00", "360,00") in by_piece[("BQ", "4567", "411000")]  # the cheque's reference
    assert ("360,00", "0,00") in by_piece[("BQ", "4567", "512000")]
    refund = [r for r in rows if r[col["EcritureLib"]].startswith("Remboursement")]
    assert {(r[col["CompteNum"]], r[col["Debit"]]) for r in refund} >= {("411000", "100,00")}
    credit = [r for r in rows if r[col["EcritureLib"]].startswith("Avoir")]
    assert {(r[col["CompteNum"]], r[col["Debit"]], r[col["Credit"]]) for r in credit} == {
        ("756000", "360,00", "0,00"),
        ("411000", "0,00", "360,00"),
    }
    # the fee invoiced (411 to 706) and its cheque received against the invoice (512 to 411)
    fee = [(r[col["JournalCode"]], r[col["CompteNum"]], r[col["Debit"]], r[col["Credit"]])
           for r in rows if r[col["PieceRef"]] == numbers["fee"]]  # fmt: skip
    assert sorted(fee) == [
        ("BQ", "411000", "0,00", "480,00"),
        ("BQ", "512000", "480,00", "0,00"),
        ("VT", "411000", "480,00", "0,00"),
        ("VT", "706000", "0,00", "480,00"),
    ]


def test_fec_letters_what_settled_each_invoice_within_the_year(cli, store, tmp_path):
    numbers = _office(cli, store)
    out = tmp_path / "FEC2027.txt"
    cli.ok("invoice", "export", "--year", "2027", "--format", "fec", "--out", out)
    header, *rows = _read(out)
    col = {name: i for i, name in enumerate(header)}
    lettered = defaultdict(list)
    for r in rows:
        if r[col["EcritureLet"]]:
            assert r[col["CompteNum"]] == "411000"
            lettered[r[col["EcritureLet"]]].append(r)
        else:
            assert r[col["DateLet"]] == ""
    groups = {
        code: sorted((r[col["JournalCode"]], r[col["PieceRef"]], r[col["DateLet"]]) for r in g)
        for code, g in lettered.items()
    }
    # the paid invoice with its cheque; the cancelled one with its credit note; the fee
    # invoice with its cheque
    assert sorted(groups.values()) == sorted(
        [
            [("BQ", "4567", "20270201"), ("VT", numbers["paid"], "20270201")],
            [("BQ", numbers["fee"], "20270302"), ("VT", numbers["fee"], "20270302")],
            sorted(
                [
                    ("VT", numbers["cancelled"], "20270202"),
                    (
                        "VT",
                        next(
                            r[col["PieceRef"]] for r in rows if r[col["PieceRef"]].startswith("AV-")
                        ),
                        "20270202",
                    ),
                ]
            ),
        ]
    )
    assert set(groups) == {"A", "B", "C"}
    for group in lettered.values():  # lettered lines balance
        assert sum(_amount(r[col["Debit"]]) for r in group) == sum(
            _amount(r[col["Credit"]]) for r in group
        )


def test_fec_needs_a_year(cli, tmp_path):
    failed = cli.fails("invoice", "export", "--format", "fec", "--out", tmp_path / "f.txt")
    assert "--year" in failed.stderr
    assert not (tmp_path / "f.txt").exists()


def test_the_journal_balances_per_entry(cli, store):
    _office(cli, store)
    lines = list(accounting.journal(store, 2027))
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        totals[line.number][0] += line.debit
        totals[line.number][1] += line.credit
    assert all(d == c > 0 for d, c in totals.values())


def test_a_body_liable_to_vat_credits_the_vat_it_collects(cli, store, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from certcli.rules import schemes

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    body = data / "bodies" / "opqtecc.toml"
    text = body.read_text(encoding="utf-8")
    text = text.replace(
        'regime = "franchise"\nexemption = "TVA non applicable, art. 293 B du CGI"',
        'regime = "assujetti"\nnumber = "FR31775681232"\n'
        '[vat.rates]\ninstruction = "20.0"\ndues = "20.0"',
    )
    text = text.replace('customers = "411000"', 'customers = "411100"')
    body.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    try:
        cid, cert, _ = _holder(store, "Léa", "2026-03-10")
        number = _issue(store, cid, cert, "2027-01-04")
        lines = list(accounting.journal(store, 2027))
    finally:
        schemes._catalog.cache_clear()
    assert [(x.account, x.debit, x.credit) for x in lines if x.piece == number] == [
        ("411100", Decimal("360.00"), Decimal("0")),
        ("756000", Decimal("0"), Decimal("300.00")),
        ("445710", Decimal("0"), Decimal("60.00")),
    ]
