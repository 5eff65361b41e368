"""`certcli db`: the office's database as a whole (moving it between engines)."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["db"], no_args_is_help=True)


@app.command("copy")
def db_copy(
    source: Annotated[
        str,
        typer.Option("--from", metavar="PATH|URL", help="The office to copy (file or URL)."),
    ],
    dest: Annotated[
        str,
        typer.Option(
            "--to", metavar="PATH|URL", help="An empty database or a new file to copy it into."
        ),
    ],
    json_out: JsonOpt = False,
):
    """Copy a whole office into an empty database, in one transaction: SQLite to
    PostgreSQL or back. The rows of every table are counted and checksummed on both
    sides; the copy lands only when they all agree. A target that holds records is
    refused. The source may be in use meanwhile: it is read as of one moment.

    Example: certcli db copy --from certcli.db --to postgresql://secretariat@server/office
    """
    from certcli.store import Store, copy

    result = copy.copy(source, dest, Store)
    if json_out:
        common.emit_json({"tables": result["tables"], "checksum_ok": result["checksum_ok"]})
        return
    common.table(["table", "rows"], [[t, n] for t, n in result["tables"].items()])
    common.say(
        f"Copied {result['from']} to {result['to']}: {sum(result['tables'].values())} rows "
        f"in {len(result['tables'])} tables, every table's count and checksum equal."
    )
