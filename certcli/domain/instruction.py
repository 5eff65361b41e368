"""Instruction of a complete dossier: requests for complementary elements,
phone interviews, the instructor's report, withdrawal, overdue requests, and
what `dossier show` tells of all this.

Pieces, fee and completeness are in `reception`; who instructs is in
`assignment`. Each step checks the state machine first and writes through
`dossiers.record_event`, inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from certcli.domain import certificates, completeness, dossiers
from certcli.errors import ConflictError, NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import dates, schemes, validators, workflow
from certcli.rules import fastjson as json
from certcli.rules.money import as_str, to_decimal

if TYPE_CHECKING:
    from certcli.domain.instructors import Instructor
    from certcli.store import Store


RECOMMENDATIONS = ("grant", "refuse")
MAX_INTERVIEW_MINUTES = 480
_AT = "%Y-%m-%d %H:%M"  # stored form of an interview's start: sorts as text


@dataclass
class Request:
    ref: str
    request_id: int
    items: str
    requested_on: str
    due: str
    status: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Interview:
    ref: str
    interview_id: int
    at: str
    minutes: int
    instructor: dict

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    ref: str
    recommendation: str
    mentions: list[str]
    text: str | None
    report_on: str
    status: str
    amended_on: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.amended_on is None:  # a first report: the keys it always had
            del data["amended_on"], data["reason"]
        return data


@dataclass
class Withdrawal:
    ref: str
    status: str
    closed_on: str
    reason: str | None
    interviews_cancelled: int  # scheduled interviews cancelled
    removed_from_agenda: list[int]  # the sessions whose agenda it left

    def to_dict(self) -> dict:
        return asdict(self)


def request(store: Store, ref: str, *, items: str, due: dt.date, date: dt.date) -> Request:
    """Ask the candidate for complementary elements by `due`; the dossier waits."""
    items = validators.reason(items, "items", required="--items must say what is asked")
    if due <= date:
        raise ValidationError(
            f"the due date {due.isoformat()} must be after the request date {date.isoformat()}"
        )
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "request", schemes.get(row["scheme"]).workflow)
        request_id = store.insert(
            "requests",
            {
                "dossier_id": row["id"],
                "items": items,
                "requested_on": date.isoformat(),
                "due": due.isoformat(),
            },
        )
        dossiers.record_event(
            store,
            row,
            "requested",
            {"request_id": request_id, "items": items, "due": due.isoformat()},
            date,
            status="waiting",
        )
    return Request(row["ref"], request_id, items, date.isoformat(), due.isoformat(), "waiting")


def _instructor_of(store: Store, row) -> Instructor:
    from certcli.domain import instructors  # only a step being recorded needs it

    if row["instructor_id"] is None:
        raise StateError(
            f"dossier {row['ref']} has no instructor yet: assign one first "
            f"(`certcli dossier assign {row['ref']} --auto`)"
        )
    return instructors.get(store, row["instructor_id"])


def interview(
    store: Store, ref: str, *, at: str, minutes: int = 60, date: dt.date, force: bool = False
) -> Interview:
    """Schedule the phone interview with the dossier's instructor; refused when it
    overlaps another interview that instructor has scheduled for a dossier still
    under instruction, or falls on a weekend or a public holiday (unless `force`)."""
    if not 1 <= minutes <= MAX_INTERVIEW_MINUTES:
        raise ValidationError(f"invalid length {minutes} minutes (1 to {MAX_INTERVIEW_MINUTES})")
    start = _start(at, date)
    forced = dates.require_working_day(start.date(), force=force)
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "interview", schemes.get(row["scheme"]).workflow)
        person = _instructor_of(store, row)
        clash = _clash(store, person, start, minutes)
        if clash:
            raise ConflictError(clash)
        interview_id = store.insert(
            "interviews",
            {
                "dossier_id": row["id"],
                "instructor_id": person.id,
                "at": start.strftime(_AT),
                "minutes": minutes,
            },
        )
        ident = {"id": person.id, "name": person.name}
        details = {
            "interview_id": interview_id,
            "at": start.strftime(_AT),
            "minutes": minutes,
            "instructor": ident,
        }
        if forced:
            details["forced"] = forced
        dossiers.record_event(store, row, "interview", details, date)
    return Interview(row["ref"], interview_id, start.strftime(_AT), minutes, ident)


def _start(at: str, date: dt.date) -> dt.datetime:
    """An interview's start, not before the day it is scheduled (or moved) on."""
    start = dates.parse_datetime(at)
    if start.date() < date:
        raise ValidationError(
            f"the interview on {start.strftime(_AT)} is before the date "
            f"it is scheduled on ({date.isoformat()})"
        )
    return start


