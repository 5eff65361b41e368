"""Agendas of the commission sessions: who is placed before which session.

An agenda records each dossier's step on the session day (SPEC §8), whenever it is
built; the day it was built is kept in the audit trail. A dossier placed on it can
still be withdrawn before the session, which takes it off every agenda where it is
undecided and frees its place. `place` is the one way onto an agenda: the award
and appeal agendas built here, and the CQPT transmission to a CPNE session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from certcli.domain import dossiers, sessions
from certcli.rules import dates, schemes

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


def _award_queue(store: Store, session, day: dt.date, built: dt.date, placed: set[int]):
    """(dossier row, reason it cannot be placed or None), oldest report first."""
    opqtecc = {code: s for code, s in schemes.catalog().items() if s.workflow == "opqtecc"}
    for row in store.dossiers_awaiting_award(sorted(opqtecc)):
        cutoff = opqtecc[row["scheme"]].agenda_cutoff_days
        needed_by = day - dt.timedelta(days=cutoff)
        last_change = store.last_status_change(row["id"])
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
        elif row["report_on"] > needed_by.isoformat():
            yield (
                row,
                (
                    f"too late: report in on {row['report_on']}, needed by "
                    f"{needed_by.isoformat()} ({cutoff} days before the session)"
                ),
            )
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
            if reason is None and capacity is not None and taken >= capacity:
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
        [i["ref"] for i in store.agenda_items(session_id)],
        added,
        postponed,
    )


def remove_from_agendas(store: Store, dossier_row) -> list[int]:
    """Take a dossier off every agenda where it is still undecided (it is withdrawn):
    the sessions it leaves, whose places free up. Call inside a transaction."""
    left = store.undecided_agenda_sessions(dossier_row["id"])
    if left:
        store.delete_undecided_agenda_items(dossier_row["id"])
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
        }
        for i in store.agenda_items(session_id)
    ]
