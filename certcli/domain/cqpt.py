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
import json
from dataclasses import dataclass
from decimal import Decimal

from certcli.domain import dossiers, eligibility
from certcli.errors import NotFound, StateError, ValidationError
from certcli.rules import schemes, validators, workflow
from certcli.rules.money import ZERO, as_str, cents, to_decimal

RESULTS = ("pass", "fail")
DEFAULT_PHASES = ("proof", "quiz", "situation")
PLAN_LABEL = "training plan"


def _load(store, ref: str, action: str):
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


def _phases_of(scheme) -> tuple[str, ...]:
    return tuple(scheme.cqpt.get("phases", DEFAULT_PHASES))


def _not_before(date: dt.date, earlier: str | None, what: str) -> None:
    if earlier and date.isoformat() < earlier:
        raise ValidationError(f"date {date} is before {what} ({earlier})")


def _event_date(store, dossier_id: int, event: str) -> str | None:
    found = store.cqpt_last_event(dossier_id, event)
    return found["date"] if found else None


def parse_score(value: str | Decimal) -> Decimal:
    try:
        score = to_decimal(value)
    except ValidationError:
        raise ValidationError(
            f"invalid score {validators.shown(value)}: a number expected, e.g. 14 or 15,5"
        ) from None
    if score < 0:
        raise ValidationError(f"invalid score {validators.shown(value)}: must not be negative")
    return score


# -- admissibility and orientation ---------------------------------------------------
def admissibility(
    store,
    ref: str,
    *,
    accept: bool,
    reason: str | None = None,
    override: str | None = None,
    date: dt.date,
) -> dict:
    """The funding body's administrative check: accept -> admissible, reject ->
    inadmissible. Accepting runs the eligibility rules as of `date` and refuses an
    ineligible candidate unless an override reason is given (it is logged)."""
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
        details = {
            "decision": status,
            "eligible": verdict.eligible,
            "route": verdict.route,
            "hours": None if verdict.hours is None else str(verdict.hours),
            "reasons": verdict.reasons,
        }
        if reason:
            details["reason"] = reason
        if override:
            details["override"] = override
        dossiers.record_event(store, row, "admissibility", details, date, status=status)
    return {
        "ref": row["ref"],
        "status": status,
        "eligible": verdict.eligible,
        "hours": details["hours"],
        "reasons": verdict.reasons,
        "reason": reason,
        "override": override,
    }


def orient(store, ref: str, *, evaluator_id: int, date: dt.date) -> dict:
    """Send an admissible candidate to an evaluator organisation."""
    with store.transaction():
        row, _ = _load(store, ref, "orient")
        evaluator = store.evaluator(evaluator_id)
        if evaluator is None:
            raise NotFound(f"no evaluator with id {evaluator_id} (see `certcli evaluator list`)")
        _not_before(date, _event_date(store, row["id"], "admissibility"), "the admissibility")
        store.update("dossiers", row["id"], {"evaluator_id": evaluator_id})
        dossiers.record_event(
            store,
            row,
            "orient",
            {"evaluator": evaluator_id, "evaluator_name": evaluator["name"]},
            date,
            status="evaluation",
        )
    return {
        "ref": row["ref"],
        "status": "evaluation",
        "evaluator": {"id": evaluator_id, "name": evaluator["name"]},
    }


# -- evaluation ------------------------------------------------------------------------
def prediag(store, ref: str, *, score: str, training_advised: bool = False, date: dt.date) -> dict:
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
        started = [p for p in store.cqpt_phases(row["id"]) if p["phase"] in _phases_of(scheme)]
        if started:
            first = started[0]
            raise StateError(
                f"dossier {row['ref']}: the pre-diagnostic comes before the "
                f"evaluation, and phase {first['phase']} was recorded on "
                f"{first['date']}"
            )
        _not_before(date, _event_date(store, row["id"], "orient"), "the orientation")
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
    return {
        "ref": row["ref"],
        "phase": "prediag",
        "score": str(value),
        "training_advised": training_advised,
        "date": date.isoformat(),
    }


def record_phase(
    store,
    ref: str,
    phase: str,
    *,
    result: str,
    score: str | None = None,
    working_time: bool | None = None,
    replace: bool = False,
    date: dt.date,
) -> dict:
    """Record one of the three phases, once; `replace` corrects a recorded one
    (the previous values stay in the dossier's history)."""
    result = (result or "").strip().lower()
    if result not in RESULTS:
        raise ValidationError(f"invalid result {result!r} (pass or fail)")
    value = None if score is None else str(parse_score(score))
    with store.transaction():
        row, scheme = _load(store, ref, "phase")
        if phase not in _phases_of(scheme):
            raise ValidationError(
                f"invalid phase {phase!r} (one of: "
                f"{', '.join(_phases_of(scheme))}; the pre-diagnostic is "
                "`cqpt prediag`)"
            )
        _not_before(date, _event_date(store, row["id"], "orient"), "the orientation")
        before = store.cqpt_phase(row["id"], "prediag")
        _not_before(date, before["date"] if before else None, "the pre-diagnostic")
        record = {
            "result": result,
            "score": value,
            "working_time": None if working_time is None else int(working_time),
            "date": date.isoformat(),
        }
        existing = store.cqpt_phase(row["id"], phase)
        details = {"phase": phase, "result": result, "score": value, "working_time": working_time}
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
    return {"ref": row["ref"], **details, "date": date.isoformat(), "missing": missing}


def failed_phases(store, dossier_row) -> list[str]:
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
    return [p for p in _phases_of(scheme) if p in failed]


def _missing(store, dossier_id: int, scheme) -> list[str]:
    done = {p["phase"] for p in store.cqpt_phases(dossier_id)}
    return [p for p in _phases_of(scheme) if p not in done]


def transmit(store, ref: str, *, session_id: int, date: dt.date) -> dict:
    """Send the complete results to a CPNE session: status `transmitted`, the
    dossier on that session's agenda."""
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
        size = store.agenda_taken(session_id)  # withdrawn dossiers free their place
        if session["capacity"] is not None and size >= session["capacity"]:
            raise StateError(f"session {session_id} is full ({size} of {session['capacity']})")
        position = store.next_agenda_position(session_id)
        store.insert(
            "agenda_items",
            {"session_id": session_id, "dossier_id": row["id"], "position": position},
        )
        store.update("dossiers", row["id"], {"session_id": session_id})
        dossiers.record_event(
            store,
            row,
            "transmit",
            {"session": session_id, "session_date": session["date"], "position": position},
            date,
            status="transmitted",
        )
    return {
        "ref": row["ref"],
        "status": "transmitted",
        "session": session_id,
        "session_date": session["date"],
        "position": position,
    }


# -- funding -----------------------------------------------------------------------------
@dataclass
class FundingLine:
    ref: str
    candidate_id: int
    financing: str | None
    funder: str | None
    amount: Decimal
    reason: str
    employer: str
    year: int

    def to_dict(self) -> dict:
        """The `cqpt funding --json` contract: exactly these keys."""
        return {
            "ref": self.ref,
            "candidate_id": self.candidate_id,
            "financing": self.financing,
            "funder": self.funder,
            "amount": as_str(self.amount),
            "reason": self.reason,
        }


