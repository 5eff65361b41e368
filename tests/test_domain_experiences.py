"""Work periods: no silent duplicates, overlap warnings, removal."""

import datetime as dt
import json
import threading

from builders import PERIOD, add_candidate, add_period, cqpt_hours, cqpt_verdict, ongoing, period

from certcli.domain import experiences
from certcli.errors import DuplicateError
from certcli.store import Store


def test_same_period_twice_is_refused_unless_forced(cli, unchanged):
    cid = add_candidate(cli)
    first = add_period(cli, cid)
    assert first.exit_code == 0 and first.stderr == ""
    assert cqpt_hours(cli, cid) == "1607.00"
    with unchanged():
        err = cli.fails(
            "experience",
            "add",
            "--candidate",
            cid,
            *PERIOD,
            "--employer",
            "orange sa",
            "--hours",
            "800",
        ).stderr
    assert err.strip() == (
        f"Error: period 1 already records Orange SA from 2023-01-01 to 2025-12-31 (1607.00 h) "
        f"for candidate {cid}; add it again with --force, or correct it with "
        "`certcli experience remove 1`"
    )
    forced = add_period(cli, cid, "--force", hours="10")
    assert forced.exit_code == 0
    assert "Warning: overlaps period 1 at Orange SA" in forced.stderr
    assert len(cli.json("experience", "list", "--candidate", cid)) == 2
    assert cqpt_hours(cli, cid) == "1617.00"  # forced: both count, as asked


def test_overlap_at_the_same_employer_warns_but_records(cli):
    cid = add_candidate(cli)
    add_period(cli, cid)
    result = cli(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "Orange SA",
        "--start",
        "2025-06-01",
        "--end",
        "2026-02-28",
        "--hours",
        "600",
        "--date",
        "2026-03-01",
    )
    assert result.exit_code == 0
    assert result.stderr.strip() == (
        "Warning: overlaps period 1 at Orange SA (2023-01-01 to 2025-12-31, 1607.00 h): "
        "check the hours are not counted twice"
    )
    other = cli(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "SFR",
        "--start",
        "2025-06-01",
        "--end",
        "2026-02-28",
        "--hours",
        "600",
        "--date",
        "2026-03-01",
    )
    assert other.exit_code == 0 and other.stderr == ""
    assert len(cli.json("experience", "list", "--candidate", cid)) == 3


def test_concurrent_adds_of_one_period_record_it_once(cli, db_path):
    cid = add_candidate(cli)
    start = threading.Barrier(4)
    outcomes = []

    def run():
        store = Store(db_path)
        try:
            start.wait()
            experiences.add(
                store,
                cid,
                employer="Orange SA",
                start=dt.date(2023, 1, 1),
                end=dt.date(2025, 12, 31),
                hours="1607",
                date=dt.date(2026, 3, 1),
            )
            outcomes.append("added")
        except DuplicateError:
            outcomes.append("refused")
        finally:
            store.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added", "refused", "refused", "refused"]
    assert len(cli.json("experience", "list", "--candidate", cid)) == 1


def test_remove_a_period_stops_it_counting(cli, store, unchanged):
    cid = add_candidate(cli)
    add_period(cli, cid)
    assert cqpt_hours(cli, cid) == "1607.00"
    with unchanged():
        assert "needs --reason" in cli.fails("experience", "remove", 1, "--reason", " ").stderr
        assert (
            "no experience period with id 9"
            in cli.fails("experience", "remove", 9, "--reason", "typo").stderr
        )
    done = cli.json(
        "experience",
        "remove",
        1,
        "--reason",
        "entered for the wrong person",
        "--date",
        "2026-03-02",
        "--as",
        "claire",
    )
    assert (done["id"], done["removed_on"], done["removed_reason"]) == (
        1,
        "2026-03-02",
        "entered for the wrong person",
    )
    assert cli.json("experience", "list", "--candidate", cid) == []
    assert cqpt_hours(cli, cid) == "0.00"
    row = store.experience(1)
    assert (row["removed_on"], row["removed_by"]) == ("2026-03-02", "claire")
    entry = cli.json("log", "--entity", "candidate", "--record", str(cid))[0]
    assert entry["action"] == "experience.remove" and entry["by"] == "claire"
    assert entry["details"]["reason"] == "entered for the wrong person"
    with unchanged():
        assert (
            "already removed on 2026-03-02"
            in cli.fails("experience", "remove", 1, "--reason", "again").stderr
        )
    # Removed, the same period may be entered again without --force.
    assert add_period(cli, cid).exit_code == 0
    text = cli.ok("experience", "remove", 2, "--reason", "test", "--date", "2026-03-03").stdout
    assert text.strip() == (
        f"Removed period 2 of candidate {cid}: Orange SA, 2023-01-01 to 2025-12-31, 1607.00 h."
    )


def test_hours_that_are_not_a_number_say_hours(cli, unchanged):
    cid = add_candidate(cli)
    with unchanged():
        err = add_period(cli, cid, hours="abc").stderr
    assert err.strip() == "Error: invalid hours 'abc': a number expected, e.g. 1607 or 151,67"


# -- ongoing contracts (`--ongoing --hours-until`) ---------------------------------------------
def test_an_ongoing_contract_keeps_the_candidate_eligible_at_admissibility(cli, store):
    """The issue's case: eligible on 27 February, still eligible when the funding body
    checks admissibility on 5 March, because the CDI is still running."""
    cid = add_candidate(cli, employer="Orange SA")
    assert ongoing(cli, cid, "2023-03-01", "2026-02-27", "4200").exit_code == 0
    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--financing",
        "plan-formation",
        "--date",
        "2026-02-27",
    )["ref"]
    assert cqpt_verdict(cli, cid, "2026-02-27")["eligible"] is True
    later = cqpt_verdict(cli, cid, "2026-03-05")
    assert later["eligible"] is True and later["failures"] == []
    assert any(
        r.startswith(
            "employee of the branch on a CDI on 2026-03-05 (Orange SA, "
            "2023-03-01, ongoing (hours to 2026-02-27))"
        )
        for r in later["reasons"]
    )
    cli.ok(
        "dossier",
        "receive",
        ref,
        "candidature",
        "piece-identite",
        "attestation-employeur",
        "--date",
        "2026-02-27",
    )
    assert cli.json("dossier", "check", ref, "--date", "2026-02-27")["status"] == "complete"
    admitted = cli.json("cqpt", "admissibility", ref, "--accept", "--date", "2026-03-05")
    assert admitted["status"] == "admissible" and admitted["eligible"] is True


def test_the_same_contract_closed_on_27_february_is_not_current_on_5_march(cli):
    """What the secretariat could record before: --end on the last day hours were known."""
    cid = add_candidate(cli)
    cli.ok(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "Orange SA",
        "--start",
        "2023-03-01",
        "--end",
        "2026-02-27",
        "--hours",
        "4200",
        "--in-branch",
        "--related",
        "--contract",
        "cdi",
        "--date",
        "2026-02-27",
    )
    assert cqpt_verdict(cli, cid, "2026-02-27")["eligible"] is True
    later = cqpt_verdict(cli, cid, "2026-03-05")
    assert later["eligible"] is False
    assert later["failures"][0].startswith(
        "not an employee of the branch on a CDI or CDD on 2026-03-05"
    )


