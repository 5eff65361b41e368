"""Test helpers for the letters and renewals tests: they write the records of later
stages (certificates, invoices, requests, interviews, decisions, appeals, CQPT
evaluation) straight through the store, since the commands that will write them
are built elsewhere. Column names follow certcli/store/migrations.py."""

from __future__ import annotations

import datetime as dt
import json

import builders
import commission_helpers

from certcli.rules import dates


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def candidate(store, first="Hélène", last="Lefèvre-Dupré", civility="Mme", **extra) -> int:
    """A candidate a letter can be posted to, with what an OPQTECC check asks."""
    return builders.candidate(
        store,
        first,
        last,
        **{
            **builders.POSTAL,
            "civility": civility,
            "phone": "+33 6 12 34 56 78",
            "email": "helene@example.fr",
            **extra,
        },
    )


def dossier(
    store,
    candidate_id: int,
    scheme="ECO",
    kind="initial",
    *,
    ref="2026-0001",
    status="submitted",
    opened_on="2026-02-01",
    **extra,
) -> int:
    with store.transaction():
        return store.insert(
            "dossiers",
            {
                "ref": ref,
                "candidate_id": candidate_id,
                "scheme": scheme,
                "kind": kind,
                "status": status,
                "opened_on": opened_on,
                **extra,
            },
        )


def pieces(store, dossier_id: int, *codes: str, on="2026-02-03") -> None:
    with store.transaction():
        for code in codes:
            store.insert("pieces", {"dossier_id": dossier_id, "code": code, "received_on": on})


def fee(store, dossier_id: int, amount: str, on="2026-02-03") -> None:
    with store.transaction():
        store.insert(
            "payments",
            {"dossier_id": dossier_id, "amount": amount, "method": "cheque", "paid_on": on},
        )


def certificate(store, candidate_id: int, granted_on: str, *, scheme="ECO", override=None) -> int:
    """A certificate granted on `granted_on` through the commission's steps
    (commission_helpers.d_granted; `override`: the reason the check accepted a
    candidate the register shows ineligible): its number is the scheme's next one,
    its validity the scheme's, and the grant brings its prorated dues invoice.
    Returns its id."""
    decision = commission_helpers.d_granted(store, candidate_id, granted_on, scheme, override)
    number = decision.certificate
    return store.certificate(number)["id"]


def certificate_row(
    store,
    candidate_id: int,
    number: str,
    granted_on: str,
    *,
    scheme="ECO",
    dossier_id=None,
    years=4,
) -> int:
    """A certificate row with a chosen number, written past the rules: what the
    letter tests still using R.dossier/R.decide need until they are built through
    the domain too (certificate() above is the way)."""
    start = day(granted_on)
    with store.transaction():
        cert_id = store.insert(
            "certificates",
            {
                "number": number,
                "candidate_id": candidate_id,
                "scheme": scheme,
                "granted_on": granted_on,
            },
        )
        store.insert(
            "certificate_periods",
            {
                "certificate_id": cert_id,
                "start": granted_on,
                "dossier_id": dossier_id,
                "end": dates.validity_end(start, years).isoformat() if years else None,
            },
        )
    return cert_id


def number(store, cert_id: int) -> str:
    return store.certificate_by_id(cert_id)["number"]


def invoice(
    store,
    candidate_id: int,
    number: str,
    amount: str,
    issued_on: str,
    *,
    purpose="dues-prorata",
    kind="invoice",
    certificate_id=None,
    dossier_id=None,
    dues_year=None,
    label="Cotisation annuelle",
    due_on=None,
) -> int:
    year, seq = int(number.split("-")[1]), int(number.split("-")[2])
    with store.transaction():
        return store.insert(
            "invoices",
            {
                "number": number,
                "kind": kind,
                "purpose": purpose,
                "year": year,
                "seq": seq,
                "candidate_id": candidate_id,
                "certificate_id": certificate_id,
                "dossier_id": dossier_id,
                "label": label,
                "amount": amount,
                "issued_on": issued_on,
                "due_on": due_on,
                "dues_year": dues_year,
                **store.invoice_buyer(candidate_id),
            },
        )


def request(store, dossier_id: int, items: list[str], requested_on: str, due: str) -> None:
    with store.transaction():
        store.insert(
            "requests",
            {
                "dossier_id": dossier_id,
                "items": json.dumps(items),
                "requested_on": requested_on,
                "due": due,
            },
        )


def interview(store, dossier_id: int, at: str, instructor="Bernard Noël") -> None:
    with store.transaction():
        ins = store.insert("instructors", {"name": instructor, "role": "instructor"})
        store.insert("interviews", {"dossier_id": dossier_id, "instructor_id": ins, "at": at})


def decide(
    store, dossier_id: int, decision: str, decided_on: str, reason=None, session_date=None
) -> None:
    """As `commission decide` records it: the dossier's decision columns and, with a
    session, the session and its agenda line."""
    with store.transaction():
        changes = {
            "decision": decision,
            "decided_on": decided_on,
            "decision_reason": reason,
            "status": "granted" if decision == "granted" else "refused",
        }
        if session_date:
            changes["session_id"] = store.insert(
                "sessions", {"date": session_date, "kind": "award"}
            )
            store.insert(
                "agenda_items",
                {
                    "session_id": changes["session_id"],
                    "dossier_id": dossier_id,
                    "position": 1,
                    "decision": decision,
                    "reason": reason,
                },
            )
        store.update("dossiers", dossier_id, changes)


def appeal(
    store,
    dossier_id: int,
    filed_on: str,
    deadline: str,
    outcome: str | None = None,
    decided_on: str | None = None,
    reason: str | None = None,
    grounds: str | None = None,
) -> None:
    """As `appeal file` then `commission decide` on an appeals session record it:
    appeals.reason holds the appellant's grounds, the outcome's reason is on the
    session's agenda line and becomes the dossier's latest decision."""
    with store.transaction():
        appeal_id = store.insert(
            "appeals",
            {
                "dossier_id": dossier_id,
                "filed_on": filed_on,
                "deadline": deadline,
                "reason": grounds,
            },
        )
        store.update("dossiers", dossier_id, {"status": "appealed"})
        if outcome is None:
            return
        session = store.insert("sessions", {"date": decided_on, "kind": "appeal"})
        decision = "granted" if outcome == "granted" else "refused"
        store.insert(
            "agenda_items",
            {
                "session_id": session,
                "dossier_id": dossier_id,
                "position": 1,
                "appeal_id": appeal_id,
                "decision": decision,
                "reason": reason,
            },
        )
        store.update(
            "appeals",
            appeal_id,
            {"session_id": session, "outcome": outcome, "decided_on": decided_on},
        )
        store.update(
            "dossiers",
            dossier_id,
            {
                "decision": decision,
                "decided_on": decided_on,
                "decision_reason": reason,
                "session_id": session,
                "status": decision,
            },
        )


def orient(store, dossier_id: int, name="Évalua Télécom", address="3 quai Ouest, 69002 Lyon"):
    with store.transaction():
        ev = store.insert(
            "evaluators", {"name": name, "address": address, "email": "contact@evalua.example"}
        )
        store.update("dossiers", dossier_id, {"evaluator_id": ev, "status": "evaluation"})


def phase(store, dossier_id: int, phase: str, result: str, on: str) -> None:
    with store.transaction():
        store.insert(
            "cqpt_phases", {"dossier_id": dossier_id, "phase": phase, "result": result, "date": on}
        )