def _clash(
    store: Store, person, start: dt.datetime, minutes: int, *, skip: int | None = None
) -> str | None:
    """What an interview at `start` would overlap in `person`'s schedule, or None
    (`skip`: the interview being moved). Interviews of dossiers closed or past their
    report hold no slot."""
    end = start + dt.timedelta(minutes=minutes)
    for other in store.scheduled_interviews_of(person.id):
        if other["id"] == skip:
            continue
        other_start = dt.datetime.strptime(other["at"], _AT)
        other_end = other_start + dt.timedelta(minutes=other["minutes"])
        if start < other_end and other_start < end:
            return (
                f"{person.label} already has an interview for dossier {other['ref']} "
                f"from {other['at']} to {other_end.strftime('%H:%M')}, which overlaps "
                f"{start.strftime(_AT)}-{end.strftime('%H:%M')}"
            )
    return None


def hand_over_interviews(
    store: Store, row, previous_id: int, person, date: dt.date
) -> tuple[list[dict], list[dict]]:
    """On a reassignment, give the new instructor the dossier's interviews scheduled
    from `date` on with the previous one; one that clashes with the new instructor's
    schedule is cancelled (the candidate is to be called for a new one). Returns
    (moved, cancelled), each [{"at", "minutes"}], a cancelled one with its "clash".
    Call inside the reassignment's transaction."""
    moved, cancelled = [], []
    for booked in store.future_interviews(row["id"], previous_id, date.isoformat()):
        start = dt.datetime.strptime(booked["at"], _AT)
        clash = _clash(store, person, start, booked["minutes"])
        slot = {"at": booked["at"], "minutes": booked["minutes"]}
        if clash:
            store.update("interviews", booked["id"], {"status": "cancelled"})
            cancelled.append({**slot, "clash": clash})
        else:
            store.update("interviews", booked["id"], {"instructor_id": person.id})
            moved.append(slot)
    return moved, cancelled


def report(
    store: Store,
    ref: str,
    *,
    recommend: str,
    mentions: Sequence[str] = (),
    text: str | None = None,
    date: dt.date,
    amend: bool = False,
    reason: str | None = None,
) -> Report:
    """Record the instructor's report and recommendation; the dossier is then
    ready for the award commission. `amend`: correct the report recorded, while
    the dossier is not decided (on an agenda it stays there); the first report's
    date stands, the amendment's day and reason are kept with the before and after."""
    recommend = validators.choice(recommend, RECOMMENDATIONS, "recommendation")
    text = validators.paragraphs(text, "report text")
    if amend:
        reason = validators.reason(reason, required="an amendment needs --reason")
    elif reason is not None:
        raise ValidationError("--reason goes with --amend")
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "amend_report" if amend else "report", scheme.workflow)
        chosen = certificates.check_mentions(scheme, list(mentions))
        if chosen and recommend == "refuse":
            raise ValidationError("mentions go with a recommendation to grant, not to refuse")
        _instructor_of(store, row)
        if amend:
            return _amend(store, row, recommend, chosen, text, reason, date)
        store.update(
            "dossiers",
            row["id"],
            {
                "report_on": date.isoformat(),
                "recommendation": recommend,
                "report_mentions": json.dumps(chosen, ensure_ascii=False),
                "report_text": text,
            },
        )
        details = {"recommendation": recommend, "mentions": chosen}
        if text:
            details["text"] = text
        dossiers.record_event(store, row, "report", details, date, status="report_ready")
    return Report(row["ref"], recommend, chosen, text, date.isoformat(), "report_ready")


def _amend(store: Store, row, recommend, chosen, text, reason, date: dt.date) -> Report:
    before = {
        "recommendation": row["recommendation"],
        "mentions": json.loads(row["report_mentions"] or "[]"),
        "text": row["report_text"],
    }
    after = {"recommendation": recommend, "mentions": chosen, "text": text}
    if before == after:
        raise ValidationError(f"dossier {row['ref']}: the amendment changes nothing in the report")
    store.update(
        "dossiers",
        row["id"],
        {
            "recommendation": recommend,
            "report_mentions": json.dumps(chosen, ensure_ascii=False),
            "report_text": text,
            "report_amended_on": date.isoformat(),
        },
    )
    details = {"before": before, "after": after, "reason": reason}
    dossiers.record_event(store, row, "report_amended", details, date)
    return Report(
        row["ref"],
        recommend,
        chosen,
        text,
        row["report_on"],
        row["status"],
        date.isoformat(),
        reason,
    )


def withdraw(store: Store, ref: str, *, reason: str | None = None, date: dt.date) -> Withdrawal:
    """The candidate withdraws: the dossier closes, its scheduled interviews are
    cancelled (freeing the instructor's slots) and it leaves every agenda it is on
    undecided (freeing its place at the session)."""
    # Imported here: `dossier show` imports this module and needs no agenda (issue 20).
    from certcli.domain import agenda

    reason = validators.reason(reason)
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "withdraw", schemes.get(row["scheme"]).workflow)
        cancelled = store.cancel_interviews(row["id"])
        left = agenda.remove_from_agendas(store, row)
        store.update("dossiers", row["id"], {"closed_on": date.isoformat()})
        details: dict[str, Any] = {"reason": reason} if reason else {}
        if cancelled:
            details["interviews_cancelled"] = cancelled
        if left:
            details["removed_from_agenda"] = left
        dossiers.record_event(store, row, "withdrawn", details, date, status="withdrawn")
    return Withdrawal(row["ref"], "withdrawn", date.isoformat(), reason, cancelled, left)


def overdue(
    store: Store,
    *,
    as_of: dt.date,
    scheme: str | None = None,
    kind: str | None = None,
    candidate_id: int | None = None,
) -> list[dict]:
    """Dossiers waiting for complements whose (earliest) open request is past due
    on `as_of` (the due day itself is not late)."""
    scheme = schemes.get(scheme).code if scheme else None
    found = []
    for r in store.overdue_dossiers(
        as_of.isoformat(), scheme=scheme, kind=kind, candidate_id=candidate_id
    ):
        data = dossiers.get(store, r["ref"]).to_dict()
        data.update(
            due=r["due"],
            items=r["items"],
            days_overdue=(as_of - dt.date.fromisoformat(r["due"])).days,
        )
        found.append(data)
    return found


def overdue_interviews(
    store: Store,
    *,
    as_of: dt.date,
    scheme: str | None = None,
    kind: str | None = None,
    candidate_id: int | None = None,
) -> list[dict]:
    """Interviews of open dossiers still 'scheduled' after their day: held or not,
    nobody said (`dossier interview-held`). Same shape as `overdue`."""
    scheme = schemes.get(scheme).code if scheme else None
    found = []
    for r in store.overdue_interviews(
        as_of.isoformat(), scheme=scheme, kind=kind, candidate_id=candidate_id
    ):
        data = dossiers.get(store, r["ref"]).to_dict()
        due = r["at"][:10]
        data.update(
            due=due,
            items=f"interview {r['interview_id']} of {r['at']}: held or no-show?",
            interview_id=r["interview_id"],
            days_overdue=(as_of - dt.date.fromisoformat(due)).days,
        )
        found.append(data)
    return found


def _person(store: Store, person_id):
    if person_id is None:
        return None
    row = store.instructor(person_id)
    if row is None:
        raise NotFound(f"no instructor or expert with id {person_id}")
    return {"id": row["id"], "name": row["name"]}


def dossier_details(store: Store, dossier) -> dict:
    """What `dossier show` adds for this stage (JSON keys)."""
    row = store.dossier_by_id(dossier.id)
    if row is None:
        raise NotFound(f"no dossier {dossier.ref}")
    data: dict[str, Any] = {}
    if schemes.get(dossier.scheme).workflow == "opqtecc":
        report_data = None
        opinions = dossiers.expert_opinions(store, row["id"])
        if row["recommendation"]:
            report_data = {
                "on": row["report_on"],
                "recommendation": row["recommendation"],
                "mentions": json.loads(row["report_mentions"] or "[]"),
                "text": row["report_text"],
                "amended_on": row["report_amended_on"],
                "expert_opinion": opinions[-1] if opinions else None,
            }
        data.update(
            instructor=_person(store, row["instructor_id"]),
            expert=_person(store, row["expert_id"]),
            requests=[
                {
                    "items": r["items"],
                    "requested_on": r["requested_on"],
                    "due": r["due"],
                    "satisfied_on": r["satisfied_on"],
                }
                for r in store.requests(row["id"])
            ],
            interviews=[
                {
                    "id": i["id"],
                    "at": i["at"],
                    "minutes": i["minutes"],
                    "instructor": i["instructor_name"],
                    "status": i["status"],
                }
                for i in store.interviews(row["id"])
            ],
            report=report_data,
            expert_opinions=opinions,
        )
    checked = dossiers.eligibility_at_last_check(store, row["id"])
    if checked is not None:
        data["eligibility"] = checked
    data["payments"] = [
        {
            "paid_on": p["paid_on"],
            "amount": as_str(to_decimal(p["amount"])),
            "method": p["method"],
            "reference": p["reference"],
            "kind": p["kind"],  # payment, or refund (stored negative)
            "reason": p["reason"],
        }
        for p in store.dossier_payments(row["id"])
    ]
    data["completeness"] = completeness.summary(store, row)
    return data


