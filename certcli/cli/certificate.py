"""`certcli certificate`: granted certificates, their periods and withdrawal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from certcli.cli import common
from certcli.cli.common import (
    ActorOpt,
    AsOfOpt,
    DateOpt,
    FormatOpt,
    JsonOpt,
    LetterOpt,
    OutOpt,
    TemplatesOpt,
)
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["certificate"], no_args_is_help=True)

NumberArg = Annotated[str, typer.Argument(metavar="NUM", help="Certificate number.")]


@app.command("list")
def certificate_list(
    valid_on: Annotated[
        dt.date | None,
        typer.Option(
            "--valid-on",
            metavar="DATE",
            parser=common.date_param,
            help="Filter: only certificates valid on this day (a validity period covers it).",
        ),
    ] = None,
    scheme: Annotated[str | None, typer.Option("--scheme", help="Only this scheme.")] = None,
    candidate: Annotated[
        int | None, typer.Option("--candidate", help="Only this candidate.")
    ] = None,
    search: common.NameSearchOpt = None,
    as_of: Annotated[
        dt.date | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            parser=common.date_param,
            help="Not a filter: the day on which each listed certificate's status (valid, lapsed, "
            "withdrawn) is computed [default: today].",
        ),
    ] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List certificates with their status on --as-of; --valid-on filters them;
    --search finds a holder by name, whatever their directory consent ("is Thierry
    Maréchal certified?"). A page at a time (--limit, --page); --all streams every one.

    Example: certcli certificate list --valid-on 2027-01-01 --scheme ECO
    (or: certcli certificate list --search "thierry marechal")
    """
    from certcli.domain import certificates

    store, day = common.store(), common.day(as_of)
    common.refuse_merged(store, candidate)
    filters: dict[str, Any] = {
        "valid_on": valid_on,
        "scheme": scheme,
        "candidate_id": candidate,
        "search": search,
    }
    columns = ["number", "holder", "scheme", "status", "granted", "valid until", "mentions"]

    def cells(c):
        return [
            c.number,
            f"{c.candidate_id} {c.holder}",
            c.scheme,
            c.status,
            c.granted_on,
            c.valid_until or "no expiry",
            ", ".join(c.mentions),
        ]

    common.emit_listing(
        columns,
        cells,
        read_page=lambda **page_of: certificates.listing(store, as_of=day, **filters, **page_of),
        read_all=lambda: certificates.stream(store, as_of=day, **filters),
        as_json=lambda c: c.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("show")
def certificate_show(number: NumberArg, as_of: AsOfOpt = None, json_out: JsonOpt = False):
    """Show a certificate, its validity periods, any lapse between them, its
    suspensions and its history (status `suspended` while a suspension covers --as-of),
    and the verification code of its period on --as-of (staff only: the code printed
    on the attestation, which `certificate verify --code` checks).

    Example: certcli certificate show ECO-2026-0001 --as-of 2030-04-01
    """
    from certcli.domain import audit_trail, certificates, verification

    store = common.store()
    cert = certificates.get(store, number, as_of=common.day(as_of))
    code = verification.current_code(store, cert.number, as_of=common.day(as_of))
    if json_out:
        common.emit_json({**cert.to_dict(), "verification_code": code})
        return
    common.fields(
        [
            ("holder", f"{cert.candidate_id} {cert.holder}"),
            ("scheme", cert.scheme),
            ("status", f"{cert.status} (as of {cert.as_of})"),
            ("granted", cert.granted_on),
            ("valid until", cert.valid_until or "no expiry"),
            ("mentions", cert.mentions),
            (
                "withdrawn",
                f"{cert.withdrawn_on}: {cert.withdraw_reason}" if cert.withdrawn_on else None,
            ),
            ("verification code", code),
        ],
        title=f"Certificate {cert.number}",
    )
    common.table(
        ["start", "end"], [[p["start"], p["end"] or "-"] for p in cert.periods], title="Periods"
    )
    for gap in cert.lapses:
        common.say(f"  lapse: not valid from {gap['from']} to {gap['to']} ({gap['days']} days)")
    common.table(
        ["date", "by", "what"],
        [
            [
                e["date"],
                e["by"],
                audit_trail.describe(e["action"], e["details"], date=e["date"], by=e["by"]),
            ]
            for e in audit_trail.history(store, "certificate", cert.number)
        ],
        title="History",
    )


@app.command("verify")
def certificate_verify(
    number: NumberArg,
    code: Annotated[
        str | None,
        typer.Option(
            "--code",
            help="The verification code printed under the attestation's QR code "
            "(7K2QF-M9XRT; case, spaces and dashes ignored).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
):
    """What anyone may be told about a certificate number: valid, suspended, lapsed,
    withdrawn or unknown on --as-of, with its scheme and validity period, whatever
    the holder's directory consent, and nothing personal (no name, address or
    e-mail). --code: whether it is the code of this certificate (a wrong code says
    so). An unknown number is not an error: its status is `unknown`.

    Example: certcli certificate verify ECO-2026-0001 --code 7K2QF-M9XRT
    """
    from certcli.domain import verification

    found = verification.verify(common.store(), number, as_of=common.day(as_of), typed_code=code)
    if json_out:
        common.emit_json(found.to_dict())
        return
    words = {
        "valid": "valid",
        "suspended": "suspended",
        "lapsed": "lapsed (no longer valid)",
        "withdrawn": "withdrawn",
        "unknown": "unknown: no such certificate",
    }
    line = f"Certificate {found.number}: {words[found.status]}"
    if found.scheme:
        until = found.valid_until or "no expiry"
        line += f" ({found.scheme}, period {found.valid_from} to {until})"
    common.say(line + f", as of {common.day(as_of)}")
    if found.code_ok is not None:
        common.say(
            "Code: correct, issued by the body for this certificate."
            if found.code_ok
            else "Code: WRONG, it is not this certificate's code."
        )


ReasonOpt = Annotated[
    str, typer.Option("--reason", help="Why (required; goes to the audit trail).")
]


@app.command("edit")
def certificate_edit(
    number: NumberArg,
    payer: Annotated[
        str,
        typer.Option(
            "--payer",
            help="Who the dues are billed to from now on: candidate (the holder) or employer "
            "(the company the holder is linked to).",
        ),
    ],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Change who a certificate's dues are billed to (the next dues call follows;
    invoices already issued keep their buyer: `invoice reissue` changes one).

    Example: certcli certificate edit ECO-2026-0001 --payer employer
    """
    from certcli.domain import certificates

    store = common.store(actor=actor, date=date)
    cert = certificates.set_payer(store, number, payer, date=common.day(date))
    if json_out:
        common.emit_json(cert.to_dict())
    else:
        common.say(f"Certificate {cert.number}: dues billed to the {cert.payer}")


@app.command("suspend")
def certificate_suspend(
    number: NumberArg,
    reason: ReasonOpt,
    until: Annotated[
        dt.date | None,
        typer.Option(
            "--until",
            metavar="DATE",
            parser=common.date_param,
            help="Last day suspended [default: until `certificate reinstate`].",
        ),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Suspend a valid certificate from --date: while suspended it is not valid (left
    out of the directory, renewals due and the dues call) and `certificate show` says
    `suspended`; valid again the day after --until, or on `certificate reinstate`.

    Example: certcli certificate suspend ECO-2026-0001 --reason "dues unpaid" --until 2027-03-31
    """
    from certcli.domain import certificates

    store = common.store(actor=actor, date=date)
    cert = certificates.suspend(store, number, reason=reason, date=common.day(date), until=until)
    if json_out:
        common.emit_json(cert.to_dict())
        return
    last = cert.suspensions[-1]
    common.say(
        f"Certificate {cert.number} suspended from {last['from']} "
        + (f"until {last['until']}" if last["until"] else "until reinstated")
    )


@app.command("reinstate")
def certificate_reinstate(
    number: NumberArg,
    reason: ReasonOpt,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """End a certificate's suspension: valid again from --date (the suspension stays
    in its history).

    Example: certcli certificate reinstate ECO-2026-0001 --reason "dues paid"
    """
    from certcli.domain import certificates

    store = common.store(actor=actor, date=date)
    cert = certificates.reinstate(store, number, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json(cert.to_dict())
        return
    common.say(f"Certificate {cert.number} reinstated on {common.day(date)}: {cert.status}")


@app.command("withdraw")
def certificate_withdraw(
    number: NumberArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
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
    """Withdraw a certificate: it stops being valid on that day. --letter: the
    withdrawal letter to the holder (retrait-certificat), with the reason.

    Example: certcli certificate withdraw ECO-2026-0001 --reason "fausse déclaration" --letter
    """
    from certcli.domain import certificates
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        cert = certificates.withdraw(store, number, reason=reason, date=common.day(date))
        follow.render(
            store,
            follow_up.AFTER["certificate-withdraw"],
            certificate=cert.number,
            date=common.day(date),
        )
    if json_out:
        common.emit_json(follow.add_to(cert.to_dict()))
    else:
        common.say(f"Certificate {cert.number} withdrawn on {cert.withdrawn_on}")
    common.finish_letter(follow, json_out)


@app.command("export")
@common.export_options("csv", "xlsx")
def certificate_export(to: common.ExportTo, as_of: AsOfOpt = None):
    """Export every certificate (number, holder, scheme, status on --as-of, validity,
    mentions, withdrawal) as CSV or an xlsx workbook.

    Example: certcli certificate export --excel --out certificats.csv
    """
    from certcli.domain import certificates

    table = certificates.export_table(common.store(), as_of=common.day(as_of))
    to.table(table)
