"""Commission sessions (award, appeal, CPNE): planning, agendas and decisions.

A decision is dated on the session day, and recorded from that day on (its
`--date`, which dates the invoice it brings). A grant issues or continues the
certificate and invoices the prorated dues in the same transaction as the
decision, so a certificate never exists without its decision and its invoice.

An agenda records each dossier's step on the session day (SPEC §8), whenever it is
built; the day it was built is kept in the audit trail. A dossier placed on it can
still be withdrawn before the session, which takes it off every agenda where it is
undecided and frees its place. Every check a decision
rests on reads its rows inside the decision's transaction (under the write lock),
so two people recording the same decision at once get one decision and one error.
"""

from __future__ import annotations

import datetime as dt
import json

from certcli.domain import appeals, certificates, cqpt, dossiers, dues, eligibility
from certcli.errors import NotFound, StateError, ValidationError
from certcli.rules import dates, schemes, validators, workflow

KINDS = ("award", "appeal", "cpne")
DECISIONS = ("granted", "refused", "adjourned")
MAX_PLAN = 24


def _session(store, session_id: int):
    row = store.session(session_id)
    if row is None:
        raise NotFound(f"no commission session {session_id}")
    return row


def session_dict(row) -> dict:
    data = {
        "id": row["id"],
        "date": row["date"],
        "kind": row["kind"],
        "capacity": row["capacity"],
        "status": row["status"],
    }
    if "on_agenda" in row.keys():
        data.update(on_agenda=row["on_agenda"], decided=row["decided"])
    return data


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"invalid session kind {kind!r} (one of: {', '.join(KINDS)})")
    return kind


def add_session(
    store, *, date: dt.date, kind: str, capacity: int | None = None, force: bool = False
) -> dict:
    """A session on a working day (a weekend or a public holiday only with `force`)."""
    _check_kind(kind)
    if capacity is not None and capacity < 1:
        raise ValidationError(f"invalid capacity {capacity}: at least 1 dossier")
    forced = dates.require_working_day(date, force=force)
    with store.transaction():
        session_id = store.insert(
            "sessions", {"date": date.isoformat(), "kind": kind, "capacity": capacity}
        )
        details = {"date": date.isoformat(), "kind": kind, "capacity": capacity}
        if forced:
            details["forced"] = forced
        store.audit("commission.add", "session", session_id, details, date)
    return session_dict(store.session(session_id))


def listing(store, *, year: int | None = None, kind: str | None = None) -> list[dict]:
    if kind is not None:
        _check_kind(kind)
    return [session_dict(r) for r in store.sessions(year=year, kind=kind)]


