"""The CQPT route after the dossier is complete: the funding body's
admissibility check, orientation to an evaluator organisation, the optional
pre-diagnostic, the three evaluation phases, transmission to a CPNE session,
and who pays the flat amount.

Every action reads the dossier inside its one transaction, checks the status
through `workflow.require` and writes through `dossiers.record_event`, so a
refused action writes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from certcli.domain import dossiers
from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import fastjson as json
from certcli.rules import schemes, validators, workflow
from certcli.rules.money import parse_amount

if TYPE_CHECKING:
    from certcli.store import Store


RESULTS = ("pass", "fail")
DEFAULT_PHASES = ("proof", "quiz", "situation")


def _load(store: Store, ref: str, action: str):
    """The dossier row and its scheme, refused unless CQPT and in the right status."""
    row = dossiers.row(store, ref)
    scheme = schemes.get(row["scheme"])
    if scheme.workflow != "cqpt":
        raise StateError(
            f"dossier {row['ref']} is a {scheme.code} dossier, not a CQPT one: "
            f"'cqpt {action}' applies to CQPT dossiers only"
        )
    workflow.require(row, action, "cqpt")
    return row, scheme


def phases_of(scheme) -> tuple[str, ...]:
    """The evaluation phases of a CQPT scheme, in order (its scheme file's `phases`)."""
    return tuple(scheme.cqpt.get("phases", DEFAULT_PHASES))


def _not_before(date: dt.date, earlier: str | None, what: str) -> None:
    if earlier and date.isoformat() < earlier:
        raise ValidationError(f"date {date} is before {what} ({earlier})")


def event_date(store: Store, dossier_id: int, event: str) -> str | None:
    found = store.cqpt_last_event(dossier_id, event)
    return found["date"] if found else None


def parse_score(value: str | Decimal) -> Decimal:
    """A score: a number, 0 or more, as typed ('14', '15,5')."""
    return parse_amount(
        value, what="score", example="14 or 15,5", allow_zero=True, cents_only=False
    )


# -- admissibility and orientation ---------------------------------------------------
@dataclass
class Admissibility:
    """The funding body's check as recorded (`cqpt admissibility --json`)."""

    ref: str
    status: str  # admissible or inadmissible
    eligible: bool
    hours: str | None  # the hours counted by the eligibility rules
    reasons: list[str]
    reason: str | None
    override: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def admissibility(
    store: Store,
    ref: str,
    *,
    accept: bool,
    reason: str | None = None,
    override: str | None = None,
    date: dt.date,
) -> Admissibility:
    """The funding body's administrative check: accept -> admissible, reject ->
    inadmissible. Accepting runs the eligibility rules as of `date` and refuses an
    ineligible candidate unless an override reason is given (it is logged)."""
    from certcli.domain import eligibility  # only recording the verdict needs it (issue 20)

    reason = validators.reason(reason)
    if override is not None:
        override = validators.reason(
            override,
            "override reason",
            required='--override needs a reason, e.g. --override "attestation received after '
            'the check"',
        )
    if not accept and override:
        raise ValidationError("--override is for --accept (accepting an ineligible candidate)")
    if not accept and not reason:
        raise ValidationError("a rejection needs --reason (it is told to the candidate)")
    with store.transaction():
        row, _ = _load(store, ref, "admissibility")
        _not_before(date, row["opened_on"], "the dossier's opening")
        verdict = eligibility.evaluate_dossier(store, row, date)
        if accept and not verdict.eligible and not override:
            why = "; ".join(verdict.failures)
            raise StateError(
                f"candidate {row['candidate_id']} is not eligible for the CQPT on {date} ({why}); "
                'reject it, or accept with --override "reason"'
            )
        if accept and verdict.eligible and override:
            raise ValidationError("the candidate is eligible: --override is not needed")
        status = "admissible" if accept else "inadmissible"
        hours = None if verdict.hours is None else str(verdict.hours)
        details = {
            "decision": status,
            "eligible": verdict.eligible,
            "route": verdict.route,
            "hours": hours,
            "reasons": verdict.reasons,
        }
        if reason:
            details["reason"] = reason
        if override:
            details["override"] = override
        dossiers.record_event(store, row, "admissibility", details, date, status=status)
    return Admissibility(
        row["ref"], status, verdict.eligible, hours, verdict.reasons, reason, override
    )


@dataclass
class Orientation:
    """An admissible candidate sent to an evaluator (`cqpt orient --json`)."""

    ref: str
    status: str
    evaluator: dict  # {"id", "name"}

    def to_dict(self) -> dict:
        return asdict(self)


def orient(store: Store, ref: str, *, evaluator_id: int, date: dt.date) -> Orientation:
    """Send an admissible candidate to an evaluator organisation."""
    with store.transaction():
        row, _ = _load(store, ref, "orient")
        evaluator = store.evaluator(evaluator_id)
        if evaluator is None:
            raise NotFound(f"no evaluator with id {evaluator_id} (see `certcli evaluator list`)")
        _not_before(date, event_date(store, row["id"], "admissibility"), "the admissibility")
        store.update("dossiers", row["id"], {"evaluator_id": evaluator_id})
        dossiers.record_event(
            store,
            row,
            "orient",
            {"evaluator": evaluator_id, "evaluator_name": evaluator["name"]},
            date,
            status="evaluation",
        )
    return Orientation(row["ref"], "evaluation", {"id": evaluator_id, "name": evaluator["name"]})


# -- evaluation ------------------------------------------------------------------------
@dataclass
class Prediagnostic:
    """The pre-diagnostic as recorded (`cqpt prediag --json`); the score a Decimal
    until printed."""

    ref: str
    score: Decimal
    training_advised: bool
    date: str
    phase: str = "prediag"

    def to_dict(self) -> dict:
        return {
            "ref": self.ref,
            "phase": self.phase,
            "score": str(self.score),
            "training_advised": self.training_advised,
            "date": self.date,
        }


def prediag(
    store: Store, ref: str, *, score: str, training_advised: bool = False, date: dt.date
) -> Prediagnostic:
    """The optional pre-diagnostic quiz, before any of the three phases."""
    value = parse_score(score)
    with store.transaction():
        row, scheme = _load(store, ref, "prediag")
        done = store.cqpt_phase(row["id"], "prediag")
        if done is not None:
            raise StateError(
                f"dossier {row['ref']}: the pre-diagnostic was already recorded on "
                f"{done['date']} (score {done['score']})"
            )
        started = [p for p in store.cqpt_phases(row["id"]) if p["phase"] in phases_of(scheme)]
        if started:
            first = started[0]
            raise StateError(
                f"dossier {row['ref']}: the pre-diagnostic comes before the "
                f"evaluation, and phase {first['phase']} was recorded on "
                f"{first['date']}"
            )
        _not_before(date, event_date(store, row["id"], "orient"), "the orientation")
        store.insert(
            "cqpt_phases",
            {
                "dossier_id": row["id"],
                "phase": "prediag",
                "score": str(value),
                "training_advised": int(training_advised),
                "date": date.isoformat(),
            },
        )
        dossiers.record_event(
            store, row, "prediag", {"score": str(value), "training_advised": training_advised}, date
        )
    return Prediagnostic(row["ref"], value, training_advised, date.isoformat())


@dataclass
class PhaseRecord:
    """One evaluation phase as recorded (`cqpt phase --json`); `replaced` holds the
    values a --replace corrected (the key only then)."""

    ref: str
    phase: str
    result: str
    score: Decimal | None
    working_time: bool | None
    date: str
    missing: list[str]  # the phases still to record
    replaced: dict | None = None

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "ref": self.ref,
            "phase": self.phase,
            "result": self.result,
            "score": None if self.score is None else str(self.score),
            "working_time": self.working_time,
        }
        if self.replaced is not None:
            data["replaced"] = self.replaced
        data.update(date=self.date, missing=self.missing)
        return data