def test_only_the_recorded_hours_count_pro_rata_over_start_to_hours_until(cli):
    cid = add_candidate(cli)
    # 2000 h over 2023-01-01..2024-12-31 (731 days); the window of 2026-07-01 opens on
    # 2023-07-01: 550 of those days, 2000 x 550 / 731 = 1504.7879 -> 1504.79. The days
    # after 2024-12-31 add no hours, however long the contract runs.
    assert ongoing(cli, cid, "2023-01-01", "2024-12-31", "2000").exit_code == 0
    verdict = cqpt_verdict(cli, cid, "2026-07-01")
    assert verdict["hours"] == "1504.79"
    assert verdict["periods"][0]["counted"] == "1504.79"
    assert (verdict["periods"][0]["overlap_days"], verdict["periods"][0]["days"]) == (550, 731)
    assert (
        verdict["periods"][0]["end"],
        verdict["periods"][0]["ongoing"],
        verdict["periods"][0]["hours_until"],
    ) == (None, True, "2024-12-31")
    # Still current (the contract runs), short of hours: the hours rule alone fails.
    assert verdict["eligible"] is False and len(verdict["failures"]) == 1
    assert verdict["failures"][0].startswith("only 1504.79 hours")


def test_the_spec_example_with_an_ongoing_period_counts_736(cli):
    cid = add_candidate(cli)
    ongoing(cli, cid, "2023-01-01", "2023-12-31", "1460")
    assert cqpt_verdict(cli, cid, "2026-07-01")["hours"] == "736.00"


def test_experience_list_shows_an_ongoing_contract(cli):
    cid = add_candidate(cli)
    added = ongoing(cli, cid, "2024-03-01", "2026-02-28", "3200", "--json")
    assert json.loads(added.stdout) == {
        "id": 1,
        "candidate_id": cid,
        "employer": "Orange SA",
        "start": "2024-03-01",
        "end": None,
        "hours_until": "2026-02-28",
        "hours": "3200.00",
        "in_branch": True,
        "related": True,
        "contract": "cdi",
        "ongoing": True,
    }
    listed = cli.json("experience", "list", "--candidate", cid)
    assert [(p["end"], p["ongoing"], p["hours_until"]) for p in listed] == [
        (None, True, "2026-02-28")
    ]
    text = cli.ok("experience", "list", "--candidate", cid).stdout
    row = next(line for line in text.splitlines() if "Orange SA" in line)
    assert "ongoing" in row and "2026-02-28" in row
    said = ongoing(cli, cid, "2020-01-01", "2020-06-30", "700", employer="SFR").stdout
    assert said.strip() == (
        f"Recorded period 2 for candidate {cid}: SFR, 2020-01-01, ongoing "
        "(hours to 2020-06-30), 700.00 h"
    )


def test_ongoing_refusals_write_nothing(cli, unchanged):
    cid = add_candidate(cli)
    base = [
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "Orange SA",
        "--start",
        "2024-01-01",
        "--hours",
        "100",
        "--date",
        "2026-03-01",
    ]
    with unchanged():
        for extra, says in [
            (
                ["--ongoing", "--end", "2024-12-31", "--hours-until", "2024-12-31"],
                "Error: --ongoing and --end are exclusive",
            ),
            (["--ongoing"], "Error: --ongoing needs --hours-until DATE"),
            (["--hours-until", "2024-12-31"], "Error: --hours-until goes with --ongoing"),
            (
                ["--ongoing", "--hours-until", "2023-12-31"],
                "Error: --hours-until 2023-12-31 is before --start 2024-01-01",
            ),
            ([], "Error: give --end, or --ongoing with --hours-until DATE"),
            (
                ["--ongoing", "--hours-until", "2024-01-02", "--hours", "49"],
                "Error: 49.00 hours cannot fit in 2 day(s)",
            ),
        ]:
            assert cli.fails(*base, *extra).stderr.startswith(says), extra


