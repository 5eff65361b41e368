"""Work periods: no silent duplicates, overlap warnings, removal."""

import datetime as dt
import threading

from conftest import add_candidate

from certcli import experiences
from certcli.errors import DuplicateError
from certcli.store import Store

BASE = ["--employer", "Orange SA", "--start", "2023-01-01", "--end", "2025-12-31",
        "--in-branch", "--related", "--contract", "cdi", "--date", "2026-03-01"]


def add(cli, cid, *extra, hours="1607"):
    return cli(*["experience", "add", "--candidate", cid, *BASE, "--hours", hours, *extra])


def hours(cli, cid):
    return cli.json("eligibility", "check", "--candidate", cid, "--scheme", "CQPT",
                    "--route", "libre", "--as-of", "2026-01-01")["hours"]


def test_same_period_twice_is_refused_unless_forced(cli, unchanged):
    cid = add_candidate(cli)
    first = add(cli, cid)
    assert first.exit_code == 0 and first.stderr == ""
    assert hours(cli, cid) == "1607.00"
    with unchanged():
        err = cli.fails("experience", "add", "--candidate", cid, *BASE, "--employer",
                        "orange sa", "--hours", "800").stderr
    assert err.strip() == (
        f"Error: period 1 already records Orange SA from 2023-01-01 to 2025-12-31 (1607.00 h) "
        f"for candidate {cid}; add it again with --force, or correct it with "
        "`certcli experience remove 1`")
    forced = add(cli, cid, "--force", hours="10")
    assert forced.exit_code == 0
    assert "Warning: overlaps period 1 at Orange SA" in forced.stderr
    assert len(cli.json("experience", "list", "--candidate", cid)) == 2
    assert hours(cli, cid) == "1617.00"  # forced: both count, as asked


def test_overlap_at_the_same_employer_warns_but_records(cli):
    cid = add_candidate(cli)
    add(cli, cid)
    result = cli("experience", "add", "--candidate", cid, "--employer", "Orange SA", "--start",
                 "2025-06-01", "--end", "2026-02-28", "--hours", "600", "--date", "2026-03-01")
    assert result.exit_code == 0
    assert result.stderr.strip() == (
        "Warning: overlaps period 1 at Orange SA (2023-01-01 to 2025-12-31, 1607.00 h): "
        "check the hours are not counted twice")
    other = cli("experience", "add", "--candidate", cid, "--employer", "SFR", "--start",
                "2025-06-01", "--end", "2026-02-28", "--hours", "600", "--date", "2026-03-01")
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
            experiences.add(store, cid, employer="Orange SA", start=dt.date(2023, 1, 1),
                            end=dt.date(2025, 12, 31), hours="1607", date=dt.date(2026, 3, 1))
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
    add(cli, cid)
    assert hours(cli, cid) == "1607.00"
    with unchanged():
        assert "needs --reason" in cli.fails("experience", "remove", 1, "--reason", " ").stderr
        assert "no experience period with id 9" in cli.fails(
            "experience", "remove", 9, "--reason", "typo").stderr
    done = cli.json("experience", "remove", 1, "--reason", "entered for the wrong person",
                    "--date", "2026-03-02", "--as", "claire")
    assert (done["id"], done["removed_on"], done["removed_reason"]) == (
        1, "2026-03-02", "entered for the wrong person")
    assert cli.json("experience", "list", "--candidate", cid) == []
    assert hours(cli, cid) == "0.00"
    row = store.experience(1)
    assert (row["removed_on"], row["removed_by"]) == ("2026-03-02", "claire")
    entry = cli.json("log", "--entity", "candidate", "--record", str(cid))[0]
    assert entry["action"] == "experience.remove" and entry["by"] == "claire"
    assert entry["details"]["reason"] == "entered for the wrong person"
    with unchanged():
        assert "already removed on 2026-03-02" in cli.fails(
            "experience", "remove", 1, "--reason", "again").stderr
    # Removed, the same period may be entered again without --force.
    assert add(cli, cid).exit_code == 0
    text = cli.ok("experience", "remove", 2, "--reason", "test", "--date", "2026-03-03").stdout
    assert text.strip() == (f"Removed period 2 of candidate {cid}: Orange SA, 2023-01-01 to "
                            "2025-12-31, 1607.00 h.")


def test_hours_that_are_not_a_number_say_hours(cli, unchanged):
    cid = add_candidate(cli)
    with unchanged():
        err = add(cli, cid, hours="abc").stderr
    assert err.strip() == "Error: invalid hours 'abc': a number expected, e.g. 1607 or 151,67"


def test_migration_adds_the_removal_columns(store):
    columns = {r["name"] for r in store.all("PRAGMA table_info(experiences)")}
    assert {"removed_on", "removed_reason", "removed_by"} <= columns
    assert "m003_experience_removed" in store.applied_migrations()
