"""The corrections of `certcli dossier`'s reception: a piece recorded by mistake
taken back (unreceive), the instruction fee paid back (refund). Registered on the
dossier sub-app by `certcli.cli.dossier`."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt

RefArg = Annotated[str, typer.Argument(metavar="REF", help="Dossier reference, e.g. 2026-0001.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (required, kept in the history).")]


def dossier_unreceive(
    ref: RefArg,
    piece: Annotated[
        str,
        typer.Argument(
            metavar="PIECE",
            help="The piece code recorded by mistake; CODE:N takes back N copies.",
        ),
    ],
    reason: ReasonOpt,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Take back a piece recorded by mistake (the latest copy received). Nothing is
    deleted: the piece is marked unreceived, with the day and the reason, and the
    history shows both. The completeness check follows: a dossier already checked
    that is no longer complete goes back to 'incomplete' (check it again once the
    piece is in). Refused for a piece the dossier does not hold, and once the report
    is in.

    Example: certcli dossier unreceive 2026-0001 technique --reason "saisi deux fois"
    """
    from certcli.domain import reception

    store = common.store(actor=actor, date=date)
    done = reception.unreceive(store, ref, piece, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json(done.to_dict())
        return
    common.say(f"Unreceived for {done.ref}: {', '.join(done.unreceived)} ({done.reason}).")
    if done.sent_back:
        common.say(
            f"Dossier {done.ref} is incomplete again (was {done.previous_status}): "
            f"missing {', '.join(m.code for m in done.completeness.missing)}."
        )
    elif not done.completeness.complete:
        common.say(f"Missing: {', '.join(m.code for m in done.completeness.missing)}.")


def dossier_refund(
    ref: RefArg,
    amount: Annotated[str, typer.Option("--amount", help="Amount paid back, e.g. 480.00.")],
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
    """Record the instruction fee (or part of it) paid back to the candidate. Nothing
    paid is rewritten: the refund is a new, negative payment with its reason, and the
    fee paid is what was kept. More than was paid is refused. A dossier already
    checked whose fee is no longer paid in full goes back to 'incomplete'.

    Example: certcli dossier refund 2026-0001 --amount 480.00 --method virement
    --reason "chèque saisi deux fois"
    """
    from certcli.domain import reception
    from certcli.rules.money import format_eur

    store = common.store(actor=actor, date=date)
    done = reception.refund(
        store,
        ref,
        amount=amount,
        method=method,
        reason=reason,
        reference=reference,
        date=common.day(date),
    )
    if json_out:
        common.emit_json(done.to_dict())
        return
    fee = done.completeness
    common.say(
        f"Refunded {format_eur(done.amount)} by {done.method} for {done.ref} ({done.reason}): "
        f"{format_eur(fee.fee_paid)} paid of {format_eur(fee.fee_due)}."
    )
    if done.sent_back:
        common.say(
            f"Dossier {done.ref} is incomplete again (was {done.previous_status}): "
            f"missing {', '.join(m.code for m in fee.missing)}."
        )


def register(app: typer.Typer) -> None:
    app.command("unreceive")(dossier_unreceive)
    app.command("refund")(dossier_refund)
