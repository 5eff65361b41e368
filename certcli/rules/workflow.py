"""The dossier state machine: which action is allowed in which status.

One explicit table, so that the secretariat's question "why can't I do this?"
always gets the same answer: the current status and what it would allow.

OPQTECC: submitted -> incomplete | instruction -> waiting (complements asked)
-> instruction -> report_ready -> on_agenda -> granted | refused | adjourned;
refused -> appealed -> granted | refused (appeal confirmed).
CQPT: submitted -> incomplete | complete -> admissible | inadmissible ->
evaluation (oriented) -> transmitted (to a CPNE session) -> granted | refused.
Any open dossier can be withdrawn.
"""

from __future__ import annotations

from certcli.errors import StateError

STATUSES = (
    "submitted",
    "incomplete",
    "complete",
    "instruction",
    "waiting",
    "report_ready",
    "on_agenda",
    "adjourned",
    "granted",
    "refused",
    "appealed",
    "admissible",
    "inadmissible",
    "evaluation",
    "transmitted",
    "withdrawn",
)

# Statuses a dossier never leaves.
FINAL = frozenset({"granted", "withdrawn", "inadmissible"})

# Settled: final, or refused (a refusal may still be appealed, but it no longer weighs
# on its instructor and a new dossier may follow it). Every other status is open.
SETTLED = FINAL | {"refused"}
OPEN = frozenset(STATUSES) - SETTLED

# The statuses where a dossier is still work for its instructor (or expert): being
# instructed, waiting for complements, or adjourned by the commission (which sends
# it back for more instruction: a further interview, a new report). Once the report
# is in, the work is done even though the commission has not sat yet.
UNDER_INSTRUCTION = frozenset({"instruction", "waiting", "adjourned"})

# action -> (statuses it is allowed from, the workflow it belongs to or None for both)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "receive": (
        frozenset({"submitted", "incomplete", "complete", "instruction", "waiting", "adjourned"}),
        None,
    ),
    # A piece recorded by mistake is taken back while the pieces still decide (before
    # the report); the completeness check then follows (see reception.unreceive).
    "unreceive": (
        frozenset({"submitted", "incomplete", "complete", "instruction", "waiting", "adjourned"}),
        None,
    ),
    "pay": (
        frozenset(
            {
                "submitted",
                "incomplete",
                "complete",
                "instruction",
                "waiting",
                "report_ready",
                "on_agenda",
                "adjourned",
            }
        ),
        None,
    ),
    # Money paid can be paid back at any stage (a cheque entered twice, a withdrawal,
    # a refusal); a checked dossier whose fee is no longer paid goes back to incomplete.
    "refund": (frozenset(STATUSES), None),
    "check": (frozenset({"submitted", "incomplete"}), None),
    "assign": (frozenset({"instruction", "waiting", "adjourned"}), "opqtecc"),
    "expert": (frozenset({"instruction", "waiting", "adjourned"}), "opqtecc"),
    "expert_opinion": (
        frozenset({"instruction", "waiting", "adjourned", "report_ready", "on_agenda"}),
        "opqtecc",
    ),
    "request": (frozenset({"instruction", "waiting", "adjourned"}), "opqtecc"),
    "interview": (frozenset({"instruction", "waiting", "adjourned"}), "opqtecc"),
    "interview_change": (frozenset({"instruction", "waiting", "adjourned"}), "opqtecc"),
    "interview_outcome": (
        frozenset({"instruction", "waiting", "adjourned", "report_ready", "on_agenda"}),
        "opqtecc",
    ),
    "report": (frozenset({"instruction", "adjourned"}), "opqtecc"),
    "amend_report": (frozenset({"report_ready", "on_agenda"}), "opqtecc"),
    "agenda": (frozenset({"report_ready", "adjourned"}), "opqtecc"),
    "decide": (frozenset({"on_agenda", "transmitted"}), None),
    "appeal": (frozenset({"refused"}), "opqtecc"),
    "hear_appeal": (frozenset({"appealed"}), "opqtecc"),
    "admissibility": (frozenset({"complete"}), "cqpt"),
    "orient": (frozenset({"admissible"}), "cqpt"),
    "prediag": (frozenset({"evaluation"}), "cqpt"),
    "phase": (frozenset({"evaluation"}), "cqpt"),
    "transmit": (frozenset({"evaluation"}), "cqpt"),
    "withdraw": (OPEN, None),
}

# How an action reads in "cannot ..."; the verbs that read well as they are (orient,
# transmit, appeal, withdraw) are left out. "allowed now" lists the action names,
# which are the commands' verbs.
LABELS: dict[str, str] = {
    "receive": "receive pieces",
    "unreceive": "unreceive a piece",
    "pay": "record a payment",
    "refund": "refund the fee",
    "check": "check completeness",
    "assign": "assign an instructor",
    "expert": "appoint an expert",
    "expert_opinion": "record the expert's opinion",
    "request": "request complements",
    "interview": "record an interview",
    "interview_change": "cancel or move an interview",
    "interview_outcome": "record an interview's outcome",
    "report": "record the report",
    "amend_report": "amend the report",
    "agenda": "put it on an agenda",
    "decide": "record a decision",
    "hear_appeal": "decide the appeal",
    "admissibility": "record the admissibility",
    "prediag": "record the pre-diagnostic",
    "phase": "record a phase",
}


def label(action: str) -> str:
    return LABELS.get(action, action.replace("_", " "))


def allowed_actions(status: str, workflow: str) -> list[str]:
    return [
        action
        for action, (sources, flow) in TRANSITIONS.items()
        if status in sources and flow in (None, workflow)
    ]


def require(dossier, action: str, workflow: str) -> None:
    """Raise StateError unless `action` fits the dossier's status and workflow."""
    sources, flow = TRANSITIONS[action]
    ref, status = dossier["ref"], dossier["status"]
    if flow is not None and flow != workflow:
        raise StateError(f"dossier {ref}: '{action}' does not apply to a {workflow} dossier")
    if status not in sources:
        allowed = allowed_actions(status, workflow)
        raise StateError(
            f"dossier {ref} is '{status}': cannot {label(action)} "
            f"(allowed now: {', '.join(allowed) if allowed else 'nothing, it is closed'})"
        )
