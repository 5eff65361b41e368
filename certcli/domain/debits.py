"""SEPA direct debit of the dues (issue 13): one pain.008.001.02 file per run.

`collect` (dues debit) puts in one batch every open dues invoice of a year, not in
a batch yet, whose payer has a valid mandate with the collecting body (the holder's
own mandate, or for an invoice billed to the holder's employer, the employer's
mandate given for that holder), for its balance. The sequence is FRST while no
collection went through on the mandate, RCUR after; the end-to-end id of each
transaction is the invoice number (unique, and what `bank import` matches the
collection back on). The collection date is at least the body's pre-notification
period (14 days by default) after --date. The file is built by sepaxml and
validated against the pain.008.001.02 schema sepaxml ships before anything is
written; the batch and its items are recorded in the same transaction as the file is
written (a failure leaves neither).

An invoice in a batch is "pending_collection" (invoice show/list) and is not
reminded while it waits. A returned or rejected debit (`returned`: a CAMT return
entry, or `bank reject`) is a new dated row with its reason code; a collection
already credited is taken back by a refund row (invoices.refund: the invoice owes
again), and the reminders take over.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certcli.errors import StateError, ValidationError
from certcli.rules import money

if TYPE_CHECKING:
    from certcli.store import Store

SCHEMA = "pain.008.001.02"
# A debit's sequence type (debit_items.sequence, m027): a mandate's first collection, or after.
SEQUENCES = ("FRST", "RCUR")

# The ISO 20022 return and reject reasons a French bank gives most (ExternalReturnReason1Code).
REASONS = {
    "AC01": "IBAN incorrect",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AG01": "compte n'acceptant pas le prélèvement",
    "AM04": "provision insuffisante",
    "AM05": "prélèvement en double",
    "MD01": "pas de mandat",
    "MD02": "données du mandat manquantes ou erronées",
    "MD06": "contestation du débiteur (remboursement demandé)",
    "MD07": "débiteur décédé",
    "MS02": "refus du débiteur",
    "MS03": "raison non communiquée",
    "SL01": "service spécifique de la banque du débiteur",
}
_REASON = re.compile(r"^[A-Z0-9]{4}$")


def reason_code(value: str | None) -> str:
    """A return reason code: four capitals or digits (AM04, MD06...)."""
    code = (value or "").strip().upper()
    if not _REASON.match(code):
        raise ValidationError(
            f"return reason {value!r} is not an ISO 20022 reason code (four letters or "
            "digits, e.g. AM04 provision insuffisante, MS02 refus du débiteur)"
        )
    return code


def reason_text(code: str) -> str:
    label = REASONS.get(code)
    return f"{code} ({label})" if label else code


def earliest_collection(date: dt.date, days: int) -> dt.date:
    return date + dt.timedelta(days=days)


def _mandate_for(row, mandates: list) -> Any:
    """The mandate an invoice is collected on (the latest signed of its payer)."""
    for m in mandates:
        if m["candidate_id"] != row["candidate_id"]:
            continue
        if row["buyer_company_id"] is not None:
            if m["payer"] == "employer" and m["company_id"] == row["buyer_company_id"]:
                return m
        elif m["payer"] == "candidate":
            return m
    return None


def collect(
    store: Store,
    *,
    year: int,
    collection_date: dt.date,
    out: Path,
    date: dt.date,
    body: str | None = None,
    before_write: Callable[[list[str]], None] | None = None,
) -> dict:
    """Write the pain.008.001.02 file collecting the year's dues (module docstring);
    `before_write(numbers)` runs in the batch's transaction before the file is
    written (the pre-notification letters asked for)."""
    from certcli.domain import invoices, mandates

    creditor = mandates.creditor(body)
    sepa = creditor.sepa
    assert sepa is not None
    creditor.check_numbers()
    earliest = earliest_collection(date, sepa.pre_notification_days)
    if collection_date < earliest:
        raise ValidationError(
            f"collection date {collection_date} refused: the debtors must be told "
            f"{sepa.pre_notification_days} days ahead (pre-notification), so "
            f"{earliest} at the earliest"
        )
    if out.exists():
        raise ValidationError(f"{out} exists already: a debit file is never overwritten")
    if not out.parent.is_dir():
        raise ValidationError(f"no folder {out.parent} for the debit file")
    with store.transaction():
        live = store.live_mandates(creditor.code, date.isoformat())
        items = []
        for row in store.debit_invoices(year):
            if invoices.body_of_scheme(row["scheme"]).code != creditor.code:
                continue
            due = invoices.balance(
                row["amount"],
                (row["paid_list"] or "").split(),
                kind=row["kind"],
                status=row["status"],
                credits=(row["credits_list"] or "").split(),
            ).due
            if due <= 0:
                continue
            mandate = _mandate_for(row, live)
            if mandate is None:
                continue
            items.append((row, mandate, money.cents(due)))
        if not items:
            return {
                "file": None,
                "count": 0,
                "total": money.as_str(money.ZERO),
                "invoices": [],
                "collection_date": collection_date.isoformat(),
            }
        first = {m["id"] for _, m, _ in items if not store.mandate_collected(m["id"])}
        xml, message_id, payments = _pain008(creditor, items, first, collection_date, year)
        total = sum((amount for _, _, amount in items), Decimal(0))
        batch_id = store.insert(
            "debit_batches",
            {
                "message_id": message_id,
                "body": creditor.code,
                "year": year,
                "file": out.name,
                "collection_date": collection_date.isoformat(),
                "created_on": date.isoformat(),
                "count": len(items),
                "total": money.as_str(total),
                "actor": store.actor,
            },
        )
        store.insert_many(
            "debit_items",
            [
                {
                    "batch_id": batch_id,
                    "invoice_id": row["id"],
                    "mandate_id": mandate["id"],
                    "end_to_end": row["number"],
                    "sequence": "FRST" if mandate["id"] in first else "RCUR",
                    "amount": money.as_str(amount),
                }
                for row, mandate, amount in items
            ],
        )
        numbers = [row["number"] for row, _, _ in items]
        store.audit(
            "dues.debit",
            "dues",
            str(year),
            {
                "message_id": message_id,
                "file": out.name,
                "year": year,
                "collection_date": collection_date.isoformat(),
                "count": len(items),
                "total": money.as_str(total),
                "invoices": numbers,
            },
            date,
        )
        if before_write is not None:
            before_write(numbers)
        _write(out, xml)
    return {
        "file": str(out),
        "count": len(items),
        "total": money.as_str(total),
        "invoices": numbers,
        "collection_date": collection_date.isoformat(),
        "message_id": message_id,
        "first": sum(1 for p in payments if p["type"] == "FRST"),
        "recurring": sum(1 for p in payments if p["type"] == "RCUR"),
    }


def _pain008(creditor, items, first: set[int], collection_date: dt.date, year: int):
    """(the XML, its message id, the payments) of the batch, validated by sepaxml
    against the pain.008.001.02 schema it ships."""
    from sepaxml import SepaDD
    from sepaxml.validation import ValidationError as SchemaError

    sepa = creditor.sepa
    config = {
        "name": creditor.legal.name,
        "IBAN": creditor.invoicing.iban,
        "BIC": creditor.invoicing.bic,
        "batch": True,
        "creditor_id": sepa.creditor_id,
        "currency": "EUR",
    }
    sdd = SepaDD(config, schema=SCHEMA, clean=True)
    payments = []
    for row, mandate, amount in items:
        payment = {
            "name": mandate["debtor"],
            "IBAN": mandate["iban"],
            "amount": int(amount * 100),
            "type": "FRST" if mandate["id"] in first else "RCUR",
            "collection_date": collection_date,
            "mandate_id": mandate["rum"],
            "mandate_date": dt.date.fromisoformat(mandate["signed_on"]),
            "description": f"Cotisation {year} {creditor.name} facture {row['number']}",
            "endtoend_id": row["number"],
        }
        if mandate["bic"]:
            payment["BIC"] = mandate["bic"]
        payments.append(dict(payment))
        sdd.add_payment(payment)
    try:
        xml = sdd.export(validate=True)
    except SchemaError as exc:
        cause = exc.__cause__
        detail = getattr(cause, "reason", None) or str(cause or exc)
        raise ValidationError(
            f"the debit file does not validate against {SCHEMA} ({detail}): nothing written"
        ) from None
    return xml, sdd.msg_id, payments


def _write(out: Path, data: bytes) -> None:
    """Write the file whole or not at all (a temporary file renamed over it)."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(f"cannot write {out}: {exc.strerror}") from None


