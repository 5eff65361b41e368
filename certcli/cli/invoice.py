"""`certcli invoice`: invoices and credit notes, payments, cancellation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, AsOfOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["invoice"], no_args_is_help=True)

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
            ("status", invoice.shown_status),
            ("issued", invoice.issued_on),
            ("due", invoice.due_on),
            ("certificate", invoice.certificate),
            ("dossier", invoice.dossier),
            (
                "billed to",
                f"{invoice.company} (SIRET {invoice.siret or '-'})" if invoice.company else None,
            ),
            ("credited", invoice.credited or None),
            ("credit note", invoice.credited_by),
            ("cancels" if not invoice.partial else "credits part of", invoice.credit_for),
            ("cancel reason", invoice.cancel_reason),
            ("replaces", invoice.replaces),
            ("replaced by", invoice.replaced_by),
            (
                "reminders",
                ", ".join(f"level {r['level']} on {r['sent_on']}" for r in invoice.reminders)
                or None,
            ),
        ],
        title=f"{'Invoice' if invoice.kind == 'invoice' else 'Credit note'} {invoice.number}",
    )
    if invoice.payments:
        common.table(
            ["date", "kind", "amount", "method", "reference", "reason"],
            [
                [p["date"], p["kind"], p["amount"], p["method"], p["reference"], p["reason"]]
                for p in invoice.payments
            ],
            title="Payments and refunds",
        )
    if invoice.credit_notes:
        common.table(
            ["number", "issued", "amount"],
            [[c["number"], c["issued_on"], c["amount"]] for c in invoice.credit_notes],
            title="Partial credit notes",
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
    a page at a time (--limit, --page); --all streams every one. --unpaid shows the
    last reminder level sent of each (0: none; `invoice remind`).

    Example: certcli invoice list --unpaid
    """
    from certcli.domain import invoices

    store = common.store()
    common.refuse_merged(store, candidate)
    filters: dict[str, Any] = {"unpaid": unpaid, "year": year, "candidate_id": candidate}
    columns = ["number", "issued", "holder", "label", "amount", "paid", "status"]
    if unpaid:
        columns += ["due", "reminder"]

    def cells(i):
        row = [
            i.number,
            i.issued_on,
            f"{i.candidate_id} {i.holder}",
            i.label,
            i.amount,
            i.paid,
            i.shown_status,
        ]
        if unpaid:
            row += [i.due_on, i.reminder_level]
        return row

    common.emit_listing(
        columns,
        cells,
        read_page=lambda **page_of: (
            invoices.listing(store, **filters, **page_of),
            invoices.count(store, **filters),
        ),
        read_all=lambda: invoices.stream(store, **filters),
        as_json=lambda i: i.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
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
    method: Annotated[
        str, typer.Option("--method", help="cheque, virement or prelevement (a SEPA direct debit).")
    ],
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
    """Cancel an invoice by a credit note (AV-YYYY-NNNNN) of what it still bills (its
    amount less any partial credit note). An invoice with money kept on it cannot be
    cancelled: refund every payment first (`invoice refund`).

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


ReasonOpt = Annotated[
    str, typer.Option("--reason", help="Why (required, kept in the audit trail).")
]


@app.command("refund")
def invoice_refund(
    number: NumberArg,
    amount: Annotated[str, typer.Option("--amount", help="Amount paid back, e.g. 105.00.")],
    method: Annotated[
        str, typer.Option("--method", help="cheque, virement or prelevement (a SEPA direct debit).")
    ],
    reason: ReasonOpt,
    reference: Annotated[
        str | None, typer.Option("--reference", help="Cheque number or transfer reference.")
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record money paid back on an invoice: a new, negative payment with its reason
    (nothing paid is rewritten). More than was paid is refused. A paid invoice that
    owes again is open again; once every payment is refunded it can be cancelled.

    Example: certcli invoice refund F-2026-00001 --amount 210.00 --method virement
    --reason "payé deux fois"
    """
    from certcli.domain import invoices
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date)
    invoice = invoices.refund(
        store,
        number,
        amount,
        method=method,
        reason=reason,
        reference=reference,
        date=common.day(date),
    )
    if json_out:
        common.emit_json(invoice.to_dict())
    else:
        common.say(
            f"Invoice {invoice.number}: refunded {format_eur(amount)}; "
            f"{format_eur(invoice.paid)} kept, {format_eur(invoice.due)} left to pay, "
            f"{invoice.status}"
        )


