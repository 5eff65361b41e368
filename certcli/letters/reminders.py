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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.domain import renewals
from certcli.domain.renewals import Due
from certcli.errors import StateError, ValidationError
from certcli.letters import catalog, conditions, log, mail, render
from certcli.letters.context import LetterContext, certificate_context

if TYPE_CHECKING:
    from certcli.store import Store


TEMPLATE = "rappel-renouvellement"  # a letter of this template is the period's reminder


@dataclass
class Reminded:
    reminded: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # certificates left out, unrecorded: [{"certificate", "reason"}]
    skipped: list[dict] = field(default_factory=list)
    dry_run: bool = False
    email: bool = False
    # --email: the certificates whose reminder went by e-mail in this run, and those
    # whose message is still queued or was refused: [{"certificate", "status", "error"}]
    emailed: list[str] = field(default_factory=list)
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
    if email:
        if one_file:
            raise ValidationError("--one-file is for printing: each e-mail carries its own letter")
        if fmt != "pdf":
            raise ValidationError("--email sends the letter as a PDF: drop --format html")
        if not dry_run:
            mail.check_settings()
    todo = renewals.due(store, as_of=as_of, months=months, pending=True)
    result = Reminded(dry_run=dry_run, email=email)
    if not todo:
        if email and not dry_run:
            _send(store, result, {}, None)  # what an earlier run left queued
        return result
    info = catalog.find(TEMPLATE, templates_dir)  # fail before writing anything
    folder = render.prepare_out_dir(out_dir)
    step = progress or (lambda done, total, label: None)
    step(0, len(todo), "")
    if one_file:
        return _remind_one_file(store, todo, folder, fmt, date, info, templates_dir, result, step)
    done = 0
    sender: mail.Sender | None = None
    messages: dict[int, str] = {}  # outbox id -> certificate
    for start in range(0, len(todo), HOLD):
        chunk = []
        for item in todo[start : start + HOLD]:
            letter = _compose_or_skip(store, item, date, info, templates_dir, result)
            outgoing = None
            if letter is not None and email:
                try:
                    outgoing = mail.for_letter(letter, date=date, templates_dir=templates_dir)
                except mail.NoEmailAddress as exc:
                    result.skipped.append({"certificate": item.certificate, "reason": str(exc)})
                    letter = None
            chunk.append((item, letter, outgoing))
        held: list[tuple[Due, render.Letter | None, int | None]]
        if dry_run:
            held = [(item, letter, None) for item, letter, _ in chunk]
        else:
            # A few periods held per transaction: a commit each would double the cost
            # of a letter (one more fsync). A reminder's e-mail is recorded with it.
            held = []
            with store.transaction():
                for item, letter, outgoing in chunk:
                    pending_id = None
                    if letter is not None:
                        pending_id = claim(
                            store,
                            letter,
                            date=date,
                            fmt=fmt,
                            out_dir=folder,
                            templates_dir=templates_dir,
                            post=post or not email,
                        )
                    if pending_id is not None and outgoing is not None:
                        messages[mail.queue(store, outgoing, pending_id=pending_id)] = (
                            item.certificate
                        )
                    held.append((item, letter, pending_id))
        outgoing_of = {item.certificate: outgoing for item, _, outgoing in chunk}
        for item, letter, pending_id in held:
            done += 1
            if letter is not None and dry_run:
                path = render.render_unlogged(store, [letter], folder, fmt, date, templates_dir)
                result.files.append(path)
                result.reminded.append(item.certificate)
                outgoing = outgoing_of[item.certificate]
                if outgoing is not None:
                    result.files.append(mail.write_eml(folder, outgoing, path))
                    result.emailed.append(item.certificate)
            elif letter is not None and pending_id is not None:
                # else skipped, or another run holds the period
                rendered = log.complete(store, [pending_id], [letter])
                result.reminded.append(item.certificate)
                if rendered:
                    result.files.append(rendered[0].path)
            step(done, len(todo), item.certificate)
        if messages and not dry_run:
            sender = sender or mail.Sender(store)
            _send(store, result, messages, list(messages), sender)
            messages = {}
    if email and not dry_run:
        _send(store, result, {}, None, sender)  # what an earlier run left queued
    return result


def _send(
    store: Store,
    result: Reminded,
    messages: dict[int, str],
    ids: list[int] | None,
    sender: mail.Sender | None = None,
) -> None:
    """Send the chunk's messages (`ids`), or with None every queued one; the
    certificates of this run's in `result.emailed` / `result.not_emailed`."""
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
                {"certificate": messages[m["id"]], "status": m["status"], "error": m["error"]}
            )


def _remind_one_file(
    store: Store, due_items, folder, fmt, date, info, templates_dir, result, step
) -> Reminded:
    total, todo, composed = len(due_items), [], []
    for done, item in enumerate(due_items, 1):
        letter = _compose_or_skip(store, item, date, info, templates_dir, result)
        if letter is not None:
            todo.append(item)
            composed.append(letter)
        step(done - 1, total, item.certificate)
    if not composed:
        return result
    stem = f"{date.isoformat()}_{TEMPLATE}_lot-{todo[0].certificate}-{len(todo)}"
    if result.dry_run:
        result.files.append(
            render.render_unlogged(store, composed, folder, fmt, date, templates_dir, stem=stem)
        )
        result.reminded = [item.certificate for item in todo]
        step(total, total, result.files[0].name)
        return result
    # One file, one transaction: every period of the batch is held (and its letter
    # pending) before the file is laid out, then all are logged with it.
    held, held_letters = [], []
    with store.transaction():
        for item, letter in zip(todo, composed, strict=True):
            pending_id = claim(
                store, letter, date=date, fmt=fmt, out_dir=folder, templates_dir=templates_dir
            )
            if pending_id is not None:
                held.append(pending_id)
                held_letters.append(letter)
                result.reminded.append(item.certificate)
    if held:
        # One document for every letter (laid out in parts, on every core for a long
        # batch): far faster than one PDF each.
        rendered = log.complete(store, held, held_letters, stem=stem) or []
        result.files.extend(dict.fromkeys(r.path for r in rendered))
    step(total, total, result.files[0].name if result.files else "")
    return result


def _compose_or_skip(
    store: Store, item: Due, date: dt.date, info, templates_dir, result: Reminded
) -> render.Letter | None:
    try:
        return _compose(store, item, date, info, templates_dir)
    except conditions.NoPostalAddress as exc:
        result.skipped.append({"certificate": item.certificate, "reason": str(exc)})
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