def returned(
    store: Store,
    item,
    *,
    reason: str,
    returned_on: dt.date,
    entry: str | None,
    date: dt.date,
) -> dict:
    """Record that the debit of `item` (a debit_items row, as store.debit_item gives
    it) came back: a debit_returns row; the collection, if it was credited, taken
    back by a refund (the invoice is open again and owes its balance). Call inside
    the caller's transaction."""
    from certcli.domain import invoices

    if item["return_id"] is not None:
        raise StateError(
            f"the debit of invoice {item['invoice']} was returned already "
            f"({reason_text(item['return_reason'])})"
        )
    store.insert(
        "debit_returns",
        {
            "item_id": item["id"],
            "returned_on": returned_on.isoformat(),
            "reason": reason,
            "entry": entry,
            "recorded_on": date.isoformat(),
            "actor": store.actor,
        },
    )
    invoice = invoices.get(store, item["invoice"])
    # the collection credited (bank import: method prelevement, the bank's reference)
    credited = [
        p for p in invoice.payments if p["kind"] == "payment" and p["method"] == "prelevement"
    ][-1:]
    refunded = None
    if credited and invoice.status != "cancelled":
        refunded = invoices.refund(
            store,
            invoice.number,
            money.as_str(credited[0]["amount"]),
            method="prelevement",
            reason=f"prélèvement rejeté : {reason_text(reason)}",
            reference=entry or item["end_to_end"],
            date=max(returned_on, dt.date.fromisoformat(credited[0]["date"])),
        )
    store.audit(
        "debit.return",
        "invoice",
        invoice.number,
        {
            "invoice": invoice.number,
            "end_to_end": item["end_to_end"],
            "rum": item["rum"],
            "reason": reason,
            "entry": entry,
            "refunded": money.as_str(credited[0]["amount"]) if refunded else None,
        },
        date,
    )
    after = invoices.get(store, invoice.number)
    return {
        "invoice": after.number,
        "reason": reason,
        "amount": item["amount"],
        "status": after.status,
        "due": money.as_str(after.due),
    }


