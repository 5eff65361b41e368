"""Is a candidate eligible for a scheme? A verdict with every reason, positive
ones too, so the secretariat can read why and the funding body can check it.

OPQTECC (scheme.workflow == "opqtecc"):
- status in `eligibility.statuses` (salarie, demandeur);
- a specialty in `eligibility.specialties`;
- experience: the distinct calendar days covered by the candidate's periods
  flagged `related` (to the specialty), up to `as_of` (overlapping periods count
  once; days after `as_of` do not count), must reach
  `eligibility.min_experience_years` x 365 days. No window: the whole career counts.

CQPT (scheme.workflow == "cqpt"):
- routes in `eligibility.eligible_routes` (contrat-pro, periode-pro): eligible as such;
- free access (`libre`): (1) an employee of the branch on a contract in
  `eligibility.contracts` (CDD, CDI) on `as_of`: a period in a branch company on
  such a contract covers `as_of` (an ongoing one covers every day from its start);
  and (2) at least `eligibility.min_hours`
  hours of effective work related to the CQPT in branch companies over
  `dates.window(as_of, window_years)`. Each period counts
  hours x overlap_days / period_days (both ends inclusive), rounded half-up to
  the hundredth PER PERIOD, so that the total is the sum of the lines shown.
  An ongoing period counts only its recorded hours, over start..hours_until.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import candidates
from certcli.domain.experiences import Experience
from certcli.errors import ValidationError
from certcli.records import dataclass, field
from certcli.rules import dates, schemes
from certcli.rules.money import ZERO, cents

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Verdict:
    candidate_id: int
    scheme: str
    eligible: bool
    reasons: list[str]
    hours: Decimal | None = None  # CQPT free access only
    route: str | None = None
    as_of: dt.date | None = None
    window: tuple[dt.date, dt.date] | None = None
    min_hours: Decimal | None = None
    periods: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # the reasons that make it ineligible

    def to_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "hours": None if self.hours is None else str(self.hours),
            "candidate_id": self.candidate_id,
            "scheme": self.scheme,
            "route": self.route,
            "as_of": dates.iso(self.as_of),
            "window": (
                {"start": self.window[0].isoformat(), "end": self.window[1].isoformat()}
                if self.window
                else None
            ),
            "min_hours": None if self.min_hours is None else str(self.min_hours),
            "periods": self.periods,
            "failures": list(self.failures),
        }


def check(
    store: Store,
    *,
    candidate_id: int | None = None,
    scheme_code: str | None = None,
    route: str | None = None,
    dossier_ref: str | None = None,
    as_of: dt.date,
) -> Verdict:
    """The verdict for a candidate and a scheme, or for a dossier (its candidate,
    scheme and route)."""
    source = None
    if dossier_ref:
        from certcli.domain import dossiers

        row = dossiers.row(store, dossier_ref)
        if candidate_id is not None and candidate_id != row["candidate_id"]:
            raise ValidationError(
                f"dossier {row['ref']} belongs to candidate "
                f"{row['candidate_id']}, not {candidate_id}"
            )
        if scheme_code and schemes.get(scheme_code).code != row["scheme"]:
            raise ValidationError(
                f"dossier {row['ref']} is a {row['scheme']} dossier, not {scheme_code.upper()}"
            )
        candidate_id, scheme_code = row["candidate_id"], row["scheme"]
        if route is None and row["route"]:
            route, source = row["route"], f"from dossier {row['ref']}"
    if candidate_id is None or not scheme_code:
        raise ValidationError("give --candidate and --scheme, or --dossier")
    scheme = schemes.get(scheme_code)
    candidate = candidates.require(store, candidate_id)
    experiences = [Experience.from_row(r) for r in store.experiences(candidate_id)]
    if scheme.workflow == "opqtecc":
        if route:
            raise ValidationError("--route is for a CQPT scheme")
        return _opqtecc(scheme, candidate, experiences, as_of)
    if route is None:
        route, source = _route_of_latest_dossier(store, candidate_id, scheme.code)
    return _cqpt(scheme, candidate_id, experiences, route, source, as_of)


def evaluate_dossier(store: Store, dossier_row, as_of: dt.date) -> Verdict:
    """The verdict for a dossier as it stands (used by CQPT admissibility)."""
    return check(store, dossier_ref=dossier_row["ref"], as_of=as_of)


# -- applied to an OPQTECC dossier -----------------------------------------------------------
def applies_at_check(store: Store, dossier_row) -> bool:
    """Does `dossier check` gate this dossier on the verdict?

    An OPQTECC initial dossier, and an extension into another scheme (a new
    certification, with that scheme's status, specialty and experience). Not a
    renewal nor a mention added within the same scheme: the holder was found
    eligible at the first grant, and the renewal's own evidence (contracts,
    capacity certificates, training) is the instructor's and the commission's to
    judge. Not CQPT either: the funding body applies the rules at `cqpt
    admissibility`, which must not be doubled."""
    if schemes.get(dossier_row["scheme"]).workflow != "opqtecc":
        return False
    if dossier_row["kind"] == "initial":
        return True
    if dossier_row["kind"] == "extension" and dossier_row["certificate_id"] is not None:
        target = store.certificate_by_id(dossier_row["certificate_id"])
        return target is not None and target["scheme"] != dossier_row["scheme"]
    return False


def refusal(dossier_row, verdict: Verdict) -> str:
    """Why `dossier check` stops a complete dossier: the failed rules, and the ways on."""
    return (
        f"dossier {dossier_row['ref']} is complete but candidate "
        f"{dossier_row['candidate_id']} is not eligible for {verdict.scheme} on "
        f"{verdict.as_of}: {'; '.join(verdict.failures)}. Record the missing facts "
        f"(`certcli candidate edit`, `certcli experience add`) and check again, or accept "
        f'it with --override "reason"'
    )


def recall_at_decision(store: Store, dossier_row, day: dt.date) -> str | None:
    """At a grant: the verdict again, as of the decision day. A warning when the
    candidate is no longer eligible, saying what the check had found (eligible then,
    or accepted by override), or None when nothing deserves a word."""
    if not applies_at_check(store, dossier_row):
        return None
    verdict = evaluate_dossier(store, dossier_row, day)
    if verdict.eligible:
        return None
    from certcli.domain import dossiers

    last = dossiers.eligibility_at_last_check(store, dossier_row["id"])
    if last is None:
        then = "no eligibility verdict was recorded at its check"
    elif last["override"]:
        then = (
            f"it was accepted at the check of {last['checked_on']} by override ({last['override']})"
        )
    else:
        then = f"the candidate was eligible at the check of {last['checked_on']}"
    return (
        f"{dossier_row['ref']} was granted although candidate "
        f"{dossier_row['candidate_id']} is not eligible for {verdict.scheme} on {day} "
        f"({'; '.join(verdict.failures)}); {then}"
    )


def _route_of_latest_dossier(store: Store, candidate_id: int, scheme_code: str):
    """No --route: the route of the candidate's latest dossier of the scheme, else
    free access (the only route with conditions to check)."""
    rows = store.dossiers(candidate_id=candidate_id, scheme=scheme_code, limit=1)
    if rows and rows[0]["route"]:
        return rows[0]["route"], f"from dossier {rows[0]['ref']}"
    return "libre", "no --route and no dossier: free access rules"


# -- CQPT -------------------------------------------------------------------------------
def _cqpt(scheme, candidate_id, experiences, route, source, as_of) -> Verdict:
    rules = scheme.eligibility
    routes = tuple(rules.get("routes", ()))
    if route not in routes:
        raise ValidationError(f"invalid route {route!r} (one of: {', '.join(routes)})")
    origin = f" ({source})" if source else ""
    if route in rules.get("eligible_routes", ()):
        kind = {
            "contrat-pro": "a professionalisation contract",
            "periode-pro": "a professionalisation period",
        }.get(route, f"route {route}")
        return Verdict(
            candidate_id,
            scheme.code,
            True,
            [
                f"route {route}{origin}: {kind} aimed at the {scheme.code} is eligible as such, "
                "with no experience requirement"
            ],
            route=route,
            as_of=as_of,
        )

    min_hours = Decimal(str(rules.get("min_hours", "1607")))
    years = int(rules.get("window_years", 3))
    contracts = tuple(rules.get("contracts", ("cdi", "cdd")))
    lo, hi = dates.window(as_of, years)
    reasons = [
        f"route {route}{origin}: free access, checked as of {as_of} over the "
        f"{years}-year window {lo} to {hi}"
    ]

    failures = []
    current = [
        e for e in experiences if e.in_branch and e.contract in contracts and e.covers(as_of)
    ]
    wanted = " or ".join(c.upper() for c in contracts)
    if current:
        e = current[0]
        reasons.append(
            f"employee of the branch on a {e.contract.upper()} on {as_of} ({e.employer}, {e.span})"
        )
    else:
        failures.append(
            f"not an employee of the branch on a {wanted} on {as_of}: no period in "
            f"a branch company on a {wanted} covers that date"
        )
        reasons.append(failures[-1])

    total, periods = ZERO, []
    for e in experiences:
        overlap = dates.overlap_days(e.start, e.end, lo, hi)
        why_not = []
        if not e.in_branch:
            why_not.append("not in a branch company")
        if not e.related:
            why_not.append(f"not related to the {scheme.code}")
        if overlap == 0:
            why_not.append(f"outside the window {lo} to {hi}")
        counted = ZERO if why_not else cents(e.hours * overlap / e.days)
        total += counted
        label = f"{e.employer} ({e.contract or 'contract not given'}) {e.span}, {e.hours} h"
        if why_not:
            note = f"not counted: {', '.join(why_not)}"
        elif overlap == e.days:
            note = f"{counted} h counted (whole period in the window)"
        else:
            note = f"{counted} h counted ({e.hours} x {overlap}/{e.days} days in the window)"
        reasons.append(f"{label}: {note}")
        periods.append(
            {
                **_period_dates(e),
                "hours": str(e.hours),
                "contract": e.contract,
                "in_branch": e.in_branch,
                "related": e.related,
                "overlap_days": overlap,
                "days": e.days,
                "counted": str(counted),
                "note": note,
            }
        )
    total = cents(total)
    enough = total >= min_hours
    if enough:
        reasons.append(
            f"{total} hours of related work in branch companies over the window: "
            f"at least {min_hours} required"
        )
    else:
        failures.append(
            f"only {total} hours of related work in branch companies over the "
            f"window: {min_hours} required ({cents(min_hours - total)} missing)"
        )
        reasons.append(failures[-1])
    return Verdict(
        candidate_id,
        scheme.code,
        not failures,
        reasons,
        hours=total,
        route=route,
        as_of=as_of,
        window=(lo, hi),
        min_hours=min_hours,
        periods=periods,
        failures=failures,
    )


# -- OPQTECC ------------------------------------------------------------------------------
def _opqtecc(scheme, candidate, experiences, as_of) -> Verdict:
    rules = scheme.eligibility
    reasons, failures = [], []

    def fail(text):
        failures.append(text)
        reasons.append(text)

    statuses = tuple(rules.get("statuses", ()))
    status = candidate["status"]
    if statuses:
        if status in statuses:
            reasons.append(f"status {status} is accepted for {scheme.code}")
        else:
            shown = f"status {status}" if status else "no status recorded"
            fail(f"{shown}: {scheme.code} requires {' or '.join(statuses)}")

    wanted = tuple(rules.get("specialties", ()))
    if wanted:
        held = json.loads(candidate["specialties"] or "[]")
        matches = [s for s in held if s in wanted]
        if matches:
            reasons.append(f"specialty {', '.join(matches)} matches {scheme.code}")
        else:
            has = ", ".join(held) if held else "none recorded"
            fail(f"no specialty among {', '.join(wanted)} (candidate's: {has})")

    years = int(rules.get("min_experience_years", 0) or 0)
    periods = []
    spans = []
    for e in experiences:
        # An ongoing contract is experience up to the day of the check.
        end = as_of if e.ongoing else min(e.end, as_of)
        if not e.related:
            note = "not counted: not related to the specialty"
        elif e.start > as_of:
            note = f"not counted: starts after {as_of}"
        else:
            spans.append((e.start, end))
            note = f"{dates.days_inclusive(e.start, end)} days"
        periods.append({**_period_dates(e), "related": e.related, "note": note})
        reasons.append(f"{e.employer} {e.span}: {note}")
    days = covered_days(spans)
    if years > 0:
        needed = years * 365
        if days >= needed:
            reasons.append(
                f"{days} days of experience in the specialty up to {as_of}: at least "
                f"{needed} required ({years} years x 365 days)"
            )
        else:
            fail(
                f"only {days} days of experience in the specialty up to {as_of}: "
                f"{needed} required ({years} years x 365 days)"
            )
    else:
        reasons.append(f"no minimum experience set for {scheme.code}")
    return Verdict(
        candidate["id"],
        scheme.code,
        not failures,
        reasons,
        as_of=as_of,
        periods=periods,
        failures=failures,
    )


def _period_dates(e: Experience) -> dict:
    """How a verdict's "periods" name one: an ongoing one has no end, but a day its
    hours run to."""
    return {
        "id": e.id,
        "employer": e.employer,
        "start": e.start.isoformat(),
        "end": None if e.ongoing else e.end.isoformat(),
        "ongoing": e.ongoing,
        "hours_until": e.end.isoformat() if e.ongoing else None,
    }


def covered_days(spans: list[tuple[dt.date, dt.date]]) -> int:
    """Distinct calendar days covered by inclusive date ranges (overlaps count once)."""
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is not None and start <= reach:
            start = reach + dt.timedelta(days=1)
        if start <= end:
            total += dates.days_inclusive(start, end)
            reach = end if reach is None else max(reach, end)
    return total
