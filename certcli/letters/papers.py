"""A commission session's papers: the members' file (convocation, agenda, one page
per dossier with who must abstain) and the minutes (procès-verbal).

Both are templates of the letters catalog (`needs = "session"`), rendered and
logged like letters (certcli.letters.render, certcli.letters.log): the file takes
its name once its log row commits. A draft of the minutes is watermarked "projet"
and logged nowhere: it is not a record.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.domain import attendance, dossiers, eligibility, members, sessions
from certcli.errors import CertcliError, StateError, TemplateError, ValidationError
from certcli.letters import catalog, log, mail, render, wording
from certcli.letters.context import LetterContext
from certcli.letters.log import RenderedLetter
from certcli.records import dataclass, field
from certcli.rules import dates, schemes

if TYPE_CHECKING:
    from certcli.store import Store

PAPERS = "dossier-seance"
MINUTES = "proces-verbal"
KIND_LABELS = {"initial": "initiale", "renewal": "renouvellement", "extension": "extension"}
RECOMMENDATIONS = {"grant": "favorable", "refuse": "défavorable"}
OPINIONS = {"favourable": "favorable", "unfavourable": "défavorable", "reserved": "réservé"}
DECISIONS = {"granted": "attribuée", "refused": "refusée", "adjourned": "ajournée"}
# At an appeals session the decision is on the appeal.
APPEAL_DECISIONS = {
    "granted": "recours accueilli, certification attribuée",
    "refused": "recours rejeté, refus confirmé",
}


def _session(store: Store, session_id: int, day: dt.date) -> tuple[dict, attendance.Settings]:
    row = sessions.row(store, session_id)
    if row["status"] == "cancelled":
        raise StateError(f"session {session_id} was cancelled: it has no papers")
    settings = attendance.settings(row["kind"])
    hour, minute = (int(p) for p in settings.start.split(":"))
    starts = dt.datetime.combine(dates.from_iso(row["date"]), dt.time(hour, minute))
    info = {
        "id": row["id"],
        "date": dates.from_iso(row["date"]),
        "kind": row["kind"],
        "starts": starts,
        "minutes_signed_on": _maybe_date(row["minutes_signed_on"]),
    }
    return info, settings


def _maybe_date(value: str | None) -> dt.date | None:
    return dates.from_iso(value) if value else None


def _member(m: members.Member) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "role": m.role,
        "role_label": members.ROLE_LABELS[m.role],
        "email": m.email,
    }


def _eligibility(store: Store, row, day: dt.date) -> str:
    """The eligibility verdict on the session day, as `eligibility check` gives it."""
    if schemes.get(row["scheme"]).workflow == "opqtecc" and not eligibility.applies_at_check(
        store, row
    ):
        return "sans objet (renouvellement ou mention du même référentiel)"
    try:
        verdict = eligibility.evaluate_dossier(store, row, day)
    except CertcliError as exc:
        return f"non établi ({exc})"
    if verdict.eligible:
        return "éligible"
    return "non éligible : " + "; ".join(verdict.failures or verdict.reasons)


# The conflict rule's reasons (instructors.conflicts, in the audit trail's English),
# as the French papers print them.
_REASONS_FR = (
    (
        re.compile(r"^same employer as the candidate \((.*)\)$"),
        r"même employeur que le candidat (\1)",
    ),
    (re.compile(r"^declared conflict with employer (.*)$"), r"conflit déclaré avec l'employeur \1"),
    (
        re.compile(r"^declared conflict with candidate (\d+)$"),
        r"conflit déclaré avec le candidat n° \1",
    ),
)


def _company_fr(match: re.Match) -> str:
    return f"(entreprise n° {match.group(1)}" + ("\u00a0: " if match.group(2) else "")


def reason_fr(reason: str) -> str:
    """'same employer as the candidate (X); declared conflict with candidate 3' ->
    'même employeur que le candidat (X) ; conflit déclaré avec le candidat n° 3'."""
    parts = []
    for part in reason.split("; "):
        for pattern, french in _REASONS_FR:
            if pattern.match(part):
                part = pattern.sub(french, part)
                break
        parts.append(re.sub(r"\(company (\d+)(: )?", _company_fr, part))
    return "\u00a0; ".join(parts)


def _abstaining(voters: list[members.Member], candidate) -> list[dict]:
    found = []
    for member in voters:
        why = members.conflicts(member, candidate)
        if why:
            found.append(
                {"id": member.id, "name": member.name, "reason": reason_fr("; ".join(why))}
            )
    return found


def _dossier(store: Store, item, day: dt.date, voters: list[members.Member]) -> dict:
    row = dossiers.row(store, item["ref"])
    candidate = store.candidate(row["candidate_id"])
    assert candidate is not None  # a dossier's candidate is never deleted
    scheme = schemes.get(row["scheme"])
    asked = (
        [row["mention"]]
        if row["kind"] == "extension" and row["mention"]
        else json.loads(row["report_mentions"] or "[]")
    )
    instructor = store.instructor(row["instructor_id"]) if row["instructor_id"] else None
    opinion = dossiers.latest_expert_opinion(store, row["id"])
    holder = " ".join(
        p for p in (candidate["civility"], candidate["first_name"], candidate["last_name"]) if p
    )
    return {
        "position": item["position"],
        "ref": row["ref"],
        "holder": holder,
        "candidate_id": candidate["id"],
        "employer": candidate["employer"],
        "scheme": {"code": scheme.code, "name": scheme.name},
        "kind": KIND_LABELS.get(row["kind"], row["kind"]),
        "mentions_asked": asked,
        "instructor": instructor["name"] if instructor else None,
        "report_on": _maybe_date(row["report_on"]),
        "report_amended_on": _maybe_date(row["report_amended_on"]),
        "recommendation": RECOMMENDATIONS.get(row["recommendation"] or "", None),
        "report_text": row["report_text"],
        "expert_opinion": (
            {
                "expert": opinion["expert"]["name"],
                "opinion": OPINIONS.get(opinion["opinion"], opinion["opinion"]),
                "text": opinion["text"],
                "date": dates.from_iso(opinion["date"]),
            }
            if opinion
            else None
        ),
        "eligibility": _eligibility(store, row, day),
        # A CQPT dossier's evaluation, which the CPNE decides on.
        "phases": [
            {
                "label": wording.PHASE_LABELS.get(p["phase"], p["phase"]),
                "result": wording.result_label(p["phase"], p["result"]),
                "score": p["score"],
                "date": dates.from_iso(p["date"]),
            }
            for p in store.cqpt_phases(row["id"])
        ],
        "abstaining": _abstaining(voters, candidate),
        "decision": item["decision"],
        "row": row,
    }


def _agenda(store: Store, session_id: int) -> list:
    return [i for i in store.agenda_items(session_id) if i["line"] == "placed"]


def papers_context(store: Store, session_id: int, date: dt.date) -> LetterContext:
    """What the members' file says: the session, its place and hour, the members
    convened, the agenda, and each dossier with who must abstain on it."""
    session, settings = _session(store, session_id, date)
    convened = members.listing(store, commission=session["kind"])
    voters = [m for m in convened if m.votes]
    items = _agenda(store, session_id)
    if not items:
        raise StateError(
            f"session {session_id} has no dossier on its agenda: build it first with "
            f"`certcli commission agenda {session_id}`"
        )
    pages = [_dossier(store, i, session["date"], voters) for i in items]
    for d in pages:
        d.pop("row")
    data = {
        "date": date,
        "body": _body(settings),
        "commission": {"title": settings.title, "place": settings.place},
        "session": session,
        "members": [_member(m) for m in convened],
        "dossiers": pages,
    }
    return LetterContext("session", f"session-{session_id}", data, None)


def _body(settings: attendance.Settings) -> dict:
    body = settings.body
    return {
        "name": body.name,
        "long_name": body.long_name,
        "address": list(body.address),
        "city": body.city,
        "phone": body.phone,
        "email": body.email,
        "signatory": body.signatory,
        "mail": (
            {"from_name": body.mail.from_name, "from_address": body.mail.from_address}
            if body.mail
            else {}
        ),
    }


def _decision_event(store: Store, row, session_id: int) -> dict:
    for event in reversed(store.dossier_events(row["id"])):
        if event["event"] != "decision":
            continue
        details = json.loads(event["details"])
        if details.get("session") == session_id:
            return details
    return {}


def minutes_context(
    store: Store, session_id: int, date: dt.date, *, draft: bool = False
) -> LetterContext:
    """What the procès-verbal says: the session, who was present or excused, the
    quorum, and each dossier with its decision, mentions, reason, certificate or
    appeal deadline and the members who abstained."""
    session, settings = _session(store, session_id, date)
    items = _agenda(store, session_id)
    if not items:
        raise StateError(f"session {session_id} has no dossier on its agenda: no minutes")
    undecided = [i["ref"] for i in items if not i["decision"]]
    if undecided and not draft:
        raise StateError(
            f"session {session_id}: dossier(s) {', '.join(undecided)} of its agenda are not "
            "decided yet; record their decisions, or print a draft with --draft"
        )
    found = attendance.of_session(store, session_id)
    named = found.names if found else {}
    roster = {
        m.id: m for m in members.listing(store, commission=session["kind"], include_retired=True)
    }
    attendance_data = None
    if found is not None:
        attendance_data = {
            "present": [_member(roster[i]) for i in found.present],
            "excused": [_member(roster[i]) for i in found.excused],
            "absent": [_member(roster[i]) for i in found.absent],
            "quorum": found.quorum,
            "required": found.required,
            "voting_present": found.voting_present,
            "active_members": found.active_members,
        }
    abstained: dict[int, list[dict]] = {}
    for a in store.abstentions(session_id):
        abstained.setdefault(a["dossier_id"], []).append(
            {
                "id": a["member_id"],
                "name": named.get(a["member_id"], a["name"]),
                "reason": reason_fr(a["reason"]),
            }
        )
    lines: list[dict] = []
    overrides: list[dict] = []
    for item in items:
        d = _dossier(store, item, session["date"], [])
        row = d.pop("row")
        event = _decision_event(store, row, session_id) if item["decision"] else {}
        if event.get("quorum_override"):
            overrides.append({"ref": row["ref"], "reason": event["quorum_override"]})
        d.update(
            decision=(APPEAL_DECISIONS if session["kind"] == "appeal" else DECISIONS).get(
                item["decision"] or "", None
            ),
            decision_code=item["decision"],
            mentions=event.get("mentions", []),
            reason=item["reason"],
            certificate=event.get("certificate"),
            valid_until=_maybe_date(event.get("valid_until")),
            appeal_deadline=_maybe_date(event.get("appeal_deadline")),
            abstained=abstained.get(row["id"], []),
        )
        lines.append(d)
    data = {
        "date": date,
        "draft": draft,
        "body": _body(settings),
        "commission": {"title": settings.title, "place": settings.place},
        "session": session,
        "attendance": attendance_data,
        "quorum_applies": attendance.applies(store, session["kind"]),
        "overrides": overrides,
        "dossiers": lines,
        "counts": {code: sum(1 for d in lines if d["decision_code"] == code) for code in DECISIONS},
    }
    return LetterContext("session", f"session-{session_id}", data, None)


def _compose(
    template: str, context: LetterContext, templates_dir: str | Path | None
) -> render.Letter:
    info = catalog.find(template, templates_dir)
    if info.needs != "session":
        raise TemplateError(f'template {template!r} is not about a session (needs = "session")')
    env = render.environment(catalog.search_path(templates_dir))
    variables = {**context.data, "template": info.name}
    return render.Letter(info.name, render.render_html(env, info.name, variables), context)


def _write_logged(
    store: Store,
    letter: render.Letter,
    *,
    date: dt.date,
    fmt: str,
    out_dir: str | Path,
    templates_dir: str | Path | None,
    audit: tuple[str, int, dict] | None = None,
    emails: Sequence[mail.Outgoing] = (),
) -> tuple[RenderedLetter, list[int]]:
    """Written like `letters render` writes a letter: the file takes its name once its
    log row (and `audit`, what the step records) commits."""
    path = render.output_path(
        store, render.prepare_out_dir(out_dir, store), render.file_stem(letter, date), fmt
    )
    with render.letter_file(store, path) as tmp:
        render.write([letter], tmp, fmt, templates_dir)
        with store.transaction():
            if store.letter_at_path(str(path)) is not None:
                raise TemplateError(f"another run wrote {path} meanwhile: run this again")
            if audit is not None:
                action, session_id, details = audit
                if details.get("minutes_signed_on"):
                    _record_signature(store, session_id, details["minutes_signed_on"], date)
            letter_id = log.record(store, letter, path, fmt, date)
            queued = [mail.queue(store, out, letter_id=letter_id) for out in emails]
    ids = {"session": int(letter.context.ref.split("-")[-1])}
    return RenderedLetter(letter.template, path, fmt, True, letter_id, ids), queued


def _check_format(fmt: str) -> None:
    if fmt not in render.FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")


@dataclass
class Papers:
    """What `commission papers` wrote, and with --email the messages it sent
    (as `mail queue` lists them) and the members it could not reach."""

    files: list[RenderedLetter]
    emails: list[dict] = field(default_factory=list)
    no_address: list[dict] = field(default_factory=list)  # [{"id", "name"}]
    error: str | None = None  # the server could not be reached: queued

    def to_dict(self, email: bool) -> dict:
        data: dict = {"files": [str(f.path) for f in self.files]}
        if email:
            data.update(emails=self.emails, no_address=self.no_address, error=self.error)
        return data


def _convocations(
    letter: render.Letter, convened: list[dict], date: dt.date, templates_dir
) -> tuple[list[mail.Outgoing], list[dict]]:
    """One message per member with an e-mail address, the papers attached."""
    data = letter.context.data
    name, address = mail.sender(data["body"])
    messages, missing = [], []
    for member in convened:
        if not member["email"]:
            missing.append({"id": member["id"], "name": member["name"]})
            continue
        subject, text, html = mail.compose(
            letter.template,
            {**data, "template": letter.template, "member": member,
             "salutation": "Madame, Monsieur"},
            templates_dir,
        )  # fmt: skip
        messages.append(
            mail.Outgoing(
                "letter",
                letter.template,
                member["email"],
                name,
                address,
                subject,
                text,
                html,
                date.isoformat(),
            )  # fmt: skip
        )
    return messages, missing


def write_papers(
    store: Store,
    session_id: int,
    *,
    date: dt.date,
    fmt: str = "pdf",
    out_dir: str | Path = "letters",
    templates_dir: str | Path | None = None,
    email: bool = False,
) -> Papers:
    """The members' file of a session: one document, logged like a letter. `email`:
    each member with an e-mail address is sent their convocation with the papers
    attached, through the outbox (queued in the papers' transaction, sent after)."""
    _check_format(fmt)
    if email and fmt != "pdf":
        raise ValidationError("--email sends the papers as a PDF: leave out --format html")
    letter = _compose(PAPERS, papers_context(store, session_id, date), templates_dir)
    messages: list[mail.Outgoing] = []
    missing: list[dict] = []
    if email:
        messages, missing = _convocations(letter, letter.context.data["members"], date,
                                          templates_dir)  # fmt: skip
    written, queued = _write_logged(
        store,
        letter,
        date=date,
        fmt=fmt,
        out_dir=out_dir,
        templates_dir=templates_dir,
        emails=messages,
    )
    result = Papers([written], no_address=missing)
    if queued:
        with mail.Sender(store) as sending:
            done = sending.flush(queued)
        result.error = done.unreachable
        for outbox_id in queued:
            found = store.outbox_message(outbox_id)
            assert found is not None  # queued in the papers' transaction
            result.emails.append(mail.item(found))
    return result


def _record_signature(store: Store, session_id: int, signed_on: str, date: dt.date) -> None:
    row = sessions.row(store, session_id)
    if row["minutes_signed_on"] and row["minutes_signed_on"] != signed_on:
        raise StateError(
            f"the minutes of session {session_id} were recorded as signed on "
            f"{row['minutes_signed_on']}"
        )
    if row["minutes_signed_on"] == signed_on:
        return
    store.update("sessions", session_id, {"minutes_signed_on": signed_on})
    store.audit("commission.minutes_signed", "session", session_id, {"signed_on": signed_on}, date)


def write_minutes(
    store: Store,
    session_id: int,
    *,
    date: dt.date,
    fmt: str = "pdf",
    out_dir: str | Path = "letters",
    templates_dir: str | Path | None = None,
    draft: bool = False,
    signed_on: dt.date | None = None,
) -> list[RenderedLetter]:
    """The procès-verbal of a session, logged like a letter; a draft (undecided
    dossiers allowed, watermarked "projet") is logged nowhere. `signed_on` records
    the day the minutes were signed (once), and the minutes say it."""
    _check_format(fmt)
    if draft and signed_on is not None:
        raise ValidationError("a draft is not signed: --signed-on goes without --draft")
    session = sessions.row(store, session_id)
    if signed_on is not None:
        if signed_on < dates.from_iso(session["date"]):
            raise ValidationError(
                f"session {session_id} sat on {session['date']}: its minutes cannot be "
                f"signed on {signed_on.isoformat()}"
            )
        if session["minutes_signed_on"] and session["minutes_signed_on"] != signed_on.isoformat():
            raise StateError(
                f"the minutes of session {session_id} were recorded as signed on "
                f"{session['minutes_signed_on']}"
            )
    context = minutes_context(store, session_id, date, draft=draft)
    if signed_on is not None:
        context.data["session"]["minutes_signed_on"] = signed_on
    letter = _compose(MINUTES, context, templates_dir)
    if draft:
        folder = render.prepare_out_dir(out_dir)
        stem = f"{date.isoformat()}_{MINUTES}-projet_session-{session_id}"
        path = render.render_unlogged(store, [letter], folder, fmt, date, templates_dir, stem=stem)
        return [RenderedLetter(letter.template, path, fmt, False, None, {"session": session_id})]
    audit = (
        ("commission.minutes", session_id, {"minutes_signed_on": signed_on.isoformat()})
        if signed_on is not None
        else None
    )
    written, _ = _write_logged(
        store,
        letter,
        date=date,
        fmt=fmt,
        out_dir=out_dir,
        templates_dir=templates_dir,
        audit=audit,
    )
    return [written]
