"""`certcli complaint`: the register of complaints about certificate holders."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["complaint"], no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(metavar="ID", help="Complaint id.")]


def _print(c: dict) -> None:
    link = c["linked_to"] or {}
    linked = (
        f"suspension from {link['from']}"
        if "suspension" in link
        else "withdrawal"
        if link
        else None
    )
    common.fields(
        [
            ("certificate", c["certificate"]),
            ("received", c["received_on"]),
            ("from", c["from"]),
            ("text", c["text"]),
            ("status", c["status"]),
            ("closed", c["closed_on"]),
            ("outcome", c["outcome"]),
            ("linked to", linked),
        ],
        title=f"Complaint {c['id']}",
    )


@app.command("add")
def complaint_add(
    certificate: Annotated[
        str, typer.Option("--certificate", metavar="NUM", help="The certificate complained of.")
    ],
    complainant: Annotated[
        str, typer.Option("--from", metavar="TEXT", help="Who complains (name, organisation).")
    ],
    text: Annotated[str, typer.Option("--text", help="What the complaint says.")],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Register a complaint about a certificate's holder, received on --date. JSON:
    the complaint ({"id", "certificate", "received_on", "from", "text", "status", ...}).

    Example: certcli complaint add --certificate ECO-2026-0001 --from Dupont --text malfaçons
    """
    from certcli.domain import complaints

    store = common.store(actor=actor, date=date)
    found = complaints.add(
        store, certificate, complainant=complainant, text=text, date=common.day(date)
    )
    if json_out:
        common.emit_json(found)
    else:
        common.say(f"Complaint {found['id']} registered about {found['certificate']}")


@app.command("list")
def complaint_list(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only complaints not closed yet.")
    ] = False,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """The register of complaints, oldest first (--open: those not closed). A page at
    a time (--limit, --page); --all streams every one.

    Example: certcli complaint list --open
    """
    from certcli.domain import complaints

    store = common.store()
    common.emit_listing(
        ["id", "certificate", "received", "from", "status", "outcome"],
        lambda c: [
            c["id"],
            c["certificate"],
            c["received_on"],
            c["from"],
            c["status"],
            c["outcome"],
        ],
        read_page=lambda **page_of: (
            complaints.listing(store, open_only=open_only, **page_of),
            complaints.count(store, open_only=open_only),
        ),
        read_all=lambda: complaints.stream(store, open_only=open_only),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("show")
def complaint_show(complaint_id: IdArg, json_out: JsonOpt = False):
    """One complaint: what, from whom, its outcome and what it is linked to.

    Example: certcli complaint show 1
    """
    from certcli.domain import complaints

    found = complaints.show(common.store(), complaint_id)
    if json_out:
        common.emit_json(found)
    else:
        _print(found)


@app.command("close")
def complaint_close(
    complaint_id: IdArg,
    outcome: Annotated[str, typer.Option("--outcome", metavar="TEXT", help="What was decided.")],
    suspension: Annotated[
        bool,
        typer.Option(
            "--suspension",
            help="The outcome is the certificate's suspension: links its latest suspension "
            "begun between the complaint's receipt and --date.",
        ),
    ] = False,
    withdrawal: Annotated[
        bool,
        typer.Option(
            "--withdrawal",
            help="The outcome is the certificate's withdrawal (recorded between the "
            "complaint's receipt and --date).",
        ),
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Close a complaint, once, with its outcome on --date; --suspension or
    --withdrawal link it to the suspension or withdrawal it led to (recorded first
    with `certificate suspend` / `certificate withdraw`).

    Example: certcli complaint close 1 --outcome "certificat suspendu" --suspension
    """
    from certcli.domain import complaints

    store = common.store(actor=actor, date=date)
    found = complaints.close(
        store,
        complaint_id,
        outcome=outcome,
        date=common.day(date),
        suspension=suspension,
        withdrawal=withdrawal,
    )
    if json_out:
        common.emit_json(found)
    else:
        common.say(f"Complaint {found['id']} closed on {found['closed_on']}: {found['outcome']}")
