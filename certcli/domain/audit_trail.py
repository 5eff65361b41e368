"""Reading the audit trail: who did what, when, on which record (`certcli log`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from certcli.errors import ValidationError
from certcli.records import dataclass
from certcli.rules import fastjson as json

if TYPE_CHECKING:
    from certcli.store import Store


# The kinds of record certcli's writes are logged against (the `entity` argument of
# every store.audit call; a test keeps this in step with the code). The trail
# itself may hold more, from older versions: both are accepted.
ENTITIES = (
    "bank",
    "candidate",
    "certificate",
    "company",
    "complaint",
    "database",
    "dossier",
    "dues",
    "evaluator",
    "instructor",
    "invoice",
    "letter",
    "member",
    "outbox",
    "session",
)


def known_entities(store: Store) -> list[str]:
    return sorted(set(ENTITIES) | set(store.audit_entities()))


def page(
    store: Store,
    *,
    entity: str | None = None,
    record: str | None = None,
    action: str | None = None,
    page: int = 1,
    limit: int = 50,
) -> tuple[list[dict], int]:
    """One page of entries, newest first, and the number matching in all. A misspelt
    --entity is refused rather than silently finding nothing."""
    if entity is not None:
        entity = entity.strip().lower()
        known = known_entities(store)
        if entity not in known:
            from certcli.rules.validators import quoted

            raise ValidationError(f"unknown entity {quoted(entity)} (known: {', '.join(known)})")
    rows, total = store.audit_page(
        entity=entity, entity_id=record, action=action, limit=limit, offset=(page - 1) * limit
    )
    return [_entry(r) for r in rows], total


def history(store: Store, entity: str, record: str, *, limit: int = 1000) -> list[dict]:
    """One record's entries, oldest first, each correction right after what it corrects
    (a record's own page: `certificate show`)."""
    rows, _ = store.audit_page(entity=entity, entity_id=record, limit=limit)
    return arrange(
        [_entry(r) for r in reversed(rows)], lambda e: e["action"], lambda e: e["details"]
    )


def _entry(r) -> dict:
    return {
        "id": r["id"],
        "at": r["at"],
        "date": r["date"],
        "by": r["actor"],
        "action": r["action"],
        "entity": r["entity"],
        "record": r["entity_id"],
        "details": json.loads(r["details"]),
    }


# -- sentences ---------------------------------------------------------------------------
# What `log` and `dossier show` print for each kind of entry: one function per action
# (a dossier's timeline event `received` is the trail's `dossier.received`), here and
# nowhere else. `--json` keeps the details as recorded. A kind without a sentence yet
# (an older or newer version's) is still printed whole, as "key: value" pairs.
_SENTENCES: dict = {}


def sentence(*actions: str):
    def register(function):
        for action in actions:
            _SENTENCES[action] = function
        return function

    return register


def told_kinds() -> set[str]:
    """Every kind of entry that has its sentence (a correction's included)."""
    return set(_SENTENCES) | set(CORRECTIONS)


def describe(
    action: str, details: dict | None, *, date: str | None = None, by: str | None = None
) -> str:
    """One line of plain text for an audit entry or a dossier event; `date` and `by`
    (the entry's) tell when and by whom a correction was made."""
    details = details or {}
    fix = CORRECTIONS.get(action)
    if fix is not None:
        try:
            return fix.tell(details, date, by)
        except (KeyError, TypeError, ValueError, AttributeError):
            return _pairs(details)
    function = _SENTENCES.get(action)
    if function is not None:
        try:
            return function(details)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # an entry written by another version: fall back to its data
    return _pairs(details)


# -- corrections -------------------------------------------------------------------------
# A correction (a cancel, a move, a merge, a suspension...) never rewrites the entry it
# corrects: it is a new entry, told as what it corrects, then when, by whom and why
# ("interview of 19 Feb 2026 cancelled on 20 Feb 2026 by marie: candidate ill"), and
# listed right after the entry it corrects (`arrange`). Each kind registers here, once,
# with @correction: the action(s) it corrects, the details key (if any) that both
# entries carry to say which one (an interview id, an experience id), and a function
# from its details to (what it corrects, verb[, note]).
@dataclass(frozen=True)
class Correction:
    corrects: tuple[str, ...]
    key: str | None
    told: Callable[[dict], tuple]
    # The entry corrected is one of the same record (a merge corrects the dropped
    # candidate's registration): in a list of several records' entries (`log`), only
    # an entry of the correction's own record is matched.
    same_record: bool = False

    def tell(self, details: dict, date: str | None, by: str | None) -> str:
        what, verb, *note = self.told(details)
        return (
            f"{what} {verb}"
            + (f" on {day(date)}" if date else "")
            + (f" by {by}" if by else "")
            + _reason(details)
            + "".join(f" ({part})" for part in note if part)
        )

    def matches(self, correction: dict, entry_action: str, entry: dict) -> bool:
        if entry_action not in self.corrects:
            return False
        return self.key is None or (
            correction.get(self.key) is not None and correction.get(self.key) == entry.get(self.key)
        )


CORRECTIONS: dict[str, Correction] = {}

Told = TypeVar("Told", bound=Callable[[dict], tuple])


def correction(
    action: str,
    *,
    corrects: str | tuple[str, ...],
    key: str | None = None,
    same_record: bool = False,
):
    def register(function: Told) -> Told:
        CORRECTIONS[action] = Correction(
            (corrects,) if isinstance(corrects, str) else corrects, key, function, same_record
        )
        return function

    return register


def day(iso: str | None) -> str:
    """2026-02-19 -> '19 Feb 2026' (a correction's dates, read at a glance)."""
    from certcli.rules import dates

    when = dates.from_iso(iso) if iso else None
    return f"{when.day} {when.strftime('%b')} {when.year}" if when else ""


Entry = TypeVar("Entry")


def arrange(
    entries: Iterable[Entry],
    action_of: Callable[[Entry], str],
    details_of: Callable[[Entry], dict],
    *,
    newest_first: bool = False,
    record_of: Callable[[Entry], object] | None = None,
) -> list[Entry]:
    """The entries in their order, each correction moved right after (newest first:
    right above) the entry it corrects: the latest earlier one it matches. A
    correction whose entry is not in the list stays where it is. `record_of`: the
    record an entry is about, for a list of several records' entries (`log`)."""
    ordered = list(entries)
    if newest_first:
        ordered.reverse()
    placed: list[Entry] = []
    for entry in ordered:
        fix = CORRECTIONS.get(action_of(entry))
        target = None
        if fix is not None:
            details = details_of(entry)
            target = next(
                (
                    i
                    for i in range(len(placed) - 1, -1, -1)
                    if placed[i] is not entry
                    and fix.matches(details, action_of(placed[i]), details_of(placed[i]))
                    and (
                        not fix.same_record
                        or record_of is None
                        or record_of(placed[i]) == record_of(entry)
                    )
                ),
                None,
            )
        if target is None:
            placed.append(entry)
            continue
        # after the target and the corrections of it already placed
        at = target + 1
        while at < len(placed) and _corrects(placed[at], placed[target], action_of, details_of):
            at += 1
        placed.insert(at, entry)
    if newest_first:
        placed.reverse()
    return placed


def _corrects(entry, target, action_of, details_of) -> bool:
    fix = CORRECTIONS.get(action_of(entry))
    return fix is not None and fix.matches(details_of(entry), action_of(target), details_of(target))


def _pairs(details: dict) -> str:
    return "; ".join(
        f"{key.replace('_', ' ')}: {_value(value)}"
        for key, value in details.items()
        if value not in (None, "", [], {})
    )


def _value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return str(value.get("name") or _pairs(value))
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    return str(value)


def _eur(amount) -> str:
    from certcli.rules.money import format_eur

    return format_eur(amount).replace("\u00a0", " ")


def _counted(codes: list[str]) -> str:
    """['technique', 'technique', 'contrats'] -> 'technique ×2, contrats'."""
    seen: dict[str, int] = {}
    for code in codes:
        seen[code] = seen.get(code, 0) + 1
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in seen.items())


