"""Who instructs a dossier: the automatic choice (and why), manual choices
with their conflict-of-interest and capacity checks, and calling in an expert.

The automatic choice keeps, among active instructors, those whose specialties
include the scheme's, who have no conflict of interest with the candidate and
whose dossiers under instruction (instruction, waiting, adjourned: a dossier whose
report is in no longer counts) are under their capacity; then takes the lightest
load, breaking ties by the fewest assignments ever (so that work spreads over
time), then by the lowest id (so that the same data always gives the same answer).

A reassignment hands the dossier's interviews scheduled from its date on to the new
instructor; one clashing with the new instructor's schedule is cancelled and said
so (no command moves an interview, so refusing would leave the dossier stuck with
an instructor who may be gone).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from certcli.domain import dossiers, instruction, instructors
from certcli.domain.instructors import Instructor
from certcli.errors import ConflictError, NotFound, StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import schemes, validators, workflow

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Assignment:
    ref: str
    instructor: dict  # {"id", "name"}
    reason: str
    role: str = "instructor"
    previous: dict | None = None
    override: str | None = None
    excluded: list[dict] = field(default_factory=list)
    # On a reassignment: the interviews handed over to the new instructor, and those
    # cancelled because they clash with the new instructor's schedule.
    interviews_moved: list[dict] = field(default_factory=list)
    interviews_cancelled: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The `dossier assign --json` contract plus what explains it (the person
        is under "instructor", or "expert" for `dossier expert`)."""
        data = {
            "ref": self.ref,
            self.role: self.instructor,
            "reason": self.reason,
            "previous": self.previous,
            "override": self.override,
            "excluded": self.excluded,
        }
        if self.role == "instructor":
            data.update(
                interviews_moved=self.interviews_moved,
                interviews_cancelled=self.interviews_cancelled,
            )
        return data


def _ident(person: Instructor) -> dict:
    return {"id": person.id, "name": person.name}


def problems(person: Instructor, scheme, candidate, *, check_specialty: bool = True) -> list[str]:
    """What stands against `person` taking this candidate's dossier (empty: fits)."""
    found = []
    if not person.active:
        found.append("inactive")
    if check_specialty and scheme.specialty and scheme.specialty not in person.specialties:
        found.append(
            f"no specialty {scheme.specialty} (has {', '.join(person.specialties) or 'none'})"
        )
    found += instructors.conflicts(
        person, candidate["id"], candidate["employer"], candidate["employer_id"]
    )
    if person.load >= person.capacity:
        found.append(f"full ({person.load}/{person.capacity} dossiers under instruction)")
    return found


def choose(store: Store, dossier_row, scheme) -> tuple[Instructor, str, list[dict]]:
    """The automatic choice: (instructor, reason, excluded [{id, name, reasons}]).

    Raises ConflictError naming every instructor and why none fits.
    """
    candidate = store.candidate(dossier_row["candidate_id"])
    fit, excluded = [], []
    for person in instructors.listing(store, "instructor"):
        reasons = problems(person, scheme, candidate)
        if person.id == dossier_row["instructor_id"]:
            reasons.insert(0, "already instructs this dossier")
        if reasons:
            excluded.append({**_ident(person), "reasons": reasons})
        else:
            fit.append(person)
    ref = dossier_row["ref"]
    if not fit:
        if not excluded:
            raise NotFound(
                f"no instructor recorded to instruct {ref}: add one with "
                "`certcli instructor add --role instructor`"
            )
        why = "; ".join(f"{e['name']} (id {e['id']}): {', '.join(e['reasons'])}" for e in excluded)
        raise ConflictError(
            f"no instructor fits dossier {ref} ({scheme.code}, specialty "
            f"{scheme.specialty or 'any'}): {why}"
        )
    fit.sort(key=lambda p: (p.load, p.assigned_total, p.id))
    return fit[0], _explain(fit, scheme, excluded), excluded


