"""Which letter follows which step: the `--letter` flag of the writing commands.

One table, so that "which letter does `commission decide --letter` send?" has one
answer. Rendering itself is `letters.render`, run after the step is recorded.
"""

from __future__ import annotations

import datetime as dt

from certcli.errors import NotFound, ValidationError
from certcli.rules import dates

# step -> template, for the steps that always send the same letter
AFTER = {
    "receive": "accuse-reception",
    "request": "demande-complements",
    "interview": "entretien",
    # The CQPT admissibility letter also names the evaluator: it goes with orientation.
    "orient": "cqpt-recevabilite",
    "pay": "recu-paiement",
    "withdraw": "retrait-dossier",
    "certificate-withdraw": "retrait-certificat",
}


def after_admissibility(accept: bool) -> str:
    """A rejection gets its letter now; an acceptance's letter names the evaluator,
    so it waits for `cqpt orient --letter` (refused here, before anything is recorded)."""
    if accept:
        raise ValidationError(
            "no letter is sent when admissibility is accepted: the "
            "admissibility letter (cqpt-recevabilite) names the evaluator, "
            "send it with `certcli cqpt orient REF --evaluator ID --letter`"
        )
    return "cqpt-irrecevabilite"


def after_check(complete: bool) -> str:
    """An incomplete dossier gets the list of what is missing; a complete one the
    acknowledgement (which says it goes on to instruction)."""
    return "accuse-reception" if complete else "dossier-incomplet"


def check_decision(decision: str) -> None:
    """Refuse --letter before recording a decision no letter speaks of."""
    if decision not in ("granted", "refused", "adjourned"):
        raise ValidationError(f"no letter is sent for an {decision} dossier: drop --letter")


def after_decision(store, session_id: int, decision: str) -> str:
    """Appeal session -> appeal outcome; CPNE session -> CQPT decision; award
    session -> notification (granted), refusal with the appeal deadline, or
    adjournment (only an award session adjourns)."""
    check_decision(decision)
    session = store.session(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    if session["kind"] == "appeal":
        return "decision-recours"
    if session["kind"] == "cpne":
        return "cqpt-decision"
    if decision == "adjourned":
        return "ajournement"
    return "notification" if decision == "granted" else "refus"


def decision_date(store, result: dict) -> dt.date:
    """The day a decision's letter is dated: the session day, like the decision,
    unless the decision brought an invoice issued later (recorded after the session),
    since a letter is never dated before the invoice it encloses."""
    day = dates.from_iso(result["date"])
    if result.get("invoice"):
        from certcli.domain import invoices

        day = max(day, dates.from_iso(invoices.get(store, result["invoice"]).issued_on))
    return day
