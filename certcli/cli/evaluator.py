"""`certcli evaluator`: the CQPT evaluator organisations."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["evaluator"], no_args_is_help=True)


@app.command("add")
def evaluator_add(
    name: Annotated[str, typer.Option("--name", help="Organisation's name.")],
    email: Annotated[str | None, typer.Option("--email", help="Contact e-mail (checked).")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Postal address.")] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record an evaluator organisation; prints its id.

    Example: certcli evaluator add --name "Formatel Évaluation" --email contact@formatel.fr
    --address "12 rue des Ondes, 69003 Lyon"
    """
    from certcli.domain import evaluators

    store = common.store(actor=actor, date=date)
    found = evaluators.add(store, name=name, email=email, address=address, date=common.day(date))
    if json_out:
        common.emit_json(found.to_dict())
    else:
        common.say(f"Recorded evaluator {found.id}: {found.name}")


@app.command("list")
def evaluator_list(
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List the evaluator organisations by name, a page at a time (--limit, --page);
    --all streams every one.

    Example: certcli evaluator list --json
    """
    from certcli.domain import evaluators

    store = common.store()
    common.emit_listing(
        ["id", "name", "e-mail", "address"],
        lambda e: [e.id, e.name, e.email, e.address],
        read_page=lambda **page_of: (evaluators.listing(store, **page_of), evaluators.count(store)),
        read_all=lambda: evaluators.stream(store),
        as_json=lambda e: e.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )
