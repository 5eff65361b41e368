"""What a letter template sees: one context builder per kind of record.

Values are plain dicts, dates are `datetime.date` and amounts `Decimal` (the
templates format them with `date_fr` and `eur`). A record that does not exist
(no request, no interview, no invoice yet) is left OUT of the context rather
than set to None: a template that needs it then fails with StrictUndefined,
naming the variable, instead of printing a blank in a posted letter.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from certcli.domain import appeals, candidates, certificates, completeness, invoices
from certcli.errors import NotFound, ValidationError
from certcli.letters import wording
from certcli.letters.attestation import Verification
from certcli.records import dataclass, field
from certcli.rules import dates, schemes
from certcli.rules.money import ZERO, to_decimal
from certcli.rules.postal import ADDRESS_FIELDS

if TYPE_CHECKING:
    from certcli.store import Store


RECORD_KINDS = ("dossier", "certificate", "candidate", "invoice")
# What a template may need besides: a commission session (certcli.letters.papers).
SESSION_KIND = "session"
PAST_ADMISSIBILITY = ("admissible", "evaluation", "transmitted", "granted", "refused")


@dataclass
class LetterContext:
    """The variables of one letter and the records it is about (for the log)."""

    kind: str
    ref: str  # the reference the file is named after
    data: dict
    candidate_id: int | None  # None: a session's papers (certcli.letters.papers)
    dossier_id: int | None = None
    certificate_id: int | None = None
    invoice_id: int | None = None
    extra: dict = field(default_factory=dict)


def build(
    store: Store,
    *,
    date: dt.date,
    dossier: str | None = None,
    certificate: str | None = None,
    candidate: int | None = None,
    invoice: str | None = None,
) -> LetterContext:
    """The context for exactly one record given by its reference."""
    given = {
        k: v
        for k, v in (
            ("dossier", dossier),
            ("certificate", certificate),
            ("candidate", candidate),
            ("invoice", invoice),
        )
        if v is not None
    }
    if len(given) != 1:
        raise ValidationError(
            "name exactly one record: --dossier REF, --certificate NUMBER, "
            "--candidate ID or --invoice NUMBER"
        )
    kind, key = next(iter(given.items()))
    return _BUILDERS[kind](store, key, date)


# -- shared parts ---------------------------------------------------------------------------
@overload
def _date(value: str) -> dt.date: ...
@overload
def _date(value: None) -> None: ...
@overload
def _date(value: str | None) -> dt.date | None: ...
def _date(value: str | None) -> dt.date | None:
    """A stored date or timestamp's day (typed as dates.from_iso)."""
    return dates.from_iso(value[:10]) if value else None


def _candidate(store: Store, candidate_id: int, buyer=None) -> dict:
    """The candidate; for an invoice's letter (`buyer` = its row), named and addressed
    as on the invoice, frozen at issue: a later edit of the candidate never changes
    a reprint. An invoice issued without an address takes today's (it named none)."""
    row: dict[str, Any] = dict(candidates.require(store, candidate_id))
    if buyer is not None:
        frozen = {f: buyer[f"buyer_{f}"] for f in ("civility", "first_name", "last_name")}
        if any(buyer[f"buyer_{f}"] for f in ADDRESS_FIELDS):
            frozen.update({f: buyer[f"buyer_{f}"] for f in ADDRESS_FIELDS})
        row = {**row, **frozen}
    full_name = f"{row['first_name']} {row['last_name']}"
    civility = row["civility"] or ""
    town = " ".join(part for part in (row["postcode"], row["city"]) if part)
    return {
        "id": row["id"],
        "civility": civility,
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "full_name": full_name,
        "address": row["address"] or "",
        "postcode": row["postcode"] or "",
        "city": row["city"] or "",
        "email": row["email"] or "",
        "phone": row["phone"] or "",
        "employer": row["employer"] or "",
        "directory_consent": bool(row["directory_consent"]),
        "recipient": {
            "name": f"{civility} {full_name}".strip(),
            "lines": [line for line in (row["address"], town) if line],
        },
        "salutation": wording.SALUTATIONS.get(civility, "Madame, Monsieur"),
        "agreement": wording.AGREEMENTS.get(civility, "(e)"),
    }