def _explain(ranked: list[Instructor], scheme, excluded: list[dict]) -> str:
    best = ranked[0]
    parts = [
        f"{best.name} (id {best.id}): specialty {scheme.specialty or 'not required'}, "
        f"no conflict of interest, {best.load}/{best.capacity} dossiers under "
        "instruction"
    ]
    tied = [p for p in ranked[1:] if p.load == best.load]
    others = len(ranked) - 1
    if not others:
        parts.append("the only instructor who fits")
    elif not tied:
        parts.append(f"lightest load of the {len(ranked)} who fit")
    else:
        names = ", ".join(p.label for p in tied)
        same_total = [p for p in tied if p.assigned_total == best.assigned_total]
        if len(same_total) < len(tied):
            parts.append(
                f"tied on load with {names}; fewest assignments ever ({best.assigned_total})"
            )
        else:
            parts.append(
                f"tied on load and on assignments ever ({best.assigned_total}) "
                f"with {names}; lowest id"
            )
    if excluded:
        parts.append(f"{len(excluded)} excluded")
    return "; ".join(parts)


def _candidate_for(store: Store, dossier_row):
    return store.candidate(dossier_row["candidate_id"])


def assign(
    store: Store,
    ref: str,
    *,
    instructor_id: int | None = None,
    auto: bool = False,
    override: str | None = None,
    date: dt.date,
) -> Assignment:
    """Assign (or reassign) the instructor of a dossier, automatically or by hand."""
    if override is not None:
        override = validators.reason(
            override, "override reason", required="--override needs a reason"
        )
    if override is not None and auto:
        raise ValidationError("--override is for a manual choice (--instructor ID), not for --auto")
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "assign", scheme.workflow)
        if instructor_id is None:  # --auto (exactly one of the two was given)
            person, reason, excluded = choose(store, row, scheme)
            overridden: list[str] = []
        else:
            person = _manual(store, row, instructor_id, "instructor")
            overridden = problems(person, scheme, _candidate_for(store, row))
            _refuse_unless_override(person, row, overridden, override)
            excluded = []
            reason = _manual_reason(person, overridden, override)
        previous = None
        if row["instructor_id"] is not None:
            previous = _ident(instructors.get(store, row["instructor_id"]))
        details: dict[str, Any] = {
            "instructor": _ident(person),
            "mode": "auto" if auto else "manual",
            "reason": reason,
        }
        if previous:
            details["previous"] = previous
        if override:
            details.update(override=override, overridden=overridden)
        moved: list[dict] = []
        cancelled: list[dict] = []
        if previous:
            moved, cancelled = instruction.hand_over_interviews(
                store, row, row["instructor_id"], person, date
            )
            if moved:
                details["interviews_moved"] = moved
            if cancelled:
                details["interviews_cancelled"] = cancelled
        store.update("dossiers", row["id"], {"instructor_id": person.id})
        dossiers.record_event(store, row, "assigned", details, date)
    return Assignment(
        row["ref"],
        _ident(person),
        reason,
        "instructor",
        previous,
        override,
        excluded,
        moved,
        cancelled,
    )


def call_expert(
    store: Store, ref: str, *, expert_id: int, override: str | None = None, date: dt.date
) -> Assignment:
    """Call in an expert on a dossier. The conflict and capacity checks are the
    instructors' ones; an expert's specialty is not checked, since an expert is
    called for a particular technical question, possibly outside the scheme's."""
    if override is not None:
        override = validators.reason(
            override, "override reason", required="--override needs a reason"
        )
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "expert", scheme.workflow)
        person = _manual(store, row, expert_id, "expert")
        overridden = problems(person, scheme, _candidate_for(store, row), check_specialty=False)
        _refuse_unless_override(person, row, overridden, override)
        previous = None
        if row["expert_id"] is not None:
            previous = _ident(instructors.get(store, row["expert_id"]))
        reason = _manual_reason(person, overridden, override)
        details = {"expert": _ident(person), "reason": reason}
        if previous:
            details["previous"] = previous
        if override:
            details.update(override=override, overridden=overridden)
        store.update("dossiers", row["id"], {"expert_id": person.id})
        dossiers.record_event(store, row, "expert", details, date)
    return Assignment(
        row["ref"],
        _ident(person),
        reason,
        "expert",
        previous,
        override,
    )