def _also(*parts: str | None) -> str:
    return "".join(f"; {part}" for part in parts if part)


def _override(d: dict) -> str | None:
    return f"override: {d['override']}" if d.get("override") else None


def _forced(d: dict) -> str | None:
    forced = d.get("forced")
    return f"forced ({forced})" if isinstance(forced, str) else ("forced" if forced else None)


@sentence("dossier.add", "dossier.opened")
def _opened(d):
    extra = ", ".join(
        f"{k} {d[k]}" for k in ("certificate", "mention", "route", "financing") if d.get(k)
    )
    return (
        f"opened: {d['scheme']} {d['kind']}" + (f" ({extra})" if extra else "") + _also(_forced(d))
    )


@sentence("dossier.received")
def _received(d):
    answered = d.get("requests_satisfied")
    return f"pieces received: {_counted(d['pieces'])}" + _also(
        "the complementary elements asked for are in" if answered else None
    )


def _sent_back(d: dict) -> str | None:
    """A correction that sent a checked dossier back to `incomplete` says so."""
    status = d.get("status")
    if status and status[1] == "incomplete":
        missing = ", ".join(d.get("after", {}).get("missing") or [])
        return f"back to incomplete ({status[0]} before)" + (
            f", missing {missing}" if missing else ""
        )
    return None


