"""Annual dues: the prorata owed at a grant (spec §6) and the yearly call.

Who pays what for a year: a certificate valid on 1 January pays the full year
through that year's call (`dues call --year Y`); a certificate that starts during
the year (a first grant, an extension into another scheme, a renewal after a lapse
across 1 January) pays the prorata of the months left, invoiced with the decision.
A renewal that continues the certificate (granted on or before valid_until) pays
no prorata: it was valid on 1 January, the call covers it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import certificates, invoices
from certcli.errors import ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import money, schemes

if TYPE_CHECKING:
    from certcli.store import Store


BATCH = 5000  # holders invoiced together by the annual call


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
    """What `dues call` invoiced (`--json`); amounts are Decimals until printed."""

    year: int
    invoiced: list[Called]
    total: Decimal
    already_invoiced: int  # certificates valid on 1 January that had their dues already

    @property
    def count(self) -> int:
        return len(self.invoiced)

    def to_dict(self, *, stream: bool = False) -> dict:
        """As JSON; with `stream`, "invoiced" is an iterator of the invoices' records
        (made one at a time as they are printed, not a list of them all)."""
        records = (i.to_dict() for i in self.invoiced)
        return {
            "year": self.year,
            "invoiced": records if stream else list(records),
            "count": self.count,
            "total": self.total,
            "already_invoiced": self.already_invoiced,
        }


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
    issued: list[Called] = []
    # Each scheme looked up once, not once per certificate (the catalog checks its
    # files on every lookup).
    scheme_of: dict[str, schemes.Scheme] = {}
    with store.transaction():
        # In batches: the invoices numbered and written a few thousand together, not
        # one round of statements each (issue 17, 20), nor every holder's rows held
        # at once; `invoices.issue_many` keeps issue's rules, and numbers each batch
        # after the one before, in one transaction.
        to_call, already = [], 0
        for row in store.certificates_to_call(jan1, date.isoformat(), year):
            if row["invoiced"]:
                already += 1
                continue
            scheme = scheme_of.get(row["scheme"]) or scheme_of.setdefault(
                row["scheme"], schemes.get(row["scheme"])
            )
            if scheme.annual_dues > 0:
                to_call.append((row, scheme))
        for start in range(0, len(to_call), BATCH):
            batch = to_call[start : start + BATCH]
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
                issued.append(
                    Called(
                        invoice["number"],
                        row["number"],
                        row["candidate_id"],
                        invoices.holder(invoice),
                        money.to_decimal(invoice["amount"]),
                    )
                )
        if issued:
            store.audit("dues.call", "dues", str(year), {"invoices": len(issued)}, date)
    total = sum((i.amount for i in issued), money.ZERO)
    return DuesCall(year, issued, money.cents(total), already)