def body_identity(body) -> dict:
    """The body's legal identity as the templates read it: `legal`, `vat`, `invoicing`
    and `vat_note` (the VAT line of every invoice, from the body file)."""
    vat = body.vat
    if vat.regime == "franchise":
        note = vat.exemption.rstrip(".") + "."
    else:
        note = f"N° de TVA intracommunautaire : {vat.number}."
    return {
        "legal": {
            "name": body.legal.name,
            "form": body.legal.form,
            "siren": body.legal.siren,
            "siret": body.legal.siret,
            "address": list(body.legal.address),
        },
        "vat": {
            "regime": vat.regime,
            "exemption": vat.exemption,
            "number": vat.number,
            "rates": dict(vat.rates),
        },
        "invoicing": {
            "terms_days": body.invoicing.terms_days,
            "late_penalty": body.invoicing.late_penalty,
            "recovery_indemnity": body.invoicing.recovery_indemnity,
            "iban": body.invoicing.iban_formatted,
            "bic": body.invoicing.bic,
            "cheque_payee": body.invoicing.cheque_payee,
        },
        "vat_note": note,
    }


def _scheme(code: str) -> tuple[dict, dict]:
    scheme = schemes.get(code)
    body = scheme.body
    body_data = {
        "code": body.code,
        "name": body.name,
        "long_name": body.long_name,
        "address": list(body.address),
        "city": body.city,
        "phone": body.phone,
        "email": body.email,
        "signatory": body.signatory,
        **body.extra,
        **body_identity(body),
        "mail": (
            {"from_name": body.mail.from_name, "from_address": body.mail.from_address}
            if body.mail
            else {}
        ),
    }

    def pieces(kind):
        return [
            {"code": c, "label": scheme.label(c), "count": scheme.piece_count(c)}
            for c in scheme.required_pieces(kind)
        ]

    scheme_data = {
        "code": scheme.code,
        "name": scheme.name,
        "validity_years": scheme.validity_years,
        "appeal_delay_months": scheme.appeal_delay_months,
        "annual_dues": scheme.annual_dues,
        "fees": dict(scheme.fees),
        "prorata": scheme.prorata,
        "pieces": {kind: pieces(kind) for kind in scheme.pieces},
    }
    return body_data, scheme_data


def scheme_context(code: str) -> tuple[dict, dict]:
    """The `body` and `scheme` a template sees, for a document about no record
    (certcli.letters.documents)."""
    return _scheme(code)


def _base(store: Store, candidate_id: int, scheme_code: str, date: dt.date, buyer=None) -> dict:
    body, scheme = _scheme(scheme_code)
    candidate = _candidate(store, candidate_id, buyer)
    return {
        "date": date,
        "body": body,
        "scheme": scheme,
        "candidate": candidate,
        "recipient": candidate["recipient"],
        "salutation": candidate["salutation"],
        "references": [],
        "workflow": schemes.get(scheme_code).workflow,
    }


def _certificate(store: Store, row, period=None) -> dict:
    """The certificate with one validity period: the one given (a dossier's own),
    else the latest."""
    if period is None:
        period = store.latest_period(row["id"])
    first = store.first_period(row["id"])
    data = {
        "id": row["id"],
        "number": row["number"],
        "scheme": row["scheme"],
        "status": row["status"],
        "granted_on": _date(row["granted_on"]),
        "mentions": json.loads(row["mentions"] or "[]"),
        "withdrawn_on": _date(row["withdrawn_on"]),
        "withdraw_reason": row["withdraw_reason"] or "",
    }
    if period is not None:
        assert first is not None  # a certificate with a period has a first one
        data.update(
            start=_date(period["start"]),
            valid_until=_date(period["end"]),
            period_id=period["id"],
            first_start=_date(first["start"]),
        )
    body = schemes.get(row["scheme"]).body
    data["verification"] = Verification(
        store,
        row["number"],
        data.get("start"),
        data.get("valid_until"),
        body.extra.get("verify_url"),
    )
    return data


