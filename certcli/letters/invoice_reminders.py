"""Reminder letters of unpaid invoices, in levels (issue 12; which invoice gets which
level: certcli.domain.invoice_reminders).

The mechanism is the renewal reminders' (certcli.letters.reminders.send_batch): each
level is held first, its ledger row (`invoice_reminders`, unique on invoice and
level) and its pending letter in one transaction, then the letter is rendered and
logged. A level is never sent twice, even by two runs at once; a run killed after
holding levels leaves their letters pending, completed by the next run (or `letters
render --pending`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.domain import invoice_reminders
from certcli.domain.invoice_reminders import Due
from certcli.errors import TemplateError, ValidationError
from certcli.letters import catalog, log, render
from certcli.letters.context import for_invoice
from certcli.letters.reminders import Job, Reminded, check_email, send_batch, send_queued
from certcli.rules import money, schemes

if TYPE_CHECKING:
    from certcli.store import Store


STEM = "relances"  # a combined file's name: DATE_relances_lot-FIRST-N


def check_templates(templates_dir: str | Path | None = None) -> dict[str, catalog.TemplateInfo]:
    """Every level template of every body, found, about an invoice: a level naming
    a template that does not exist is an error naming the body and the level,
    before anything is written."""
    known = catalog.catalog(templates_dir)
    needed = invoice_reminders.templates_needed(schemes.catalog())
    found = {}
    for name, uses in sorted(needed.items()):
        body, level = uses[0]
        where = f"reminder level {level.level} of body {body!r} (data/bodies/{body}.toml)"
        if name not in known:
            raise TemplateError(
                f"{where} names the letter template {name!r}, which does not exist: add "
                f"{name}.html to the templates folder or change the level's template"
            )
        if known[name].needs != "invoice":
            raise TemplateError(
                f"{where} names the letter template {name!r}, which is not about an "
                f"invoice (needs = {known[name].needs!r})"
            )
        found[name] = known[name]
    return found


def remind(
    store: Store,
    *,
    as_of: dt.date,
    date: dt.date,
    out_dir: str | Path = "letters",
    fmt: str = "pdf",
    one_file: bool = False,
    templates_dir: str | Path | None = None,
    letter: bool = True,
    dry_run: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    email: bool = False,
    post: bool = False,
) -> Reminded:
    """Record the next level due of every unpaid invoice past due on `as_of`, dated
    `date` (unless dry_run), with its letter when `letter`. `reminded` lists
    {"invoice", "level"}. With letters, a buyer without a postal address is
    skipped, nothing recorded: the invoice comes back at the next run. `email`: each
    letter is also e-mailed, its PDF attached, through the outbox (as the renewal
    reminders: certcli.letters.reminders.send_batch); for the post only with `post`."""
    if date < as_of:
        raise ValidationError(
            f"--date {date.isoformat()} is before --as-of {as_of.isoformat()}: a reminder "
            "cannot be dated before the day it is computed for"
        )
    letter = letter or email or post
    check_email(email, one_file=one_file, fmt=fmt, dry_run=dry_run)
    infos = check_templates(templates_dir)
    todo = invoice_reminders.due(store, as_of=as_of)
    result = Reminded(dry_run=dry_run, email=email)
    if not todo:
        if email and not dry_run:
            send_queued(store, result, kind="invoice")
        return result
    if not letter:
        return _record_only(store, todo, result, as_of=as_of, date=date)
    folder = render.prepare_out_dir(out_dir, store)

    def job(item: Due) -> Job:
        return Job(
            label=item.invoice,
            reported={"invoice": item.invoice, "level": item.level},
            compose=lambda: _compose(store, item, date, infos[item.template], templates_dir),
            claim=lambda letter: claim(
                store,
                item,
                letter,
                as_of=as_of,
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
        kind="invoice",
        stem=STEM,
        folder=folder,
        fmt=fmt,
        date=date,
        templates_dir=templates_dir,
        one_file=one_file,
        progress=progress,
        email=email,
    )


def _record_only(store: Store, todo: list[Due], result: Reminded, *, as_of, date) -> Reminded:
    """The reminders recorded without a letter (sent another way), HOLD a transaction."""
    from certcli.letters.reminders import HOLD

    for start in range(0, len(todo), HOLD):
        chunk = todo[start : start + HOLD]
        if result.dry_run:
            result.reminded += [{"invoice": i.invoice, "level": i.level} for i in chunk]
            continue
        with store.transaction():
            for item in chunk:
                if claim(store, item, None, as_of=as_of, date=date) is not None:
                    result.reminded.append({"invoice": item.invoice, "level": item.level})
    return result


def _compose(store: Store, item: Due, date: dt.date, info, templates_dir) -> render.Letter:
    context = for_invoice(store, item.invoice, date)
    return render.compose(
        store, info.name, date=date, templates_dir=templates_dir, context=context, info=info
    )


def claim(
    store: Store,
    item: Due,
    letter: render.Letter | None,
    *,
    as_of: dt.date,
    date: dt.date,
    fmt: str = "pdf",
    out_dir=None,
    templates_dir=None,
    post: bool = True,
) -> int | None:
    """Hold this level of the invoice for its letter: the ledger row, the pending
    letter and the audit, inside the caller's transaction. The pending letter's id
    (without a letter: the ledger row's), or None (nothing written) when the level
    is no longer the next one due: sent by another run meanwhile, or the invoice
    paid or credited since it was listed."""
    with store.transaction():
        if not invoice_reminders.still_due(store, item, as_of):
            return None
        reminder_id = store.insert(
            "invoice_reminders",
            {
                "invoice_id": item.invoice_id,
                "level": item.level,
                "template": item.template,
                "sent_on": date.isoformat(),
                "as_of": as_of.isoformat(),
                "due_on": item.due_on,
                "balance": money.as_str(item.balance),
                "actor": store.actor,
                "letter_id": None,
            },
        )
        pending_id = reminder_id
        if letter is not None:
            pending_id = log.ask(
                store,
                letter,
                date=date,
                fmt=fmt,
                out_dir=out_dir,
                templates_dir=templates_dir,
                invoice_reminder_id=reminder_id,
                post=post,
            )
        store.audit(
            "invoice.remind",
            "invoice",
            item.invoice,
            {
                "number": item.invoice,
                "level": item.level,
                "template": item.template,
                "letter": letter is not None,
                "due_on": item.due_on,
                "balance": money.as_str(item.balance),
                "as_of": as_of.isoformat(),
            },
            date,
        )
    return pending_id
