"""`certcli appeal`: appeals against a refusal (heard through `commission decide`)."""

from __future__ import annotations

import datetime as dt
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
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["appeal"], no_args_is_help=True)


@app.command("file")
def appeal_file(
    ref: Annotated[str, typer.Argument(metavar="REF", help="Refused dossier reference.")],
    reason: Annotated[str | None, typer.Option("--reason", help="The appellant's grounds.")] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """File an appeal against a refusal, within the scheme's appeal delay (the last
    day is still in time), counted from the day the refusal letter was notified
    (`letters notified`), or from the decision while that is not recorded.

    Example: certcli appeal file 2026-0012 --date 2026-07-20 --reason "références omises"
    """
    from certcli.domain import appeals

    store = common.store(actor=actor, date=date)
    result = appeals.file(store, ref, date=common.day(date), reason=reason).to_dict()
    if json_out:
        common.emit_json(result)
    else:
        common.say(
            f"Appeal filed for dossier {result['ref']} on {result['filed_on']} "
            f"(deadline {result['deadline']}, from the {result['deadline_from']})"
        )


@app.command("decide")
def appeal_decide(
    ref: Annotated[str, typer.Argument(metavar="REF", help="Appealed dossier reference.")],
    grant: Annotated[bool, typer.Option("--grant", help="Grant on appeal.")] = False,
    refuse: Annotated[
        bool, typer.Option("--refuse", help="Confirm the refusal (needs --reason).")
    ] = False,
    mention: Annotated[
        list[str] | None, typer.Option("--mention", help="Mention granted (repeatable).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Grounds of the outcome.")] = None,
    override: common.QuorumOverrideOpt = None,
    letter: LetterOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="Day the outcome is recorded (not before the session) [default: today].",
        ),
    ] = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record an appeal's outcome at the appeals session it is on (dated that day,
    recorded with --date from that day on); the same as `certcli commission decide
    SESSION REF`. --letter: the appeal outcome (decision-recours), dated on the
    session day.

    Example: certcli appeal decide 2026-0012 --refuse --reason "refus confirmé" --letter
    """
    from certcli.domain import decisions

    common.exactly_one({"--grant": grant, "--refuse": refuse})
    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date, future=future)
    with follow.step(store):
        result = decisions.decide_appeal(
            store,
            ref,
            "granted" if grant else "refused",
            reason=reason,
            mentions=mention,
            override=override,
            date=common.day(date),
        ).to_dict()
        follow.render_decision(store, result)
    common.report_decision(
        store,
        follow,
        result,
        json_out,
        f"Appeal of dossier {result['ref']}: {result['appeal_outcome']} on "
        f"{result['date']} (session {result['session']})",
    )


@app.command("list")
def appeal_list(
    pending: Annotated[bool, typer.Option("--pending", help="Only appeals not yet heard.")] = False,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List appeals with their deadline (and whether it ran from the refusal's
    notification or from the decision), session and outcome. A page at a time
    (--limit, --page); --all streams every one.

    Example: certcli appeal list --pending
    """
    from certcli.domain import appeals

    store = common.store()
    common.emit_listing(
        ["ref", "holder", "scheme", "filed", "deadline", "from", "session", "outcome"],
        lambda a: [
            a["ref"],
            f"{a['candidate_id']} {a['holder']}",
            a["scheme"],
            a["filed_on"],
            a["deadline"],
            a["deadline_from"],
            a["session_date"],
            a["outcome"],
        ],
        read_page=lambda **page_of: appeals.listing(store, pending=pending, **page_of),
        read_all=lambda: appeals.stream(store, pending=pending),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )
