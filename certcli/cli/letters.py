"""`certcli letters`: the templates, rendering one letter, and the letter log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, FormatOpt, JsonOpt, OutOpt, TemplatesOpt

app = typer.Typer(help="Letters: templates, rendering to PDF or HTML, and the log of letters "
                  "sent.", no_args_is_help=True)

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Render the file but log nothing.")]


@app.command("list")
def letters_list(templates: TemplatesOpt = None, json_out: JsonOpt = False):
    """List every letter template (built-in and overriding) and the record it needs.

    Example: certcli letters list --templates ./mes-modeles
    """
    from certcli import letters

    found = [info.to_dict() for info in letters.catalog(templates).values()]
    if json_out:
        common.emit_json(found)
        return
    common.table(["name", "needs", "source", "description"],
                 [[t["name"], f"--{t['needs']}" if t["needs"] else "any", t["source"],
                   t["description"]] for t in found])


@app.command("render")
def letters_render(
    template: Annotated[str, typer.Argument(metavar="TEMPLATE", help="Template name, e.g. "
                                            "accuse-reception (see `letters list`).")],
    dossier: Annotated[str | None, typer.Option(
        "--dossier", metavar="REF", help="The dossier the letter is about.")] = None,
    certificate: Annotated[str | None, typer.Option(
        "--certificate", metavar="NUMBER", help="The certificate the letter is about.")] = None,
    candidate: Annotated[int | None, typer.Option(
        "--candidate", metavar="ID", help="The candidate the letter goes to.")] = None,
    invoice: Annotated[str | None, typer.Option(
        "--invoice", metavar="NUMBER", help="The invoice or credit note.")] = None,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    dry_run: DryRunOpt = False,
    date: DateOpt = None, actor: ActorOpt = None, json_out: JsonOpt = False,
):
    """Render one letter to a file, log it, and print its path. A rappel-renouvellement
    (without --dry-run) is recorded as the period's reminder, as `renewals remind` does,
    and refused if that period was already reminded. No letter renders for a candidate
    without address, postcode and city.

    Example: certcli letters render dossier-incomplet --dossier 2026-0001 --out courrier/
    """
    from certcli import letters

    store = common.store(actor=actor, date=date)
    done = letters.render(store, template, dossier=dossier, certificate=certificate,
                          candidate=candidate, invoice=invoice, fmt=fmt, out_dir=out,
                          templates_dir=templates, date=common.day(date), dry_run=dry_run)
    if json_out:
        common.emit_json(done.to_dict())
    else:
        common.say(str(done.path))
        if dry_run:
            common.warn("dry run: the letter was not logged")


@app.command("log")
def letters_log(
    candidate: Annotated[int | None, typer.Option(
        "--candidate", metavar="ID", help="Only letters to this candidate.")] = None,
    dossier: Annotated[str | None, typer.Option(
        "--dossier", metavar="REF", help="Only letters about this dossier.")] = None,
    json_out: JsonOpt = False,
):
    """The letters rendered for real: which, to whom, about what, when, where, by whom.

    Example: certcli letters log --candidate 12
    """
    from certcli import letters

    rows = letters.log(common.store(), candidate_id=candidate, dossier=dossier)
    if json_out:
        common.emit_json(rows)
        return
    common.table(["date", "template", "candidate", "dossier", "certificate", "invoice", "by",
                  "path"],
                 [[r["date"], r["template"], r["candidate_id"], r["dossier"], r["certificate"],
                   r["invoice"], r["by"], r["path"]] for r in rows],
                 caption=f"{len(rows)} letter(s)")
