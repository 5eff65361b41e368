"""Who pays each CQPT evaluation (spec §3.5): the funding report and the one rule
(`payer`) that the report and the admissibility letter share. The route steps
themselves are in `cqpt`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import cqpt
from certcli.records import dataclass
from certcli.rules import schemes
from certcli.rules.money import ZERO, as_str, cents

if TYPE_CHECKING:
    from certcli.store import Store

PLAN_LABEL = "training plan"


@dataclass
class FundingLine:
    ref: str
    candidate_id: int
    financing: str | None
    funder: str | None
    amount: Decimal
    reason: str
    employer: str
    year: int

    def to_dict(self) -> dict:
        """The `cqpt funding --json` contract: exactly these keys."""
        return {
            "ref": self.ref,
            "candidate_id": self.candidate_id,
            "financing": self.financing,
            "funder": self.funder,
            "amount": as_str(self.amount),
            "reason": self.reason,
        }


@dataclass
class Funding:
    """The funding report (`cqpt funding --json`): each evaluation's line, then the
    totals per funder and, per employer, per funder (its training plan as "training
    plan"). Amounts are Decimals until printed."""

    lines: list[FundingLine]
    totals: dict[str, Decimal]
    by_employer: dict[str, dict[str, Decimal]]

    def to_dict(self) -> dict:
        """The JSON contract: amounts as '300.00'."""
        return {
            "dossiers": [line.to_dict() for line in self.lines],
            "totals": {funder: as_str(amount) for funder, amount in self.totals.items()},
            "by_employer": {
                employer: {k: as_str(v) for k, v in per.items()}
                for employer, per in self.by_employer.items()
            },
        }


def funding(store: Store, year: int | None = None) -> Funding:
    """Who pays the flat amount of each oriented CQPT evaluation (spec §3.5), with
    totals per funder and per employer. An evaluation belongs to the year of its
    last phase (of its orientation while no phase is recorded).

    - Whole evaluation (every phase recorded) under contrat-pro, periode-pro or
      dif-prioritaire: the funding body (AUVICOM) covers the flat amount.
    - Whole evaluation under CIF: the file goes to the Fongecif, which finances the
      CIF outside AUVICOM; listed and totalled under "Fongecif".
    - Whole evaluation under any other financing: the employer's training plan.
    - Evaluation still running (status evaluation, phases missing): listed as in
      progress, funder null, 0.00, out of the totals; nothing is owed yet.
    - Evaluation stopped part-way (withdrawn, refused... with phases missing): the
      funding body covers only a whole evaluation, so the employer's training plan
      owes the flat amount, whatever the financing (the spec's "otherwise"). Stopped
      before any phase: no evaluation took place, nothing is owed (0.00, no funder).
    """
    cqpt_schemes = {s.code: s for s in schemes.catalog().values() if s.workflow == "cqpt"}
    lines = []
    for row in store.cqpt_dossiers(sorted(cqpt_schemes)):
        scheme = cqpt_schemes[row["scheme"]]
        phases = [p for p in store.cqpt_phases(row["id"]) if p["phase"] in cqpt.phases_of(scheme)]
        if not phases and row["evaluator_id"] is None:
            continue  # never oriented: no evaluation to fund
        last = max((p["date"] for p in phases), default=None) or cqpt.event_date(
            store, row["id"], "orient"
        )
        if last is None or (year is not None and int(last[:4]) != year):
            continue
        lines.append(_funding_line(store, row, scheme, phases, int(last[:4])))
    totals: dict[str, Decimal] = {}
    by_employer: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        if line.funder is None:
            continue
        totals[line.funder] = totals.get(line.funder, ZERO) + line.amount
        label = PLAN_LABEL if line.funder == line.employer else line.funder
        per = by_employer.setdefault(line.employer, {})
        per[label] = per.get(label, ZERO) + line.amount
    return Funding(
        lines,
        dict(sorted(totals.items())),
        {employer: dict(sorted(per.items())) for employer, per in sorted(by_employer.items())},
    )


def payer(scheme, financing: str | None) -> tuple[str, str | None, Decimal]:
    """Who pays an evaluation followed in full under `financing`: ("funder", the
    branch funder, the flat amount), ("cif", the CIF body, the flat amount: the
    candidate applies to it directly) or ("plan", None, the flat amount): the
    employer's training plan. The funding report and the admissibility letter both
    decide through this."""
    rules = scheme.cqpt
    flat = cents(rules["flat_amount"])
    if financing == "cif":
        return "cif", rules["cif_body"], flat
    if financing in tuple(rules.get("funded_financings", ())):
        return "funder", rules["funder"], flat
    return "plan", None, flat


def _funding_line(store: Store, row, scheme, phases, year) -> FundingLine:
    """One dossier's line; the rules are funding()'s docstring."""
    funder_name = scheme.cqpt["funder"]
    financing = row["financing"]
    employer = _employer(store, row)
    missing = [p for p in cqpt.phases_of(scheme) if p not in {x["phase"] for x in phases}]
    base = dict(
        ref=row["ref"],
        candidate_id=row["candidate_id"],
        financing=financing,
        employer=employer,
        year=year,
    )
    plan = f"training plan of {employer}"
    how, funder, flat = payer(scheme, financing)
    if missing and row["status"] == "evaluation":
        return FundingLine(
            **base,
            funder=None,
            amount=ZERO,
            reason=f"in progress: {', '.join(missing)} not recorded yet",
        )
    if missing and not phases:
        return FundingLine(
            **base,
            funder=None,
            amount=ZERO,
            reason=f"{row['status']} before any phase: nothing owed",
        )
    if missing:
        done = ", ".join(p["phase"] for p in phases)
        return FundingLine(
            **base,
            funder=employer,
            amount=flat,
            reason=(
                f"{plan}: stopped ({row['status']}) after {done}, {funder_name} covers only "
                "a whole evaluation"
            ),
        )
    if how == "cif":
        return FundingLine(
            **base, funder=funder, amount=flat, reason=f"CIF: the file goes to the {funder}"
        )
    if how == "funder":
        return FundingLine(
            **base,
            funder=funder,
            amount=flat,
            reason=f"whole evaluation under {financing}: {funder}",
        )
    return FundingLine(
        **base, funder=employer, amount=flat, reason=f"{plan} (financing {financing or 'none'})"
    )


def _employer(store: Store, row) -> str:
    """The employer whose training plan would pay: the register's, else the
    latest branch period's."""
    if row["candidate_employer"]:
        return row["candidate_employer"]
    periods = [e for e in store.experiences(row["candidate_id"]) if e["in_branch"]]
    if periods:
        # A contract still running is the latest, whatever day its hours run to.
        return max(periods, key=lambda e: (e["ongoing"], e["end"], e["id"]))["employer"]
    return f"employer not recorded (candidate {row['candidate_id']})"
