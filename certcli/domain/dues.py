"""Annual dues: the prorata owed at a grant (spec §6) and the yearly call.

Who pays what for a year: a certificate valid on 1 January pays the full year
through that year's call (`dues call --year Y`); a certificate that starts during
the year (a first grant, an extension into another scheme, a renewal after a lapse
across 1 January) pays the prorata of the months left, invoiced with the decision.
A renewal that continues the certificate (granted on or before valid_until) pays
no prorata: it was valid on 1 January, the call covers it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Generator
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import certificates, invoices
from certcli.errors import ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import money, schemes

if TYPE_CHECKING:
    from certcli.store import Store


BATCH = 1000  # holders invoiced together by the annual call (a batch: about 6 MB)
KEPT = 50  # invoices of a call kept as written, for its table (certcli.cli.dues.SHOWN)


@dataclass
class Prorata:
    """The dues owed for the rest of a year (`dues prorata --json`)."""

    months: int
    amount: Decimal  # printed '300.00'

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Called:
    """One invoice of the annual call."""

    number: str
    certificate: str
    candidate_id: int
    holder: str
    amount: Decimal

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DuesCall:
    """What `dues call` invoiced (`--json`); amounts are Decimals until printed.

    "invoiced" is not a list: the invoices of a big call are not held, they are
    read back from the database each time it is iterated, in number order (`Issued`);
    `first` keeps the first ones for the table."""

    year: int
    invoiced: Issued
    total: Decimal
    already_invoiced: int  # certificates valid on 1 January that had their dues already
    first: list[Called]  # the first KEPT invoices, as written

    @property
    def count(self) -> int:
        return len(self.invoiced)

    def to_dict(self, *, stream: bool = False) -> dict:
        """As JSON; with `stream`, "invoiced" is an iterator of the invoices' records
        (read and made one at a time as they are printed, not a list of them all)."""
        records = (i.to_dict() for i in self.invoiced)
        return {
            "year": self.year,
            "invoiced": records if stream else list(records),
            "count": self.count,
            "total": self.total,
            "already_invoiced": self.already_invoiced,
        }


class Issued:
    """The invoices a call issued, numbers `first` to `last` of `year`'s series (the
    call numbers its invoices consecutively, in its one transaction): iterated, they
    are read from the database as they come, never all held; their count is known."""

    def __init__(self, store: Store | None, year: int, first: int, last: int) -> None:
        self.store, self.year, self.first, self.last = store, year, first, last

    def __len__(self) -> int:
        return self.last - self.first + 1 if self.store is not None else 0

    def __iter__(self) -> Generator[Called, None, None]:
        if self.store is None:
            return
        sql, params = self.store.series_invoices_sql(self.year, self.first, self.last)
        for row in self.store.stream(sql, params):
            yield _called(row, row["certificate"])


def _called(invoice, certificate: str) -> Called:
    """One invoice of the call: a row just written, or read back."""
    return Called(
        invoice["number"],
        certificate,
        invoice["candidate_id"],
        invoices.holder(invoice),
        money.to_decimal(invoice["amount"]),
    )


def prorata(amount: str, date: dt.date, mode: str = "current_month") -> Prorata:
    """Annual x months remaining / 12, half-up to the cent."""
    months, value = money.prorata(money.parse_amount(amount, allow_zero=True), date, mode)
    return Prorata(months, value)


def invoice_grant(
    store: Store,
    *,
    scheme,
    candidate_id: int,
    certificate_id: int,
    dossier_id: int,
    date: dt.date,
    issued_on: dt.date | None = None,
    payer: str = "candidate",
) -> invoices.Invoice | None:
    """The prorated dues of the decision year (months counted from the decision
    `date`), issued on `issued_on` (default: the decision date) to `payer` (the
    dossier's); none when nothing is owed (CQPT) or the certificate already has its
    dues for that year."""
    months, amount = money.prorata(scheme.annual_dues, date, scheme.prorata)
    if amount <= 0 or store.dues_invoiced(certificate_id, date.year):
        return None
    return invoices.issue(
        store,
        candidate_id=candidate_id,
        amount=amount,
        purpose="dues-prorata",
        label=f"Cotisation annuelle {scheme.code} {date.year} ({months}/12 mois)",
        date=issued_on or date,
        body=scheme.body,
        certificate_id=certificate_id,
        dossier_id=dossier_id,
        dues_year=date.year,
        prorata_months=months,
        unit_price=scheme.annual_dues,
        payer=payer,
    )


def renewal_owes_prorata(store: Store, certificate_id: int, decision: dt.date) -> bool:
    """Whether a renewal decided on `decision` starts dues like a new grant.

    A renewal granted on or before valid_until continues the certificate: it was
    valid on 1 January, so that year's annual call covers it (no prorata). A lapsed
    renewal owes the prorata only when the certificate was not valid on 1 January of
    the decision year either (a lapse across the new year); when it was, the annual
    call of that year invoices the whole year whether it ran before or after, so the
    amount billed does not depend on the order the secretariat works in. Call before
    the new period is added.
    """
    periods = store.certificate_periods(certificate_id)
    if not periods or periods[-1]["end"] is None or decision.isoformat() <= periods[-1]["end"]:
        return False
    # Withdrawal is left out: a withdrawn certificate's renewal cannot be granted.
    return not certificates.valid_on(periods, dt.date(decision.year, 1, 1))


def call(store: Store, year: int, *, date: dt.date) -> DuesCall:
    """Invoice the full annual dues of `year` to every certificate valid on 1 January.

    Once only: a certificate already invoiced for the year (by an earlier call or a
    prorata at its grant) is skipped; the unique index invoices_dues_once backs it.
    The call is made on `date` for the current year or the next one (a December call
    for next year), never further ahead, and knows only the grants and renewals
    decided by `date`.
    """
    if year > date.year + 1:
        raise ValidationError(
            f"the {year} dues cannot be called on {date.isoformat()}: "
            f"call this year's ({date.year}) or next year's "
            f"({date.year + 1})"
        )
    jan1 = dt.date(year, 1, 1).isoformat()
    # Each scheme looked up once, not once per certificate (the catalog checks its
    # files on every lookup).
    scheme_of: dict[str, schemes.Scheme] = {}
    first: list[Called] = []
    span: list[int] = []  # the series' year, the first and the last invoice's seq
    total, count, already = money.ZERO, 0, 0

    def issue(batch: list) -> None:
        nonlocal total, count
        items = [
            {
                "candidate_id": row["candidate_id"],
                "amount": scheme.annual_dues,
                "label": f"Cotisation annuelle {scheme.code} {year}",
                "body": scheme.body,
                "certificate_id": row["id"],
                "dues_year": year,
                "payer": row["payer"],
            }
            for row, scheme in batch
        ]
        written = invoices.issue_many(store, items, purpose="dues-call", date=date)
        for (row, _), invoice in zip(batch, written, strict=True):
            if len(first) < KEPT:
                first.append(_called(invoice, row["number"]))
            total += money.to_decimal(invoice["amount"])
        count += len(written)
        span[:2] = span[:2] or [written[0]["year"], written[0]["seq"]]
        span[2:] = [written[-1]["seq"]]
        batch.clear()

    with store.transaction():
        # In batches: the holders read, and their invoices numbered and written, a few
        # thousand at a time (issue 17, 20): never every holder's row nor every
        # invoice held at once (on PostgreSQL through a server-side cursor, which
        # sees the office as it was when the call began); `invoices.issue_many` keeps
        # issue's rules, and numbers each batch after the one before, in one
        # transaction. The invoices are read back for the output (`Issued`).
        pending: list = []
        with contextlib.closing(
            store.batches(*store.certificates_to_call_sql(jan1, date.isoformat(), year), size=BATCH)
        ) as holders:
            for rows in holders:
                for row in rows:
                    if row["invoiced"]:
                        already += 1
                        continue
                    scheme = scheme_of.get(row["scheme"]) or scheme_of.setdefault(
                        row["scheme"], schemes.get(row["scheme"])
                    )
                    if scheme.annual_dues > 0:
                        pending.append((row, scheme))
                        if len(pending) == BATCH:
                            issue(pending)
        if pending:
            issue(pending)
        if count:
            store.audit("dues.call", "dues", str(year), {"invoices": count}, date)
    issued = Issued(store, *span) if span else Issued(None, date.year, 1, 0)
    return DuesCall(year, issued, money.cents(total), already, first)