def _invoice(store: Store, row) -> dict:
    """The invoice or credit note; `payable` when a payment can still be asked for
    (an open invoice with a balance), `credit_for`/`credited_by` the other half of
    a cancellation (number and date) or None."""
    amount = to_decimal(row["amount"])
    credits = store.invoice_credits(row["id"]) if row["kind"] == "invoice" else []
    owed = invoices.balance(
        amount,
        store.invoice_paid(row["id"]),
        kind=row["kind"],
        status=row["status"],
        credits=[c["amount"] for c in credits],
    )
    paid, balance = owed.paid, owed.due
    links = store.invoice_links(row["id"])
    town = " ".join(p for p in (row["buyer_postcode"], row["buyer_city"]) if p)
    name = " ".join(
        p for p in (row["buyer_civility"], row["buyer_first_name"], row["buyer_last_name"]) if p
    )
    return {
        "id": row["id"],
        "number": row["number"],
        "kind": row["kind"],
        # the buyer as on the invoice (frozen at issue)
        "buyer": {
            "name": name,
            "lines": [x for x in (row["buyer_address"], town) if x],
            # an employer billed instead of the candidate (`invoice reissue --bill-to`)
            "company": row["buyer_company"] or "",
            "siret": row["buyer_siret"] or "",
        },
        "purpose": row["purpose"],
        "label": row["label"],
        "amount": amount,
        "months": invoice_months(row),
        "issued_on": _date(row["issued_on"]),
        "due_on": _date(row["due_on"]),
        "status": row["status"],
        "dues_year": row["dues_year"],
        "paid": paid,
        "credited": owed.credited,
        "credits": [
            {
                "number": c["number"],
                "amount": -to_decimal(c["amount"]),
                "issued_on": _date(c["issued_on"]),
            }
            for c in credits
        ],
        "partial": bool(row["partial"]),
        "replaces": (
            {"number": links["replaces"], "issued_on": _date(links["replaces_on"])}
            if links["replaces"]
            else None
        ),
        "balance": balance,
        "payable": balance > 0,  # only an open invoice owes (invoices.balance)
        "credit_for": (
            {"number": links["credit_for"], "issued_on": _date(links["credit_for_on"])}
            if links["credit_for"]
            else None
        ),
        "credited_by": (
            {"number": links["credited_by"], "issued_on": _date(links["credited_on"])}
            if links["credited_by"]
            else None
        ),
    }


_LABEL_MONTHS = re.compile(r"\((\d{1,2})/12 mois\)")


def invoice_months(row) -> int | None:
    """The months a prorated dues invoice bills, as the invoice itself says: its
    recorded months, else (an invoice issued before they were recorded) the
    "(N/12 mois)" of its label; never recounted from another day, so a letter and
    the invoice it encloses cannot disagree. None for any other invoice."""
    if row["purpose"] != "dues-prorata":
        return None
    if row["prorata_months"] is not None:
        return int(row["prorata_months"])
    found = _LABEL_MONTHS.search(row["label"] or "")
    return int(found.group(1)) if found else None


def _items(text: str) -> list[str]:
    """The requested items: a JSON list as stored, else the text cut at each ';' or
    line break (`dossier request --items` keeps one line, so ';' separates items
    there). A text with neither is ONE item, and the letter speaks of it in the
    singular ("nous le faire parvenir")."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if isinstance(value, list):
        return [str(item) for item in value]
    return [
        line.strip(" -•\t")
        for line in str(text).replace(";", "\n").splitlines()
        if line.strip(" -•\t")
    ]


# -- one builder per kind of record -----------------------------------------------------------
def for_dossier(store: Store, ref: str, date: dt.date) -> LetterContext:
    row = store.dossier(str(ref).strip())
    if row is None:
        raise NotFound(f"no dossier {ref!r}")
    ctx = _base(store, row["candidate_id"], row["scheme"], date)
    scheme = schemes.get(row["scheme"])
    decided_on = _date(row["decided_on"])
    ctx["dossier"] = {
        "id": row["id"],
        "ref": row["ref"],
        "kind": row["kind"],
        "request_label": (
            wording.CQPT_REQUEST_LABEL
            if scheme.workflow == "cqpt"
            else wording.REQUEST_LABELS.get(row["kind"], row["kind"])
        ),
        "status": row["status"],
        "opened_on": _date(row["opened_on"]),
        "mention": row["mention"],
        "route": row["route"],
        "route_label": wording.ROUTE_LABELS.get(row["route"], row["route"]),
        "financing": row["financing"],
        "decision": row["decision"],
        "decided_on": decided_on,
        "decision_reason": row["decision_reason"] or "",
        "granted": row["status"] == "granted" or row["decision"] in ("granted", "grant"),
        # A refusal stands while its appeal is pending or once the appeal confirmed it.
        "refused": row["status"] in ("refused", "appealed"),
        "report_mentions": json.loads(row["report_mentions"] or "[]"),
    }
    ctx["references"].append(("Dossier", row["ref"]))
    check = completeness.assess(store, row)
    ctx["complete"] = check.complete
    ctx["missing"] = [m.to_dict() | {"amount": m.amount} for m in check.missing]
    ctx["fee_due"], ctx["fee_paid"] = check.fee_due, check.fee_paid
    ctx["pieces_received"] = _received(store, row, scheme)
    context = LetterContext("dossier", row["ref"], ctx, row["candidate_id"], dossier_id=row["id"])
    _add_instruction(store, row, ctx)
    _add_outcome(store, row, scheme, ctx, context)
    _add_cqpt(store, row, scheme, ctx)
    _add_closing(store, row, ctx)
    _add_payments(store, row, ctx, date)
    return context


def _event(store: Store, row, event: str) -> tuple[dt.date, dict] | None:
    """The dossier's latest step of one kind: its day and details."""
    found = store.cqpt_last_event(row["id"], event)
    if found is None:
        return None
    return _date(found["date"]), json.loads(found["details"] or "{}")


