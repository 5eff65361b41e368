"""`certcli dues`: the prorated dues of a grant and the annual call."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP
from certcli.rules import dates

app = typer.Typer(help=HELP["dues"], no_args_is_help=True)


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
    letter: Annotated[
        bool,
        typer.Option(
            "--letter",
            help="Also render the call letter (appel-cotisation) of every invoice issued "
            "and log it; see --one-file, --format, --out, --templates.",
        ),
    ] = False,
    one_file: Annotated[
        bool,
        typer.Option("--one-file", help="With --letter: one combined file of every letter."),
    ] = False,
    fmt: common.FormatOpt = "pdf",
    out: common.OutOpt = Path("letters"),
    templates: common.TemplatesOpt = None,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    date: DateOpt = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Invoice the annual dues to every holder valid on 1 January of the year, once.

    The year is this year or the next one (a December call); only certificates
    granted, and renewals decided, by --date count. A renewal that continues a
    certificate is invoiced here, not at its grant. --letter renders the call letter
    of each invoice (asked for with the invoices, rendered after: a run killed in
    between leaves them pending, completed by the next command that renders
    letters); --one-file puts every letter in one file, for printing. A holder without
    a postal address gets the invoice and no letter (listed in "skipped"). The table
    lists the first 50 invoices (and their count and total); --json lists them all.
    JSON with --letter adds "files" and "skipped". --email e-mails each letter's PDF
    through the outbox (JSON: "emailed", "not_emailed"; a holder without an e-mail
    address gets the letter for the post; a message not sent stays queued for
    `certcli mail flush`, exit status 1).

    Example: certcli dues call --year 2027 --date 2026-12-15 --letter --one-file
    """
    from certcli.domain import dues
    from certcli.letters.follow_up import Batch
    from certcli.rules.money import format_eur

    if one_file and not letter:
        from certcli.errors import ValidationError

        raise ValidationError("--one-file is for the letters: add --letter")
    store = common.store(actor=actor, date=date, future=future)
    day = common.day(date)
    batch = Batch(
        letter,
        fmt,
        out,
        templates,
        one_file=one_file,
        email=email,
        post=post,
        on_pending=common.report_pending,
    )
    letter = batch.wanted
    if letter:
        common.complete_pending(store)  # a killed run's letters first
    with batch.step(store):
        called = dues.call(store, year, date=day)
        if called.count:
            # read back as they are asked for, closed inside the call's transaction
            with contextlib.closing(iter(called.invoiced)) as issued:
                numbers = (i.number for i in issued)
                batch.ask(store, "appel-cotisation", invoices=numbers, date=day)
    # "invoiced" streamed: its records read back, made and printed one at a time
    # (100,000 holders' JSON held at once took 241 MB, their entries 159 MB).
    result = called.to_dict(stream=True)
    if letter:
        result = {**result, "files": batch.files, "skipped": batch.skipped}
    if email:
        result = {**result, "emailed": batch.emailed, "not_emailed": batch.not_emailed}
    if json_out:
        common.emit_json_record(result)
        _letters_done(batch, _CALL)
        return
    if not called.count:
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
            [i.number, i.certificate, f"{i.candidate_id} {i.holder}", i.amount]
            for i in called.first[:SHOWN]
        ],
        caption=f"{result['count']} invoices, {format_eur(result['total'])}",
    )
    if result["count"] > SHOWN:
        # A page, as the lists show: laying out 100,000 rows took longer than the call.
        common.say(f"The first {SHOWN} of {result['count']} shown: --json lists every invoice.")
    _print_letters(batch, one_file)
    _letters_done(batch, _CALL)


SHOWN = 50  # invoices of a call listed in its table (all of them in --json; dues.KEPT)

# What each batch's letters are, what stands when one fails, and how to render it.
_CALL = ("call letter", "the invoices are issued", "appel-cotisation")
_PRENOTIFICATION = ("pre-notification", "the debit file is written", "prenotification-prelevement")


def _print_letters(batch, one_file: bool) -> None:
    for path in batch.files:
        common.say(f"Letters: {path}" if one_file else f"Letter: {path}")
    for skipped in batch.skipped:
        common.say(f"skipped the letter of {skipped['invoice']}: {skipped['reason']}")


