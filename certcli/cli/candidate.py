"""`certcli candidate`: the register."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["candidate"], no_args_is_help=True)

Civility = Annotated[str | None, typer.Option("--civility", help="M., Mme or Mx.")]
First = Annotated[str | None, typer.Option("--first-name", help="First name.")]
Last = Annotated[str | None, typer.Option("--last-name", help="Last name.")]
Birth = Annotated[str | None, typer.Option("--birth-date", help="YYYY-MM-DD or DD/MM/YYYY.")]
Email = Annotated[str | None, typer.Option("--email", help="E-mail address (checked).")]
Phone = Annotated[
    str | None,
    typer.Option("--phone", help="Phone number (French numbers checked and stored as +33 ...)."),
]
Address = Annotated[str | None, typer.Option("--address", help="Street address.")]
Postcode = Annotated[str | None, typer.Option("--postcode", help="Five-digit postcode.")]
City = Annotated[str | None, typer.Option("--city", help="City.")]
Status = Annotated[str | None, typer.Option("--status", help="salarie or demandeur.")]
Specialty = Annotated[
    list[str] | None,
    typer.Option("--specialty", help="economie or programmation; repeat for both."),
]
Employer = Annotated[str | None, typer.Option("--employer", help="Employer's name.")]
EmployerId = Annotated[
    int | None,
    typer.Option(
        "--employer-id",
        min=0,
        help="Link to a company of the register (certcli company add); 0 unlinks. "
        "It is the buyer when the employer pays.",
    ),
]
Siret = Annotated[
    str | None, typer.Option("--siret", help="Employer's SIRET (14 digits, checked).")
]
Consent = Annotated[
    bool | None,
    typer.Option(
        "--directory-consent/--no-directory-consent",
        help="Whether the holder agrees to appear in the public directory.",
    ),
]
MemberSpace = Annotated[
    str | None,
    typer.Option(
        "--member-space-issued", metavar="DATE", help="Date the member-space identifiers were sent."
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Register even if it looks like a "
        "duplicate (same e-mail; or same birth date with the "
        "same or a close name, see `candidate duplicates`).",
    ),
]


def _values(**kw) -> dict:
    mapping = {"specialty": "specialties", "member_space": "member_space_issued_on"}
    values = {mapping.get(k, k): v for k, v in kw.items() if v is not None}
    if values.get("specialties") == []:
        values.pop("specialties")
    return values


def _print(
    candidate, json_out: bool, *, title: str | None = None, merged_from: list | None = None
) -> None:
    if json_out:
        data = candidate.to_dict()
        if merged_from is not None:
            data["merged_from"] = [m["id"] for m in merged_from]
        common.emit_json(data)
        return
    from certcli.domain.audit_trail import day

    c = candidate
    merged = (
        f"merged into {c.merged_into} on {day(c.merged_on)} by {c.merged_by}: {c.merge_reason}"
        if c.merged_into is not None
        else None
    )
    forgotten = (
        f"on {day(c.forgotten_on)} by {c.forgotten_by} (GDPR erasure): {c.forget_reason}"
        if c.forgotten_on
        else None
    )
    took_in = [f"{m['id']} (merged on {day(m['merged_on'])})" for m in merged_from or ()]
    common.fields(
        [
            ("id", c.id),
            *([("merged", merged)] if merged else []),
            *([("forgotten", forgotten)] if forgotten else []),
            *([("merged from", took_in)] if took_in else []),
            ("name", c.display_name),
            ("born", c.birth_date),
            ("e-mail", c.email),
            ("phone", c.phone),
            ("address", c.address),
            ("city", " ".join(x for x in (c.postcode, c.city) if x)),
            ("status", c.status),
            ("specialties", c.specialties),
            ("employer", c.employer),
            ("SIRET", c.siret),
            ("employer company", c.employer_id),
            ("directory consent", c.directory_consent),
            ("member space issued", c.member_space_issued_on),
            ("registered", c.created_on),
        ],
        title=title,
    )


@app.command("add")
def candidate_add(
    first_name: First = None,
    last_name: Last = None,
    civility: Civility = None,
    birth_date: Birth = None,
    email: Email = None,
    phone: Phone = None,
    address: Address = None,
    postcode: Postcode = None,
    city: City = None,
    status: Status = None,
    specialty: Specialty = None,
    employer: Employer = None,
    siret: Siret = None,
    employer_id: EmployerId = None,
    directory_consent: Consent = None,
    member_space: MemberSpace = None,
    force: Force = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Register a candidate; prints the new id.

    Example: certcli candidate add --first-name Léa --last-name Martin
    --email lea.martin@example.fr --status salarie --specialty economie
    """
    from certcli.domain import candidates

    values = _values(
        first_name=first_name,
        last_name=last_name,
        civility=civility,
        birth_date=birth_date,
        email=email,
        phone=phone,
        address=address,
        postcode=postcode,
        city=city,
        status=status,
        specialty=specialty,
        employer=employer,
        siret=siret,
        employer_id=employer_id,
        directory_consent=directory_consent,
        member_space=member_space,
    )
    store = common.store(actor=actor, date=date)
    candidate = candidates.add(store, values, date=common.day(date), force=force)
    if json_out:
        common.emit_json(candidate.to_dict())
    else:
        common.say(f"Registered candidate {candidate.id}: {candidate.display_name}")


