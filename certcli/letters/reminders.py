"""Renewal reminders (spec §4): who is due, and the reminder letters.

A certificate is due when its current period ends within `months` of `as_of`,
it is still valid on `as_of` (not withdrawn, its latest period covers as_of),
it has no later period (not renewed), and no reminder was recorded for that
period. `reminders.period_id` is UNIQUE: reminding twice for one period cannot
be written, even by two runs at once.

`remind` first holds the certificates' periods, HOLD at a time: each reminder and
its pending letter (certcli.letters.render.ask), in one transaction; then it renders each
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

from certcli.errors import StateError, ValidationError
from certcli.letters import context as letter_context
from certcli.letters import render as letters
from certcli.rules import dates

TEMPLATE = letters.REMINDER


@dataclass
class Due:
    certificate: str
    certificate_id: int
    period_id: int
    candidate_id: int
    holder: str
    valid_until: dt.date
    days_left: int
    reminded_on: str | None

    @property
    def status(self) -> str:
        if self.reminded_on:
            return f"reminded {self.reminded_on}"
        return "expired" if self.days_left < 0 else "to remind"

    def to_dict(self) -> dict:
        return {
            "certificate": self.certificate,
            "candidate_id": self.candidate_id,
            "holder": self.holder,
            "valid_until": self.valid_until.isoformat(),
            "days_left": self.days_left,
            "reminded_on": self.reminded_on,
        }


@dataclass
class Reminded:
    reminded: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # certificates left out, unrecorded: [{"certificate", "reason"}]
    skipped: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {
            "reminded": self.reminded,
            "files": [str(p) for p in self.files],
            "skipped": self.skipped,
        }


HOLD = 50  # periods held (reminder + pending letter) per transaction by `remind`
MAX_MONTHS = 48  # a whole validity period: further ahead is a typo, not a reminder window


def _check_months(months: int) -> None:
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError(f"invalid --months {months}: between 1 and {MAX_MONTHS}")


def due(
    store, *, as_of: dt.date, months: int, include_expired: bool = False, pending: bool = False
) -> list[Due]:
    """Certificates in the reminder window, soonest end first, with their reminder
    status; `pending` keeps only those still to remind (what `remind` would do)."""
    _check_months(months)
    limit = dates.add_months(as_of, months)
    rows = store.renewal_window(
        as_of=as_of.isoformat(), limit=limit.isoformat(), include_expired=include_expired
    )
    found = []
    for row in rows:
        valid_until = dt.date.fromisoformat(row["end"])
        if not include_expired and not dates.reminder_due(valid_until, as_of, months):
            continue
        if pending and (row["reminded_on"] or valid_until < as_of):
            continue
        holder = " ".join(p for p in (row["civility"], row["first_name"], row["last_name"]) if p)
        found.append(
            Due(
                row["number"],
                row["certificate_id"],
                row["period_id"],
                row["candidate_id"],
                holder,
                valid_until,
                (valid_until - as_of).days,
                row["reminded_on"],
            )
        )
    return found


def record_sent(store, number: str, *, months: int, date: dt.date) -> Due:
    """Record a reminder sent without a letter rendered here (by e-mail, or by
    another tool): the period counts as reminded, so `remind` skips it."""
    with store.transaction():
        # Read under the write lock: a reminder recorded meanwhile by another run is
        # seen here, and this one is refused with a message, not a constraint error.
        found = [
            d
            for d in due(store, as_of=date, months=months, pending=True)
            if d.certificate == number
        ]
        if not found:
            raise StateError(
                f"certificate {number} has no period to remind on {date} "
                f"(not within {months} months of its end, or already reminded)"
            )
        item = found[0]
        store.insert(
            "reminders",
            {
                "certificate_id": item.certificate_id,
                "period_id": item.period_id,
                "reminded_on": date.isoformat(),
                "letter_id": None,
            },
        )
        store.audit(
            "renewal.remind",
            "certificate",
            item.certificate,
            {"valid_until": item.valid_until.isoformat(), "letter": None},
            date,
        )
    item.reminded_on = date.isoformat()
    return item


Progress = Callable[[int, int, str], None]


def remind(
    store,
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
) -> Reminded:
    """Render a reminder for every certificate due and record it (unless dry_run).

    A holder without a postal address is skipped, nothing recorded for them: they
    come back at the next run once the address is added (see `Reminded.skipped`)."""
    if date < as_of:
        raise ValidationError(
            f"--date {date.isoformat()} is before --as-of "
            f"{as_of.isoformat()}: a reminder cannot be dated before the "
            "day its window is computed for"
        )
    todo = due(store, as_of=as_of, months=months, pending=True)
    result = Reminded(dry_run=dry_run)
    if not todo:
        return result
    info = letters.find(TEMPLATE, templates_dir)  # fail before writing anything
    folder = letters.prepare_out_dir(out_dir)
    step = progress or (lambda done, total, label: None)
    step(0, len(todo), "")
    if one_file:
        return _remind_one_file(store, todo, folder, fmt, date, info, templates_dir, result, step)
    done = 0
    for start in range(0, len(todo), HOLD):
        chunk = [
            (item, _compose_or_skip(store, item, date, info, templates_dir, result))
            for item in todo[start : start + HOLD]
        ]
        if dry_run:
            held = [(item, letter, None) for item, letter in chunk]
        else:
            # A few periods held per transaction: a commit each would double the cost
            # of a letter (one more fsync).
            with store.transaction():
                held = [
                    (
                        item,
                        letter,
                        claim(
                            store,
                            letter,
                            date=date,
                            fmt=fmt,
                            out_dir=folder,
                            templates_dir=templates_dir,
                        )
                        if letter is not None
                        else None,
                    )
                    for item, letter in chunk
                ]
        for item, letter, pending_id in held:
            done += 1
            if letter is not None and dry_run:
                result.files.append(
                    letters.render_unlogged(store, [letter], folder, fmt, date, templates_dir)
                )
                result.reminded.append(item.certificate)
            elif pending_id is not None:  # else skipped, or another run holds the period
                rendered = letters.complete(store, [pending_id], [letter])
                result.reminded.append(item.certificate)
                if rendered:
                    result.files.append(rendered[0].path)
            step(done, len(todo), item.certificate)
    return result


def _remind_one_file(
    store, due_items, folder, fmt, date, info, templates_dir, result, step
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
            letters.render_unlogged(store, composed, folder, fmt, date, templates_dir, stem=stem)
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
        rendered = letters.complete(store, held, held_letters, stem=stem) or []
        result.files.extend(dict.fromkeys(r.path for r in rendered))
    step(total, total, result.files[0].name if result.files else "")
    return result


def _compose_or_skip(
    store, item: Due, date: dt.date, info, templates_dir, result: Reminded
) -> letters.Letter | None:
    try:
        return _compose(store, item, date, info, templates_dir)
    except letter_context.NoPostalAddress as exc:
        result.skipped.append({"certificate": item.certificate, "reason": str(exc)})
        return None


def _compose(store, item: Due, date: dt.date, info, templates_dir) -> letters.Letter:
    row = store.certificate_row(item.certificate_id)
    context = letter_context.certificate_context(store, row, date)
    return letters.compose(
        store, TEMPLATE, date=date, templates_dir=templates_dir, context=context, info=info
    )


def _period(context: letter_context.LetterContext) -> tuple[int, dict]:
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


def check_remindable(store, context: letter_context.LetterContext, *, recorded: bool) -> None:
    """A reminder by hand: only for a certificate that can be renewed (even as a dry
    run, the letter must be true) and, when recorded, never twice."""
    _period(context)
    if recorded:
        check_not_reminded(store, context)


def check_not_reminded(store, context: letter_context.LetterContext) -> None:
    """Refuse a second reminder for the certificate's current period (spec §4)."""
    period_id, cert = _period(context)
    done = store.reminder_for_period(period_id)
    if done is not None:
        raise StateError(
            f"certificate {cert['number']}: the renewal reminder for the period "
            f"ending {cert['valid_until'].isoformat()} was already sent on "
            f"{done['reminded_on']}; it is never sent twice"
        )


def record(store, letter: letters.Letter, path: Path, fmt: str, date: dt.date) -> int:
    """A reminder rendered by hand (`letters render rappel-renouvellement`): the letter
    log, the reminder of the certificate's current period and the audit, in one
    transaction; refused when that period was reminded meanwhile."""
    period_id, cert = _period(letter.context)
    with store.transaction():
        check_not_reminded(store, letter.context)
        letter_id = letters.record(store, letter, path, fmt, date)
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
    store, letter: letters.Letter, *, date: dt.date, fmt: str, out_dir, templates_dir=None
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
        pending_id = letters.ask(
            store,
            letter,
            date=date,
            fmt=fmt,
            out_dir=out_dir,
            templates_dir=templates_dir,
            reminder_id=reminder_id,
        )
        store.audit(
            "renewal.remind",
            "certificate",
            cert["number"],
            {"valid_until": cert["valid_until"].isoformat(), "letter": letter.template},
            date,
        )
    return pending_id
