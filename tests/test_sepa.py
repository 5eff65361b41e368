"""SEPA direct debit of the dues (issue 13; certcli/domain/mandates.py, debits.py):
mandates with their RUM and a checked IBAN, the body's ICS checked; `dues debit`
writes one pain.008.001.02 file validated against the schema (FRST then RCUR, one
end-to-end id per invoice, never an invoice twice, the 14-day pre-notification);
the invoices pending_collection and not reminded; the statement carrying the
collection pays them, a return (CAMT or `bank reject`) puts them back to unpaid."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import commission_helpers
import letter_records as R
import pytest
from camt_files import entry, statement, tx

from certcli.domain import invoices
from certcli.errors import SchemeError
from certcli.rules import bodies, schemes

pytestmark = pytest.mark.today("2028-12-31")

NS = "{urn:iso:std:iso:20022:tech:xsd:pain.008.001.02}"
IBAN_LEA = "FR7630006000011234567890189"
IBAN_PAUL = "FR76 1027 8060 6100 0205 2300 140"  # spaces, as printed on a RIB
CALLED = "2027-01-04"
TODAY = "2027-01-10"


def _holder(store, first: str) -> tuple[int, int]:
    """A holder granted ECO on 2026-03-10, the grant's prorata paid that day."""
    cid = R.candidate(store, first=first, email=f"{first.lower()}@example.fr")
    decision = commission_helpers.d_granted(store, cid, "2026-03-10")
    grant = invoices.get(store, decision.invoice)
    invoices.pay(
        store, grant.number, str(grant.amount), method="cheque", reference=None,
        date=dt.date(2026, 3, 10),
    )  # fmt: skip
    return cid, store.certificate(decision.certificate)["id"]


def _dues(store, cid: int, cert: int, amount="360.00", year=2027, on=CALLED) -> str:
    return invoices.issue(
        store,
        candidate_id=cid,
        amount=Decimal(amount),
        label=f"Cotisation annuelle {year}",
        purpose="dues-call",
        date=dt.date.fromisoformat(on),
        certificate_id=cert,
        dues_year=year,
    ).number


def _mandate(cli, cid, iban=IBAN_LEA, signed="2026-12-01", *extra) -> dict:
    return cli.json(
        "mandate", "add", "--candidate", cid, "--iban", iban, "--signed-on", signed,
        "--date", "2026-12-02", *extra,
    )  # fmt: skip


def _debit(cli, out: Path, collection="2027-02-05", date=TODAY, year="2027") -> dict:
    return cli.json(
        "dues", "debit", "--year", year, "--collection-date", collection, "--out", out,
        "--date", date,
    )  # fmt: skip


def _validate(path: Path) -> None:
    """The pain.008.001.02 schema sepaxml ships (the official XSD), by xmlschema."""
    import sepaxml
    import xmlschema

    xsd = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"
    xmlschema.XMLSchema(str(xsd)).validate(str(path))


def _transactions(path: Path) -> dict[str, dict]:
    """Each DrctDbtTxInf by end-to-end id: sequence, amount, RUM, debtor IBAN."""
    import xml.etree.ElementTree as ET

    found = {}
    for info in ET.parse(path).getroot().iter(f"{NS}PmtInf"):
        seq = info.find(f"{NS}PmtTpInf/{NS}SeqTp").text
        date = info.find(f"{NS}ReqdColltnDt").text
        ics = info.find(f"{NS}CdtrSchmeId/{NS}Id/{NS}PrvtId/{NS}Othr/{NS}Id").text
        for t in info.iter(f"{NS}DrctDbtTxInf"):
            found[t.find(f"{NS}PmtId/{NS}EndToEndId").text] = {
                "seq": seq,
                "date": date,
                "ics": ics,
                "amount": t.find(f"{NS}InstdAmt").text,
                "rum": t.find(f"{NS}DrctDbtTx/{NS}MndtRltdInf/{NS}MndtId").text,
                "iban": t.find(f"{NS}DbtrAcct/{NS}Id/{NS}IBAN").text,
            }
    return found


