"""The members of the commissions (award, appeal, CPNE) and their conflicts of
interest. Like instructors, they do not run certcli: the secretariat records them.

A member's conflicts are those of `instructors.conflicts`, the one rule for
everyone who judges a candidate: the same employer as the candidate, a declared
conflicting employer, a declared conflicting candidate."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from certcli.domain import companies, instructors, sessions
from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass, field
from certcli.rules import validators

if TYPE_CHECKING:
    from certcli.store import Store

ROLES = ("president", "member", "secretary")
# Who votes, and so counts for the quorum and may have to abstain: the secretary of
# the commission keeps the minutes and does not vote.
VOTING = ("president", "member")
ROLE_LABELS = {"president": "président(e)", "member": "membre", "secretary": "secrétaire"}


@dataclass
class Member:
    id: int
    name: str
    commission: str
    role: str
    employer: str | None = None
    employer_id: int | None = None  # the company linked (issue 12)
    email: str | None = None
    conflict_employers: list[str] = field(default_factory=list)
    conflict_candidates: list[int] = field(default_factory=list)
    active: bool = True
    added_on: str | None = None
    retired_on: str | None = None
    retired_reason: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def votes(self) -> bool:
        return self.role in VOTING

    @property
    def label(self) -> str:
        return f"{self.name} (id {self.id})"


def from_row(row) -> Member:
    return Member(
        id=row["id"],
        name=row["name"],
        commission=row["commission"],
        role=row["role"],
        employer=row["employer"],
        employer_id=row["employer_id"],
        email=row["email"],
        conflict_employers=json.loads(row["conflict_employers"]),
        conflict_candidates=json.loads(row["conflict_candidates"]),
        active=bool(row["active"]),
        added_on=row["added_on"],
        retired_on=row["retired_on"],
        retired_reason=row["retired_reason"],
    )


def _employer(value: str | None) -> str | None:
    cleaned = validators.text(value, "employer") if value is not None else None
    return cleaned or None


def _check_candidates(store: Store, ids: Sequence[int]) -> list[int]:
    for candidate_id in ids:
        if store.candidate(candidate_id) is None:
            raise NotFound(f"no candidate with id {candidate_id} (--conflict-candidate)")
    return sorted(set(ids))


def _employers(values: Sequence[str]) -> set[str]:
    return {e for e in (_employer(v) for v in values) if e}


def add(
    store: Store,
    *,
    name: str,
    commission: str,
    role: str = "member",
    employer: str | None = None,
    email: str | None = None,
    conflict_employers: Sequence[str] = (),
    conflict_candidates: Sequence[int] = (),
    employer_id: int | None = None,
    date: dt.date,
) -> Member:
    """Record a member of a commission (one transaction, audited). The employer is a
    company of the register (`employer_id`) or a name (`employer`), not both."""
    _one_employer(employer, employer_id)
    name = validators.name(name or "", "name")
    commission = validators.choice(commission, sessions.KINDS, "commission")
    role = validators.choice(role, ROLES, "role")
    email = validators.email(email) if email else None
    record = {
        "name": name,
        "commission": commission,
        "role": role,
        "employer": _employer(employer),
        "email": email,
        "conflict_employers": json.dumps(
            sorted(_employers(conflict_employers)), ensure_ascii=False
        ),
        "added_on": date.isoformat(),
    }
    with store.transaction():
        record["conflict_candidates"] = json.dumps(_check_candidates(store, conflict_candidates))
        if role == "president":
            _one_president(store, commission)
        _link(store, record, employer_id)
        new_id = store.insert("members", record)
        store.audit(
            "member.add",
            "member",
            new_id,
            {"name": name, "commission": commission, "role": role},
            date,
        )
    return get(store, new_id)


def _one_employer(employer: str | None, employer_id: int | None) -> None:
    if employer is not None and employer_id is not None:
        raise ValidationError("give --employer-id or --employer, not both")


def _link(store: Store, changes: dict, employer_id: int | None) -> None:
    """Link to the company `employer_id` (0 unlinks); the employer's name becomes the
    company's, so that the papers name it and a candidate known only by the name
    still meets the conflict rule."""
    if employer_id is None:
        return
    linked = companies.link(store, employer_id)
    changes["employer_id"] = linked
    if linked is not None:
        changes["employer"] = companies.find(store, linked).name


def _one_president(store: Store, commission: str, but: int | None = None) -> None:
    for row in store.members(commission=commission, active=True):
        if row["role"] == "president" and row["id"] != but:
            raise StateError(
                f"the {commission} commission already has a president: {row['name']} "
                f"(id {row['id']}); change their role first (`certcli member edit "
                f"{row['id']} --role member`)"
            )


def edit(
    store: Store,
    member_id: int,
    *,
    name: str | None = None,
    role: str | None = None,
    employer: str | None = None,
    email: str | None = None,
    add_conflict_employers: Sequence[str] = (),
    add_conflict_candidates: Sequence[int] = (),
    employer_id: int | None = None,
    date: dt.date,
) -> Member:
    """Change a member's name, role, employer (a name, or a company: `employer_id`, 0
    unlinks) or e-mail, or declare further conflicts (a declared conflict is never
    dropped)."""
    _one_employer(employer, employer_id)
    with store.transaction():
        current = get(store, member_id)
        if not current.active:
            raise StateError(f"member {current.label} retired on {current.retired_on}")
        changes: dict = {}
        if name is not None:
            changes["name"] = validators.name(name, "name")
        if role is not None:
            changes["role"] = validators.choice(role, ROLES, "role")
            if changes["role"] == "president":
                _one_president(store, current.commission, but=member_id)
        if employer is not None:
            changes["employer"] = _employer(employer)
            if current.employer_id is not None:
                changes["employer_id"] = None  # a name typed replaces the link
        _link(store, changes, employer_id)
        if email is not None:
            changes["email"] = validators.email(email) if email.strip() else None
        if add_conflict_employers:
            merged = set(current.conflict_employers) | _employers(add_conflict_employers)
            changes["conflict_employers"] = json.dumps(sorted(merged), ensure_ascii=False)
        if add_conflict_candidates:
            ids = _check_candidates(store, add_conflict_candidates)
            changes["conflict_candidates"] = json.dumps(
                sorted(set(current.conflict_candidates) | set(ids))
            )
        if not changes:
            raise ValidationError("nothing to change: give at least one option")
        store.update("members", member_id, changes)
        store.audit("member.edit", "member", member_id, changes, date)
    return get(store, member_id)


def retire(store: Store, member_id: int, *, reason: str | None, date: dt.date) -> Member:
    """A member leaves the commission: kept (their attendance and abstentions
    stay in the minutes), no longer convened nor counted for the quorum."""
    why = validators.reason(reason, required="retiring a member needs --reason")
    with store.transaction():
        current = get(store, member_id)
        if not current.active:
            raise StateError(f"member {current.label} already retired on {current.retired_on}")
        if current.added_on and date.isoformat() < current.added_on:
            raise ValidationError(
                f"member {current.label} was added on {current.added_on}: cannot retire "
                f"them on {date.isoformat()}"
            )
        changes = {"active": 0, "retired_on": date.isoformat(), "retired_reason": why}
        store.update("members", member_id, changes)
        store.audit("member.retire", "member", member_id, changes, date)
    return get(store, member_id)


def get(store: Store, member_id: int) -> Member:
    row = store.member(member_id)
    if row is None:
        raise NotFound(f"no commission member with id {member_id}")
    return from_row(row)


def listing(
    store: Store,
    *,
    commission: str | None = None,
    include_retired: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Member]:
    """The members (of one commission; the retired ones too with `include_retired`),
    by commission, president first, then by name; a page with `limit`."""
    sql, params = _listing_sql(store, commission, include_retired)
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return [from_row(r) for r in rows]


def count(store: Store, *, commission: str | None = None, include_retired: bool = False) -> int:
    return store.count_of(*_listing_sql(store, commission, include_retired))


def stream(
    store: Store, *, commission: str | None = None, include_retired: bool = False
) -> Iterator[Member]:
    """Every member of `listing`, as it is read (`member list --all`)."""
    sql, params = _listing_sql(store, commission, include_retired)
    return (from_row(r) for r in store.stream(sql, params))


def _listing_sql(store: Store, commission: str | None, include_retired: bool) -> tuple[str, list]:
    if commission is not None:
        commission = validators.choice(commission, sessions.KINDS, "commission")
    return store.members_sql(commission=commission, active=None if include_retired else True)


def conflicts(member: Member, candidate) -> list[str]:
    """Why `member` must abstain on a dossier of `candidate` (a candidates row):
    the instructors' rule, `instructors.conflicts`."""
    return instructors.conflicts(
        member, candidate["id"], candidate["employer"], candidate["employer_id"]
    )


def move_conflicts(store: Store, drop: int, keep: int, date: dt.date) -> list[int]:
    """`candidate merge KEEP DROP` (inside its transaction): a member in conflict of
    interest with DROP is so with the person, so the conflict names KEEP from now on
    (the member's history says why). Returns the members changed."""
    moved = []
    for row in store.members():
        ids = json.loads(row["conflict_candidates"] or "[]")
        if drop not in ids:
            continue
        now = sorted((set(ids) - {drop}) | {keep})
        store.update("members", row["id"], {"conflict_candidates": json.dumps(now)})
        store.audit(
            "member.edit",
            "member",
            row["id"],
            {"conflict_candidates": [ids, now], "reason": f"candidate {drop} merged into {keep}"},
            date,
        )
        moved.append(row["id"])
    return moved
