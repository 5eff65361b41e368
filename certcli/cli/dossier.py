"""`certcli dossier`: open, list and show dossiers (instruction verbs alongside)."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["dossier"], no_args_is_help=True)


@app.command("add")
def dossier_add(
    candidate: Annotated[int, typer.Option("--candidate", help="Candidate id.")],
    scheme: Annotated[str, typer.Option("--scheme", help="Scheme code (ECO, PROG, CQPT...).")],
    kind: Annotated[str, typer.Option("--kind", help="initial, renewal or extension.")] = "initial",
    certificate: Annotated[
        str | None, typer.Option("--certificate", help="Certificate number (renewal, extension).")
    ] = None,
    mention: Annotated[
        str | None, typer.Option("--mention", help="Mention asked (extension).")
    ] = None,
    route: Annotated[
        str | None, typer.Option("--route", help="CQPT route: contrat-pro, periode-pro or libre.")
    ] = None,
    financing: Annotated[
        str | None,
        typer.Option(
            "--financing",
            help="CQPT financing: plan-formation, dif, dif-prioritaire, contrat-pro, "
            "periode-pro or cif.",
        ),
    ] = None,
    payer: Annotated[
        str | None,
        typer.Option(
            "--payer",
            help="Who every invoice of the dossier bills: candidate or employer (the company "
            "the candidate is linked to, --employer-id). Default: the scheme's payer; a CQPT "
            "dossier on the employer's training plan bills the employer.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Open an initial dossier even though the candidate already holds a "
            "valid certificate of the scheme or has an initial dossier of it open (logged).",
        ),
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Open a dossier; prints its reference (year and sequence, e.g. 2026-0001).

    An initial dossier is refused to a holder of a valid certificate of the scheme
    (open a renewal or an extension of it) or to a candidate with an initial dossier
    of the scheme still open, unless --force.

    Example: certcli dossier add --candidate 12 --scheme ECO
    """
    from certcli.domain import dossiers

    store = common.store(actor=actor, date=date)
    dossier = dossiers.open_dossier(
        store,
        candidate_id=candidate,
        scheme_code=scheme,
        kind=kind,
        certificate=certificate,
        mention=mention,
        route=route,
        financing=financing,
        payer=payer,
        date=common.day(date),
        force=force,
    )
    if json_out:
        common.emit_json(dossier.to_dict())
    else:
        common.say(
            f"Opened dossier {dossier.ref} ({dossier.scheme}, {dossier.kind}) "
            f"for candidate {dossier.candidate_id}: {dossier.holder}"
        )