def record_phase(
    store: Store,
    ref: str,
    phase: str,
    *,
    result: str,
    score: str | None = None,
    working_time: bool | None = None,
    replace: bool = False,
    date: dt.date,
) -> PhaseRecord:
    """Record one of the three phases, once; `replace` corrects a recorded one
    (the previous values stay in the dossier's history)."""
    result = (result or "").strip().lower()
    if result not in RESULTS:
        raise ValidationError(f"invalid result {result!r} (pass or fail)")
    number = None if score is None else parse_score(score)
    value = None if number is None else str(number)
    with store.transaction():
        row, scheme = _load(store, ref, "phase")
        if phase not in phases_of(scheme):
            raise ValidationError(
                f"invalid phase {phase!r} (one of: "
                f"{', '.join(phases_of(scheme))}; the pre-diagnostic is "
                "`cqpt prediag`)"
            )
        _not_before(date, event_date(store, row["id"], "orient"), "the orientation")
        before = store.cqpt_phase(row["id"], "prediag")
        _not_before(date, before["date"] if before else None, "the pre-diagnostic")
        record = {
            "result": result,
            "score": value,
            "working_time": None if working_time is None else int(working_time),
            "date": date.isoformat(),
        }
        existing = store.cqpt_phase(row["id"], phase)
        details: dict[str, Any] = {
            "phase": phase,
            "result": result,
            "score": value,
            "working_time": working_time,
        }
        if existing is not None:
            if not replace:
                raise StateError(
                    f"dossier {row['ref']}: phase {phase} was already recorded on "
                    f"{existing['date']} ({existing['result']}); use --replace "
                    "to correct it"
                )
            store.update("cqpt_phases", existing["id"], record)
            details["replaced"] = {
                k: existing[k] for k in ("result", "score", "working_time", "date")
            }
        else:
            store.insert("cqpt_phases", {"dossier_id": row["id"], "phase": phase, **record})
        dossiers.record_event(store, row, "phase", details, date)
        missing = _missing(store, row["id"], scheme)
    return PhaseRecord(
        row["ref"],
        phase,
        result,
        number,
        working_time,
        date.isoformat(),
        missing,
        details.get("replaced"),
    )


