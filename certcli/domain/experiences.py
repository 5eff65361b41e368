"""A candidate's work periods: the evidence behind eligibility (CQPT hours in
the branch, OPQTECC years in the specialty)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import candidates
from certcli.errors import DuplicateError, NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import money, validators

if TYPE_CHECKING:
    from certcli.store import Store


# Known contract kinds; CQPT free access needs one of the scheme's `eligibility.contracts`.
CONTRACTS = (
    "cdi",
    "cdd",
    "interim",
    "apprentissage",
    "professionnalisation",
    "stage",
    "independant",
    "autre",
)


@dataclass
class Experience:
    """One work period. For an ongoing one (a contract still running), `end` is the
    last day its recorded hours cover (`--hours-until`): the hours count pro rata
    over start..end, while the contract itself covers every day from `start` on."""

    id: int
    candidate_id: int
    employer: str
    start: dt.date
    end: dt.date
    hours: Decimal
    in_branch: bool
    related: bool
    contract: str | None
    ongoing: bool = False

    @property
    def days(self) -> int:
        """Calendar days the hours were worked over (both ends included)."""
        return (self.end - self.start).days + 1

    def covers(self, day: dt.date) -> bool:
        """Is the candidate under this contract on `day`?"""
        return self.start <= day and (self.ongoing or day <= self.end)

    @property
    def span(self) -> str:
        if self.ongoing:
            return f"{self.start}, ongoing (hours to {self.end})"
        return f"{self.start} to {self.end}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(
            start=self.start.isoformat(),
            end=None if self.ongoing else self.end.isoformat(),
            hours_until=self.end.isoformat() if self.ongoing else None,
            hours=str(self.hours),
        )
        return data

    @classmethod
    def from_row(cls, row) -> Experience:
        return cls(
            id=row["id"],
            candidate_id=row["candidate_id"],
            employer=row["employer"],
            start=dt.date.fromisoformat(row["start"]),
            end=dt.date.fromisoformat(row["end"]),
            hours=Decimal(row["hours"]),
            in_branch=bool(row["in_branch"]),
            related=bool(row["related"]),
            contract=row["contract"],
            ongoing=bool(row["ongoing"]),
        )


def parse_hours(value: str | Decimal) -> Decimal:
    """Hours worked: a positive decimal with at most two decimals ('1607', '151,67')."""
    return money.parse_amount(value, what="hours", example="1607 or 151,67")


def parse_contract(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = validators.fold(value).replace(" ", "")
    if code not in CONTRACTS:
        raise ValidationError(
            f"invalid contract {validators.quoted(value)} (one of: {', '.join(CONTRACTS)})"
        )
    return code


@dataclass
class Added:
    """What `add` recorded, and the overlaps it warns about (recorded anyway)."""

    period: Experience
    warnings: list[str]


def add(
    store: Store,
    candidate_id: int,
    *,
    employer: str,
    start: dt.date,
    end: dt.date | None = None,
    hours: str | Decimal,
    in_branch: bool = False,
    related: bool = False,
    contract: str | None = None,
    ongoing: bool = False,
    hours_until: dt.date | None = None,
    force: bool = False,
    date: dt.date,
) -> Added:
    """Record one work period (one transaction, audited): closed (`end`), or ongoing
    (`ongoing`, with `hours_until` the last day the `hours` cover).

    A period identical to a recorded one (same employer, start and end; for an
    ongoing one, same employer and start) is refused unless `force`: counted twice,
    it would inflate the CQPT hours. An overlap with another period at the same
    employer is recorded with a warning (two part-time contracts can overlap). Both
    checks run inside the write transaction, so two concurrent adds of the same
    period cannot both pass."""
    if not (employer or "").strip():
        raise ValidationError("an experience period needs --employer")
    employer = validators.name(employer, "employer")
    end = _hours_end(start, end, ongoing, hours_until)
    if start > end:
        raise ValidationError(f"the period starts ({start}) after it ends ({end})")
    amount = parse_hours(hours)
    days = (end - start).days + 1
    if amount > 24 * days:
        raise ValidationError(f"{amount} hours cannot fit in {days} day(s) ({start} to {end})")
    record = {
        "candidate_id": candidate_id,
        "employer": employer,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "hours": str(amount),
        "in_branch": int(in_branch),
        "related": int(related),
        "contract": parse_contract(contract),
        "ongoing": int(ongoing),
    }
    with store.transaction():
        candidates.require_present(store, candidate_id)
        same_employer = [
            Experience.from_row(r)
            for r in store.experiences(candidate_id)
            if validators.fold(r["employer"]) == validators.fold(employer)
        ]
        twin = next(
            (
                p
                for p in same_employer
                if p.start == start and p.ongoing == ongoing and (ongoing or p.end == end)
            ),
            None,
        )
        if twin is not None and not force:
            shown = f"{twin.start}, ongoing" if twin.ongoing else f"from {twin.start} to {twin.end}"
            raise DuplicateError(
                f"period {twin.id} already records {twin.employer} {shown} "
                f"({twin.hours} h) for candidate {candidate_id}; add it again "
                f"with --force, or correct it with `certcli experience remove {twin.id}`"
            )
        # An ongoing contract reaches every later day.
        last = dt.date.max if ongoing else end
        warnings = [
            f"Warning: overlaps period {p.id} at {p.employer} ({p.span}, "
            f"{p.hours} h): check the hours are not counted twice"
            for p in same_employer
            if p.start <= last and start <= (dt.date.max if p.ongoing else p.end)
        ]
        new_id = store.insert("experiences", record)
        store.audit(
            "experience.add",
            "candidate",
            candidate_id,
            {"experience": new_id, **record, **({"forced": True} if twin else {})},
            date,
        )
    return Added(Experience.from_row(store.experience(new_id)), warnings)


def _hours_end(
    start: dt.date, end: dt.date | None, ongoing: bool, hours_until: dt.date | None
) -> dt.date:
    """The last day the hours cover: --end for a closed period, --hours-until for an
    ongoing one; the two shapes are exclusive."""
    if ongoing:
        if end is not None:
            raise ValidationError(
                "--ongoing and --end are exclusive: an ongoing contract "
                "has no end yet (give --hours-until DATE, the last day "
                "its --hours cover)"
            )
        if hours_until is None:
            raise ValidationError(
                "--ongoing needs --hours-until DATE: the last day the --hours cover"
            )
        if hours_until < start:
            raise ValidationError(f"--hours-until {hours_until} is before --start {start}")
        return hours_until
    if hours_until is not None:
        raise ValidationError(
            "--hours-until goes with --ongoing (a closed period's hours cover --start to --end)"
        )
    if end is None:
        raise ValidationError(
            "give --end, or --ongoing with --hours-until DATE for a contract still running"
        )
    return end


@dataclass
class Removed:
    """A period marked removed (`experience remove --json`): the period's keys, then
    when and why."""

    period: Experience
    removed_on: str
    removed_reason: str

    def to_dict(self) -> dict:
        return {
            **self.period.to_dict(),
            "removed_on": self.removed_on,
            "removed_reason": self.removed_reason,
        }


def remove(store: Store, experience_id: int, *, reason: str, date: dt.date) -> Removed:
    """Mark a period removed (when, why, by whom): it no longer counts anywhere, and
    the audit trail keeps what it was."""
    reason = validators.reason(reason, required="removing a period needs --reason")
    with store.transaction():
        row = store.experience(experience_id)
        if row is None:
            raise NotFound(
                f"no experience period with id {experience_id} "
                "(see `certcli experience list --candidate ID`)"
            )
        if row["removed_on"] is not None:
            raise StateError(
                f"period {experience_id} was already removed on "
                f"{row['removed_on']} ({row['removed_reason']})"
            )
        store.update(
            "experiences",
            experience_id,
            {"removed_on": date.isoformat(), "removed_reason": reason, "removed_by": store.actor},
        )
        period = Experience.from_row(row)
        store.audit(
            "experience.remove",
            "candidate",
            row["candidate_id"],
            {"experience": experience_id, "reason": reason, **period.to_dict()},
            date,
        )
    return Removed(period, date.isoformat(), reason)


def listing(
    store: Store, candidate_id: int, *, limit: int | None = None, offset: int = 0
) -> list[Experience]:
    """A candidate's work periods, oldest first; a page with `limit`."""
    candidates.require(store, candidate_id)
    sql, params = store.experiences_sql(candidate_id)
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return [Experience.from_row(r) for r in rows]


def count(store: Store, candidate_id: int) -> int:
    return store.count_of(*store.experiences_sql(candidate_id))


def stream(store: Store, candidate_id: int) -> Iterator[Experience]:
    """Every period of `listing`, as it is read (`experience list --all`)."""
    candidates.require(store, candidate_id)
    return (Experience.from_row(r) for r in store.stream(*store.experiences_sql(candidate_id)))
