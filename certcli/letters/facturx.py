"""Factur-X: the EN 16931 (CII) XML of an invoice or credit note, embedded in its
PDF/A-3 by the `factur-x` library (which checks the XML against its own schema
first). The XML says what the invoice document says, from the same data
(certcli.domain.invoice_document): a credit note is TypeCode 381 with positive
amounts and names the invoice it cancels."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import TemplateError, ValidationError
from certcli.rules import money

if TYPE_CHECKING:
    from certcli.store import Store

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
LEVEL = "en16931"
GUIDELINE = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"invoice": "380", "credit": "381"}  # UNTDID 1001: commercial invoice, credit note


def _amount(value: Decimal) -> str:
    return money.as_str(money.cents(value))


def _postcode_city(lines: list[str]) -> tuple[str, str, str]:
    """(street, postcode, city) of an address given as lines ("8 avenue X", "75007 Paris")."""
    street = lines[0] if lines else ""
    last = lines[-1] if lines else ""
    code, _, city = last.partition(" ")
    if not (code.isdigit() and len(code) == 5):
        code, city = "", last
    return street, code, city


def cii_xml(doc: dict) -> bytes:
    """The EN 16931 CII XML of an invoice document (invoice_document.build)."""
    from lxml import etree

    nsmap = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}

    def el(parent, tag: str, text: str | None = None, **attrs):
        prefix, name = tag.split(":")
        node = etree.SubElement(parent, f"{{{nsmap[prefix]}}}{name}", **attrs)
        if text is not None:
            node.text = text
        return node

    def date(parent, tag: str, day, ns: str = "udt"):
        holder = el(parent, tag)
        el(holder, f"{ns}:DateTimeString", day.strftime("%Y%m%d"), format="102")

    def address(party, street: str, code: str, city: str):
        node = el(party, "ram:PostalTradeAddress")
        if code:
            el(node, "ram:PostcodeCode", code)
        if street:
            el(node, "ram:LineOne", street)
        if city:
            el(node, "ram:CityName", city)
        el(node, "ram:CountryID", "FR")

    issuer, buyer, line = doc["issuer"], doc["buyer"], doc["line"]
    rate = doc["vat_rate"]
    category = "E" if rate is None else ("S" if rate > 0 else "Z")
    percent = "0" if rate is None else str(rate)

    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=nsmap)
    context = el(root, "rsm:ExchangedDocumentContext")
    guideline = el(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    el(guideline, "ram:ID", GUIDELINE)
    header = el(root, "rsm:ExchangedDocument")
    el(header, "ram:ID", doc["number"])
    el(header, "ram:TypeCode", TYPE_CODES[doc["kind"]])
    date(header, "ram:IssueDateTime", doc["issued_on"])
    notes = [doc["no_discount"], f"Pénalités de retard : {doc['late_penalty']}."]
    if doc["indemnity"]:
        notes.append(
            f"Indemnité forfaitaire pour frais de recouvrement : {_amount(doc['indemnity'])} EUR."
        )
    if doc["vat_exemption"]:
        notes.insert(0, doc["vat_exemption"])
    for text in notes:
        el(el(header, "ram:IncludedNote"), "ram:Content", text)

    transaction = el(root, "rsm:SupplyChainTradeTransaction")
    item = el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    el(el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", "1")
    product = el(item, "ram:SpecifiedTradeProduct")
    el(product, "ram:Name", line["description"])
    if line["prorata"]:
        quantity, unit_code = str(line["months"]), "MON"
        price = (line["unit_price"] / 12).quantize(Decimal("0.0001"))
        el(product, "ram:Description", f"{line['months']}/12 de {_amount(line['unit_price'])} EUR")
    else:
        quantity, unit_code, price = "1", "C62", line["amount"]
    agreement = el(item, "ram:SpecifiedLineTradeAgreement")
    el(el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", str(price))
    el(
        el(item, "ram:SpecifiedLineTradeDelivery"),
        "ram:BilledQuantity",
        quantity,
        unitCode=unit_code,
    )
    line_settlement = el(item, "ram:SpecifiedLineTradeSettlement")
    tax = el(line_settlement, "ram:ApplicableTradeTax")
    el(tax, "ram:TypeCode", "VAT")
    el(tax, "ram:CategoryCode", category)
    el(tax, "ram:RateApplicablePercent", percent)
    period = line["period"]
    if period.get("kind") == "dues":
        billing = el(line_settlement, "ram:BillingSpecifiedPeriod")
        date(billing, "ram:StartDateTime", period["start"])
        date(billing, "ram:EndDateTime", period["end"])
    summation = el(line_settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    el(summation, "ram:LineTotalAmount", _amount(line["amount"]))

    agreement = el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if period.get("kind") == "dossier":
        el(agreement, "ram:BuyerReference", f"Dossier {period['ref']}")
    seller = el(agreement, "ram:SellerTradeParty")
    el(seller, "ram:GlobalID", issuer["siret"], schemeID="0009")
    el(seller, "ram:Name", issuer["name"])
    el(seller, "ram:Description", issuer["form"])
    el(el(seller, "ram:SpecifiedLegalOrganization"), "ram:ID", issuer["siren"], schemeID="0002")
    address(seller, *_postcode_city(issuer["address"]))
    if issuer["vat_number"]:
        el(
            el(seller, "ram:SpecifiedTaxRegistration"),
            "ram:ID",
            issuer["vat_number"],
            schemeID="VA",
        )
    party = el(agreement, "ram:BuyerTradeParty")
    if buyer["company"] and buyer["siret"]:
        el(party, "ram:GlobalID", buyer["siret"], schemeID="0009")
    el(party, "ram:Name", buyer["name"])
    if buyer["company"] and buyer["siren"]:
        el(el(party, "ram:SpecifiedLegalOrganization"), "ram:ID", buyer["siren"], schemeID="0002")
    address(party, buyer["address"] or "", buyer["postcode"] or "", buyer["city"] or "")
    el(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = el(transaction, "ram:ApplicableHeaderTradeSettlement")
    el(settlement, "ram:PaymentReference", doc["number"])
    el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    means = el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    el(means, "ram:TypeCode", "58")  # SEPA credit transfer
    el(el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID",
       doc["payment"]["iban"].replace(" ", ""))  # fmt: skip
    el(el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID",
       doc["payment"]["bic"])  # fmt: skip
    header_tax = el(settlement, "ram:ApplicableTradeTax")
    el(header_tax, "ram:CalculatedAmount", _amount(doc["vat_amount"]))
    el(header_tax, "ram:TypeCode", "VAT")
    if doc["vat_exemption"]:
        el(header_tax, "ram:ExemptionReason", doc["vat_exemption"])
    el(header_tax, "ram:BasisAmount", _amount(doc["total_excluding_vat"]))
    el(header_tax, "ram:CategoryCode", category)
    if doc["vat_exemption"]:
        el(header_tax, "ram:ExemptionReasonCode", "VATEX-FR-FRANCHISE")
    el(header_tax, "ram:RateApplicablePercent", percent)
    terms = el(settlement, "ram:SpecifiedTradePaymentTerms")
    el(terms, "ram:Description",
       f"Virement ou chèque à l'ordre de {doc['payment']['cheque_payee']}")  # fmt: skip
    if doc["kind"] == "invoice" and doc["due_on"]:
        date(terms, "ram:DueDateDateTime", doc["due_on"])
    totals = el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    el(totals, "ram:LineTotalAmount", _amount(line["amount"]))
    el(totals, "ram:TaxBasisTotalAmount", _amount(doc["total_excluding_vat"]))
    el(totals, "ram:TaxTotalAmount", _amount(doc["vat_amount"]), currencyID="EUR")
    el(totals, "ram:GrandTotalAmount", _amount(doc["total_including_vat"]))
    el(totals, "ram:DuePayableAmount", _amount(doc["total_including_vat"]))
    if doc["credit_for"]:
        referenced = el(settlement, "ram:InvoiceReferencedDocument")
        el(referenced, "ram:IssuerAssignedID", doc["credit_for"]["number"])
        date(referenced, "ram:FormattedIssueDateTime", doc["credit_for"]["issued_on"], ns="qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def embed(pdf_path: Path, doc: dict) -> None:
    """Rewrite the PDF at `pdf_path` as a Factur-X PDF/A-3 carrying the document's XML;
    the library checks the XML against its schema first (a failure writes nothing)."""
    import facturx

    xml = cii_xml(doc)
    try:
        result = facturx.generate_from_binary(
            pdf_path.read_bytes(),
            xml,
            flavor="factur-x",
            level=LEVEL,
            check_xsd=True,
            lang="fr-FR",
            pdf_metadata={
                "author": doc["issuer"]["name"],
                "keywords": "Factur-X",
                "title": f"{doc['title']} {doc['number']}",
                "subject": f"{doc['title']} {doc['number']}",
            },
        )
    except Exception as exc:  # the library raises plain exceptions for a bad XML
        raise TemplateError(f"Factur-X of {doc['number']}: {exc}") from None
    pdf_path.write_bytes(result)


def embedder(
    store: Store, number: str, wanted: bool | None, fmt: str
) -> Callable[[Path], None] | None:
    """What `invoice render` does to the written PDF: embed the Factur-X XML when
    `wanted` (None: the body file's `invoicing.facturx`); only a PDF carries it."""
    from certcli.domain import invoices
    from certcli.letters import context
    from certcli.rules import schemes

    invoice = invoices.get(store, number)
    if wanted is None:
        scheme = schemes.get(invoice.scheme) if invoice.scheme else None
        wanted = bool(scheme and scheme.body.invoicing.facturx)
    if not wanted:
        return None
    if fmt != "pdf":
        raise ValidationError("--facturx embeds its XML in a PDF: use --format pdf")
    assert invoice.id is not None
    doc = context.invoice_document(store, invoice.id)
    return lambda path: embed(path, doc)