def _add_closing(store: Store, row, ctx: dict) -> None:
    """A withdrawal and an adjournment, as their steps recorded them."""
    withdrawn = _event(store, row, "withdrawn") if row["status"] == "withdrawn" else None
    if withdrawn is not None:
        day, details = withdrawn
        sessions = [store.session(s) for s in details.get("removed_from_agenda", [])]
        ctx["withdrawal"] = {
            "date": day,
            "reason": details.get("reason") or "",
            "interviews_cancelled": details.get("interviews_cancelled", 0),
            "sessions": [_date(s["date"]) for s in sessions if s],
        }
    if row["decision"] == "adjourned":
        for event in store.decision_events(row["id"]):
            details = json.loads(event["details"] or "{}")
            if details.get("decision") == "adjourned":
                ctx["adjournment"] = {
                    "date": _date(event["date"]),
                    "reason": details.get("reason") or "",
                }
                break


def _add_payments(store: Store, row, ctx: dict, date: dt.date) -> None:
    """The instruction fee payments received by the letter's date, the latest one
    (what a receipt acknowledges) and what remains due after them, net of any
    refund (`dossier refund`: a negative row, never acknowledged as a payment), and
    the fee's invoice they settle when the scheme issues one (`fee_invoice`), as its
    record says."""
    rows = [p for p in store.dossier_payments(row["id"]) if _date(p["paid_on"]) <= date]
    fee_invoice = store.fee_invoice(row["id"])
    ctx["fee_invoice"] = {"number": fee_invoice["number"]} if fee_invoice is not None else None
    refunded = sum((-to_decimal(p["amount"]) for p in rows if p["kind"] == "refund"), ZERO)
    received = [
        {
            "date": _date(p["paid_on"]),
            "amount": to_decimal(p["amount"]),
            "method": p["method"],
            "method_label": wording.METHOD_LABELS.get(p["method"], p["method"]),
            "reference": p["reference"] or "",
        }
        for p in rows
        if p["kind"] != "refund"
    ]
    ctx["payments"] = received
    if received:
        paid = sum((p["amount"] for p in received), ZERO) - refunded
        ctx["payment"] = received[-1]
        ctx["fee"] = {
            "due": ctx["fee_due"],
            "paid": paid,
            "balance": max(ctx["fee_due"] - paid, ZERO),
        }


def _received(store: Store, row, scheme) -> list[dict]:
    """The pieces received, one line per kind of piece: how many copies came in, of
    how many the scheme wants, and the latest day one came in."""
    lines: dict[str, dict] = {}
    for piece in store.pieces(row["id"]):
        code, day = piece["code"], _date(piece["received_on"])
        line = lines.setdefault(
            code,
            {
                "code": code,
                "label": scheme.label(code),
                "received": 0,
                "needed": scheme.piece_count(code),
                "received_on": day,
            },
        )
        line["received"] += 1
        line["received_on"] = max(line["received_on"], day)
    return list(lines.values())


def _add_instruction(store: Store, row, ctx: dict) -> None:
    request = store.latest_request(row["id"])
    if request is not None:
        ctx["request"] = {
            "items": _items(request["items"]),
            "requested_on": _date(request["requested_on"]),
            "due": _date(request["due"]),
        }
    interview = store.latest_interview(row["id"])
    if interview is not None:
        at = dates.parse_datetime(interview["at"][:16])
        ctx["interview"] = {
            "at": at,
            "day": at.date(),
            "minutes": interview["minutes"],
            "instructor": interview["instructor_name"] or "",
        }