@pytest.fixture
def office(cli, store):
    """Léa and Paul hold a mandate; Zoé none. Each owes 2027 dues of 360.00."""
    lea, lea_cert = _holder(store, "Léa")
    paul, paul_cert = _holder(store, "Paul")
    zoe, zoe_cert = _holder(store, "Zoé")
    m_lea = _mandate(cli, lea)
    m_paul = _mandate(cli, paul, IBAN_PAUL, "2026-11-20", "--bic", "CMCIFRPP")
    return {
        "lea": _dues(store, lea, lea_cert),
        "paul": _dues(store, paul, paul_cert, "180.00"),
        "zoe": _dues(store, zoe, zoe_cert),
        "ids": {"lea": (lea, lea_cert), "paul": (paul, paul_cert)},
        "mandates": {"lea": m_lea, "paul": m_paul},
    }


def test_mandate_add_list_revoke(cli, store, office):
    lea, paul = office["mandates"]["lea"], office["mandates"]["paul"]
    assert lea["rum"] == "OPQTECC-2026-000001" and paul["rum"] == "OPQTECC-2026-000002"
    assert lea["iban"] == IBAN_LEA and paul["iban"] == "FR7610278060610002052300140"
    assert paul["bic"] == "CMCIFRPP" and lea["status"] == "valid"
    assert lea["bic"] == "AGRIFRPPXXX"  # not given: the IBAN's bank, found by schwifty
    listed = cli.json("mandate", "list", "--date", TODAY)
    assert [m["rum"] for m in listed] == [lea["rum"], paul["rum"]]
    revoked = cli.json("mandate", "revoke", lea["rum"], "--date", "2027-01-05")
    assert revoked["status"] == "revoked" and revoked["revoked_on"] == "2027-01-05"
    assert (
        "revoked on 2027-01-05 already"
        in cli.fails("mandate", "revoke", str(lea["id"]), "--date", "2027-01-06").stderr
    )


def test_iban_checksum_failure_refused(cli, store, unchanged):
    cid = R.candidate(store, first="Eve")
    with unchanged():
        result = cli.fails(
            "mandate", "add", "--candidate", cid, "--iban", "FR7630006000011234567890188",
            "--signed-on", "2026-12-01", "--date", "2026-12-02",
        )  # fmt: skip
    assert "IBAN" in result.stderr and "not valid" in result.stderr
    with unchanged():
        cli.fails(
            "mandate", "add", "--candidate", cid, "--iban", IBAN_LEA, "--signed-on",
            "2026-12-01", "--payer", "employer", "--date", "2026-12-02",
        )  # fmt: skip


def test_creditor_identifier_checked_like_an_iban():
    body = schemes.get("ECO").body
    assert body.sepa is not None and bodies.check_creditor_id(body) == "FR72ZZZ123456"
    wrong = dataclasses.replace(
        body, sepa=dataclasses.replace(body.sepa, creditor_id="FR73ZZZ123456")
    )
    with pytest.raises(SchemeError, match="sepa.creditor_id"):
        bodies.check_creditor_id(wrong)


def test_debit_file_valid_frst_then_rcur(cli, store, office, tmp_path):
    out = tmp_path / "sdd-2027.xml"
    result = _debit(cli, out)
    assert result["file"] == str(out) and result["count"] == 2
    assert result["total"] == "540.00"
    assert result["invoices"] == [office["lea"], office["paul"]]
    _validate(out)
    txs = _transactions(out)
    assert set(txs) == {office["lea"], office["paul"]}  # the end-to-end ids: the numbers
    assert txs[office["lea"]] == {
        "seq": "FRST",
        "date": "2027-02-05",
        "ics": "FR72ZZZ123456",
        "amount": "360.00",
        "rum": "OPQTECC-2026-000001",
        "iban": IBAN_LEA,
    }
    assert txs[office["paul"]]["amount"] == "180.00"
    # in the batch: pending_collection, in show and in the list
    assert cli.json("invoice", "show", office["lea"])["status"] == "pending_collection"
    listed = {i["number"]: i["status"] for i in cli.json("invoice", "list")}
    assert listed[office["paul"]] == "pending_collection" and listed[office["zoe"]] == "open"
    # Léa's collection credited: her next dues go as RCUR
    _import(cli, tmp_path, [entry("2027020500001", _collected(office["lea"], "360.00"),
                                  booked="2027-02-05")])  # fmt: skip
    assert cli.json("invoice", "show", office["lea"])["status"] == "paid"
    lea, cert = office["ids"]["lea"]
    later = _dues(store, lea, cert, "60.00", year=2028, on="2028-01-04")
    again = _debit(cli, tmp_path / "sdd-2028.xml", "2028-02-05", "2028-01-10", "2028")
    assert again["invoices"] == [later]
    _validate(tmp_path / "sdd-2028.xml")
    assert _transactions(tmp_path / "sdd-2028.xml")[later]["seq"] == "RCUR"


