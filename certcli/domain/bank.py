"""Bank statements (issue 13): a CAMT.053 statement (camt.py) or a bank's CSV export
(bank_csv.py, the body file's [bank.csv] mapping) imported, each credit matched to
the invoice it pays, and the payments recorded by `invoices.pay_many` (the one
payment rule, `invoice pay`'s, for the whole statement at once: method virement, the
bank's reference, the booking date).

Matching one credit transaction (`match_line`):
1. an invoice number in the remittance information (F-2026-00012 in any case, with
   any separator or none: f2026 00012, F202600012, F-2026-12);
2. else the one open invoice whose amount left to pay is exactly the amount and
   whose buyer (the holder, or the paying company) is named in the debtor's name,
   accents, case and punctuation ignored, first name and last name in either order.
Only an exact payment of what is left to pay is recorded. Anything else (two
invoices possible, less or more than is due, an invoice paid already, a currency
other than EUR, a return, nobody found) records no payment: the entry is kept
unmatched with its reason, for `bank match` by hand. Debit entries (other than
returns) and entries not booked are not the body's income: they are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import money, validators

if TYPE_CHECKING:
    from certcli.domain.camt import Line
    from certcli.store import Store

# What a bank entry is and where it stands (bank_entries.kind, .status; m023).
KINDS = ("credit", "return")
STATUSES = ("matched", "unmatched")

# F, the year, the sequence: any separator (or none) between them; without a
# separator the sequence has its five digits (F202600012).
_NUMBER = re.compile(
    r"(?<![A-Z0-9])F(?:[\s\-_./:#]*(\d{4})[\s\-_./:#]+(\d{1,5})|(\d{4})(\d{5}))(?!\d)"
)


def invoice_numbers(text: str | None) -> list[str]:
    """The invoice numbers named in a remittance text, as F-YYYY-NNNNN, in order."""
    found: list[str] = []
    for m in _NUMBER.finditer(validators.fold(text or "").upper()):
        year, seq = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        number = f"F-{year}-{int(seq):05d}"
        if number not in found:
            found.append(number)
    return found


def _key(text: str) -> str:
    return validators.name_key("", text)


def _spans(name: str) -> set[str]:
    """Every run of consecutive words of a (debtor) name: a buyer named in it is one."""
    words = _key(name).split()[:12]
    return {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


@dataclass
class _Open:
    """An open invoice as matching sees it (its balance kept up to date)."""

    id: int
    number: str
    due: Decimal
    issued_on: str
    names: tuple[str, ...]  # the buyer's name keys (name_key)
    open: bool = True


@dataclass
class Result:
    matched: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    already: int = 0
    ignored: int = 0
    returned: list[dict] = field(default_factory=list)  # direct debits returned (issue 13)
    version: str = ""
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {
            "matched": self.matched,
            "unmatched": self.unmatched,
            "already": self.already,
            "ignored": self.ignored,
            "returned": self.returned,
            "version": self.version,
            "dry_run": self.dry_run,
        }


class _Book:
    """The open invoices, by number and by amount left to pay."""

    def __init__(self, store: Store):
        from certcli.domain.invoices import balance

        self.by_number: dict[str, _Open] = {}
        self.by_name: dict[str, list[_Open]] = {}
        self.settled: set[str] = set()
        for row in store.bank_open_invoices():
            due = balance(
                row["amount"],
                (row["paid_list"] or "").split(),
                kind=row["kind"],
                status=row["status"],
                credits=(row["credits_list"] or "").split(),
            ).due
            names: tuple[str, ...]
            if row["buyer_company"]:
                names = (_key(row["buyer_company"]),)
            else:
                first, last = row["buyer_first_name"] or "", row["buyer_last_name"] or ""
                names = (_key(f"{first} {last}"), _key(f"{last} {first}"))
            found = _Open(
                row["id"],
                row["number"],
                money.cents(due),
                row["issued_on"],
                tuple(dict.fromkeys(n for n in names if n)),
            )
            self.by_number[found.number] = found
            for name in found.names:
                self.by_name.setdefault(name, []).append(found)

    def named(self, debtors: tuple[str, ...]) -> list[_Open]:
        """The open invoices whose buyer is named in one of the debtor names."""
        spans = set().union(*(_spans(d) for d in debtors))
        found = {i.id: i for s in spans for i in self.by_name.get(s, ()) if i.open}
        return sorted(found.values(), key=lambda i: i.id)

    def paid(self, invoice: _Open) -> None:
        """Paid by a line of this statement (its payment recorded with the others')."""
        invoice.open = False
        del self.by_number[invoice.number]
        self.settled.add(invoice.number)


def match_line(store: Store, book: _Book, line: Line) -> tuple[_Open | None, str | None]:
    """(the invoice the line pays, None) or (None, the reason it pays none)."""
    amount = money.cents(line.amount)
    if line.return_code:
        return None, f"return (reason {line.return_code}): not a payment"
    if line.currency != "EUR":
        return None, f"amount in {line.currency or 'no currency'}, invoices are in EUR"
    numbers = invoice_numbers(" ".join(x for x in (line.remittance, line.end_to_end) if x))
    named = [book.by_number[n] for n in numbers if n in book.by_number]
    if len(named) > 1:
        return None, "ambiguous: the remittance names " + ", ".join(i.number for i in named)
    if named:
        return _exact(named[0], amount, line, "named in the remittance")
    for number in numbers:
        if number in book.settled:
            return None, f"the remittance names {number}, which is paid"
        row = store.invoice(number)
        if row is not None and row["kind"] == "invoice":
            return None, f"the remittance names {number}, which is {row['status']}"
    if not line.names:
        unknown = f" (it names {', '.join(numbers)}, no such invoice)" if numbers else ""
        return None, f"no invoice number in the remittance and no debtor name{unknown}"
    others = book.named(line.names)
    candidates = [i for i in others if i.due == amount]
    if len(candidates) == 1:
        return _exact(candidates[0], amount, line, "")
    who = line.debtor or line.names[0]
    if len(candidates) > 1:
        return None, (
            f"ambiguous: {len(candidates)} open invoices of {money.as_str(amount)} for {who}: "
            + ", ".join(i.number for i in candidates[:5])
        )
    if others:
        listed = ", ".join(f"{i.number} ({money.as_str(i.due)} due)" for i in others[:5])
        return None, f"{money.as_str(amount)} is not what is left to pay by {who}: {listed}"
    unknown = f"; it names {', '.join(numbers)}, no such invoice" if numbers else ""
    return None, f"no invoice number in the remittance, no open invoice for {who}{unknown}"


def _exact(
    invoice: _Open, amount: Decimal, line: Line, how: str
) -> tuple[_Open | None, str | None]:
    label = f"{invoice.number}{' ' + how if how else ''}"
    if line.booked_on < invoice.issued_on:
        return None, f"{label} was issued on {invoice.issued_on}, after the booking"
    if amount < invoice.due:
        return (
            None,
            f"partial: {money.as_str(amount)} of the {money.as_str(invoice.due)} due on {label}",
        )
    if amount > invoice.due:
        return None, (
            f"overpaying: {money.as_str(amount)} for the {money.as_str(invoice.due)} due on {label}"
        )
    return invoice, None


class _DryRun(Exception):
    pass


FORMATS = ("camt", "csv")


def read_statement(
    path: Path, *, format: str | None = None, body: str | None = None
) -> tuple[str, list[Line]]:
    """(version, lines) of a statement: CAMT.053, or a CSV read with a body's
    `[bank.csv]` mapping; without `format`, an XML file is CAMT, anything else CSV."""
    from certcli.domain import bank_csv, camt

    if format is not None and format not in FORMATS:
        raise ValidationError(f"--format must be {' or '.join(FORMATS)}, not {format!r}")
    if format is None:
        try:
            with path.open("rb") as handle:
                start = handle.read(512)
        except IsADirectoryError:
            raise ValidationError(f"{path.name} is a folder, not a bank statement file") from None
        except FileNotFoundError:
            raise ValidationError(f"no file {path}") from None
        format = "camt" if bank_csv.looks_like_xml(start) else "csv"
    if format == "camt":
        return camt.read(path)
    return bank_csv.read(path, bank_csv.body_mapping(body))


def import_statement(
    store: Store,
    path: Path,
    *,
    date: dt.date,
    dry_run: bool = False,
    format: str | None = None,
    body: str | None = None,
) -> Result:
    """Import a statement (CAMT.053 or a mapped CSV) in one transaction (none
    written with `dry_run`)."""
    from certcli.domain import debits, invoices

    version, lines = read_statement(path, format=format, body=body)
    result = Result(version=version, dry_run=dry_run)
    try:
        with store.transaction():
            known = store.bank_known([line.reference for line in lines])
            book = _Book(store)
            collections = debits.Collections(store)
            rows, payments = [], []
            for line in lines:
                if not line.booked or (not line.credit and not line.return_code):
                    result.ignored += 1
                    continue
                if line.reference in known:
                    result.already += 1
                    continue
                known.add(line.reference)
                amount = money.as_str(line.amount if line.credit else -line.amount)
                debit = collections.line(store, book, line, date=date)
                method = "virement"
                if debit is not None and debit[0] == "returned":
                    _, item, reason = debit
                    result.returned.append(
                        {
                            "entry": line.reference,
                            "invoice": item["invoice"],
                            "amount": amount,
                            "reason": line.return_code,
                        }
                    )
                    rows.append(
                        {
                            **_row(store, line, amount, None, reason, date),
                            "status": "matched",
                            "invoice_id": item["invoice_id"],
                            "matched_on": date.isoformat(),
                        }
                    )
                    continue
                if debit is not None and debit[0] == "collected":
                    invoice, reason = _exact(debit[1], money.cents(line.amount), line, "")
                    method = "prelevement"
                elif debit is not None:
                    invoice, reason = None, debit[2]
                else:
                    invoice, reason = match_line(store, book, line)
                if invoice is not None:
                    payments.append(
                        invoices.Payment(
                            invoice.number,
                            amount,
                            method,
                            line.reference,
                            dt.date.fromisoformat(line.booked_on),
                        )
                    )
                    book.paid(invoice)
                    result.matched.append(
                        {"entry": line.reference, "invoice": invoice.number, "amount": amount}
                    )
                else:
                    result.unmatched.append(
                        {"entry": line.reference, "amount": amount, "reason": reason}
                    )
                rows.append(_row(store, line, amount, invoice, reason, date))
            if rows:  # a statement imported again records nothing, not even its audit line
                # the one payment rule, every payment of the statement at once
                invoices.pay_many(store, payments)
                # the direct debits returned, once their collections are recorded
                collections.record_returns(store, date=date)
                store.insert_many("bank_entries", rows)
                store.audit(
                    "bank.import",
                    "bank",
                    path.name,
                    {
                        "file": path.name,
                        "version": version,
                        "matched": len(result.matched),
                        "unmatched": len(result.unmatched),
                        "already": result.already,
                    },
                    date,
                )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def _row(store: Store, line: Line, amount: str, invoice, reason, date: dt.date) -> dict:
    return {
        "reference": line.reference,
        "kind": "return" if line.return_code else "credit",
        "booked_on": line.booked_on,
        "amount": amount,
        "currency": line.currency,
        "debtor": line.debtor,
        "remittance": line.remittance,
        "end_to_end": line.end_to_end,
        "return_code": line.return_code,
        "account": line.account,
        "status": "matched" if invoice is not None else "unmatched",
        "reason": reason,
        "invoice_id": invoice.id if invoice is not None else None,
        "imported_on": date.isoformat(),
        "matched_on": date.isoformat() if invoice is not None else None,
        "actor": store.actor,
    }


def entry_dict(row) -> dict:
    """An entry as `bank unmatched --json` lists it."""
    return {
        "entry": row["reference"],
        "kind": row["kind"],
        "booked_on": row["booked_on"],
        "amount": row["amount"],
        "debtor": row["debtor"],
        "remittance": row["remittance"],
        "reason": row["reason"],
    }


def unmatched(store: Store) -> list[dict]:
    return [entry_dict(row) for row in store.bank_unmatched()]


def match(store: Store, reference: str, number: str, *, date: dt.date) -> dict:
    """Settle an unmatched entry by hand: its amount is recorded as a payment of
    invoice `number` (invoices.pay: booking date, virement, the bank reference). Less
    than is left to pay is a partial payment (the secretariat decided); more is
    refused, as an overpayment; a return or an entry matched already is refused."""
    from certcli.domain import invoices

    reference = validators.text(reference, "entry") or ""
    with store.transaction():
        row = store.bank_entry(reference.strip())
        if row is None:
            raise NotFound(f"no bank entry {reference!r} (bank unmatched lists them)")
        if row["status"] == "matched":
            raise StateError(
                f"bank entry {row['reference']} is already matched to {row['invoice']}"
            )
        if row["kind"] == "return":
            raise StateError(
                f"bank entry {row['reference']} is a return (reason {row['return_code']}), "
                "not a payment: it cannot settle an invoice"
            )
        if row["booked_on"] > date.isoformat():
            raise ValidationError(
                f"bank entry {row['reference']} was booked on {row['booked_on']}, after {date}"
            )
        paid = invoices.pay(
            store,
            number,
            row["amount"],
            method="virement",
            reference=row["reference"],
            date=dt.date.fromisoformat(row["booked_on"]),
        )
        store.update(
            "bank_entries",
            row["id"],
            {"status": "matched", "invoice_id": paid.id, "matched_on": date.isoformat()},
        )
        store.audit(
            "bank.match",
            "bank",
            row["reference"],
            {
                "entry": row["reference"],
                "invoice": paid.number,
                "amount": row["amount"],
                "reason_unmatched": row["reason"],
            },
            date,
        )
    return {
        "entry": row["reference"],
        "invoice": paid.number,
        "amount": row["amount"],
        "status": paid.status,
        "due": money.as_str(paid.due),
    }
