"""`certcli mail`: checking the SMTP settings, and the outbox (what is queued,
sent or failed; sending what is queued)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["mail"], no_args_is_help=True)

MailDryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Write each message as an .eml file in --out, send nothing."),
]
EmlOutOpt = Annotated[
    Path, typer.Option("--out", metavar="DIR", help="Folder for the .eml files of --dry-run.")
]


@app.command("test")
def mail_test(
    to: Annotated[str, typer.Option("--to", metavar="ADDRESS", help="Where the test goes.")],
    body: Annotated[
        str | None,
        typer.Option(
            "--body",
            metavar="CODE",
            help="The body whose sender is checked (data/bodies/CODE.toml) "
            "[default: the first scheme's].",
        ),
    ] = None,
    dry_run: MailDryRunOpt = False,
    out: EmlOutOpt = Path("letters"),
    json_out: JsonOpt = False,
):
    """Send one test message, straight to the SMTP server (not through the outbox),
    to check the settings: the server (`certcli config show`), its login and the
    sender. Nothing is recorded.

    Example: certcli mail test --to secretariat@example.org
    """
    from certcli.letters import mail

    sent = mail.send_test(to, body=_body(body), dry_run_dir=out if dry_run else None)
    if json_out:
        common.emit_json(sent)
    elif sent["file"]:
        common.say(f"Wrote {sent['file']} (not sent)")
    else:
        common.say(
            f"Sent a test message from {sent['from']} to {sent['to']} through "
            f"{sent['server']}: {sent['message_id']}"
        )


def _body(code: str | None) -> dict:
    from certcli.errors import NotFound
    from certcli.rules import schemes

    bodies = {s.body.code: s.body for s in schemes.catalog().values()}
    if code is None:
        found = next(iter(schemes.catalog().values())).body
    elif code in bodies:
        found = bodies[code]
    else:
        raise NotFound(f"no body {code!r} (known: {', '.join(sorted(bodies))})")
    sender = (
        {"from_name": found.mail.from_name, "from_address": found.mail.from_address}
        if found.mail
        else {}
    )
    return {"code": found.code, "name": found.name, "email": found.email, "mail": sender}


@app.command("queue")
def mail_queue(
    status: Annotated[
        str | None, typer.Option("--status", help="Only queued, sent or failed messages.")
    ] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List the outbox: every message recorded, oldest first, with its status
    (queued, sent, failed) and, for a failed one, the server's text. A page at a
    time (--limit, --page); --all streams every one.

    Example: certcli mail queue --status queued
    """
    from certcli.letters import mail

    store = common.store()
    common.emit_listing(
        ["id", "date", "to", "subject", "status", "error"],
        lambda m: [m["id"], m["date"], m["to"], m["subject"], m["status"], m["error"]],
        read_page=lambda **page_of: mail.queue_list(store, status, **page_of),
        read_all=lambda: mail.queue_stream(store, status),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("flush")
def mail_flush(
    dry_run: MailDryRunOpt = False,
    out: EmlOutOpt = Path("letters"),
    json_out: JsonOpt = False,
):
    """Send every queued message (a temporary failure, a server that was down, a
    run killed before sending): each once, with its own Message-ID. A permanent
    refusal (5xx) marks it failed with the server's text; a temporary one leaves it
    queued. Exits 1 when anything could not be sent.

    Example: certcli mail flush
    """
    from certcli.errors import CertcliError
    from certcli.letters import mail

    store = common.store()
    common.complete_pending(store)  # the letters of a killed run, which they carry
    done = mail.flush(store, dry_run_dir=out if dry_run else None)
    if json_out:
        common.emit_json(done.to_dict())
    else:
        if dry_run:
            common.say(f"wrote {len(done.written)} message(s), sent nothing")
            for path in done.written:
                common.say(str(path))
        else:
            common.say(f"sent {len(done.sent)} message(s)")
        for m in done.failed:
            common.say(f"failed {m['id']} to {m['to']}: {m['error']}")
        for m in [*done.queued, *done.waiting] if not dry_run else done.waiting:
            common.say(f"still queued {m['id']} to {m['to']}: {m['error']}")
    if dry_run:
        return
    left = len(done.queued) + len(done.waiting)
    if done.unreachable:
        raise CertcliError(f"{done.unreachable}: {left} message(s) left queued")
    if done.failed or left:
        raise CertcliError(
            f"{len(done.failed)} message(s) refused for good, {left} still queued: "
            "see `certcli mail queue`"
        )