@correction("dossier.unreceived", corrects="dossier.received", key="ref")
def _unreceived(d):
    days = sorted(set(d.get("received_on") or []))
    when = f" received {', '.join(day(x) for x in days)}" if days else ""
    return f"piece {_counted(d['pieces'])}{when}", "unreceived", _sent_back(d)


@sentence("dossier.paid")
def _paid(d):
    reference = f" (reference {d['reference']})" if d.get("reference") else ""
    invoice = f", on invoice {d['invoice']}" if d.get("invoice") else ""
    return f"fee paid: {_eur(d['amount'])} by {d['method']}{reference}{invoice}"


@correction("dossier.refunded", corrects="dossier.paid", key="ref")
def _refunded(d):
    reference = f", reference {d['reference']}" if d.get("reference") else ""
    return (
        f"{_eur(d['amount'])} of the fee",
        "refunded",
        f"by {d['method']}{reference}",
        _sent_back(d),
    )


@sentence("dossier.checked")
def _checked(d):
    if not d["complete"]:
        missing = list(d.get("missing") or [])
        return "checked: incomplete" + (f", missing {', '.join(missing)}" if missing else "")
    if d.get("eligible") is None:  # eligibility not applied at this check
        return "checked: complete"
    if d["eligible"]:
        return "checked: complete and eligible"
    failed = "; ".join(_value(f) for f in d.get("failures") or [])
    return (
        "checked: complete, not eligible"
        + (f" ({failed})" if failed else "")
        + (f", accepted with override: {d['override']}" if d.get("override") else "")
    )


def _mode(d: dict) -> str:
    if d.get("mode") == "auto":
        return "auto: lightest load"
    return "manual" + (f", override: {d['override']}" if d.get("override") else "")


@sentence("dossier.assigned")
def _assigned(d):
    moved, cancelled = d.get("interviews_moved"), d.get("interviews_cancelled")
    return f"assigned to {d['instructor']['name']} ({_mode(d)})" + _also(
        f"was {d['previous']['name']}" if d.get("previous") else None,
        f"{len(moved)} interview(s) moved" if moved else None,
        f"{len(cancelled)} interview(s) cancelled" if cancelled else None,
    )


@sentence("dossier.expert")
def _expert(d):
    return f"expert called in: {d['expert']['name']}" + _also(
        f"was {d['previous']['name']}" if d.get("previous") else None, _override(d)
    )


@sentence("dossier.requested")
def _requested(d):
    return f"complementary elements requested, due {d['due']}: {d['items']}"


@sentence("dossier.interview")
def _interview(d):
    return f"interview on {d['at']} ({d['minutes']} min) with {d['instructor']['name']}" + _also(
        _forced(d)
    )


@sentence("dossier.report")
def _report(d):
    mentions = d.get("mentions") or []
    text = f": {d['text']}" if d.get("text") else ""
    return (
        f"report recommending to {d['recommendation']}"
        + (f" with {', '.join(mentions)}" if mentions else "")
        + text
    )


@sentence("dossier.agenda")
def _agenda(d):
    return (
        f"on the agenda of {d['kind']} session {d['session']} ({d['session_date']}), "
        f"position {d['position']}"
    )


@sentence("dossier.decision")
def _decision(d):
    said = ", ".join(
        part
        for part in (
            f"certificate {d['certificate']}"
            + (f" valid until {d['valid_until']}" if d.get("valid_until") else "")
            if d.get("certificate")
            else None,
            f"mentions {', '.join(d['mentions'])}" if d.get("mentions") else None,
            f"invoice {d['invoice']} of {_eur(d['amount'])}" if d.get("invoice") else None,
            f"appeal until {d['appeal_deadline']}" if d.get("appeal_deadline") else None,
        )
        if part
    )
    return f"{d['decision']} at session {d['session']}" + (f", {said}" if said else "") + _reason(d)


def _reason(d: dict) -> str:
    return f": {d['reason']}" if d.get("reason") else ""


