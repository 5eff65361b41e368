"""`certcli calendar`: sessions and interviews for Outlook or Thunderbird."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ExportOutOpt, ForceOutOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["calendar"], no_args_is_help=True)


def _day(flag: str, what: str):
    return Annotated[
        dt.date | None,
        typer.Option(flag, parser=common.date_param, metavar="DATE", help=what),
    ]


@app.command("export")
def calendar_export(
    out: ExportOutOpt = None,
    force: ForceOutOpt = False,
    start: _day("--from", "First day exported [default: no limit].") = None,  # type: ignore[valid-type]
    end: _day("--to", "Last day exported (included) [default: no limit].") = None,  # type: ignore[valid-type]
    json_out: JsonOpt = False,
):
    """Export every commission session and every phone interview as iCalendar events
    (RFC 5545), to import in Outlook or Thunderbird: one UID per session or
    interview, the same in every export, so importing again updates the events
    rather than duplicating them; times in the Europe/Paris time zone; a cancelled
    session or interview is CANCELLED. A session starts at its body file's hour
    ([commissions.KIND] start and minutes) and takes place at its `place`.
    --json lists the events instead.

    Example: certcli calendar export --from 2027-01-01 --to 2027-12-31 --out bureau.ics
    """
    from certcli.domain import calendar

    found = calendar.events(common.store(), start=start, end=end)
    if json_out:
        common.emit_json([e.to_dict() for e in found])
        return
    common.write_output(
        calendar.ics(found, stamp=dt.datetime.now(dt.UTC).replace(microsecond=0)),
        out,
        force=force,
    )
