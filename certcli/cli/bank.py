"""`certcli bank`: bank statements (CAMT.053) reconciled with the invoices."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["bank"], no_args_is_help=True)


@app.command("import")
def bank_import(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="CAMT.053 statement (XML, camt.053.001.02 to .001.08) or CSV export.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Match every entry, write nothing.")
    ] = False,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="camt|csv",
            help="The statement's format; default: an XML file is CAMT.053, anything "
            "else a CSV read with the body file's [bank.csv] column mapping.",
        ),
    ] = None,
    body: Annotated[
        str | None,
        typer.Option(
            "--body",
            metavar="CODE",
            help="The body whose [bank.csv] mapping reads a CSV (default: the one body "
            "file that has one).",
        ),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Import a CAMT.053 bank statement, or a bank's CSV export read with the column
    mapping of the body file ([bank.csv]: delimiter, decimal mark, date format,
    encoding, the columns; a line without a reference column gets a stable one
    derived from its date, amount and text): each credit pays the invoice it names (an
    invoice number in the remittance, any case or separator), else the one open
    invoice of exactly that amount whose buyer is named as the debtor (accents and
    case ignored). A payment is recorded only for exactly what is left to pay (method
    virement, the bank's reference, the booking date); anything else is kept
    unmatched with its reason (bank unmatched, bank match). An entry already imported
    is counted in `already`, never recorded twice; debits are ignored, returns kept
    unmatched. One transaction.

    Example: certcli bank import releve-2026-03.xml --dry-run
    """
    from certcli.domain import bank

    store = common.store(actor=actor, date=date)
    result = bank.import_statement(
        store, path, date=common.day(date), dry_run=dry_run, format=format, body=body
    )
    if json_out:
        common.emit_json(result.to_dict())
        return
    what = "would be " if dry_run else ""
    common.say(
        f"{len(result.matched)} payment(s) {what}recorded, {len(result.unmatched)} entry(ies) "
        f"{what}left unmatched, {result.already} already imported, {result.ignored} ignored "
        "(debits, not booked)"
    )
    if result.matched:
        common.table(
            ["entry", "invoice", "amount"],
            [[m["entry"], m["invoice"], m["amount"]] for m in result.matched],
            title="Matched",
        )
    if result.unmatched:
        common.table(
            ["entry", "amount", "reason"],
            [[u["entry"], u["amount"], u["reason"]] for u in result.unmatched],
            title="Unmatched",
        )


@app.command("unmatched")
def bank_unmatched(json_out: JsonOpt = False):
    """List the bank entries no payment was recorded for, with the reason.

    Example: certcli bank unmatched
    """
    from certcli.domain import bank

    found = bank.unmatched(common.store())
    if json_out:
        common.emit_json(found)
        return
    common.table(
        ["entry", "booked", "amount", "debtor", "remittance", "reason"],
        [
            [e["entry"], e["booked_on"], e["amount"], e["debtor"], e["remittance"], e["reason"]]
            for e in found
        ],
        caption=f"{len(found)} unmatched",
    )


@app.command("match")
def bank_match(
    entry: Annotated[str, typer.Argument(metavar="ENTRY", help="The bank reference of the entry.")],
    invoice: Annotated[str, typer.Option("--invoice", metavar="NUM", help="Invoice it pays.")],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Settle an unmatched entry by hand: its amount is recorded as a payment of the
    invoice (virement, the bank reference, the booking date). Less than is left to
    pay is a partial payment; more is refused (overpayment); a return, or an entry
    matched already, is refused.

    Example: certcli bank match 2026031200042 --invoice F-2026-00012
    """
    from certcli.domain import bank
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date)
    done = bank.match(store, entry, invoice, date=common.day(date))
    if json_out:
        common.emit_json(done)
    else:
        common.say(
            f"Entry {done['entry']}: {format_eur(done['amount'])} paid on invoice "
            f"{done['invoice']}, {done['status']}"
        )


@app.command("reject")
def bank_reject(
    entry: Annotated[
        str,
        typer.Argument(
            metavar="ENTRY",
            help="The bank entry of the collection, or the invoice number (end-to-end id).",
        ),
    ],
    reason: Annotated[
        str, typer.Option("--reason", metavar="CODE", help="Reason code: AM04, MS02, MD06...")
    ],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """A SEPA direct debit came back (returned or rejected, the bank's notice): the
    invoice is unpaid again with the reason, recorded as a dated event (a collection
    already credited is taken back by a refund); `invoice remind` takes over.

    Example: certcli bank reject 2027020500017 --reason AM04
    """
    from certcli.domain import debits
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date)
    done = debits.reject(store, entry, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json(done)
    else:
        common.say(
            f"Debit of {done['invoice']} returned ({debits.reason_text(done['reason'])}): "
            f"{format_eur(done['due'])} left to pay, {done['status']}"
        )
