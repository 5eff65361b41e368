"""One letter by hand (`letters render`): rendered to a file, then logged.

A renewal reminder sent this way is the period's reminder, as if `renewals
remind` had sent it (certcli.letters.reminders): recorded with the letter, and
never sent twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import TemplateError, ValidationError
from certcli.letters import log, mail, reminders, render
from certcli.letters.log import RenderedLetter

if TYPE_CHECKING:
    from certcli.store import Store


def render_and_log(
    store: Store,
    template: str,
    *,
    date: dt.date,
    dossier: str | None = None,
    certificate: str | None = None,
    candidate: int | None = None,
    invoice: str | None = None,
    fmt: str = "pdf",
    out_dir: str | Path = "letters",
    templates_dir: str | Path | None = None,
    dry_run: bool = False,
    email: bool = False,
    post: bool = False,
    after_write: Callable[[Path], None] | None = None,
) -> RenderedLetter:
    """Render one letter to a file in out_dir and, unless dry_run, log it. The file
    takes its name once the letter is logged (a refusal at that point, a reminder
    sent meanwhile by another run, removes it); a run killed while writing leaves
    neither file nor log, there being no step to lose. `after_write` may rework
    the file once written, before it is logged (Factur-X embeds its XML).

    `email`: the letter is also e-mailed, its PDF attached, through the outbox
    (certcli.letters.mail): its message recorded with the letter, sent after; the
    letter is for the post only with `post`. A dry run writes the message as .eml.
    """
    if fmt not in render.FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
    if email:
        if fmt != "pdf":
            raise ValidationError("--email sends the letter as a PDF: drop --format html")
        if not dry_run:
            mail.check_settings()
    letter = render.compose(
        store,
        template,
        date=date,
        dossier=dossier,
        certificate=certificate,
        candidate=candidate,
        invoice=invoice,
        templates_dir=templates_dir,
    )
    is_reminder = letter.template == reminders.TEMPLATE and letter.context.kind == "certificate"
    ctx = letter.context
    ids: dict = {"candidate_id": ctx.candidate_id, "ref": ctx.ref}
    if is_reminder:
        reminders.check_remindable(store, letter.context, recorded=not dry_run)
    outgoing = mail.for_letter(letter, date=date, templates_dir=templates_dir) if email else None
    if dry_run:
        folder = render.prepare_out_dir(out_dir)
        path = render.render_unlogged(store, [letter], folder, fmt, date, templates_dir)
        if outgoing is not None:
            ids["eml"] = str(mail.write_eml(folder, outgoing, path))
        return RenderedLetter(letter.template, path, fmt, False, None, ids)
    path = render.output_path(
        store, render.prepare_out_dir(out_dir, store), render.file_stem(letter, date), fmt
    )
    with render.letter_file(store, path) as tmp:
        render.write([letter], tmp, fmt, templates_dir)
        if after_write is not None:
            after_write(tmp)
        with store.transaction():
            if store.letter_at_path(str(path)) is not None:
                raise TemplateError(f"another run wrote {path} meanwhile: run this again")
            posted = post or not email
            if is_reminder:
                letter_id = reminders.record(store, letter, path, fmt, date, post=posted)
            else:
                letter_id = log.record(store, letter, path, fmt, date, post=posted)
            queued = mail.queue(store, outgoing, letter_id=letter_id) if outgoing else None
    if queued is not None:
        with mail.Sender(store) as sending:
            sending.flush([queued])
        found = store.outbox_message(queued)
        assert found is not None  # recorded with the letter
        ids["email"] = mail.item(found)
    return RenderedLetter(letter.template, path, fmt, True, letter_id, ids)
