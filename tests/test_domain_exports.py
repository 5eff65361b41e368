"""Exports: one writer (certcli/domain/exports.py) for CSV, Excel CSV and xlsx; formula
injection neutralised; the register round-trips."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from builders import add_candidate
from commission_helpers import decide_at

from certcli.domain import exports


def _excel_rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _paid_invoice(cli, store):
    number = decide_at(cli, store, "2026-06-15")["invoice"]  # 210.00
    cli.ok(
        "invoice",
        "pay",
        number,
        "--amount",
        "12.50",
        "--method",
        "cheque",
        "--reference",
        "0012345",
        "--date",
        "2026-07-01",
    )
    return number


def test_invoice_export_excel_csv_has_bom_semicolons_and_decimal_comma(cli, store, tmp_path):
    number = _paid_invoice(cli, store)
    out = tmp_path / "factures.csv"
    cli.ok("invoice", "export", "--excel", "--out", out)
    rows = _excel_rows(out)
    header, line = rows[0], next(r for r in rows[1:] if r[0] == number)
    got = dict(zip(header, line, strict=True))
    assert got["amount"] == "210,00" and got["paid"] == "12,50"
    assert got["left_to_pay"] == "197,50"
    # the amounts inside the payments cell follow the file's decimal mark too
    assert got["payments"] == "2026-07-01 cheque 12,50 0012345"
    plain = tmp_path / "factures-plain.csv"
    cli.ok("invoice", "export", "--out", plain)
    assert "2026-07-01 cheque 12.50 0012345" in plain.read_text(encoding="utf-8")


def test_invoice_export_xlsx_is_a_real_workbook(cli, store, tmp_path):
    number = _paid_invoice(cli, store)
    out = tmp_path / "factures.xlsx"
    cli.ok("invoice", "export", "--format", "xlsx", "--out", out)
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    line = dict(zip(header, next(r for r in rows[1:] if r[0] == number), strict=True))
    assert line["amount"] == pytest.approx(210.0) and line["paid"] == pytest.approx(12.5)
    assert isinstance(line["amount"], float | int | Decimal)


def test_dossier_and_certificate_exports(cli, store, tmp_path):
    result = decide_at(cli, store, "2026-06-15")
    out = tmp_path / "dossiers.xlsx"
    cli.ok("dossier", "export", "--format", "xlsx", "--out", out)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("ref", "candidate_id", "holder")
    assert result["ref"] in {r[0] for r in rows[1:]}
    text = cli.ok("certificate", "export").stdout
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["number"] == result["certificate"] and parsed[0]["status"] == "valid"
    out = tmp_path / "certificats.csv"
    cli.ok("certificate", "export", "--excel", "--out", out)
    assert _excel_rows(out)[1][0] == result["certificate"]


def test_xlsx_needs_a_file_and_excel_is_for_csv(cli, tmp_path):
    assert "--out" in cli.fails("dossier", "export", "--format", "xlsx").stderr
    assert (
        "--excel"
        in cli.fails(
            "dossier", "export", "--format", "xlsx", "--excel", "--out", tmp_path / "x.xlsx"
        ).stderr
    )
    assert "invalid format" in cli.fails("invoice", "export", "--format", "pdf").stderr
    assert not (tmp_path / "x.xlsx").exists()


HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def test_formula_cells_are_neutralised_in_every_export(cli, tmp_path):
    add_candidate(
        cli,
        "Léa",
        HOSTILE[0],
        employer=HOSTILE[1],
        city=HOSTILE[2],
        address=HOSTILE[3],
        phone="06 12 34 56 78",
    )
    out = tmp_path / "c.csv"
    cli.ok("candidate", "export", "--out", out)
    row = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))[0]
    assert row["last_name"] == "'" + HOSTILE[0] and row["employer"] == "'" + HOSTILE[1]
    assert row["city"] == "'" + HOSTILE[2] and row["address"] == "'" + HOSTILE[3]
    assert row["phone"] == "'+33 6 12 34 56 78"
    excel = tmp_path / "c-excel.csv"
    cli.ok("candidate", "export", "--excel", "--out", excel)
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in _excel_rows(excel) for cell in r)
    book = tmp_path / "c.xlsx"
    cli.ok("candidate", "export", "--format", "xlsx", "--out", book)
    sheet = openpyxl.load_workbook(book).active
    assert all(cell.data_type != "f" for r in sheet.iter_rows() for cell in r)
    assert HOSTILE[0] in [c.value for c in next(sheet.iter_rows(min_row=2))]


def test_the_public_directory_is_neutralised_too(cli, store):
    result = decide_at(cli, store, "2026-06-15")
    cid = cli.json("certificate", "show", result["certificate"])["candidate_id"]
    cli.ok("candidate", "edit", cid, "--city", "=1+1", "--directory-consent")
    text = cli.ok("directory", "export", "--as-of", "2026-07-01").stdout
    row = list(csv.DictReader(io.StringIO(text)))[0]
    assert row["city"] == "'=1+1"


def test_export_then_import_gives_the_same_people(cli, tmp_path, db_path, monkeypatch):
    add_candidate(
        cli,
        "Léa",
        "-Martin",
        email="lea@example.fr",
        phone="06 12 34 56 78",
        employer="=Cabinet",
        city="@Lyon",
        specialty=["economie", "programmation"],
        directory_consent=True,
        birth_date="1985-04-03",
    )
    add_candidate(cli, "Jean", "Dupont", phone="+44 20 7946 0958", status="demandeur")
    before = json.loads(cli.ok("candidate", "export", "--format", "json").stdout)
    for flag in ([], ["--excel"]):
        out = tmp_path / f"register{len(flag)}.csv"
        cli.ok("candidate", "export", *flag, "--out", out)
        monkeypatch.setenv("CERTCLI_DB", str(tmp_path / f"new{len(flag)}.db"))
        cli.ok("init")
        assert cli.json("candidate", "import", out)["inserted"] == 2
        after = json.loads(cli.ok("candidate", "export", "--format", "json").stdout)
        keep = [k for k in before[0] if k not in ("id", "created_on")]
        assert [{k: c[k] for k in keep} for c in after] == [{k: c[k] for k in keep} for c in before]
        monkeypatch.setenv("CERTCLI_DB", str(db_path))


def test_neutralise_and_restore():
    for text in [*HOSTILE, "\tx", "\rx", "+33 6 12 34 56 78"]:
        assert exports.neutralise(text).startswith("'")
        assert exports.restore(exports.neutralise(text)) == text
    assert exports.neutralise("Martin") == "Martin"
    assert exports.restore("'quoted") == "'quoted"  # a real apostrophe stays


EXPORTS = {
    "dossier": "csv or xlsx.",
    "certificate": "csv or xlsx.",
    "invoice": "csv, xlsx or fec.",
    "candidate": "csv, xlsx or json.",
    "directory": "csv, xlsx or json.",
}


@pytest.mark.parametrize("noun", sorted(EXPORTS))
def test_every_export_takes_the_shared_options_before_its_own(cli, noun, tmp_path):
    """One option set (cli.common.export_options): the same four options, in the same
    order, with the same help, ahead of the command's own; and they reach the writer."""
    lines = cli.ok(noun, "export", "--help").stdout.splitlines()
    options = [line.split()[0] for line in lines if line.startswith("  --")]
    assert options[:4] == ["--format", "--excel", "--out", "--force"]
    assert EXPORTS[noun] in next(line for line in lines if line.startswith("  --format"))
    shared = [line for line in lines if line.startswith(("  --excel", "  --out", "  --force"))]
    dossier = cli.ok("dossier", "export", "--help").stdout.splitlines()
    assert shared == [
        line for line in dossier if line.startswith(("  --excel", "  --out", "  --force"))
    ]
    out = tmp_path / f"{noun}.csv"
    cli.ok(noun, "export", "--excel", "--out", out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "exists" in cli.fails(noun, "export", "--out", out).stderr
    cli.ok(noun, "export", "--out", out, "--force")
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