def test_an_ongoing_twin_is_refused_and_a_later_period_overlaps_it(cli, unchanged):
    cid = add_candidate(cli)
    ongoing(cli, cid, "2024-03-01", "2026-02-28", "3200")
    with unchanged():
        err = cli.fails(
            "experience",
            "add",
            "--candidate",
            cid,
            "--employer",
            "orange sa",
            "--start",
            "2024-03-01",
            "--ongoing",
            "--hours-until",
            "2026-01-31",
            "--hours",
            "3000",
        ).stderr
    assert err.strip() == (
        f"Error: period 1 already records Orange SA 2024-03-01, ongoing "
        f"(3200.00 h) for candidate {cid}; add it again with --force, or "
        "correct it with `certcli experience remove 1`"
    )
    # Years after its hours run out, the ongoing contract still overlaps.
    later = cli(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "Orange SA",
        "--start",
        "2027-01-01",
        "--end",
        "2027-06-30",
        "--hours",
        "800",
        "--date",
        "2027-07-01",
    )
    assert later.exit_code == 0
    assert later.stderr.strip() == (
        "Warning: overlaps period 1 at Orange SA (2024-03-01, ongoing (hours to 2026-02-28), "
        "3200.00 h): check the hours are not counted twice"
    )


def test_an_ongoing_contract_is_opqtecc_experience_up_to_the_day_checked(cli):
    cid = add_candidate(cli, status="salarie", specialty="economie")
    ongoing(cli, cid, "2023-01-01", "2023-03-31", "500")
    verdict = cli.json(
        "eligibility", "check", "--candidate", cid, "--scheme", "ECO", "--as-of", "2026-01-01"
    )
    # 2023-01-01..2026-01-01: 1097 days >= 3 x 365, though hours are known to March 2023.
    assert verdict["eligible"] is True
    assert "1097 days of experience in the specialty up to 2026-01-01" in " ".join(
        verdict["reasons"]
    )


def test_experience_add_and_list(cli):
    cid = add_candidate(cli)
    added = period(cli, cid, "01/01/2024", "2024-12-31", "1 607,5", contract="CDI")
    assert added == {
        "id": added["id"],
        "candidate_id": cid,
        "employer": "Orange SA",
        "start": "2024-01-01",
        "end": "2024-12-31",
        "hours": "1607.50",
        "in_branch": True,
        "related": True,
        "contract": "cdi",
        "ongoing": False,
        "hours_until": None,
    }
    period(
        cli,
        cid,
        "2022-03-01",
        "2022-03-31",
        "150",
        employer="Acme",
        contract=None,
        in_branch=False,
        related=False,
    )
    listed = cli.json("experience", "list", "--candidate", cid)
    assert [(p["employer"], p["start"], p["in_branch"], p["contract"]) for p in listed] == [
        ("Acme", "2022-03-01", False, None),
        ("Orange SA", "2024-01-01", True, "cdi"),
    ]
    log = cli.json("log", "--entity", "candidate", "--record", str(cid))
    assert log[0]["action"] == "experience.add"


def test_experience_add_refusals_write_nothing(cli, unchanged):
    cid = add_candidate(cli)
    base = ["experience", "add", "--candidate", cid, "--employer", "Orange", "--date", "2026-06-01"]
    with unchanged():
        for extra, word in [
            (["--start", "2024-02-01", "--end", "2024-01-31", "--hours", "10"], "after it ends"),
            (["--start", "2024-01-01", "--end", "2024-01-31", "--hours", "0"], "more than 0"),
            (["--start", "2024-01-01", "--end", "2024-01-31", "--hours", "-5"], "more than 0"),
            (["--start", "2024-01-01", "--end", "2024-01-31", "--hours", "1.234"], "two decimals"),
            (
                ["--start", "2024-01-01", "--end", "2024-01-01", "--hours", "25"],
                "cannot fit in 1 day",
            ),
            (
                [
                    "--start",
                    "2024-01-01",
                    "--end",
                    "2024-01-31",
                    "--hours",
                    "10",
                    "--contract",
                    "cdx",
                ],
                "invalid contract",
            ),
        ]:
            assert word in cli.fails(*base, *extra).stderr
        assert (
            "no candidate with id 99"
            in cli.fails(
                "experience",
                "add",
                "--candidate",
                99,
                "--employer",
                "X",
                "--start",
                "2024-01-01",
                "--end",
                "2024-01-02",
                "--hours",
                "7",
            ).stderr
        )
