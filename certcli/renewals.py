"""Renewal reminders (spec §4): who is due, and the reminder letters.

A certificate is due when its current period ends within `months` of `as_of`,
it is still valid on `as_of` (not withdrawn, its latest period covers as_of),
it has no later period (not renewed), and no reminder was recorded for that
period. `reminders.period_id` is UNIQUE: reminding twice for one period cannot
be written, even by two runs at once.

`remind` records each certificate's reminder and letter in its own transaction
right after its letter is written, so a run killed halfway leaves the earlier
ones recorded and the later ones untouched; the next run finishes the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from certcli import dates, letter_context, letters
from certcli.errors import ValidationError

TEMPLATE = "rappel-renouvellement"


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
        return {"certificate": self.certificate, "candidate_id": self.candidate_id,
                "holder": self.holder, "valid_until": self.valid_until.isoformat(),
                "days_left": self.days_left, "reminded_on": self.reminded_on}


@dataclass
class Reminded:
    reminded: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {"reminded": self.reminded, "files": [str(p) for p in self.files]}


def _check_months(months: int) -> None:
    if months < 0:
        raise ValidationError(f"invalid --months {months}: must be 0 or more")


def due(store, *, as_of: dt.date, months: int, include_expired: bool = False,
        pending: bool = False) -> list[Due]:
    """Certificates in the reminder window, soonest end first, with their reminder
    status; `pending` keeps only those still to remind (what `remind` would do)."""
    _check_months(months)
    limit = dates.add_months(as_of, months)
    rows = store.renewal_window(as_of=as_of.isoformat(), limit=limit.isoformat(),
                                include_expired=include_expired)
    found = []
    for row in rows:
        valid_until = dt.date.fromisoformat(row["end"])
        if not include_expired and not dates.reminder_due(valid_until, as_of, months):
            continue
        if pending and (row["reminded_on"] or valid_until < as_of):
            continue
        holder = " ".join(p for p in (row["civility"], row["first_name"], row["last_name"]) if p)
        found.append(Due(row["number"], row["certificate_id"], row["period_id"],
                         row["candidate_id"], holder, valid_until, (valid_until - as_of).days,
                         row["reminded_on"]))
    return found


Progress = Callable[[int, int, str], None]


def remind(store, *, as_of: dt.date, months: int, date: dt.date,
           out_dir: str | Path = "letters", fmt: str = "pdf", one_file: bool = False,
           templates_dir: str | Path | None = None, dry_run: bool = False,
           progress: Progress | None = None) -> Reminded:
    """Render a reminder for every certificate due and record it (unless dry_run)."""
    todo = due(store, as_of=as_of, months=months, pending=True)
    result = Reminded(dry_run=dry_run)
    if not todo:
        return result
    info = letters.find(TEMPLATE, templates_dir)  # fail before writing anything
    folder = letters.prepare_out_dir(out_dir)
    step = progress or (lambda done, total, label: None)
    step(0, len(todo), "")
    if one_file:
        return _remind_one_file(store, todo, folder, fmt, date, info, templates_dir, result,
                                step)
    for done, item in enumerate(todo, 1):
        letter = _compose(store, item, date, info, templates_dir)
        path = letters.output_path(store, folder, f"{date.isoformat()}_{TEMPLATE}_"
                                   f"{item.certificate}", fmt)
        letters.write([letter], path, fmt, templates_dir)
        if dry_run or _record(store, item, letter, path, fmt, date):
            result.reminded.append(item.certificate)
            result.files.append(path)
        step(done, len(todo), item.certificate)
    return result


def _remind_one_file(store, todo, folder, fmt, date, info, templates_dir, result,
                     step) -> Reminded:
    composed = []
    for done, item in enumerate(todo, 1):
        composed.append(_compose(store, item, date, info, templates_dir))
        step(done - 1, len(todo), item.certificate)
    path = letters.output_path(store, folder, f"{date.isoformat()}_{TEMPLATE}_lot-"
                               f"{todo[0].certificate}-{len(todo)}", fmt)
    # One document for every letter (laid out in parts, on every core for a long
    # batch): far faster than one PDF each.
    letters.write(composed, path, fmt, templates_dir)
    if not result.dry_run:
        # One file, one transaction: the reminders are all in that file or none is.
        with store.transaction():
            for item, letter in zip(todo, composed, strict=True):
                if _record(store, item, letter, path, fmt, date):
                    result.reminded.append(item.certificate)
    else:
        result.reminded = [item.certificate for item in todo]
    result.files.append(path)
    step(len(todo), len(todo), path.name)
    return result


def _compose(store, item: Due, date: dt.date, info, templates_dir) -> letters.Letter:
    row = store.certificate_row(item.certificate_id)
    context = letter_context.certificate_context(store, row, date)
    return letters.compose(store, TEMPLATE, date=date, templates_dir=templates_dir,
                           context=context, info=info)


def _record(store, item: Due, letter, path: Path, fmt: str, date: dt.date) -> bool:
    """Reminder + letter log + audit in one transaction; False if another run
    recorded this period's reminder meanwhile (nothing is written then)."""
    with store.transaction():
        if store.reminder_for_period(item.period_id) is not None:
            return False
        letter_id = letters.record(store, letter, path, fmt, date)
        store.insert("reminders", {"certificate_id": item.certificate_id,
                                   "period_id": item.period_id,
                                   "reminded_on": date.isoformat(), "letter_id": letter_id})
        store.audit("renewal.remind", "certificate", item.certificate,
                    {"valid_until": item.valid_until.isoformat(), "letter": str(path)}, date)
    return True
