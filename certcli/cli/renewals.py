"""`certcli renewals`: certificates due for a renewal reminder, and the reminders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, AsOfOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

app = typer.Typer(help=HELP["renewals"], no_args_is_help=True)

MonthsOpt = Annotated[
    int,
    typer.Option("--months", help="Remind when validity ends within this many months (1 to 48)."),
]


@app.command("due")
def renewals_due(
    months: MonthsOpt = 9,
    as_of: AsOfOpt = None,
    include_expired: Annotated[
        bool,
        typer.Option("--include-expired", help="Add certificates that lapsed without renewal."),
    ] = False,
    pending: Annotated[
        bool,
        typer.Option("--pending", help="Only those not reminded yet (what `remind` would do)."),
    ] = False,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List the certificates whose validity ends within --months, soonest first, with
    their reminder status. A page at a time (--limit, --page); --all streams every one.

    Example: certcli renewals due --months 9 --as-of 2026-06-15
    """
    from certcli.domain import renewals

    window: dict[str, Any] = {
        "as_of": common.day(as_of),
        "months": months,
        "include_expired": include_expired,
        "pending": pending,
    }
    store = common.store()
    columns = ["certificate", "holder", "candidate", "valid until", "days left", "reminder"]

    def cells(d):
        return [d.certificate, d.holder, d.candidate_id, d.valid_until, d.days_left, d.status]

    common.emit_listing(
        columns,
        cells,
        read_page=lambda **page_of: renewals.listing(store, **window, **page_of),
        read_all=lambda: renewals.stream(store, **window),
        as_json=lambda d: d.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("remind")
def renewals_remind(
    months: MonthsOpt = 9,
    as_of: AsOfOpt = None,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder for the letters.")
    ] = Path("letters"),
    one_file: Annotated[
        bool, typer.Option("--one-file", help="One combined file of every letter, for printing.")
    ] = False,
    fmt: common.FormatOpt = "pdf",
    templates: common.TemplatesOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Render, record nothing (with --email: .eml files, nothing sent)."
        ),
    ] = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Render a renewal reminder for each certificate due and record it; never twice.

    The window is computed on --as-of, which defaults to --date (the letters' date).
    A holder without a postal address is skipped and not recorded: the others are
    reminded, the skipped ones listed, and the command exits with status 1. With
    --email each reminder's PDF is e-mailed (a holder without an e-mail address is
    skipped the same way), through the outbox: a message not sent now (server down,
    temporary refusal) stays queued for `certcli mail flush`, exit status 1.

    Example: certcli renewals remind --months 9 --out courrier/ --one-file

    Example: certcli renewals remind --months 9 --email
    """
    from certcli.letters import reminders

    store = common.store(actor=actor, date=date)
    day = common.day(date)
    if not dry_run:
        common.complete_pending(store)  # a killed run's letters first
    with _progress(enabled=not json_out) as step:
        done = reminders.remind(
            store,
            as_of=as_of or day,
            months=months,
            date=day,
            out_dir=out,
            fmt=fmt,
            one_file=one_file,
            templates_dir=templates,
            dry_run=dry_run,
            progress=step,
            email=email,
            post=post,
        )
    common.report_reminders(
        done,
        key="certificate",
        noun="certificate",
        dry_run=dry_run,
        email=email,
        json_out=json_out,
        again="complete them and run `certcli renewals remind` again",
    )


class _progress:
    """A rich progress bar on stderr (stdout stays for the result)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("reminders"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
            # Redrawn at each step, not by a thread of its own: nothing here moves
            # between steps, and a process without threads may fork its PDF workers.
            auto_refresh=False,
        )
        self.bar.start()
        return self.step

    def step(self, done: int, total: int, label: str) -> None:
        assert self.bar is not None  # step is only handed out once the bar started
        if self.task is None:
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done, description=label, refresh=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
