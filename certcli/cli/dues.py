"""`certcli dues`: the prorated dues of a grant and the annual call."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.rules import dates

app = typer.Typer(help="Annual dues: prorata, annual call.", no_args_is_help=True)


@app.command("prorata")
def dues_prorata(
    amount: Annotated[str, typer.Option("--amount", help="Annual dues, e.g. 360.00.")],
    date: Annotated[
        dt.date,
        typer.Option("--date", parser=common.date_param, metavar="DATE", help="Decision date."),
    ],
    mode: Annotated[
        str, typer.Option("--mode", help="current_month (the decision month counts) or next_month.")
    ] = "current_month",
    json_out: JsonOpt = False,
):
    """Dues owed for the rest of the year: annual x months / 12, half-up to the cent.

    Example: certcli dues prorata --amount 360.00 --date 2026-06-15
    """
    from certcli.domain import dues
    from certcli.rules.money import format_eur

    result = dues.prorata(amount, date, mode).to_dict()
    if json_out:
        common.emit_json(result)
    else:
        months = result["months"]
        common.say(f"{months} month{'s' if months > 1 else ''}: {format_eur(result['amount'])}")


@app.command("call")
def dues_call(
    year: Annotated[
        int,
        typer.Option("--year", min=dates.FIRST_YEAR, max=dates.LAST_YEAR, help="Year of the dues."),
    ],
    date: DateOpt = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Invoice the annual dues to every holder valid on 1 January of the year, once.

    The year is this year or the next one (a December call); only certificates
    granted, and renewals decided, by --date count. A renewal that continues a
    certificate is invoiced here, not at its grant.

    Example: certcli dues call --year 2027 --date 2026-12-15
    """
    from certcli.domain import dues
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date, future=future)
    result = dues.call(store, year, date=common.day(date)).to_dict()
    if json_out:
        common.emit_json(result)
        return
    if not result["invoiced"]:
        if result["already_invoiced"]:
            common.say(
                f"Nobody to invoice: the {result['already_invoiced']} certificate(s) "
                f"valid on 1 January {year} already have their {year} dues."
            )
        else:
            common.say(f"Nobody to invoice: no holder owing dues is valid on 1 January {year}.")
        return
    common.table(
        ["invoice", "certificate", "holder", "amount"],
        [
            [i["number"], i["certificate"], f"{i['candidate_id']} {i['holder']}", i["amount"]]
            for i in result["invoiced"]
        ],
        caption=f"{result['count']} invoices, {format_eur(result['total'])}",
    )