# -- correcting an interview -------------------------------------------------------------
OUTCOMES = ("held", "no-show")


@dataclass
class InterviewRecord:
    """An interview as it stands after a correction or an outcome."""

    ref: str
    id: int
    at: str
    minutes: int
    status: str
    notes: str | None
    reason: str | None = None
    moved_from: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _booked(store: Store, row, interview_id: int, what: str):
    """The dossier's interview `interview_id`, still scheduled (else refused naming
    its status)."""
    booked = store.interview(interview_id)
    if booked is None or booked["dossier_id"] != row["id"]:
        raise NotFound(f"dossier {row['ref']} has no interview {interview_id}")
    if booked["status"] != "scheduled":
        raise StateError(f"interview {interview_id} is '{booked['status']}': cannot {what} it")
    return booked


def _record(store: Store, row, interview_id: int, **extra) -> InterviewRecord:
    now = store.interview(interview_id)
    assert now is not None  # written in this transaction
    return InterviewRecord(
        row["ref"], now["id"], now["at"], now["minutes"], now["status"], now["notes"], **extra
    )


def cancel_interview(
    store: Store, ref: str, *, interview_id: int, reason: str | None, date: dt.date
) -> InterviewRecord:
    """Cancel a scheduled interview (the instructor's slot is free again)."""
    reason = validators.reason(reason, required="a cancellation needs --reason")
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "interview_change", schemes.get(row["scheme"]).workflow)
        booked = _booked(store, row, interview_id, "cancel")
        store.update("interviews", interview_id, {"status": "cancelled"})
        details = {
            "interview_id": interview_id,
            "at": booked["at"],
            "interview": ["scheduled", "cancelled"],
            "reason": reason,
        }
        dossiers.record_event(store, row, "interview_cancelled", details, date)
        return _record(store, row, interview_id, reason=reason)


def move_interview(
    store: Store,
    ref: str,
    *,
    interview_id: int,
    at: str,
    reason: str | None,
    date: dt.date,
    force: bool = False,
) -> InterviewRecord:
    """Move a scheduled interview to another start, with the rules of `interview`
    (not before `date`, a working day unless `force`, no overlap with the
    instructor's other interviews)."""
    reason = validators.reason(reason, required="a move needs --reason")
    start = _start(at, date)
    forced = dates.require_working_day(start.date(), force=force)
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "interview_change", schemes.get(row["scheme"]).workflow)
        booked = _booked(store, row, interview_id, "move")
        if start.strftime(_AT) == booked["at"]:
            raise ValidationError(f"interview {interview_id} is already on {booked['at']}")
        person = _instructor_of(store, row)
        clash = _clash(store, person, start, booked["minutes"], skip=interview_id)
        if clash:
            raise ConflictError(clash)
        store.update(
            "interviews", interview_id, {"at": start.strftime(_AT), "instructor_id": person.id}
        )
        details: dict[str, Any] = {
            "interview_id": interview_id,
            "at": [booked["at"], start.strftime(_AT)],
            "reason": reason,
        }
        if forced:
            details["forced"] = forced
        dossiers.record_event(store, row, "interview_moved", details, date)
        return _record(store, row, interview_id, reason=reason, moved_from=booked["at"])


def interview_outcome(
    store: Store,
    ref: str,
    *,
    interview_id: int,
    outcome: str,
    notes: str | None = None,
    date: dt.date,
) -> InterviewRecord:
    """Record that a scheduled interview was held or that the candidate did not come
    (no-show), once its start has passed on `date`."""
    outcome = validators.choice(outcome, OUTCOMES, "outcome")
    notes = validators.paragraphs(notes, "notes")
    with store.transaction():
        row = dossiers.row(store, ref)
        workflow.require(row, "interview_outcome", schemes.get(row["scheme"]).workflow)
        booked = _booked(store, row, interview_id, f"record it as {outcome}")
        if booked["at"][:10] > date.isoformat():
            raise ValidationError(
                f"interview {interview_id} is on {booked['at']}: its outcome is recorded "
                f"from that day, not on {date.isoformat()}"
            )
        store.update("interviews", interview_id, {"status": outcome, "notes": notes})
        details = {"interview_id": interview_id, "at": booked["at"], "outcome": outcome}
        if notes:
            details["notes"] = notes
        dossiers.record_event(store, row, "interview_outcome", details, date)
        return _record(store, row, interview_id)
