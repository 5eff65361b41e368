"""The accountant's journal of a year (issue 12): every invoice, credit note, payment
and refund as balanced double entries, written as the French Fichier des Écritures
Comptables (FEC, article A47 A-1 du livre des procédures fiscales) by
certcli.domain.exports.fec_text.

The entries, each balanced (debits = credits):
- an invoice (journal VT, ventes): debit the customer account (411, with the buyer's
  auxiliary account), credit the revenue account of what it bills (dues, instruction
  fee: the body's [accounts]) and, for a body liable to VAT, the VAT collected;
- a credit note: the same accounts, the other way round, amounts positive;
- a payment (journal BQ, banque): debit the bank, credit the customer; a refund the
  other way round. An instruction fee paid on a dossier without an invoice (a
  dossier of before fee invoices) credits the fee's revenue account directly.
Entries are numbered on one continuous sequence in date order (EcritureNum), dated
on the day of their piece, validated that day (ValidDate: an issued invoice and a
recorded payment are never changed). The customer lines of an invoice issued in the
year and of what settled it within the year are lettered together when they balance
(EcritureLet A, B, ..., DateLet the day of the last).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.records import dataclass, replace
from certcli.rules import money

if TYPE_CHECKING:
    from certcli.rules.bodies import Accounts
    from certcli.store import Store


# The 18 fields of the FEC, in the official order (A47 A-1, I).
FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)

# The accounts' labels (CompteLib): the body file gives the codes ([accounts]).
LABELS = {
    "customers": "Clients",
    "bank": "Banque",
    "vat_collected": "TVA collectée",
    "revenue_dues": "Cotisations",
    "revenue_instruction": "Prestations de services",
}
DUES_PURPOSES = frozenset({"dues-prorata", "dues-call"})


@dataclass(frozen=True)
class Line:
    journal: str
    journal_label: str
    number: int  # EcritureNum
    date: dt.date  # EcritureDate, PieceDate and ValidDate
    account: str
    account_label: str
    aux: str  # CompAuxNum (the customer's account, on customer lines only)
    aux_label: str
    piece: str  # PieceRef
    label: str  # EcritureLib
    debit: Decimal
    credit: Decimal
    invoice_id: int | None = None  # the invoice a customer line settles (lettering)
    piece_kind: str = ""  # invoice, credit or money: what the entry records
    lettered: str = ""  # EcritureLet
    lettered_on: dt.date | None = None  # DateLet

    def row(self) -> list:
        return [
            self.journal,
            self.journal_label,
            str(self.number),
            self.date,
            self.account,
            self.account_label,
            self.aux,
            self.aux_label,
            self.piece,
            self.date,
            self.label,
            self.debit,
            self.credit,
            self.lettered,
            self.lettered_on,
            self.date,
            "",
            "",
        ]


def accounts_of(scheme_code: str | None) -> Accounts:
    """The account codes and journals of the body of a scheme ([accounts])."""
    from certcli.domain import invoices

    return invoices.body_of_scheme(scheme_code).accounts


def _account(accounts: Accounts, key: str) -> tuple[str, str]:
    return getattr(accounts, key), LABELS[key]


def _fee_kind(purpose: str) -> str:
    """The fee kind of an invoice's purpose, as the body's VAT rates name them."""
    return "dues" if purpose in DUES_PURPOSES else "instruction"


def _customer(candidate_id: int | None, company: str | None, siret: str | None, name: str):
    """The auxiliary account of a buyer: the company by its SIRET, else the person."""
    if company:
        return (f"E{siret}" if siret else f"E{candidate_id:06d}"), company
    return f"C{candidate_id:06d}", name


def _revenue(accounts: Accounts, purpose: str) -> tuple[str, str]:
    return _account(accounts, f"revenue_{_fee_kind(purpose)}")


def _vat(row) -> Decimal:
    """The VAT an invoice or credit note contains (its amount includes it), at the rate
    frozen on it at issue (invoices.vat_rate; none: the body's VAT exemption)."""
    rate = row["vat_rate"]
    if rate is None or not money.to_decimal(rate):
        return money.ZERO
    return money.vat_included(abs(money.to_decimal(row["amount"])), rate)


def _piece_entries(row) -> list[tuple]:
    """(account key or (code, label), debit, credit, customer line?) of one invoice or
    credit note."""
    amount = abs(money.to_decimal(row["amount"]))
    vat = _vat(row)
    invoice = row["kind"] == "invoice"
    lines = [("customers", amount if invoice else money.ZERO, money.ZERO if invoice else amount)]
    net = amount - vat
    lines.append(("revenue", money.ZERO if invoice else net, net if invoice else money.ZERO))
    if vat:
        lines.append(
            ("vat_collected", money.ZERO if invoice else vat, vat if invoice else money.ZERO)
        )
    return lines


def journal(store: Store, year: int) -> Iterator[Line]:
    """Every entry of `year`: invoices and credit notes issued, payments and refunds
    dated in it, in date order (on a same day: invoices, credit notes, then money).
    Two passes over the year's rows as they come (never the journal in memory): one
    to find the lettering (a few figures per invoice), one to write the lines."""
    letters = _letters(_lines(store, year))
    for line in _lines(store, year):
        found = letters.get(line.invoice_id) if line.invoice_id is not None else None
        if found:
            code, day = divmod(found, _DAY)
            line = replace(line, lettered=_letter_code(code), lettered_on=dt.date.fromordinal(day))
        yield line


def _lines(store: Store, year: int) -> Iterator[Line]:
    import heapq

    pieces = ((row["issued_on"], 0, row) for row in store.year_invoices(year))
    payments = ((row["paid_on"], 1, row) for row in store.year_payments(year))
    # Each stream is in date order already; merged stably, a day's pieces first.
    events = heapq.merge(pieces, payments, key=lambda e: (e[0], e[1]))
    for number, (_, what, row) in enumerate(events, 1):
        yield from _piece(row, number) if what == 0 else _money(row, number)


def _letter_code(n: int) -> str:
    """A, B, ... Z, AA, AB, ...: the n-th lettering code (from 1)."""
    code = ""
    while n:
        n, rest = divmod(n - 1, 26)
        code = chr(ord("A") + rest) + code
    return code


# The first pass keeps, for each invoice of the year, four figures packed in one int
# (a year of a few hundred thousand invoices in a few tens of MB, not hundreds): the
# balance of its customer lines in cents (debit less credit), the day of the last one
# (a date's ordinal, below _DAY), how many lines (below _SIZE), and whether the
# invoice itself was issued in the year (the lowest bit).
_DAY = 1 << 20  # date.toordinal() is under it until the year 2870
_SIZE = 1 << 20


def _letters(lines: Iterable[Line]) -> dict[int, int]:
    """Lettering (EcritureLet, DateLet): the customer lines of an invoice issued in
    the year and of everything that settled it in the same year (payments, refunds,
    credit notes) share a code when they balance, the day of the last of them. For
    each invoice, the number of its code (codes given in the order the invoices first
    appear) times _DAY plus that day's ordinal; 0 when it is not lettered."""
    groups: dict[int, int] = {}
    for line in lines:
        if line.invoice_id is None:
            continue
        cents = (line.debit - line.credit) * 100
        if cents != int(cents):
            raise ValueError(f"an amount finer than a cent in piece {line.piece}")
        day = line.date.toordinal()
        issued = int(line.piece_kind == "invoice")
        packed = groups.get(line.invoice_id)
        if packed is None:
            balance, last, size, was_issued = 0, day, 0, 0
        else:
            rest, was_issued = divmod(packed, 2)
            rest, size = divmod(rest, _SIZE)
            balance, last = divmod(rest, _DAY)
        balance += int(cents)
        groups[line.invoice_id] = ((balance * _DAY + max(last, day)) * _SIZE + size + 1) * 2 + (
            was_issued | issued
        )
    count = 0
    for invoice_id, packed in groups.items():
        rest, in_year = divmod(packed, 2)
        rest, size = divmod(rest, _SIZE)
        balance, last = divmod(rest, _DAY)
        if not in_year or balance or size < 2:
            groups[invoice_id] = 0
            continue
        count += 1
        groups[invoice_id] = count * _DAY + last
    return groups


def _piece(row, number: int) -> Iterator[Line]:
    accounts = accounts_of(row["scheme"])
    name = " ".join(p for p in (row["buyer_first_name"], row["buyer_last_name"]) if p)
    aux, aux_label = _customer(row["candidate_id"], row["buyer_company"], row["buyer_siret"], name)
    label = (
        row["label"]
        if row["kind"] == "invoice"
        else f"Avoir {row['number']} sur {row['credit_for_number'] or ''}".strip()
    )
    date = dt.date.fromisoformat(row["issued_on"])
    for key, debit, credit in _piece_entries(row):
        code, account_label = (
            _revenue(accounts, row["purpose"]) if key == "revenue" else _account(accounts, key)
        )
        customer = key == "customers"
        yield Line(
            accounts.sales_journal,
            accounts.sales_journal_label,
            number,
            date,
            code,
            account_label,
            aux if customer else "",
            aux_label if customer else "",
            row["number"],
            label,
            debit,
            credit,
            invoice_id=(row["id"] if row["kind"] == "invoice" else row["credit_for"])
            if customer
            else None,
            piece_kind=row["kind"],
        )


def _money(row, number: int) -> Iterator[Line]:
    accounts = accounts_of(row["scheme"])
    amount = money.to_decimal(row["amount"])
    refund = amount < 0 or row["kind"] == "refund"
    value = abs(amount)
    candidate_id = row["invoice_candidate"] or row["dossier_candidate"]
    if row["invoice_number"]:
        name = " ".join(p for p in (row["buyer_first_name"], row["buyer_last_name"]) if p)
        aux, aux_label = _customer(candidate_id, row["buyer_company"], row["buyer_siret"], name)
        other = _account(accounts, "customers")
        what = row["invoice_number"]
    else:  # an instruction fee paid on a dossier, without an invoice
        name = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
        aux, aux_label = "", ""
        other = _revenue(accounts, "instruction-fee")
        what = f"dossier {row['dossier_ref']}"
    piece = row["reference"] or row["invoice_number"] or row["dossier_ref"]
    verb = "Remboursement" if refund else "Règlement"
    label = f"{verb} {what} {row['method']}" + (f" ({name})" if not row["invoice_number"] else "")
    date = dt.date.fromisoformat(row["paid_on"])
    bank = _account(accounts, "bank")
    customer = other == _account(accounts, "customers")
    bank_line = (bank, money.ZERO, value) if refund else (bank, value, money.ZERO)
    other_line = (other, value, money.ZERO) if refund else (other, money.ZERO, value)
    for (code, account_label), debit, credit in (bank_line, other_line):
        on_customer = customer and code == other[0] and (code, account_label) == other
        yield Line(
            accounts.bank_journal,
            accounts.bank_journal_label,
            number,
            date,
            code,
            account_label,
            aux if on_customer else "",
            aux_label if on_customer else "",
            str(piece),
            label,
            debit,
            credit,
            invoice_id=row["invoice_id"] if on_customer else None,
            piece_kind="money",
        )


def fec_table(store: Store, year: int):
    """The year's journal as an exports.Table of the 18 FEC fields."""
    from certcli.domain import exports

    return exports.Table(FEC_COLUMNS, (line.row() for line in journal(store, year)), title="FEC")
