"""`certcli directory`: the public list of certified people who consented."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import AsOfOpt, JsonOpt

app = typer.Typer(help="The public directory: search, export.", no_args_is_help=True)


@app.command("search")
def directory_search(
    text: Annotated[
        str | None, typer.Argument(help="Words to find in the name, city or certificate number.")
    ] = None,
    scheme: Annotated[str | None, typer.Option("--scheme", help="Only this scheme.")] = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
):
    """Who holds a valid certificate and agreed to be listed ("is X certified?").

    Example: certcli directory search martin --scheme ECO
    """
    from certcli.domain import directory

    entries = directory.search(common.store(), text, scheme=scheme, as_of=common.day(as_of))
    if json_out:
        common.emit_json(entries)
        return
    common.table(
        ["name", "city", "scheme", "certificate", "mentions", "valid until"],
        [
            [
                e["name"],
                e["city"],
                e["scheme"],
                e["certificate"],
                ", ".join(e["mentions"]),
                e["valid_until"] or "no expiry",
            ]
            for e in entries
        ],
        caption=f"{len(entries)} found",
    )


@app.command("export")
@common.export_options("csv", "xlsx", "json")
def directory_export(to: common.ExportTo, as_of: AsOfOpt = None):
    """Export the public directory (name, city, scheme, certificate, mentions, valid
    until; nothing else personal). Formula-like cells get a leading '.

    Example: certcli directory export --format csv --out annuaire.csv
    """
    from certcli.domain import directory

    to.write(directory.export(common.store(), to.format, as_of=common.day(as_of), excel=to.excel))
