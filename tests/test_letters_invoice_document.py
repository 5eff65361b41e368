"""The invoice document (issue 12): every mandatory mention on each invoice PDF (text
extracted with pypdf), credit notes naming the invoice they cancel, a company buyer's
SIRET and the 40 € indemnity, VAT for an assujetti body, an invoice refused while a
mention is missing, and Factur-X (the XML the `factur-x` library extracts and
validates; a credit note is TypeCode 381 with positive amounts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from commission_helpers import decide_at, new_candidate
from letter_office import text_of

from certcli.rules import schemes

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = {"address": "3 rue des Lilas", "postcode": "69003", "city": "Lyon"}
SIRET = "73282932000074"

# What every invoice of the shipped OPQTECC body must show.
ISSUER = [
    "OPQTECC",
    "Association déclarée (loi du 1er juillet 1901)",
    "8 avenue Exemple, 75007 Paris",
    "SIREN 775681232",
    "SIRET 77568123200002",
    "IBAN FR76 3000 4000 0000 0001 2345 632",
    "chèque à l'ordre de OPQTECC",
    "trois fois le taux d'intérêt légal",
    "Pas d'escompte pour paiement anticipé.",
    "TVA non applicable, art. 293 B du CGI",
]


def _render(cli, tmp_path, number, *extra, date="2026-06-20"):
    out = tmp_path / "out"
    path = Path(
        cli.ok("invoice", "render", number, "--out", out, "--date", date, *extra).stdout.strip()
    )
    assert path.exists()
    return path


def _granted(cli, store, **candidate):
    cid = new_candidate(cli, **ADDRESS, **candidate)
    return cid, decide_at(cli, store, "2026-06-15", candidate=cid)["invoice"]


def test_an_invoice_pdf_carries_every_mandatory_mention(cli, store, tmp_path):
    cid, number = _granted(cli, store, last="Dupont", civility="Mme")
    text = text_of(_render(cli, tmp_path, number))
    for mention in ISSUER:
        assert mention in text, mention
    for mention in (
        f"Facture n° {number}",
        "émise le 20 juin 2026" if False else "émise le 15 juin 2026",
        "Mme Prénom",  # the buyer, as the invoice froze them
        "3 rue des Lilas, 69003 Lyon",
        "Cotisation annuelle ECO 2026 (7/12 mois)",
        "année 2026 (du 1er juin 2026 au 31 décembre 2026)",
        "7/12 de 360,00 €",
        "Total HT 210,00 €",
        "Total TTC 210,00 €",
        "Échéance : 15 juillet 2026",
    ):
        assert mention in text, mention
    # The fixed 40 € indemnity is for company buyers only.
    assert "40,00 €" not in text and "recouvrement" not in text
    logged = cli.json("letters", "log")
    assert [entry["template"] for entry in logged][-1] == "facture"


def test_a_company_buyer_gets_its_siret_and_the_40_euro_indemnity(cli, store, tmp_path):
    company = cli.json(
        "company", "add", "--name", "Cabinet Métré Conseil", "--siret", SIRET,
        "--address", "5 quai Perrache", "--postcode", "69002", "--city", "Lyon",
    )["id"]  # fmt: skip
    cid, number = _granted(cli, store)
    cli.ok("candidate", "edit", cid, "--employer-id", company)
    new = cli.json(
        "invoice", "reissue", number, "--bill-to", "employer", "--reason", "payé par l'employeur",
        "--date", "2026-06-20",
    )["number"]  # fmt: skip
    text = text_of(_render(cli, tmp_path, new))
    for mention in ISSUER:
        assert mention in text, mention
    assert f"Cabinet Métré Conseil – SIRET {SIRET}" in text
    assert "5 quai Perrache, 69002 Lyon" in text and "À l'attention de" in text
    assert "indemnité forfaitaire pour frais de recouvrement de 40,00 €" in text
    assert "Échéance : 20 juillet 2026" in text


def test_a_credit_note_carries_the_mentions_and_names_the_invoice_it_cancels(cli, store, tmp_path):
    _, number = _granted(cli, store)
    credit = cli.json("invoice", "cancel", number, "--reason", "erreur", "--date", "2026-06-20")[
        "credit_note"
    ]["number"]
    text = text_of(_render(cli, tmp_path, credit))
    for mention in ISSUER:
        assert mention in text, mention
    assert f"Avoir n° {credit}" in text
    assert f"Annule la facture n° {number} du 15 juin 2026" in text
    assert "Total TTC 210,00 €" in text  # positive amounts on a credit note


@pytest.fixture
def body_toml(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    yield data / "bodies" / "opqtecc.toml"
    schemes._catalog.cache_clear()


def test_an_assujetti_body_shows_excluding_vat_vat_and_total(cli, store, tmp_path, body_toml):
    franchise = 'regime = "franchise"\nexemption = "TVA non applicable, art. 293 B du CGI"\n'
    assujetti = (
        'regime = "assujetti"\nnumber = "FR31775681232"\n[vat.rates]\n'
        'instruction = "20.0"\ndues = "20.0"\n'
    )
    body_toml.write_text(body_toml.read_text().replace(franchise, assujetti))
    schemes._catalog.cache_clear()
    _, number = _granted(cli, store)
    assert cli.json("invoice", "show", number)["vat_rate"] == "20.0"
    text = text_of(_render(cli, tmp_path, number, "--format", "html"))
    assert "Total HT 175,00 €" in text and "TVA 20.0 % 35,00 €" in text
    assert "Total TTC 210,00 €" in text and "N° TVA FR31775681232" in text
    assert "293 B" not in text


def test_an_invoice_missing_a_mandatory_mention_is_refused_naming_it(cli, store, tmp_path):
    _, number = _granted(cli, store)
    own = tmp_path / "modeles"
    own.mkdir()
    builtin = (ROOT / "templates" / "_invoice_document.html").read_text()
    (own / "_invoice_document.html").write_text(builtin.replace("{{ d.late_penalty }}", ""))
    err = cli.fails(
        "invoice", "render", number, "--templates", own, "--out", tmp_path / "out",
        "--date", "2026-06-20",
    ).stderr  # fmt: skip
    assert "mandatory mention is missing: the late-payment penalty rate" in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert cli.json("letters", "log") == []


def _xml_of(path: Path):
    import facturx
    from lxml import etree

    name, xml = facturx.get_xml_from_pdf(path.read_bytes(), check_xsd=True)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return etree.fromstring(xml)


def _one(root, path: str) -> str:
    ns = {
        "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    }
    found = root.xpath(path, namespaces=ns)
    assert len(found) == 1, path
    return found[0].text


def test_facturx_embeds_en16931_xml_the_library_validates(cli, store, tmp_path):
    _, number = _granted(cli, store)
    root = _xml_of(_render(cli, tmp_path, number, "--facturx"))
    assert _one(root, "//rsm:ExchangedDocument/ram:ID") == number
    assert _one(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert _one(root, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == (
        "775681232"
    )
    assert _one(root, "//ram:GrandTotalAmount") == "210.00"
    assert _one(root, "//ram:BilledQuantity") == "7"
    assert _one(root, "//ram:IBANID") == "FR7630004000000000012345632"

    credit = cli.json("invoice", "cancel", number, "--reason", "erreur", "--date", "2026-06-20")[
        "credit_note"
    ]["number"]
    root = _xml_of(_render(cli, tmp_path, credit, "--facturx"))
    assert _one(root, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert _one(root, "//ram:GrandTotalAmount") == "210.00"  # positive
    assert _one(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == number


def test_the_body_setting_makes_facturx_the_default(cli, store, tmp_path, body_toml):
    import facturx

    body_toml.write_text(body_toml.read_text().replace("facturx = false", "facturx = true"))
    schemes._catalog.cache_clear()
    _, number = _granted(cli, store)
    path = _render(cli, tmp_path, number)
    assert _xml_of(path) is not None
    plain = _render(cli, tmp_path, number, "--no-facturx", date="2026-06-21")
    assert facturx.get_xml_from_pdf(plain.read_bytes(), check_xsd=True) == (False, False)
    err = cli.fails("invoice", "render", number, "--format", "html", "--facturx").stderr
    assert "--facturx embeds its XML in a PDF" in err
