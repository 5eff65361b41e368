"""Commission decisions (award, appeal, CPNE) and what `dossier show` tells of them.

A decision is dated on the session day, and recorded from that day on (its
`--date`, which dates the invoice it brings). A grant issues or continues the
certificate and invoices the prorated dues in the same transaction as the
decision, so a certificate never exists without its decision and its invoice.

Every check a decision rests on reads its rows inside the decision's transaction
(under the write lock), so two people recording the same decision at once get one
decision and one error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import certificates, dossiers, invoices
from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import dates, schemes, validators, workflow
from certcli.rules import fastjson as json
from certcli.rules.money import as_str

if TYPE_CHECKING:
    from certcli.store import Store

DECISIONS = ("granted", "refused", "adjourned")


@dataclass
class Decision:
    """What a decision recorded (`commission decide`, `appeal decide`); the amount of
    the dues invoice a grant brings is a Decimal until it is printed."""

    ref: str
    decision: str
    session: int
    date: str
    mentions: list[str]
    reason: str | None
    certificate: str | None = None
    valid_until: str | None = None
    invoice: str | None = None
    amount: Decimal | None = None
    appeal_deadline: str | None = None
    warnings: list[str] = field(default_factory=list)
    appeal_outcome: str | None = None  # at an appeals session only
    # The members who abstained on it (conflict of interest): [{"member", "name",
    # "reason"}], once its kind of commission has members (None before: as before)
    abstentions: list[dict] | None = None
    quorum_override: str | None = None  # the reason, when decided without the quorum

    def to_dict(self) -> dict:
        """The `commission decide --json` contract (appeal_outcome at an appeals
        session only)."""
        data = {
            "ref": self.ref,
            "decision": self.decision,
            "session": self.session,
            "date": self.date,
            "certificate": self.certificate,
            "valid_until": self.valid_until,
            "mentions": self.mentions,
            "invoice": self.invoice,
            "amount": None if self.amount is None else as_str(self.amount),
            "reason": self.reason,
            "appeal_deadline": self.appeal_deadline,
            "warnings": self.warnings,
        }
        if self.abstentions is not None:
            data["abstentions"] = self.abstentions
        if self.quorum_override is not None:
            data["quorum_override"] = self.quorum_override
        if self.appeal_outcome is not None:
            data["appeal_outcome"] = self.appeal_outcome
        return data


def _check_decidable(store: Store, session, row, scheme, decision: str) -> None:
    kind = session["kind"]
    if kind == "award":
        workflow.require(row, "decide", scheme.workflow)
        if row["status"] != "on_agenda":
            raise StateError(
                f"dossier {row['ref']} is '{row['status']}': an award "
                "commission decides dossiers on its agenda"
            )
    elif kind == "cpne":
        if (
            scheme.workflow != "cqpt"
            or row["status"] != "transmitted"
            or row["session_id"] != session["id"]
        ):
            raise StateError(
                f"dossier {row['ref']} is '{row['status']}': a CPNE decides CQPT "
                f"dossiers transmitted to it (session {session['id']})"
            )
    else:
        workflow.require(row, "hear_appeal", scheme.workflow)
    if decision == "adjourned" and kind != "award":
        raise ValidationError(
            f"only an award commission adjourns; a {kind} session grants or refuses"
        )


def _mentions(scheme, row, given: list[str] | None) -> list[str]:
    if given:
        chosen = list(given)
    elif row["kind"] == "extension" and row["mention"]:
        chosen = [row["mention"]]
    else:
        chosen = json.loads(row["report_mentions"] or "[]")
    return certificates.check_mentions(scheme, chosen)


def _grant(store: Store, row, scheme, mentions: list[str], day: dt.date, issued_on: dt.date):
    """Issue, continue or extend the certificate; invoice the prorated dues when owed,
    on `issued_on` (the day the decision is recorded). Returns (certificate id,
    invoice or None).

    Prorated dues go with a new certificate: a first grant, or an extension into
    another scheme. A renewal owes them only after a lapse across 1 January (the
    certificate was not valid on 1 January of the decision year); a renewal that
    continues the certificate, or one valid on that 1 January, is covered by that
    year's annual call. An extension that adds mentions owes nothing."""
    from certcli.domain import dues

    if row["kind"] == "renewal":
        owes = dues.renewal_owes_prorata(store, row["certificate_id"], day)
        cert_id = certificates.renew(
            store,
            scheme=scheme,
            certificate_id=row["certificate_id"],
            dossier_id=row["id"],
            date=day,
        )
        # The renewal dossier says who pays from now on.
        store.update("certificates", cert_id, {"payer": row["payer"]})
        if mentions:
            certificates.add_mentions(store, certificate_id=cert_id, mentions=mentions, date=day)
        if not owes:
            return cert_id, None
    elif row["kind"] == "extension":
        target = store.certificate_by_id(row["certificate_id"])
        if target is None:
            raise NotFound(f"dossier {row['ref']}: its certificate is not in the register")
        if target["scheme"] == scheme.code:
            if not mentions:
                raise ValidationError(
                    f"extension dossier {row['ref']} names no mention: pass --mention"
                )
            cert_id = certificates.add_mentions(
                store, certificate_id=target["id"], mentions=mentions, date=day
            )
            return cert_id, None
        # Another certification: a certificate of its own scheme, with its own number,
        # validity and dues.
        cert_id = certificates.issue(
            store,
            scheme=scheme,
            candidate_id=row["candidate_id"],
            dossier_id=row["id"],
            mentions=mentions,
            date=day,
            payer=row["payer"],
        )
    else:
        cert_id = certificates.issue(
            store,
            scheme=scheme,
            candidate_id=row["candidate_id"],
            dossier_id=row["id"],
            mentions=mentions,
            date=day,
            payer=row["payer"],
        )
        store.update("dossiers", row["id"], {"certificate_id": cert_id})
    invoice = dues.invoice_grant(
        store,
        scheme=scheme,
        candidate_id=row["candidate_id"],
        certificate_id=cert_id,
        dossier_id=row["id"],
        date=day,
        issued_on=issued_on,
        payer=row["payer"],
    )
    return cert_id, invoice


