"""Top-level verbs: init, info, demo, stats, log, backup, check, documents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, AsOfOpt, DateOpt, JsonOpt


def init(json_out: JsonOpt = False):
    """Create the database (idempotent: a second run changes nothing and says so),
    and the office's verification key (the secret behind the codes printed on
    attestations) beside an SQLite file, `office.db.key`, or in the per-user data
    folder for PostgreSQL ($CERTCLI_KEY_FILE chooses another place); never in the
    database. An office created before the key existed gets it on its next init.

    Example: certcli --db office.db init
    """
    from certcli.domain import verification

    store = common.store(create=True)
    key, key_created = verification.ensure_key(store)
    data = {
        "db": str(store.path),
        "created": store.created,
        "schema_version": store.schema_version,
        "key_file": str(key),
        "key_created": key_created,
    }
    if json_out:
        common.emit_json(data)
        return
    if store.created:
        common.say(f"Created {store.path} (schema version {store.schema_version}).")
    else:
        common.say(
            f"{store.path} is already initialised (schema version "
            f"{store.schema_version}); nothing changed."
        )
    if key_created:
        common.say(f"Created the verification key {key} (keep it: back it up apart).")


def info(json_out: JsonOpt = False):
    """Show the database path, schema version and row counts (`certcli check` tells
    whether the file is whole).

    Example: certcli info --json
    """
    from certcli.rules import schemes

    store = common.store()
    bodies = {s.body.code: s.body for s in schemes.catalog().values()}
    data = {
        "db": str(store.path),
        "server": store.dialect.server(store.conn),
        "schema_version": store.schema_version,
        "counts": store.counts(),
        "bodies": [b.to_dict() for b in bodies.values()],
    }
    if json_out:
        common.emit_json(data)
        return
    from certcli.rules.paths import data_dir

    common.fields(
        [
            ("database", data["db"]),
            ("server", data["server"]),
            ("schema version", data["schema_version"]),
            ("scheme catalog", str(data_dir())),
            (
                "bodies",
                [
                    f"{b.code}: {b.legal.name}, {b.legal.form}, SIRET {b.legal.siret}, "
                    f"VAT {b.vat.regime}"
                    for b in bodies.values()
                ],
            ),
        ]
    )
    common.table(["table", "rows"], [[t, n] for t, n in data["counts"].items()])


def demo(
    size: Annotated[
        int,
        typer.Option(
            "--size",
            min=0,
            max=1_000_000,
            help="Add N synthetic candidates (two dossiers each) for benchmarks, at most 1000000.",
        ),
    ] = 0,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Add the fictional office even if the database already holds records."
        ),
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Fill a database with a realistic fictional office (both schemes, all stages).

    Refuses to mix fictional data into a database that already holds records,
    unless --force. Example: certcli --db demo.db demo
    """
    from certcli import demo as demo_data
    from certcli.domain import verification

    store = common.store(create=True, actor=actor or "demo", date=date, future=True)
    verification.ensure_key(store)  # before the letters the demo prints
    summary = demo_data.build(store, today=common.day(date), size=size, force=force)
    if json_out:
        common.emit_json(summary)
        return
    common.say(f"Demo office written to {store.path} (today is {summary['date']})")
    common.table(
        ["table", "rows"], [[k, v] for k, v in summary["counts"].items()], title="Fictional office"
    )
    common.table(
        ["status", "dossiers"],
        [[k, v] for k, v in summary["dossiers_by_status"].items()],
        title="Dossiers per status",
    )
    common.say("Try:")
    for item in summary["try"]:
        common.say(f"  {item['command']}\n      {item['shows']}")


def stats(as_of: AsOfOpt = None, json_out: JsonOpt = False):
    """The pipeline at a glance: dossiers per stage and scheme, delays from opening to
    instruction and to decision (last 12 months), overdue requests, the next sessions,
    renewals due within 9 months, unpaid invoices, and the year's income: expected
    (invoiced since 1 January), received, pending collection (in a direct debit not yet
    collected) and the bank entries left unmatched. Statuses are today's.

    Example: certcli stats --as-of 2026-06-15
    """
    from certcli.domain import stats as pipeline
    from certcli.rules.money import format_eur

    data = pipeline.overview(common.store(), as_of=common.day(as_of))
    if json_out:
        common.emit_json(data)
        return
    schemes = sorted(data["dossiers"])
    statuses = sorted({s for per in data["dossiers"].values() for s in per})
    common.table(
        ["status", *schemes, "total"],
        [
            [
                s,
                *(data["dossiers"][c].get(s, "") for c in schemes),
                sum(per.get(s, 0) for per in data["dossiers"].values()),
            ]
            for s in statuses
        ],
        title=f"Dossiers (as of {data['as_of']})",
    )
    window = data["delays"]
    common.table(
        ["from opening to", "dossiers", "median days", "max days"],
        [
            [
                label,
                d["count"],
                "-" if d["median_days"] is None else d["median_days"],
                "-" if d["max_days"] is None else d["max_days"],
            ]
            for label, d in (
                ("instruction", window["to_instruction"]),
                ("decision", window["to_decision"]),
            )
        ],
        title=f"Delays, {window['from']} to {window['to']}",
    )
    common.table(
        ["session", "date", "kind", "on agenda", "capacity"],
        [
            [s["id"], s["date"], s["kind"], s["on_agenda"], s["capacity"] or "-"]
            for s in data["next_sessions"]
        ],
        title="Next sessions",
    )
    overdue, due, unpaid = data["overdue_requests"], data["renewals"], data["unpaid_invoices"]
    common.fields(
        [
            ("overdue requests", ", ".join(d["ref"] for d in overdue["dossiers"]) or "none"),
            (
                "interviews to record",
                ", ".join(
                    f"{d['ref']} ({d['due']})" for d in data["overdue_interviews"]["interviews"]
                )
                or "none",
            ),
            (
                f"renewals due ({due['months']} months)",
                f"{due['due']}, {due['not_reminded']} not reminded yet",
            ),
            ("unpaid invoices", f"{unpaid.count}, {format_eur(unpaid.total)}"),
        ]
    )
    income = data["income"]
    unmatched = income["unmatched_entries"]
    common.table(
        ["income", "amount"],
        [
            ["expected (invoiced)", format_eur(income["expected"])],
            ["received", format_eur(income["received"])],
            ["pending collection (direct debit)", format_eur(income["pending_collection"])],
            [f"unmatched bank entries ({unmatched['count']})", format_eur(unmatched["total"])],
        ],
        title=f"Income {income['year']} (invoices issued by {data['as_of']})",
    )