@app.command("credit")
def invoice_credit(
    number: NumberArg,
    amount: Annotated[str, typer.Option("--amount", help="Amount taken off, e.g. 50.00.")],
    reason: ReasonOpt,
    date: DateOpt = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """A partial credit note (a commercial gesture): a credit note AV-YYYY-NNNNN for part
    of an invoice, which then owes that much less. At most what is left to pay (refund
    money received first); the whole of an unpaid invoice is `invoice cancel`.

    Example: certcli invoice credit F-2026-00001 --amount 50.00 --reason "geste commercial"
    """
    from certcli.domain import invoices
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date, future=future)
    invoice, note = invoices.credit(store, number, amount, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json({**invoice.to_dict(), "credit_note": note.to_dict()})
    else:
        common.say(
            f"Credit note {note.number} ({format_eur(note.amount)}) on invoice "
            f"{invoice.number}: {format_eur(invoice.due)} left to pay, {invoice.status}"
        )


@app.command("reissue")
def invoice_reissue(
    number: NumberArg,
    bill_to: Annotated[
        str, typer.Option("--bill-to", help="candidate or employer: who the new invoice bills.")
    ],
    reason: ReasonOpt,
    date: DateOpt = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Cancel an invoice by a credit note and issue the corrected invoice for the same
    object (same label, dossier, certificate, dues year), billed to the candidate or
    their employer (name and SIRET from the register), with the candidate's current
    address. The new invoice names the one it replaces. Refused, like a cancellation,
    while money is kept on the old invoice (refund it first).

    Example: certcli invoice reissue F-2026-00001 --bill-to employer --reason "payé par l'employeur"
    """
    from certcli.domain import invoices

    store = common.store(actor=actor, date=date, future=future)
    old, note, new = invoices.reissue(
        store, number, bill_to=bill_to, reason=reason, date=common.day(date)
    )
    if json_out:
        common.emit_json(
            {**new.to_dict(), "credit_note": note.to_dict(), "cancelled": old.to_dict()}
        )
    else:
        common.say(
            f"Invoice {old.number} cancelled by credit note {note.number}; "
            f"replaced by invoice {new.number} billed to {new.holder}"
        )


@app.command("render")
def invoice_render(
    number: Annotated[str, typer.Argument(metavar="NUMBER", help="Invoice or credit note.")],
    fmt: common.FormatOpt = "pdf",
    out: common.OutOpt = Path("letters"),
    templates: common.TemplatesOpt = None,
    facturx: Annotated[
        bool | None,
        typer.Option(
            "--facturx/--no-facturx",
            help="Embed the EN 16931 (Factur-X) XML in a PDF/A-3 invoice [default: the "
            "body file's invoicing.facturx].",
        ),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Render an invoice or credit note as its invoice document (the `facture`
    letter, every mandatory mention; refused, naming it, while one is missing), and
    log it. With --facturx the PDF carries the Factur-X XML.

    Example: certcli invoice render F-2026-00001 --facturx --out factures
    """
    from certcli.letters import facturx as fx
    from certcli.letters import send

    store = common.store(actor=actor, date=date)
    common.complete_pending(store)
    done = send.render_and_log(
        store,
        "facture",
        invoice=number,
        fmt=fmt,
        out_dir=out,
        templates_dir=templates,
        date=common.day(date),
        after_write=fx.embedder(store, number, facturx, fmt),
    )
    if json_out:
        common.emit_json(done.to_dict())
    else:
        common.say(str(done.path))


@app.command("remind")
def invoice_remind(
    as_of: AsOfOpt = None,
    letter: Annotated[
        bool,
        typer.Option("--letter", help="Render and log each reminder's letter (--out, --format)."),
    ] = False,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder for the letters.")
    ] = Path("letters"),
    one_file: Annotated[
        bool, typer.Option("--one-file", help="One combined file of every letter, for printing.")
    ] = False,
    fmt: common.FormatOpt = "pdf",
    templates: common.TemplatesOpt = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Say (and with --letter render) what is due; record nothing."
        ),
    ] = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Remind every unpaid invoice past due, in levels: for each, the next level whose
    delay has passed (relance at due date + 15 days, seconde relance at + 45, mise en
    demeure at + 75 by default: the body file's [reminders]), counted from the due date,
    the day itself included. One level per invoice per run, and after a level sent late
    the next one waits its own gap again; each level once per invoice, ever; a missed
    day is caught up. Never for a paid, cancelled (credited) invoice, nor an
    instruction fee still waiting on its dossier.

    Each reminder is recorded (level, day, audit trail); --letter renders its letter,
    in the same transaction as the record (a killed run's letters are completed by
    the next run). The levels are computed on --as-of, which defaults to --date (the
    letters' date). With --letter, a buyer without a postal address is skipped,
    nothing recorded: the others are reminded, the skipped ones listed, and the
    command exits with status 1. --email e-mails each letter's PDF through the outbox
    (a buyer without an e-mail address is skipped the same way; a message not sent
    now stays queued for `certcli mail flush`, exit status 1).
    JSON: {"reminded": [{"invoice", "level"}], "files": [paths], "skipped": [...]}.

    Example: certcli invoice remind --as-of 2026-12-01 --letter --one-file --out courrier/
    """
    from certcli.letters import invoice_reminders

    store = common.store(actor=actor, date=date)
    day = common.day(date)
    if (letter or email or post) and not dry_run:
        common.complete_pending(store)  # a killed run's letters first
    done = invoice_reminders.remind(
        store,
        as_of=as_of or day,
        date=day,
        out_dir=out,
        fmt=fmt,
        one_file=one_file,
        templates_dir=templates,
        letter=letter,
        dry_run=dry_run,
        email=email,
        post=post,
    )
    common.report_reminders(
        done,
        key="invoice",
        noun="invoice",
        dry_run=dry_run,
        email=email,
        json_out=json_out,
        again="complete their buyer's address and run `certcli invoice remind` again",
    )


@app.command("export")
@common.export_options("csv", "xlsx", "fec")
def invoice_export(
    to: common.ExportTo,
    year: Annotated[
        int | None, typer.Option("--year", help="Only this year (required with --format fec).")
    ] = None,
):
    """Export invoices and credit notes with their payments (amount, paid, left to pay,
    each payment's date, method, amount and reference) as CSV or an xlsx workbook; or,
    with --format fec, the year's accounting entries as the French Fichier des
    Écritures Comptables (18 tab-separated fields: every invoice and credit note issued
    in the year, every payment and refund dated in it, as balanced entries on the
    account codes of the body file's [accounts]).

    Example: certcli invoice export --year 2026 --format fec --out FEC2026.txt
    """
    from certcli.domain import invoices

    store = common.store()
    if to.format == "fec":
        from certcli.domain import accounting, exports
        from certcli.errors import ValidationError

        if year is None:
            raise ValidationError("the FEC is the journal of one fiscal year: give --year")
        if to.excel:
            raise ValidationError("--excel is for CSV files; the FEC has its own layout")
        to.write(exports.fec_text(accounting.fec_table(store, year)))
        return
    to.table(invoices.export_table(store, year=year))