def decide(
    store: Store,
    session_id: int,
    ref: str,
    decision: str,
    *,
    mentions: list[str] | None = None,
    reason: str | None = None,
    override: str | None = None,
    date: dt.date,
) -> Decision:
    """Record a commission's decision on one dossier of its agenda: granted, refused
    (with the appeal deadline) or adjourned. The decision is dated on the session
    day; `date` is the day the secretariat records it (not before the session),
    which is also the issue date of the dues invoice a grant brings. "warnings"
    lists what stands but deserves a word (a CPNE grant despite a failed phase).

    Once its kind of commission has members, a session decides only with the
    quorum recorded (`attendance.require_quorum`, or `override` with the reason),
    and the members sitting who must abstain on the dossier are recorded so."""
    # Imported here, not at the top: `dossier show` imports this module for
    # dossier_details and needs none of these (issue 20, start-up).
    from certcli.domain import appeals, attendance, cqpt, eligibility, sessions

    if decision not in DECISIONS:
        raise ValidationError(f"invalid decision {decision!r} (one of: {', '.join(DECISIONS)})")
    with store.transaction():
        # Every read the decision rests on happens under the write lock (BEGIN
        # IMMEDIATE): two secretaries deciding the same dossier at once queue up, and
        # the second one sees the first one's decision.
        session = sessions.row(store, session_id)
        day = dates.from_iso(session["date"])
        if date < day:
            raise ValidationError(
                f"session {session_id} sits on {session['date']}; its "
                f"decisions can be recorded from that day, not on "
                f"{date.isoformat()}"
            )
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        item = store.agenda_item(session_id, row["id"])
        if item is not None and item["status"] != "placed":
            raise StateError(
                f"dossier {row['ref']} left the agenda of session {session_id} ({item['status']})"
            )
        if item is None:
            raise StateError(
                f"dossier {row['ref']} is not on the agenda of session "
                f"{session_id} ({session['date']}); build it with `certcli "
                f"commission agenda {session_id}`"
            )
        if item["decision"]:
            raise StateError(
                f"dossier {row['ref']} was already decided at session "
                f"{session_id}: {item['decision']}"
            )
        _check_decidable(store, session, row, scheme, decision)
        overridden = attendance.require_quorum(store, session, override=override, date=date)
        reason = validators.reason(reason)
        if decision == "refused" and reason is None:
            raise ValidationError("a refusal needs --reason (it goes in the refusal letter)")
        if mentions and decision != "granted":
            raise ValidationError("--mention goes with --grant")
        chosen = _mentions(scheme, row, mentions) if decision == "granted" else []
        result = Decision(row["ref"], decision, session_id, day.isoformat(), chosen, reason)
        result.quorum_override = overridden
        if attendance.applies(store, session["kind"]):
            result.abstentions = attendance.record_abstentions(store, session, row)
        if decision == "granted":
            # The CPNE decides, so a grant despite a failed phase stands; but it is said.
            failed = cqpt.failed_phases(store, row)
            if failed:
                result.warnings.append(
                    f"{row['ref']} was granted although phase(s) {', '.join(failed)} "
                    "were recorded as failed"
                )
            recalled = eligibility.recall_at_decision(store, row, day)
            if recalled:
                result.warnings.append(recalled)
            cert_id, invoice = _grant(store, row, scheme, chosen, day, date)
            cert = certificates.by_id(store, cert_id, as_of=day)
            result.certificate, result.valid_until = cert.number, cert.valid_until
            result.mentions = cert.mentions
            if invoice is not None:
                result.invoice, result.amount = invoice.number, invoice.amount
        elif decision == "refused" and session["kind"] == "award" and scheme.workflow == "opqtecc":
            result.appeal_deadline = appeals.deadline(scheme, day).date.isoformat()
        closed = day.isoformat() if decision in ("granted", "refused") else None
        store.update(
            "dossiers",
            row["id"],
            {
                "decision": decision,
                "decided_on": day.isoformat(),
                "decision_reason": reason,
                "session_id": session_id,
                "closed_on": closed,
            },
        )
        store.update("agenda_items", item["id"], {"decision": decision, "reason": reason})
        if session["kind"] == "appeal":
            outcome = "granted" if decision == "granted" else "confirmed"
            # appeals.reason keeps the appellant's grounds; the decision's reason
            # is on the agenda line and the dossier.
            store.update(
                "appeals", item["appeal_id"], {"outcome": outcome, "decided_on": day.isoformat()}
            )
            result.appeal_outcome = outcome
        recorded = result.to_dict()
        details = {
            k: recorded[k]
            for k in (
                "session",
                "certificate",
                "valid_until",
                "mentions",
                "invoice",
                "amount",
                "reason",
                "appeal_deadline",
            )
            if recorded[k]
        }
        if result.abstentions:
            details["abstentions"] = [a["member"] for a in result.abstentions]
        if overridden:
            details["quorum_override"] = overridden
        dossiers.record_event(
            store, row, "decision", {"decision": decision, **details}, day, status=decision
        )
    return result