@sentence("dossier.appeal")
def _appeal(d):
    return f"appeal filed (deadline {d['deadline']})" + _reason(d)


@sentence("dossier.withdrawn")
def _withdrawn(d):
    cancelled, left = d.get("interviews_cancelled"), d.get("removed_from_agenda")
    said = ", ".join(
        part
        for part in (
            f"{len(cancelled)} interview(s) cancelled" if cancelled else None,
            f"taken off {len(left)} agenda(s)" if left else None,
        )
        if part
    )
    return "withdrawn" + (f" ({said})" if said else "") + _reason(d)


@sentence("dossier.admissibility")
def _admissibility(d):
    hours = f", {d['hours']} h" if d.get("hours") else ""
    verdict = "eligible" if d["eligible"] else "not eligible"
    override = f", override: {d['override']}" if d.get("override") else ""
    return f"{d['decision']} ({verdict}{hours}{override})" + _reason(d)


@sentence("dossier.orient")
def _orient(d):
    return f"oriented to the evaluator {d['evaluator_name']}"


@sentence("dossier.prediag")
def _prediag(d):
    return f"pre-diagnostic: score {d['score']}" + (
        ", training advised" if d.get("training_advised") else ""
    )


@sentence("dossier.phase")
def _phase(d):
    parts = [
        f"score {d['score']}" if d.get("score") is not None else None,
        {True: "during working time", False: "outside working time"}.get(d.get("working_time")),
        f"replaces {d['replaced']['result']} of {d['replaced']['date']}"
        if d.get("replaced")
        else None,
    ]
    said = ", ".join(part for part in parts if part)
    return f"phase {d['phase']}: {d['result']}" + (f" ({said})" if said else "")


@sentence("dossier.transmit")
def _transmit(d):
    return (
        f"transmitted to CPNE session {d['session']} ({d['session_date']}), "
        f"position {d['position']}"
    )


@sentence("candidate.add")
def _candidate_add(d):
    return f"registered {d['name']}"


@sentence("candidate.edit", "instructor.edit", "member.edit", "company.edit", "certificate.edit")
def _edit(d):
    def change(value):
        if isinstance(value, list) and len(value) == 2:
            return f"{_value(value[0]) or '-'} → {_value(value[1]) or '-'}"
        return _value(value)

    return "changed " + "; ".join(f"{k.replace('_', ' ')}: {change(v)}" for k, v in d.items())


@correction("candidate.merge", corrects="candidate.add", same_record=True)
def _candidate_merge(d):
    return (
        f"candidate {d['candidate']} ({d['name']})",
        f"merged into {d['into']} ({d['into_name']})",
        _moved(d.get("moved") or {}),
    )


@sentence("candidate.merged_in")
def _candidate_merged_in(d):
    moved = _moved(d.get("moved") or {})
    return f"took in candidate {d['candidate']} ({d['name']}), merged into this one" + (
        _reason(d) + (f" ({moved})" if moved else "")
    )


def _moved(moved: dict) -> str | None:
    """'moved 2 dossiers (2026-0003, 2026-0004), 1 work period, ...' (a merge)."""
    names = {
        "dossiers": ("dossier", True),
        "experiences": ("work period", False),
        "certificates": ("certificate", True),
        "invoices": ("invoice", True),
        "letters": ("letter", False),
        "pending_letters": ("pending letter", False),
        "emails": ("e-mail", False),
        "credentials": ("credentials sending", False),
        "instructor_conflicts": ("instructor's conflict", False),
    }
    parts = []
    for key, (name, listed) in names.items():
        items = moved.get(key) or []
        if items:
            plural = "s" if len(items) > 1 else ""
            shown = f" ({', '.join(str(i) for i in items)})" if listed else ""
            parts.append(f"{len(items)} {name}{plural}{shown}")
    return "moved " + ", ".join(parts) if parts else None


@sentence("dossier.holder_merged")
def _holder_merged(d):
    was, now = d["candidate"]
    return f"holder changed from candidate {was} to {now} (duplicate merged)" + _reason(d)


@sentence("candidate.import")
def _import(d):
    return f"imported {d['file']}: {d['inserted']} in, {d['rejected']} rejected"


@sentence("experience.add")
def _experience_add(d):
    return (
        f"work period {d['experience']}: {d['employer']}, {d['start']} to {d['end']}, "
        f"{d['hours']} h" + _also(_forced(d))
    )