# -- planning -------------------------------------------------------------------------
def plan(
    store,
    *,
    year: int,
    count: int = 5,
    kind: str = "award",
    capacity: int | None = None,
    apply: bool = False,
    date: dt.date | None = None,
) -> list[dict]:
    """`count` dates spread evenly over the year (the middle of equal slices), each
    moved to the next working day past weekends and French public holidays."""
    _check_kind(kind)
    if not 1 <= count <= MAX_PLAN:
        raise ValidationError(f"invalid count {count}: between 1 and {MAX_PLAN} sessions")
    closed = dates.public_holidays([year, year + 1])
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    proposals, previous = [], None
    for i in range(count):
        raw = first + dt.timedelta(days=(2 * i + 1) * length // (2 * count))
        day = dates.working_day(raw, closed)
        while previous is not None and day <= previous:
            day = dates.working_day(day + dt.timedelta(days=1), closed)
        previous = day
        proposals.append(
            {
                "date": day.isoformat(),
                "kind": kind,
                "capacity": capacity,
                "weekday": day.strftime("%A").lower(),
                "shifted_from": raw.isoformat() if raw != day else None,
                "holiday": closed.get(raw),
                "id": None,
            }
        )
    if apply:
        with store.transaction():
            existing = {(s["date"], s["kind"]) for s in store.sessions(year=year, kind=kind)}
            for proposal in proposals:
                if (proposal["date"], kind) in existing:
                    raise StateError(f"a {kind} session already exists on {proposal['date']}")
                day = dates.from_iso(proposal["date"])
                proposal["id"] = add_session(store, date=day, kind=kind, capacity=capacity)["id"]
            store.audit(
                "commission.plan",
                "session",
                None,
                {"year": year, "count": count, "kind": kind},
                date,
            )
    return proposals


# -- agenda -----------------------------------------------------------------------------
def _place(
    store,
    session,
    dossier_row,
    position: int,
    day: dt.date,
    *,
    appeal_id: int | None = None,
    status: str | None = None,
) -> None:
    store.insert(
        "agenda_items",
        {
            "session_id": session["id"],
            "dossier_id": dossier_row["id"],
            "position": position,
            "appeal_id": appeal_id,
        },
    )
    store.update("dossiers", dossier_row["id"], {"session_id": session["id"]})
    if appeal_id is not None:
        store.update("appeals", appeal_id, {"session_id": session["id"]})
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


def _award_queue(store, session, day: dt.date, built: dt.date, placed: set[int]):
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


def _appeal_queue(store, session, day: dt.date, built: dt.date, placed: set[int]):
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


def build_agenda(store, session_id: int, *, date: dt.date) -> dict:
    """Place the waiting dossiers on a session's agenda, up to its capacity.

    Each dossier's agenda step is dated on the session day (SPEC §8); `date`, the
    day the secretariat builds it, dates the audit entry. A withdrawal may still
    come before the session (see dossiers.record_event). Rebuilding keeps what is
    placed and writes nothing new when nothing new qualifies. Capacity counts the
    dossiers still on the agenda: a withdrawn dossier leaves it and frees its place."""
    postponed, added = [], []
    with store.transaction():
        session = _session(store, session_id)
        day = dates.from_iso(session["date"])
        # What qualifies is judged on the day the agenda is built (no dossier placed
        # before it was ready); the steps themselves are dated on the session day.
        built = min(date, day)
        capacity = session["capacity"]
        items = store.agenda_items(session_id)
        placed = {i["dossier_id"] for i in items}
        position = store.next_agenda_position(session_id)
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
                store.insert(
                    "agenda_items",
                    {"session_id": session_id, "dossier_id": row["id"], "position": position},
                )
            elif session["kind"] == "appeal":
                _place(store, session, row, position, day, appeal_id=row["appeal_id"])
            else:
                _place(store, session, row, position, day, status="on_agenda")
            added.append(row["ref"])
            position += 1
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
    return {
        "session": session_id,
        "date": session["date"],
        "kind": session["kind"],
        "capacity": capacity,
        "built_on": built.isoformat(),
        "agenda": [i["ref"] for i in store.agenda_items(session_id)],
        "added": added,
        "postponed": postponed,
    }


def remove_from_agendas(store, dossier_row) -> list[int]:
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


def agenda_items(store, session_id: int) -> list[dict]:
    _session(store, session_id)
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


# -- decisions ----------------------------------------------------------------------------
def _check_decidable(store, session, row, scheme, decision: str) -> None:
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


def _grant(store, row, scheme, mentions: list[str], day: dt.date, issued_on: dt.date):
    """Issue, continue or extend the certificate; invoice the prorated dues when owed,
    on `issued_on` (the day the decision is recorded). Returns (certificate id,
    invoice or None).

    Prorated dues go with a new certificate: a first grant, or an extension into
    another scheme. A renewal owes them only after a lapse across 1 January (the
    certificate was not valid on 1 January of the decision year); a renewal that
    continues the certificate, or one valid on that 1 January, is covered by that
    year's annual call. An extension that adds mentions owes nothing."""
    if row["kind"] == "renewal":
        owes = dues.renewal_owes_prorata(store, row["certificate_id"], day)
        cert_id = certificates.renew(
            store,
            scheme=scheme,
            certificate_id=row["certificate_id"],
            dossier_id=row["id"],
            date=day,
        )
        if mentions:
            certificates.add_mentions(store, certificate_id=cert_id, mentions=mentions, date=day)
        if not owes:
            return cert_id, None
    elif row["kind"] == "extension":
        target = store.certificate_by_id(row["certificate_id"])
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
        )
    else:
        cert_id = certificates.issue(
            store,
            scheme=scheme,
            candidate_id=row["candidate_id"],
            dossier_id=row["id"],
            mentions=mentions,
            date=day,
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
    )
    return cert_id, invoice


