"""Agendas of the commission sessions: who is placed before which session.

An agenda records each dossier's step on the session day (SPEC §8), whenever it is
built; the day it was built is kept in the audit trail. A dossier placed on it can
still be withdrawn before the session, which takes it off every agenda where it is
undecided and frees its place. `place` is the one way onto an agenda: the award
and appeal agendas built here, and the CQPT transmission to a CPNE session.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certcli.domain import dossiers, sessions
from certcli.errors import StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import dates, schemes, validators

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Agenda:
    """A session's agenda once built: every dossier on it, those added now, and
    those that wait with the reason (`commission agenda --json`)."""

    session: int
    date: str
    kind: str
    capacity: int | None
    built_on: str
    agenda: list[str]
    added: list[str]
    postponed: list[dict]  # {"ref", "reason"}

    def to_dict(self) -> dict:
        return asdict(self)


def full(session, taken: int) -> bool:
    """Whether a session with `taken` places used (store.agenda_taken: a withdrawn or
    cancelled line frees its place) takes no more dossier: the one capacity rule of the
    award and appeal agendas and of the CQPT transmission to a CPNE."""
    return session["capacity"] is not None and taken >= session["capacity"]


def place(store: Store, session, dossier_row, *, appeal_id: int | None = None) -> int:
    """Put a dossier on a session's agenda, at the next place: the one way onto an
    agenda (award and appeal agendas, the CQPT transmission to a CPNE). The dossier,
    and the appeal heard there, then point to that session. Returns the position;
    the caller records the step (agenda, transmit). Call inside a transaction."""
    position = store.next_agenda_position(session["id"])
    store.insert(
        "agenda_items",
        {
            "session_id": session["id"],
            "dossier_id": dossier_row["id"],
            "position": position,
            "appeal_id": appeal_id,
        },
    )
    if dossier_row["session_id"] != session["id"]:
        store.update("dossiers", dossier_row["id"], {"session_id": session["id"]})
    if appeal_id is not None:
        store.update("appeals", appeal_id, {"session_id": session["id"]})
    return position


def _placed(
    store: Store, session, dossier_row, day: dt.date, *, appeal_id=None, status=None
) -> None:
    """Place a dossier on an award or appeal agenda and record its agenda step."""
    position = place(store, session, dossier_row, appeal_id=appeal_id)
    dossiers.record_event(
        store,
        dossier_row,
        "agenda",
        {
            "session": session["id"],
            "session_date": session["date"],
            "kind": session["kind"],
            "position": position,
        },
        day,
        status=status,
    )


def report_too_late(row, day: dt.date) -> str | None:
    """Why a reported dossier is too late for an award session on `day` (its report
    must be in the scheme's cut-off days before), or None."""
    cutoff = schemes.get(row["scheme"]).agenda_cutoff_days
    needed_by = day - dt.timedelta(days=cutoff)
    if row["report_on"] and row["report_on"] > needed_by.isoformat():
        return (
            f"too late: report in on {row['report_on']}, needed by "
            f"{needed_by.isoformat()} ({cutoff} days before the session)"
        )
    return None


def _award_queue(store: Store, session, day: dt.date, built: dt.date, placed: set[int]):
    """(dossier row, reason it cannot be placed or None), oldest report first."""
    opqtecc = {code: s for code, s in schemes.catalog().items() if s.workflow == "opqtecc"}
    for row in store.dossiers_awaiting_award(sorted(opqtecc)):
        late = report_too_late(row, day)
        # An agenda step of a cancelled session is dated on its (lost) session day.
        last_change = store.last_status_change(row["id"], ignore=("agenda",))
        if row["id"] in placed:
            yield row, "adjourned at this session"
        elif last_change and last_change > day.isoformat():
            yield (
                row,
                (
                    f"its status last changed on {last_change}, after the session: "
                    "place it on a later session"
                ),
            )
        elif last_change and last_change > built.isoformat():
            yield (
                row,
                (
                    f"its status last changed on {last_change}, after this agenda's "
                    f"date ({built.isoformat()}): build the agenda with --date "
                    f"{last_change} or later"
                ),
            )
        elif not row["report_on"]:
            yield row, "no report recorded"
        elif late:
            yield row, late
        else:
            yield row, None


def _appeal_queue(store: Store, session, day: dt.date, built: dt.date, placed: set[int]):
    for row in store.dossiers_appealed():
        if row["id"] in placed or row["appeal_session"] not in (None, session["id"]):
            continue  # already before this or another appeals session
        if row["filed_on"] >= day.isoformat():
            yield row, f"too late: appeal filed on {row['filed_on']}, not before the session"
        elif row["filed_on"] > built.isoformat():
            yield (
                row,
                (
                    f"appeal filed on {row['filed_on']}, after this agenda's date "
                    f"({built.isoformat()}): build the agenda with --date "
                    f"{row['filed_on']} or later"
                ),
            )
        else:
            yield row, None


def build_agenda(store: Store, session_id: int, *, date: dt.date) -> Agenda:
    """Place the waiting dossiers on a session's agenda, up to its capacity.

    Each dossier's agenda step is dated on the session day (SPEC §8); `date`, the
    day the secretariat builds it, dates the audit entry. A withdrawal may still
    come before the session (see dossiers.record_event). Rebuilding keeps what is
    placed and writes nothing new when nothing new qualifies. Capacity counts the
    dossiers still on the agenda: a withdrawn dossier leaves it and frees its place."""
    postponed, added = [], []
    with store.transaction():
        session = sessions.row(store, session_id)
        if session["status"] == "cancelled":
            raise StateError(f"session {session_id} is 'cancelled': cannot build its agenda")
        day = dates.from_iso(session["date"])
        # What qualifies is judged on the day the agenda is built (no dossier placed
        # before it was ready); the steps themselves are dated on the session day.
        built = min(date, day)
        capacity = session["capacity"]
        items = store.agenda_items(session_id)
        placed = {i["dossier_id"] for i in items}
        if session["kind"] == "cpne":
            # The CQPT transmission puts the dossier before this CPNE; only make sure
            # each has its agenda line.
            queue = [
                (r, None) for r in store.dossiers_transmitted(session_id) if r["id"] not in placed
            ]
        elif session["kind"] == "appeal":
            queue = _appeal_queue(store, session, day, built, placed)
        else:
            queue = _award_queue(store, session, day, built, placed)
        taken = store.agenda_taken(session_id)
        for row, reason in queue:
            if reason is None and full(session, taken):
                reason = f"capacity full: the session takes {capacity} dossiers"
            if reason is not None:
                postponed.append({"ref": row["ref"], "reason": reason})
                continue
            if session["kind"] == "cpne":
                place(store, session, row)
            elif session["kind"] == "appeal":
                _placed(store, session, row, day, appeal_id=row["appeal_id"])
            else:
                _placed(store, session, row, day, status="on_agenda")
            added.append(row["ref"])
            taken += 1
        if added:
            store.audit(
                "commission.agenda",
                "session",
                session_id,
                {
                    "added": added,
                    "postponed": len(postponed),
                    "session_date": session["date"],
                    "built_on": date.isoformat(),
                },
                date,
            )
    return Agenda(
        session_id,
        session["date"],
        session["kind"],
        capacity,
        built.isoformat(),
        [i["ref"] for i in store.agenda_items(session_id) if i["line"] == "placed"],
        added,
        postponed,
    )


def remove_from_agendas(store: Store, dossier_row) -> list[int]:
    """Take a dossier off every agenda where it is still undecided (it is withdrawn):
    the sessions it leaves, whose places free up. Call inside a transaction."""
    left = store.undecided_agenda_sessions(dossier_row["id"])
    if left:
        store.leave_agendas(dossier_row["id"], "withdrawn")
        if dossier_row["session_id"] in left:
            store.update("dossiers", dossier_row["id"], {"session_id": None})
        # A pending appeal placed before a session is no longer before it.
        store.unplace_pending_appeal(dossier_row["id"])
    return left


def agenda_items(store: Store, session_id: int) -> list[dict]:
    sessions.row(store, session_id)
    return [
        {
            "position": i["position"],
            "ref": i["ref"],
            "candidate_id": i["candidate_id"],
            "holder": f"{i['first_name']} {i['last_name']}",
            "scheme": i["scheme"],
            "kind": i["dossier_kind"],
            "report_on": i["report_on"],
            "status": i["status"],
            "decision": i["decision"],
            "line": i["line"],
            "report_amended_on": i["report_amended_on"],
            "expert_opinion": (dossiers.latest_expert_opinion(store, i["dossier_id"]) or {}).get(
                "opinion"
            ),
        }
        for i in store.agenda_items(session_id)
    ]


# -- corrections ----------------------------------------------------------------------
# Where an undecided dossier goes back to when its session is cancelled: the step
# before it was placed (an appealed dossier stays appealed, before no session).
BACK_FROM_CANCELLED = {"on_agenda": "report_ready", "transmitted": "evaluation"}


def _correctable(store: Store, session, what: str) -> None:
    """A session is corrected until a decision is recorded there, never once cancelled."""
    if session["status"] == "cancelled":
        raise StateError(f"session {session['id']} is 'cancelled': cannot {what} it")
    decided = store.session_decided(session["id"])
    if decided:
        raise StateError(
            f"session {session['id']} ({session['date']}) has {decided} decision(s) "
            f"recorded: cannot {what} it"
        )


@dataclass
class Cancelled:
    """A session cancelled (`commission cancel --json`): the session's keys, then why
    and where each dossier of its agenda went back to."""

    session: sessions.Session
    reason: str
    released: list[dict]  # {"ref", "status"}

    def to_dict(self) -> dict:
        return {**self.session.to_dict(), "reason": self.reason, "released": self.released}


@dataclass
class Moved:
    """A session moved (`commission move --json`): the session's keys (its new day),
    the day it left, why, and the dossiers its agenda keeps."""

    session: sessions.Session
    moved_from: str
    reason: str
    agenda: list[str]

    def to_dict(self) -> dict:
        return {
            **self.session.to_dict(),
            "moved_from": self.moved_from,
            "reason": self.reason,
            "agenda": self.agenda,
        }


def cancel(store: Store, session_id: int, *, reason: str | None, date: dt.date) -> Cancelled:
    """Cancel a session before any decision: its undecided agenda lines are kept as
    'cancelled' and each dossier goes back to the step before its placing
    (on_agenda -> report_ready, transmitted -> evaluation; an appeal waits for
    another appeals session), to be placed on another session."""
    reason = validators.reason(reason, required="a cancellation needs --reason")
    with store.transaction():
        session = sessions.row(store, session_id)
        _correctable(store, session, "cancel")
        released = []
        for dossier in store.undecided_agenda(session_id):
            back = BACK_FROM_CANCELLED.get(dossier["status"])
            dossiers.record_event(
                store,
                dossier,
                "session_cancelled",
                {"session": session_id, "session_date": session["date"], "reason": reason},
                date,
                status=back,
            )
            if dossier["session_id"] == session_id:
                store.update("dossiers", dossier["id"], {"session_id": None})
            if dossier["item_appeal"] is not None:
                store.update("appeals", dossier["item_appeal"], {"session_id": None})
            released.append({"ref": dossier["ref"], "status": back or dossier["status"]})
        store.clear_agenda(session_id, "cancelled")
        store.update("sessions", session_id, {"status": "cancelled"})
        store.audit(
            "commission.cancel",
            "session",
            session_id,
            {
                "date": session["date"],
                "kind": session["kind"],
                "status": [session["status"], "cancelled"],
                "reason": reason,
                "released": [r["ref"] for r in released],
            },
            date,
        )
        after = store.session(session_id)
    return Cancelled(sessions.Session.from_row(after), reason, released)


def move(
    store: Store,
    session_id: int,
    *,
    to: dt.date,
    reason: str | None,
    date: dt.date,
    force: bool = False,
) -> Moved:
    """Move a session to another day (a working day, as for `add`) before any
    decision; the dossiers on its agenda stay there (each report still in the
    scheme's cut-off days before the new day) and their timelines say so."""
    reason = validators.reason(reason, required="a move needs --reason")
    forced = dates.require_working_day(to, force=force)
    with store.transaction():
        session = sessions.row(store, session_id)
        _correctable(store, session, "move")
        if to.isoformat() == session["date"]:
            raise ValidationError(f"session {session_id} is already on {session['date']}")
        undecided = store.undecided_agenda(session_id)
        for dossier in undecided:
            # Its decision will be dated on the new day: not before the dossier's
            # last step (an adjournment...), nor too soon after its report.
            dossiers.check_date(store, dossier, "session day", to, ignore=("agenda",))
            late = report_too_late(dossier, to) if session["kind"] == "award" else None
            if late:
                raise StateError(f"dossier {dossier['ref']} would be {late}")
        store.update("sessions", session_id, {"date": to.isoformat()})
        moved = {"session": session_id, "date": [session["date"], to.isoformat()], "reason": reason}
        for dossier in undecided:
            # Not a change of status, so only the opening bounds its date.
            dossiers.record_event(store, dossier, "session_moved", moved, date)
        details = {**moved, "kind": session["kind"], "agenda": [d["ref"] for d in undecided]}
        if forced:
            details["forced"] = forced
        store.audit("commission.move", "session", session_id, details, date)
        after = store.session(session_id)
    return Moved(
        sessions.Session.from_row(after), session["date"], reason, [d["ref"] for d in undecided]
    )
