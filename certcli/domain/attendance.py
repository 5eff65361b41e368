"""Who sat at a commission session, whether the quorum was reached, and who had to
abstain on which dossier.

The quorum rule applies to a kind of commission once it has members recorded
(`certcli member add`); an office that records none decides as before. The body
file (data/bodies/CODE.toml, table [commissions.KIND]) may set `quorum`, the
number of voting members who must be present; by default more than half of the
commission's active voting members. Each `commission attend` is a new call: the
latest one counts, the earlier ones stay in the history."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from certcli.domain import members, sessions
from certcli.errors import NotFound, SchemeError, StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import schemes, validators

if TYPE_CHECKING:
    from certcli.rules.schemes import Body
    from certcli.store import Store

STATUSES = ("present", "excused")
# Which route's body holds a commission of each kind.
WORKFLOW_OF_KIND = {"award": "opqtecc", "appeal": "opqtecc", "cpne": "cqpt"}
_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"  # compiled by `re` on first use


@dataclass(frozen=True)
class Settings:
    """A commission kind's settings from its body file: where and when it sits
    (for the convocation and the calendar) and its quorum (None: the default)."""

    kind: str
    body: Body
    title: str
    place: str
    start: str
    minutes: int
    quorum: int | None


def body_for(kind: str) -> Body:
    """The body whose commission of `kind` this is: the body of the first scheme
    (by code) of the route that kind serves, else the first scheme's."""
    catalog = schemes.catalog()
    route = WORKFLOW_OF_KIND[kind]
    chosen = [s for code, s in sorted(catalog.items()) if s.workflow == route]
    return (chosen or [catalog[sorted(catalog)[0]]])[0].body


def settings(kind: str) -> Settings:
    body = body_for(kind)
    table = body.extra.get("commissions", {})
    own = table.get(kind, {}) if isinstance(table, dict) else {}
    where = f"{body.code}.toml [commissions.{kind}]"
    if not isinstance(own, dict):
        raise SchemeError(f"{where}: must be a table")
    titles = {"award": "award_body", "appeal": "appeal_body", "cpne": "award_body"}
    default_title = {
        "award": "Commission d'attribution",
        "appeal": "Commission de recours",
        "cpne": body.name,
    }[kind]
    title = own.get("title") or body.extra.get(titles[kind]) or default_title
    place = own.get("place") or ", ".join((body.long_name, *body.address))
    start = own.get("start", "09:30")
    minutes = own.get("minutes", 180)
    quorum = own.get("quorum")
    if not isinstance(start, str) or not re.match(_TIME, start):
        raise SchemeError(f"{where}: start must be a time HH:MM, not {start!r}")
    if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
        raise SchemeError(f"{where}: minutes must be a number of minutes, not {minutes!r}")
    if quorum is not None and (not isinstance(quorum, int) or quorum < 1):
        raise SchemeError(f"{where}: quorum must be a number of members (1 or more)")
    if not isinstance(place, str) or not isinstance(title, str):
        raise SchemeError(f"{where}: place and title must be text")
    return Settings(kind, body, title, place, start, minutes, quorum)


def required(kind: str, active_voting: int) -> int:
    """Voting members who must be present: the body file's quorum, else more than
    half of the active voting members."""
    own = settings(kind).quorum
    return own if own is not None else active_voting // 2 + 1


@dataclass
class Attendance:
    """The attendance that counts for a session (`commission attend --json`)."""

    session: int
    kind: str
    date: str | None  # the day it was recorded
    present: list[int]
    excused: list[int]
    absent: list[int]  # active members neither present nor excused
    quorum: bool
    required: int
    active_members: int  # voting members active when it was recorded
    voting_present: int
    applies: bool = True  # False: no member recorded for this kind, the rule is off
    names: dict[int, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "session": self.session,
            "kind": self.kind,
            "date": self.date,
            "present": self.present,
            "excused": self.excused,
            "absent": self.absent,
            "quorum": self.quorum,
            "required": self.required,
            "active_members": self.active_members,
            "voting_present": self.voting_present,
            "applies": self.applies,
        }


def _member_ids(values: Sequence[int], what: str) -> list[int]:
    seen: list[int] = []
    for value in values:
        if value in seen:
            raise ValidationError(f"member {value} is given twice in {what}")
        seen.append(value)
    return seen


