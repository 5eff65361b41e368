"""`certcli cqpt`: the CQPT route once the dossier is complete — admissibility,
orientation, pre-diagnostic, the three phases, CPNE transmission, funding."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from certcli.letters.follow_up import FollowUp

app = typer.Typer(help=HELP["cqpt"], no_args_is_help=True)


def _print(data: dict, json_out: bool, line: str, follow: FollowUp | None = None) -> None:
    if json_out:
        common.emit_json(follow.add_to(data) if follow else data)
    else:
        common.say(line)
    if follow:
        common.finish_letter(follow, json_out)


@app.command("admissibility")
def cqpt_admissibility(
    ref: common.DossierRefArg,
    accept: Annotated[
        bool | None,
        typer.Option(
            "--accept/--reject", help="The funding body's verdict (one of them is required)."
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (required to reject).")
    ] = None,
    override: Annotated[
        str | None,
        typer.Option(
            "--override", help="Accept although the eligibility rules say no; the reason is logged."
        ),
    ] = None,
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
    """Record the funding body's (AUVICOM) administrative admissibility of a complete
    CQPT dossier; accepting checks eligibility as of --date. --letter (with --reject):
    the inadmissibility letter with the reason (cqpt-irrecevabilite); an accepted
    dossier's letter names the evaluator, so it goes with `cqpt orient --letter`.

    Example: certcli cqpt admissibility 2026-0004 --reject --reason "attestation absente" --letter
    """
    from certcli.domain import cqpt
    from certcli.letters import follow_up

    accepted = common.exactly_one({"--accept": accept is True, "--reject": accept is False})
    accept = accepted == "--accept"
    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    template = follow_up.after_admissibility(accept) if follow.wanted else None
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        data = cqpt.admissibility(
            store, ref, accept=accept, reason=reason, override=override, date=common.day(date)
        ).to_dict()
        if template:
            follow.render(store, template, dossier=data["ref"], date=common.day(date))
    note = f" (override: {data['override']})" if data["override"] else ""
    _print(data, json_out, f"Dossier {data['ref']} is {data['status']}{note}.", follow)


@app.command("orient")
def cqpt_orient(
    ref: common.DossierRefArg,
    evaluator: Annotated[int, typer.Option("--evaluator", help="Evaluator organisation id.")],
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
    """Orient an admissible candidate to an evaluator organisation (status evaluation).
    --letter: the admissibility and orientation letter (cqpt-recevabilite), which
    names the evaluator, hence sent now rather than at `cqpt admissibility`.

    Example: certcli cqpt orient 2026-0004 --evaluator 2 --date 2026-07-10 --letter
    """
    from certcli.domain import cqpt
    from certcli.letters import follow_up

    follow = common.follow_letter(letter, fmt, out, templates, email, post)
    store = common.store(actor=actor, date=date)
    with follow.step(store):
        data = cqpt.orient(store, ref, evaluator_id=evaluator, date=common.day(date)).to_dict()
        follow.render(store, follow_up.AFTER["orient"], dossier=data["ref"], date=common.day(date))
    _print(
        data,
        json_out,
        f"Dossier {data['ref']} oriented to {data['evaluator']['name']} (evaluation).",
        follow,
    )


@app.command("prediag")
def cqpt_prediag(
    ref: common.DossierRefArg,
    score: Annotated[str, typer.Option("--score", help="Score of the pre-diagnostic quiz.")],
    training_advised: Annotated[
        bool, typer.Option("--training-advised", help="Complementary training is advised.")
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record the optional pre-diagnostic quiz (only before any phase is recorded).

    Example: certcli cqpt prediag 2026-0004 --score 12.5 --training-advised --date 2026-07-15
    """
    from certcli.domain import cqpt

    store = common.store(actor=actor, date=date)
    data = cqpt.prediag(
        store, ref, score=score, training_advised=training_advised, date=common.day(date)
    ).to_dict()
    advice = "; training advised" if training_advised else ""
    _print(data, json_out, f"Dossier {data['ref']}: pre-diagnostic {data['score']}{advice}.")


