"""The instruction fee's invoice (issue 12, certcli/domain/fee_invoices.py): issued
with the first payment or at the opening (the scheme file's fee_invoice), in the
same gapless F- series as the dues, billed to the dossier's payer; the fee's
payments and refunds count on the dossier and on the invoice alike; the receipt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from commission_helpers import new_candidate

from certcli.rules import schemes

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = {"address": "3 rue des Lilas", "postcode": "69003", "city": "Lyon"}


@pytest.fixture
def fee_invoice(tmp_path, monkeypatch):
    """Set the ECO scheme file's fee_invoice (the shipped one says "payment")."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    eco = data / "schemes" / "ECO.toml"
    text = eco.read_text()
    assert 'fee_invoice = "payment"' in text
    monkeypatch.setenv("CERTCLI_DATA", str(data))

    def choose(when: str) -> None:
        eco.write_text(text.replace('fee_invoice = "payment"', f'fee_invoice = "{when}"'))
        schemes._catalog.cache_clear()

    yield choose
    schemes._catalog.cache_clear()


def _open(cli, cid, date="2026-03-02", *extra):
    return cli.json("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", date,
                    *extra)["ref"]  # fmt: skip


def _pay(cli, ref, amount, date="2026-03-03", *extra):
    return cli.json("dossier", "pay", ref, "--amount", amount, "--method", "cheque",
                    "--date", date, *extra)  # fmt: skip


def _fee_invoices(cli):
    return [i for i in cli.json("invoice", "list") if i["purpose"] == "instruction-fee"]


def test_the_first_payment_issues_the_fee_invoice_and_payments_settle_it(
    cli, store, tmp_path, fee_invoice
):
    fee_invoice("payment")
    cid = new_candidate(cli, **ADDRESS)
    ref = _open(cli, cid)
    assert _fee_invoices(cli) == []  # with the first payment
    _pay(cli, ref, "200.00")
    (fee,) = _fee_invoices(cli)
    assert (fee["number"], fee["amount"], fee["paid"], fee["status"]) == (
        "F-2026-00001", "480.00", "200.00", "open",
    )  # fmt: skip
    assert fee["dossier"] == ref and fee["issued_on"] == "2026-03-03"
    assert fee["due_on"] == "2026-04-02" and fee["buyer"]["kind"] == "candidate"
    history = cli.json("dossier", "show", ref)["history"]
    assert [e["details"].get("invoice") for e in history if e["event"] == "paid"] == [
        "F-2026-00001"
    ]
    done = _pay(cli, ref, "280.00", "2026-03-04", "--letter", "--format", "html",
                "--out", tmp_path)  # fmt: skip
    assert done["fee_paid"] == "480.00"
    assert cli.json("invoice", "show", "F-2026-00001")["status"] == "paid"
    assert len(_fee_invoices(cli)) == 1  # one invoice for the fee, whatever the payments
    receipt = next(tmp_path.glob("*recu-paiement*.html")).read_text()
    assert "280,00" in receipt and ref in receipt
    assert "en règlement de la facture n°&nbsp;F-2026-00001" in receipt  # the fee invoice
    # A refund counts on both: the invoice owes again.
    cli.ok("dossier", "refund", ref, "--amount", "80.00", "--method", "virement",
           "--reason", "trop perçu", "--date", "2026-03-05")  # fmt: skip
    shown = cli.json("invoice", "show", "F-2026-00001")
    assert (shown["status"], shown["due"]) == ("open", "80.00")
    assert cli.json("dossier", "check", ref, "--date", "2026-03-05")["fee_paid"] == "400.00"
    # Paid on the invoice itself, it counts for the dossier too.
    cli.ok("invoice", "pay", "F-2026-00001", "--amount", "80.00", "--method", "cheque",
           "--date", "2026-03-06")  # fmt: skip
    assert cli.json("dossier", "check", ref, "--date", "2026-03-06")["fee_paid"] == "480.00"


def test_at_opening_gapless_numbering_with_fee_invoices_mixed_in(cli, store, tmp_path, fee_invoice):
    from commission_helpers import decide_at

    fee_invoice("opening")
    first = new_candidate(cli, **ADDRESS)
    ref = _open(cli, first, "2026-01-05")
    (fee,) = _fee_invoices(cli)
    assert (fee["number"], fee["status"], fee["issued_on"]) == (
        "F-2026-00001",
        "open",
        "2026-01-05",
    )
    _pay(cli, ref, "480.00", "2026-01-06")
    assert len(_fee_invoices(cli)) == 1 and _fee_invoices(cli)[0]["status"] == "paid"
    addressed = new_candidate(cli, **ADDRESS)
    letter_opts = ("--letter", "--format", "html", "--out", str(tmp_path))
    # its fee invoice, then its dues
    granted = decide_at(
        cli, store, "2026-06-15", "--grant", *letter_opts, opened="2026-04-01", candidate=addressed
    )
    assert granted["invoice"] == "F-2026-00003"
    # The notification encloses the grant's dues invoice, never the dossier's fee invoice.
    letter = next(tmp_path.glob("*notification*.html")).read_text()
    assert "F-2026-00003" in letter and "F-2026-00002" not in letter
    second = new_candidate(cli, **ADDRESS)
    _open(cli, second, "2026-06-16")
    numbers = [i["number"] for i in cli.json("invoice", "list") if i["kind"] == "invoice"]
    assert numbers == [f"F-2026-{n:05d}" for n in range(1, len(numbers) + 1)] and len(numbers) == 4
    purposes = [i["purpose"] for i in cli.json("invoice", "list")]
    assert purposes == ["instruction-fee", "instruction-fee", "dues-prorata", "instruction-fee"]
    assert cli.json("scheme", "show", "ECO")["fee_invoice"] == "opening"


