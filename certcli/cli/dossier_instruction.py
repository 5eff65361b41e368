"""The instruction verbs of `certcli dossier`: assign, expert, request,
interview, report, withdraw (reception's receive, pay and check:
certcli.cli.dossier_reception). Registered on the dossier sub-app by
`certcli.cli.dossier`."""

from __future__ import annotations

import datetime as dt
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

Override = Annotated[
    str | None,
    typer.Option(
        "--override",
        metavar="REASON",
        help="Assign despite a conflict of interest, a full load or a missing specialty; "
        "the reason goes to the audit trail.",
    ),
]


def dossier_assign(
    ref: common.DossierRefArg,
    instructor: Annotated[int | None, typer.Option("--instructor", help="Instructor id.")] = None,
    auto: Annotated[bool, typer.Option("--auto", help="Let certcli choose, and say why.")] = False,
    override: Override = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Assign (or reassign) the instructor of a dossier, by id or automatically:
    the right specialty, no conflict of interest, under capacity, lightest load
    (dossiers under instruction). A reassignment hands the interviews scheduled from
    --date on to the new instructor, cancelling (and saying) any that clashes.

    Example: certcli dossier assign 2026-0001 --auto
    """
    from certcli.domain import assignment

    common.exactly_one({"--instructor": instructor is not None, "--auto": auto})
    store = common.store(actor=actor, date=date)
    done = assignment.assign(
        store, ref, instructor_id=instructor, auto=auto, override=override, date=common.day(date)
    )
    if json_out:
        common.emit_json(done.to_dict())
        return
    before = f" (was {done.previous['name']})" if done.previous else ""
    common.say(
        f"Dossier {done.ref} assigned to {done.instructor['name']} "
        f"(id {done.instructor['id']}){before}."
    )
    common.say(f"Why: {done.reason}")
    for person in done.excluded:
        common.say(
            f"  excluded {person['name']} (id {person['id']}): {', '.join(person['reasons'])}"
        )
    for slot in done.interviews_moved:
        common.say(f"  interview of {slot['at']} now with {done.instructor['name']}")
    for slot in done.interviews_cancelled:
        common.say(
            f"  interview of {slot['at']} cancelled: {slot['clash']}; schedule "
            f"another with `certcli dossier interview {done.ref} --at ...`"
        )


def dossier_expert(
    ref: common.DossierRefArg,
    expert: Annotated[int, typer.Option("--expert", help="Expert id.")],
    override: Override = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Call in an expert on a dossier (conflict of interest and capacity checked).

    Example: certcli dossier expert 2026-0001 --expert 4
    """
    from certcli.domain import assignment

    store = common.store(actor=actor, date=date)
    done = assignment.call_expert(
        store, ref, expert_id=expert, override=override, date=common.day(date)
    )
    if json_out:
        common.emit_json(done.to_dict())
        return
    common.say(
        f"Expert {done.instructor['name']} (id {done.instructor['id']}) called in "
        f"on dossier {done.ref}."
    )


def dossier_expert_opinion(
    ref: common.DossierRefArg,
    expert: Annotated[int, typer.Option("--expert", help="The dossier's expert (id).")],
    opinion: Annotated[
        str, typer.Option("--opinion", help="favourable, unfavourable or reserved.")
    ],
    text: Annotated[
        str | None, typer.Option("--text", help="The opinion's grounds (line breaks kept).")
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the opinion of the expert called in on the dossier; the report (dossier
    show) and the commission's agenda show it. A later opinion supersedes an earlier
    one, which stays in the history.

    Example: certcli dossier expert-opinion 2026-0001 --expert 4 --opinion reserved
    --text "métrés à vérifier sur le lot 2"
    """
    from certcli.domain import assignment

    store = common.store(actor=actor, date=date)
    done = assignment.expert_opinion(
        store, ref, expert_id=expert, opinion=opinion, text=text, date=common.day(date)
    ).to_dict()
    if json_out:
        common.emit_json(done)
        return
    common.say(
        f"Opinion of {done['expert']['name']} on {done['ref']}: {done['opinion']} ({done['date']})."
    )


def dossier_request(
    ref: common.DossierRefArg,
    items: Annotated[
        str, typer.Option("--items", help="What is asked, as the letter will say it.")
    ],
    due: Annotated[
        dt.date,
        typer.Option(
            "--due",
            metavar="DATE",
            parser=common.date_param,
            help="Date by which the candidate must answer (after --date).",
        ),
    ],
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
    """Ask the candidate for complementary elements; the dossier waits until they
    are received (`dossier receive REF`). --letter: the request letter
    (demande-complements).

    Example: certcli dossier request 2026-0001 --items "Attestation de l'employeur 2025"
    --due 2026-07-15 --date 2026-06-15 --letter
    """
    from certcli.domain import instruction
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        asked = instruction.request(store, ref, items=items, due=due, date=common.day(date))
        follow.render(store, follow_up.AFTER["request"], dossier=asked.ref, date=common.day(date))
    if json_out:
        common.emit_json(follow.add_to(asked.to_dict()))
    else:
        common.say(
            f"Requested for {asked.ref} by {asked.due}: {asked.items} (status {asked.status})."
        )
    common.finish_letter(follow, json_out)


def dossier_interview(
    ref: common.DossierRefArg,
    at: Annotated[
        str, typer.Option("--at", metavar="DATETIME", help='Start, e.g. "2026-05-12 14:30".')
    ],
    minutes: Annotated[int, typer.Option("--minutes", help="Length in minutes.")] = 60,
    letter: LetterOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    force: common.ClosedDayOpt = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Schedule the phone interview with the dossier's instructor (refused when it
    overlaps another of that instructor's interviews, or falls on a weekend or a French
    public holiday unless --force). --letter: the appointment letter (entretien).

    Example: certcli dossier interview 2026-0001 --at "2026-05-12 14:30" --minutes 45 --letter
    """
    from certcli.domain import instruction
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        booked = instruction.interview(
            store, ref, at=at, minutes=minutes, date=common.day(date), force=force
        )
        follow.render(
            store, follow_up.AFTER["interview"], dossier=booked.ref, date=common.day(date)
        )
    if json_out:
        common.emit_json(follow.add_to(booked.to_dict()))
    else:
        common.say(
            f"Interview for {booked.ref} on {booked.at} ({booked.minutes} min) with "
            f"{booked.instructor['name']}."
        )
    common.finish_letter(follow, json_out)


def dossier_report(
    ref: common.DossierRefArg,
    recommend: Annotated[str, typer.Option("--recommend", help="grant or refuse.")],
    mention: Annotated[
        list[str] | None,
        typer.Option("--mention", help="A mention of the scheme to grant; repeatable."),
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="The report's summary (paragraphs kept).")
    ] = None,
    amend: Annotated[
        bool,
        typer.Option("--amend", help="Correct the report recorded (needs --reason)."),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the report is amended.")
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the instructor's report; the dossier is then ready for the commission.
    --amend --reason R corrects a recorded report while the dossier is not decided
    (report_ready or on_agenda: it stays on its agenda, which shows "amended").

    Example: certcli dossier report 2026-0001 --recommend grant --mention OPC
    --date 2026-09-01
    Example: certcli dossier report 2026-0001 --recommend grant --amend
    --reason "mention OPC entered by mistake" --date 2026-09-03
    """
    from certcli.domain import instruction

    store = common.store(actor=actor, date=date)
    done = instruction.report(
        store,
        ref,
        recommend=recommend,
        mentions=mention or [],
        text=text,
        date=common.day(date),
        amend=amend,
        reason=reason,
    )
    if json_out:
        common.emit_json(done.to_dict())
        return
    mentions = f" with {', '.join(done.mentions)}" if done.mentions else ""
    amended = f", amended on {done.amended_on}" if done.amended_on else ""
    common.say(
        f"Report for {done.ref}: {done.recommendation}{mentions} (status {done.status}{amended})."
    )


def dossier_withdraw(
    ref: common.DossierRefArg,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, for the record.")] = None,
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
    """Close a dossier the candidate withdraws: its scheduled interviews are cancelled
    and it leaves the agenda of any session it is on, undecided (freeing its place).
    --letter: the letter taking note of the withdrawal (retrait-dossier).

    Example: certcli dossier withdraw 2026-0001 --reason "courrier du 3 juin" --letter
    """
    from certcli.domain import instruction
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        done = instruction.withdraw(store, ref, reason=reason, date=common.day(date)).to_dict()
        follow.render(
            store, follow_up.AFTER["withdraw"], dossier=done["ref"], date=common.day(date)
        )
    if json_out:
        common.emit_json(follow.add_to(done))
    else:
        common.say(f"Dossier {done['ref']} withdrawn on {done['closed_on']}.")
        if done["interviews_cancelled"]:
            common.say(f"  {done['interviews_cancelled']} scheduled interview(s) cancelled")
        for session_id in done["removed_from_agenda"]:
            common.say(f"  taken off the agenda of session {session_id}")
    common.finish_letter(follow, json_out)


InterviewOpt = Annotated[
    int, typer.Option("--interview", metavar="ID", help="The interview's id (dossier show).")
]


def _said(done) -> str:
    return f"Interview {done.id} of {done.ref} on {done.at}: {done.status}."


def dossier_interview_cancel(
    ref: common.DossierRefArg,
    interview: InterviewOpt,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required).")] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Cancel a scheduled interview; the instructor's slot is free again. The
    dossier's history tells it next to the interview it cancels.

    Example: certcli dossier interview-cancel 2026-0001 --interview 3 --reason "candidate ill"
    """
    from certcli.domain import instruction

    store = common.store(actor=actor, date=date)
    done = instruction.cancel_interview(
        store, ref, interview_id=interview, reason=reason, date=common.day(date)
    )
    if json_out:
        common.emit_json(done.to_dict())
    else:
        common.say(_said(done))


def dossier_interview_move(
    ref: common.DossierRefArg,
    interview: InterviewOpt,
    at: Annotated[
        str, typer.Option("--at", metavar="DATETIME", help='New start, e.g. "2026-05-14 10:00".')
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required).")] = None,
    letter: LetterOpt = False,
    email: common.EmailOpt = False,
    post: common.PostOpt = False,
    fmt: FormatOpt = "pdf",
    out: OutOpt = Path("letters"),
    templates: TemplatesOpt = None,
    force: common.ClosedDayOpt = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Move a scheduled interview to a new start, with the rules of `dossier
    interview`: not before --date, no overlap with the instructor's other interviews,
    no weekend or French public holiday unless --force. --letter: a new appointment
    letter (entretien) with the new time.

    Example: certcli dossier interview-move 2026-0001 --interview 3 --at "2026-05-14 10:00"
    --reason "instructor away" --letter
    """
    from certcli.domain import instruction
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        done = instruction.move_interview(
            store,
            ref,
            interview_id=interview,
            at=at,
            reason=reason,
            date=common.day(date),
            force=force,
        )
        follow.render(store, follow_up.AFTER["interview"], dossier=done.ref, date=common.day(date))
    if json_out:
        common.emit_json(follow.add_to(done.to_dict()))
    else:
        common.say(f"Interview {done.id} of {done.ref} moved from {done.moved_from} to {done.at}.")
    common.finish_letter(follow, json_out)


def dossier_interview_held(
    ref: common.DossierRefArg,
    interview: InterviewOpt,
    outcome: Annotated[str, typer.Option("--outcome", help="held or no-show.")],
    notes: Annotated[
        str | None, typer.Option("--notes", help="What was said, briefly (line breaks kept).")
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the outcome of a scheduled interview, from its day on: held, or no-show
    (the candidate did not come). Until then a past interview counts as overdue
    (`dossier list --overdue`, `stats`).

    Example: certcli dossier interview-held 2026-0001 --interview 3 --outcome held
    --notes "motivated, clear answers"
    """
    from certcli.domain import instruction

    store = common.store(actor=actor, date=date)
    done = instruction.interview_outcome(
        store, ref, interview_id=interview, outcome=outcome, notes=notes, date=common.day(date)
    )
    if json_out:
        common.emit_json(done.to_dict())
    else:
        common.say(_said(done))


COMMANDS: list[tuple[str, Callable[..., None]]] = [
    ("assign", dossier_assign),
    ("expert", dossier_expert),
    ("expert-opinion", dossier_expert_opinion),
    ("request", dossier_request),
    ("interview", dossier_interview),
    ("interview-cancel", dossier_interview_cancel),
    ("interview-move", dossier_interview_move),
    ("interview-held", dossier_interview_held),
    ("report", dossier_report),
    ("withdraw", dossier_withdraw),
]


def register(app: typer.Typer) -> None:
    for name, func in COMMANDS:
        app.command(name)(func)
