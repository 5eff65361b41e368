"""Merging a person registered twice (`candidate merge KEEP DROP`, issue 11).

Nothing is deleted: every record of DROP (dossiers, work periods, certificates,
invoices, letters, pending letters, and the instructors' conflicts of interest with
them) moves to KEEP, in one transaction, and DROP stays as a tombstone pointing at
KEEP. Its id is never reused; `candidate show DROP` says where it went; every other
command naming it is refused, naming KEEP; the register's listings, search, count,
duplicates report and export leave it out.

KEEP's own details stand (the secretariat chose it as the right record); DROP's are
kept in the audit trail's `before` and on the tombstone, and each field where DROP
holds a value KEEP does not is listed (`differences`) for a `candidate edit KEEP`.
An issued invoice keeps the buyer it was issued to (SPEC §9): it now belongs to
KEEP, its reprint still names whom it billed.

Refused, writing nothing: KEEP and DROP the same; either unknown or already merged;
a merge dated before either was registered or before a moved dossier was opened;
no reason; and both holding an open initial dossier of the same scheme (one of them
must be withdrawn first: a person has one initial dossier per scheme).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from certcli.domain import candidates, dossiers, members
from certcli.domain.candidates import FIELDS, Candidate
from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import validators, workflow

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Merge:
    """A merge done: DROP's tombstone, KEEP as it stands, what moved, the fields
    where DROP said something KEEP does not, and what to look at next."""

    candidate: Candidate  # DROP, now a tombstone (merged_into KEEP)
    kept: Candidate
    moved: dict[str, list] = field(default_factory=dict)
    differences: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            **self.candidate.to_dict(),
            "kept": {"id": self.kept.id, "name": self.kept.display_name},
            "moved": self.moved,
            "differences": self.differences,
            "warnings": self.warnings,
        }


def merge(store: Store, keep: int, drop: int, *, reason: str | None, date: dt.date) -> Merge:
    """Merge candidate `drop` into candidate `keep` (see the module's docstring)."""
    reason = validators.reason(reason, required="a merge needs --reason")
    if keep == drop:
        raise ValidationError(f"cannot merge candidate {keep} into itself")
    with store.transaction():
        kept = _live(store, keep, kept=True)
        dropped = _live(store, drop, kept=False)
        for person in (kept, dropped):
            if person.created_on and date.isoformat() < person.created_on:
                raise ValidationError(
                    f"the merge dated {date.isoformat()} is before candidate {person.id} "
                    f"was registered ({person.created_on})"
                )
        held = store.candidate_holdings(drop)
        _refuse_two_open_initials(store, keep, drop, held["dossiers"])
        store.move_candidate_rows(drop, keep)
        moved_conflicts = _move_conflicts(store, drop, keep, date)
        members.move_conflicts(store, drop, keep, date)
        for row in held["dossiers"]:
            dossier = store.dossier_by_id(row["id"])
            dossiers.record_event(
                store,
                dossier,
                "holder_merged",
                {"candidate": [drop, keep], "reason": reason},
                date,
            )
        store.update(
            "candidates",
            drop,
            {
                "merged_into": keep,
                "merged_on": date.isoformat(),
                "merge_reason": reason,
                "merged_by": store.actor,
            },
        )
        moved = {
            "dossiers": [r["ref"] for r in held["dossiers"]],
            "experiences": [r["id"] for r in held["experiences"]],
            "certificates": [r["number"] for r in held["certificates"]],
            "invoices": [r["number"] for r in held["invoices"]],
            "letters": [r["id"] for r in held["letters"]],
            "pending_letters": [r["id"] for r in held["pending_letters"]],
            "emails": [r["id"] for r in held["outbox"]],
            "credentials": [r["id"] for r in held["credentials"]],
            "instructor_conflicts": moved_conflicts,
        }
        differences = _differences(kept, dropped)
        before = dropped.to_dict()
        store.audit(
            "candidate.merge",
            "candidate",
            drop,
            {
                "candidate": drop,
                "name": dropped.full_name,
                "into": keep,
                "into_name": kept.full_name,
                "reason": reason,
                "moved": moved,
                "before": before,
                "after": {"merged_into": keep, "merged_on": date.isoformat()},
            },
            date,
        )
        store.audit(
            "candidate.merged_in",
            "candidate",
            keep,
            {
                "candidate": drop,
                "name": dropped.full_name,
                "reason": reason,
                "moved": moved,
                "differences": differences,
            },
            date,
        )
        warnings = _warnings(store, keep, date)
        result = Merge(
            candidates.get(store, drop, merged=True),
            candidates.get(store, keep),
            moved,
            differences,
            warnings,
        )
    return result


def _live(store: Store, candidate_id: int, *, kept: bool) -> Candidate:
    """A candidate that may take part in a merge: known, and not merged already."""
    row = store.candidate(candidate_id)
    if row is None:
        raise NotFound(f"no candidate with id {candidate_id}")
    into = row["merged_into"]
    if into is not None:
        said = f"candidate {candidate_id} was already merged into {into} on {row['merged_on']}"
        raise StateError(said + (f": merge into candidate {into} instead" if kept else ""))
    candidates.require_present(store, candidate_id)
    return Candidate.from_row(row)


def _refuse_two_open_initials(store: Store, keep: int, drop: int, held) -> None:
    for row in held:
        if row["kind"] != "initial" or row["status"] not in workflow.OPEN:
            continue
        other = store.open_initial_dossier(keep, row["scheme"])
        if other is not None:
            raise StateError(
                f"candidates {keep} and {drop} both hold an open initial {row['scheme']} "
                f"dossier ({other['ref']}, '{other['status']}'; {row['ref']}, "
                f"'{row['status']}'): withdraw one first (`certcli dossier withdraw REF "
                f"--reason R`), then merge"
            )


def _move_conflicts(store: Store, drop: int, keep: int, date: dt.date) -> list[int]:
    """An instructor in conflict of interest with DROP is so with the person: the
    conflict names KEEP from now on (the instructor's history says why)."""
    moved = []
    for row in store.instructor_conflicts():
        ids = json.loads(row["conflict_candidates"] or "[]")
        if drop not in ids:
            continue
        now = sorted((set(ids) - {drop}) | {keep})
        store.update("instructors", row["id"], {"conflict_candidates": json.dumps(now)})
        store.audit(
            "instructor.edit",
            "instructor",
            row["id"],
            {
                "conflict_candidates": [ids, now],
                "reason": f"candidate {drop} merged into {keep}",
            },
            date,
        )
        moved.append(row["id"])
    return moved


def _differences(kept: Candidate, dropped: Candidate) -> dict[str, dict]:
    """The fields where DROP holds a value KEEP does not (KEEP's stands)."""
    mine, theirs = kept.to_dict(), dropped.to_dict()
    return {
        key: {"kept": mine[key], "dropped": theirs[key]}
        for key in FIELDS
        if theirs[key] not in (None, "", [], False) and theirs[key] != mine[key]
    }


def _warnings(store: Store, keep: int, date: dt.date) -> list[str]:
    """What the merge brought together that the secretariat should look at: two
    valid certificates of one scheme, or one work period recorded twice (its hours
    would count twice for CQPT)."""
    from certcli.domain.experiences import Experience

    warnings = []
    by_scheme: dict[str, list[str]] = {}
    for cert in store.certificates(valid_on=date.isoformat(), candidate_id=keep):
        by_scheme.setdefault(cert["scheme"], []).append(cert["number"])
    for scheme, numbers in sorted(by_scheme.items()):
        if len(numbers) > 1:
            warnings.append(
                f"candidate {keep} now holds {len(numbers)} valid {scheme} certificates "
                f"({', '.join(numbers)}): withdraw the one issued in error "
                f"(`certcli certificate withdraw NUM --reason R`)"
            )
    seen: dict[tuple, Experience] = {}
    for row in store.experiences(keep):
        period = Experience.from_row(row)
        twin_key = (
            validators.fold(period.employer),
            period.start,
            period.ongoing,
            None if period.ongoing else period.end,
        )
        twin = seen.get(twin_key)
        if twin is None:
            seen[twin_key] = period
            continue
        warnings.append(
            f"work periods {twin.id} and {period.id} record the same period "
            f"({period.employer}, {period.span}): remove one (`certcli experience remove "
            f"{period.id} --reason R`) so its hours are not counted twice"
        )
    return warnings
