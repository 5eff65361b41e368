"""What an invoice or a credit note must say (French law: C. com. L441-9 and R123-237,
CGI art. 242 nonies A): one rule for the `facture` letter, the dues call and the
Factur-X XML, so that they never contradict each other or the records.

`build` turns an issued invoice (its frozen buyer, VAT rate, unit price and months)
and its body's legal identity into plain data: issuer, buyer, the line (service,
period, quantity, unit price), the amounts excluding and including VAT or the
exemption mention, the due date, the payment methods, the penalty rate, the 40 €
indemnity for a company buyer and "no discount for early payment". `missing`
names the mandatory mentions the data lacks.

Amounts: a scheme file's amount is what the buyer pays. For a body liable to VAT
(`assujetti`), the amount excluding VAT is that amount divided by 1 + rate, rounded
half-up to the cent, and the VAT is the difference, so the total is the invoice's
amount to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.rules import money
from certcli.rules.bodies import RECOVERY_INDEMNITY

if TYPE_CHECKING:
    from certcli.domain.invoices import Invoice
    from certcli.rules.bodies import Body

NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."

# The mandatory mentions, in the order `missing` reports them.
MENTIONS = {
    "issuer_name": "the issuer's legal name",
    "issuer_form": "the issuer's legal form",
    "issuer_address": "the issuer's registered address",
    "issuer_siren": "the issuer's SIREN",
    "issuer_siret": "the issuer's SIRET",
    "number": "the invoice number",
    "issued_on": "the issue date",
    "buyer_name": "the buyer's name",
    "buyer_address": "the buyer's address",
    "buyer_siret": "the buyer's SIRET (a company)",
    "service": "the service invoiced",
    "period": "the period or dossier invoiced",
    "amounts": "the amounts excluding and including VAT",
    "vat": "the VAT rate or the exemption mention",
    "due_on": "the due date",
    "payment": "the payment methods (IBAN, cheque payee)",
    "penalty": "the late-payment penalty rate",
    "indemnity": "the 40 € recovery indemnity (a company buyer)",
    "discount": "no discount for early payment",
    "cancels": "the invoice the credit note cancels",
}


def excluding_vat(amount: Decimal, rate: Decimal | None) -> Decimal:
    """The amount excluding VAT inside `amount` (VAT included) at `rate` percent."""
    if not rate:
        return money.cents(amount)
    return money.cents(amount / (1 + rate / 100))


def _period(invoice: Invoice) -> dict:
    """What the invoice is for, in time: a dues year (a prorata from its first month
    billed to 31 December) or the dossier instructed."""
    if invoice.dues_year:
        months = invoice.prorata_months or 12
        return {
            "kind": "dues",
            "year": invoice.dues_year,
            "start": dt.date(invoice.dues_year, 13 - months, 1),
            "end": dt.date(invoice.dues_year, 12, 31),
        }
    if invoice.dossier:
        return {"kind": "dossier", "ref": invoice.dossier}
    return {"kind": None}


def build(
    invoice: Invoice, body: Body, credit_for: dict | None = None, annual: Decimal | None = None
) -> dict:
    """The invoice document of `invoice` (or credit note) issued by `body`;
    `credit_for` the invoice a credit note names ({number, issued_on}); `annual` the
    scheme's dues, for a prorata issued before invoices kept their unit price."""
    credit = invoice.kind == "credit"
    amount = abs(money.to_decimal(invoice.amount))  # a credit note's amounts are positive
    rate = invoice.vat_rate
    ht = excluding_vat(amount, rate)
    months = invoice.prorata_months
    prorata = bool(invoice.dues_year and months and months < 12)
    unit = invoice.unit_price
    if unit is None:
        unit = annual if prorata and annual else amount
    unit = abs(money.to_decimal(unit))
    quantity = Decimal(months) / Decimal(12) if prorata and months else Decimal(1)
    buyer = dict(invoice.buyer)
    company = buyer.get("kind") == "company"
    return {
        "kind": invoice.kind,
        "title": "Avoir" if credit else "Facture",
        "number": invoice.number,
        "issued_on": dt.date.fromisoformat(invoice.issued_on),
        "due_on": dt.date.fromisoformat(invoice.due_on) if invoice.due_on else None,
        "issuer": {
            "name": body.legal.name,
            "form": body.legal.form,
            "address": list(body.legal.address),
            "siren": body.legal.siren,
            "siret": body.legal.siret,
            "vat_number": body.vat.number,
        },
        "buyer": {
            "kind": buyer.get("kind", "candidate"),
            "name": buyer.get("name") or invoice.holder,
            "lines": list(buyer.get("lines") or []),
            "postcode": buyer.get("postcode"),
            "city": buyer.get("city"),
            "address": buyer.get("address"),
            "siret": buyer.get("siret"),
            "siren": (buyer.get("siret") or "")[:9] or None,
            "attention": buyer.get("attention"),
            "company": company,
        },
        "line": {
            "description": invoice.label,
            "period": _period(invoice),
            "prorata": prorata,
            "months": months if prorata else None,
            "quantity": quantity,
            "unit_price": excluding_vat(unit, rate),
            "amount": ht,
        },
        "total_excluding_vat": ht,
        "vat_rate": rate,
        "vat_amount": amount - ht,
        "total_including_vat": amount,
        "vat_exemption": body.vat.exemption if rate is None else None,
        "payment": {
            "iban": body.invoicing.iban_formatted,
            "bic": body.invoicing.bic,
            "cheque_payee": body.invoicing.cheque_payee,
            "terms_days": body.invoicing.terms_days,
        },
        "late_penalty": body.invoicing.late_penalty,
        "indemnity": RECOVERY_INDEMNITY if company and body.invoicing.recovery_indemnity else None,
        "no_discount": NO_DISCOUNT,
        "credit_for": credit_for,
        "paid": money.to_decimal(invoice.paid),
        "balance": money.to_decimal(invoice.due),
    }


def missing(doc: dict) -> list[str]:
    """The mandatory mentions the document lacks (their MENTIONS keys)."""
    issuer, buyer = doc["issuer"], doc["buyer"]
    found = []
    checks = {
        "issuer_name": issuer["name"],
        "issuer_form": issuer["form"],
        "issuer_address": issuer["address"],
        "issuer_siren": issuer["siren"],
        "issuer_siret": issuer["siret"],
        "number": doc["number"],
        "issued_on": doc["issued_on"],
        "buyer_name": buyer["name"],
        "buyer_address": buyer["address"] and buyer["postcode"] and buyer["city"],
        "buyer_siret": buyer["siret"] if buyer["company"] else True,
        "service": doc["line"]["description"],
        "period": doc["line"]["period"]["kind"],
        "vat": doc["vat_rate"] is not None or doc["vat_exemption"],
        "due_on": doc["due_on"] if doc["kind"] == "invoice" else True,
        "payment": doc["payment"]["iban"] and doc["payment"]["cheque_payee"],
        "penalty": doc["late_penalty"],
        "cancels": doc["credit_for"] if doc["kind"] == "credit" else True,
    }
    for key, value in checks.items():
        if not value:
            found.append(key)
    return found