def failed_phases(store: Store, dossier_row) -> list[str]:
    """The evaluation phases recorded as failed, in the scheme's order; empty for a
    dossier of another workflow. `dossier_row` is a dossiers row or a Dossier.

    The CPNE may still grant (the commission decides), so this is the warning a
    caller prints, e.g. before `commission decide --grant` on a CPNE session."""

    def field(name):
        return getattr(dossier_row, name) if hasattr(dossier_row, name) else dossier_row[name]

    scheme = schemes.get(field("scheme"))
    if scheme.workflow != "cqpt":
        return []
    failed = {p["phase"] for p in store.cqpt_phases(field("id")) if p["result"] == "fail"}
    return [p for p in phases_of(scheme) if p in failed]


def _missing(store: Store, dossier_id: int, scheme) -> list[str]:
    done = {p["phase"] for p in store.cqpt_phases(dossier_id)}
    return [p for p in phases_of(scheme) if p not in done]


@dataclass
class Transmission:
    """Results sent to a CPNE session (`cqpt transmit --json`)."""

    ref: str
    status: str
    session: int
    session_date: str
    position: int

    def to_dict(self) -> dict:
        return asdict(self)


def transmit(store: Store, ref: str, *, session_id: int, date: dt.date) -> Transmission:
    """Send the complete results to a CPNE session: status `transmitted`, the
    dossier on that session's agenda."""
    from certcli.domain import agenda  # only a transmission needs it (issue 20)

    with store.transaction():
        row, scheme = _load(store, ref, "transmit")
        missing = _missing(store, row["id"], scheme)
        if missing:
            raise StateError(
                f"dossier {row['ref']}: cannot transmit, phase(s) not recorded: "
                f"{', '.join(missing)}"
            )
        session = store.session(session_id)
        if session is None:
            raise NotFound(f"no session with id {session_id}")
        if session["kind"] != "cpne":
            raise ValidationError(
                f"session {session_id} is an {session['kind']} session: CQPT "
                "results go to a cpne session"
            )
        if session["date"] < date.isoformat():
            raise ValidationError(
                f"session {session_id} sat on {session['date']}, before "
                f"{date}: choose a later cpne session"
            )
        last = max(p["date"] for p in store.cqpt_phases(row["id"]))
        _not_before(date, last, "the last phase")
        size = store.agenda_taken(session_id)
        if agenda.full(session, size):
            raise StateError(f"session {session_id} is full ({size} of {session['capacity']})")
        position = agenda.place(store, session, row)
        dossiers.record_event(
            store,
            row,
            "transmit",
            {"session": session_id, "session_date": session["date"], "position": position},
            date,
            status="transmitted",
        )
    return Transmission(row["ref"], "transmitted", session_id, session["date"], position)


# -- what `dossier show` adds -------------------------------------------------------------
def dossier_details(store: Store, dossier) -> dict:
    """What `dossier show` adds for this stage (JSON keys)."""
    scheme = schemes.get(dossier.scheme)
    if scheme.workflow != "cqpt":
        return {}
    admissibility_event = store.cqpt_last_event(dossier.id, "admissibility")
    admissible = None
    if admissibility_event is not None:
        d = json.loads(admissibility_event["details"])
        admissible = {
            "decision": d.get("decision"),
            "date": admissibility_event["date"],
            "eligible": d.get("eligible"),
            "hours": d.get("hours"),
            "reason": d.get("reason"),
            "override": d.get("override"),
        }
    evaluator = None
    if dossier.evaluator_id is not None:
        found = store.evaluator(dossier.evaluator_id)
        assert found is not None  # a foreign key
        evaluator = {"id": found["id"], "name": found["name"], "email": found["email"]}
    prediag, phases = None, []
    for p in store.cqpt_phases(dossier.id):
        if p["phase"] == "prediag":
            prediag = {
                "date": p["date"],
                "score": p["score"],
                "training_advised": bool(p["training_advised"]),
            }
        else:
            phases.append(
                {
                    "phase": p["phase"],
                    "result": p["result"],
                    "score": p["score"],
                    "working_time": None if p["working_time"] is None else bool(p["working_time"]),
                    "date": p["date"],
                }
            )
    order = phases_of(scheme)
    phases.sort(key=lambda p: order.index(p["phase"]) if p["phase"] in order else len(order))
    return {
        "route": dossier.route,
        "financing": dossier.financing,
        "admissibility": admissible,
        "evaluator": evaluator,
        "prediag": prediag,
        "phases": phases,
        "phases_missing": _missing(store, dossier.id, scheme),
        "phases_failed": failed_phases(store, dossier),
    }
