"""`certcli letters`: the templates, rendering one letter, and the letter log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, FormatOpt, JsonOpt, OutOpt, TemplatesOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["letters"], no_args_is_help=True)

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Render the file but log nothing.")]


@app.command("list")
def letters_list(templates: TemplatesOpt = None, json_out: JsonOpt = False):
    """List every letter template (built-in and overriding) and the record it needs.

    Example: certcli letters list --templates ./mes-modeles
    """
    from certcli.letters import catalog

    found = [info.to_dict() for info in catalog.catalog(templates).values()]
    if json_out:
        common.emit_json(found)
        return
    common.table(
        ["name", "needs", "source", "description"],
        [
            [t["name"], f"--{t['needs']}" if t["needs"] else "any", t["source"], t["description"]]
            for t in found
        ],
    )


@app.command("render")
def letters_render(
    template: Annotated[
        str | None,
        typer.Argument(
            metavar="[TEMPLATE]",
            help="Template name, e.g. accuse-reception (see `letters list`); none with --pending.",
            show_default=False,
        ),
    ] = None,
    dossier: Annotated[
        str | None,
        typer.Option("--dossier", metavar="REF", help="The dossier the letter is about."),
    ] = None,
    certificate: Annotated[
        str | None,
        typer.Option(
            "--certificate", metavar="NUMBER", help="The certificate the letter is about."
        ),
    ] = None,
    candidate: Annotated[
        int | None,
        typer.Option("--candidate", metavar="ID", help="The candidate the letter goes to."),
    ] = None,
    invoice: Annotated[
        str | None, typer.Option("--invoice", metavar="NUMBER", help="The invoice or credit note.")
    ] = None,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    dry_run: DryRunOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    pending: Annotated[
        bool,
        typer.Option(
            "--pending",
            help="Render the pending letters instead (see `letters pending`), "
            "each once, with the options recorded when they were asked for.",
        ),
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Render one letter to a file, log it, and print its path. A rappel-renouvellement
    (without --dry-run) is recorded as the period's reminder, as `renewals remind` does,
    and refused if that period was already reminded. No letter renders for a candidate
    without address, postcode and city. Letters left pending by an earlier run are
    rendered first; --pending renders only them. --email also e-mails it (a letter
    a step rendered for a candidate who had no e-mail address yet, say); with
    --dry-run the message is written as an .eml file beside the letter.

    Example: certcli letters render dossier-incomplet --dossier 2026-0001 --out courrier/

    Example: certcli letters render --pending
    """
    from certcli.errors import CertcliError, ValidationError
    from certcli.letters import log, send

    common.exactly_one({"TEMPLATE": bool(template), "--pending": pending})
    store = common.store(actor=actor, date=date)
    if pending:
        if dossier or certificate or candidate is not None or invoice or dry_run:
            raise ValidationError(
                "--pending renders the pending letters as they were asked "
                "for: give no template, record or --dry-run with it"
            )
        outcomes = log.complete_pending(store)
        failed = [o for o in outcomes if o.error]
        if json_out:
            common.emit_json([o.to_dict() for o in outcomes])
        else:
            for o in outcomes:
                if not o.error:
                    common.say(str(o.path))
            if not failed:
                common.warn(f"{len(outcomes)} pending letter(s) rendered")
        if failed:
            raise CertcliError(
                "; ".join(
                    f"pending letter {o.id} {o.template} ({o.record} "
                    f"{o.ref}) not rendered: {o.error}"
                    for o in failed
                )
            )
        return
    common.exactly_one(
        {
            "--dossier": dossier is not None,
            "--certificate": certificate is not None,
            "--candidate": candidate is not None,
            "--invoice": invoice is not None,
        }
    )
    if not dry_run:
        common.complete_pending(store)
    done = send.render_and_log(
        store,
        str(template),  # given: exactly_one above
        dossier=dossier,
        certificate=certificate,
        candidate=candidate,
        invoice=invoice,
        fmt=fmt,
        out_dir=out,
        templates_dir=templates,
        date=common.day(date),
        dry_run=dry_run,
        email=email,
        post=post,
    )
    if json_out:
        common.emit_json(done.to_dict())
    else:
        common.say(str(done.path))
        if dry_run:
            common.warn("dry run: the letter was not logged")
        if done.ids.get("eml"):
            common.say(done.ids["eml"])
    sent = done.ids.get("email")
    if sent and sent["status"] == "sent" and not json_out:
        common.say(f"E-mailed to {sent['to']}: {sent['message_id']}")
    elif sent and sent["status"] != "sent":
        raise CertcliError(
            f"the letter is logged but its e-mail is {sent['status']}: {sent['error']}"
            + ("; `certcli mail flush` sends it" if sent["status"] == "queued" else "")
        )


