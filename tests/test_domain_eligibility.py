"""Eligibility (certcli/domain/eligibility.py): the CQPT 1,607 hours over three years,
the free-access contract, the routes, and the OPQTECC status, specialty and experience."""

import datetime as dt

import pytest
from builders import add_candidate, period

from certcli.domain.eligibility import covered_days
from certcli.rules import dates


def cqpt(cli, cid, as_of, *extra):
    return cli.json(
        "eligibility", "check", "--candidate", cid, "--scheme", "CQPT", "--as-of", as_of, *extra
    )


def test_spec_example_straddling_the_window_start_counts_736(cli):
    cid = add_candidate(cli)
    period(cli, cid, "2023-01-01", "2023-12-31", "1460")
    verdict = cqpt(cli, cid, "2026-07-01", "--route", "libre")
    assert verdict["window"] == {"start": "2023-07-01", "end": "2026-07-01"}
    assert verdict["hours"] == "736.00"
    assert verdict["periods"][0]["overlap_days"] == 184
    assert verdict["periods"][0]["days"] == 365
    assert verdict["periods"][0]["counted"] == "736.00"
    assert verdict["eligible"] is False
    assert any("1460.00 x 184/365" in r for r in verdict["reasons"])


@pytest.mark.parametrize(
    "hours, counted, eligible", [("1606.99", "1606.99", False), ("1607", "1607.00", True)]
)
def test_1607_hours_boundary(cli, hours, counted, eligible):
    cid = add_candidate(cli)
    period(cli, cid, "2025-01-01", "2026-06-30", hours)
    verdict = cqpt(cli, cid, "2026-06-30", "--route", "libre")
    assert verdict["eligible"] is eligible
    assert verdict["hours"] == counted
    assert verdict["min_hours"] == "1607"
    if not eligible:
        assert verdict["failures"] == [
            "only 1606.99 hours of related work in branch companies over the window: "
            "1607 required (0.01 missing)"
        ]
    else:
        assert verdict["failures"] == []
        assert verdict["reasons"][-1].startswith("1607.00 hours of related work")


def test_window_from_29_february():
    assert dates.window(dt.date(2028, 2, 29)) == (dt.date(2025, 2, 28), dt.date(2028, 2, 29))


def test_29_february_as_of_counts_from_28_february(cli):
    cid = add_candidate(cli)
    period(cli, cid, "2025-02-27", "2025-02-27", "7")  # the day before: out
    period(cli, cid, "2025-02-01", "2025-03-02", "300")  # 3 of its 30 days in
    period(cli, cid, "2025-03-03", "2028-12-31", "1600")  # current CDI
    verdict = cqpt(cli, cid, "2028-02-29", "--route", "libre")
    assert verdict["window"]["start"] == "2025-02-28"
    counted = {(p["start"], p["end"]): p["counted"] for p in verdict["periods"]}
    assert counted[("2025-02-27", "2025-02-27")] == "0.00"
    assert counted[("2025-02-01", "2025-03-02")] == "30.00"
    # 2025-03-03..2028-02-29 is 1094 of the period's 1400 days: 1600 x 1094 / 1400
    assert counted[("2025-03-03", "2028-12-31")] == "1250.29"
    assert verdict["hours"] == "1280.29"
    assert any("outside the window 2025-02-28 to 2028-02-29" in r for r in verdict["reasons"])


def test_periods_outside_branch_or_unrelated_are_listed_not_counted(cli):
    cid = add_candidate(cli)
    period(cli, cid, "2024-01-01", "2026-12-31", "900")
    period(cli, cid, "2024-01-01", "2024-12-31", "1600", employer="Acme BTP", in_branch=False)
    period(cli, cid, "2025-01-01", "2025-12-31", "1600", employer="SFR", related=False)
    verdict = cqpt(cli, cid, "2026-12-31", "--route", "libre")
    assert verdict["hours"] == "900.00"
    assert verdict["eligible"] is False
    notes = {p["employer"]: p["note"] for p in verdict["periods"]}
    assert notes["Acme BTP"] == "not counted: not in a branch company"
    assert notes["SFR"] == "not counted: not related to the CQPT"
    assert (
        "SFR (cdi) 2025-01-01 to 2025-12-31, 1600.00 h: not counted: not related to the CQPT"
    ) in verdict["reasons"]


@pytest.mark.parametrize(
    "contract, eligible",
    [("cdi", True), ("cdd", True), ("interim", False), ("apprentissage", False)],
)
def test_free_access_needs_a_branch_cdd_or_cdi(cli, contract, eligible):
    cid = add_candidate(cli)
    period(cli, cid, "2024-01-01", "2026-06-30", "3000", contract=contract)
    verdict = cqpt(cli, cid, "2026-06-30", "--route", "libre")
    assert verdict["hours"] == "3000.00"
    assert verdict["eligible"] is eligible
    if eligible:
        assert (
            f"employee of the branch on a {contract.upper()} on 2026-06-30 (Orange SA, "
            "2024-01-01 to 2026-06-30)"
        ) in verdict["reasons"]
    else:
        assert verdict["failures"] == [
            "not an employee of the branch on a CDI or CDD on 2026-06-30: no period in a branch "
            "company on a CDI or CDD covers that date"
        ]


def test_a_branch_cdi_that_ended_before_as_of_is_not_current(cli):
    cid = add_candidate(cli)
    period(cli, cid, "2024-01-01", "2026-05-31", "3000")
    verdict = cqpt(cli, cid, "2026-06-30", "--route", "libre")
    assert verdict["eligible"] is False and len(verdict["failures"]) == 1
    assert verdict["failures"][0].startswith("not an employee of the branch")


def test_rounding_is_per_period(cli):
    cid = add_candidate(cli)
    # Each period: 10 h over 3 days, 1 day in the window -> 3.333.. -> 3.33
    # (rounding the total instead would give 6.67).
    period(cli, cid, "2023-06-29", "2023-07-01", "10")
    period(cli, cid, "2026-07-01", "2026-07-03", "10")
    verdict = cqpt(cli, cid, "2026-07-01", "--route", "libre")
    assert [p["counted"] for p in verdict["periods"]] == ["3.33", "3.33"]
    assert verdict["hours"] == "6.66"


@pytest.mark.parametrize("route", ["contrat-pro", "periode-pro"])
def test_professionalisation_routes_are_eligible_without_hours(cli, route):
    cid = add_candidate(cli)
    verdict = cqpt(cli, cid, "2026-07-01", "--route", route)
    assert verdict["eligible"] is True and verdict["hours"] is None
    assert verdict["route"] == route
    assert "eligible as such, with no experience requirement" in verdict["reasons"][0]


def test_route_comes_from_the_dossier(cli):
    cid = add_candidate(cli)
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
        "2026-06-01",
    )["ref"]
    by_candidate = cqpt(cli, cid, "2026-07-01")
    assert by_candidate["route"] == "contrat-pro" and by_candidate["eligible"] is True
    assert f"from dossier {ref}" in by_candidate["reasons"][0]
    by_dossier = cli.json("eligibility", "check", "--dossier", ref, "--as-of", "2026-07-01")
    assert by_dossier["route"] == "contrat-pro" and by_dossier["scheme"] == "CQPT"
    forced = cqpt(cli, cid, "2026-07-01", "--route", "libre")
    assert forced["eligible"] is False and forced["hours"] == "0.00"


def test_no_dossier_no_route_means_free_access(cli):
    cid = add_candidate(cli)
    verdict = cqpt(cli, cid, "2026-07-01")
    assert verdict["route"] == "libre" and verdict["hours"] == "0.00"
    assert "no --route and no dossier" in verdict["reasons"][0]


def test_eligibility_refusals(cli):
    cid = add_candidate(cli)
    assert (
        "invalid route"
        in cli.fails(
            "eligibility", "check", "--candidate", cid, "--scheme", "CQPT", "--route", "vae"
        ).stderr
    )
    assert (
        "--route is for a CQPT"
        in cli.fails(
            "eligibility", "check", "--candidate", cid, "--scheme", "ECO", "--route", "libre"
        ).stderr
    )
    assert (
        "no candidate with id 42"
        in cli.fails("eligibility", "check", "--candidate", 42, "--scheme", "ECO").stderr
    )
    assert "--dossier" in cli.fails("eligibility", "check", "--candidate", cid).stderr


