"""A candidate's work periods: the evidence behind eligibility (CQPT hours in
the branch, OPQTECC years in the specialty)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal

from certcli import validators
from certcli.errors import NotFound, ValidationError
from certcli.money import CENT, to_decimal

# Known contract kinds; CQPT free access needs one of the scheme's `eligibility.contracts`.
CONTRACTS = ("cdi", "cdd", "interim", "apprentissage", "professionnalisation", "stage",
             "independant", "autre")


@dataclass
class Experience:
    id: int
    candidate_id: int
    employer: str
    start: dt.date
    end: dt.date
    hours: Decimal
    in_branch: bool
    related: bool
    contract: str | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(start=self.start.isoformat(), end=self.end.isoformat(),
                    hours=str(self.hours))
        return data

    @classmethod
    def from_row(cls, row) -> Experience:
        return cls(id=row["id"], candidate_id=row["candidate_id"], employer=row["employer"],
                   start=dt.date.fromisoformat(row["start"]),
                   end=dt.date.fromisoformat(row["end"]), hours=Decimal(row["hours"]),
                   in_branch=bool(row["in_branch"]), related=bool(row["related"]),
                   contract=row["contract"])


def parse_hours(value: str | Decimal) -> Decimal:
    """Hours worked: a positive decimal with at most two decimals ('1607', '151,67')."""
    hours = to_decimal(value)
    if hours <= 0:
        raise ValidationError(f"invalid hours {value!r}: must be more than 0")
    if hours != hours.quantize(CENT):
        raise ValidationError(f"invalid hours {value!r}: at most two decimals")
    return hours.quantize(CENT)


def parse_contract(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = validators.fold(value).replace(" ", "")
    if code not in CONTRACTS:
        raise ValidationError(f"invalid contract {value!r} (one of: {', '.join(CONTRACTS)})")
    return code


def add(store, candidate_id: int, *, employer: str, start: dt.date, end: dt.date,
        hours: str | Decimal, in_branch: bool = False, related: bool = False,
        contract: str | None = None, date: dt.date) -> Experience:
    """Record one work period (one transaction, audited)."""
    if store.candidate(candidate_id) is None:
        raise NotFound(f"no candidate with id {candidate_id}")
    employer = " ".join((employer or "").split())
    if not employer:
        raise ValidationError("an experience period needs --employer")
    if start > end:
        raise ValidationError(f"the period starts ({start}) after it ends ({end})")
    amount = parse_hours(hours)
    days = (end - start).days + 1
    if amount > 24 * days:
        raise ValidationError(f"{amount} hours cannot fit in {days} day(s) "
                              f"({start} to {end})")
    record = {"candidate_id": candidate_id, "employer": employer, "start": start.isoformat(),
              "end": end.isoformat(), "hours": str(amount), "in_branch": int(in_branch),
              "related": int(related), "contract": parse_contract(contract)}
    with store.transaction():
        new_id = store.insert("experiences", record)
        store.audit("experience.add", "candidate", candidate_id,
                    {"experience": new_id, **record}, date)
    return Experience.from_row(store.experience(new_id))


def listing(store, candidate_id: int) -> list[Experience]:
    if store.candidate(candidate_id) is None:
        raise NotFound(f"no candidate with id {candidate_id}")
    return [Experience.from_row(r) for r in store.experiences(candidate_id)]
