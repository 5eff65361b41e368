"""`certcli member`: the members of the commissions and their conflicts."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["member"], no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(metavar="ID", help="Member id.")]
EmployerOpt = Annotated[
    str | None,
    typer.Option(
        "--employer", help="Employer's name (a candidate of the same employer: abstains)."
    ),
]
ConflictEmployerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--conflict-employer",
        help="An employer whose candidates this member may not judge; repeatable.",
    ),
]
ConflictCandidateOpt = Annotated[
    list[int] | None,
    typer.Option(
        "--conflict-candidate",
        metavar="ID",
        help="A candidate this member may not judge; repeatable.",
    ),
]
EmployerIdOpt = Annotated[
    int | None,
    typer.Option(
        "--employer-id",
        min=0,
        metavar="ID",
        help="The member's employer, a company of the register (`certcli company list`); "
        "the conflict rule uses the link when the candidate has one too; 0 unlinks.",
    ),
]
EmailOpt = Annotated[str | None, typer.Option("--email", help="E-mail address.")]


def _say(verb: str, member) -> None:
    common.say(
        f"{verb} member {member.id}: {member.name} ({member.commission} commission, {member.role})"
    )


@app.command("add")
def member_add(
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    commission: Annotated[
        str, typer.Option("--commission", help="award, appeal or cpne: the commission sat on.")
    ],
    role: Annotated[
        str, typer.Option("--role", help="president, member or secretary (does not vote).")
    ] = "member",
    employer_id: EmployerIdOpt = None,
    employer: EmployerOpt = None,
    email: EmailOpt = None,
    conflict_employer: ConflictEmployerOpt = None,
    conflict_candidate: ConflictCandidateOpt = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record a member of a commission; prints the new id. Their conflicts of
    interest follow the instructors' rule: a candidate of the same employer, a
    declared employer or candidate. A member who must abstain on a dossier is named
    on its page of the papers and recorded as abstaining when it is decided.

    Example: certcli member add --name "Anne Roux" --commission award --role president
    --employer "BET Quantités" --email anne.roux@example.fr
    """
    from certcli.domain import members

    store = common.store(actor=actor, date=date)
    member = members.add(
        store,
        name=name,
        commission=commission,
        role=role,
        employer=employer,
        employer_id=employer_id,
        email=email,
        conflict_employers=conflict_employer or [],
        conflict_candidates=conflict_candidate or [],
        date=common.day(date),
    )
    if json_out:
        common.emit_json(member.to_dict())
    else:
        _say("Recorded", member)


@app.command("edit")
def member_edit(
    member_id: IdArg,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="president, member or secretary.")
    ] = None,
    employer_id: EmployerIdOpt = None,
    employer: EmployerOpt = None,
    email: EmailOpt = None,
    conflict_employer: ConflictEmployerOpt = None,
    conflict_candidate: ConflictCandidateOpt = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Change a member's name, role, employer or e-mail (an empty value clears it), or
    declare further conflicts (added, never removed).

    Example: certcli member edit 2 --role president --conflict-candidate 14
    """
    from certcli.domain import members

    store = common.store(actor=actor, date=date)
    member = members.edit(
        store,
        member_id,
        name=name,
        role=role,
        employer=employer,
        employer_id=employer_id,
        email=email,
        add_conflict_employers=conflict_employer or [],
        add_conflict_candidates=conflict_candidate or [],
        date=common.day(date),
    )
    if json_out:
        common.emit_json(member.to_dict())
    else:
        _say("Updated", member)


@app.command("retire")
def member_retire(
    member_id: IdArg,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required).")] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """A member leaves their commission on --date: kept in the register and in past
    minutes, no longer convened nor counted for the quorum.

    Example: certcli member retire 2 --reason "fin de mandat" --date 2026-12-31
    """
    from certcli.domain import members

    store = common.store(actor=actor, date=date)
    member = members.retire(store, member_id, reason=reason, date=common.day(date))
    if json_out:
        common.emit_json(member.to_dict())
    else:
        common.say(f"Member {member.id} ({member.name}) retired on {member.retired_on}.")


MEMBER_COLUMNS = ["id", "name", "commission", "role", "employer", "e-mail", "active"]
ALL_DEPRECATED = (
    "Warning: member list --all is deprecated: use --retired "
    "(and --all will mean every page, as in other lists)"
)


def _cells(m) -> list:
    return [
        m.id,
        m.name,
        m.commission,
        m.role,
        m.employer or "",
        m.email or "",
        "yes" if m.active else f"retired {m.retired_on}",
    ]


@app.command("list")
def member_list(
    commission: Annotated[
        str | None, typer.Option("--commission", help="award, appeal or cpne.")
    ] = None,
    retired: Annotated[bool, typer.Option("--retired", help="Retired members too.")] = False,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Deprecated (use --retired): the retired members too, every one, as "
            "before the list paged; it will mean every page, as in the other lists.",
        ),
    ] = False,
    json_out: JsonOpt = False,
):
    """List the members of the commissions, by commission, president first, a page at
    a time (--limit, --page); --retired lists the retired members too.

    Example: certcli member list --commission award --retired
    """
    from certcli.domain import members

    store = common.store()
    if all_:
        # The deprecated --all, kept for one release as it was: the retired members
        # too, every one, the same table or JSON list as before the list paged.
        found = members.stream(store, commission=commission, include_retired=True)
        common.warn(ALL_DEPRECATED)
        if json_out:
            common.emit_json_stream(m.to_dict() for m in found)
        else:
            common.table(MEMBER_COLUMNS, [_cells(m) for m in found])
        return
    common.emit_listing(
        MEMBER_COLUMNS,
        _cells,
        read_page=lambda **page_of: (
            members.listing(store, commission=commission, include_retired=retired, **page_of),
            members.count(store, commission=commission, include_retired=retired),
        ),
        read_all=lambda: members.stream(store, commission=commission, include_retired=retired),
        as_json=lambda m: m.to_dict(),
        limit=limit,
        page=page,
        every=False,
        json_out=json_out,
    )


@app.command("show")
def member_show(member_id: IdArg, json_out: JsonOpt = False):
    """Show one member and their declared conflicts.

    Example: certcli member show 2
    """
    from certcli.domain import members

    member = members.get(common.store(), member_id)
    if json_out:
        common.emit_json(member.to_dict())
        return
    common.fields(
        [
            ("id", member.id),
            ("name", member.name),
            ("commission", member.commission),
            ("role", member.role),
            ("employer", member.employer),
            ("e-mail", member.email),
            ("conflict employers", member.conflict_employers),
            ("conflict candidates", member.conflict_candidates),
            ("added on", member.added_on),
            ("active", member.active),
            ("retired on", member.retired_on),
            ("retired because", member.retired_reason),
        ],
        title=f"Member {member.id}",
    )
