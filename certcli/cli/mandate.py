"""`certcli mandate`: SEPA direct-debit mandates (issue 13)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["mandate"], no_args_is_help=True)


@app.command("add")
def mandate_add(
    candidate: Annotated[int, typer.Option("--candidate", metavar="ID", help="The holder.")],
    iban: Annotated[str, typer.Option("--iban", help="The debtor's IBAN (checked).")],
    signed_on: Annotated[
        dt.date,
        typer.Option(
            "--signed-on", parser=common.date_param, metavar="DATE", help="Date it was signed."
        ),
    ],
    bic: Annotated[
        str | None,
        typer.Option("--bic", help="The debtor's BIC [default: the IBAN's bank, when known]."),
    ] = None,
    payer: Annotated[
        str,
        typer.Option(
            "--payer",
            help="candidate (the holder's own account) or employer (the company the "
            "holder is linked to, for the invoices billed to it).",
        ),
    ] = "candidate",
    body: Annotated[
        str | None,
        typer.Option("--body", help="Collecting body [default: the one with a [sepa] table]."),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record a signed SEPA direct-debit mandate, with its unique mandate reference
    (RUM: PREFIX-YEAR-NNNNNN, the body file's [sepa] rum_prefix and the year it was
    signed). The IBAN is checked by schwifty (country, length, check digits) and the
    body's creditor identifier (ICS) by python-stdnum. A mandate is never edited:
    revoke it and add another.

    Example: certcli mandate add --candidate 12 --iban BE68539007547034 --signed-on 2026-12-01
    """
    from certcli.domain import mandates

    store = common.store(actor=actor, date=date)
    m = mandates.add(
        store,
        candidate,
        iban=iban,
        bic=bic,
        signed_on=signed_on,
        payer=payer,
        body=body,
        date=common.day(date),
    )
    if json_out:
        common.emit_json(m.to_dict())
    else:
        common.say(f"Mandate {m.id} recorded: RUM {m.rum}, {m.debtor}, {m.iban}")


@app.command("list")
def mandate_list(
    candidate: Annotated[
        int | None, typer.Option("--candidate", metavar="ID", help="Only this holder's.")
    ] = None,
    date: DateOpt = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List the mandates: RUM, holder, debtor, IBAN, signed, status on --date.
    A page at a time (--limit, --page); --all streams every one.

    Example: certcli mandate list --candidate 12
    """
    from certcli.domain import mandates

    store, day = common.store(), common.day(date)
    common.emit_listing(
        ["id", "RUM", "holder", "debtor", "IBAN", "signed", "status"],
        lambda m: [
            m.id,
            m.rum,
            f"{m.candidate_id} {m.holder}",
            m.debtor,
            m.iban,
            m.signed_on,
            m.status,
        ],
        read_page=lambda **page_of: mandates.listing(
            store, candidate_id=candidate, as_of=day, **page_of
        ),
        read_all=lambda: mandates.stream(store, candidate_id=candidate, as_of=day),
        as_json=lambda m: m.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("revoke")
def mandate_revoke(
    mandate: Annotated[str, typer.Argument(metavar="ID", help="Mandate id or RUM.")],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Revoke a mandate from --date on: no debit is asked for on it after that (a
    debit already in a batch stands). Once: a revoked mandate stays revoked.

    Example: certcli mandate revoke OPQTECC-2026-000001 --date 2027-01-05
    """
    from certcli.domain import mandates

    store = common.store(actor=actor, date=date)
    m = mandates.revoke(store, mandate, date=common.day(date))
    if json_out:
        common.emit_json(m.to_dict())
    else:
        common.say(f"Mandate {m.rum} revoked on {m.revoked_on}")
