"""`certcli appeal`: appeals against a refusal (heard through `commission decide`)."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt

app = typer.Typer(help="Appeals: file, list (heard with `commission decide` at an appeal "
                  "session).", no_args_is_help=True)


@app.command("file")
def appeal_file(
    ref: Annotated[str, typer.Argument(metavar="REF", help="Refused dossier reference.")],
    reason: Annotated[str | None, typer.Option("--reason", help="The appellant's grounds.")]
    = None,
    date: DateOpt = None, actor: ActorOpt = None, json_out: JsonOpt = False,
):
    """File an appeal against a refusal, within the scheme's appeal delay (the last
    day is still in time).

    Example: certcli appeal file 2026-0012 --date 2026-07-20 --reason "références omises"
    """
    from certcli import appeals

    store = common.store(actor=actor, date=date)
    result = appeals.file(store, ref, date=common.day(date), reason=reason)
    if json_out:
        common.emit_json(result)
    else:
        common.say(f"Appeal filed for dossier {result['ref']} on {result['filed_on']} "
                   f"(deadline {result['deadline']})")


@app.command("list")
def appeal_list(
    pending: Annotated[bool, typer.Option("--pending", help="Only appeals not yet heard.")]
    = False,
    json_out: JsonOpt = False,
):
    """List appeals with their session and outcome.

    Example: certcli appeal list --pending
    """
    from certcli import appeals

    found = appeals.listing(common.store(), pending=pending)
    if json_out:
        common.emit_json(found)
        return
    common.table(["ref", "holder", "scheme", "filed", "deadline", "session", "outcome"],
                 [[a["ref"], f"{a['candidate_id']} {a['holder']}", a["scheme"], a["filed_on"],
                   a["deadline"], a["session_date"], a["outcome"]] for a in found])