@app.command("edit")
def candidate_edit(
    candidate_id: Annotated[int, typer.Argument(metavar="ID", help="Candidate id.")],
    first_name: First = None,
    last_name: Last = None,
    civility: Civility = None,
    birth_date: Birth = None,
    email: Email = None,
    phone: Phone = None,
    address: Address = None,
    postcode: Postcode = None,
    city: City = None,
    status: Status = None,
    specialty: Specialty = None,
    employer: Employer = None,
    siret: Siret = None,
    employer_id: EmployerId = None,
    directory_consent: Consent = None,
    member_space: MemberSpace = None,
    force: Force = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Change some fields of a candidate (an empty value clears an optional field;
    --specialty replaces the list).

    Example: certcli candidate edit 12 --phone "06 12 34 56 78" --member-space-issued 2026-11-25
    """
    from certcli.domain import candidates

    values = _values(
        first_name=first_name,
        last_name=last_name,
        civility=civility,
        birth_date=birth_date,
        email=email,
        phone=phone,
        address=address,
        postcode=postcode,
        city=city,
        status=status,
        specialty=specialty,
        employer=employer,
        siret=siret,
        employer_id=employer_id,
        directory_consent=directory_consent,
        member_space=member_space,
    )
    store = common.store(actor=actor, date=date)
    candidate = candidates.edit(store, candidate_id, values, date=common.day(date), force=force)
    _print(candidate, json_out, title=f"Updated candidate {candidate.id}")


@app.command("show")
def candidate_show(
    candidate_id: Annotated[int, typer.Argument(metavar="ID", help="Candidate id.")],
    json_out: JsonOpt = False,
):
    """Show one candidate. A duplicate merged into another (`candidate merge`) shows
    as a tombstone: "merged into 7 on 2 Dec 2026 by marie: REASON" (--json:
    "merged_into": 7); the candidate kept lists the ids merged into it
    ("merged_from").

    Example: certcli candidate show 12
    """
    from certcli.domain import candidates

    store = common.store()
    candidate = candidates.get(store, candidate_id, merged=True)
    merged_from = None if candidate.merged_into is not None else store.merged_into(candidate.id)
    _print(candidate, json_out, merged_from=merged_from)


@app.command("list")
def candidate_list(
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-s",
            help="Words to find in the name, e-mail, city or employer (accents and case ignored).",
        ),
    ] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    json_out: JsonOpt = False,
):
    """List candidates by name, a page at a time.

    Example: certcli candidate list --search "helene dupont"
    """
    from certcli.domain import candidates

    people, total = candidates.search(
        common.store(), search, limit=limit, offset=(page - 1) * limit
    )
    if json_out:
        common.emit_json([c.to_dict() for c in people])
        return
    common.table(
        ["id", "name", "e-mail", "city", "status", "employer"],
        [[c.id, c.display_name, c.email, c.city, c.status, c.employer] for c in people],
        caption=common.page_info(len(people), total, page, limit),
    )


@app.command("duplicates")
def candidate_duplicates(
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List pairs of candidates that look like one person, with the reason: the same
    e-mail, or born the same day with the same name (accents and case ignored), a
    close spelling (one letter off) or one name containing the other
    (Dupont / Dupont-Durand). A page at a time (--limit, --page); --all every pair.

    Example: certcli candidate duplicates --json
    """
    from certcli.domain import candidates

    store = common.store()
    pairs = candidates.likely_duplicates(store)
    names: dict[int, str] = {}

    def name(cid: int) -> str:  # the pairs shown only
        if cid not in names:
            names[cid] = candidates.get(store, cid).display_name
        return names[cid]

    common.emit_listing(
        ["ids", "names", "reason"],
        lambda p: [
            " / ".join(str(c) for c in p["candidates"]),
            " / ".join(name(c) for c in p["candidates"]),
            p["reason"],
        ],
        read_page=lambda limit, offset: (pairs[offset : offset + limit], len(pairs)),
        read_all=lambda: pairs,
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("merge")
def candidate_merge(
    keep: Annotated[int, typer.Argument(metavar="KEEP", help="Id of the candidate kept.")],
    drop: Annotated[
        int, typer.Argument(metavar="DROP", help="Id of the duplicate merged into KEEP.")
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required), e.g. registered twice.")
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Merge a person registered twice: every dossier, work period, certificate,
    invoice, letter and pending letter of DROP moves to KEEP (and an instructor's
    conflict of interest with DROP names KEEP), in one transaction. DROP stays as a
    tombstone pointing at KEEP: its id is never reused, `candidate show DROP` says
    "merged into KEEP", any other command naming it is refused, and the lists,
    search, duplicates and exports leave it out. KEEP's details stand; the fields
    where DROP said something else are printed (edit KEEP if DROP's were right) and
    kept in the audit trail. Refused when both hold an open initial dossier of the
    same scheme (withdraw one first), when either is unknown or already merged.

    Example: certcli candidate merge 7 12 --reason "registered twice (e-mail typo)"
    """
    from certcli.domain import candidate_merge

    store = common.store(actor=actor, date=date)
    done = candidate_merge.merge(store, keep, drop, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json(done.to_dict())
        return
    moved = ", ".join(
        f"{len(items)} {name}"
        for name, items in (
            ("dossier(s)", done.moved["dossiers"]),
            ("work period(s)", done.moved["experiences"]),
            ("certificate(s)", done.moved["certificates"]),
            ("invoice(s)", done.moved["invoices"]),
            ("letter(s)", done.moved["letters"]),
            ("pending letter(s)", done.moved["pending_letters"]),
            ("e-mail(s)", done.moved["emails"]),
            ("credentials sending(s)", done.moved["credentials"]),
            ("instructor conflict(s)", done.moved["instructor_conflicts"]),
        )
        if items
    )
    common.say(
        f"Merged candidate {drop} into {keep} ({done.kept.display_name}): "
        + (f"moved {moved}." if moved else "nothing to move.")
    )
    if done.moved["dossiers"]:
        common.say(f"  dossiers: {', '.join(done.moved['dossiers'])}")
    if done.moved["certificates"]:
        common.say(f"  certificates: {', '.join(done.moved['certificates'])}")
    if done.moved["invoices"]:
        common.say(f"  invoices: {', '.join(done.moved['invoices'])}")
    if done.differences:
        common.say(f"Kept candidate {keep}'s details; candidate {drop} had:")
        for key, both in done.differences.items():
            dropped = both["dropped"]
            shown = ", ".join(dropped) if isinstance(dropped, list) else dropped
            common.say(f"  {key.replace('_', ' ')}: {shown}")
        common.say(f"(`certcli candidate edit {keep}` if those were right)")
    for warning in done.warnings:
        common.warn(f"Warning: {warning}")


@app.command("import")
def candidate_import(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV file with a header line (columns named "
            "like the options: first_name, last_name, email...)."
        ),
    ],
    encoding: Annotated[
        str,
        typer.Option(
            "--encoding", help="Text encoding of the file, e.g. cp1252 for an old Excel export."
        ),
    ] = "utf-8",
    force: Force = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row, write nothing.")
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Import candidates from CSV: good rows go in (one transaction), rejected rows
    are listed with their reason. Exits 1 when every row was rejected (and writes
    nothing, not even the import's audit line).

    Example: certcli candidate import inscrits.csv --encoding cp1252
    """
    from certcli.domain.candidate_io import import_csv_checked

    store = common.store(actor=actor, date=date)
    result = import_csv_checked(
        store, path, date=common.day(date), encoding=encoding, force=force, dry_run=dry_run
    )
    if json_out:
        common.emit_json(result.to_dict())
    else:
        verb = "would be imported (dry run)" if dry_run else "imported"
        good = result.total - len(result.rejected)
        common.say(f"{good} of {result.total} rows {verb}; {len(result.rejected)} rejected.")
        if result.rejected:
            common.table(
                ["line", "name", "reason"],
                [[r["line"], r["name"], r["reason"]] for r in result.rejected],
                title="Rejected rows",
            )
    if result.all_rejected:
        from certcli.errors import ValidationError

        raise ValidationError(
            f"every row of {path.name} was rejected "
            f"({result.total} of {result.total}): nothing imported"
        )


@app.command("export")
@common.export_options("csv", "xlsx", "json")
def candidate_export(to: common.ExportTo):
    """Export the whole register as CSV (UTF-8, importable again), an xlsx workbook
    or JSON. Cells a spreadsheet would run as a formula (=, +, -, @) get a leading '
    (phone numbers too); `candidate import` takes it off again.

    Example: certcli candidate export --excel --out register.csv
    (or: certcli candidate export --format xlsx --out register.xlsx)
    """
    from certcli.domain.candidate_io import export

    to.write(export(common.store(), to.format, excel=to.excel))


@app.command("send-credentials")
def candidate_send_credentials(
    candidate_id: Annotated[int, typer.Argument(metavar="ID", help="Candidate id.")],
    login: Annotated[
        str | None,
        typer.Option("--login", help="The member-space login [default: the candidate's e-mail]."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the initial password from standard input (one line) and put it in "
            "the message; it is never stored.",
        ),
    ] = False,
    url: Annotated[
        str | None, typer.Option("--url", help="The member space's address, named in the message.")
    ] = None,
    templates: common.TemplatesOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write the message as an .eml file in --out.")
    ] = False,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder for the .eml of --dry-run.")
    ] = Path("letters"),
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """E-mail the candidate their member-space identifiers (the seed's step 5: "Vos
    identifiants vous sont envoyés par email") and record the day it was sent; the
    identifiers themselves are never stored (not even in the outbox, so a message
    the server did not take is marked failed: send it again). `letters log
    --candidate ID` shows when.

    Example: certcli candidate send-credentials 12 --url https://espace.example.org
    """
    import sys

    from certcli.errors import CertcliError
    from certcli.letters import mail

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    sent = mail.send_credentials(
        common.store(actor=actor, date=date),
        candidate_id,
        date=common.day(date),
        login=login,
        password=password,
        url=url,
        templates_dir=templates,
        dry_run_dir=out if dry_run else None,
    )
    if json_out:
        common.emit_json(sent)
    elif sent["file"]:
        common.say(f"Wrote {sent['file']} (not sent)")
    elif sent["status"] == "sent":
        common.say(f"Identifiers e-mailed to {sent['to']} on {sent['date']}: {sent['message_id']}")
    if sent["status"] == "failed":
        raise CertcliError(f"the identifiers were not e-mailed: {sent['error']}")


@app.command("export-person")
def candidate_export_person(
    candidate_id: Annotated[int, typer.Argument(metavar="ID", help="Candidate id.")],
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="New or empty folder for the files."),
    ],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Everything held on one person (GDPR right of access): their record and merged
    duplicates, work periods, dossiers with their timeline, pieces, requests,
    interviews, appeals and payments, certificates with their periods, invoices and
    credit notes, letters (their files copied into DIR/letters/), e-mails and the
    audit entries about them, as DIR/person.json. DIR must be new or empty. The
    export itself is recorded in the audit trail (how many files, not their content).

    Example: certcli candidate export-person 12 --out acces-12
    """
    from certcli.domain import privacy

    store = common.store(actor=actor, date=date)
    done = privacy.export_person(store, candidate_id, out, date=common.day(date))
    if json_out:
        common.emit_json(done)
        return
    rows = sum(n for n in done["counts"].values())
    common.say(
        f"Exported candidate {candidate_id}: {rows} record(s) in {out / 'person.json'}, "
        f"{len(done['files']) - 1} letter file(s) in {out / 'letters'}."
    )
    for path in done["missing_letters"]:
        common.warn(f"Warning: letter file missing: {path}")


@app.command("forget")
def candidate_forget(
    candidate_id: Annotated[int, typer.Argument(metavar="ID", help="Candidate id.")],
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why (required), e.g. the person's request of 2026-11-20."),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Forget a person (GDPR right to erasure): their name, address, e-mail, phone,
    birth date, employer and every free text about them (reports, reasons, notes,
    opinions, the audit trail's details) become the pseudonym "Personne effacée ID"
    or "[effacé]", everywhere, in one transaction; their letter files are removed.
    Kept, as the law requires for 10 years: the issued invoices and credit notes with
    the buyer name and address frozen on them, their numbers, amounts and dates. The
    rows, dates, statuses and certificate numbers stay (statistics still add up).
    The erasure is recorded in the audit trail (date, reason); the database file is
    then compacted so the erased text is in no page of it, its WAL or a later backup.
    Refused while a dossier of theirs is in progress or a certificate of theirs is
    valid or suspended (withdraw it first), and for a person already forgotten.

    Example: certcli candidate forget 12 --reason "demande de l'intéressée du 20/11/2026"
    """
    from certcli.domain import privacy

    store = common.store(actor=actor, date=date)
    done = privacy.forget(store, candidate_id, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json(done.to_dict())
        return
    _say_erasure(done)


def _say_erasure(done) -> None:
    changed = sum(done.changed.values())
    common.say(
        f"Forgot candidate {done.candidate_id}: now {done.pseudonym!r}; {changed} row(s) "
        f"pseudonymised, {len(done.letter_files)} letter file(s) removed."
    )
    if done.kept_invoices:
        common.say(f"  kept (10 years, with their buyer): {', '.join(done.kept_invoices)}")
    for warning in done.warnings:
        common.warn(f"Warning: {warning}")
