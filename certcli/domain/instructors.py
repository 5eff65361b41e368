"""The register of instructors and experts, their load and their conflicts of
interest. They do not run certcli: the secretariat records them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from certcli.domain import candidates as register
from certcli.domain import companies
from certcli.errors import NotFound, ValidationError
from certcli.records import asdict, dataclass, field
from certcli.rules import schemes, validators, workflow

if TYPE_CHECKING:
    from certcli.store import Store


ROLES = ("instructor", "expert")


@dataclass
class Instructor:
    id: int
    name: str
    role: str
    specialties: list[str] = field(default_factory=list)
    employer: str | None = None
    employer_id: int | None = None  # the company linked (issue 12)
    capacity: int = 5
    email: str | None = None
    conflict_employers: list[str] = field(default_factory=list)
    conflict_candidates: list[int] = field(default_factory=list)
    active: bool = True
    # dossiers under instruction assigned (as instructor, or as expert for an expert):
    # statuses workflow.UNDER_INSTRUCTION, not those whose report is in
    load: int = 0
    assigned_total: int = 0  # times ever assigned as instructor

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.name} (id {self.id})"


def _from_row(row, load: int = 0, total: int = 0) -> Instructor:
    return Instructor(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        specialties=json.loads(row["specialties"]),
        employer=row["employer"],
        employer_id=row["employer_id"],
        capacity=row["capacity"],
        email=row["email"],
        conflict_employers=json.loads(row["conflict_employers"]),
        conflict_candidates=json.loads(row["conflict_candidates"]),
        active=bool(row["active"]),
        load=load,
        assigned_total=total,
    )


def known_specialties() -> tuple[str, ...]:
    """The specialties some scheme asks of its instructors, from data/."""
    found = {s.specialty for s in schemes.catalog().values() if s.specialty}
    return tuple(sorted(found | set(validators.SPECIALTIES)))


def add(
    store: Store,
    *,
    name: str,
    role: str,
    specialties: list[str],
    employer: str | None = None,
    capacity: int = 5,
    email: str | None = None,
    conflict_employers: Sequence[str] = (),
    conflict_candidates: Sequence[int] = (),
    employer_id: int | None = None,
    date: dt.date,
) -> Instructor:
    """Record an instructor or an expert (one transaction, audited); `employer_id`
    links them to a company."""
    name = validators.name(name or "", "name")
    role = validators.choice(role, ROLES, "role")
    allowed = known_specialties()
    specialties = sorted({validators.choice(s, allowed, "specialty") for s in specialties})
    if role == "instructor" and not specialties:
        raise ValidationError(
            f"an instructor needs at least one --specialty ({', '.join(allowed)})"
        )
    if capacity < 0:
        raise ValidationError(f"invalid capacity {capacity}: 0 or more dossiers under instruction")
    employer = validators.text(employer, "employer", validators.MAX_NAME)
    email = validators.email(email) if email else None
    conflicts = sorted(
        {validators.name(e, "conflict employer") for e in conflict_employers if e.strip()}
    )
    candidates = sorted(set(conflict_candidates))
    record = {
        "name": name,
        "role": role,
        "specialties": json.dumps(specialties),
        "employer": employer,
        "capacity": capacity,
        "email": email,
        "conflict_employers": json.dumps(conflicts, ensure_ascii=False),
        "conflict_candidates": json.dumps(candidates),
    }
    with store.transaction():
        for candidate_id in candidates:
            register.require(store, candidate_id, "--conflict-candidate")
        linked = companies.link(store, employer_id)
        if linked is not None:
            record["employer_id"] = linked
        new_id = store.insert("instructors", record)
        store.audit(
            "instructor.add",
            "instructor",
            new_id,
            {"name": name, "role": role, "specialties": specialties, "capacity": capacity},
            date,
        )
    return get(store, new_id)


def edit(
    store: Store,
    instructor_id: int,
    *,
    capacity: int | None = None,
    active: bool | None = None,
    email: str | None = None,
    employer: str | None = None,
    add_conflict_employers: Sequence[str] = (),
    add_conflict_candidates: Sequence[int] = (),
    employer_id: int | None = None,
    date: dt.date,
) -> Instructor:
    """Change what moves over time: capacity, availability, contact, employer, and
    newly declared conflicts (a declared conflict is never dropped silently)."""
    with store.transaction():
        # The conflicts are merged with the row read under the write lock, so two
        # edits at once both keep their declarations.
        current = get(store, instructor_id)
        changes: dict = {}
        if capacity is not None:
            if capacity < 0:
                raise ValidationError(
                    f"invalid capacity {capacity}: 0 or more dossiers under instruction"
                )
            changes["capacity"] = capacity
        if active is not None:
            changes["active"] = int(active)
        if email is not None:
            changes["email"] = validators.email(email) if email.strip() else None
        if employer is not None:
            changes["employer"] = " ".join(employer.split()) or None
        if employer_id is not None:
            changes["employer_id"] = companies.link(store, employer_id)
        if add_conflict_employers:
            merged = set(current.conflict_employers)
            merged |= {" ".join(e.split()) for e in add_conflict_employers if e.strip()}
            changes["conflict_employers"] = json.dumps(sorted(merged), ensure_ascii=False)
        if add_conflict_candidates:
            for candidate_id in add_conflict_candidates:
                register.require(store, candidate_id, "--conflict-candidate")
            merged_ids = sorted(set(current.conflict_candidates) | set(add_conflict_candidates))
            changes["conflict_candidates"] = json.dumps(merged_ids)
        if not changes:
            raise ValidationError("nothing to change: give at least one option")
        store.update("instructors", instructor_id, changes)
        store.audit("instructor.edit", "instructor", instructor_id, changes, date)
    return get(store, instructor_id)


def get(store: Store, instructor_id: int) -> Instructor:
    row = store.instructor(instructor_id)
    if row is None:
        raise NotFound(f"no instructor or expert with id {instructor_id}")
    loads = store.instructor_loads(row["role"])
    return _from_row(
        row, loads.get(row["id"], 0), store.instructor_assignments_ever().get(row["id"], 0)
    )


def _listing_sql(store: Store, role: str | None) -> tuple[str, list]:
    if role is not None:
        role = validators.choice(role, ROLES, "role")
    return store.instructors_sql(role=role)


def _built(store: Store, rows: Iterable) -> Iterator[Instructor]:
    loads = {r: store.instructor_loads(r) for r in ROLES}
    totals = store.instructor_assignments_ever()
    for row in rows:
        yield _from_row(row, loads[row["role"]].get(row["id"], 0), totals.get(row["id"], 0))


def listing(
    store: Store, role: str | None = None, *, limit: int | None = None, offset: int = 0
) -> list[Instructor]:
    """Instructors and experts (one role's with `role`) by id, with their load; a
    page with `limit`."""
    sql, params = _listing_sql(store, role)
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return list(_built(store, rows))


def count(store: Store, role: str | None = None) -> int:
    return store.count_of(*_listing_sql(store, role))


def stream(store: Store, role: str | None = None) -> Iterator[Instructor]:
    """Every one of `listing`, as it is read (`instructor list --all`)."""
    sql, params = _listing_sql(store, role)
    return _built(store, store.stream(sql, params))


def dossiers_of(store: Store, instructor_id: int) -> tuple[list[dict], list[dict]]:
    """The dossiers a person instructs or advises on that are not settled yet, for
    `instructor show`: (those under instruction, the load; those reported and
    awaiting the commission)."""
    under: list[dict] = []
    reported: list[dict] = []
    for r in store.instructor_dossiers(instructor_id):
        item = {
            "ref": r["ref"],
            "scheme": r["scheme"],
            "status": r["status"],
            "holder": f"{r['first_name']} {r['last_name']}",
        }
        (under if r["status"] in workflow.UNDER_INSTRUCTION else reported).append(item)
    return under, reported


class Judge(Protocol):
    """Whoever judges a candidate: an instructor, an expert or a commission member
    (certcli.domain.members), so that one rule says who may not."""

    employer: str | None
    employer_id: int | None  # the company linked (issue 12)
    conflict_employers: list[str]
    conflict_candidates: list[int]


def conflicts(
    person: Judge, candidate_id: int, employer: str | None, employer_id: int | None = None
) -> list[str]:
    """Why `person` may not judge this candidate; empty when there is no conflict
    of interest. When both are linked to a company (`employer_id`), the link
    decides whether they share an employer;
    otherwise the employer names are compared without case or accents: "Cabinet
    Métré" is "CABINET METRE". The one rule for instructors, experts and
    commission members."""
    found = []
    key = validators.fold(employer) if employer else None
    linked = person.employer_id
    if linked is not None and employer_id is not None:
        if linked == employer_id:
            found.append(
                f"same employer as the candidate (company {employer_id}"
                f"{': ' + employer if employer else ''})"
            )
    elif key and person.employer and key == validators.fold(person.employer):
        found.append(f"same employer as the candidate ({person.employer})")
    if key and key in {validators.fold(e) for e in person.conflict_employers}:
        found.append(f"declared conflict with employer {employer}")
    if candidate_id in person.conflict_candidates:
        found.append(f"declared conflict with candidate {candidate_id}")
    return found


# -- expert opinions --------------------------------------------------------------------
OPINIONS = ("favourable", "unfavourable", "reserved")

# A dossier's opinions are read by dossiers.expert_opinions (dossier show loads no
# instructors module).
