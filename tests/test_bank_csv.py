"""Bank statements as CSV (issue 13, certcli/domain/bank_csv.py): a French bank's
export (';', comma decimals, cp1252, Débit/Crédit columns), read with the body
file's [bank.csv] mapping, matched like a CAMT.053 statement, once only (references
derived from each line when the bank gives none); a bad line refused with one Error:
line naming the line and the column, nothing written."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from builders import candidate

from certcli.domain import invoices
from certcli.rules import schemes

ISSUED = dt.date(2026, 3, 2)

MAPPING = """
[bank.csv]
delimiter = ";"
decimal = ","
date_format = "%d/%m/%Y"
encoding = "cp1252"
skip_lines = 2
columns = { date = "Date opération", remittance = "Libellé", debit = "Débit", credit = "Crédit" }
"""


def _invoice(store, cid, amount) -> str:
    return invoices.issue(
        store,
        candidate_id=cid,
        amount=Decimal(amount),
        label="Frais d'instruction",
        purpose="instruction",
        date=ISSUED,
    ).number


@pytest.fixture
def mapped(tmp_path, monkeypatch):
    """The bundled data with a [bank.csv] mapping in opqtecc.toml; returns a
    function to write another mapping instead."""
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    body = data / "bodies" / "opqtecc.toml"
    original = body.read_text(encoding="utf-8")

    def write(mapping: str = MAPPING) -> None:
        body.write_text(original + mapping, encoding="utf-8")
        schemes._catalog.cache_clear()

    write()
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    yield write
    schemes._catalog.cache_clear()


def _export(rows: list[str]) -> bytes:
    """A statement as the bank exports it: a preamble, the header, cp1252."""
    text = "\r\n".join(
        [
            "Compte courant;FR76 3000 4000 0000 0001 2345 632",
            "Période;du 01/03/2026 au 31/03/2026",
            "Date opération;Libellé;Débit;Crédit",
            *rows,
        ]
    )
    return (text + "\r\n").encode("cp1252")


def test_a_french_csv_export_is_matched_once(cli, store, tmp_path, mapped, unchanged):
    lea = _invoice(store, candidate(store, "Léa", "Martin"), "210.00")
    helene = _invoice(store, candidate(store, "Hélène", "Lefèvre"), "1250.00")
    zoe = _invoice(store, candidate(store, "Zoé", "Noël"), "90.00")
    path = tmp_path / "releve.csv"
    path.write_bytes(
        _export(
            [
                f"12/03/2026;VIR SEPA MARTIN LÉA {lea.lower()};;210,00",
                # no number: the payer in the label, 1 250,00 with a thousands space
                "12/03/2026;VIR SEPA RECU DE MME HÉLÈNE LEFÈVRE COTISATION;;1 250,00",
                "13/03/2026;FRAIS TENUE DE COMPTE;12,50;",
                # the same transfer twice on one day: two entries, two references
                "14/03/2026;VIR SEPA DON ANONYME;;50,00",
                "14/03/2026;VIR SEPA DON ANONYME;;50,00",
                "",
                f"15/03/2026;VIR NOËL ZOÉ F{zoe[2:6]}{zoe[7:]};;80,00",
            ]
        )
    )
    with unchanged():
        dry = cli.json("bank", "import", path, "--dry-run", "--date", "2026-03-20")
    done = cli.json("bank", "import", path, "--date", "2026-03-20")
    assert {k: v for k, v in dry.items() if k != "dry_run"} == {
        k: v for k, v in done.items() if k != "dry_run"
    }
    assert done["version"] == "csv" and done["ignored"] == 1  # the bank fees
    assert [(m["invoice"], m["amount"]) for m in done["matched"]] == [
        (lea, "210.00"),
        (helene, "1250.00"),
    ]
    unmatched = done["unmatched"]
    assert [u["amount"] for u in unmatched] == ["50.00", "50.00", "80.00"]
    assert unmatched[0]["entry"] != unmatched[1]["entry"]
    assert all(u["entry"].startswith("CSV-2026031") for u in unmatched)
    assert unmatched[2]["reason"].startswith(f"partial: 80.00 of the 90.00 due on {zoe}")
    shown = cli.json("invoice", "show", lea)
    assert shown["status"] == "paid"
    assert shown["payments"][0]["method"] == "virement"
    assert shown["payments"][0]["date"] == "2026-03-12"
    assert shown["payments"][0]["reference"] == done["matched"][0]["entry"]
    assert cli.json("bank", "unmatched")[0]["remittance"] == "VIR SEPA DON ANONYME"

    # the same file again, and by --format: nothing new
    with unchanged():
        again = cli.json("bank", "import", path, "--format", "csv", "--date", "2026-03-21")
    assert again["matched"] == [] and again["unmatched"] == [] and again["already"] == 5

    # a later export overlapping this one: only its new line is recorded
    later = tmp_path / "releve-2.csv"
    later.write_bytes(_export(["14/03/2026;VIR SEPA DON ANONYME;;50,00", "20/03/2026;VIR X;;5,00"]))
    third = cli.json("bank", "import", later, "--date", "2026-03-22")
    assert third["already"] == 1 and [u["amount"] for u in third["unmatched"]] == ["5.00"]


def test_a_reference_column_and_a_signed_amount(cli, store, tmp_path, mapped):
    mapped(
        '\n[bank.csv]\ndelimiter = ","\ndecimal = "."\ndate_format = "%Y-%m-%d"\n'
        'encoding = "utf-8"\ncolumns = { date = "booking date", amount = "AMOUNT", '
        'reference = "Bank ref", debtor = "Payer", remittance = "Details" }\n'
    )
    number = _invoice(store, candidate(store, "Éric", "Bérégovoy"), "210.00")
    path = tmp_path / "export.txt"
    path.write_text(
        "Booking date,Details,Amount,Bank ref,Payer\n"
        '2026-03-12,"Dues, 2026",210.00,REF-1,Eric BEREGOVOY\n'
        "2026-03-12,Card,-30.00,REF-2,\n",
        encoding="utf-8",
    )
    done = cli.json("bank", "import", path, "--date", "2026-03-20")
    assert done["matched"] == [{"entry": "REF-1", "invoice": number, "amount": "210.00"}]
    assert done["ignored"] == 1


@pytest.mark.parametrize(
    "rows, message",
    [
        (["32/03/2026;VIR;;10,00"], "line 4, column 'Date opération': '32/03/2026' is not a date"),
        (
            ["12/03/2026;VIR;;10,00", "12/03/2026;VIR;;10,0x"],
            "line 5, column 'Crédit': '10,0x' is not an amount",
        ),
        (["12/03/2026;VIR;;"], "line 4, column 'Crédit': no amount"),
    ],
)
def test_a_bad_line_is_one_error_naming_it(cli, store, tmp_path, mapped, unchanged, rows, message):
    _invoice(store, candidate(store), "10.00")
    path = tmp_path / "releve.csv"
    path.write_bytes(_export(rows))
    with unchanged():
        assert message in cli.fails("bank", "import", path).stderr


def test_a_mapped_column_missing_from_the_header(cli, store, tmp_path, mapped, unchanged):
    path = tmp_path / "releve.csv"
    path.write_bytes(_export(["12/03/2026;VIR;;10,00"]).replace("Crédit".encode("cp1252"), b"Cr"))
    with unchanged():
        err = cli.fails("bank", "import", path).stderr
    assert "releve.csv line 3: no column 'Crédit' (credit in opqtecc.toml [bank.csv])" in err


def test_a_wrong_mapping_and_no_mapping(cli, store, tmp_path, mapped, unchanged):
    path = tmp_path / "releve.csv"
    path.write_bytes(_export(["12/03/2026;VIR;;10,00"]))
    with unchanged():
        assert "no body 'nope'" in cli.fails("bank", "import", path, "--body", "nope").stderr
        err = cli.fails("bank", "import", path, "--body", "cqpt").stderr
        assert "has no [bank.csv] column mapping" in err
        err = cli.fails("bank", "import", path, "--format", "camt").stderr
        assert "not well-formed XML" in err
        assert "--format must be" in cli.fails("bank", "import", path, "--format", "ofx").stderr
        mapped('\n[bank.csv]\ncolumns = { date = "Date", montant = "Montant" }\n')
        err = cli.fails("bank", "import", path).stderr
        assert "field 'bank.csv.columns.montant' is not a column certcli reads" in err
        mapped('\n[bank.csv]\nencoding = "klingon"\ncolumns = { date = "D", amount = "A" }\n')
        assert "field 'bank.csv.encoding'" in cli.fails("bank", "import", path).stderr
