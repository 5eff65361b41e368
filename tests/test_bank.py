"""Bank statements (issue 13, certcli/domain/bank.py, camt.py): `bank import` of a
CAMT.053 statement in the shape a French bank exports (several entries, a batched
entry, a return, a debit, accents in the debtor names), once only; `bank
unmatched`, `bank match`; bad files refused with one Error: line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from builders import candidate
from camt_files import entry, statement, tx

from certcli.domain import bank, invoices

ISSUED = dt.date(2026, 3, 2)


def _invoice(store, cid, amount, payer="candidate") -> str:
    return invoices.issue(
        store,
        candidate_id=cid,
        amount=Decimal(amount),
        label="Frais d'instruction",
        purpose="instruction",
        date=ISSUED,
        payer=payer,
    ).number


def _office(cli, store) -> dict:
    """Seven open invoices: Léa Martin 210, Hélène Lefèvre 150, the Cabinet Métré
    Conseil for Paul Durand 360, Éric Bérégovoy 210, Jean Dupont twice 210, and
    Zoé Noël 90."""
    lea = candidate(store, "Léa", "Martin")
    helene = candidate(store, "Hélène", "Lefèvre")
    paul = candidate(store, "Paul", "Durand")
    eric = candidate(store, "Éric", "Bérégovoy")
    jean = candidate(store, "Jean", "Dupont")
    zoe = candidate(store, "Zoé", "Noël")
    company = cli.json(
        "company", "add", "--name", "Cabinet Métré Conseil", "--siret", "73282932000074",
        "--address", "5 quai Perrache", "--postcode", "69002", "--city", "Lyon",
    )["id"]  # fmt: skip
    cli.ok("candidate", "edit", paul, "--employer-id", company)
    return {
        "lea": _invoice(store, lea, "210.00"),
        "helene": _invoice(store, helene, "150.00"),
        "company": _invoice(store, paul, "360.00", payer="employer"),
        "eric": _invoice(store, eric, "210.00"),
        "jean1": _invoice(store, jean, "210.00"),
        "jean2": _invoice(store, jean, "210.00"),
        "zoe": _invoice(store, zoe, "90.00"),
    }


def _statement(version="02") -> str:
    return statement(
        [
            # the number with a space, lower case; the debtor last name first
            entry(
                "2026031200001",
                tx("210.00", debtor="M. MARTIN LEA", remittance="reglement fact f2026 00001"),
            ),
            # no number: the amount and the name, accents dropped by the bank
            entry(
                "2026031200002",
                tx("150.00", debtor="MME HELENE LEFEVRE", remittance="COTISATION OPQTECC"),
            ),
            # a batched entry: three transfers, each with its own reference
            entry(
                "2026031200003",
                tx(
                    "360.00",
                    debtor="CABINET METRE CONSEIL",
                    remittance="F202600003",
                    ref="2026031200003A",
                ),
                tx(
                    "100.00",
                    debtor="Éric Bérégovoy",
                    remittance="Facture F-2026-00004",
                    ref="2026031200003B",
                ),
                tx("90.00", debtor="NOËL ZOÉ", remittance="virement", ref="2026031200003C"),
            ),
            # two open invoices of 210.00 for Jean Dupont: ambiguous
            entry("2026031200004", tx("210.00", debtor="DUPONT JEAN", remittance="REGLEMENT")),
            # a transfer returned by the bank (account closed)
            entry(
                "2026031200005",
                tx("210.00", debtor="MARTIN LEA", remittance="F-2026-00001", return_code="AC04"),
            ),
            # bank fees: a debit, ignored
            entry("2026031200006", tx("12.50", remittance="FRAIS TENUE DE COMPTE"), debit=True),
            # nobody known
            entry("2026031200007", tx("50.00", debtor="SARL INCONNUE", remittance="DON")),
            # more than is due, the invoice named
            entry("2026031200008", tx("300.00", debtor="X", remittance="F-2026-00005")),
        ],  # fmt: skip
        version,
    )


@pytest.mark.parametrize("version", ["02", "08"])
def test_import_matches_records_and_keeps_the_rest(cli, store, tmp_path, unchanged, version):
    numbers = _office(cli, store)
    path = tmp_path / "releve.xml"
    path.write_text(_statement(version), encoding="utf-8")

    with unchanged():
        dry = cli.json("bank", "import", path, "--dry-run", "--date", "2026-03-13")
    assert dry["dry_run"] is True and len(dry["matched"]) == 4

    done = cli.json("bank", "import", path, "--date", "2026-03-13")
    assert done["version"] == f"camt.053.001.{version}"
    assert done["matched"] == [
        {"entry": "2026031200001", "invoice": numbers["lea"], "amount": "210.00"},
        {"entry": "2026031200002", "invoice": numbers["helene"], "amount": "150.00"},
        {"entry": "2026031200003A", "invoice": numbers["company"], "amount": "360.00"},
        {"entry": "2026031200003C", "invoice": numbers["zoe"], "amount": "90.00"},
    ]
    assert {k: v for k, v in dry.items() if k != "dry_run"} == {
        k: v for k, v in done.items() if k != "dry_run"
    }
    reasons = {u["entry"]: (u["amount"], u["reason"]) for u in done["unmatched"]}
    assert list(reasons) == [
        "2026031200003B", "2026031200004", "2026031200005", "2026031200007", "2026031200008",
    ]  # fmt: skip
    assert reasons["2026031200003B"][1].startswith(
        "partial: 100.00 of the 210.00 due on F-2026-00004"
    )
    assert reasons["2026031200004"][1].startswith("ambiguous: 2 open invoices of 210.00")
    assert numbers["jean1"] in reasons["2026031200004"][1]
    assert reasons["2026031200005"][1] == "return (reason AC04): not a payment"
    assert "no open invoice for SARL INCONNUE" in reasons["2026031200007"][1]
    assert reasons["2026031200008"][1].startswith("overpaying: 300.00 for the 210.00")
    assert done["already"] == 0 and done["ignored"] == 1  # the bank fees

    paid = cli.json("invoice", "show", numbers["lea"])
    assert paid["status"] == "paid"
    assert paid["payments"] == [
        {"date": "2026-03-12", "amount": "210.00", "method": "virement",
         "reference": "2026031200001", "kind": "payment", "reason": None},
    ]  # fmt: skip
    assert cli.json("invoice", "show", numbers["company"])["status"] == "paid"
    assert cli.json("invoice", "show", numbers["eric"])["status"] == "open"

    # the same statement again: nothing new
    with unchanged():
        again = cli.json("bank", "import", path, "--date", "2026-03-14")
    assert again["matched"] == [] and again["unmatched"] == [] and again["already"] == 9

    left = cli.json("bank", "unmatched")
    assert [e["entry"] for e in left] == list(reasons)
    assert left[0]["debtor"] == "Éric Bérégovoy" and left[0]["amount"] == "100.00"

    # by hand: Éric's 100.00 is a partial payment the secretariat accepts
    settled = cli.json("bank", "match", "2026031200003B", "--invoice", "f-2026-00004",
                       "--date", "2026-03-15")  # fmt: skip
    assert settled == {"entry": "2026031200003B", "invoice": numbers["eric"],
                       "amount": "100.00", "status": "open", "due": "110.00"}  # fmt: skip
    assert "2026031200003B" not in [e["entry"] for e in cli.json("bank", "unmatched")]
    with unchanged():
        err = cli.fails("bank", "match", "2026031200003B", "--invoice", numbers["eric"]).stderr
        assert "already matched to F-2026-00004" in err
        err = cli.fails("bank", "match", "2026031200005", "--invoice", numbers["eric"]).stderr
        assert "is a return (reason AC04)" in err
        err = cli.fails("bank", "match", "2026031200008", "--invoice", numbers["eric"]).stderr
        assert "overpayment refused" in err
        err = cli.fails("bank", "match", "NOPE", "--invoice", numbers["eric"]).stderr
        assert "no bank entry 'NOPE'" in err
    cli.ok("bank", "match", "2026031200004", "--invoice", numbers["jean2"], "--date", "2026-03-15")
    assert cli.json("invoice", "show", numbers["jean2"])["status"] == "paid"
    log = cli.json("log", "--entity", "bank")
    assert {e["action"] for e in log} == {"bank.import", "bank.match"}


def test_a_paid_invoice_named_again_is_not_paid_twice(cli, store, tmp_path):
    lea = candidate(store, "Léa", "Martin")
    number = _invoice(store, lea, "210.00")
    path = tmp_path / "a.xml"
    path.write_text(statement([
        entry("R1", tx("210.00", debtor="LEA MARTIN", remittance=number)),
        entry("R2", tx("210.00", debtor="LEA MARTIN", remittance=number)),
        entry("R3", tx("210.00", debtor="LEA MARTIN", remittance="F-2026-00099")),
    ]))  # fmt: skip
    done = cli.json("bank", "import", path, "--date", "2026-03-13")
    assert [m["entry"] for m in done["matched"]] == ["R1"]
    reasons = [u["reason"] for u in done["unmatched"]]
    assert reasons[0] == f"the remittance names {number}, which is paid"
    assert "F-2026-00099, no such invoice" in reasons[1]


def test_the_human_readable_import(cli, store, tmp_path):
    _office(cli, store)
    path = tmp_path / "releve.xml"
    path.write_text(_statement(), encoding="utf-8")
    out = cli.ok("bank", "import", path, "--date", "2026-03-13").stdout
    assert "4 payment(s) recorded, 5 entry(ies) left unmatched, 0 already imported" in out
    assert "2026031200003B" in cli.ok("bank", "unmatched").stdout


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("FACTURE F-2026-00012", ["F-2026-00012"]),
        ("f2026 00012", ["F-2026-00012"]),
        ("F202600012", ["F-2026-00012"]),
        ("f_2026/12 et F-2026-00013", ["F-2026-00012", "F-2026-00013"]),
        ("REF2026 00012", []),  # part of another word
        ("F2026000120", []),  # too many digits
        ("FR7630006000011234567890189", []),
    ],
)
def test_invoice_numbers_in_a_remittance(text, numbers):
    assert bank.invoice_numbers(text) == numbers


@pytest.mark.parametrize(
    "content, message",
    [
        # not XML: a CSV, and no body file maps one
        ("Date;Libellé;Montant\n12/03/2026;VIR;210,00\n", "no body file has a [bank.csv]"),
        ("<Document><Stmt", "not well-formed XML"),
        (statement([entry("R1", tx("1.00", debtor="A"))])[:400], "not well-formed XML"),
        (
            statement([entry("R1", tx("1.00", debtor="A"))], version="99"),
            "camt.053.001.99 is a CAMT.053 version certcli does not read",
        ),
        (
            statement([]).replace("camt.053.001.02", "camt.054.001.02"),
            "is a camt.054 message, not a CAMT.053 bank statement",
        ),
        ('<?xml version="1.0"?><invoice><total>3</total></invoice>', "is not a CAMT.053"),
        ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>', "DTD or entity"),
        (statement([entry("", tx("1.00", debtor="A"))]), "has no bank reference"),
    ],  # fmt: skip
)
def test_bad_files_are_refused_with_one_line(cli, store, tmp_path, unchanged, content, message):
    _invoice(store, candidate(store), "1.00")
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    with unchanged():
        assert message in cli.fails("bank", "import", path).stderr
        assert "no file" in cli.fails("bank", "import", tmp_path / "absent.xml").stderr


def test_a_batch_without_references_of_its_own_numbers_its_transactions(cli, store, tmp_path):
    """Transactions of a batched entry with no AcctSvcrRef of their own are known by the
    entry's reference and their rank; a reference met twice counts once."""
    number = _invoice(store, candidate(store, "Zoé", "Noël"), "90.00")
    path = tmp_path / "b.xml"
    path.write_text(statement([
        entry("B7", tx("90.00", debtor="NOEL ZOE", remittance=number),
              tx("40.00", debtor="DON ANONYME")),
        entry("B7", tx("90.00", debtor="NOEL ZOE", remittance=number),
              tx("40.00", debtor="DON ANONYME")),
    ], version="08"))  # fmt: skip
    done = cli.json("bank", "import", path, "--date", "2026-03-13")
    assert done["matched"] == [{"entry": "B7/1", "invoice": number, "amount": "90.00"}]
    assert [u["entry"] for u in done["unmatched"]] == ["B7/2"]
    assert done["already"] == 2
