"""`certcli instructor`: the instructors and experts, their load and conflicts."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import ActorOpt, DateOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["instructor"], no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(metavar="ID", help="Instructor or expert id.")]


@app.command("add")
def instructor_add(
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[str, typer.Option("--role", help="instructor or expert.")] = "instructor",
    specialty: Annotated[
        list[str] | None,
        typer.Option(
            "--specialty", help="economie or programmation (the schemes' specialties); repeatable."
        ),
    ] = None,
    employer: Annotated[str | None, typer.Option("--employer", help="Employer's name.")] = None,
    employer_id: Annotated[
        int | None,
        typer.Option(
            "--employer-id",
            min=0,
            help="Link to a company of the register (conflicts of interest use the link "
            "when the candidate has one too); 0 unlinks.",
        ),
    ] = None,
    capacity: Annotated[
        int, typer.Option("--capacity", help="Dossiers under instruction at most.")
    ] = 5,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    conflict_employer: Annotated[
        list[str] | None,
        typer.Option(
            "--conflict-employer",
            help="An employer whose candidates this person may not judge; repeatable.",
        ),
    ] = None,
    conflict_candidate: Annotated[
        list[int] | None,
        typer.Option(
            "--conflict-candidate",
            metavar="ID",
            help="A candidate this person may not judge; repeatable.",
        ),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record an instructor or an expert; prints the new id.

    Example: certcli instructor add --name "Paul Girard" --role instructor
    --specialty economie --employer "BET Quantités" --capacity 4
    """
    from certcli.domain import instructors

    store = common.store(actor=actor, date=date)
    person = instructors.add(
        store,
        name=name,
        role=role,
        specialties=specialty or [],
        employer=employer,
        capacity=capacity,
        email=email,
        conflict_employers=conflict_employer or [],
        conflict_candidates=conflict_candidate or [],
        employer_id=employer_id,
        date=common.day(date),
    )
    if json_out:
        common.emit_json(person.to_dict())
    else:
        common.say(f"Recorded {person.role} {person.id}: {person.name}")


@app.command("edit")
def instructor_edit(
    person_id: IdArg,
    capacity: Annotated[
        int | None, typer.Option("--capacity", help="Dossiers under instruction at most.")
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="An inactive person is never chosen.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    employer: Annotated[str | None, typer.Option("--employer", help="Employer's name.")] = None,
    employer_id: Annotated[
        int | None,
        typer.Option(
            "--employer-id",
            min=0,
            help="Link to a company of the register (conflicts of interest use the link "
            "when the candidate has one too); 0 unlinks.",
        ),
    ] = None,
    conflict_employer: Annotated[
        list[str] | None,
        typer.Option(
            "--conflict-employer", help="Declare a further conflicting employer; repeatable."
        ),
    ] = None,
    conflict_candidate: Annotated[
        list[int] | None,
        typer.Option(
            "--conflict-candidate",
            metavar="ID",
            help="Declare a further conflicting candidate; repeatable.",
        ),
    ] = None,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Change an instructor's capacity, availability, contact, employer or declared
    conflicts (conflicts are added, never removed).

    Example: certcli instructor edit 3 --capacity 6 --conflict-employer "BET Quantités"
    """
    from certcli.domain import instructors

    store = common.store(actor=actor, date=date)
    person = instructors.edit(
        store,
        person_id,
        capacity=capacity,
        active=active,
        email=email,
        employer=employer,
        add_conflict_employers=conflict_employer or [],
        add_conflict_candidates=conflict_candidate or [],
        employer_id=employer_id,
        date=common.day(date),
    )
    if json_out:
        common.emit_json(person.to_dict())
    else:
        common.say(
            f"Updated {person.role} {person.id}: {person.name} "
            f"({person.load}/{person.capacity} dossiers under instruction, "
            f"{'active' if person.active else 'inactive'})"
        )


@app.command("list")
def instructor_list(
    role: Annotated[str | None, typer.Option("--role", help="instructor or expert.")] = None,
    limit: common.LimitOpt = 50,
    page: common.PageOpt = 1,
    every: common.AllOpt = False,
    json_out: JsonOpt = False,
):
    """List instructors and experts with their current load: the dossiers under
    instruction (instruction, waiting for complements, adjourned), not those whose
    report is in. A page at a time (--limit, --page); --all streams every one.

    Example: certcli instructor list --role instructor
    """
    from certcli.domain import instructors

    store = common.store()
    common.emit_listing(
        ["id", "name", "role", "specialties", "employer", "load", "active"],
        lambda p: [
            p.id,
            p.name,
            p.role,
            ", ".join(p.specialties),
            p.employer,
            f"{p.load}/{p.capacity}",
            "yes" if p.active else "no",
        ],
        read_page=lambda **page_of: (
            instructors.listing(store, role, **page_of),
            instructors.count(store, role),
        ),
        read_all=lambda: instructors.stream(store, role),
        as_json=lambda p: p.to_dict(),
        limit=limit,
        page=page,
        every=every,
        json_out=json_out,
    )


@app.command("show")
def instructor_show(person_id: IdArg, json_out: JsonOpt = False):
    """Show one instructor or expert, their dossiers under instruction (their load),
    those reported and awaiting the commission, and their conflicts.

    Example: certcli instructor show 3
    """
    from certcli.domain import instructors

    store = common.store()
    person = instructors.get(store, person_id)
    held, reported = instructors.dossiers_of(store, person_id)
    if json_out:
        common.emit_json({**person.to_dict(), "dossiers": held, "awaiting_commission": reported})
        return
    common.fields(
        [
            ("id", person.id),
            ("name", person.name),
            ("role", person.role),
            ("specialties", person.specialties),
            ("employer", person.employer),
            ("e-mail", person.email),
            ("load", f"{person.load}/{person.capacity} dossiers under instruction"),
            ("assigned ever", person.assigned_total),
            ("active", person.active),
            ("conflict employers", person.conflict_employers),
            ("conflict candidates", person.conflict_candidates),
        ],
        title=f"{person.role.capitalize()} {person.id}",
    )
    for title, found in (
        ("Dossiers under instruction", held),
        ("Reported, awaiting the commission", reported),
    ):
        if found:
            common.table(
                ["ref", "scheme", "status", "candidate"],
                [[d["ref"], d["scheme"], d["status"], d["holder"]] for d in found],
                title=title,
            )
