"""Invoices and credit notes: gapless numbers per calendar year, payments, corrections.

An invoice is never deleted or renumbered. Cancelling one issues a credit note
(AV-YYYY-NNNNN, its own counter) for what it still bills, stored as a negative
amount so that the sum of every invoice and credit note is what is really owed.
Corrections are new rows (issue 11): money paid back is a refund (a negative
payment); a partial credit note (a commercial gesture) lowers what is owed; a
reissue cancels an invoice by a credit note and issues a corrected one that names
the invoice it replaces. An invoice with money kept on it (payments less refunds)
cannot be cancelled: refund first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass, field
from certcli.rules import dates, money, schemes, validators

if TYPE_CHECKING:
    from certcli.rules.bodies import Body
    from certcli.store import Store


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
    credited: Decimal = money.ZERO  # what partial credit notes took off (an invoice)
    partial: bool = False  # a credit note for part of an invoice, not its cancellation
    replaces: str | None = None
    replaced_by: str | None = None
    bill_to: str = "candidate"  # or "employer": the buyer the invoice names
    company: str | None = None
    siret: str | None = None
    credit_notes: list[dict] = field(default_factory=list)  # partial ones (`get` only)
    # The buyer as the invoice names them (issue 12): kind candidate or company, name,
    # SIRET (a company), address, company id; frozen at issue.
    buyer: dict = field(default_factory=dict)
    unit_price: Decimal | None = None  # what a prorata bills a fraction of (the annual dues)
    prorata_months: int | None = None
    vat_rate: Decimal | None = None  # percent; None: the body's VAT exemption applies
    scheme: str | None = None
    reminder_level: int = 0  # the last reminder level sent (issue 12), 0 when none
    reminders: list[dict] = field(default_factory=list)  # each level sent (`get` only)
    # in a SEPA debit batch, its collection awaited (issue 13): shown as the status
    # pending_collection; the stored status stays open (nothing paid yet)
    pending_collection: bool = False
    id: int | None = None

    @property
    def shown_status(self) -> str:
        """The status `invoice show/list` print: pending_collection while an open
        invoice waits on its direct debit."""
        if self.status == "open" and self.pending_collection:
            return "pending_collection"
        return self.status

    def to_dict(self) -> dict:
        """The `invoice show --json` contract: amounts as '210.00'."""
        data = asdict(self)
        data.pop("id")
        data.pop("pending_collection")
        data["status"] = self.shown_status
        for key in ("amount", "paid", "due", "credited"):
            data[key] = money.as_str(data[key])
        if self.unit_price is not None:
            data["unit_price"] = money.as_str(self.unit_price)
        if self.vat_rate is not None:
            data["vat_rate"] = str(self.vat_rate)
        data["payments"] = [{**p, "amount": money.as_str(p["amount"])} for p in self.payments]
        return data


@dataclass(frozen=True)
class Balance:
    paid: Decimal  # the payments recorded against the invoice, less refunds
    due: Decimal  # what is left to pay
    credited: Decimal = money.ZERO  # what partial credit notes took off


def balance(
    amount: str | Decimal,
    payments: Iterable[str | Decimal],
    *,
    kind: str,
    status: str,
    credits: Iterable[str | Decimal] = (),
) -> Balance:
    """What was paid on an invoice and what is left to pay: an open invoice owes its
    amount less its partial credit notes (`credits`, stored negative) and its
    payments (refunds are negative payments, so `paid` is what was kept); a paid or
    cancelled invoice and a credit note owe nothing. The one rule of `invoice
    show/list`, the letters, `stats` and every correction."""
    paid = _paid(payments)
    credited = -sum((money.to_decimal(c) for c in credits), money.ZERO)
    owing = kind == "invoice" and status == "open"
    left = money.to_decimal(amount) - credited - paid
    return Balance(paid, left if owing else money.ZERO, credited)


def _paid(payments: Iterable[str | Decimal]) -> Decimal:
    return sum((money.to_decimal(p) for p in payments), money.ZERO)


def dossier_lines(store: Store, dossier_id: int) -> list[dict]:
    """A dossier's invoices as `dossier show` lists them (number, label, amount, paid,
    stored status), the same values as `listing` gives, without building the invoices
    nor reading their payments' rows (issue 20: the command's start-up)."""
    return [
        {
            "number": row["number"],
            "label": row["label"],
            "amount": money.cents(money.to_decimal(row["amount"])),
            "paid": money.cents(_paid((row["paid_list"] or "").split())),
            "status": row["status"],
        }
        for row in store.invoices(dossier_id=dossier_id)
    ]


def _from_row(store: Store, row, payments: list | None = None) -> Invoice:
    """An invoice from its row; `payments` are its payment rows when the caller wants
    them listed (fetched for a whole listing at once by `_payments`)."""
    amount = money.to_decimal(row["amount"])
    owed = balance(
        amount,
        (row["paid_list"] or "").split(),
        kind=row["kind"],
        status=row["status"],
        credits=(row["credits_list"] or "").split(),
    )
    paid, due = owed.paid, owed.due
    payments = [
        {
            "date": p["paid_on"],
            "amount": money.to_decimal(p["amount"]),
            "method": p["method"],
            "reference": p["reference"],
            "kind": p["kind"],  # payment, or refund (stored negative)
            "reason": p["reason"],
        }
        for p in payments or ()
    ]
    return Invoice(
        id=row["id"],
        number=row["number"],
        kind=row["kind"],
        purpose=row["purpose"],
        candidate_id=row["candidate_id"],
        holder=holder(row),
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
        credited=money.cents(owed.credited),
        partial=bool(row["partial"]),
        replaces=row["replaces_number"],
        replaced_by=row["replaced_by"],
        bill_to="employer" if row["buyer_company"] else "candidate",
        company=row["buyer_company"],
        siret=row["buyer_siret"],
        buyer=_buyer_of(row),
        unit_price=money.to_decimal(row["unit_price"]) if row["unit_price"] else None,
        prorata_months=row["prorata_months"],
        vat_rate=money.to_decimal(row["vat_rate"]) if row["vat_rate"] is not None else None,
        scheme=row["scheme"],
        reminder_level=int(row["reminder_level"] or 0),
        pending_collection=bool("pending_collection" in row.keys() and row["pending_collection"]),
    )


def _buyer_of(row) -> dict:
    """The `buyer` of `invoice show --json`: who the invoice is addressed to."""
    person = " ".join(x for x in (row["buyer_civility"], row["first_name"], row["last_name"]) if x)
    town = " ".join(x for x in (row["buyer_postcode"], row["buyer_city"]) if x)
    if row["buyer_company"]:
        return {
            "kind": "company",
            "name": row["buyer_company"],
            "siret": row["buyer_siret"],
            "company_id": row["buyer_company_id"],
            "address": row["buyer_address"],
            "postcode": row["buyer_postcode"],
            "city": row["buyer_city"],
            "attention": person,
            "lines": [x for x in (row["buyer_address"], town) if x],
        }
    return {
        "kind": "candidate",
        "name": person,
        "siret": None,
        "candidate_id": row["candidate_id"],
        "address": row["buyer_address"],
        "postcode": row["buyer_postcode"],
        "city": row["buyer_city"],
        "lines": [x for x in (row["buyer_address"], town) if x],
    }


def _row(store: Store, number: str):
    found = store.invoice(number.strip().upper())
    if found is None:
        raise NotFound(f"no invoice or credit note {number!r}")
    return found


def get(store: Store, number: str) -> Invoice:
    """One invoice with its payments and refunds, and its partial credit notes
    (`credit_notes`, shown by `invoice show`; a listing gives only the total)."""
    row = _row(store, number)
    invoice = _from_row(store, row, _payments(store, [row])[row["id"]])
    invoice.credit_notes = [
        {"number": c["number"], "amount": c["amount"], "issued_on": c["issued_on"]}
        for c in store.invoice_credits(row["id"])
    ]
    invoice.reminders = [
        {"level": r["level"], "sent_on": r["sent_on"], "template": r["template"]}
        for r in store.invoice_reminders(row["id"])
    ]
    return invoice


def by_id(store: Store, invoice_id: int) -> Invoice:
    """One invoice or credit note by its id (a letter's record), with its payments."""
    row = store.invoice_by_id(invoice_id)
    if row is None:
        raise NotFound(f"no invoice or credit note with id {invoice_id}")
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
    with store.transaction():
        (row,) = _numbered(store, kind, [record], date)
        invoice_id = store.insert("invoices", row)
        _audit_issued(store, kind, [row], date)
    return invoice_id


def _insert_many(store: Store, kind: str, records: list[dict], date: dt.date) -> list[dict]:
    """`_insert` for many invoices of one date (the dues call), numbered in the order
    given: the same checks once, the rows written in bulk; the rows as inserted
    (numbers, frozen buyers)."""
    if not records:
        return []
    with store.transaction():
        rows = _numbered(store, kind, records, date)
        store.insert_many("invoices", rows)
        _audit_issued(store, kind, rows, date)
    return rows


def next_issue_date(store: Store, date: dt.date, kind: str = "invoice") -> dt.date:
    """The date a new invoice of `kind` takes when it is issued for an event of `date`
    recorded after later invoices: the series' latest issue date of that year when it
    is later, since the series is chronological and an invoice is dated the day it is
    written, not the day of the event (a cheque received on the 3rd and recorded
    after an invoice of the 8th is invoiced on the 8th); `date` itself otherwise.
    Call inside the transaction that issues it."""
    later = _issued_after(store, kind, date)
    return dt.date.fromisoformat(later["issued_on"]) if later is not None else date


def _issued_after(store: Store, kind: str, date: dt.date):
    """The latest invoice (or credit note) of `date`'s year when it is dated after
    `date`, which a chronological series forbids to precede; None otherwise."""
    latest = store.latest_issued(kind, date.year)
    if latest is not None and date.isoformat() < latest["issued_on"]:
        return latest
    return None


def _numbered(store: Store, kind: str, records: list[dict], date: dt.date) -> list[dict]:
    """The invoice rows of `records`, dated `date`, numbered (the next numbers of the
    year's series) and with their buyer frozen; call inside the transaction."""
    future = date > dates.today()
    what = "invoices" if kind == "invoice" else "credit notes"
    if future and not store.future_invoices:
        raise ValidationError(
            f"{what} are dated on the day they are issued: {date.isoformat()} is after "
            f"today ({dates.today().isoformat()}), and a later date would block every "
            "invoice until then; use --future only in a simulation or training office"
        )
    latest = _issued_after(store, kind, date)
    if latest is not None:
        raise ValidationError(
            f"{what} are numbered in date order: {latest['number']} was issued on "
            f"{latest['issued_on']}, so a new one cannot be dated {date.isoformat()} "
            f"(date it {latest['issued_on']} or later)"
        )
    # The buyer as on the invoice, so a later edit of the candidate never changes
    # it; a credit note brings the buyer of the invoice it cancels.
    wanted = [r["candidate_id"] for r in records if not any(k.startswith("buyer_") for k in r)]
    buyers = store.invoice_buyers(wanted) if wanted else {}
    last = store.next_counter(f"{kind}:{date.year}", len(records))
    rows = []
    for seq, record in enumerate(records, last - len(records) + 1):
        buyer = {k: v for k, v in record.items() if k.startswith("buyer_")} or buyers.get(
            record["candidate_id"]
        )
        if not buyer:
            raise NotFound(f"no candidate with id {record['candidate_id']}")
        rows.append(
            {
                **record,
                "number": f"{PREFIX[kind]}-{date.year}-{seq:05d}",
                "kind": kind,
                "year": date.year,
                "seq": seq,
                "issued_on": date.isoformat(),
                **buyer,
            }
        )
    return rows


def _audit_issued(store: Store, kind: str, rows: list[dict], date: dt.date) -> None:
    # the number in the details too: a correction of this invoice names it (audit_trail)
    future = {}
    if date > dates.today():
        future["future"] = f"dated after today ({dates.today().isoformat()}): --future"
    store.audit_many(
        f"{kind}.issue",
        "invoice",
        [
            (
                r["number"],
                {"number": r["number"], "amount": r["amount"], "label": r["label"]} | future,
            )
            for r in rows
        ],
        date,
    )


def holder(row) -> str:
    """The buyer an invoice names (its row, or a row just written), as `holder`."""
    company = row["buyer_company"] if "buyer_company" in row.keys() else None
    return company or f"{row['buyer_first_name']} {row['buyer_last_name']}"


def body_of(store: Store, *, dossier_id: int | None, certificate_id: int | None) -> Body:
    """The body that issues an invoice for this dossier or certificate (its scheme's);
    for neither (a script's invoice), the first scheme's body."""
    return body_of_scheme(store.scheme_of(dossier_id=dossier_id, certificate_id=certificate_id))


def body_of_scheme(code: str | None) -> Body:
    """The body of a scheme code (an invoice's certificate's or dossier's); for none,
    the first scheme's body. The one rule of `body_of`, the reminders and the FEC."""
    if code is None:
        return next(iter(schemes.catalog().values())).body
    return schemes.get(code).body


def due_on(body: Body, issued: dt.date) -> str:
    """The due date of an invoice issued on `issued`: the body's payment terms later."""
    return (issued + dt.timedelta(days=body.invoicing.terms_days)).isoformat()


def issue(
    store: Store,
    *,
    candidate_id: int,
    amount: Decimal,
    label: str,
    purpose: str,
    date: dt.date,
    body: Body | None = None,
    certificate_id: int | None = None,
    dossier_id: int | None = None,
    dues_year: int | None = None,
    prorata_months: int | None = None,
    unit_price: Decimal | None = None,
    payer: str = "candidate",
) -> Invoice:
    """Issue an invoice numbered F-<year of issue>-NNNNN (joins an open transaction);
    a prorated dues invoice keeps the months it bills (`prorata_months`) of the
    `unit_price` (the annual dues). The buyer is the candidate or, for `payer`
    employer, the company they are linked to, frozen at issue. It is due
    `body`'s payment terms after issue, and the body's bank details are checked
    first (an invalid IBAN issues nothing). Without `body`, the body of the dossier's
    or certificate's scheme."""
    body = body or body_of(store, dossier_id=dossier_id, certificate_id=certificate_id)
    record = _invoice_record(
        store,
        purpose=purpose,
        date=date,
        body=body,
        candidate_id=candidate_id,
        amount=amount,
        label=label,
        certificate_id=certificate_id,
        dossier_id=dossier_id,
        dues_year=dues_year,
        prorata_months=prorata_months,
        unit_price=unit_price,
        payer=payer,
    )
    body.check_numbers()
    invoice_id = _insert(store, "invoice", record, date)
    return _from_row(store, store.invoice_by_id(invoice_id))


def issue_many(store: Store, items: list[dict], *, purpose: str, date: dt.date) -> list[dict]:
    """`issue` for many invoices of one date at once (the dues call), numbered in the
    order given; each item holds issue's keyword arguments (candidate_id, amount,
    label, body, and optionally certificate_id, dossier_id, dues_year,
    prorata_months, unit_price, payer). Each body's numbers are checked once. The rows
    as written (number, amount as '360.00', the frozen buyer_...), not read back."""
    records = [_invoice_record(store, purpose=purpose, date=date, **item) for item in items]
    for body in {id(item["body"]): item["body"] for item in items}.values():
        body.check_numbers()
    return _insert_many(store, "invoice", records, date)


def _invoice_record(
    store: Store,
    *,
    purpose: str,
    date: dt.date,
    body: Body,
    candidate_id: int,
    amount: Decimal,
    label: str,
    certificate_id: int | None = None,
    dossier_id: int | None = None,
    dues_year: int | None = None,
    prorata_months: int | None = None,
    unit_price: Decimal | None = None,
    payer: str = "candidate",
) -> dict:
    """An invoice's row before its number: for `payer` employer with the company's
    buyer columns (the candidate's are filled when it is numbered, in one query)."""
    amount = money.cents(amount)
    if amount <= 0:
        raise ValidationError(f"an invoice needs a positive amount, not {money.as_str(amount)}")
    buyer = buyer_columns(store, candidate_id, payer) if payer != "candidate" else {}
    return {
        "purpose": purpose,
        "candidate_id": candidate_id,
        "certificate_id": certificate_id,
        "dossier_id": dossier_id,
        "label": label,
        "amount": money.as_str(amount),
        "due_on": due_on(body, date),
        "status": "open",
        "dues_year": dues_year,
        "prorata_months": prorata_months,
        "unit_price": money.as_str(money.cents(unit_price if unit_price else amount)),
        "vat_rate": vat_rate(body, purpose),
        **buyer,
    }


def vat_rate(body: Body, purpose: str) -> str | None:
    """The VAT rate an invoice freezes: the body's rate for the fee kind of its
    purpose (percent, as text), or None for a body in franchise."""
    from certcli.rules.bodies import FEE_KIND_OF_PURPOSE

    if body.vat.regime == "franchise":
        return None
    return str(body.vat.rate(FEE_KIND_OF_PURPOSE.get(purpose, "instruction")))


def pay(
    store: Store, number: str, amount: str, *, method: str, reference: str | None, date: dt.date
) -> Invoice:
    """Record a payment; partial payments add up, an overpayment is refused."""
    with store.transaction():
        pay_many(store, [Payment(number, amount, method, reference, date)])
        return get(store, number)


@dataclass(frozen=True)
class Payment:
    """One payment to record (`pay_many`)."""

    number: str
    amount: str | Decimal
    method: str
    reference: str | None
    date: dt.date


def pay_many(store: Store, payments: list[Payment]) -> None:
    """The payment rule (`invoice pay`, `bank import`, `bank match`), for any number of
    payments in one transaction: the invoice must be an open invoice (not a credit
    note) issued by the payment's date, and the payment no more than is left to pay
    (partial payments add up; several payments of one invoice in the batch count
    in order); an invoice paid in full becomes `paid`. Audited `invoice.pay`. The
    invoices are read in one query and the payments, the statuses and the audit
    lines written in bulk: a statement of 10,000 payments is a handful of round
    trips, not 70,000 (issue 13)."""
    checked = [
        (
            p.number.strip().upper(),
            money.parse_amount(p.amount),
            money.payment_method(p.method),
            validators.text(p.reference, "reference"),
            p.date,
        )
        for p in payments
    ]
    with store.transaction():
        rows = {row["number"]: row for row in store.invoices_by_numbers([c[0] for c in checked])}
        due: dict[str, Decimal] = {}
        records, paid_ids, audits = [], [], []
        for (number, value, method, reference, date), given in zip(checked, payments, strict=True):
            row = rows.get(number)
            if row is None:
                raise NotFound(f"no invoice or credit note {given.number!r}")
            if number not in due:
                invoice = _from_row(store, row)
                if invoice.kind != "invoice":
                    raise StateError(f"{invoice.number} is a credit note: nothing to pay")
                if invoice.status != "open":
                    raise StateError(
                        f"invoice {invoice.number} is {invoice.status}: nothing to pay"
                    )
                due[number] = invoice.due
            elif due[number] == 0:
                raise StateError(f"invoice {number} is paid: nothing to pay")
            if date.isoformat() < row["issued_on"]:
                raise ValidationError(
                    f"payment dated {date} is before the invoice was issued ({row['issued_on']})"
                )
            if value > due[number]:
                raise ValidationError(
                    f"overpayment refused: invoice {number} has "
                    f"{money.as_str(due[number])} left to pay, not {money.as_str(value)}"
                )
            due[number] -= value
            # An instruction fee's invoice: its payment is the dossier's fee too.
            fee = row["purpose"] == "instruction-fee"
            records.append(
                {
                    "invoice_id": row["id"],
                    "dossier_id": row["dossier_id"] if fee else None,
                    "amount": money.as_str(value),
                    "method": method,
                    "reference": reference,
                    "paid_on": date.isoformat(),
                }
            )
            if due[number] == 0:
                paid_ids.append(row["id"])
            audits.append(
                (
                    date,
                    number,
                    {
                        "number": number,
                        "amount": money.as_str(value),
                        "method": method,
                        "reference": reference,
                    },
                )
            )
        store.insert_many("payments", records)
        store.invoices_mark_paid(paid_ids)
        # audit_many dates a run of lines: one call per run of the same date (a
        # statement's entries come in booking order), the order of the lines kept.
        start = 0
        for index in range(1, len(audits) + 1):
            if index == len(audits) or audits[index][0] != audits[start][0]:
                store.audit_many(
                    "invoice.pay",
                    "invoice",
                    [(a[1], a[2]) for a in audits[start:index]],
                    audits[start][0],
                )
                start = index


def _state(invoice: Invoice) -> dict:
    """What the audit trail keeps of an invoice before and after a correction."""
    return {
        "status": invoice.status,
        "paid": money.as_str(invoice.paid),
        "credited": money.as_str(invoice.credited),
        "due": money.as_str(invoice.due),
    }


def _open_for_correction(store: Store, number: str, what: str) -> tuple:
    """The invoice row and record a correction applies to: an invoice (not a credit
    note) that is not cancelled."""
    row = _row(store, number)
    invoice = _from_row(store, row)
    if invoice.kind != "invoice":
        raise StateError(f"{invoice.number} is a credit note: cannot {what}")
    if invoice.status == "cancelled":
        raise StateError(
            f"invoice {invoice.number} is already cancelled (credit note {invoice.credited_by}): "
            f"cannot {what}"
        )
    return row, invoice


def _not_before_issue(invoice: Invoice, what: str, date: dt.date) -> None:
    if date.isoformat() < invoice.issued_on:
        raise ValidationError(
            f"{what} dated {date} is before the invoice was issued ({invoice.issued_on})"
        )


def _credit_note(
    store: Store,
    row,
    invoice: Invoice,
    amount: Decimal,
    label: str,
    *,
    partial: bool,
    date: dt.date,
) -> int:
    """Issue a credit note on `invoice` for `amount` (stored negative), numbered in the
    AV series; it names the buyer of the invoice it credits."""
    return _insert(
        store,
        "credit",
        {
            "purpose": row["purpose"],
            "candidate_id": row["candidate_id"],
            "certificate_id": row["certificate_id"],
            "dossier_id": row["dossier_id"],
            "label": label,
            "amount": money.as_str(-amount),
            "due_on": None,
            "status": "applied",
            "dues_year": row["dues_year"],
            "credit_for": invoice.id,
            "partial": int(partial),
            "unit_price": row["unit_price"],
            "prorata_months": row["prorata_months"],
            "vat_rate": row["vat_rate"],
            **{k: row[k] for k in row.keys() if k.startswith("buyer_")},
        },
        date,
    )


def cancel(store: Store, number: str, *, reason: str, date: dt.date) -> tuple[Invoice, Invoice]:
    """Cancel an invoice on which no money is kept (nothing paid, or every payment
    refunded) by a credit note of what it still bills (its amount less any partial
    credit note).

    Returns (the cancelled invoice, the credit note).
    """
    reason = validators.reason(reason, required="a cancellation needs --reason")
    with store.transaction():
        row, invoice = _open_for_correction(store, number, "cancel it")
        if money.to_decimal(invoice.paid) > 0:
            raise StateError(
                f"invoice {invoice.number} has {invoice.paid} paid: an invoice with money "
                f"kept on it cannot be cancelled (refund it first: certcli invoice refund "
                f"{invoice.number} --amount {invoice.paid} --method … --reason …)"
            )
        _not_before_issue(invoice, "cancellation", date)
        left = money.to_decimal(invoice.amount) - money.to_decimal(invoice.credited)
        credit_id = _credit_note(
            store,
            row,
            invoice,
            left,
            f"Avoir sur la facture {invoice.number} : {reason}",
            partial=False,
            date=date,
        )
        store.update("invoices", row["id"], {"status": "cancelled", "cancel_reason": reason})
        credit = _from_row(store, store.invoice_by_id(credit_id))
        after = get(store, invoice.number)
        store.audit(
            "invoice.cancel",
            "invoice",
            invoice.number,
            {
                "number": invoice.number,
                "reason": reason,
                "credit_note": credit.number,
                "before": _state(invoice),
                "after": _state(after),
            },
            date,
        )
    return after, credit


def refund(
    store: Store,
    number: str,
    amount: str,
    *,
    method: str,
    reason: str,
    reference: str | None = None,
    date: dt.date,
) -> Invoice:
    """Record money paid back on an invoice: a new payment row of kind 'refund',
    stored negative (never a rewrite of the payment). More than was kept on the
    invoice by `date` is refused. A paid invoice that owes again is open again, so
    `invoice list --unpaid` and the reminders follow; cancel it by a credit note
    once every payment is refunded."""
    method = money.payment_method(method)
    value = money.parse_amount(amount)
    reason = validators.reason(reason, required="a refund needs --reason")
    reference = validators.text(reference, "reference")
    with store.transaction():
        row, invoice = _open_for_correction(store, number, "refund it")
        _not_before_issue(invoice, "refund", date)
        payments = _payments(store, [row])[row["id"]]
        kept = sum(
            (money.to_decimal(p["amount"]) for p in payments if p["paid_on"] <= date.isoformat()),
            money.ZERO,
        )
        if value > kept:
            raise ValidationError(
                f"refund refused: {money.as_str(value)} is more than the {money.as_str(kept)} "
                f"paid on invoice {invoice.number} by {date.isoformat()}"
            )
        store.insert(
            "payments",
            {
                "invoice_id": invoice.id,
                "amount": money.as_str(-value),
                "method": method,
                "reference": reference,
                "paid_on": date.isoformat(),
                "kind": "refund",
                "reason": reason,
            },
        )
        if invoice.status == "paid":
            store.update("invoices", row["id"], {"status": "open"})
        after = get(store, invoice.number)
        details: dict[str, Any] = {"number": invoice.number, "amount": money.as_str(value)}
        details["method"] = method
        details["reason"] = reason
        if reference:
            details["reference"] = reference
        details.update(before=_state(invoice), after=_state(after))
        store.audit("invoice.refund", "invoice", invoice.number, details, date)
    return after


def credit(
    store: Store, number: str, amount: str, *, reason: str, date: dt.date
) -> tuple[Invoice, Invoice]:
    """A partial credit note (a commercial gesture): what the invoice bills is lowered
    by `amount`, by a credit note of its own (AV series, stored negative). It takes
    off what is still owed, no more (money already received is refunded first); the
    whole of what is owed, with nothing paid, is a cancellation (`cancel`). An
    invoice whose balance the credit clears is paid.

    Returns (the invoice as corrected, the credit note)."""
    value = money.parse_amount(amount)
    reason = validators.reason(reason, required="a credit note needs --reason")
    with store.transaction():
        row, invoice = _open_for_correction(store, number, "credit it")
        _not_before_issue(invoice, "credit note", date)
        due = money.to_decimal(invoice.due)
        if invoice.status != "open" or due <= 0:
            raise StateError(
                f"invoice {invoice.number} is {invoice.status}: nothing is owed to credit "
                "(refund the payer first)"
            )
        if value > due:
            raise ValidationError(
                f"credit note refused: {money.as_str(value)} is more than the "
                f"{money.as_str(due)} left to pay on invoice {invoice.number}"
            )
        if value == due and money.to_decimal(invoice.paid) == 0:
            raise ValidationError(
                f"a credit note of the whole {money.as_str(due)} cancels invoice "
                f"{invoice.number}: use certcli invoice cancel {invoice.number} --reason …"
            )
        credit_id = _credit_note(
            store,
            row,
            invoice,
            value,
            f"Avoir partiel sur la facture {invoice.number} : {reason}",
            partial=True,
            date=date,
        )
        if value == due:
            store.update("invoices", row["id"], {"status": "paid"})
        note = _from_row(store, store.invoice_by_id(credit_id))
        after = get(store, invoice.number)
        store.audit(
            "invoice.credit",
            "invoice",
            invoice.number,
            {
                "number": invoice.number,
                "amount": money.as_str(value),
                "reason": reason,
                "credit_note": note.number,
                "before": _state(invoice),
                "after": _state(after),
            },
            date,
        )
    return after, note


BILL_TO = ("candidate", "employer")


PAYERS = BILL_TO


def buyer_columns(store: Store, candidate_id: int, payer: str) -> dict:
    """The buyer columns (buyer_*) of an invoice billed to the candidate, or to the
    company they are linked to (`payer` employer): the company's name, SIRET and
    address, for the attention of the candidate. Refused when the candidate has no
    linked company, or the company lacks what an invoice must name (its address)."""
    from certcli.domain import companies
    from certcli.rules.validators import choice

    payer = choice(payer, PAYERS, "payer")
    buyer = store.invoice_buyer(candidate_id)
    person = store.candidate(candidate_id)
    if buyer is None or person is None:
        raise NotFound(f"no candidate with id {candidate_id}")
    if payer == "employer":
        if person["employer_id"] is None:
            raise ValidationError(
                f"payer employer: candidate {candidate_id} is linked to no company; link "
                f"them with `certcli candidate edit {candidate_id} --employer-id ID` "
                "(certcli company add registers the company)"
            )
        company = companies.billable(store, person["employer_id"])
        return {
            **buyer,
            "buyer_address": company.address,
            "buyer_postcode": company.postcode,
            "buyer_city": company.city,
            "buyer_company": company.name,
            "buyer_siret": company.siret,
            "buyer_company_id": company.id,
        }
    return {**buyer, "buyer_company": None, "buyer_siret": None, "buyer_company_id": None}


def reissue(
    store: Store, number: str, *, bill_to: str, reason: str, date: dt.date
) -> tuple[Invoice, Invoice, Invoice]:
    """Cancel an invoice by a credit note and issue the corrected one for the same
    object (purpose, certificate, dossier, dues year, months, label), billed to the
    candidate or their employer, for what the old one still billed; the new invoice
    names the one it replaces. One transaction: both numbers are taken in their
    series and in date order, or neither.

    Returns (the cancelled invoice, its credit note, the new invoice)."""
    reason = validators.reason(reason, required="a reissue needs --reason")
    bill_to = validators.choice(bill_to, BILL_TO, "bill-to")
    with store.transaction():
        row, invoice = _open_for_correction(store, number, "reissue it")
        body = body_of(store, dossier_id=row["dossier_id"], certificate_id=row["certificate_id"])
        body.check_numbers()
        buyer = buyer_columns(store, row["candidate_id"], bill_to)
        billed = money.to_decimal(invoice.amount) - money.to_decimal(invoice.credited)
        cancelled, note = cancel(store, invoice.number, reason=reason, date=date)
        new_id = _insert(
            store,
            "invoice",
            {
                "purpose": row["purpose"],
                "candidate_id": row["candidate_id"],
                "certificate_id": row["certificate_id"],
                "dossier_id": row["dossier_id"],
                "label": row["label"],
                "amount": money.as_str(billed),
                "due_on": due_on(body, date),
                "status": "open",
                "dues_year": row["dues_year"],
                "prorata_months": row["prorata_months"],
                "unit_price": row["unit_price"],
                "vat_rate": vat_rate(body, row["purpose"]),
                "replaces": invoice.id,
                **buyer,
            },
            date,
        )
        new = _from_row(store, store.invoice_by_id(new_id))
        store.audit(
            "invoice.reissue",
            "invoice",
            invoice.number,
            {
                "number": invoice.number,
                "reason": reason,
                "credit_note": note.number,
                "replacement": new.number,
                "before": {"bill_to": invoice.bill_to, "buyer": invoice.company or invoice.holder},
                "after": {"bill_to": new.bill_to, "buyer": new.company or new.holder},
            },
            date,
        )
    return get(store, cancelled.number), note, get(store, new.number)


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
