"""Renewal reminders (spec §4): the reminder letters of the certificates due
(who is due: certcli.domain.renewals).

`remind` first holds the certificates' periods, HOLD at a time: each reminder and
its pending letter (certcli.letters.log.ask), in one transaction; then it renders each
letter and logs it. A run that finds a period held by another renders nothing for
it, so two runs at once leave one file per reminder; a run killed after holding
periods leaves their letters pending, completed by the next run (or `letters
render --pending`), and the untouched certificates for the next run to remind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certcli.domain import renewals
from certcli.domain.renewals import Due
from certcli.errors import StateError, ValidationError
from certcli.letters import catalog, conditions, log, mail, render
from certcli.letters.context import LetterContext, certificate_context
from certcli.records import dataclass, field

if TYPE_CHECKING:
    from certcli.store import Store


TEMPLATE = "rappel-renouvellement"  # a letter of this template is the period's reminder


@dataclass
class Reminded:
    reminded: list = field(default_factory=list)  # certificate numbers, or invoice levels
    files: list[Path] = field(default_factory=list)
    # records left out, unrecorded: [{"certificate" (or "invoice"), "reason"}]
    skipped: list[dict] = field(default_factory=list)
    dry_run: bool = False
    email: bool = False
    # --email: the certificates whose reminder went by e-mail in this run, and those
    # whose message is still queued or was refused: [{"certificate", "status", "error"}]
    emailed: list = field(default_factory=list)
    not_emailed: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {
            "reminded": self.reminded,
            "files": [str(p) for p in self.files],
            "skipped": self.skipped,
        }
        if self.email:
            data["emailed"] = self.emailed
            data["not_emailed"] = self.not_emailed
        return data


HOLD = 50  # periods held (reminder + pending letter) per transaction by `remind`


Progress = Callable[[int, int, str], None]


def remind(
    store: Store,
    *,
    as_of: dt.date,
    months: int,
    date: dt.date,
    out_dir: str | Path = "letters",
    fmt: str = "pdf",
    one_file: bool = False,
    templates_dir: str | Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    email: bool = False,
    post: bool = False,
) -> Reminded:
    """Render a reminder for every certificate due and record it (unless dry_run).

    A holder without a postal address is skipped, nothing recorded for them: they
    come back at the next run once the address is added (see `Reminded.skipped`).
    `email`: each reminder is also e-mailed, its PDF attached, through the outbox
    (certcli.letters.mail): its message recorded with the reminder, sent once its
    letter is rendered (a dry run writes .eml files); a holder without an e-mail
    address is skipped like one without a postal address. The letter is for the
    post only with `post`."""
    if date < as_of:
        raise ValidationError(
            f"--date {date.isoformat()} is before --as-of "
            f"{as_of.isoformat()}: a reminder cannot be dated before the "
            "day its window is computed for"
        )
    check_email(email, one_file=one_file, fmt=fmt, dry_run=dry_run)
    todo = renewals.due(store, as_of=as_of, months=months, pending=True)
    result = Reminded(dry_run=dry_run, email=email)
    if not todo:
        if email and not dry_run:
            _send(store, result, {}, None)  # what an earlier run left queued
        return result
    info = catalog.find(TEMPLATE, templates_dir)  # fail before writing anything
    folder = render.prepare_out_dir(out_dir, store)

    def job(item: Due) -> Job:
        return Job(
            label=item.certificate,
            reported=item.certificate,
            compose=lambda: _compose(store, item, date, info, templates_dir),
            claim=lambda letter: claim(
                store,
                letter,
                date=date,
                fmt=fmt,
                out_dir=folder,
                templates_dir=templates_dir,
                post=post or not email,
            ),
        )

    return send_batch(
        store,
        [job(item) for item in todo],
        result,
        kind="certificate",
        stem=TEMPLATE,
        folder=folder,
        fmt=fmt,
        date=date,
        templates_dir=templates_dir,
        one_file=one_file,
        progress=progress,
        email=email,
    )


# -- the batch: letters held, then rendered ------------------------------------------------------
def check_email(email: bool, *, one_file: bool, fmt: str, dry_run: bool) -> None:
    """A batch's --email, refused before anything is recorded when it cannot be sent."""
    if not email:
        return
    if one_file:
        raise ValidationError("--one-file is for printing: each e-mail carries its own letter")
    if fmt != "pdf":
        raise ValidationError("--email sends the letter as a PDF: drop --format html")
    if not dry_run:
        mail.check_settings()


def send_queued(store: Store, result: Reminded, *, kind: str) -> None:
    """What an earlier run left queued in the outbox, sent (a batch with nothing due)."""
    _send(store, result, {}, None, kind=kind)


@dataclass
class Job:
    """One letter of a reminder batch (a renewal, a level of an unpaid invoice)."""

    label: str  # the record it is about (a certificate or an invoice number)
    reported: Any  # what `reminded` (and `emailed`) lists for it
    compose: Callable[[], render.Letter]  # conditions.NoPostalAddress: skipped
    # Hold its ledger row and pending letter (inside the batch's transaction): the
    # pending letter's id, or None when another run holds it already (nothing written).
    claim: Callable[[render.Letter], int | None]


