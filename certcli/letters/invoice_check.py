"""An invoice that a French body can legally send: the rendered `facture` (or any
letter that carries the invoice document) must show every mandatory mention, its
values as the records hold them. A mention missing from the data, or left out by a
secretariat's own template, refuses the letter, naming the mention: an invoice is
never posted incomplete."""

from __future__ import annotations

import html
import re

from certcli.domain import invoice_document
from certcli.errors import TemplateError
from certcli.letters import filters

# The templates that are invoice documents (their own or a secretariat's copy).
INVOICE_TEMPLATES = ("facture", "appel-cotisation")

_TAGS = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<style.*?</style>", re.S)


def visible_text(page: str) -> str:
    """The words of a rendered page, as a reader (or pypdf) sees them."""
    text = html.unescape(_TAGS.sub(" ", _STYLE.sub(" ", page)))
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _plain(value) -> str:
    return " ".join(str(value).replace("\xa0", " ").replace("\u202f", " ").split())


def expected(doc: dict) -> dict[str, list[str]]:
    """Each mandatory mention (invoice_document.MENTIONS key) and the texts that show it."""
    issuer, buyer, line = doc["issuer"], doc["buyer"], doc["line"]
    eur = filters.eur
    period = line["period"]
    texts = {
        "issuer_name": [issuer["name"]],
        "issuer_form": [issuer["form"]],
        "issuer_address": list(issuer["address"]),
        "issuer_siren": [issuer["siren"]],
        "issuer_siret": [issuer["siret"]],
        "number": [doc["number"]],
        "issued_on": [filters.date_fr(doc["issued_on"])],
        "buyer_name": [buyer["name"]],
        "buyer_address": list(buyer["lines"]),
        "buyer_siret": [buyer["siret"]] if buyer["company"] else [],
        "service": [line["description"]],
        "period": [str(period["year"]) if period.get("kind") == "dues" else period.get("ref", "")],
        "amounts": [eur(doc["total_excluding_vat"]), eur(doc["total_including_vat"]), "HT", "TTC"],
        "vat": [doc["vat_exemption"]] if doc["vat_rate"] is None else [f"{doc['vat_rate']} %"],
        "due_on": [filters.date_fr(doc["due_on"])] if doc["kind"] == "invoice" else [],
        "payment": [doc["payment"]["iban"], doc["payment"]["cheque_payee"]],
        "penalty": [doc["late_penalty"]],
        "indemnity": [eur(doc["indemnity"])] if doc["indemnity"] else [],
        "discount": [doc["no_discount"]],
        "cancels": [doc["credit_for"]["number"]] if doc["credit_for"] else [],
    }
    if issuer["vat_number"]:
        texts["issuer_siret"].append(issuer["vat_number"])
    if line["prorata"]:
        texts["amounts"].append(f"{line['months']}/12 de {eur(line['unit_price'])}")
    return {key: [_plain(t) for t in values if t] for key, values in texts.items()}


def check(template: str, doc: dict, page: str) -> None:
    """Refuse a rendered invoice `page` that lacks a mandatory mention of `doc`."""
    lacking = invoice_document.missing(doc)
    if lacking:
        names = ", ".join(invoice_document.MENTIONS[k] for k in lacking)
        raise TemplateError(
            f"template {template!r}: {doc['title'].lower()} {doc['number']} cannot be "
            f"rendered, a mandatory mention is missing: {names}"
        )
    text = visible_text(page)
    for key, values in expected(doc).items():
        absent = [v for v in values if v not in text]
        if absent:
            raise TemplateError(
                f"template {template!r}: {doc['title'].lower()} {doc['number']} cannot be "
                f"rendered, a mandatory mention is missing: {invoice_document.MENTIONS[key]} "
                f"({absent[0]!r} is not on the page)"
            )