@app.command("list")
def dossier_list(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    scheme: Annotated[str | None, typer.Option("--scheme", help="Only this scheme.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="initial, renewal or extension.")
    ] = None,
    candidate: Annotated[
        int | None, typer.Option("--candidate", help="Only this candidate.")
    ] = None,
    search: common.NameSearchOpt = None,
    overdue: Annotated[
        bool,
        typer.Option(
            "--overdue",
            help="Only dossiers waiting for complementary elements past their due "
            "date (on --as-of), oldest due first.",
        ),
    ] = False,
    as_of: common.AsOfOpt = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    json_out: JsonOpt = False,
):
    """List dossiers, newest first, filtered by status, scheme, kind or candidate.

    Example: certcli dossier list --status instruction --scheme ECO
    (or: certcli dossier list --search "thierry marechal";
    certcli dossier list --overdue --as-of 2026-07-01)
    """
    from certcli.domain import dossiers

    if overdue:
        if search is not None:
            from certcli.errors import ValidationError

            raise ValidationError("--search cannot be combined with --overdue")
        _list_overdue(status, scheme, kind, candidate, common.day(as_of), json_out)
        return
    store = common.store()
    common.refuse_merged(store, candidate)
    found, total = dossiers.listing(
        store,
        status=status,
        scheme=scheme,
        kind=kind,
        candidate_id=candidate,
        search=search,
        limit=limit,
        offset=(page - 1) * limit,
    )
    if json_out:
        common.emit_json([d.to_dict() for d in found])
        return
    common.table(
        ["ref", "candidate", "scheme", "kind", "status", "opened"],
        [
            [d.ref, f"{d.candidate_id} {d.holder}", d.scheme, d.kind, d.status, d.opened_on]
            for d in found
        ],
        caption=common.page_info(len(found), total, page, limit),
    )


def _list_overdue(status, scheme, kind, candidate, as_of, json_out: bool) -> None:
    from certcli.domain import instruction
    from certcli.errors import ValidationError

    if status not in (None, "waiting"):
        raise ValidationError(
            f"--overdue lists waiting dossiers; --status {status} cannot be combined with it"
        )
    store = common.store()
    common.refuse_merged(store, candidate)
    late = sorted(
        [
            *instruction.overdue(
                store, as_of=as_of, scheme=scheme, kind=kind, candidate_id=candidate
            ),
            *instruction.overdue_interviews(
                store, as_of=as_of, scheme=scheme, kind=kind, candidate_id=candidate
            ),
        ],
        key=lambda d: (d["due"], d["ref"]),
    )
    if json_out:
        common.emit_json(late)
        return
    common.table(
        ["ref", "candidate", "scheme", "due", "days late", "asked"],
        [
            [
                d["ref"],
                f"{d['candidate_id']} {d['holder']}",
                d["scheme"],
                d["due"],
                d["days_overdue"],
                d["items"],
            ]
            for d in late
        ],
        caption=f"{len(late)} overdue on {as_of.isoformat()}",
    )


@app.command("show")
def dossier_show(ref: common.DossierRefArg, json_out: JsonOpt = False):
    """Show a dossier and its whole history, each step told in a sentence (--json gives
    each step's recorded details). Example: certcli dossier show 2026-0001"""
    from certcli.domain import dossier_view

    data = dossier_view.show(common.store(), ref)
    if json_out:
        common.emit_json(data)
        return
    from certcli.domain.audit_trail import arrange, describe

    common.fields(
        [
            ("reference", data["ref"]),
            ("candidate", f"{data['candidate_id']} {data['holder']}"),
            ("scheme", f"{data['scheme']} ({data['scheme_name']})"),
            ("kind", data["kind"]),
            ("status", data["status"]),
            ("opened", data["opened_on"]),
            ("certificate", data["certificate"]),
            ("mention", data["mention"]),
            ("route", data["route"]),
            ("financing", data["financing"]),
            ("pieces", [f"{p['code']} ({p['received_on']})" for p in data["pieces"]]),
            ("allowed now", data["allowed_actions"]),
        ],
        title=f"Dossier {data['ref']}",
    )
    _print_details(data)
    common.table(
        ["date", "event", "details", "by"],
        [
            [
                e["date"],
                e["event"],
                describe(f"dossier.{e['event']}", e["details"], date=e["date"], by=e["by"]),
                e["by"],
            ]
            for e in arrange(data["history"], lambda e: f"dossier.{e['event']}", _details)
        ],
        title="History",
    )


def _details(entry: dict) -> dict:
    return entry["details"]


_SHOWN = {
    "ref",
    "holder",
    "candidate_id",
    "scheme",
    "scheme_name",
    "kind",
    "status",
    "opened_on",
    "certificate",
    "mention",
    "route",
    "financing",
    "pieces",
    "allowed_actions",
    "history",
    "id",
    # shown by the instruction stage as names and a report block
    "instructor_id",
    "expert_id",
    "report_on",
    "recommendation",
    "report_mentions",
}


def _print_details(data: dict) -> None:
    """Print what the stages added to `dossier show`: lists of records as tables,
    the rest as fields, so that a new stage shows up without touching this file."""
    scalars = []
    for key, value in data.items():
        if key in _SHOWN:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            columns = list(value[0])
            common.table(
                columns,
                [[row.get(c) for c in columns] for row in value],
                title=key.replace("_", " ").capitalize(),
            )
        elif isinstance(value, dict):
            scalars += [(f"{key} {k}".replace("_", " "), v) for k, v in value.items()]
        else:
            scalars.append((key.replace("_", " "), value))
    common.fields(scalars)


# The reception verbs (receive, pay, check), then the instruction verbs (assign,
# request, ...), live in their own modules.
from certcli.cli import dossier_instruction, dossier_reception  # noqa: E402

dossier_reception.register(app)
dossier_instruction.register(app)

from certcli.cli import dossier_corrections as _corrections  # noqa: E402

_corrections.register(app)


@app.command("export")
@common.export_options("csv", "xlsx")
def dossier_export(to: common.ExportTo):
    """Export every dossier (reference, holder, scheme, kind, status, dates, report,
    decision) as CSV or an xlsx workbook.

    Example: certcli dossier export --format xlsx --out dossiers.xlsx
    """
    from certcli.domain import dossiers

    to.table(dossiers.export_table(common.store()))