def decide(
    store,
    session_id: int,
    ref: str,
    decision: str,
    *,
    mentions: list[str] | None = None,
    reason: str | None = None,
    date: dt.date,
) -> dict:
    """Record a commission's decision on one dossier of its agenda: granted, refused
    (with the appeal deadline) or adjourned. The decision is dated on the session
    day; `date` is the day the secretariat records it (not before the session),
    which is also the issue date of the dues invoice a grant brings. "warnings"
    lists what stands but deserves a word (a CPNE grant despite a failed phase)."""
    if decision not in DECISIONS:
        raise ValidationError(f"invalid decision {decision!r} (one of: {', '.join(DECISIONS)})")
    with store.transaction():
        # Every read the decision rests on happens under the write lock (BEGIN
        # IMMEDIATE): two secretaries deciding the same dossier at once queue up, and
        # the second one sees the first one's decision.
        session = _session(store, session_id)
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
        reason = validators.reason(reason)
        if decision == "refused" and reason is None:
            raise ValidationError("a refusal needs --reason (it goes in the refusal letter)")
        if mentions and decision != "granted":
            raise ValidationError("--mention goes with --grant")
        chosen = _mentions(scheme, row, mentions) if decision == "granted" else []
        result = {
            "ref": row["ref"],
            "decision": decision,
            "session": session_id,
            "date": day.isoformat(),
            "certificate": None,
            "valid_until": None,
            "mentions": chosen,
            "invoice": None,
            "amount": None,
            "reason": reason,
            "appeal_deadline": None,
            "warnings": [],
        }
        if decision == "granted":
            # The CPNE decides, so a grant despite a failed phase stands; but it is said.
            failed = cqpt.failed_phases(store, row)
            if failed:
                result["warnings"].append(
                    f"{row['ref']} was granted although phase(s) {', '.join(failed)} "
                    "were recorded as failed"
                )
            recalled = eligibility.recall_at_decision(store, row, day)
            if recalled:
                result["warnings"].append(recalled)
            cert_id, invoice = _grant(store, row, scheme, chosen, day, date)
            cert = certificates.by_id(store, cert_id, as_of=day)
            result.update(
                certificate=cert.number, valid_until=cert.valid_until, mentions=cert.mentions
            )
            if invoice is not None:
                result.update(invoice=invoice.number, amount=invoice.amount)
        elif decision == "refused" and session["kind"] == "award" and scheme.workflow == "opqtecc":
            result["appeal_deadline"] = appeals.deadline(scheme, day).date.isoformat()
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
            result["appeal_outcome"] = outcome
        details = {
            k: result[k]
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
            if result[k]
        }
        dossiers.record_event(
            store, row, "decision", {"decision": decision, **details}, day, status=decision
        )
    return result


# -- dossier show -----------------------------------------------------------------------------
def dossier_details(store, dossier) -> dict:
    """What `dossier show` adds for this stage (JSON keys)."""
    from certcli.domain import invoices

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
        limit = appeals.deadline(
            scheme, dates.from_iso(dossier.decided_on), store=store, dossier_id=dossier.id
        )
        data["appeal_deadline"] = limit.date.isoformat()
        data["appeal_deadline_from"] = limit.source
    granted = store.certificate_granted_by(dossier.id)
    if granted is None and dossier.decision == "granted":
        granted = row["certificate_id"]
    if granted is not None:
        cert = certificates.by_id(store, granted, as_of=dates.from_iso(dossier.decided_on))
        data["granted_certificate"] = {
            "number": cert.number,
            "valid_until": cert.valid_until,
            "mentions": cert.mentions,
        }
    data["invoices"] = [
        {
            "number": i.number,
            "label": i.label,
            "amount": i.amount,
            "paid": i.paid,
            "status": i.status,
        }
        for i in invoices.listing(store, dossier_id=dossier.id)
    ]
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