def log(
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity",
            help="Kind of record: candidate, "
            "dossier, certificate, invoice, session, "
            "instructor, evaluator, letter...",
        ),
    ] = None,
    record: Annotated[
        str | None, typer.Option("--record", help="Id or reference of the record (with --entity).")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Action prefix, e.g. dossier. or candidate.add")
    ] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    json_out: JsonOpt = False,
):
    """Show the audit trail, newest first: when, who, what, on which record, each entry
    told in a sentence (--json gives the details as recorded). A correction (a cancel,
    a move, a merge, a suspension...) is listed right above the entry it corrects and
    says what it corrects, when, by whom and why; --entity with --record gives the
    whole history of one record.

    Example: certcli log --entity dossier --record 2026-0001
    """
    from certcli.domain import audit_trail

    data, total = audit_trail.page(
        common.store(), entity=entity, record=record, action=action, page=page, limit=limit
    )
    if json_out:
        common.emit_json(data)
        return
    common.table(
        ["#", "date", "by", "action", "record", "details"],
        [
            [
                d["id"],
                d["date"],
                d["by"],
                d["action"],
                f"{d['entity']} {d['record'] or ''}".strip(),
                audit_trail.describe(d["action"], d["details"], date=d["date"], by=d["by"]),
            ]
            for d in audit_trail.arrange(
                data,
                lambda d: d["action"],
                lambda d: d["details"],
                newest_first=True,
                record_of=lambda d: (d["entity"], d["record"]),
            )
        ],
        caption=common.page_info(len(data), total, page, limit),
    )


def backup(
    dest: Annotated[Path, typer.Argument(help="File to write the copy to.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite DEST.")] = False,
    json_out: JsonOpt = False,
):
    """Write a consistent copy of the database (SQLite's online backup).

    Safe while others use certcli. Example: certcli backup /mnt/usb/certcli-2026-11-25.db
    """
    store = common.store()
    store.backup(dest, force=force)
    data = {"db": str(store.path), "backup": str(dest), "bytes": dest.stat().st_size}
    if json_out:
        common.emit_json(data)
    else:
        common.say(f"Backed up {store.path} to {dest} ({data['bytes']} bytes).")


def check(json_out: JsonOpt = False):
    """Check the database: SQLite's integrity and foreign keys, the invoice and
    credit-note numbering (per year: 1..N with no gap, the counter at N, dates in
    number order), the letter log (each recorded letter's file exists, no period
    reminded twice) and the tamper-evident journal's hash chain (as `audit verify`).
    Says what is wrong and exits 1 when anything is.

    Example: certcli check --json
    """
    from certcli.domain import integrity
    from certcli.errors import CertcliError, DatabaseError

    try:
        store = common.store()
    except DatabaseError as exc:
        if "damaged" not in str(exc):
            raise
        results, path = integrity.unopenable(exc), str(common.db_path())
    else:
        results, path = integrity.run(store), str(store.path)
    found = sum(len(r.problems) for r in results)
    if json_out:
        common.emit_json({"db": path, "ok": not found, "checks": [r.to_dict() for r in results]})
    else:
        width = max(len(r.check) for r in results)
        for result in results:
            state = "ok" if result.ok else f"{len(result.problems)} problem(s)"
            common.say(f"{result.check.replace('_', ' ').ljust(width)}  {state}")
            for problem in result.problems:
                common.say(f"  - {problem}")
    if found:
        damaged = not results[0].ok
        raise CertcliError(
            f"{found} problem(s) found in {path}"
            + ("" if json_out else ": see above")
            + ("; the file is damaged: restore the latest backup" if damaged else "")
        )


def documents(
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="Folder to write them in (created if missing)."),
    ],
    templates: common.TemplatesOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the files already in DIR.")
    ] = False,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="The day the documents say they are in force [default: today].",
        ),
    ] = None,
    json_out: JsonOpt = False,
):
    """Write the documents the body's web site offers for download, as A4 PDFs made
    from the scheme and body files: each body's fee grid (BODY_grille-tarifaire.pdf)
    and each scheme's blank request forms (SCHEME_demande_initiale.pdf,
    _renouvellement, _extension) listing the pieces each dossier kind needs. Needs no
    database.

    Example: certcli documents --out site/documents
    """
    from certcli.letters import documents as docs

    written = docs.write(out, date=common.day(date), templates_dir=templates, force=force)
    if json_out:
        common.emit_json({"files": [str(p) for p in written]})
        return
    for path in written:
        common.say(str(path))


def register(app: typer.Typer) -> None:
    for func in (init, info, demo, stats, log, backup, check, documents):
        app.command(name=func.__name__)(func)