@dataclass
class ExpertOpinion:
    """An expert's opinion as recorded (`dossier expert-opinion --json`); `previous`
    names the one it supersedes ({"opinion", "date"}), if any."""

    ref: str
    expert: dict  # {"id", "name"}
    opinion: str
    text: str
    date: str
    previous: dict | None

    def to_dict(self) -> dict:
        return {
            "ref": self.ref,
            "expert": self.expert,
            "opinion": self.opinion,
            "text": self.text,
            "date": self.date,
            "previous": self.previous,
        }


def expert_opinion(
    store: Store, ref: str, *, expert_id: int, opinion: str, text: str | None, date: dt.date
) -> ExpertOpinion:
    """Record the opinion of the expert called in on the dossier (favourable,
    unfavourable or reserved, with its grounds). A later opinion supersedes an
    earlier one, which stays; the report and the commission papers show the latest."""
    opinion = validators.choice(opinion, instructors.OPINIONS, "opinion")
    text = validators.paragraphs(text, "opinion text", required="an opinion needs --text")
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "expert_opinion", schemes.get(row["scheme"]).workflow)
        if row["expert_id"] is None:
            raise StateError(
                f"dossier {row['ref']} has no expert: call one in first "
                f"(`certcli dossier expert {row['ref']} --expert ID`)"
            )
        if row["expert_id"] != expert_id:
            called = instructors.get(store, row["expert_id"])
            raise StateError(
                f"expert {expert_id} is not the expert of dossier {row['ref']} ({called.label} is)"
            )
        person = instructors.get(store, expert_id)
        previous = dossiers.latest_expert_opinion(store, row["id"])
        store.insert(
            "expert_opinions",
            {
                "dossier_id": row["id"],
                "expert_id": expert_id,
                "opinion": opinion,
                "text": text,
                "date": date.isoformat(),
                "actor": store.actor,
            },
        )
        details: dict[str, Any] = {"expert": _ident(person), "opinion": opinion, "text": text}
        if previous:
            details["previous"] = {"opinion": previous["opinion"], "date": previous["date"]}
        dossiers.record_event(store, row, "expert_opinion", details, date)
    return ExpertOpinion(
        row["ref"], _ident(person), opinion, text, date.isoformat(), details.get("previous")
    )


def _manual(store: Store, row, person_id: int, role: str) -> Instructor:
    person = instructors.get(store, person_id)
    if person.role != role:
        hint = "dossier expert --expert" if person.role == "expert" else "dossier assign"
        raise ValidationError(
            f"{person.label} is an {person.role}, not an {role} (use `certcli {hint}`)"
        )
    if not person.active:
        raise StateError(f"{person.label} is inactive")
    current = row["instructor_id"] if role == "instructor" else row["expert_id"]
    if current == person.id:
        raise StateError(f"{person.label} is already the {role} of dossier {row['ref']}")
    return person


def _refuse_unless_override(
    person: Instructor, row, found: list[str], override: str | None
) -> None:
    if found and override is None:
        raise ConflictError(
            f"cannot give dossier {row['ref']} to {person.label}: "
            f'{"; ".join(found)} (add --override "reason" to do it anyway)'
        )


def _manual_reason(person: Instructor, overridden: list[str], override: str | None) -> str:
    reason = f"{person.label} chosen by the secretariat"
    if overridden and override is not None:
        reason += f", overriding: {'; '.join(overridden)} (reason: {override})"
    elif override:
        reason += f" (note: {override})"
    return reason