def _add_outcome(store: Store, row, scheme, ctx: dict, context: LetterContext) -> None:
    cert = store.certificate_of_dossier(row)
    decided_on = ctx["dossier"]["decided_on"]
    if cert is not None:
        # The period this dossier opened: reprinting a first notification after a
        # renewal still names the first period. An extension opens none: the period
        # it was decided in.
        period = store.dossier_period(cert["id"], row["id"])
        if period is None and decided_on is not None:
            period = store.period_on(cert["id"], decided_on.isoformat())
        ctx["certificate"] = _certificate(store, cert, period)
        ctx["references"].append(("Certificat", cert["number"]))
        context.certificate_id = cert["id"]
    if ctx["dossier"]["granted"]:
        ctx["dossier"]["granted_mentions"] = _granted_mentions(store, row, ctx)
        ctx["dossier"]["new_mentions"] = _new_mentions(ctx["dossier"])
        invoice = store.dossier_invoice(row["id"])
        if invoice is not None:
            ctx["invoice"] = _invoice(store, invoice)
            ctx["references"].append(("Facture", invoice["number"]))
            context.invoice_id = invoice["id"]
            months = ctx["invoice"]["months"]
            if months is not None:
                ctx["dues_months"] = months
    if row["session_id"]:
        session = store.session(row["session_id"])
        assert session is not None  # a foreign key
        ctx["session"] = {"date": _date(session["date"]), "kind": session["kind"]}
    appeal = store.latest_appeal(row["id"])
    if appeal is not None:
        decided = appeal["outcome"] is not None
        ctx["appeal"] = {
            "filed_on": _date(appeal["filed_on"]),
            "deadline": _date(appeal["deadline"]),
            "deadline_from": appeal["deadline_from"],
            "outcome": appeal["outcome"],
            "decided": decided,
            "granted": appeal["outcome"] == "granted",
            "decided_on": _date(appeal["decided_on"]),
            "grounds": appeal["reason"] or "",
            # the appeals session's reason, never the appellant's grounds
            "reason": (appeal["outcome_reason"] or "") if decided else "",
            "session_date": _date(appeal["session_date"]),
        }
    refusal = _first_refusal(store, row, ctx)
    if refusal is not None:
        ctx["refusal"] = refusal
        if "appeal" in ctx:
            ctx["appeal_deadline"] = ctx["appeal"]["deadline"]
            ctx["appeal_deadline_from"] = ctx["appeal"]["deadline_from"]
        else:
            limit = appeals.deadline(scheme, refusal["date"], store=store, dossier_id=row["id"])
            ctx["appeal_deadline"], ctx["appeal_deadline_from"] = limit.date, limit.source
            if limit.notified_on:
                refusal["notified_on"] = limit.notified_on


def _granted_mentions(store: Store, row, ctx: dict) -> list[str]:
    """The certificate's mentions as this decision left them (its decision event),
    else the certificate's, else the report's."""
    for event in store.decision_events(row["id"]):
        details = json.loads(event["details"] or "{}")
        if details.get("decision") == "granted":
            if details.get("mentions"):
                return list(details["mentions"])
            break
    if "certificate" in ctx and ctx["certificate"]["mentions"]:
        return ctx["certificate"]["mentions"]
    return ctx["dossier"]["report_mentions"]


def _new_mentions(dossier: dict) -> list[str]:
    """What this decision added. A first grant or a renewal: every mention granted.
    An extension: the mentions the dossier asked for (its --mention, else the
    report's) among those granted, since the certificate's list also holds the
    mentions it had before; all granted ones if the commission chose others."""
    granted = dossier["granted_mentions"]
    if dossier["kind"] != "extension":
        return granted
    asked = [dossier["mention"]] if dossier["mention"] else dossier["report_mentions"]
    return [m for m in granted if m in asked] or granted


def _first_refusal(store: Store, row, ctx: dict) -> dict | None:
    """The first-instance refusal (award commission or CPNE): its day and reason.
    Once the appeal is heard the dossier's decision columns are the appeal's, so
    they are read only while no appeal was decided."""
    found = store.first_refusal(row["id"])
    if found is not None:
        return {
            "date": _date(found["date"]),
            "reason": found["reason"] or "",
            "session_kind": found["kind"],
        }
    appeal = ctx.get("appeal")
    if row["decision"] == "refused" and row["decided_on"] and not (appeal and appeal["decided"]):
        kind = ctx["session"]["kind"] if "session" in ctx else None
        return {
            "date": _date(row["decided_on"]),
            "reason": row["decision_reason"] or "",
            "session_kind": kind,
        }
    return None