@app.command("phase")
def cqpt_phase(
    ref: common.DossierRefArg,
    phase: Annotated[str, typer.Argument(metavar="PHASE", help="proof, quiz or situation.")],
    result: Annotated[str, typer.Option("--result", help="pass or fail.")],
    score: Annotated[str | None, typer.Option("--score", help="Score, if any.")] = None,
    working_time: Annotated[
        bool | None,
        typer.Option(
            "--working-time/--outside-working-time", help="Held during or outside working time."
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Correct a phase already recorded (the old values stay in the history).",
        ),
    ] = False,
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Record one evaluation phase (proof dossier, quiz, real work situation), once.

    Example: certcli cqpt phase 2026-0004 quiz --result pass --score 15 --working-time
    --date 2026-09-02
    """
    from certcli.domain import cqpt

    store = common.store(actor=actor, date=date)
    data = cqpt.record_phase(
        store,
        ref,
        phase,
        result=result,
        score=score,
        working_time=working_time,
        replace=replace,
        date=common.day(date),
    ).to_dict()
    left = (
        f"; still to record: {', '.join(data['missing'])}"
        if data["missing"]
        else "; all phases recorded"
    )
    _print(data, json_out, f"Dossier {data['ref']}: phase {phase} {data['result']}{left}.")


@app.command("transmit")
def cqpt_transmit(
    ref: common.DossierRefArg,
    session: Annotated[int, typer.Option("--session", help="CPNE session id.")],
    date: DateOpt = None,
    actor: ActorOpt = None,
    json_out: JsonOpt = False,
):
    """Send the complete evaluation results to a CPNE session (status transmitted).

    Example: certcli cqpt transmit 2026-0004 --session 7 --date 2026-10-01
    """
    from certcli.domain import cqpt

    store = common.store(actor=actor, date=date)
    data = cqpt.transmit(store, ref, session_id=session, date=common.day(date)).to_dict()
    _print(
        data,
        json_out,
        f"Dossier {data['ref']} transmitted to CPNE session "
        f"{data['session']} of {data['session_date']} (position {data['position']}).",
    )


@app.command("funding")
def cqpt_funding(
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            min=dates.FIRST_YEAR,
            max=dates.LAST_YEAR,
            help="Only evaluations whose last phase (else orientation) falls in this year.",
        ),
    ] = None,
    json_out: JsonOpt = False,
):
    """Who pays the scheme's flat amount (300 € for the CQPT) of each oriented CQPT
    evaluation, with totals per funder and per employer: the branch funder for a whole
    evaluation under one of the scheme's funded financings; the CIF body under CIF;
    otherwise, or when the evaluation stopped part-way, the employer's training plan.
    Evaluations still in progress are listed at 0.00, out of the totals. Reasons are
    printed under the table.

    Example: certcli cqpt funding --year 2026
    """
    from certcli.domain import cqpt_funding
    from certcli.rules.money import format_eur

    report = cqpt_funding.funding(common.store(), year)
    if json_out:
        common.emit_json(report.to_dict())
        return
    common.table(
        ["ref", "candidate", "financing", "funder", "amount"],
        [
            [d.ref, d.candidate_id, d.financing, d.funder or "-", format_eur(d.amount)]
            for d in report.lines
        ],
        title=f"CQPT funding{f' {year}' if year else ''}",
    )
    for d in report.lines:
        common.say(f"  {d.ref}  {d.reason}")
    common.table(
        ["funder", "total"],
        [[f, format_eur(a)] for f, a in report.totals.items()],
        title="Per funder",
    )
    common.table(
        ["employer", "funder", "total"],
        [[e, f, format_eur(a)] for e, per in report.by_employer.items() for f, a in per.items()],
        title="Per employer",
    )


@app.command("show")
def cqpt_show(ref: common.DossierRefArg, json_out: JsonOpt = False):
    """Show the CQPT side of a dossier: admissibility, evaluator, pre-diagnostic, phases.

    Example: certcli cqpt show 2026-0004
    """
    from certcli.domain import cqpt, dossiers

    store = common.store()
    dossier = dossiers.get(store, ref)
    data = cqpt.dossier_details(store, dossier)
    if not data:
        from certcli.errors import StateError

        raise StateError(f"dossier {dossier.ref} is a {dossier.scheme} dossier, not a CQPT one")
    data = {"ref": dossier.ref, "status": dossier.status, **data}
    if json_out:
        common.emit_json(data)
        return
    adm, ev, pre = data["admissibility"], data["evaluator"], data["prediag"]
    common.fields(
        [
            ("status", data["status"]),
            ("route", data["route"]),
            ("financing", data["financing"]),
            (
                "admissibility",
                f"{adm['decision']} on {adm['date']}"
                + (f" (override: {adm['override']})" if adm["override"] else "")
                if adm
                else None,
            ),
            ("evaluator", f"{ev['id']} {ev['name']}" if ev else None),
            (
                "pre-diagnostic",
                f"{pre['score']} on {pre['date']}"
                + ("; training advised" if pre["training_advised"] else "")
                if pre
                else None,
            ),
            ("phases missing", data["phases_missing"]),
            (
                "phases FAILED",
                f"{', '.join(data['phases_failed'])}: check before the CPNE grants"
                if data["phases_failed"]
                else "none",
            ),
        ],
        title=f"CQPT dossier {data['ref']}",
    )
    if data["phases"]:
        common.table(
            ["phase", "result", "score", "working time", "date"],
            [
                [
                    p["phase"],
                    "FAIL" if p["result"] == "fail" else p["result"],
                    p["score"],
                    {True: "yes", False: "no", None: "-"}[p["working_time"]],
                    p["date"],
                ]
                for p in data["phases"]
            ],
            title="Phases",
        )
