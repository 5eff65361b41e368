"""Dossiers: opening, listing and the whole history of one dossier.

The scheme catalog and the certificate rules are imported inside the functions
that use them: `dossier list` runs on every start of the day and needs neither."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from certcli.domain import candidates
from certcli.domain.candidates import search_key
from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import fastjson as json
from certcli.rules import validators, workflow

if TYPE_CHECKING:
    from certcli.store import Store


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
    payer: str = "candidate"  # who its invoices bill: the candidate or their employer

    def to_dict(self) -> dict:
        # Not asdict(), which deep-copies field by field (a fifth of `dossier list
        # --json`): plain values, and one list of strings, copied.
        return {**vars(self), "report_mentions": list(self.report_mentions)}


def _from_row(row) -> Dossier:
    """A Dossier from a row of store.dossier_with_names() or store.dossiers()."""
    return Dossier(**_values(row))


def _values(row) -> dict[str, Any]:
    """A Dossier's fields from its row, in their order: its `to_dict()` without building
    the record (`dossier show --json` makes no record class)."""
    return dict(
        id=row["id"],
        ref=row["ref"],
        candidate_id=row["candidate_id"],
        scheme=row["scheme"],
        kind=row["kind"],
        status=row["status"],
        opened_on=row["opened_on"],
        certificate=row["certificate_number"],
        mention=row["mention"],
        route=row["route"],
        financing=row["financing"],
        instructor_id=row["instructor_id"],
        expert_id=row["expert_id"],
        evaluator_id=row["evaluator_id"],
        report_on=row["report_on"],
        recommendation=row["recommendation"],
        report_mentions=json.loads(row["report_mentions"] or "[]"),
        decision=row["decision"],
        decided_on=row["decided_on"],
        holder=f"{row['first_name']} {row['last_name']}",
        payer=row["payer"],
    )


def row(store: Store, ref: str):
    """The raw row of a dossier, or NotFound."""
    found = store.dossier(ref.strip())
    if found is None:
        raise NotFound(f"no dossier {ref!r}")
    return found


def get(store: Store, ref: str) -> Dossier:
    return _from_row(store.dossier_with_names(row(store, ref)["id"]))


def view(store: Store, ref: str) -> dict[str, Any]:
    """`get(store, ref).to_dict()`, without building the Dossier: `dossier show` makes
    no record class then, nor imports `dataclasses` (issue 20, start-up)."""
    return _values(store.dossier_with_names(row(store, ref)["id"]))


def open_dossier(
    store: Store,
    *,
    candidate_id: int,
    scheme_code: str,
    kind: str = "initial",
    certificate: str | None = None,
    mention: str | None = None,
    route: str | None = None,
    financing: str | None = None,
    payer: str | None = None,
    date: dt.date,
    force: bool = False,
) -> Dossier:
    """Open a dossier and give it the next reference of its year (2026-0001).

    `payer` (candidate or employer; default: the scheme's, the employer for a CQPT
    dossier on the employer's training plan) is the buyer of every invoice the
    dossier brings; employer needs the candidate linked to a company.

    An initial dossier is refused to a candidate who already holds a valid
    certificate of the scheme, or has an initial dossier of it still open (a renewal
    or an extension is what they need); `force` opens it anyway, and says so in the
    dossier's history.
    """
    from certcli.domain import certificates
    from certcli.rules import schemes

    scheme = schemes.get(scheme_code)
    if kind not in KINDS:
        raise ValidationError(f"invalid kind {kind!r} (one of: {', '.join(KINDS)})")
    if kind not in scheme.pieces:
        raise ValidationError(f"scheme {scheme.code} has no '{kind}' dossier")
    if mention is not None and kind != "extension":
        raise ValidationError("--mention is for an extension dossier")
    if mention is not None:
        # An extension into another scheme asks for that scheme's mentions.
        mention = certificates.check_mentions(scheme, [mention])[0]
    route, financing = _check_cqpt(scheme, route, financing)
    explicit = payer is not None
    if payer is None:
        payer = scheme.default_payer(financing)
    else:
        payer = validators.choice(payer, schemes.PAYERS, "payer")
    with store.transaction():
        # The certificate is read under the write lock: one withdrawn meanwhile is seen.
        person = candidates.require_present(store, candidate_id)
        bills = scheme.fee(kind) > 0 or scheme.annual_dues > 0
        if payer == "employer" and person["employer_id"] is None and (explicit or bills):
            raise ValidationError(
                f"payer employer: candidate {candidate_id} is linked to no company; link "
                f"them with `certcli candidate edit {candidate_id} --employer-id ID` "
                "(certcli company add registers the company), or pass --payer candidate"
            )
        cert = _check_certificate(store, scheme, kind, candidate_id, certificate)
        if kind == "initial" and not force:
            _refuse_second_initial(store, scheme, candidate_id, date)
        if kind == "renewal":
            busy = store.open_dossier_on_certificate(cert["id"], kind)
            if busy:
                raise StateError(
                    f"certificate {cert['number']} already has an open renewal dossier ({busy})"
                )
        seq = store.next_counter(f"dossier:{date.year}")
        ref = f"{date.year}-{seq:04d}"
        dossier_id = store.insert(
            "dossiers",
            {
                "ref": ref,
                "candidate_id": candidate_id,
                "scheme": scheme.code,
                "kind": kind,
                "status": "submitted",
                "opened_on": date.isoformat(),
                "certificate_id": cert["id"] if cert else None,
                "mention": mention,
                "route": route,
                "financing": financing,
                "payer": payer,
            },
        )
        details: dict[str, Any] = {"scheme": scheme.code, "kind": kind}
        if payer != "candidate":
            details["payer"] = payer
        details.update(
            {
                k: v
                for k, v in (
                    ("certificate", cert["number"] if cert else None),
                    ("mention", mention),
                    ("route", route),
                    ("financing", financing),
                )
                if v
            }
        )
        if force and kind == "initial":
            details["forced"] = True
        store.add_dossier_event(dossier_id, date.isoformat(), "opened", details)
        store.audit("dossier.add", "dossier", ref, details, date)
        if scheme.fee_invoice == "opening":
            from certcli.domain import fee_invoices

            fee_invoices.ensure(store, store.dossier(ref), scheme, date)
    return get(store, ref)


def _refuse_second_initial(store: Store, scheme, candidate_id: int, date: dt.date) -> None:
    """A candidate is certified once per scheme: what they need next is a renewal or an
    extension of the certificate they hold, not a second initial dossier."""
    held = store.certificates(
        valid_on=date.isoformat(), scheme=scheme.code, candidate_id=candidate_id
    )
    if held:
        number = held[0]["number"]
        other = [k for k in ("renewal", "extension") if k in scheme.pieces]
        hint = " or ".join(f"--kind {k} --certificate {number}" for k in other)
        raise StateError(
            f"candidate {candidate_id} already holds {scheme.code} certificate {number}, valid "
            f"on {date.isoformat()}: "
            + (f"open a dossier with {hint}, " if hint else "")
            + "or pass --force to open a second initial dossier"
        )
    pending = store.open_initial_dossier(candidate_id, scheme.code)
    if pending is not None:
        raise StateError(
            f"candidate {candidate_id} already has an open initial {scheme.code} dossier "
            f"({pending['ref']}, '{pending['status']}'): pass --force to open another"
        )


def _check_certificate(store: Store, scheme, kind, candidate_id, number):
    """The certificate row a renewal or an extension is about (None for an initial)."""
    from certcli.domain import certificates

    if kind == "initial":
        if number:
            raise ValidationError("--certificate is for a renewal or extension dossier")
        return None
    if not number:
        raise ValidationError(f"a {kind} dossier needs --certificate NUMBER")
    cert = certificates.row_by_number(store, number)
    number = cert["number"]
    if cert["candidate_id"] != candidate_id:
        raise ValidationError(f"certificate {number} belongs to candidate {cert['candidate_id']}")
    if cert["status"] == "withdrawn":
        raise StateError(f"certificate {number} was withdrawn")
    if kind == "renewal" and cert["scheme"] != scheme.code:
        raise ValidationError(
            f"certificate {number} is a {cert['scheme']} certificate, not {scheme.code}"
        )
    return cert


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


def listing(
    store: Store,
    *,
    status=None,
    scheme=None,
    kind=None,
    candidate_id=None,
    search: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[list[Dossier], int]:
    """Dossiers, newest first; `search`: words of the holder's name, e-mail, city or
    employer (the candidate search's folding and index), with the total count."""
    if status is not None and status not in workflow.STATUSES:
        raise ValidationError(f"unknown status {status!r} (one of: {', '.join(workflow.STATUSES)})")
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"invalid kind {kind!r} (one of: {', '.join(KINDS)})")
    if scheme:
        from certcli.rules import schemes

        scheme = schemes.get(scheme).code
    filters = dict(
        status=status,
        scheme=scheme,
        kind=kind,
        candidate_id=candidate_id,
        search_key=search_key(search),
    )
    rows = store.dossiers(**filters, limit=limit, offset=offset)
    return [_from_row(r) for r in rows], store.count_dossiers(**filters)


EXPORT_COLUMNS = (
    "ref",
    "candidate_id",
    "holder",
    "scheme",
    "kind",
    "status",
    "opened_on",
    "certificate",
    "mention",
    "route",
    "financing",
    "instructor_id",
    "report_on",
    "recommendation",
    "decision",
    "decided_on",
)


def export_table(store: Store):
    """Every dossier, newest first, for `dossier export` (exports.Table)."""
    from certcli.domain import exports

    rows = (_from_row(r).to_dict() for r in store.iter_dossiers())
    return exports.Table(
        EXPORT_COLUMNS, ([d.get(c) for c in EXPORT_COLUMNS] for d in rows), title="dossiers"
    )


def history(store: Store, dossier_id: int) -> list[dict]:
    return [
        {
            "date": e["date"],
            "event": e["event"],
            "details": json.loads(e["details"]),
            "by": e["actor"],
        }
        for e in store.dossier_events(dossier_id)
    ]


def eligibility_at_last_check(store: Store, dossier_id: int) -> dict | None:
    """The eligibility verdict recorded by the dossier's last check that applied one:
    {"checked_on", "eligible", "failures", "override"}, or None. (Here, beside the
    history it is read from, rather than in `eligibility`: `dossier show` tells it
    without loading the eligibility rules.)"""
    for event in reversed(store.dossier_events(dossier_id)):
        if event["event"] != "checked":
            continue
        details = json.loads(event["details"])
        if "eligible" in details:
            return {
                "checked_on": event["date"],
                "eligible": details["eligible"],
                "failures": details.get("failures", []),
                "override": details.get("override"),
            }
    return None


def expert_opinions(store: Store, dossier_id: int) -> list[dict]:
    """A dossier's expert opinions, oldest first; the last one is the one that counts
    (a later opinion of the expert supersedes an earlier one, which stays)."""
    return [
        {
            "expert": {"id": o["expert_id"], "name": o["expert_name"]},
            "opinion": o["opinion"],
            "text": o["text"],
            "date": o["date"],
        }
        for o in store.expert_opinions(dossier_id)
    ]


def latest_expert_opinion(store: Store, dossier_id: int) -> dict | None:
    found = expert_opinions(store, dossier_id)
    return found[-1] if found else None


# Steps that may come before the session day an agenda step is dated on: a
# withdrawal, a cancelled session, and the decision of a session moved earlier.
_AFTER_AGENDA = ("withdrawn", "session_cancelled", "decision")


def record_event(
    store: Store,
    dossier_row,
    event: str,
    details: dict,
    date: dt.date,
    *,
    status: str | None = None,
) -> None:
    """Record one step of a dossier: timeline, audit trail and new status.

    Call inside store.transaction(); every dossier action goes through here, so
    the two date rules hold for every step:
    - no step is dated before the dossier was opened;
    - a step that changes the status is not dated before the last step that
      changed it (the same day is fine). Steps that leave the status alone (a piece
      or a cheque received, an interview booked) may still be dated back to the
      opening: the secretariat enters yesterday's post today. So a report cannot be
      backdated past the check that opened instruction, nor a check past the
      complement that answered a request.
    One exception: for a withdrawal, a cancelled session and a decision, the agenda
    step does not count as the last status change: it is dated on its (future)
    session day, and the candidate may still withdraw (or the session be cancelled
    or moved earlier) before the session sits.
    """
    check_date(
        store,
        dossier_row,
        event,
        date,
        changes_status=status is not None and status != dossier_row["status"],
        ignore=("agenda",) if event in _AFTER_AGENDA else (),
    )
    if status is not None and status != dossier_row["status"]:
        store.update("dossiers", dossier_row["id"], {"status": status})
        details = {**details, "status": [dossier_row["status"], status]}
    store.add_dossier_event(dossier_row["id"], date.isoformat(), event, details)
    # The trail's copy names the dossier, so a correction (keyed by ref, see
    # audit_trail) is told next to the step it corrects in a log of every dossier.
    store.audit(
        f"dossier.{event}",
        "dossier",
        dossier_row["ref"],
        {**details, "ref": dossier_row["ref"]},
        date,
    )


def check_date(
    store: Store,
    dossier_row,
    event: str,
    date: dt.date,
    *,
    changes_status: bool = True,
    ignore: tuple[str, ...] = (),
) -> None:
    """Refuse a step dated before the dossier was opened, or (for a step that changes
    the status) before its last status change; see record_event."""
    iso, ref = date.isoformat(), dossier_row["ref"]
    if iso < dossier_row["opened_on"]:
        raise ValidationError(
            f"dossier {ref}: '{event}' dated {iso} is before the dossier "
            f"was opened ({dossier_row['opened_on']})"
        )
    if changes_status:
        last = store.last_status_change(dossier_row["id"], ignore=ignore)
        if last and iso < last:
            raise ValidationError(
                f"dossier {ref}: '{event}' dated {iso} is before its last change of status "
                f"({last}); date it {last} or later"
            )