def send_batch(
    store: Store,
    jobs: list[Job],
    result: Reminded,
    *,
    kind: str,
    stem: str,
    folder: Path,
    fmt: str,
    date: dt.date,
    templates_dir: str | Path | None,
    one_file: bool,
    progress: Progress | None,
    email: bool = False,
) -> Reminded:
    """Hold the jobs' ledger rows and pending letters HOLD at a time, each chunk in
    one transaction (with each one's e-mail, `email`), then render and log each
    letter and send the chunk's messages (or, `one_file`, hold them all in one
    transaction and render one file of every letter). The mechanism of the module
    docstring, shared by the renewal reminders and the invoice reminders
    (certcli.letters.invoice_reminders); `kind` names the record in `skipped`."""
    step = progress or (lambda done, total, label: None)
    step(0, len(jobs), "")
    if one_file:
        return _one_file(store, jobs, result, kind, stem, folder, fmt, date, templates_dir, step)
    done = 0
    sender: mail.Sender | None = None
    messages: dict[int, Any] = {}  # outbox id -> what `emailed` lists
    for start in range(0, len(jobs), HOLD):
        chunk = []
        for job in jobs[start : start + HOLD]:
            letter = _compose_or_skip(job, kind, result)
            outgoing = None
            if letter is not None and email:
                try:
                    outgoing = mail.for_letter(letter, date=date, templates_dir=templates_dir)
                except mail.NoEmailAddress as exc:
                    result.skipped.append({kind: job.label, "reason": str(exc)})
                    letter = None
            chunk.append((job, letter, outgoing))
        held: list[tuple[Job, render.Letter | None, int | None]]
        if result.dry_run:
            held = [(job, letter, None) for job, letter, _ in chunk]
        else:
            # A few held per transaction: a commit each would double the cost of a
            # letter (one more fsync). A reminder's e-mail is recorded with it.
            held = []
            with store.transaction():
                for job, letter, outgoing in chunk:
                    pending_id = job.claim(letter) if letter is not None else None
                    if pending_id is not None and outgoing is not None:
                        messages[mail.queue(store, outgoing, pending_id=pending_id)] = job.reported
                    held.append((job, letter, pending_id))
        if result.dry_run:
            outgoing_of = {id(job): outgoing for job, _, outgoing in chunk}
            for job, letter, _ in held:
                done += 1
                if letter is not None:
                    path = render.render_unlogged(store, [letter], folder, fmt, date, templates_dir)
                    result.files.append(path)
                    result.reminded.append(job.reported)
                    outgoing = outgoing_of[id(job)]
                    if outgoing is not None:
                        result.files.append(mail.write_eml(folder, outgoing, path))
                        result.emailed.append(job.reported)
                step(done, len(jobs), job.label)
        else:
            # else skipped, or another run holds it
            todo = [(job, letter, p) for job, letter, p in held if letter and p is not None]
            for job, letter, pending_id in held:
                if not (letter and pending_id is not None):
                    done += 1
                    step(done, len(jobs), job.label)

            def written(i: int, todo=todo) -> None:
                nonlocal done
                done += 1
                step(done, len(jobs), todo[i][0].label)

            # Each letter in its own file, the chunk's letters logged in one transaction.
            rendered = log.complete_each(
                store, [(p, letter) for _, letter, p in todo], written=written
            )
            for (job, _, _), one in zip(todo, rendered, strict=True):
                result.reminded.append(job.reported)
                if one is not None:
                    result.files.append(one.path)
        if messages and not result.dry_run:
            sender = sender or mail.Sender(store)
            _send(store, result, messages, list(messages), sender, kind=kind)
            messages = {}
    if email and not result.dry_run:
        _send(store, result, {}, None, sender, kind=kind)  # what an earlier run left queued
    return result


def _send(
    store: Store,
    result: Reminded,
    messages: dict[int, Any],
    ids: list[int] | None,
    sender: mail.Sender | None = None,
    *,
    kind: str = "certificate",
) -> None:
    """Send the chunk's messages (`ids`), or with None every queued one; the
    records of this run's in `result.emailed` / `result.not_emailed`."""
    own = sender or mail.Sender(store)
    try:
        done = own.flush(ids)
    finally:
        if sender is None or ids is None:
            own.close()
    for m in done.sent:
        if m["id"] in messages:
            result.emailed.append(messages[m["id"]])
    for m in [*done.queued, *done.failed, *done.waiting]:
        if m["id"] in messages:
            result.not_emailed.append(
                {kind: messages[m["id"]], "status": m["status"], "error": m["error"]}
            )


def _one_file(
    store: Store, jobs, result, kind, stem, folder, fmt, date, templates_dir, step
) -> Reminded:
    total, todo, composed = len(jobs), [], []
    for done, job in enumerate(jobs, 1):
        letter = _compose_or_skip(job, kind, result)
        if letter is not None:
            todo.append(job)
            composed.append(letter)
        step(done - 1, total, job.label)
    if not composed:
        return result
    name = f"{date.isoformat()}_{stem}_lot-{todo[0].label}-{len(todo)}"
    if result.dry_run:
        result.files.append(
            render.render_unlogged(store, composed, folder, fmt, date, templates_dir, stem=name)
        )
        result.reminded = [job.reported for job in todo]
        step(total, total, result.files[0].name)
        return result
    # One file, one transaction: every letter of the batch is held (and pending)
    # before the file is laid out, then all are logged with it.
    held, held_letters = [], []
    with store.transaction():
        for job, letter in zip(todo, composed, strict=True):
            pending_id = job.claim(letter)
            if pending_id is not None:
                held.append(pending_id)
                held_letters.append(letter)
                result.reminded.append(job.reported)
    if held:
        # One document for every letter (laid out in parts, on every core for a long
        # batch): far faster than one PDF each.
        rendered = log.complete(store, held, held_letters, stem=name) or []
        result.files.extend(dict.fromkeys(r.path for r in rendered))
    step(total, total, result.files[0].name if result.files else "")
    return result


def _compose_or_skip(job: Job, kind: str, result: Reminded) -> render.Letter | None:
    try:
        return job.compose()
    except conditions.NoPostalAddress as exc:
        result.skipped.append({kind: job.label, "reason": str(exc)})
        return None


def _compose(store: Store, item: Due, date: dt.date, info, templates_dir) -> render.Letter:
    row = store.certificate_row(item.certificate_id)
    context = certificate_context(store, row, date)
    return render.compose(
        store, TEMPLATE, date=date, templates_dir=templates_dir, context=context, info=info
    )


def _period(context: LetterContext) -> tuple[int, dict]:
    cert = context.data["certificate"]
    if not cert.get("valid_until"):
        raise StateError(
            f"certificate {cert['number']} does not expire: there is no renewal to remind of"
        )
    if cert.get("status") == "withdrawn":
        raise StateError(
            f"certificate {cert['number']} was withdrawn: there is no renewal to remind of"
        )
    return cert["period_id"], cert


def check_remindable(store: Store, context: LetterContext, *, recorded: bool) -> None:
    """A reminder by hand: only for a certificate that can be renewed (even as a dry
    run, the letter must be true) and, when recorded, never twice."""
    _period(context)
    if recorded:
        check_not_reminded(store, context)


def check_not_reminded(store: Store, context: LetterContext) -> None:
    """Refuse a second reminder for the certificate's current period (spec §4)."""
    period_id, cert = _period(context)
    done = store.reminder_for_period(period_id)
    if done is not None:
        raise StateError(
            f"certificate {cert['number']}: the renewal reminder for the period "
            f"ending {cert['valid_until'].isoformat()} was already sent on "
            f"{done['reminded_on']}; it is never sent twice"
        )


def record(
    store: Store, letter: render.Letter, path: Path, fmt: str, date: dt.date, *, post: bool = True
) -> int:
    """A reminder rendered by hand (`letters render rappel-renouvellement`): the letter
    log, the reminder of the certificate's current period and the audit, in one
    transaction; refused when that period was reminded meanwhile."""
    period_id, cert = _period(letter.context)
    with store.transaction():
        check_not_reminded(store, letter.context)
        letter_id = log.record(store, letter, path, fmt, date, post=post)
        store.insert(
            "reminders",
            {
                "certificate_id": letter.context.certificate_id,
                "period_id": period_id,
                "reminded_on": date.isoformat(),
                "letter_id": letter_id,
            },
        )
        store.audit(
            "renewal.remind",
            "certificate",
            cert["number"],
            {"valid_until": cert["valid_until"].isoformat(), "letter": str(path)},
            date,
        )
    return letter_id


def claim(
    store: Store,
    letter: render.Letter,
    *,
    date: dt.date,
    fmt: str,
    out_dir,
    templates_dir=None,
    post: bool = True,
) -> int | None:
    """Hold the certificate's current period for this reminder letter: the reminder
    (its letter to come), the pending letter and the audit, inside the caller's
    transaction. The pending letter's id, or None when that period was already
    reminded (by another run meanwhile) and nothing is written."""
    period_id, cert = _period(letter.context)
    with store.transaction():
        if store.reminder_for_period(period_id) is not None:
            return None
        reminder_id = store.insert(
            "reminders",
            {
                "certificate_id": letter.context.certificate_id,
                "period_id": period_id,
                "reminded_on": date.isoformat(),
                "letter_id": None,
            },
        )
        pending_id = log.ask(
            store,
            letter,
            date=date,
            fmt=fmt,
            out_dir=out_dir,
            templates_dir=templates_dir,
            reminder_id=reminder_id,
            post=post,
        )
        store.audit(
            "renewal.remind",
            "certificate",
            cert["number"],
            {"valid_until": cert["valid_until"].isoformat(), "letter": letter.template},
            date,
        )
    return pending_id