@correction("experience.remove", corrects="experience.add", key="experience")
def _experience_remove(d):
    return f"work period {d['experience']} ({d['employer']}, {d['start']} to {d['end']})", "removed"


@sentence("company.add")
def _company_add(d):
    return f"company {d['name']} (SIRET {d['siret']})"


@sentence("evaluator.add")
def _evaluator_add(d):
    return f"evaluator {d['name']}"


@sentence("instructor.add")
def _instructor_add(d):
    return f"{d['role']} {d['name']} ({', '.join(d['specialties'])}, capacity {d['capacity']})"


@sentence("member.add")
def _member_add(d):
    return f"{d['commission']} commission {d['role']} {d['name']}"


@sentence("member.retire")
def _member_retire(d):
    return f"retired on {d['retired_on']} ({d['retired_reason']})"


@sentence("commission.attend")
def _attend(d):
    present = ", ".join(str(m) for m in d["present"])
    excused = f", excused {', '.join(str(m) for m in d['excused'])}" if d.get("excused") else ""
    reached = "reached" if d["quorum"] else "not reached"
    return f"attendance: present {present}{excused}; quorum {reached} ({d['required']} required)"


@sentence("commission.quorum_override")
def _quorum_override(d):
    return f"decided without the quorum: {d['reason']} ({d['problem']})"


@sentence("commission.minutes_signed")
def _minutes_signed(d):
    return f"minutes signed on {d['signed_on']}"


@sentence("commission.add")
def _session_add(d):
    capacity = f" (capacity {d['capacity']})" if d.get("capacity") else ""
    return f"{d['kind']} session on {d['date']}{capacity}" + _also(_forced(d))


@sentence("commission.plan")
def _plan(d):
    return f"planned {d['count']} {d['kind']} session(s) in {d['year']}"


@sentence("commission.agenda")
def _session_agenda(d):
    added = d["added"]
    added = f"{len(added)} added ({', '.join(added)})" if added else "none added"
    return f"agenda of {d['session_date']} built: {added}, {d['postponed']} postponed"


@sentence("demo")
def _demo(d):
    return "fictional office written" + (
        f", with {d['size']} synthetic candidates" if d.get("size") else ""
    )


@sentence("certificate.issue")
def _certificate_issue(d):
    mentions = f" with {', '.join(d['mentions'])}" if d.get("mentions") else ""
    return f"issued ({d['scheme']}) to candidate {d['candidate_id']}{mentions}"


@sentence("certificate.renew")
def _renew(d):
    lapse = d.get("lapse")
    return f"renewed from {d['start']} to {d['end']}" + _also(
        f"lapsed from {lapse[0]} to {lapse[1]}" if lapse else None
    )


@sentence("certificate.extend")
def _extend(d):
    return f"extended with {', '.join(d['mentions'])}"


@correction("certificate.suspend", corrects=("certificate.issue", "certificate.renew"))
def _suspend(d):
    until = f"until {day(d['until'])}" if d.get("until") else "until reinstated"
    return f"certificate {d['certificate']}", "suspended", until


@correction("certificate.reinstate", corrects="certificate.suspend", key="suspension")
def _reinstate(d):
    return f"suspension of certificate {d['certificate']} from {day(d['from'])}", "lifted"


@sentence("certificate.withdraw")
def _certificate_withdraw(d):
    return f"withdrawn: {d['reason']}"


# Invoice corrections name the invoice (`number`), as its issue and payments do since
# they were built (issue 11): in `log` each is told next to the entry it corrects.
def _invoice_no(d: dict) -> str:
    return f"invoice {d['number']}" if d.get("number") else "invoice"


def _left(d: dict) -> str | None:
    due = (d.get("after") or {}).get("due")
    return f"{_eur(due)} left to pay" if due else None


@correction("invoice.cancel", corrects="invoice.issue", key="number")
def _cancel(d):
    note = f"credit note {d['credit_note']}" if d.get("credit_note") else None
    return _invoice_no(d), "cancelled", note


@correction("invoice.refund", corrects="invoice.pay", key="number")
def _invoice_refund(d):
    reference = f", reference {d['reference']}" if d.get("reference") else ""
    return (
        f"{_eur(d['amount'])} paid on {_invoice_no(d)}",
        "refunded",
        f"by {d['method']}{reference}",
        _left(d),
    )


@correction("invoice.credit", corrects="invoice.issue", key="number")
def _invoice_credit(d):
    return (
        _invoice_no(d),
        f"credited {_eur(d['amount'])}",
        f"credit note {d['credit_note']}",
        _left(d),
    )


