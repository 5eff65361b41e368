"""`certcli audit`: the tamper-evident journal, verified and sealed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["audit"], no_args_is_help=True)


@app.command("verify")
def audit_verify(
    seal: Annotated[
        Path | None,
        typer.Option(
            "--seal",
            metavar="FILE",
            help="Also check that the head sealed in FILE (`audit seal`) is still the "
            "entry of that number in the chain: nothing before the seal was rewritten.",
        ),
    ] = None,
    json_out: JsonOpt = False,
):
    """Re-compute the journal's hash chain offline and re-read every journalled event
    (each certificate, invoice and credit note number issued, each decision,
    suspension, withdrawal and payment): an event edited in the database, a journal
    entry edited or deleted, or an event missing from the journal is reported as the
    first broken entry. JSON: {"ok", "entries", "broken_at", "problem", "head"}
    (broken_at: null or the number of the first broken entry). Exits 1 when not ok.

    Example: certcli audit verify --seal seal-2026-06.json
    """
    from certcli.domain import journal

    result = journal.verify(common.store(), seal=seal)
    if json_out:
        common.emit_json(result.to_dict())
    elif result.ok:
        common.say(f"Journal ok: {result.entries} entries")
        common.say(f"Head: {result.head}")
        if result.seal is not None:
            common.say(f"Seal of {result.seal['date']} ({result.seal['entries']} entries): ok")
    else:
        common.say(
            f"Journal BROKEN at entry {result.broken_at} of {result.entries}: {result.problem}"
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command("seal")
def audit_seal(
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="The seal file to write (JSON).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.")] = False,
    date: DateOpt = None,
    json_out: JsonOpt = False,
):
    """Write the journal's head hash, its number of entries and the date to FILE, to
    keep elsewhere (or print in the commission minutes): `audit verify --seal FILE`
    later proves that nothing journalled before it was rewritten.

    Example: certcli audit seal --out seal-2026-06.json --date 2026-06-30
    """
    from certcli.domain import journal

    result = journal.seal(common.store(), out, date=common.day(date), force=force)
    if json_out:
        common.emit_json(result)
        return
    common.say(f"Sealed {result['entries']} entries on {result['date']} in {out}")
    common.say(f"Head: {result['head']}")