def _letters_done(batch, what: tuple[str, str, str]) -> None:
    """A letter not rendered or not e-mailed fails the command (exit 1) once the result
    is printed: what the batch wrote stands, the message says how to finish."""
    from certcli.errors import CertcliError

    letter, standing, template = what
    if batch.error:
        raise CertcliError(batch.error)
    if batch.not_emailed:
        raise CertcliError(
            f"{len(batch.not_emailed)} {letter}(s) not e-mailed ({standing}): "
            "see `certcli mail queue`, `certcli mail flush` retries the queued ones"
        )
    if batch.skipped:
        numbers = ", ".join(s["invoice"] for s in batch.skipped)
        raise CertcliError(
            f"{len(batch.skipped)} {letter}(s) not rendered, {standing}: {numbers} (no "
            f"postal address); add it and render them with `certcli letters render "
            f"{template} --invoice NUM`"
        )


@app.command("debit")
def dues_debit(
    year: Annotated[
        int,
        typer.Option("--year", min=dates.FIRST_YEAR, max=dates.LAST_YEAR, help="Year of the dues."),
    ],
    collection_date: Annotated[
        dt.date,
        typer.Option(
            "--collection-date",
            parser=common.date_param,
            metavar="DATE",
            help="The day the banks collect (at least the pre-notification period, "
            "14 days, after --date).",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE.xml", help="The pain.008 file to write (new).")
    ],
    body: Annotated[
        str | None,
        typer.Option("--body", help="Collecting body [default: the one with a [sepa] table]."),
    ] = None,
    letter: Annotated[
        bool,
        typer.Option(
            "--letter",
            help="Also render the pre-notification letter (prenotification-prelevement: "
            "amount, collection date, RUM, ICS) of every invoice collected; see "
            "--one-file, --format, --letters-out, --templates.",
        ),
    ] = False,
    one_file: Annotated[
        bool,
        typer.Option("--one-file", help="With --letter: one combined file of every letter."),
    ] = False,
    fmt: common.FormatOpt = "pdf",
    letters_out: Annotated[
        Path,
        typer.Option("--letters-out", metavar="DIR", help="Folder for the letters."),
    ] = Path("letters"),
    templates: common.TemplatesOpt = None,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Write one SEPA direct-debit file (pain.008.001.02) collecting the balance of
    every unpaid dues invoice of the year whose payer has a valid mandate (the
    holder's, or the employer's for an invoice billed to it), never an invoice
    already in a batch. FRST for a mandate's first collection, RCUR after; the
    end-to-end id of each debit is the invoice number. The file is validated against
    the pain.008.001.02 schema before it is written, and never overwritten. The
    invoices are then pending_collection (invoice show/list) and not reminded until
    `bank import` of the statement pays them or a return (`bank reject`) puts them
    back to unpaid. --letter renders each debtor's pre-notification (asked for in
    the batch's transaction, rendered after it; JSON adds "files" and "skipped");
    --email e-mails each one's PDF through the outbox (JSON: "emailed", "not_emailed").

    Example: certcli dues debit --year 2027 --collection-date 2027-02-05 --out sdd.xml
    """
    from certcli.domain import debits
    from certcli.letters.follow_up import Batch
    from certcli.rules.money import format_eur

    if one_file and not letter:
        from certcli.errors import ValidationError

        raise ValidationError("--one-file is for the letters: add --letter")
    store = common.store(actor=actor, date=date)
    day = common.day(date)
    batch = Batch(
        letter,
        fmt,
        letters_out,
        templates,
        one_file=one_file,
        email=email,
        post=post,
        on_pending=common.report_pending,
    )
    letter = batch.wanted
    if batch.wanted:
        common.complete_pending(store)  # a killed run's letters first
    with batch.step(store):
        result = debits.collect(
            store,
            year=year,
            collection_date=collection_date,
            out=out,
            date=day,
            body=body,
            before_write=lambda numbers: batch.ask(
                store, "prenotification-prelevement", invoices=numbers, date=day
            ),
        )
    if letter:
        result = {**result, "files": batch.files, "skipped": batch.skipped}
    if email:
        result = {**result, "emailed": batch.emailed, "not_emailed": batch.not_emailed}
    if json_out:
        common.emit_json(result)
        _letters_done(batch, _PRENOTIFICATION)
        return
    if not result["count"]:
        common.say(
            f"Nothing to collect: no unpaid {year} dues invoice outside a batch has a valid "
            "mandate; no file written."
        )
        return
    common.say(
        f"{result['file']}: {result['count']} debit(s), {format_eur(result['total'])}, "
        f"collected on {result['collection_date']} ({result['first']} first, "
        f"{result['recurring']} recurring): {', '.join(result['invoices'])}"
    )
    _print_letters(batch, one_file)
    _letters_done(batch, _PRENOTIFICATION)