def _add_cqpt(store: Store, row, scheme, ctx: dict) -> None:
    from certcli.domain import cqpt, cqpt_funding

    if scheme.workflow != "cqpt":
        return
    ctx["funder"] = scheme.cqpt["funder"]
    how, funder, amount = cqpt_funding.payer(scheme, row["financing"])
    ctx["funding"] = {
        "payer": how,
        "funder": funder or "",
        "amount": amount,
        "financing": row["financing"] or "",
        "financing_label": wording.FINANCING_LABELS.get(row["financing"], row["financing"] or ""),
    }
    if row["evaluator_id"]:
        evaluator = store.evaluator(row["evaluator_id"])
        assert evaluator is not None  # a foreign key
        ctx["evaluator"] = {
            "name": evaluator["name"],
            "email": evaluator["email"] or "",
            "address": evaluator["address"] or "",
        }
    ctx["phases"] = [
        {
            "phase": p["phase"],
            "label": wording.PHASE_LABELS.get(p["phase"], p["phase"]),
            "result": wording.result_label(p["phase"], p["result"]),
            "score": p["score"] or "",
            "date": _date(p["date"]),
            "training_advised": bool(p["training_advised"]),
        }
        for p in store.cqpt_phases(row["id"])
    ]
    # Finished once every phase has a result, or once the results went to the CPNE.
    done = {p["phase"] for p in ctx["phases"] if p["result"]}
    ctx["evaluation_done"] = row["status"] in (
        "transmitted",
        "granted",
        "refused",
        "appealed",
    ) or all(p in done for p in cqpt.phases_of(scheme))
    ctx["evaluation_started"] = bool(done)
    admissibility = _event(store, row, "admissibility")
    if admissibility is not None:
        day, details = admissibility
        ctx["admissibility"] = {
            "date": day,
            "admissible": details.get("decision") == "admissible",
            "reason": details.get("reason") or "",
        }
    elif row["status"] in PAST_ADMISSIBILITY:
        # A file further on the route was found admissible, whatever wrote it.
        ctx["admissibility"] = {"date": None, "admissible": True, "reason": ""}
    rules = scheme.eligibility
    ctx["cqpt_rules"] = {
        "min_hours": to_decimal(rules.get("min_hours", "0")),
        "window_years": int(rules.get("window_years", 0)),
    }


def for_certificate(store: Store, number: str, date: dt.date) -> LetterContext:
    row = store.certificate_by_number(str(number).strip())
    if row is None:
        raise NotFound(f"no certificate {number!r}")
    return certificate_context(store, row, date)


def certificate_context(store: Store, row, date: dt.date) -> LetterContext:
    """The certificate's context from its row (renewals build many of these)."""
    ctx = _base(store, row["candidate_id"], row["scheme"], date)
    ctx["certificate"] = _certificate(store, row)
    ctx["certificate"]["standing"] = certificates.status_on(
        row,
        store.certificate_periods(row["id"]),
        date,
        store.certificate_suspensions(row["id"]),
    )
    # What an attestation dated `date` attests: the period covering that day.
    now = store.period_on(row["id"], date.isoformat())
    ctx["attested"] = _certificate(store, row, now) if now is not None else ctx["certificate"]
    ctx["references"].append(("Certificat", row["number"]))
    renewal_fee = schemes.get(row["scheme"]).fee("renewal")
    ctx["renewal"] = {"pieces": ctx["scheme"]["pieces"].get("renewal", []), "fee": renewal_fee}
    return LetterContext(
        "certificate", row["number"], ctx, row["candidate_id"], certificate_id=row["id"]
    )


def for_candidate(store: Store, candidate_id, date: dt.date) -> LetterContext:
    try:
        candidate_id = int(candidate_id)
    except (TypeError, ValueError):
        raise ValidationError(f"invalid candidate id {candidate_id!r}") from None
    candidates.require(store, candidate_id)
    # The letterhead is that of the candidate's latest dossier's scheme.
    latest = store.dossiers(candidate_id=candidate_id, limit=1)
    scheme_code = latest[0]["scheme"] if latest else sorted(schemes.catalog())[0]
    ctx = _base(store, candidate_id, scheme_code, date)
    return LetterContext("candidate", f"candidat-{candidate_id}", ctx, candidate_id)