def test_no_fee_invoice_when_the_scheme_says_none(cli, tmp_path, fee_invoice):
    fee_invoice("none")
    cid = new_candidate(cli, **ADDRESS)
    ref = _open(cli, cid)
    _pay(cli, ref, "480.00", "2026-03-03", "--letter", "--format", "html", "--out", tmp_path)
    assert _fee_invoices(cli) == [] and cli.json("scheme", "show", "ECO")["fee_invoice"] == "none"
    receipt = next(tmp_path.glob("*recu-paiement*.html")).read_text()
    assert "480,00" in receipt and "facture" not in receipt.lower()  # no invoice to name


def test_the_fee_invoice_bills_the_dossier_payer(cli, store, unchanged, fee_invoice):
    fee_invoice("payment")
    company = cli.json("company", "add", "--name", "Cabinet Métré Conseil", "--siret",
                       "73282932000074")["id"]  # fmt: skip
    cid = new_candidate(cli, **ADDRESS)
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    ref = _open(cli, cid, "2026-03-02", "--payer", "employer")
    # The company has no address: no invoice can name it, the payment is refused whole.
    with unchanged():
        err = cli.fails("dossier", "pay", ref, "--amount", "480", "--method", "cheque",
                        "--date", "2026-03-03").stderr  # fmt: skip
    assert "has no address/postcode/city" in err
    cli.ok("company", "edit", company, "--address", "5 quai Perrache", "--postcode", "69002",
           "--city", "Lyon")  # fmt: skip
    _pay(cli, ref, "480.00")
    (fee,) = _fee_invoices(cli)
    assert fee["buyer"]["kind"] == "company" and fee["buyer"]["siret"] == "73282932000074"
    assert fee["status"] == "paid"


def test_the_shipped_schemes_invoice_the_fee_with_its_first_payment(cli, tmp_path):
    """No scheme file edited: ECO and PROG bill their fee, CQPT has none to bill."""
    shown = {code: cli.json("scheme", "show", code)["fee_invoice"] for code in ("ECO", "PROG")}
    assert shown == {"ECO": "payment", "PROG": "payment"}
    cid = new_candidate(cli, **ADDRESS)
    ref = _open(cli, cid)
    paid = cli.ok("dossier", "pay", ref, "--amount", "480", "--method", "cheque",
                  "--date", "2026-03-03").stdout  # fmt: skip
    assert "invoice F-2026-00001 (paid)" in paid
    assert _pay(cli, _open(cli, new_candidate(cli, **ADDRESS)), "100")["invoice"] == "F-2026-00002"


def test_a_payment_recorded_after_later_invoices_is_invoiced_on_the_latest_day(cli, store):
    """A cheque of 3 March recorded after an invoice of 15 June: the payment keeps its
    day, its fee invoice takes the series' latest one (numbers stay chronological)."""
    from commission_helpers import decide_at

    granted = decide_at(cli, store, "2026-06-15", "--grant", opened="2026-02-01",
                        candidate=new_candidate(cli, **ADDRESS))  # fmt: skip
    late = _open(cli, new_candidate(cli, **ADDRESS), "2026-02-20")
    done = _pay(cli, late, "480.00", "2026-03-03")
    assert done["paid_on"] == "2026-03-03" and done["invoice"] > granted["invoice"]
    fee = cli.json("invoice", "show", done["invoice"])
    assert (fee["issued_on"], fee["due_on"], fee["status"]) == ("2026-06-15", "2026-07-15", "paid")
    invoices = [i for i in cli.json("invoice", "list") if i["kind"] == "invoice"]
    by_number = sorted(invoices, key=lambda i: i["number"])
    assert [i["issued_on"] for i in by_number] == sorted(i["issued_on"] for i in invoices)


def test_no_fee_invoice_to_a_candidate_without_postal_address(cli, unchanged):
    """The invoice freezes its buyer's address, so without one it could never be posted:
    the payment is refused, naming what is missing and how to add it; nothing written."""
    cid = new_candidate(cli, address=None, postcode="69003")
    ref = _open(cli, cid)
    with unchanged():
        err = cli.fails("dossier", "pay", ref, "--amount", "480", "--method", "cheque",
                        "--date", "2026-03-03").stderr.strip()  # fmt: skip
    assert err == (
        f"Error: the instruction fee invoice of {ref} must name the buyer's postal address, "
        f"and candidate {cid} has no address, city: add it with `certcli candidate edit {cid} "
        "--address … --postcode … --city …`"
    )
    cli.ok("candidate", "edit", cid, "--address", "3 rue des Lilas", "--city", "Lyon")
    assert _pay(cli, ref, "480.00", "2026-03-03")["invoice"] == "F-2026-00001"
