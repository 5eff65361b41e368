"""Appeals (Commission de recours): filing within the scheme's delay after a refusal.

The appeal is heard at an `appeal` session through `commission decide`: a grant
there is a normal grant, a refusal confirms the first one. One appeal per
dossier: a confirmed refusal is final.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certcli.domain import dossiers
from certcli.errors import StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import dates, schemes, validators, workflow

if TYPE_CHECKING:
    from collections.abc import Iterator

    from certcli.store import Store


# The letters that notify a first-instance refusal (follow_up.after_decision).
REFUSAL_LETTERS = ("refus", "cqpt-decision")


@dataclass
class Deadline:
    """The last day to appeal, and what it runs from: "notification" (the day the
    refusal letter was notified, SPEC §2.8) or "decision" (while that is not known)."""

    date: dt.date
    source: str
    notified_on: dt.date | None = None


def deadline(
    scheme, refused_on: dt.date, *, store: Store | None = None, dossier_id: int | None = None
) -> Deadline:
    """The appeal deadline of a refusal decided on `refused_on`: the scheme's delay
    from the day its refusal letter was notified (`letters notified`) when one was,
    from the decision day otherwise. The one rule of `appeal file`, `appeal list`,
    `dossier show` and the letters."""
    return Deadline(*deadline_of(scheme, refused_on, store=store, dossier_id=dossier_id))


def deadline_of(
    scheme, refused_on: dt.date, *, store: Store | None = None, dossier_id: int | None = None
) -> tuple[dt.date, str, dt.date | None]:
    """deadline()'s date, source and notification day, without building the record
    (`dossier show --json` makes no record class: issue 20, start-up)."""
    found = None
    if store is not None and dossier_id is not None:
        found = store.first_notified(dossier_id, REFUSAL_LETTERS, refused_on.isoformat())
    if found is not None:
        notified = dates.from_iso(found["notified_on"])
        return (
            dates.appeal_deadline(notified, scheme.appeal_delay_months),
            "notification",
            notified,
        )
    return dates.appeal_deadline(refused_on, scheme.appeal_delay_months), "decision", None


@dataclass
class Filed:
    """An appeal just filed (`appeal file --json`)."""

    id: int
    ref: str
    filed_on: str
    deadline: str
    deadline_from: str  # "notification" or "decision" (see Deadline)
    status: str

    def to_dict(self) -> dict:
        return asdict(self)


def file(store: Store, ref: str, *, date: dt.date, reason: str | None = None) -> Filed:
    """File an appeal against a refusal; the last day of the delay is still in time."""
    reason = validators.reason(reason)
    with store.transaction():
        # Read under the write lock: of two appeals filed at once, the second sees the
        # first and is refused.
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        earlier = store.appeals(dossier_id=row["id"])
        if earlier:
            raise StateError(_already_appealed(row, earlier[-1]))
        workflow.require(row, "appeal", scheme.workflow)
        limit = deadline(
            scheme, dates.from_iso(row["decided_on"]), store=store, dossier_id=row["id"]
        )
        last_day = limit.date
        if date.isoformat() < row["decided_on"]:
            raise ValidationError(
                f"appeal dated {date} is before the refusal ({row['decided_on']})"
            )
        if date > last_day:
            raise StateError(
                f"dossier {row['ref']}: too late to appeal on {date}, the appeal "
                f"deadline was {last_day.isoformat()} ({_from(limit)})"
            )
        appeal_id = store.insert(
            "appeals",
            {
                "dossier_id": row["id"],
                "filed_on": date.isoformat(),
                "deadline": last_day.isoformat(),
                "deadline_from": limit.source,
                "reason": reason,
            },
        )
        dossiers.record_event(
            store,
            row,
            "appeal",
            {"deadline": last_day.isoformat(), "deadline_from": limit.source, "reason": reason},
            date,
            status="appealed",
        )
    return Filed(
        appeal_id, row["ref"], date.isoformat(), last_day.isoformat(), limit.source, "appealed"
    )


def _from(limit: Deadline) -> str:
    """What a deadline runs from, in words."""
    if limit.notified_on is not None:  # source "notification"
        return f"from the refusal's notification on {limit.notified_on.isoformat()}"
    return "from the decision: no notification of the refusal letter is recorded"


def _already_appealed(row, appeal) -> str:
    """Why a second appeal is refused: one appeal per dossier, whatever its stage."""
    ref, filed = row["ref"], appeal["filed_on"]
    if appeal["outcome"] is not None:
        final = "the refusal is final" if appeal["outcome"] == "confirmed" else "it was granted"
        return (
            f"dossier {ref}: an appeal was already heard (filed on {filed}, "
            f"{appeal['outcome']} on {appeal['decided_on']}); {final}"
        )
    if appeal["session_id"] is not None:
        return (
            f"dossier {ref}: an appeal was already filed on {filed}; it is heard at "
            f"session {appeal['session_id']} ({appeal['session_date']})"
        )
    return (
        f"dossier {ref}: an appeal was already filed on {filed}; it is not yet heard "
        "(place it with `certcli commission agenda ID` of an appeal session)"
    )


def _listed(a) -> dict:
    """One appeal as `appeal list --json` gives it."""
    return {
        "id": a["id"],
        "ref": a["ref"],
        "candidate_id": a["candidate_id"],
        "holder": f"{a['first_name']} {a['last_name']}",
        "scheme": a["scheme"],
        "filed_on": a["filed_on"],
        "deadline": a["deadline"],
        "deadline_from": a["deadline_from"],
        "session": a["session_id"],
        "session_date": a["session_date"],
        "outcome": a["outcome"],
        "decided_on": a["decided_on"],
    }


def listing(
    store: Store, *, pending: bool = False, limit: int, offset: int = 0
) -> tuple[list[dict], int]:
    """A page of the appeals (oldest filed first; `pending`: not heard yet) and how many."""
    sql, params = store.appeals_sql(pending=pending)
    rows = store.page(sql, params, limit, offset)
    return [_listed(a) for a in rows], store.count_of(sql, params)


def stream(store: Store, *, pending: bool = False) -> Iterator[dict]:
    """Every appeal of `listing`, as it is read (`appeal list --all`)."""
    return (_listed(a) for a in store.stream(*store.appeals_sql(pending=pending)))
