"""`certcli commission`: sessions (award, appeal, CPNE), agendas and decisions."""

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
from certcli.rules import dates

app = typer.Typer(help=HELP["commission"], no_args_is_help=True)

SessionArg = Annotated[int, typer.Argument(metavar="ID", help="Session id.")]
KindOpt = Annotated[str, typer.Option("--kind", help="award, appeal or cpne.")]
CapacityOpt = Annotated[
    int | None,
    typer.Option(
        "--capacity", min=1, help="Most dossiers the session can hear [default: no limit]."
    ),
]


@app.command("add")
def commission_add(
    date: Annotated[
        dt.date,
        typer.Option(
            "--date", parser=common.date_param, metavar="DATE", help="Day of the session."
        ),
    ],
    kind: KindOpt = "award",
    capacity: CapacityOpt = None,
    force: common.ClosedDayOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Add a commission session on a given day: a working day, not a weekend or a
    French public holiday (unless --force).

    Example: certcli commission add --date 2026-06-30 --kind award --capacity 12
    """
    from certcli.domain import sessions

    session = sessions.add(
        common.store(actor=actor, date=date), date=date, kind=kind, capacity=capacity, force=force
    )
    if json_out:
        common.emit_json(session.to_dict())
    else:
        common.say(f"Added {session.kind} session {session.id} on {session.date}")


@app.command("plan")
def commission_plan(
    year: Annotated[
        int,
        typer.Option("--year", min=dates.FIRST_YEAR, max=dates.LAST_YEAR, help="Calendar year."),
    ],
    count: Annotated[int, typer.Option("--count", help="How many sessions.")] = 5,
    kind: KindOpt = "award",
    capacity: CapacityOpt = None,
    apply: Annotated[bool, typer.Option("--apply", help="Create the sessions proposed.")] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Propose session dates spread evenly over a year, on working days (no weekend,
    no French public holiday); --apply creates them.

    Example: certcli commission plan --year 2027 --count 5 --apply
    """
    from certcli.domain import sessions

    store = common.store(actor=actor, date=date)
    proposals = sessions.plan(
        store,
        year=year,
        count=count,
        kind=kind,
        capacity=capacity,
        apply=apply,
        date=common.day(date),
    )
    if json_out:
        common.emit_json([p.to_dict() for p in proposals])
        return
    common.table(
        ["date", "day", "kind", "moved from", "session"],
        [
            [
                p.date,
                p.weekday,
                p.kind,
                f"{p.shifted_from} ({p.holiday or 'weekend'})" if p.shifted_from else "",
                p.id or "",
            ]
            for p in proposals
        ],
        caption=None if apply else "Proposal only: add --apply to create them.",
    )


@app.command("list")
def commission_list(
    year: Annotated[int | None, typer.Option("--year", help="Only this year.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="award, appeal or cpne.")] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List sessions in date order, with how many dossiers are on each agenda. A
    page at a time (--limit, --page); --all streams every one.

    Example: certcli commission list --year 2026 --kind award
    """
    from certcli.domain import sessions

    store = common.store()
    common.emit_listing(
        ["id", "date", "kind", "capacity", "on agenda", "decided", "status"],
        lambda s: [s.id, s.date, s.kind, s.capacity or "-", s.on_agenda, s.decided, s.status],
        read_page=lambda **page_of: (
            sessions.listing(store, year=year, kind=kind, **page_of),
            sessions.count(store, year=year, kind=kind),
        ),
        read_all=lambda: sessions.stream(store, year=year, kind=kind),
        as_json=lambda s: s.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("agenda")
def commission_agenda(
    session_id: SessionArg,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="Day the agenda is built, for the audit trail; each dossier's agenda step is "
            "dated on the session day [default: today].",
        ),
    ] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Build (or complete) a session's agenda and record it: each dossier's step is
    dated on the session day, whenever the agenda is built. A dossier on the agenda
    can still be withdrawn: it leaves every agenda where it is undecided and frees
    its place.

    Award: dossiers whose report was in at least the scheme's cut-off days before the
    session, oldest report first, up to the capacity. Appeal: appealed dossiers.
    CPNE: the CQPT dossiers transmitted to it.

    Example: certcli commission agenda 3 --date 2026-06-01
    """
    from certcli.domain import agenda

    store = common.store(actor=actor, date=date)
    result = agenda.build_agenda(store, session_id, date=common.day(date)).to_dict()
    if json_out:
        common.emit_json(result)
        return
    common.say(
        f"Session {result['session']} ({result['kind']}, {result['date']}): "
        f"{len(result['agenda'])} on the agenda, {len(result['added'])} added now"
    )
    common.table(
        ["#", "ref", "holder", "scheme", "kind", "report", "expert", "decision"],
        [
            [
                i["position"],
                i["ref"],
                i["holder"],
                i["scheme"],
                i["kind"],
                (i["report_on"] or "") + (" (amended)" if i["report_amended_on"] else ""),
                i["expert_opinion"] or "",
                i["decision"] or ("" if i["line"] == "placed" else f"({i['line']})"),
            ]
            for i in agenda.agenda_items(store, session_id)
        ],
        title="Agenda",
    )
    if result["postponed"]:
        common.table(
            ["ref", "reason"],
            [[p["ref"], p["reason"]] for p in result["postponed"]],
            title="Postponed",
        )


ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why, for the record (required).")]


@app.command("cancel")
def commission_cancel(
    session_id: SessionArg,
    reason: ReasonOpt = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Cancel a session, refused once a decision is recorded there. The dossiers
    on its agenda go back to report_ready (a CQPT dossier to evaluation, an appeal
    waits for another appeals session) and are listed; the agenda keeps their lines,
    marked cancelled.

    Example: certcli commission cancel 3 --reason "quorum impossible" --date 2026-06-20
    """
    from certcli.domain import agenda

    store = common.store(actor=actor, date=date)
    done = agenda.cancel(store, session_id, reason=reason, date=common.day(date)).to_dict()
    if json_out:
        common.emit_json(done)
        return
    common.say(f"Session {done['id']} ({done['kind']}, {done['date']}) cancelled.")
    for released in done["released"]:
        common.say(f"  {released['ref']}: back to {released['status']}")


@app.command("move")
def commission_move(
    session_id: SessionArg,
    to: Annotated[
        dt.date,
        typer.Option(
            "--to", parser=common.date_param, metavar="DATE", help="The new day of the session."
        ),
    ],
    reason: ReasonOpt = None,
    force: common.ClosedDayOpt = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Move a session to another day (a working day, as for `commission add`, unless
    --force), refused once a decision is recorded there. --to is the new day,
    --date the day the move is recorded. Its agenda stays; each dossier's timeline
    records the move.

    Example: certcli commission move 3 --to 2026-07-02 --reason "salle indisponible"
    """
    from certcli.domain import agenda

    store = common.store(actor=actor, date=date)
    done = agenda.move(
        store, session_id, to=to, reason=reason, date=common.day(date), force=force
    ).to_dict()
    if json_out:
        common.emit_json(done)
        return
    common.say(
        f"Session {done['id']} ({done['kind']}) moved from {done['moved_from']} to "
        f"{done['date']}; {len(done['agenda'])} dossier(s) on its agenda."
    )


@app.command("attend")
def commission_attend(
    session_id: SessionArg,
    present: Annotated[
        list[int] | None,
        typer.Option("--present", metavar="ID", help="A member present (repeatable)."),
    ] = None,
    excused: Annotated[
        list[int] | None,
        typer.Option("--excused", metavar="ID", help="A member excused (repeatable)."),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record who sits at a session and whether the quorum is reached: the body
    file's quorum for this kind of commission, else more than half of its active
    voting members (the secretary does not vote). Recording again replaces the
    attendance that counts (the earlier one stays in the history), until the first
    decision. Once a kind of commission has members, `commission decide` needs the
    quorum recorded.

    Example: certcli commission attend 3 --present 1 --present 2 --present 4 --excused 3
    """
    from certcli.domain import attendance

    store = common.store(actor=actor, date=date)
    found = attendance.record(
        store, session_id, present=present or [], excused=excused or [], date=common.day(date)
    )
    if json_out:
        common.emit_json(found.to_dict())
        return
    common.say(
        f"Session {found.session} ({found.kind}): {len(found.present)} present, "
        f"{len(found.excused)} excused, {len(found.absent)} absent; quorum "
        f"{'reached' if found.quorum else 'NOT reached'} ({found.voting_present} voting "
        f"member(s) present, {found.required} required of {found.active_members})"
    )


@app.command("decide")
def commission_decide(
    session_id: SessionArg,
    ref: Annotated[str, typer.Argument(metavar="REF", help="Dossier reference.")],
    grant: Annotated[bool, typer.Option("--grant", help="Grant the certification.")] = False,
    refuse: Annotated[bool, typer.Option("--refuse", help="Refuse (needs --reason).")] = False,
    adjourn: Annotated[bool, typer.Option("--adjourn", help="Put off to a later session.")] = False,
    mention: Annotated[
        list[str] | None,
        typer.Option("--mention", help="Mention granted (repeatable) [default: the report's]."),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Grounds of the decision.")] = None,
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
            help="Day the decision is recorded (not before the session; it dates the dues "
            "invoice) [default: today].",
        ),
    ] = None,
    future: common.FutureOpt = False,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the decision on a dossier of the session's agenda, dated on the session
    day; it can be recorded (--date) from the session day on. A grant issues the
    certificate and the prorated dues invoice (issued on --date). --letter (dated
    on the session day, or on the invoice's issue date if later): notification, refus
    or ajournement at an award session, decision-recours at an appeal session,
    cqpt-decision at a CPNE session.

    Example: certcli commission decide 3 2026-0012 --grant --mention OPC --letter
    """
    from certcli.domain import decisions
    from certcli.letters import follow_up

    given = common.exactly_one({"--grant": grant, "--refuse": refuse, "--adjourn": adjourn})
    decision = {"--grant": "granted", "--refuse": "refused", "--adjourn": "adjourned"}[given]
    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    if follow.wanted:
        follow_up.check_decision(decision)
    store = common.store(actor=actor, date=date, future=future)
    with follow.step(store):
        result = decisions.decide(
            store,
            session_id,
            ref,
            decision,
            mentions=mention,
            reason=reason,
            override=override,
            date=common.day(date),
        ).to_dict()
        follow.render_decision(store, result)
    common.report_decision(
        store,
        follow,
        result,
        json_out,
        f"Dossier {result['ref']}: {result['decision']} on {result['date']} "
        f"(session {result['session']})",
    )


@app.command("papers")
def commission_papers(
    session_id: SessionArg,
    out: OutOpt = Path("letters"),
    fmt: FormatOpt = "pdf",
    templates: TemplatesOpt = None,
    email: Annotated[
        bool,
        typer.Option(
            "--email",
            help="Also e-mail each member with an address their convocation, the papers "
            "attached (through the outbox: `certcli mail flush` sends what could not go).",
        ),
    ] = False,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="Day the papers are dated and sent [default: today].",
        ),
    ] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Print the members' file of a session, one document logged like a letter
    (template dossier-seance): the convocation (day, hour and place from the body
    file, the members convened), the agenda, and one page per dossier (candidate,
    scheme, mentions asked, the instructor's recommendation and report, the expert's
    opinion, the eligibility verdict on the session day, and the members who must
    abstain on it). --email also sends each member with an e-mail address their
    convocation, the papers attached.

    Example: certcli commission papers 3 --out papers --date 2026-06-01 --email
    """
    from certcli.letters import papers

    store = common.store(actor=actor, date=date)
    done = papers.write_papers(
        store,
        session_id,
        date=common.day(date),
        fmt=fmt,
        out_dir=out,
        templates_dir=templates,
        email=email,
    )
    if json_out:
        common.emit_json(done.to_dict(email))
        return
    _report_files(done.files, False, f"Papers of session {session_id}")
    for sent in done.emails:
        why = f" ({sent['error']})" if sent["status"] != "sent" and sent["error"] else ""
        common.say(f"  e-mail to {sent['to']}: {sent['status']}{why}")
    for member in done.no_address:
        common.warn(f"member {member['id']} ({member['name']}) has no e-mail address: not sent")
    if any(sent["status"] == "queued" for sent in done.emails):
        common.warn("e-mails queued: `certcli mail flush` sends them")


@app.command("minutes")
def commission_minutes(
    session_id: SessionArg,
    out: OutOpt = Path("letters"),
    fmt: FormatOpt = "pdf",
    draft: Annotated[
        bool,
        typer.Option(
            "--draft",
            help="A draft while dossiers are undecided, watermarked PROJET, logged nowhere.",
        ),
    ] = False,
    signed_on: Annotated[
        dt.date | None,
        typer.Option(
            "--signed-on",
            parser=common.date_param,
            metavar="DATE",
            help="Record the day the minutes were signed (once); the minutes say it.",
        ),
    ] = None,
    templates: TemplatesOpt = None,
    date: Annotated[
        dt.date | None,
        typer.Option(
            "--date",
            parser=common.date_param,
            metavar="DATE",
            help="Day the minutes are printed [default: today].",
        ),
    ] = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Print the minutes (procès-verbal) of a session, logged like a letter (template
    proces-verbal): the session, the members present, excused and absent, the quorum,
    and each dossier with its decision, mentions, reason, certificate number or
    appeal deadline and the members who abstained. Refused while a dossier of the
    agenda is undecided, unless --draft.

    Example: certcli commission minutes 3 --out papers --signed-on 2026-07-02
    """
    from certcli.letters import papers

    store = common.store(actor=actor, date=date)
    written = papers.write_minutes(
        store,
        session_id,
        date=common.day(date),
        fmt=fmt,
        out_dir=out,
        templates_dir=templates,
        draft=draft,
        signed_on=signed_on,
    )
    _report_files(
        written, json_out, f"Minutes of session {session_id}" + (" (draft)" if draft else "")
    )


def _report_files(written, json_out: bool, headline: str) -> None:
    if json_out:
        common.emit_json({"files": [str(w.path) for w in written]})
        return
    for w in written:
        common.say(f"{headline}: {w.path}")