def decide_appeal(
    store: Store,
    ref: str,
    decision: str,
    *,
    reason: str | None = None,
    mentions: list[str] | None = None,
    override: str | None = None,
    date: dt.date,
) -> Decision:
    """Record the outcome of an appeal at the appeals session it was placed before
    (the same as `commission decide SESSION REF`): dated on the session day,
    recorded on `date`, not before it. It lives here rather than in `appeals` so
    that the arrow goes one way: decisions use the appeal deadline, appeals know
    nothing of decisions."""
    if decision not in ("granted", "refused"):
        raise ValidationError("an appeal is granted or refused (the refusal confirmed)")
    with store.transaction():
        row = dossiers.row(store, ref)
        appeal = store.pending_appeal(row["id"])
        if appeal is None:
            raise StateError(f"dossier {row['ref']} has no pending appeal")
        if appeal["session_id"] is None:
            raise StateError(
                f"the appeal of dossier {row['ref']} is on no appeals session "
                "yet: build one's agenda with `certcli commission agenda ID`"
            )
        return decide(
            store,
            appeal["session_id"],
            row["ref"],
            decision,
            reason=reason,
            mentions=mentions,
            override=override,
            date=date,
        )


# -- dossier show ----------------------------------------------------------------------------
def dossier_details(store: Store, dossier) -> dict:
    """What `dossier show` adds for this stage (JSON keys)."""
    placed = store.dossier_agenda(dossier.id)
    if not placed and not dossier.decision:
        return {}
    data: dict = {
        "sessions": [
            {
                "session": p["session_id"],
                "date": p["date"],
                "kind": p["kind"],
                "decision": p["decision"],
                "reason": p["reason"],
                "status": p["status"],
            }
            for p in placed
        ]
    }
    row = dossiers.row(store, dossier.ref)
    scheme = schemes.get(dossier.scheme)
    data["decision_reason"] = row["decision_reason"]
    if (
        dossier.decision == "refused"
        and scheme.workflow == "opqtecc"
        and not store.appeals(dossier_id=dossier.id)
    ):
        from certcli.domain import appeals  # a refused dossier not yet appealed only

        last_day, source, _ = appeals.deadline_of(
            scheme, dates.from_iso(dossier.decided_on), store=store, dossier_id=dossier.id
        )
        data["appeal_deadline"] = last_day.isoformat()
        data["appeal_deadline_from"] = source
    granted = store.certificate_granted_by(dossier.id)
    if granted is None and dossier.decision == "granted":
        granted = row["certificate_id"]
    if granted is not None:
        data["granted_certificate"] = certificates.summary(store, granted)
    data["invoices"] = invoices.dossier_lines(store, dossier.id)
    data["appeals"] = [
        {
            "filed_on": a["filed_on"],
            "deadline": a["deadline"],
            "deadline_from": a["deadline_from"],
            "session": a["session_id"],
            "outcome": a["outcome"],
            "decided_on": a["decided_on"],
        }
        for a in store.appeals(dossier_id=dossier.id)
    ]
    return data