def test_never_an_invoice_in_two_batches(cli, office, tmp_path):
    _debit(cli, tmp_path / "one.xml")
    second = _debit(cli, tmp_path / "two.xml", "2027-02-10")
    assert second["count"] == 0 and second["file"] is None
    assert not (tmp_path / "two.xml").exists()
    # and an existing file is never overwritten
    assert "exists already" in cli.fails(
        "dues", "debit", "--year", "2027", "--collection-date", "2027-02-10",
        "--out", tmp_path / "one.xml", "--date", TODAY,
    ).stderr  # fmt: skip


def test_collection_date_14_days_ahead_or_refused(cli, office, tmp_path, unchanged):
    out = tmp_path / "sdd.xml"
    for too_soon in ("2027-01-23", "2027-01-09"):  # 13 days ahead, in the past
        with unchanged():
            result = cli.fails(
                "dues", "debit", "--year", "2027", "--collection-date", too_soon,
                "--out", out, "--date", TODAY,
            )  # fmt: skip
        assert "2027-01-24 at the earliest" in result.stderr
        assert not out.exists()
    assert _debit(cli, out, "2027-01-24")["count"] == 2  # 14 days: accepted


def test_revoked_mandate_collects_nothing(cli, office, tmp_path):
    cli.ok("mandate", "revoke", office["mandates"]["paul"]["rum"], "--date", "2027-01-05")
    assert _debit(cli, tmp_path / "sdd.xml")["invoices"] == [office["lea"]]


def test_pending_invoices_not_reminded(cli, office, tmp_path):
    _debit(cli, tmp_path / "sdd.xml")
    day = "2027-03-01"  # past the due date (30 days after the call) and level 1 (15 more)
    reminded = cli.json(
        "invoice", "remind", "--as-of", day, "--date", day, "--out", tmp_path / "letters"
    )
    numbers = {r["invoice"] for r in reminded["reminded"]}
    assert office["zoe"] in numbers
    assert office["lea"] not in numbers and office["paul"] not in numbers


def _collected(number: str, amount: str, ref=None) -> dict:
    return tx(amount, debtor="PRLV SEPA", remittance=f"Cotisation 2027 {number}",
              end_to_end=number, ref=ref)  # fmt: skip


def _import(cli, tmp_path: Path, entries: list, name="releve.xml") -> dict:
    path = tmp_path / name
    path.write_text(statement(entries), encoding="utf-8")
    return cli.json("bank", "import", path, "--date", "2027-02-20")


