"""Candidate import (certcli/domain/candidate_io.py): a constant per-row cost, the
search index filled in bulk, duplicates within the file and against the register,
and other desks' writes wait, then succeed."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from builders import add_candidate

from certcli.domain import candidate_io, candidates
from certcli.store import Store


@pytest.mark.sqlite_only("checks the FTS5 index's own integrity")
def test_imported_rows_are_searchable_and_the_index_is_exact(cli, tmp_path, db_path):
    add_candidate(cli, "Thierry", "Maréchal")
    path = tmp_path / "in.csv"
    path.write_text(
        "first_name,last_name,city\nHélène,Dupont,Orléans\nJean,Roux,Nîmes\nBad,Row,\n",
        encoding="utf-8",
    )
    path.write_text(path.read_text() + ",NoFirst,\n", encoding="utf-8")
    assert cli.json("candidate", "import", path)["inserted"] == 3
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "orleans")] == ["Dupont"]
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "nimes")] == ["Roux"]
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "marechal")] == ["Maréchal"]
    store = Store(db_path)
    assert store.scalar("SELECT count(*) FROM search_index_paused") == 0
    store.execute("INSERT INTO candidates_fts(candidates_fts, rank) VALUES ('integrity-check', 1)")
    # A plain add after an import is indexed row by row again.
    cid = add_candidate(cli, "Noé", "Lefèvre")
    assert cli.json("candidate", "list", "-s", "lefevre")[0]["id"] == cid


def test_a_dry_run_leaves_the_search_index_alone(cli, tmp_path, unchanged):
    path = tmp_path / "in.csv"
    path.write_text("first_name,last_name\nHélène,Dupont\n", encoding="utf-8")
    with unchanged():
        cli.ok("candidate", "import", path, "--dry-run")
    assert cli.json("candidate", "list", "-s", "dupont") == []


def test_a_short_write_during_an_import_waits_then_succeeds(cli, db_path, tmp_path, monkeypatch):
    rows = 12
    path = tmp_path / "in.csv"
    path.write_text(
        "first_name,last_name\n" + "".join(f"Jean,Importé{i}\n" for i in range(rows)),
        encoding="utf-8",
    )
    started = threading.Event()
    real_insert = candidates.insert
    real_add = candidates.BulkInsert.add

    def slow_add(bulk, record):
        # Inside the import's transaction: it holds the write lock.
        started.set()
        time.sleep(0.05)  # a long import, in miniature
        return real_add(bulk, record)

    monkeypatch.setattr(candidates.BulkInsert, "add", slow_add)
    outcome = {}

    def importer():
        store = Store(db_path)
        store.actor = "import"
        outcome["import"] = candidate_io.import_csv_checked(store, path, date=dt.date(2026, 11, 25))
        outcome["import_done"] = time.monotonic()
        store.close()

    thread = threading.Thread(target=importer)
    thread.start()
    assert started.wait(5)
    desk = Store(db_path)
    desk.actor = "desk"
    begun = time.monotonic()
    other = real_insert(
        desk, {"first_name": "Léa", "last_name": "Martin"}, date=dt.date(2026, 11, 25)
    )
    finished = time.monotonic()
    thread.join()
    assert len(outcome["import"].inserted) == rows
    # It waited for the import's commit (busy timeout), then went through.
    assert finished >= outcome["import_done"] - 0.01
    assert finished - begun > 0.2
    assert other > max(outcome["import"].inserted)
    assert desk.scalar("SELECT count(*) FROM candidates") == rows + 1
    desk.close()


def _register_csv(path, rows: int, start: int = 0) -> None:
    rng = random.Random(rows + start)
    lines = ["first_name,last_name,birth_date,email,phone,city,specialties"]
    for i in range(start, start + rows):
        last = "".join(rng.choice("bcdfglmnprstvz") for _ in range(8))
        lines.append(
            f"{rng.choice(['Léa', 'Éric', 'Zoé', 'Jean'])},{last},"
            f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
            f"p{i}@example.fr,06 {rng.randint(10, 38)} 12 34 {rng.randint(10, 99)},"
            f"{rng.choice(['Nîmes', 'Lyon'])},economie"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _import_cost(db_path, tmp_path, rows: int) -> tuple[float, float]:
    """SQLite VM instructions and Python function calls per row of one import,
    into a register that already holds `rows` candidates (so a rescan of the
    register, or of the file, per row would show)."""
    import cProfile
    import pstats

    day = dt.date(2026, 11, 25)
    store = Store(db_path, create=True)
    store.actor = "test"
    first = tmp_path / f"first{rows}.csv"
    _register_csv(first, rows)
    candidate_io.import_csv_checked(store, first, date=day)
    path = tmp_path / f"in{rows}.csv"
    _register_csv(path, rows, start=rows)
    steps = [0]

    def count():
        steps[0] += 1
        return 0

    store.conn.set_progress_handler(count, 100)
    profile = cProfile.Profile()
    result = profile.runcall(candidate_io.import_csv_checked, store, path, date=day)
    store.conn.set_progress_handler(None, 0)
    store.close()
    assert len(result.inserted) + len(result.rejected) == rows
    assert len(result.inserted) > rows * 0.9
    calls = pstats.Stats(profile).total_calls
    return steps[0] * 100 / rows, calls / rows


def test_the_import_cost_per_row_does_not_grow_with_the_rows(tmp_path):
    # Counts, not seconds: the same on a loaded machine. A per-row query over the
    # register or a comparison with every earlier row of the file makes 4x the rows
    # cost about 4x per row; a constant cost stays near 1x.
    small = _import_cost(tmp_path / "small.db", tmp_path, 1000)
    large = _import_cost(tmp_path / "large.db", tmp_path, 4000)
    assert large[0] / small[0] < 1.6, (small, large)  # SQLite work per row
    assert large[1] / small[1] < 1.6, (small, large)  # Python work per row


def test_import_duplicates_within_the_file_and_against_the_register(cli, tmp_path):
    kept = add_candidate(cli, "Hélène", "Dupont", birth_date="1980-05-01")
    path = tmp_path / "in.csv"
    path.write_text(
        "first_name,last_name,birth_date,email,specialties\n"
        "HELENE,DUPONT,1980-05-01,,economie\n"  # 2: the register's Hélène Dupont
        "Jean,Roux,1975-02-03,jean@example.fr,economie\n"  # 3: goes in
        "Jean,Rous,1975-02-03,,economie\n"  # 4: close to line 3
        "Léa,Martin,1990-01-01,JEAN@example.fr,economie\n"  # 5: line 3's e-mail
        "Zoé,Petit,1990-01-01,,bogus\n"  # 6: bad specialty
        "Zoé,Petit2,1990-01-01,,bogus\n"  # 7: the same refusal, again
        "Noé,Blanc,1990-01-01,,economie\n",  # 8: goes in
        encoding="utf-8",
    )
    result = cli.json("candidate", "import", path)
    assert result["inserted"] == 2
    reasons = {r["line"]: r["reason"] for r in result["rejected"]}
    assert sorted(reasons) == [2, 4, 5, 6, 7]
    assert f"likely duplicate of candidate {kept}" in reasons[2]
    roux = result["ids"][0]
    assert f"likely duplicate of candidate {roux} (Jean Roux): close spelling" in reasons[4]
    assert f"likely duplicate of candidate {roux}" in reasons[5]
    assert "same e-mail" in reasons[5]
    assert "invalid specialty" in reasons[6] and "invalid specialty" in reasons[7]
    # The ids given are the rows' ids, in file order, after the register's.
    listed = {c["id"]: c for c in cli.json("candidate", "list")}
    assert listed[roux]["last_name"] == "Roux" and roux > kept
    assert listed[result["ids"][1]]["last_name"] == "Blanc"
    assert listed[roux]["specialties"] == ["economie"]
    # --force takes every good row, duplicates included.
    forced = cli.json("candidate", "import", path, "--force")
    assert forced["inserted"] == 5


def _candidate_indexes(store) -> set[str]:
    return {
        r["sql"]
        for r in store.all(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'candidates' "
            "AND sql IS NOT NULL"
        )
    }


@pytest.mark.sqlite_only("the indexes set aside during a big import are SQLite's")
def test_a_big_import_builds_the_register_s_indexes_again(store, tmp_path):
    indexes = _candidate_indexes(store)
    assert len(indexes) >= 5
    day = dt.date(2026, 11, 25)
    path = tmp_path / "big.csv"
    _register_csv(path, 1200)
    # A dry run (rolled back) and a real one: the indexes are there after both.
    candidate_io.import_csv_checked(store, path, date=day, dry_run=True)
    assert _candidate_indexes(store) == indexes
    done = candidate_io.import_csv_checked(store, path, date=day)
    assert len(done.inserted) > 1000
    assert _candidate_indexes(store) == indexes
    assert store.one("PRAGMA integrity_check")[0] == "ok"
    # Found through them: by e-mail key and by birth date, as the duplicate check asks.
    first = store.candidate(done.inserted[0])
    plan = " ".join(
        r[3]
        for r in store.all(
            "EXPLAIN QUERY PLAN SELECT id FROM candidates WHERE email_key = ?", ("x",)
        )
    )
    assert "candidates_email_key" in plan
    again = store.candidates_sharing(birth_date=first["birth_date"], email_key=None)
    assert first["id"] in [r["id"] for r in again]