@correction("invoice.reissue", corrects="invoice.issue", key="number")
def _invoice_reissue(d):
    return (
        _invoice_no(d),
        f"reissued as {d['replacement']}",
        f"billed to {d['after']['buyer']} ({d['after']['bill_to']})",
        f"cancelled by credit note {d['credit_note']}",
    )


@sentence("invoice.issue", "credit.issue")
def _issue(d):
    return f"{_eur(d['amount'])}: {d['label']}"


@sentence("invoice.pay")
def _pay(d):
    reference = f" (reference {d['reference']})" if d.get("reference") else ""
    return f"paid {_eur(d['amount'])} by {d['method']}{reference}"


@sentence("dues.call")
def _dues(d):
    return f"{d['invoices']} dues invoice(s) issued"


@sentence("letter.render")
def _letter(d):
    about = f" for {d['ref']}" if d.get("ref") else ""
    return f"letter {d['template']}{about} ({d['format']}): {d['path']}"


@sentence("mail.queue")
def _mail_queued(d):
    return f"e-mail queued to {d['to']}: {d['subject']} ({d['message_id']})"


@sentence("mail.sent")
def _mail_sent(d):
    return f"e-mail sent to {d['to']}: {d['subject']} ({d['message_id']})"


@sentence("mail.failed")
def _mail_failed(d):
    return f"e-mail to {d['to']} failed: {d.get('error') or 'refused'}"


@sentence("candidate.credentials")
def _credentials(d):
    return f"member-space identifiers e-mailed to {d['to']} ({d['message_id']})"


@sentence("letter.notified")
def _notified(d):
    about = d.get("dossier") or d.get("certificate")
    registered = f", registered letter {d['registered']}" if d.get("registered") else ""
    return (
        f"letter {d['template']}"
        + (f" for {about}" if about else "")
        + f" notified on {d['notified_on']}{registered}"
    )


@sentence("renewal.remind")
def _remind(d):
    return f"renewal reminder (valid until {d['valid_until']})" + (
        f": {d['letter']}" if d.get("letter") else ""
    )


@correction("commission.cancel", corrects=("commission.add", "commission.move"))
def _session_cancel(d):
    released = d.get("released") or []
    return (
        f"{d['kind']} session of {day(d['date'])}",
        "cancelled",
        f"back from its agenda: {', '.join(released)}" if released else None,
    )


@correction("commission.move", corrects=("commission.add", "commission.move"))
def _session_move(d):
    return f"{d['kind']} session of {day(d['date'][0])}", f"moved to {day(d['date'][1])}"


@correction("dossier.session_cancelled", corrects="dossier.agenda", key="session")
def _dossier_session_cancelled(d):
    return f"session {d['session']} of {day(d['session_date'])}", "cancelled"


@correction("dossier.session_moved", corrects="dossier.agenda", key="session")
def _dossier_session_moved(d):
    return f"session {d['session']} of {day(d['date'][0])}", f"moved to {day(d['date'][1])}"


@correction("dossier.interview_cancelled", corrects="dossier.interview", key="interview_id")
def _interview_cancelled(d):
    return f"interview of {day(d['at'][:10])}", "cancelled"


@correction("dossier.interview_moved", corrects="dossier.interview", key="interview_id")
def _interview_moved(d):
    return f"interview of {day(d['at'][0][:10])}", f"moved to {d['at'][1]}", _forced(d)


@sentence("dossier.interview_outcome")
def _interview_outcome(d):
    return f"interview of {d['at']}: {d['outcome']}" + (
        f" ({d['notes']})" if d.get("notes") else ""
    )


@correction("dossier.report_amended", corrects=("dossier.report", "dossier.report_amended"))
def _report_amended(d):
    was, now = d["before"], d["after"]
    said = f"now recommending to {now['recommendation']}" + (
        f" with {', '.join(now['mentions'])}" if now.get("mentions") else ""
    )
    before = f"was {was['recommendation']}" + (
        f" with {', '.join(was['mentions'])}" if was.get("mentions") else ""
    )
    return "report", "amended", f"{said}; {before}"


@sentence("dossier.expert_opinion")
def _expert_opinion(d):
    previous = d.get("previous")
    return f"expert opinion of {d['expert']['name']}: {d['opinion']}: {d['text']}" + _also(
        f"supersedes the {previous['opinion']} opinion of {previous['date']}" if previous else None
    )