class Collections:
    """What `bank import` matches a statement's direct-debit lines against: every
    debit not returned, by end-to-end id (one query per statement)."""

    def __init__(self, store: Store):
        self.items = store.debit_pending_by_e2e()
        self.returns: list[tuple] = []  # (item, code, booked, entry), recorded at the end

    def line(self, store: Store, book, line, *, date: dt.date):
        """(outcome, invoice or None, reason) of a statement line that is a debit's
        collection or return, or None for any other line. outcome is "collected"
        (pay the invoice: the caller records it, method prelevement), "returned"
        (recorded here) or "unmatched" (with the reason)."""
        item = self.items.get(line.end_to_end or "")
        if item is None or not self.items:
            return None
        if line.return_code:
            if line.credit:
                return None
            code = reason_code(line.return_code)
            booked = dt.date.fromisoformat(line.booked_on)
            self.returns.append((item, code, booked, line.reference))
            del self.items[item["end_to_end"]]
            return "returned", item, f"direct debit returned: {reason_text(code)}"
        if not line.credit:
            return None
        found = book.by_number.get(item["invoice"])
        if found is None:
            return (
                "unmatched",
                None,
                (
                    f"the collection of {item['invoice']} (end-to-end id), which is "
                    f"{item['invoice_status']}"
                ),
            )
        return "collected", found, None

    def record_returns(self, store: Store, *, date: dt.date) -> None:
        """Record the returns met, after the statement's payments (a collection and
        its return in one statement: the collection paid, then taken back)."""
        for item, code, booked, entry in self.returns:
            returned(store, item, reason=code, returned_on=booked, entry=entry, date=date)


def reject(store: Store, ref: str, *, reason: str, date: dt.date) -> dict:
    """`bank reject ENTRY --reason CODE`: the debit named by its bank entry (the
    collection's, as `bank import` recorded it) or its end-to-end id (the invoice
    number: a debit rejected before it was ever credited) came back with `reason`."""
    from certcli.errors import NotFound
    from certcli.rules import validators

    code = reason_code(reason)
    ref = (validators.text(ref, "entry") or "").strip()
    with store.transaction():
        entry = store.bank_entry(ref)
        item = None
        if entry is not None and entry["invoice_id"] is not None:
            item = store.debit_item(invoice_id=entry["invoice_id"])
        if item is None:
            item = store.debit_item(end_to_end=ref.upper())
        if item is None:
            raise NotFound(
                f"no direct debit for {ref!r}: name the bank entry of the collection "
                "or the invoice number (its end-to-end id)"
            )
        result = returned(
            store,
            item,
            reason=code,
            returned_on=date,
            entry=entry["reference"] if entry is not None else None,
            date=date,
        )
    return {**result, "entry": ref}
