"""`certcli invoice`: invoices and credit notes, payments, cancellation."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt

app = typer.Typer(
    help="Invoices and credit notes: list, show, pay, cancel, export.", no_args_is_help=True
)

NumberArg = Annotated[str, typer.Argument(metavar="NUM", help="Invoice number, e.g. F-2026-00001.")]


def _print(invoice) -> None:
    common.fields(
        [
            ("kind", invoice.kind),
            ("holder", f"{invoice.candidate_id} {invoice.holder}"),
            ("address", invoice.address),
            ("label", invoice.label),
            ("amount", invoice.amount),
            ("paid", invoice.paid),
            ("left to pay", invoice.due),
            ("status", invoice.status),
            ("issued", invoice.issued_on),
            ("due", invoice.due_on),
            ("certificate", invoice.certificate),
            ("dossier", invoice.dossier),
            ("credit note", invoice.credited_by),
            ("cancels", invoice.credit_for),
            ("cancel reason", invoice.cancel_reason),
        ],
        title=f"{'Invoice' if invoice.kind == 'invoice' else 'Credit note'} {invoice.number}",
    )
    if invoice.payments:
        common.table(
            ["date", "amount", "method", "reference"],
            [[p["date"], p["amount"], p["method"], p["reference"]] for p in invoice.payments],
            title="Payments",
        )


@app.command("list")
def invoice_list(
    unpaid: Annotated[bool, typer.Option("--unpaid", help="Only invoices still open.")] = False,
    year: Annotated[int | None, typer.Option("--year", help="Only this year of issue.")] = None,
    candidate: Annotated[
        int | None, typer.Option("--candidate", help="Only this candidate.")
    ] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List every invoice and credit note, cancelled ones included (filters narrow it),
    a page at a time (--limit, --page); --all streams every one.

    Example: certcli invoice list --unpaid
    """
    from certcli.domain import invoices

    store = common.store()
    filters: dict[str, Any] = {"unpaid": unpaid, "year": year, "candidate_id": candidate}
    columns = ["number", "issued", "holder", "label", "amount", "paid", "status"]

    def cells(i):
        return [
            i.number,
            i.issued_on,
            f"{i.candidate_id} {i.holder}",
            i.label,
            i.amount,
            i.paid,
            i.status,
        ]

    if every:
        found = invoices.stream(store, **filters)
        if json_out:
            common.emit_json_stream(i.to_dict() for i in found)
        else:
            common.emit_lines(columns, (cells(i) for i in found))
        return
    found = invoices.listing(store, limit=limit, offset=(page - 1) * limit, **filters)
    if json_out:
        common.emit_json([i.to_dict() for i in found])
        return
    common.table(
        columns,
        [cells(i) for i in found],
        caption=common.page_info(len(found), invoices.count(store, **filters), page, limit),
    )


@app.command("show")
def invoice_show(number: NumberArg, json_out: JsonOpt = False):
    """Show an invoice or credit note with its payments.

    Example: certcli invoice show F-2026-00001
    """
    from certcli.domain import invoices

    invoice = invoices.get(common.store(), number)
    if json_out:
        common.emit_json(invoice.to_dict())
    else:
        _print(invoice)


@app.command("pay")
def invoice_pay(
    number: NumberArg,
    amount: Annotated[str, typer.Option("--amount", help="Amount received, e.g. 105.00.")],
    method: Annotated[str, typer.Option("--method", help="cheque or virement.")],
    reference: Annotated[
        str | None, typer.Option("--reference", help="Cheque number or transfer reference.")
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record a payment against an invoice (partial payments add up; more than what is
    left to pay is refused).

    Example: certcli invoice pay F-2026-00001 --amount 210.00 --method cheque --reference 4567
    """
    from certcli.domain import invoices
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date)
    invoice = invoices.pay(
        store, number, amount, method=method, reference=reference, date=common.day(date)
    )
    if json_out:
        common.emit_json(invoice.to_dict())
    else:
        common.say(
            f"Invoice {invoice.number}: {format_eur(invoice.paid)} paid of "
            f"{format_eur(invoice.amount)}, {invoice.status}"
        )


@app.command("cancel")
def invoice_cancel(
    number: NumberArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it is cancelled.")],
    date: DateOpt = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Cancel an unpaid invoice by a credit note of its full amount (AV-YYYY-NNNNN).
    An invoice with payments recorded cannot be cancelled.

    Example: certcli invoice cancel F-2026-00003 --reason "erreur de montant"
    """
    from certcli.domain import invoices
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date, future=future)
    invoice, credit = invoices.cancel(store, number, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json({**invoice.to_dict(), "credit_note": credit.to_dict()})
    else:
        common.say(
            f"Invoice {invoice.number} cancelled by credit note {credit.number} "
            f"({format_eur(credit.amount)})"
        )


@app.command("export")
@common.export_options("csv", "xlsx")
def invoice_export(
    to: common.ExportTo,
    year: Annotated[int | None, typer.Option("--year", help="Only this year of issue.")] = None,
):
    """Export invoices and credit notes with their payments (amount, paid, left to pay,
    each payment's date, method, amount and reference) as CSV or an xlsx workbook.

    Example: certcli invoice export --year 2026 --format xlsx --out factures-2026.xlsx
    """
    from certcli.domain import invoices

    to.table(invoices.export_table(common.store(), year=year))