@app.command("pending")
def letters_pending(
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """The letters asked for and not rendered yet: a step recorded (a decision, a
    reminder) whose run stopped before its letter was written. `letters render
    --pending` renders them, as does the next command that renders letters. A page
    at a time (--limit, --page); --all streams every one.

    Example: certcli letters pending
    """
    from certcli.letters import log

    store = common.store()
    common.emit_listing(
        ["id", "template", "record", "ref", "date", "format", "out", "asked by"],
        lambda r: [
            r["id"],
            r["template"],
            r["record"],
            r["ref"],
            r["date"],
            r["format"],
            r["out"],
            r["asked_by"],
        ],
        read_page=lambda **page_of: (log.pending(store, **page_of), log.pending_count(store)),
        read_all=lambda: log.pending_stream(store),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
        hint="render them with `certcli letters render --pending`",
    )


@app.command("log")
def letters_log(
    candidate: Annotated[
        int | None,
        typer.Option("--candidate", metavar="ID", help="Only letters to this candidate."),
    ] = None,
    dossier: Annotated[
        str | None,
        typer.Option("--dossier", metavar="REF", help="Only letters about this dossier."),
    ] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """The letters rendered for real: which, to whom, about what, when, where, by whom,
    and how each went: posted, or e-mailed (queued, sent with its date and
    Message-ID, or failed and why), one line per channel. A page at a time (--limit,
    --page); --all streams every line.

    Example: certcli letters log --candidate 12
    """
    from certcli.letters import log

    store = common.store()
    common.refuse_merged(store, candidate)
    common.emit_listing(
        [
            "id",
            "date",
            "template",
            "candidate",
            "dossier",
            "certificate",
            "invoice",
            "notified",
            "by",
            "how",
            "path",
        ],
        lambda r: [
            r["id"],
            r["date"],
            r["template"],
            r["candidate_id"],
            r["dossier"],
            r["certificate"],
            r["invoice"],
            r["notified_on"],
            r["by"],
            _how(r),
            r["path"],
        ],
        read_page=lambda **page_of: log.log(
            store, candidate_id=candidate, dossier=dossier, **page_of
        ),
        read_all=lambda: log.stream(store, candidate_id=candidate, dossier=dossier),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


def _how(item: dict) -> str:
    """posted; e-mailed on DATE MESSAGE-ID; e-mail queued/failed: why."""
    if item["channel"] == "post":
        return "posted"
    if item["status"] == "sent":
        return f"e-mailed to {item['to']} on {item['sent_at'][:10]} {item['message_id']}"
    why = f": {item['error']}" if item["error"] else ""
    return f"e-mail {item['status']} ({item['to']}){why}"


@app.command("notified")
def letters_notified(
    letter_id: Annotated[
        int, typer.Argument(metavar="LOG_ID", help="The letter's id in `certcli letters log`.")
    ],
    date: Annotated[
        dt.date,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="Day the letter reached its recipient (the acknowledgement of receipt), "
            "YYYY-MM-DD or DD/MM/YYYY.",
        ),
    ],
    registered: Annotated[
        str | None,
        typer.Option(
            "--registered",
            metavar="NUMBER",
            help="The registered letter's number (lettre recommandée avec accusé de réception).",
        ),
    ] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the day a letter was notified (its acknowledgement of receipt), once per
    letter and not before the letter's date. For a refusal letter, the appeal deadline
    then runs from that day instead of the decision (SPEC §2.8).

    Example: certcli letters notified 12 --date 2026-10-07 --registered "1A 123 456 7890 1"
    """
    from certcli.letters import log

    store = common.store(actor=actor, date=date)
    done = log.notified(store, letter_id, date=date, registered=registered)
    if json_out:
        common.emit_json(done)
        return
    about = done["dossier"] or done["certificate"]
    by = f" (registered {done['registered']})" if done["registered"] else ""
    common.say(
        f"Letter {done['id']} ({done['template']}{f', {about}' if about else ''}) "
        f"notified on {done['notified_on']}{by}."
    )
    if done["appeal_deadline"]:
        common.say(
            f"  appeal possible until {done['appeal_deadline']} (from the "
            f"{done['appeal_deadline_from']})"
        )
