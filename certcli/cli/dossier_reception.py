"""The reception verbs of `certcli dossier`: receive (pieces in), pay (the
instruction fee) and check (complete or not). Registered on the dossier sub-app
by `certcli.cli.dossier`, before the instruction verbs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import (
    ActorOpt,
    DateOpt,
    FormatOpt,
    JsonOpt,
    LetterOpt,
    OutOpt,
    TemplatesOpt,
)


def dossier_receive(
    ref: common.DossierRefArg,
    pieces: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PIECE...",
            help="Piece codes of the scheme (see `certcli scheme show`); "
            "repeat a code or write CODE:N for several copies, e.g. technique:2.",
        ),
    ] = None,
    partial: Annotated[
        bool,
        typer.Option("--partial", help="Waiting dossier: record pieces but keep the request open."),
    ] = False,
    letter: LetterOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record pieces received by post. For a dossier waiting for complementary
    elements, this also closes the open request(s) and returns it to instruction
    (no piece code needed then; --partial keeps it waiting). --letter: the
    acknowledgement of receipt (accuse-reception).

    Example: certcli dossier receive 2026-0001 administratif contrats technique:2 --letter
    """
    from certcli.domain import reception
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        result = reception.receive(store, ref, pieces or [], partial=partial, date=common.day(date))
        follow.render(store, follow_up.AFTER["receive"], dossier=result.ref, date=common.day(date))
    if json_out:
        common.emit_json(follow.add_to(result.to_dict()))
    else:
        if result.received:
            common.say(f"Received for {result.ref}: {', '.join(result.received)}.")
        if result.requests_satisfied:
            common.say(
                f"Complementary elements received: request(s) closed, status {result.status}."
            )
        _print_missing(result.completeness)
    common.finish_letter(follow, json_out)


def _print_missing(state) -> None:
    if state.complete:
        common.say("Every piece and the fee are in.")
        return
    common.say("Missing:")
    for item in state.missing:
        counted = f" ({item.received} of {item.needed} received)" if item.needed > 1 else ""
        common.say(f"  - {item.label}{counted}")


def dossier_pay(
    ref: common.DossierRefArg,
    amount: Annotated[str, typer.Option("--amount", help="Amount received, e.g. 480.00.")],
    method: Annotated[
        str, typer.Option("--method", help="cheque, virement or prelevement (a SEPA direct debit).")
    ],
    reference: Annotated[
        str | None, typer.Option("--reference", help="Cheque number or transfer reference.")
    ] = None,
    letter: LetterOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the instruction fee (or part of it); more than the balance is refused.
    Where the scheme invoices the fee (its file's fee_invoice, ECO and PROG as shipped),
    the first payment issues the fee's invoice F-... to the dossier's payer (refused
    while a candidate payer has no postal address) and every payment counts on it.
    --letter: the receipt (recu-paiement): amount, date, method, reference, the invoice
    it settles and what remains due.

    Example: certcli dossier pay 2026-0001 --amount 480.00 --method cheque --reference 1234567
    """
    from certcli.domain import reception
    from certcli.letters import follow_up
    from certcli.rules.money import format_eur

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        paid = reception.pay(
            store, ref, amount=amount, method=method, reference=reference, date=common.day(date)
        )
        follow.render(store, follow_up.AFTER["pay"], dossier=paid.ref, date=common.day(date))
    if json_out:
        common.emit_json(follow.add_to(paid.to_dict()))
    else:
        invoice = f"; invoice {paid.invoice} ({paid.invoice_status})" if paid.invoice else ""
        common.say(
            f"Recorded {format_eur(paid.amount)} by {paid.method} for {paid.ref}: "
            f"{format_eur(paid.fee_paid)} paid of {format_eur(paid.fee_due)}, "
            f"balance {format_eur(paid.balance)}{invoice}."
        )
    common.finish_letter(follow, json_out)


def dossier_check(
    ref: common.DossierRefArg,
    override: Annotated[
        str | None,
        typer.Option(
            "--override",
            metavar="REASON",
            help="Send a complete dossier to instruction although its candidate is not "
            "eligible; the reason and the failed rules go to the audit trail.",
        ),
    ] = None,
    letter: LetterOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Check that every piece and the fee are in, and record the check: a complete
    OPQTECC dossier goes to instruction, a complete CQPT dossier awaits
    admissibility, otherwise the dossier is incomplete. A complete OPQTECC initial
    dossier (or extension into another scheme) also needs an eligible candidate on
    --date (status, specialty, experience: the `eligibility check` verdict);
    otherwise the check is refused with the failed rules, unless --override gives
    the reason to accept it. --letter: the list of what is missing
    (dossier-incomplet), or the acknowledgement (accuse-reception) when the dossier
    is complete.

    Example: certcli dossier check 2026-0001 --date 2026-06-15 --letter --format html

    Example: certcli dossier check 2026-0001 --override "years abroad attested by the
    employer" --date 2026-06-15
    """
    from certcli.domain import reception
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        checked = reception.check(store, ref, override=override, date=common.day(date))
        follow.render(
            store,
            follow_up.after_check(checked.result.complete),
            dossier=checked.result.ref,
            date=common.day(date),
        )
    if json_out:
        common.emit_json(follow.add_to(checked.to_dict()))
    else:
        verdict = "complete" if checked.result.complete else "incomplete"
        common.say(f"Dossier {checked.result.ref} is {verdict}: status {checked.status}.")
        if not checked.result.complete:
            _print_missing(checked.result)
        if checked.override and checked.verdict is not None:
            common.say(
                f"Accepted by override ({checked.override}) although not eligible: "
                f"{'; '.join(checked.verdict.failures)}."
            )
    common.finish_letter(follow, json_out)


COMMANDS: list[tuple[str, Callable[..., None]]] = [
    ("receive", dossier_receive),
    ("pay", dossier_pay),
    ("check", dossier_check),
]


def register(app: typer.Typer) -> None:
    for name, func in COMMANDS:
        app.command(name)(func)
