"""`certcli directory`: the public list of certified people who consented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import AsOfOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["directory"], no_args_is_help=True)


@app.command("search")
def directory_search(
    text: Annotated[
        str | None, typer.Argument(help="Words to find in the name, city or certificate number.")
    ] = None,
    scheme: Annotated[str | None, typer.Option("--scheme", help="Only this scheme.")] = None,
    as_of: AsOfOpt = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """Who holds a valid certificate and agreed to be listed ("is X certified?"), by
    name. A page at a time (--limit, --page); --all streams every one.

    Example: certcli directory search martin --scheme ECO
    """
    from certcli.domain import directory

    store, day = common.store(), common.day(as_of)
    common.emit_listing(
        ["name", "city", "scheme", "certificate", "mentions", "valid until"],
        lambda e: [
            e["name"],
            e["city"],
            e["scheme"],
            e["certificate"],
            ", ".join(e["mentions"]),
            e["valid_until"] or "no expiry",
        ],
        read_page=lambda **page_of: directory.page(
            store, text, scheme=scheme, as_of=day, **page_of
        ),
        read_all=lambda: (e for _, e in directory.listed(store, text, scheme=scheme, as_of=day)),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
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


@app.command("site")
def directory_site(
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="Folder to write the site in (created if missing)."
        ),
    ],
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="The day the site's statuses and directory are computed for [default: today].",
        ),
    ] = None,
    templates: common.TemplatesOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the site already in DIR.")
    ] = False,
    json_out: JsonOpt = False,
):
    """Write the public directory as a static site for any web host (works offline,
    no external script or font): index.html (search by name, city or scheme, accents
    and case ignored), one page per listed holder (titulaires/), verify.html (checks a
    certificate number and its verification code), status.json (number -> scheme,
    status and dates of every certificate, whatever the holder's consent; no personal
    data, and each code only as a SHA-256 of number and code) and documents/ (the
    PDFs of `certcli documents`). A DIR that is not empty needs --force.

    Example: certcli directory site --out site --date 2026-11-25
    """
    from certcli.letters import site

    result = site.write(
        common.store(), out, date=common.day(date), templates_dir=templates, force=force
    )
    if json_out:
        common.emit_json(result)
        return
    common.say(
        f"{result['out']}: {result['holders']} holder page(s), "
        f"{result['certificates']} certificate(s) in status.json, {len(result['files'])} files"
    )
