"""Batch letters (certcli/letters/follow_up.py: Batch, and a grant letter with its
invoice): `dues call --letter [--one-file]` renders every call letter, one PDF of
every page with --one-file; `commission decide --grant --letter` puts the
notification and its dues invoice in one PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import letter_records as R
import pytest
from commission_helpers import report_ready, session
from letter_office import text_of

from certcli.domain import candidates

pytestmark = pytest.mark.today("2027-01-31")


def _holders(store, n, *, without_address=()):
    """`n` holders certified in March 2026; those of `without_address` had their postal
    address cleared after the grant (they had one to be invoiced the instruction fee)."""
    for i in range(n):
        c = R.candidate(store, first=f"Zoé{i}", email=f"z{i}@example.fr")
        R.certificate(store, c, f"2026-03-{10 + i:02d}")  # ECO-2026-0001, ...
        if i in without_address:
            gone = {"address": "", "postcode": "", "city": ""}  # moved, no address known
            candidates.edit(store, c, gone, date=dt.date(2026, 12, 1))


def test_dues_call_one_file_of_every_call_letter(cli, store, tmp_path):
    from pypdf import PdfReader

    _holders(store, 3)
    done = cli.json(
        "dues",
        "call",
        "--year",
        "2027",
        "--date",
        "2027-01-15",
        "--letter",
        "--one-file",
        "--out",
        tmp_path,
    )
    numbers = [i["number"] for i in done["invoiced"]]
    assert len(numbers) == 3 and done["skipped"] == []
    assert len(done["files"]) == 1 and done["files"][0].endswith(".pdf")
    assert Path(done["files"][0]).name == f"2027-01-15_appel-cotisation_lot-{numbers[0]}-3.pdf"
    pages = PdfReader(done["files"][0]).pages
    assert len(pages) == 3
    for page, number in zip(pages, numbers, strict=True):
        assert number in page.extract_text() and "cotisation" in page.extract_text()
    log = cli.json("letters", "log")
    assert [(e["template"], e["invoice"]) for e in log] == [
        ("appel-cotisation", n) for n in numbers
    ]
    assert {e["path"] for e in log} == {done["files"][0]}
    assert cli.json("letters", "pending") == []


def test_dues_call_one_letter_each_and_a_holder_without_address(cli, store, tmp_path):
    _holders(store, 3, without_address={1})
    result = cli(
        "dues",
        "call",
        "--year",
        "2027",
        "--date",
        "2027-01-15",
        "--letter",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--json",
    )
    assert result.exit_code == 1 and result.stderr.startswith("Error: 1 call letter(s)")
    import json

    done = json.loads(result.stdout)
    numbers = [i["number"] for i in done["invoiced"]]
    assert len(numbers) == 3  # the invoices stand
    assert [Path(f).name for f in done["files"]] == [
        f"2027-01-15_appel-cotisation_{numbers[0]}.html",
        f"2027-01-15_appel-cotisation_{numbers[2]}.html",
    ]
    assert [s["invoice"] for s in done["skipped"]] == [numbers[1]]
    assert "letters render appel-cotisation" in done["skipped"][0]["reason"]


def test_dues_call_one_file_needs_letter(cli, store, unchanged):
    _holders(store, 1)
    with unchanged():
        failed = cli.fails("dues", "call", "--year", "2027", "--date", "2027-01-15", "--one-file")
    assert "--letter" in failed.stderr


@pytest.mark.today("2026-11-25")
def test_a_grant_letter_and_its_invoice_in_one_pdf(cli, store, tmp_path):
    from pypdf import PdfReader

    cid = R.candidate(store, first="Léa", email="lea@example.fr")
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=cid)
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    data = cli.json(
        "commission",
        "decide",
        sid,
        ref,
        "--grant",
        "--date",
        "2026-06-15",
        "--letter",
        "--out",
        tmp_path,
    )
    path = Path(data["letter"])
    assert path.name == f"2026-06-15_notification_{ref}.pdf"
    text = text_of(path)
    assert "ci-joint" in text and data["invoice"] in text
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    # the invoice document follows the notification, on pages of its own
    after = "".join(page.extract_text() for page in reader.pages[1:])
    assert data["invoice"] in after
    assert [(e["template"], e["invoice"]) for e in cli.json("letters", "log")] == [
        ("notification", data["invoice"]),
        ("facture", data["invoice"]),
    ]


@pytest.mark.today("2026-11-25")
def test_an_employer_paid_grant_says_so_and_its_invoice_goes_to_the_company(cli, store, tmp_path):
    company = cli.json(
        "company",
        "add",
        "--name",
        "Métrés & Cie",
        "--siret",
        "73282932000074",
        "--address",
        "1 quai des Chartrons",
        "--postcode",
        "33000",
        "--city",
        "Bordeaux",
    )["id"]
    cid = R.candidate(store, first="Léa", email="lea@example.fr")
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=cid)
    with store.transaction():
        store.execute("UPDATE dossiers SET payer = 'employer' WHERE ref = ?", (ref,))
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    data = cli.json(
        "commission",
        "decide",
        sid,
        ref,
        "--grant",
        "--date",
        "2026-06-15",
        "--letter",
        "--format",
        "html",
        "--out",
        tmp_path,
    )
    assert cli.json("invoice", "show", data["invoice"])["buyer"]["kind"] == "company"
    text = text_of(Path(data["letter"]))
    assert "Votre employeur, Métrés & Cie, en assure le règlement" in text
    assert "À l'attention de Mme Léa" in text and "1 quai des Chartrons" in text
