"""Test helpers for the commission stage: a dossier brought to `report_ready` or a
CQPT dossier transmitted through the functions the commands call (reception,
assignment, instruction, cqpt), so every rule on the way holds."""

from __future__ import annotations

import datetime as dt
import itertools

import builders
from builders import add_candidate

from certcli.domain import (
    agenda,
    assignment,
    cqpt,
    decisions,
    dossiers,
    evaluators,
    instruction,
    instructors,
    reception,
)
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


# -- the same steps through the domain functions alone (no command tree built) -----------
def d_report_ready(
    store,
    candidate_id: int,
    *,
    opened: dt.date,
    report_on: dt.date,
    scheme="ECO",
    kind="initial",
    certificate=None,
    mention=None,
    mentions=(),
    override=None,
) -> str:
    """report_ready through dossiers.open_dossier (what `dossier add` calls): opened
    on `opened`, received, paid, checked (accepting an ineligible candidate with
    `override`, the reason), assigned, reported on `report_on`. A second initial
    dossier of a holder is opened anyway (force, as `dossier add --force`)."""
    ref = dossiers.open_dossier(
        store,
        candidate_id=candidate_id,
        scheme_code=scheme,
        kind=kind,
        certificate=certificate,
        mention=mention,
        date=opened,
        force=True,
    ).ref
    _instruct(store, ref, opened, report_on, mentions, override)
    return ref


def d_decide(store, ref: str, day: dt.date, decision="granted", reason=None, kind="award"):
    """`ref` placed on a new session on `day` (commission add, commission agenda) and
    decided there on that day (commission decide): the decisions.Decision."""
    sid = builders.session(store, day.isoformat(), kind)
    assert ref in agenda.build_agenda(store, sid, date=day).agenda
    return decisions.decide(store, sid, ref, decision, reason=reason, date=day)


def d_granted(store, candidate_id: int, granted_on: str, scheme="ECO", override=None):
    """A certificate of `scheme` granted on `granted_on` the way a commission grants it:
    a dossier opened 60 days before, reported 30 days before, decided at a session that
    day. The certificate number comes from the scheme's sequence; the grant brings its
    prorated dues invoice. Returns the decisions.Decision (.certificate, .invoice)."""
    day = dt.date.fromisoformat(granted_on)
    if schemes.get(scheme).workflow != "opqtecc":
        return d_cqpt_granted(store, candidate_id, day, scheme)
    ref = d_report_ready(
        store,
        candidate_id,
        scheme=scheme,
        opened=day - dt.timedelta(days=60),
        report_on=day - dt.timedelta(days=30),
        override=override,
    )
    return d_decide(store, ref, day)


def d_renewed(store, number: str, decided_on: str):
    """Certificate `number` renewed by a renewal dossier (opened 60 days and reported
    30 days before) granted at a session on `decided_on`: the decisions.Decision."""
    day = dt.date.fromisoformat(decided_on)
    ref = d_report_ready(
        store,
        store.certificate(number)["candidate_id"],
        scheme=store.certificate(number)["scheme"],
        kind="renewal",
        certificate=number,
        opened=day - dt.timedelta(days=60),
        report_on=day - dt.timedelta(days=30),
    )
    return d_decide(store, ref, day)


def d_cqpt_granted(store, candidate_id: int, day: dt.date, scheme="CQPT"):
    """A CQPT dossier opened 30 days before `day`, taken along its route that day
    (d_cqpt_route) to a CPNE session on `day` and granted there."""
    ref = d_cqpt_route(store, candidate_id, day - dt.timedelta(days=30), scheme=scheme)
    sid = builders.session(store, day.isoformat(), "cpne")
    cqpt.transmit(store, ref, session_id=sid, date=day)
    return decisions.decide(store, sid, ref, "granted", date=day)


def d_cqpt_route(store, candidate_id: int, opened: dt.date, *, scheme="CQPT", results=None) -> str:
    """A CQPT dossier (contrat-pro) opened on `opened` and, that day, completed, found
    admissible, oriented and every phase recorded (passed, or as `results` says)."""
    ref = dossiers.open_dossier(
        store,
        candidate_id=candidate_id,
        scheme_code=scheme,
        route="contrat-pro",
        financing="contrat-pro",
        date=opened,
        force=True,
    ).ref
    cqpt_steps(store, ref, opened, results)
    return ref


def cqpt_steps(store, ref: str, day: dt.date, results=None) -> None:
    """A CQPT dossier completed, found admissible, oriented and every phase recorded
    (passed, or as `results` {phase: "pass" or "fail"} says) on `day`."""
    builders.complete_cqpt(store, ref, day)
    cqpt.admissibility(store, ref, accept=True, date=day)
    cqpt.orient(store, ref, evaluator_id=_evaluator(store), date=day)
    for phase in cqpt.DEFAULT_PHASES:
        result = (results or {}).get(phase, "pass")
        cqpt.record_phase(store, ref, phase, result=result, date=day)


def _instruct(
    store, ref: str, opened: dt.date, report_on: dt.date, mentions, override=None
) -> None:
    """Pieces and fee received and checked on the opening day, an instructor assigned
    and a report recommending to grant recorded on `report_on`."""
    row = store.dossier(ref)
    scheme = schemes.get(row["scheme"])
    pieces = [f"{code}:{scheme.piece_count(code)}" for code in scheme.required_pieces(row["kind"])]
    reception.receive(store, ref, pieces, date=opened)
    fee = scheme.fee(row["kind"])
    if fee > 0:
        reception.pay(store, ref, amount=str(fee), method="cheque", date=opened)
    assert reception.check(store, ref, override=override, date=opened).status == "instruction"
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
    cqpt_steps(store, ref, opened, results)
    cqpt.transmit(store, ref, session_id=session_id, date=opened)
    return ref


def _evaluator(store, name="Évaluateur Commission", **fields) -> int:
    """The evaluator `name` (evaluators.add, what `evaluator add` calls), added once."""
    found = [e for e in evaluators.listing(store) if e.name == name]
    if found:
        return found[0].id
    return evaluators.add(store, name=name, date=dt.date(2026, 1, 5), **fields).id


EVALUA = {"name": "Évalua Télécom", "address": "3 quai Ouest, 69002 Lyon"}


def d_oriented(
    store,
    candidate_id: int,
    opened: dt.date,
    *,
    route="contrat-pro",
    financing="contrat-pro",
    override=None,
) -> str:
    """A CQPT dossier opened on `opened` and, that day, completed, found admissible
    (`override`: the reason the funding body accepted a candidate the register shows
    ineligible) and oriented to Évalua Télécom (the evaluator the letters name)."""
    ref = dossiers.open_dossier(
        store,
        candidate_id=candidate_id,
        scheme_code="CQPT",
        route=route,
        financing=financing,
        date=opened,
        force=True,
    ).ref
    builders.complete_cqpt(store, ref, opened)
    cqpt.admissibility(store, ref, accept=True, override=override, date=opened)
    cqpt.orient(store, ref, evaluator_id=_evaluator(store, **EVALUA), date=opened)
    return ref
