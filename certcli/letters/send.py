"""One letter by hand (`letters render`): rendered to a file, then logged.

A renewal reminder sent this way is the period's reminder, as if `renewals
remind` had sent it (certcli.letters.reminders): recorded with the letter, and
never sent twice.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import TemplateError, ValidationError
from certcli.letters import log, reminders, render
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
) -> RenderedLetter:
    """Render one letter to a file in out_dir and, unless dry_run, log it. The file
    takes its name once the letter is logged (a refusal at that point, a reminder
    sent meanwhile by another run, removes it); a run killed while writing leaves
    neither file nor log, there being no step to lose.

    """
    if fmt not in render.FORMATS:
        raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
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
    ids = {"candidate_id": ctx.candidate_id, "ref": ctx.ref}
    if is_reminder:
        reminders.check_remindable(store, letter.context, recorded=not dry_run)
    if dry_run:
        path = render.render_unlogged(
            store, [letter], render.prepare_out_dir(out_dir), fmt, date, templates_dir
        )
        return RenderedLetter(letter.template, path, fmt, False, None, ids)
    path = render.output_path(
        store, render.prepare_out_dir(out_dir), render.file_stem(letter, date), fmt
    )
    with render.letter_file(store, path) as tmp:
        render.write([letter], tmp, fmt, templates_dir)
        with store.transaction():
            if store.letter_at_path(str(path)) is not None:
                raise TemplateError(f"another run wrote {path} meanwhile: run this again")
            if is_reminder:
                letter_id = reminders.record(store, letter, path, fmt, date)
            else:
                letter_id = log.record(store, letter, path, fmt, date)
    return RenderedLetter(letter.template, path, fmt, True, letter_id, ids)
