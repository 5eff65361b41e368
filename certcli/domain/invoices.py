"""Invoices and credit notes: gapless numbers per calendar year, payments, cancellation.

An invoice is never deleted or renumbered. Cancelling one issues a credit note
(AV-YYYY-NNNNN, its own counter) for the full amount, stored as a negative
amount so that the sum of every invoice and credit note is what is really owed.
An invoice with payments recorded cannot be cancelled: the money received would
have to be refunded first, which certcli does not record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.errors import NotFound, StateError, ValidationError
from certcli.rules import dates, money, validators

if TYPE_CHECKING:
    from certcli.store import Store


PAYMENT_DAYS = 30  # ASSUMPTION: invoices are payable within 30 days of issue
PREFIX = {"invoice": "F", "credit": "AV"}


@dataclass
class Invoice:
    number: str
    kind: str
    purpose: str
    candidate_id: int
    holder: str  # the buyer's name and address as on the invoice, frozen at issue
    address: str
    label: str
    amount: Decimal  # money stays Decimal in the record; to_dict prints it ('210.00')
    paid: Decimal
    due: Decimal
    status: str
    issued_on: str
    due_on: str | None
    certificate: str | None = None
    dossier: str | None = None
    dues_year: int | None = None
    credit_for: str | None = None
    credited_by: str | None = None
    cancel_reason: str | None = None
    payments: list[dict] = field(default_factory=list)  # each amount a Decimal
    id: int | None = None

    def to_dict(self) -> dict:
        """The `invoice show --json` contract: amounts as '210.00'."""
        data = asdict(self)
        data.pop("id")
        for key in ("amount", "paid", "due"):
            data[key] = money.as_str(data[key])
        data["payments"] = [{**p, "amount": money.as_str(p["amount"])} for p in self.payments]
        return data


@dataclass(frozen=True)
class Balance:
    paid: Decimal  # the payments recorded against the invoice
    due: Decimal  # what is left to pay


def balance(
    amount: str | Decimal, payments: Iterable[str | Decimal], *, kind: str, status: str
) -> Balance:
    """What was paid on an invoice and what is left to pay: an open invoice owes its
    amount less its payments; a paid or cancelled invoice and a credit note owe
    nothing. The one rule of `invoice show/list`, the letters and `stats`."""
    paid = sum((money.to_decimal(p) for p in payments), money.ZERO)
    owing = kind == "invoice" and status == "open"
    return Balance(paid, money.to_decimal(amount) - paid if owing else money.ZERO)


def _from_row(store: Store, row, payments: list | None = None) -> Invoice:
    """An invoice from its row; `payments` are its payment rows when the caller wants
    them listed (fetched for a whole listing at once by `_payments`)."""
    amount = money.to_decimal(row["amount"])
    owed = balance(amount, (row["paid_list"] or "").split(), kind=row["kind"], status=row["status"])
    paid, due = owed.paid, owed.due
    payments = [
        {
            "date": p["paid_on"],
            "amount": money.to_decimal(p["amount"]),
            "method": p["method"],
            "reference": p["reference"],
        }
        for p in payments or ()
    ]
    return Invoice(
        id=row["id"],
        number=row["number"],
        kind=row["kind"],
        purpose=row["purpose"],
        candidate_id=row["candidate_id"],
        holder=f"{row['first_name']} {row['last_name']}",
        address=", ".join(
            p
            for p in (
                row["buyer_address"],
                " ".join(x for x in (row["buyer_postcode"], row["buyer_city"]) if x),
            )
            if p
        ),
        label=row["label"],
        amount=money.cents(amount),
        paid=money.cents(paid),
        due=money.cents(due),
        status=row["status"],
        issued_on=row["issued_on"],
        due_on=row["due_on"],
        certificate=row["certificate"],
        dossier=row["dossier"],
        dues_year=row["dues_year"],
        credit_for=row["credit_for_number"],
        credited_by=row["credited_by"],
        cancel_reason=row["cancel_reason"],
        payments=payments,
    )


def _row(store: Store, number: str):
    found = store.invoice(number.strip().upper())
    if found is None:
        raise NotFound(f"no invoice or credit note {number!r}")
    return found


def get(store: Store, number: str) -> Invoice:
    row = _row(store, number)
    return _from_row(store, row, _payments(store, [row])[row["id"]])


def _payments(store: Store, rows) -> dict[int, list]:
    """The payments of these invoices, in one query (not one per invoice)."""
    found: dict[int, list] = {row["id"]: [] for row in rows}
    for payment in store.invoice_payments([row["id"] for row in rows]):
        found[payment["invoice_id"]].append(payment)
    return found


def _insert(store: Store, kind: str, record: dict, date: dt.date) -> int:
    """Number and insert in one transaction: the counter is read under the write lock
    (BEGIN IMMEDIATE), so two processes can never take the same number, and a rollback
    gives the number back, so there is never a gap. Numbers follow the issue dates
    (French invoicing rules want a chronological series): a date earlier than the
    latest of the year's series is refused, the same day is fine. An invoice is
    dated on the day it is issued: a date after today would block every invoice
    until then, so it is refused unless the store allows it (`--future`), and
    logged in the audit trail when it is allowed."""
    future = date > dates.today()
    what = "invoices" if kind == "invoice" else "credit notes"
    if future and not store.future_invoices:
        raise ValidationError(
            f"{what} are dated on the day they are issued: {date.isoformat()} is after "
            f"today ({dates.today().isoformat()}), and a later date would block every "
            "invoice until then; use --future only in a simulation or training office"
        )
    with store.transaction():
        latest = store.latest_issued(kind, date.year)
        if latest is not None and date.isoformat() < latest["issued_on"]:
            raise ValidationError(
                f"{what} are numbered in date order: {latest['number']} was issued on "
                f"{latest['issued_on']}, so a new one cannot be dated {date.isoformat()} "
                f"(date it {latest['issued_on']} or later)"
            )
        # The buyer as on the invoice, so a later edit of the candidate never changes
        # it; a credit note brings the buyer of the invoice it cancels.
        buyer = {k: v for k, v in record.items() if k.startswith("buyer_")} or store.invoice_buyer(
            record["candidate_id"]
        )
        if not buyer:
            raise NotFound(f"no candidate with id {record['candidate_id']}")
        seq = store.next_counter(f"{kind}:{date.year}")
        number = f"{PREFIX[kind]}-{date.year}-{seq:05d}"
        invoice_id = store.insert(
            "invoices",
            {
                **record,
                "number": number,
                "kind": kind,
                "year": date.year,
                "seq": seq,
                "issued_on": date.isoformat(),
                **buyer,
            },
        )
        details = {"amount": record["amount"], "label": record["label"]}
        if future:
            details["future"] = f"dated after today ({dates.today().isoformat()}): --future"
        store.audit(f"{kind}.issue", "invoice", number, details, date)
    return invoice_id


def issue(
    store: Store,
    *,
    candidate_id: int,
    amount: Decimal,
    label: str,
    purpose: str,
    date: dt.date,
    certificate_id: int | None = None,
    dossier_id: int | None = None,
    dues_year: int | None = None,
    prorata_months: int | None = None,
) -> Invoice:
    """Issue an invoice numbered F-<year of issue>-NNNNN (joins an open transaction);
    a prorated dues invoice keeps the months it bills (`prorata_months`)."""
    amount = money.cents(amount)
    if amount <= 0:
        raise ValidationError(f"an invoice needs a positive amount, not {money.as_str(amount)}")
    invoice_id = _insert(
        store,
        "invoice",
        {
            "purpose": purpose,
            "candidate_id": candidate_id,
            "certificate_id": certificate_id,
            "dossier_id": dossier_id,
            "label": label,
            "amount": money.as_str(amount),
            "due_on": (date + dt.timedelta(days=PAYMENT_DAYS)).isoformat(),
            "status": "open",
            "dues_year": dues_year,
            "prorata_months": prorata_months,
        },
        date,
    )
    return _from_row(store, store.invoice_by_id(invoice_id))


def pay(
    store: Store, number: str, amount: str, *, method: str, reference: str | None, date: dt.date
) -> Invoice:
    """Record a payment; partial payments add up, an overpayment is refused."""
    method = money.payment_method(method)
    value = money.parse_amount(amount)
    with store.transaction():
        row = _row(store, number)
        invoice = _from_row(store, row)
        if invoice.kind != "invoice":
            raise StateError(f"{invoice.number} is a credit note: nothing to pay")
        if invoice.status != "open":
            raise StateError(f"invoice {invoice.number} is {invoice.status}: nothing to pay")
        if date.isoformat() < invoice.issued_on:
            raise ValidationError(
                f"payment dated {date} is before the invoice was issued ({invoice.issued_on})"
            )
        due = invoice.due
        if value > due:
            raise ValidationError(
                f"overpayment refused: invoice {invoice.number} has "
                f"{money.as_str(due)} left to pay, not {money.as_str(value)}"
            )
        store.insert(
            "payments",
            {
                "invoice_id": invoice.id,
                "amount": money.as_str(value),
                "method": method,
                "reference": reference,
                "paid_on": date.isoformat(),
            },
        )
        if value == due:
            store.update("invoices", row["id"], {"status": "paid"})
        store.audit(
            "invoice.pay",
            "invoice",
            invoice.number,
            {"amount": money.as_str(value), "method": method, "reference": reference},
            date,
        )
    return get(store, invoice.number)


def cancel(store: Store, number: str, *, reason: str, date: dt.date) -> tuple[Invoice, Invoice]:
    """Cancel an unpaid invoice with a credit note of its full amount.

    Returns (the cancelled invoice, the credit note).
    """
    reason = validators.reason(reason, required="a cancellation needs --reason")
    with store.transaction():
        invoice = _from_row(store, _row(store, number))
        if invoice.kind != "invoice":
            raise StateError(f"{invoice.number} is a credit note: it cannot be cancelled")
        if invoice.status == "cancelled":
            raise StateError(
                f"invoice {invoice.number} is already cancelled (credit note {invoice.credited_by})"
            )
        if invoice.paid > 0:
            raise StateError(
                f"invoice {invoice.number} has {invoice.paid} paid: an invoice "
                "with payments cannot be cancelled (refund the payer first)"
            )
        if date.isoformat() < invoice.issued_on:
            raise ValidationError(
                f"cancellation dated {date} is before the invoice was issued ({invoice.issued_on})"
            )
        row = _row(store, invoice.number)
        credit_id = _insert(
            store,
            "credit",
            {
                "purpose": row["purpose"],
                "candidate_id": row["candidate_id"],
                "certificate_id": row["certificate_id"],
                "dossier_id": row["dossier_id"],
                "label": f"Avoir sur la facture {invoice.number} : {reason}",
                "amount": money.as_str(-invoice.amount),
                "due_on": None,
                "status": "applied",
                "dues_year": row["dues_year"],
                "credit_for": invoice.id,
                **{k: row[k] for k in row.keys() if k.startswith("buyer_")},
            },
            date,
        )
        store.update("invoices", row["id"], {"status": "cancelled", "cancel_reason": reason})
        store.audit("invoice.cancel", "invoice", invoice.number, {"reason": reason}, date)
    credit = _from_row(store, store.invoice_by_id(credit_id))
    return get(store, invoice.number), credit


def _built(store: Store, rows) -> list[Invoice]:
    payments = _payments(store, rows)
    return [_from_row(store, r, payments[r["id"]]) for r in rows]


def listing(
    store: Store,
    *,
    unpaid: bool = False,
    year: int | None = None,
    candidate_id: int | None = None,
    dossier_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Invoice]:
    """Invoices and credit notes, each with its payments (a page with `limit`)."""
    rows = store.invoices(
        unpaid=unpaid,
        year=year,
        candidate_id=candidate_id,
        dossier_id=dossier_id,
        limit=limit,
        offset=offset,
    )
    return _built(store, rows)


def count(store: Store, **filters) -> int:
    return store.count_invoices(**filters)


def stream(store: Store, **filters):
    """Every matching invoice, built a chunk at a time as the rows come."""
    import itertools

    rows = store.iter_invoices(**filters)
    while chunk := list(itertools.islice(rows, 1000)):
        yield from _built(store, chunk)


EXPORT_COLUMNS = (
    "number",
    "kind",
    "issued_on",
    "due_on",
    "candidate_id",
    "holder",
    "address",
    "label",
    "amount",
    "paid",
    "left_to_pay",
    "status",
    "certificate",
    "dossier",
    "credit_for",
    "credited_by",
    "payments",
)


def export_table(store: Store, *, year: int | None = None):
    """Invoices and credit notes with what was paid, for `invoice export`: amounts
    as numbers; `payments` lists each one (date, method, amount, reference)."""
    from certcli.domain import exports

    def line(i: Invoice) -> list:
        # Each payment a tuple, so the writer prints its amount as the file wants
        # it (a decimal comma for French Excel).
        paid = [(p["date"], p["method"], p["amount"], p["reference"]) for p in i.payments]
        return [
            i.number,
            i.kind,
            i.issued_on,
            i.due_on,
            i.candidate_id,
            i.holder,
            i.address,
            i.label,
            i.amount,
            i.paid,
            i.due,
            i.status,
            i.certificate,
            i.dossier,
            i.credit_for,
            i.credited_by,
            paid,
        ]

    return exports.Table(
        EXPORT_COLUMNS, (line(i) for i in stream(store, year=year)), title="factures"
    )