def test_text_output_marks_failures(cli):
    cid = add_candidate(cli)
    period(cli, cid, "2023-01-01", "2023-12-31", "1460")
    out = cli.ok(
        "eligibility",
        "check",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--as-of",
        "2026-07-01",
    ).stdout
    assert "NOT ELIGIBLE" in out and "Hours counted: 736.00" in out
    assert "  x only 736.00 hours" in out


# -- OPQTECC ------------------------------------------------------------------------------
def opq(cli, cid, scheme="ECO", as_of="2026-01-01"):
    return cli.json(
        "eligibility", "check", "--candidate", cid, "--scheme", scheme, "--as-of", as_of
    )


def test_opqtecc_status_specialty_and_experience(cli):
    cid = add_candidate(cli, status="demandeur", specialty=["economie"])
    # 2023-01-01..2025-12-30 is 365 + 366 + 364 = 1095 days = 3 x 365.
    period(cli, cid, "2023-01-01", "2025-12-30", "4000", in_branch=False)
    verdict = opq(cli, cid)
    assert verdict["eligible"] is True and verdict["hours"] is None
    assert verdict["reasons"][:2] == [
        "status demandeur is accepted for ECO",
        "specialty economie matches ECO",
    ]
    assert verdict["reasons"][-1] == (
        "1095 days of experience in the specialty up to "
        "2026-01-01: at least 1095 required (3 years x 365 days)"
    )
    prog = opq(cli, cid, "PROG")
    assert prog["eligible"] is False
    assert prog["failures"] == ["no specialty among programmation (candidate's: economie)"]


def test_opqtecc_one_day_short_and_overlaps_count_once(cli):
    cid = add_candidate(cli, status="salarie", specialty=["economie", "programmation"])
    period(cli, cid, "2023-01-01", "2025-12-29", "4000")  # 1094 days
    period(cli, cid, "2024-01-01", "2024-12-31", "100", employer="Side job")  # inside: 0 more
    period(cli, cid, "2025-12-30", "2025-12-30", "7", employer="Unrelated", related=False)
    verdict = opq(cli, cid)
    assert verdict["eligible"] is False
    assert verdict["failures"] == [
        "only 1094 days of experience in the specialty up to "
        "2026-01-01: 1095 required (3 years x 365 days)"
    ]
    assert (
        "Unrelated 2025-12-30 to 2025-12-30: not counted: not related to the specialty"
        in verdict["reasons"]
    )


def test_opqtecc_days_after_as_of_do_not_count(cli):
    cid = add_candidate(cli, status="salarie", specialty=["economie"])
    period(cli, cid, "2023-01-01", "2030-12-31", "9000")
    assert opq(cli, cid, as_of="2025-12-30")["eligible"] is True  # 1095 days so far
    assert opq(cli, cid, as_of="2025-12-29")["eligible"] is False  # 1094
    period(cli, cid, "2027-01-01", "2027-12-31", "1000", employer="Future")
    assert any(
        "Future 2027-01-01 to 2027-12-31: not counted: starts after 2025-12-29" in r
        for r in opq(cli, cid, as_of="2025-12-29")["reasons"]
    )


def test_opqtecc_missing_status(cli):
    cid = add_candidate(cli, specialty=["economie"])
    verdict = opq(cli, cid)
    assert verdict["failures"][0] == "no status recorded: ECO requires salarie or demandeur"
    assert verdict["failures"][1].startswith("only 0 days of experience")


def test_covered_days_merges_overlaps():
    d = dt.date
    assert covered_days([]) == 0
    assert (
        covered_days(
            [
                (d(2024, 1, 1), d(2024, 1, 10)),
                (d(2024, 1, 5), d(2024, 1, 20)),
                (d(2024, 1, 7), d(2024, 1, 8)),
                (d(2024, 2, 1), d(2024, 2, 1)),
            ]
        )
        == 21
    )
