"""Test helpers for the commission stage: a dossier brought to `report_ready` or a
CQPT dossier transmitted through the functions the commands call (reception,
assignment, instruction, cqpt), so every rule on the way holds."""

from __future__ import annotations

import datetime as dt
import itertools

import builders
from builders import add_candidate

from certcli.domain import assignment, cqpt, evaluators, instruction, instructors, reception
from certcli.rules import schemes

_names = itertools.count(1)


def new_candidate(cli, **extra) -> int:
    """An eligible OPQTECC candidate (status, specialties, experience) by default."""
    n = next(_names)
    extra.setdefault("eligible", True)
    return add_candidate(
        cli, extra.pop("first", f"Prénom{n}"), extra.pop("last", f"Nom{n}"), **extra
    )


def report_ready(
    cli,
    store,
    *,
    scheme="ECO",
    report_on="2026-05-20",
    mentions=(),
    kind="initial",
    certificate=None,
    mention=None,
    candidate=None,
    opened="2026-01-05",
) -> str:
    """Open a dossier and write the columns a recorded report would set."""
    cid = candidate or new_candidate(cli)
    args = [
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        scheme,
        "--kind",
        kind,
        "--date",
        opened,
    ]
    if certificate:
        args += ["--certificate", certificate]
    if mention:
        args += ["--mention", mention]
    ref = cli.json(*args)["ref"]
    _instruct(store, ref, dt.date.fromisoformat(opened), dt.date.fromisoformat(report_on), mentions)
    return ref


INSTRUCTOR = "Instructeur Commission"


def _instruct(store, ref: str, opened: dt.date, report_on: dt.date, mentions) -> None:
    """Pieces and fee received and checked on the opening day, an instructor assigned
    and a report recommending to grant recorded on `report_on`."""
    row = store.dossier(ref)
    scheme = schemes.get(row["scheme"])
    pieces = [f"{code}:{scheme.piece_count(code)}" for code in scheme.required_pieces(row["kind"])]
    reception.receive(store, ref, pieces, date=opened)
    fee = scheme.fee(row["kind"])
    if fee > 0:
        reception.pay(store, ref, amount=str(fee), method="cheque", date=opened)
    assert reception.check(store, ref, date=opened).status == "instruction"
    assignment.assign(store, ref, instructor_id=_instructor(store), date=opened)
    instruction.report(store, ref, recommend="grant", mentions=list(mentions), date=report_on)


def _instructor(store) -> int:
    found = [p for p in instructors.listing(store, "instructor") if p.name == INSTRUCTOR]
    if found:
        return found[0].id
    return instructors.add(
        store,
        name=INSTRUCTOR,
        role="instructor",
        specialties=["economie", "programmation"],
        capacity=1000,
        date=dt.date(2026, 1, 5),
    ).id


def session(cli, date: str, kind: str = "award", capacity: int | None = None) -> int:
    """A session on `date`. Tests choose their days for the calendar arithmetic
    (1 January, month ends): on a weekend or a public holiday the session is held
    anyway with --force, as the secretariat would."""
    from certcli.rules import dates

    args = ["commission", "add", "--date", date, "--kind", kind]
    if dates.closed_reason(dt.date.fromisoformat(date)):
        args.append("--force")
    if capacity:
        args += ["--capacity", capacity]
    return cli.json(*args)["id"]


def decide_at(cli, store, date: str, decision: str = "--grant", *extra, ref=None, **ready) -> dict:
    """A dossier reported 30 days before `date`, placed on a new session that day and
    decided there; returns the decide JSON."""
    day = dt.date.fromisoformat(date)
    if ref is None:
        ready.setdefault("report_on", (day - dt.timedelta(days=30)).isoformat())
        ready.setdefault("opened", (day - dt.timedelta(days=60)).isoformat())
        ref = report_ready(cli, store, **ready)
    sid = session(cli, date)
    assert ref in cli.json("commission", "agenda", sid, "--date", date)["agenda"]
    if "--date" not in extra:
        extra = (*extra, "--date", date)  # recorded on the session day
    return cli.json("commission", "decide", sid, ref, decision, *extra)


def refused(cli, store, cid=None, date="2026-06-15", reason="expérience insuffisante") -> str:
    """A dossier of `cid` (default: a candidate with a postal address) reported on
    2026-05-01 and refused at the award session of `date`, for `reason`."""
    ref = report_ready(
        cli, store, report_on="2026-05-01", candidate=cid or builders.addressed(store)
    )
    sid = session(cli, date)
    cli.ok("commission", "agenda", sid, "--date", date)
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", reason)
    return ref


def holder(cli, store, granted_on: str, **who) -> tuple[int, str]:
    """(candidate id, certificate number): a candidate with a postal address
    (builders.addressed, `who` naming them) granted ECO on `granted_on`."""
    cid = builders.addressed(store, **who)
    return cid, decide_at(cli, store, granted_on, candidate=cid)["certificate"]


def transmit_cqpt(cli, store, session_id: int, candidate=None, results=None) -> str:
    """A CQPT dossier opened on 2026-01-10 and taken along its route that day
    (complete, admissible, oriented, every phase recorded: passed, or as `results`
    {phase: "pass" or "fail"} says) to the CPNE session `session_id`."""
    cid = candidate or new_candidate(cli)
    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "contrat-pro",
        "--financing",
        "contrat-pro",
        "--date",
        "2026-01-10",
    )["ref"]
    opened = dt.date(2026, 1, 10)
    builders.complete_cqpt(store, ref, opened)
    cqpt.admissibility(store, ref, accept=True, date=opened)
    cqpt.orient(store, ref, evaluator_id=_evaluator(store), date=opened)
    for phase in cqpt.DEFAULT_PHASES:
        result = (results or {}).get(phase, "pass")
        cqpt.record_phase(store, ref, phase, result=result, date=opened)
    cqpt.transmit(store, ref, session_id=session_id, date=opened)
    return ref


def _evaluator(store) -> int:
    found = [e for e in evaluators.listing(store) if e.name == "Évaluateur Commission"]
    if found:
        return found[0].id
    return evaluators.add(store, name="Évaluateur Commission", date=dt.date(2026, 1, 5)).id