def record(
    store: Store,
    session_id: int,
    *,
    present: Sequence[int],
    excused: Sequence[int] = (),
    date: dt.date,
) -> Attendance:
    """Record who is present and who is excused at a session (a new call; the
    latest one counts). Refused for a cancelled session, once a decision is
    recorded there (the minutes must show the attendance the decisions were taken
    with), for a member of another commission or a retired one."""
    present = _member_ids(present, "--present")
    excused = _member_ids(excused, "--excused")
    both = sorted(set(present) & set(excused))
    if both:
        raise ValidationError(
            f"member {both[0]} cannot be both present and excused (--present, --excused)"
        )
    if not present:
        raise ValidationError("give at least one --present member")
    with store.transaction():
        session = sessions.row(store, session_id)
        if session["status"] == "cancelled":
            raise StateError(f"session {session_id} was cancelled")
        if store.session_decided(session_id):
            raise StateError(
                f"session {session_id} already has decisions recorded: its attendance "
                "is the one they were taken with"
            )
        kind = session["kind"]
        for member_id in (*present, *excused):
            row = store.member(member_id)
            if row is None:
                raise NotFound(f"no commission member with id {member_id}")
            member = members.from_row(row)
            if member.commission != kind:
                raise ValidationError(
                    f"member {member.label} sits on the {member.commission} commission, "
                    f"not on this {kind} session"
                )
            if not member.active:
                raise StateError(f"member {member.label} retired on {member.retired_on}")
        voting = [m for m in members.listing(store, commission=kind) if m.votes]
        need = required(kind, len(voting))
        voting_ids = {m.id for m in voting}
        here = sum(1 for m in present if m in voting_ids)
        call_id = store.insert(
            "attendance_calls",
            {
                "session_id": session_id,
                "date": date.isoformat(),
                "active_members": len(voting),
                "required": need,
                "quorum": int(here >= need),
                "actor": store.actor,
            },
        )
        for status, ids in (("present", present), ("excused", excused)):
            for member_id in ids:
                store.insert(
                    "attendance", {"call_id": call_id, "member_id": member_id, "status": status}
                )
        store.audit(
            "commission.attend",
            "session",
            session_id,
            {
                "present": list(present),
                "excused": list(excused),
                "quorum": here >= need,
                "required": need,
            },
            date,
        )
        found = of_session(store, session_id)
        assert found is not None
        return found


def of_session(store: Store, session_id: int) -> Attendance | None:
    """The attendance that counts for a session, or None when none is recorded."""
    session = sessions.row(store, session_id)
    call = store.latest_attendance_call(session_id)
    if call is None:
        return None
    rows = store.attendance(call["id"])
    present = [r["id"] for r in rows if r["status"] == "present"]
    excused = [r["id"] for r in rows if r["status"] == "excused"]
    named = set(present) | set(excused)
    absent = [m.id for m in members.listing(store, commission=session["kind"]) if m.id not in named]
    voting_present = sum(
        1 for r in rows if r["status"] == "present" and r["role"] in members.VOTING
    )
    return Attendance(
        session=session_id,
        kind=session["kind"],
        date=call["date"],
        present=present,
        excused=excused,
        absent=absent,
        quorum=bool(call["quorum"]),
        required=call["required"],
        active_members=call["active_members"],
        voting_present=voting_present,
        names={r["id"]: r["name"] for r in rows},
    )


def applies(store: Store, kind: str) -> bool:
    """Does the quorum rule apply to this kind of commission (members recorded)?"""
    return store.commission_has_members(kind)


def require_quorum(store: Store, session, *, override: str | None, date: dt.date) -> str | None:
    """Before a decision (call inside its transaction): refuse a session of a kind
    that has members when no attendance is recorded or the quorum was not reached,
    unless `override` gives the reason (audited). Returns the override recorded."""
    reason = validators.reason(override, "--override")
    if not applies(store, session["kind"]):
        if reason:
            raise ValidationError(
                f"--override is for the quorum: no member of the {session['kind']} "
                "commission is recorded, so no quorum applies"
            )
        return None
    found = of_session(store, session["id"])
    if found is not None and found.quorum:
        if reason:
            raise ValidationError(
                f"--override is for the quorum, and session {session['id']} reached it"
            )
        return None
    problem = (
        f"no attendance is recorded for session {session['id']}: record it with "
        f"`certcli commission attend {session['id']} --present ID …`"
        if found is None
        else f"session {session['id']} has no quorum ({found.voting_present} voting member(s) "
        f"present, {found.required} required)"
    )
    if not reason:
        raise StateError(f'{problem}; or decide anyway with --override "reason"')
    store.audit(
        "commission.quorum_override",
        "session",
        session["id"],
        {"reason": reason, "problem": problem},
        date,
    )
    return reason


def who_abstains(store: Store, session, dossier_row) -> list[dict]:
    """The voting members sitting at this session (present in the attendance; all
    active voting members when none is recorded) who must abstain on this dossier,
    with why: [{"member", "name", "reason"}]."""
    candidate = store.candidate(dossier_row["candidate_id"])
    found = of_session(store, session["id"])
    pool = [m for m in members.listing(store, commission=session["kind"]) if m.votes]
    if found is not None:
        pool = [m for m in (members.get(store, i) for i in found.present) if m.votes]
    out = []
    for member in pool:
        why = members.conflicts(member, candidate)
        if why:
            out.append({"member": member.id, "name": member.name, "reason": "; ".join(why)})
    return out


def record_abstentions(store: Store, session, dossier_row) -> list[dict]:
    """At a decision (inside its transaction): record who abstained on it."""
    found = who_abstains(store, session, dossier_row)
    for item in found:
        store.insert(
            "abstentions",
            {
                "session_id": session["id"],
                "dossier_id": dossier_row["id"],
                "member_id": item["member"],
                "reason": item["reason"],
            },
        )
    return found