def funding(store, year: int | None = None) -> dict:
    """Who pays the flat amount of each oriented CQPT evaluation (spec §3.5), with
    totals per funder and per employer. An evaluation belongs to the year of its
    last phase (of its orientation while no phase is recorded).

    - Whole evaluation (every phase recorded) under contrat-pro, periode-pro or
      dif-prioritaire: the funding body (AUVICOM) covers the flat amount.
    - Whole evaluation under CIF: the file goes to the Fongecif, which finances the
      CIF outside AUVICOM; listed and totalled under "Fongecif".
    - Whole evaluation under any other financing: the employer's training plan.
    - Evaluation still running (status evaluation, phases missing): listed as in
      progress, funder null, 0.00, out of the totals; nothing is owed yet.
    - Evaluation stopped part-way (withdrawn, refused... with phases missing): the
      funding body covers only a whole evaluation, so the employer's training plan
      owes the flat amount, whatever the financing (the spec's "otherwise"). Stopped
      before any phase: no evaluation took place, nothing is owed (0.00, no funder).
    """
    cqpt_schemes = {s.code: s for s in schemes.catalog().values() if s.workflow == "cqpt"}
    lines = []
    for row in store.cqpt_dossiers(sorted(cqpt_schemes)):
        scheme = cqpt_schemes[row["scheme"]]
        phases = [p for p in store.cqpt_phases(row["id"]) if p["phase"] in _phases_of(scheme)]
        if not phases and row["evaluator_id"] is None:
            continue  # never oriented: no evaluation to fund
        last = max((p["date"] for p in phases), default=None) or _event_date(
            store, row["id"], "orient"
        )
        if last is None or (year is not None and int(last[:4]) != year):
            continue
        lines.append(_funding_line(store, row, scheme, phases, int(last[:4])))
    totals: dict[str, Decimal] = {}
    by_employer: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        if line.funder is None:
            continue
        totals[line.funder] = totals.get(line.funder, ZERO) + line.amount
        label = PLAN_LABEL if line.funder == line.employer else line.funder
        per = by_employer.setdefault(line.employer, {})
        per[label] = per.get(label, ZERO) + line.amount
    return {
        "dossiers": [line.to_dict() for line in lines],
        "totals": {funder: as_str(amount) for funder, amount in sorted(totals.items())},
        "by_employer": {
            employer: {k: as_str(v) for k, v in sorted(per.items())}
            for employer, per in sorted(by_employer.items())
        },
    }


def payer(scheme, financing: str | None) -> tuple[str, str | None, Decimal]:
    """Who pays an evaluation followed in full under `financing`: ("funder", the
    branch funder, the flat amount), ("cif", the CIF body, the flat amount: the
    candidate applies to it directly) or ("plan", None, the flat amount): the
    employer's training plan. The funding report and the admissibility letter both
    decide through this."""
    rules = scheme.cqpt
    flat = cents(rules["flat_amount"])
    if financing == "cif":
        return "cif", rules["cif_body"], flat
    if financing in tuple(rules.get("funded_financings", ())):
        return "funder", rules["funder"], flat
    return "plan", None, flat


def _funding_line(store, row, scheme, phases, year) -> FundingLine:
    """One dossier's line; the rules are funding()'s docstring."""
    funder_name = scheme.cqpt["funder"]
    financing = row["financing"]
    employer = _employer(store, row)
    missing = [p for p in _phases_of(scheme) if p not in {x["phase"] for x in phases}]
    base = dict(
        ref=row["ref"],
        candidate_id=row["candidate_id"],
        financing=financing,
        employer=employer,
        year=year,
    )
    plan = f"training plan of {employer}"
    how, funder, flat = payer(scheme, financing)
    if missing and row["status"] == "evaluation":
        return FundingLine(
            **base,
            funder=None,
            amount=ZERO,
            reason=f"in progress: {', '.join(missing)} not recorded yet",
        )
    if missing and not phases:
        return FundingLine(
            **base,
            funder=None,
            amount=ZERO,
            reason=f"{row['status']} before any phase: nothing owed",
        )
    if missing:
        done = ", ".join(p["phase"] for p in phases)
        return FundingLine(
            **base,
            funder=employer,
            amount=flat,
            reason=(
                f"{plan}: stopped ({row['status']}) after {done}, {funder_name} covers only "
                "a whole evaluation"
            ),
        )
    if how == "cif":
        return FundingLine(
            **base, funder=funder, amount=flat, reason=f"CIF: the file goes to the {funder}"
        )
    if how == "funder":
        return FundingLine(
            **base,
            funder=funder,
            amount=flat,
            reason=f"whole evaluation under {financing}: {funder}",
        )
    return FundingLine(
        **base, funder=employer, amount=flat, reason=f"{plan} (financing {financing or 'none'})"
    )


def _employer(store, row) -> str:
    """The employer whose training plan would pay: the register's, else the
    latest branch period's."""
    if row["candidate_employer"]:
        return row["candidate_employer"]
    periods = [e for e in store.experiences(row["candidate_id"]) if e["in_branch"]]
    if periods:
        # A contract still running is the latest, whatever day its hours run to.
        return max(periods, key=lambda e: (e["ongoing"], e["end"], e["id"]))["employer"]
    return f"employer not recorded (candidate {row['candidate_id']})"


# -- what `dossier show` adds -------------------------------------------------------------
def dossier_details(store, dossier) -> dict:
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
    order = _phases_of(scheme)
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
