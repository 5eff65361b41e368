"""`certcli eligibility`: is a candidate eligible for a scheme, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from certcli.cli import common
from certcli.cli.common import AsOfOpt, JsonOpt
from certcli.cli.nouns import HELP

app = typer.Typer(help=HELP["eligibility"], no_args_is_help=True)


@app.command("check")
def eligibility_check(
    candidate: Annotated[int | None, typer.Option("--candidate", help="Candidate id.")] = None,
    scheme: Annotated[
        str | None, typer.Option("--scheme", help="Scheme code (ECO, PROG, CQPT...).")
    ] = None,
    route: Annotated[
        str | None,
        typer.Option(
            "--route",
            help="CQPT route: contrat-pro, periode-pro or libre [default: the route of "
            "the dossier, else libre].",
        ),
    ] = None,
    dossier: Annotated[
        str | None,
        typer.Option("--dossier", help="A dossier reference: its candidate, scheme and route."),
    ] = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
):
    """Tell whether a candidate is eligible, with every reason (and the CQPT hours
    counted over the 3-year window for free access).

    Example: certcli eligibility check --candidate 12 --scheme CQPT --route libre
    --as-of 2026-07-01
    """
    from certcli.domain import eligibility

    verdict = eligibility.check(
        common.store(),
        candidate_id=candidate,
        scheme_code=scheme,
        route=route,
        dossier_ref=dossier,
        as_of=common.day(as_of),
    )
    if json_out:
        common.emit_json(verdict.to_dict())
        return
    head = "ELIGIBLE" if verdict.eligible else "NOT ELIGIBLE"
    route_text = f", route {verdict.route}" if verdict.route else ""
    common.say(
        f"Candidate {verdict.candidate_id}, {verdict.scheme}{route_text}, as of "
        f"{verdict.as_of}: {head}"
    )
    if verdict.hours is not None:
        common.say(f"Hours counted: {verdict.hours} (at least {verdict.min_hours} required)")
    for reason in verdict.reasons:
        mark = "x" if reason in verdict.failures else "-"
        common.say(f"  {mark} {reason}")
