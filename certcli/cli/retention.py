"""`certcli retention`: the body files' GDPR retention rules."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["retention"], no_args_is_help=True)


@app.command("run")
def retention_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say who would be forgotten, write nothing.")
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Apply the `[retention]` rules of the body files (data/bodies/*.toml):
    refused_or_withdrawn_dossier_years forgets a person whose every dossier ended
    refused, withdrawn or inadmissible (never certified) that many years after their
    dossiers' last event; lapsed_holder_years a former holder (no certificate valid
    or suspended, no dossier open) that many years after their last day of validity
    or withdrawal. A person under several bodies waits for the longest; a rule left
    out of a body file is not applied to its schemes. Each person is forgotten as by
    `candidate forget`, with the rule as the reason, all in one transaction.

    Example: certcli retention run --dry-run
    """
    from certcli.domain import privacy

    store = common.store(actor=actor, date=date)
    result = privacy.retention_run(store, date=common.day(date), dry_run=dry_run)
    if json_out:
        common.emit_json(result)
        return
    verb = "would be forgotten (dry run)" if dry_run else "forgotten"
    common.say(f"{result['count']} person(s) {verb} on {result['date']}.")
    if result["people"]:
        common.table(
            ["candidate", "rule", "years", "since", "due on"],
            [
                [p["candidate_id"], p["rule"], p["years"], p["since"], p["due_on"]]
                for p in result["people"]
            ],
        )
    for warning in result["warnings"]:
        common.warn(f"Warning: {warning}")
