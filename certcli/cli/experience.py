"""`certcli experience`: a candidate's work periods (the evidence for eligibility)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["experience"], no_args_is_help=True)

Candidate = Annotated[int, typer.Option("--candidate", help="Candidate id.")]


@app.command("add")
def experience_add(
    candidate: Candidate,
    employer: Annotated[str, typer.Option("--employer", help="Employer's name.")],
    start: Annotated[
        dt.date,
        typer.Option(
            "--start", parser=common.date_param, metavar="DATE", help="First day of the period."
        ),
    ],
    hours: Annotated[
        str,
        typer.Option(
            "--hours",
            help="Hours of effective work over the "
            "period (ongoing: up to --hours-until), e.g. 1607 "
            "or 151,67.",
        ),
    ],
    end: Annotated[
        dt.date | None,
        typer.Option(
            "--end",
            parser=common.date_param,
            metavar="DATE",
            help="Last day of the period (included); not with --ongoing.",
        ),
    ] = None,
    ongoing: Annotated[
        bool,
        typer.Option(
            "--ongoing",
            help="A contract still running (no --end): it covers every day from "
            "--start on; its hours count up to --hours-until.",
        ),
    ] = False,
    hours_until: Annotated[
        dt.date | None,
        typer.Option(
            "--hours-until",
            parser=common.date_param,
            metavar="DATE",
            help="With --ongoing: the last day the --hours cover (included).",
        ),
    ] = None,
    in_branch: Annotated[
        bool,
        typer.Option(
            "--in-branch", help="The employer belongs to the branch (CQPT: telecoms branch)."
        ),
    ] = False,
    related: Annotated[
        bool,
        typer.Option("--related", help="The work is directly related to the certification sought."),
    ] = False,
    contract: Annotated[
        str | None,
        typer.Option(
            "--contract",
            help="cdi, cdd, interim, apprentissage, professionnalisation, stage, "
            "independant or autre.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Record it even if the same period (employer, start, end) is already recorded.",
        ),
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record one work period of a candidate. The same period twice is refused
    (unless --force); an overlap at the same employer is recorded with a warning.
    A contract still running is --ongoing, with the hours known up to
    --hours-until (pro rata over --start..--hours-until for the CQPT hours).

    Example: certcli experience add --candidate 12 --employer "Orange SA"
    --start 2023-01-01 --end 2025-12-31 --hours 4821 --in-branch --related --contract cdi

    Example: certcli experience add --candidate 12 --employer "Orange SA"
    --start 2024-03-01 --ongoing --hours-until 2026-02-28 --hours 3200 --in-branch
    --related --contract cdi
    """
    from certcli.domain import experiences

    store = common.store(actor=actor, date=date)
    added = experiences.add(
        store,
        candidate,
        employer=employer,
        start=start,
        end=end,
        hours=hours,
        in_branch=in_branch,
        related=related,
        contract=contract,
        ongoing=ongoing,
        hours_until=hours_until,
        force=force,
        date=common.day(date),
    )
    period = added.period
    for warning in added.warnings:
        common.warn(warning)
    if json_out:
        common.emit_json(period.to_dict())
    else:
        common.say(
            f"Recorded period {period.id} for candidate {candidate}: {period.employer}, "
            f"{period.span}, {period.hours} h"
        )


@app.command("remove")
def experience_remove(
    experience_id: Annotated[
        int, typer.Argument(metavar="ID", help="Period id (see `experience list`).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why it is removed (logged).")],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Remove a period entered by mistake: it is marked removed (logged with the
    reason) and no longer counts for eligibility.

    Example: certcli experience remove 7 --reason "entered twice" --date 2026-06-15
    """
    from certcli.domain import experiences

    store = common.store(actor=actor, date=date)
    done = experiences.remove(store, experience_id, reason=reason, date=common.day(date)).to_dict()
    if json_out:
        common.emit_json(done)
    else:
        span = (
            f"{done['start']}, ongoing (hours to {done['hours_until']})"
            if done["ongoing"]
            else f"{done['start']} to {done['end']}"
        )
        common.say(
            f"Removed period {done['id']} of candidate {done['candidate_id']}: "
            f"{done['employer']}, {span}, {done['hours']} h."
        )


@app.command("list")
def experience_list(
    candidate: Candidate,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List a candidate's work periods, oldest first, a page at a time (--limit,
    --page); --all streams every one. An ongoing contract shows "ongoing (hours to
    DATE)" as its end (JSON: "end": null, "ongoing": true, "hours_until": DATE).

    Example: certcli experience list --candidate 12
    """
    from certcli.domain import experiences

    store = common.store()
    common.emit_listing(
        ["id", "employer", "start", "end", "hours", "contract", "in branch", "related"],
        lambda p: [
            p.id,
            p.employer,
            p.start,
            f"ongoing (hours to {p.end})" if p.ongoing else p.end,
            p.hours,
            p.contract,
            "yes" if p.in_branch else "no",
            "yes" if p.related else "no",
        ],
        read_page=lambda **page_of: (
            experiences.listing(store, candidate, **page_of),
            experiences.count(store, candidate),
        ),
        read_all=lambda: experiences.stream(store, candidate),
        as_json=lambda p: p.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )
