"""Dossiers: opening, listing and the whole history of one dossier."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from certcli import schemes, workflow
from certcli.errors import NotFound, StateError, ValidationError

KINDS = ("initial", "renewal", "extension")


@dataclass
class Dossier:
    id: int
    ref: str
    candidate_id: int
    scheme: str
    kind: str
    status: str
    opened_on: str
    certificate: str | None = None
    mention: str | None = None
    route: str | None = None
    financing: str | None = None
    instructor_id: int | None = None
    expert_id: int | None = None
    evaluator_id: int | None = None
    report_on: str | None = None
    recommendation: str | None = None
    report_mentions: list[str] = field(default_factory=list)
    decision: str | None = None
    decided_on: str | None = None
    holder: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _from_row(store, row) -> Dossier:
    cert = None
    if row["certificate_id"]:
        cert = store.scalar("SELECT number FROM certificates WHERE id = ?",
                            (row["certificate_id"],))
    keys = row.keys()
    holder = f"{row['first_name']} {row['last_name']}" if "first_name" in keys else None
    return Dossier(
        id=row["id"], ref=row["ref"], candidate_id=row["candidate_id"], scheme=row["scheme"],
        kind=row["kind"], status=row["status"], opened_on=row["opened_on"], certificate=cert,
        mention=row["mention"], route=row["route"], financing=row["financing"],
        instructor_id=row["instructor_id"], expert_id=row["expert_id"],
        evaluator_id=row["evaluator_id"], report_on=row["report_on"],
        recommendation=row["recommendation"],
        report_mentions=json.loads(row["report_mentions"] or "[]"),
        decision=row["decision"], decided_on=row["decided_on"], holder=holder,
    )


def row(store, ref: str):
    """The raw row of a dossier, or NotFound."""
    found = store.dossier(ref.strip())
    if found is None:
        raise NotFound(f"no dossier {ref!r}")
    return found


def get(store, ref: str) -> Dossier:
    found = row(store, ref)
    with_names = store.one(
        "SELECT d.*, c.first_name, c.last_name FROM dossiers d "
        "JOIN candidates c ON c.id = d.candidate_id WHERE d.id = ?", (found["id"],))
    return _from_row(store, with_names)


def open_dossier(store, *, candidate_id: int, scheme_code: str, kind: str = "initial",
                 certificate: str | None = None, mention: str | None = None,
                 route: str | None = None, financing: str | None = None,
                 date: dt.date) -> Dossier:
    """Open a dossier and give it the next reference of its year (2026-0001)."""
    scheme = schemes.get(scheme_code)
    if kind not in KINDS:
        raise ValidationError(f"invalid kind {kind!r} (one of: {', '.join(KINDS)})")
    if kind not in scheme.pieces:
        raise ValidationError(f"scheme {scheme.code} has no '{kind}' dossier")
    if store.candidate(candidate_id) is None:
        raise NotFound(f"no candidate with id {candidate_id}")
    certificate_id = _check_certificate(store, scheme, kind, candidate_id, certificate)
    if mention is not None and kind != "extension":
        raise ValidationError("--mention is for an extension dossier")
    if mention is not None and scheme.mentions and mention not in scheme.mentions:
        raise ValidationError(
            f"unknown mention {mention!r} for {scheme.code} (one of: {', '.join(scheme.mentions)})"
        )
    route, financing = _check_cqpt(scheme, route, financing)
    with store.transaction():
        if certificate_id is not None:
            busy = store.scalar(
                "SELECT ref FROM dossiers WHERE certificate_id = ? AND kind = ? AND status NOT IN "
                "('granted', 'refused', 'withdrawn', 'inadmissible')", (certificate_id, kind))
            if busy and kind == "renewal":
                raise StateError(f"certificate {certificate} already has an open renewal dossier "
                                 f"({busy})")
        seq = store.next_counter(f"dossier:{date.year}")
        ref = f"{date.year}-{seq:04d}"
        dossier_id = store.insert("dossiers", {
            "ref": ref, "candidate_id": candidate_id, "scheme": scheme.code, "kind": kind,
            "status": "submitted", "opened_on": date.isoformat(),
            "certificate_id": certificate_id, "mention": mention, "route": route,
            "financing": financing,
        })
        details = {"scheme": scheme.code, "kind": kind}
        details.update({k: v for k, v in (("certificate", certificate), ("mention", mention),
                                          ("route", route), ("financing", financing)) if v})
        store.add_dossier_event(dossier_id, date.isoformat(), "opened", details)
        store.audit("dossier.add", "dossier", ref, details, date)
    return get(store, ref)


def _check_certificate(store, scheme, kind, candidate_id, number):
    if kind == "initial":
        if number:
            raise ValidationError("--certificate is for a renewal or extension dossier")
        return None
    if not number:
        raise ValidationError(f"a {kind} dossier needs --certificate NUMBER")
    cert = store.one("SELECT * FROM certificates WHERE number = ?", (number,))
    if cert is None:
        raise NotFound(f"no certificate {number!r}")
    if cert["candidate_id"] != candidate_id:
        raise ValidationError(f"certificate {number} belongs to candidate {cert['candidate_id']}")
    if cert["status"] == "withdrawn":
        raise StateError(f"certificate {number} was withdrawn")
    if kind == "renewal" and cert["scheme"] != scheme.code:
        raise ValidationError(f"certificate {number} is a {cert['scheme']} certificate, "
                              f"not {scheme.code}")
    return cert["id"]


def _check_cqpt(scheme, route, financing):
    if scheme.workflow != "cqpt":
        if route or financing:
            raise ValidationError("--route and --financing are for a CQPT dossier")
        return None, None
    routes = tuple(scheme.eligibility.get("routes", ()))
    financings = tuple(scheme.cqpt.get("financings", ()))
    if not route:
        raise ValidationError(f"a CQPT dossier needs --route ({', '.join(routes)})")
    if route not in routes:
        raise ValidationError(f"invalid route {route!r} (one of: {', '.join(routes)})")
    if not financing:
        raise ValidationError(f"a CQPT dossier needs --financing ({', '.join(financings)})")
    if financing not in financings:
        raise ValidationError(f"invalid financing {financing!r} (one of: {', '.join(financings)})")
    return route, financing


def listing(store, *, status=None, scheme=None, kind=None, candidate_id=None,
            limit: int | None = 50, offset: int = 0) -> tuple[list[Dossier], int]:
    if status is not None and status not in workflow.STATUSES:
        raise ValidationError(f"unknown status {status!r} (one of: {', '.join(workflow.STATUSES)})")
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"invalid kind {kind!r} (one of: {', '.join(KINDS)})")
    scheme = schemes.get(scheme).code if scheme else None
    filters = dict(status=status, scheme=scheme, kind=kind, candidate_id=candidate_id)
    rows = store.dossiers(**filters, limit=limit, offset=offset)
    return [_from_row(store, r) for r in rows], store.count_dossiers(**filters)


def history(store, dossier_id: int) -> list[dict]:
    return [
        {"date": e["date"], "event": e["event"], "details": json.loads(e["details"]),
         "by": e["actor"]}
        for e in store.dossier_events(dossier_id)
    ]


def record_event(store, dossier_row, event: str, details: dict, date: dt.date,
                 *, status: str | None = None) -> None:
    """Record one step of a dossier: timeline, audit trail and new status.

    Call inside store.transaction(); every dossier action goes through here.
    """
    if status is not None and status != dossier_row["status"]:
        store.update("dossiers", dossier_row["id"], {"status": status})
        details = {**details, "status": [dossier_row["status"], status]}
    store.add_dossier_event(dossier_row["id"], date.isoformat(), event, details)
    store.audit(f"dossier.{event}", "dossier", dossier_row["ref"], details, date)


def show(store, ref: str) -> dict:
    """The dossier, its pieces and its whole history, as plain data."""
    dossier = get(store, ref)
    scheme = schemes.get(dossier.scheme)
    data = dossier.to_dict()
    data["scheme_name"] = scheme.name
    data["allowed_actions"] = workflow.allowed_actions(dossier.status, scheme.workflow)
    data["pieces"] = [{"code": p["code"], "received_on": p["received_on"]}
                      for p in store.pieces(dossier.id)]
    data["history"] = history(store, dossier.id)
    # Each stage adds what it knows of the dossier (instruction, commission, CQPT
    # evaluation) without this module having to know their tables.
    import importlib

    for stage in DETAIL_MODULES:
        data.update(importlib.import_module(f"certcli.{stage}").dossier_details(store, dossier))
    return data


DETAIL_MODULES = ("instruction", "commissions", "cqpt")