def invoice_document(store: Store, invoice_id: int) -> dict:
    """The invoice document (every mandatory mention) of an invoice or credit note,
    from certcli.domain.invoice_document: the one rule of the letter and Factur-X."""
    from certcli.domain import invoice_document as documents

    invoice = invoices.by_id(store, invoice_id)
    scheme = schemes.get(invoice.scheme) if invoice.scheme else None
    body = scheme.body if scheme else next(iter(schemes.catalog().values())).body
    credit_for = None
    original = invoice.credit_for and store.invoice(invoice.credit_for)
    if original:
        cancelled = invoices.by_id(store, original["id"])
        credit_for = {
            "number": cancelled.number,
            "issued_on": dates.from_iso(cancelled.issued_on),
        }
    return documents.build(invoice, body, credit_for, scheme.annual_dues if scheme else None)


def for_invoice(store: Store, number: str, date: dt.date) -> LetterContext:
    row = store.invoice_by_number(str(number).strip())
    if row is None:
        raise NotFound(f"no invoice {number!r}")
    cert = store.certificate_row(row["certificate_id"]) if row["certificate_id"] else None
    dossier = store.dossier_by_id(row["dossier_id"]) if row["dossier_id"] else None
    if cert is not None:
        scheme_code = cert["scheme"]
    elif dossier is not None:
        scheme_code = dossier["scheme"]
    else:
        scheme_code = sorted(schemes.catalog())[0]
    ctx = _base(store, row["candidate_id"], scheme_code, date, buyer=row)
    ctx["invoice"] = _invoice(store, row)
    ctx["document"] = invoice_document(store, row["id"])
    if row["buyer_company"]:
        # An invoice to a company is addressed to it, for the attention of the candidate.
        buyer = ctx["document"]["buyer"]
        ctx["recipient"] = {
            "name": buyer["name"],
            "lines": [f"À l'attention de {buyer['attention']}", *buyer["lines"]],
        }
    # The reminders sent before this letter's day (issue 12), by level: a second
    # relance or a mise en demeure quotes the ones before it.
    ctx["invoice"]["reminders"] = [
        {"level": r["level"], "sent_on": _date(r["sent_on"])}
        for r in store.invoice_reminders(row["id"])
        if r["sent_on"] < date.isoformat()
    ]
    debit = _debit(store, row["id"], scheme_code)
    if debit is not None:
        ctx["debit"] = debit
    context = LetterContext(
        "invoice", row["number"], ctx, row["candidate_id"], invoice_id=row["id"]
    )
    if cert is not None:
        ctx["certificate"] = _certificate(store, cert)
        ctx["references"].append(("Certificat", cert["number"]))
        context.certificate_id = cert["id"]
    if dossier is not None:
        ctx["dossier"] = {"id": dossier["id"], "ref": dossier["ref"], "kind": dossier["kind"]}
        ctx["references"].append(("Dossier", dossier["ref"]))
        context.dossier_id = dossier["id"]
    ctx["references"].append(("Avoir" if row["kind"] == "credit" else "Facture", row["number"]))
    return context


def _debit(store: Store, invoice_id: int, scheme_code: str) -> dict | None:
    """The SEPA direct debit an invoice waits on (issue 13), for its pre-notification
    (`prenotification-prelevement`): amount, collection date, the mandate's RUM, the
    body's creditor identifier (ICS); None when it is in no batch or was returned."""
    item = store.debit_item(invoice_id=invoice_id)
    if item is None or item["return_id"] is not None:
        return None
    body = schemes.get(scheme_code).body
    iban = item["mandate_iban"]
    return {
        "amount": to_decimal(item["amount"]),
        "collection_date": _date(item["collection_date"]),
        "rum": item["rum"],
        "creditor_id": body.sepa.creditor_id if body.sepa else "",
        "creditor": body.legal.name,
        "sequence": item["sequence"],
        "signed_on": _date(item["mandate_signed_on"]),
        "iban_masked": f"{iban[:4]} **** **** {iban[-4:]}",
        "end_to_end": item["end_to_end"],
    }


# A record's reference: a dossier's ref, a certificate or invoice number, a candidate id.
_BUILDERS: dict[str, Callable[[Store, Any, dt.date], LetterContext]] = {
    "dossier": for_dossier,
    "certificate": for_certificate,
    "candidate": for_candidate,
    "invoice": for_invoice,
}