def test_statement_with_collection_and_return(cli, office, tmp_path):
    _debit(cli, tmp_path / "sdd.xml")
    # the remittance gives no invoice number: the end-to-end id is what matches
    collection = entry(
        "2027020500017",
        tx("360.00", debtor="MARTIN LEA", end_to_end=office["lea"], ref="2027020500017A"),
        tx("180.00", debtor="PAUL", end_to_end=office["paul"], ref="2027020500017B"),
        booked="2027-02-05",
    )
    back = entry(
        "2027021200003",
        tx("180.00", end_to_end=office["paul"], return_code="AM04"),
        booked="2027-02-12",
        debit=True,
    )
    result = _import(cli, tmp_path, [collection, back])
    assert [(m["entry"], m["invoice"]) for m in result["matched"]] == [
        ("2027020500017A", office["lea"]),
        ("2027020500017B", office["paul"]),
    ]
    assert result["returned"] == [
        {"entry": "2027021200003", "invoice": office["paul"], "amount": "-180.00",
         "reason": "AM04"},
    ]  # fmt: skip
    assert result["unmatched"] == []
    lea = cli.json("invoice", "show", office["lea"])
    assert lea["status"] == "paid" and lea["payments"][0]["method"] == "prelevement"
    paul = cli.json("invoice", "show", office["paul"])
    assert paul["status"] == "open" and paul["due"] == "180.00"
    # the return is a new dated event (a refund row), the payment stands
    kinds = [(p["kind"], p["amount"], p["date"]) for p in paul["payments"]]
    assert kinds == [("payment", "180.00", "2027-02-05"), ("refund", "-180.00", "2027-02-12")]
    assert "AM04" in paul["payments"][1]["reason"]
    # imported again: nothing new
    assert _import(cli, tmp_path, [collection, back])["already"] == 3
    # the reminders take over Paul's invoice again, not Léa's
    day = "2027-03-01"
    reminded = cli.json(
        "invoice", "remind", "--as-of", day, "--date", day, "--out", tmp_path / "letters"
    )
    numbers = {r["invoice"] for r in reminded["reminded"]}
    assert office["paul"] in numbers and office["lea"] not in numbers
    # never put in a batch again
    assert _debit(cli, tmp_path / "again.xml", "2027-03-20", "2027-03-01")["count"] == 0


def test_bank_reject(cli, office, tmp_path, unchanged):
    _debit(cli, tmp_path / "sdd.xml")
    with unchanged():
        cli.fails("bank", "reject", office["lea"], "--reason", "nope!", "--date", "2027-02-06")
        cli.fails("bank", "reject", "F-2027-99999", "--reason", "AM04", "--date", "2027-02-06")
    # rejected before any credit: named by its end-to-end id, the invoice number
    done = cli.json("bank", "reject", office["lea"], "--reason", "ms02", "--date", "2027-02-06")
    assert done["invoice"] == office["lea"] and done["reason"] == "MS02"
    assert done["status"] == "open" and done["due"] == "360.00"
    assert cli.json("invoice", "show", office["lea"])["status"] == "open"
    assert (
        "returned already"
        in cli.fails(
            "bank", "reject", office["lea"], "--reason", "AM04", "--date", "2027-02-07"
        ).stderr
    )
    # a collection credited, then rejected by its bank entry
    _import(cli, tmp_path, [entry("2027020500020", _collected(office["paul"], "180.00"),
                                  booked="2027-02-05")])  # fmt: skip
    assert cli.json("invoice", "show", office["paul"])["status"] == "paid"
    done = cli.json("bank", "reject", "2027020500020", "--reason", "MD06", "--date", "2027-02-15")
    assert done["invoice"] == office["paul"] and done["status"] == "open"
    paul = cli.json("invoice", "show", office["paul"])
    assert paul["due"] == "180.00" and paul["payments"][-1]["kind"] == "refund"


def test_debit_letter_prenotification(cli, office, tmp_path):
    from letter_office import visible_text

    result = cli.json(
        "dues", "debit", "--year", "2027", "--collection-date", "2027-02-05",
        "--out", tmp_path / "sdd.xml", "--date", TODAY, "--letter", "--format", "html",
        "--letters-out", tmp_path / "letters",
    )  # fmt: skip
    assert result["count"] == 2 and len(result["files"]) == 2 and result["skipped"] == []
    lea = next(Path(f) for f in result["files"] if office["lea"] in Path(f).read_text())
    text = visible_text(lea)
    for wanted in ("360,00", "5 février 2027", "OPQTECC-2026-000001", "FR72ZZZ123456",
                   "premier prélèvement", office["lea"]):  # fmt: skip
        assert wanted in text, wanted
    # an invoice in no batch has no pre-notification
    assert "waits on no SEPA direct debit" in cli.fails(
        "letters", "render", "prenotification-prelevement", "--invoice", office["zoe"],
        "--date", TODAY, "--format", "html", "--out", tmp_path / "other",
    ).stderr  # fmt: skip
