"""`certcli check` (certcli/domain/integrity.py): a sound database, a damaged file,
gaps in the invoice numbering, counters and dates out of order, a recorded letter
without its file, foreign keys pointing nowhere."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from builders import add_candidate


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0]


def _office(cli, n=3) -> list[int]:
    return [
        add_candidate(cli, f"Prénom{i}", f"Nom{i}", birth_date="1980-01-0" + str(i + 1))
        for i in range(n)
    ]


def _damage_page(db_path: Path, name: str) -> None:
    """Overwrite the root page of table or index `name` with garbage, as a failing
    disk or a stray write would."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    conn.close()
    with open(db_path, "r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(b"\xde\xad\xbe\xef" * (size // 4))


def _issue(store, candidate_id, day, kind="invoice"):
    from certcli.domain import invoices

    return invoices.issue(
        store,
        candidate_id=candidate_id,
        amount=Decimal("100"),
        label="Frais",
        purpose="instruction",
        date=day,
    )


def test_check_sound_database(cli):
    _office(cli)
    data = cli.json("check")
    assert data["ok"] is True
    assert [c["check"] for c in data["checks"]] == [
        "integrity",
        "foreign_keys",
        "invoice_numbering",
        "letters",
        "journal",
    ]
    assert "invoice numbering  ok" in cli.ok("check").stdout


@pytest.mark.sqlite_only("damages the SQLite file's pages")
def test_check_names_a_damaged_file(cli, db_path):
    _office(cli)
    _damage_page(db_path, "candidates")
    result = cli.fails("check", "--json")
    data = json.loads(result.stdout)
    assert data["ok"] is False
    integrity = data["checks"][0]
    assert integrity["check"] == "integrity" and not integrity["ok"]
    assert "malformed" in " ".join(integrity["problems"])
    assert "restore the latest backup" in result.stderr


@pytest.mark.sqlite_only("switches SQLite's foreign keys off to plant rows")
def test_check_finds_gaps_counters_and_dates_out_of_order(cli, store, db_path):
    first, *_ = _office(cli)
    for day in (dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)):
        _issue(store, first, day)
    assert cli.json("check")["ok"] is True
    # What a stray tool or a restored half-copy could leave (certcli never does).
    store.execute("PRAGMA foreign_keys = OFF")
    store.execute("DELETE FROM invoices WHERE number = 'F-2026-00002'")
    store.execute("UPDATE invoices SET issued_on = '2026-02-01' WHERE number = 'F-2026-00004'")
    store.execute("UPDATE counters SET value = 7 WHERE name = 'invoice:2026'")
    store.execute("INSERT INTO counters (name, value) VALUES ('credit:2025', 2)")
    result = cli.fails("check", "--json")
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    problems = checks["invoice_numbering"]["problems"]
    assert "F-2026: number(s) 2 missing from 1..4" in problems
    assert "F-2026: the counter is at 7 but the last number is 4" in problems
    assert "F-2026-00004 is dated 2026-02-01, before F-2026-00003 (2026-05-01)" in problems
    assert "AV-2025: the counter is at 2 but no number of the series is recorded" in problems
    assert checks["integrity"]["ok"] and checks["letters"]["ok"]
    # The deleted invoice was journalled: the chain is broken too (its first break).
    (broken,) = checks["journal"]["problems"]
    assert "invoice F-2026-00002 is gone" in broken
    assert "5 problem(s)" in one_error_line(result.stderr)
    text = cli.fails("check").stdout
    assert "invoice numbering  4 problem(s)" in text and "  - F-2026: number(s) 2" in text


def test_check_finds_a_recorded_letter_without_its_file(cli, store, tmp_path):
    first, *_ = _office(cli)
    kept, lost = tmp_path / "kept.html", tmp_path / "lost.html"
    kept.write_text("<p>lettre</p>")
    with store.transaction():
        for path in (kept, lost):
            store.insert(
                "letters",
                {
                    "template": "accuse-reception",
                    "candidate_id": first,
                    "date": "2026-11-25",
                    "path": str(path),
                    "format": "html",
                    "actor": "test",
                    "rendered_at": "2026-11-25T10:00:00",
                },
            )
    problems = {c["check"]: c for c in json.loads(cli.fails("check", "--json").stdout)["checks"]}[
        "letters"
    ]["problems"]
    assert problems == [
        f"letter 2 (accuse-reception, 2026-11-25) is recorded but its file is missing: {lost}"
    ]


@pytest.mark.sqlite_only("switches SQLite's foreign keys off to plant a dangling row")
def test_check_finds_foreign_keys_pointing_nowhere(cli, store):
    first, *_ = _office(cli)
    _issue(store, first, dt.date(2026, 3, 1))
    store.execute("PRAGMA foreign_keys = OFF")
    store.execute("UPDATE invoices SET candidate_id = 999")
    problems = json.loads(cli.fails("check", "--json").stdout)["checks"][1]["problems"]
    assert problems == ["invoices row 1 points at a missing candidates record"]


@pytest.mark.sqlite_only("edits the SQLite file with the sqlite3 module")
def test_check_finds_a_broken_journal_chain(cli, store, db_path):
    first, *_ = _office(cli)
    for day in (dt.date(2026, 3, 1), dt.date(2026, 4, 1)):
        _issue(store, first, day)
    assert "journal            ok" in cli.ok("check").stdout
    entry = next(e for e in store.journal_entries() if e["record"] == "F-2026-00001")
    amount = store.scalar("SELECT amount FROM invoices WHERE number = 'F-2026-00001'")
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("UPDATE invoices SET amount = '1.00' WHERE number = 'F-2026-00001'")
    finally:
        raw.close()
    result = cli.fails("check", "--json")
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert [name for name, c in checks.items() if not c["ok"]] == ["journal"]
    assert checks["journal"]["problems"] == [
        f"the hash-chained journal is broken at entry {entry['seq']} (entry {entry['seq']}: "
        "invoice F-2026-00001 was changed): see `certcli audit verify`"
    ]
    assert "1 problem(s) found" in one_error_line(result.stderr)
    text = cli.fails("check").stdout
    assert "journal            1 problem(s)" in text
    assert f"  - the hash-chained journal is broken at entry {entry['seq']}" in text
    # A journal row edited instead (its date), the invoice put back: still caught.
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("UPDATE invoices SET amount = ? WHERE number = 'F-2026-00001'", (amount,))
        assert cli.json("check")["ok"] is True
        raw.execute("UPDATE journal SET date = '2026-01-01' WHERE seq = ?", (entry["seq"],))
    finally:
        raw.close()
    problems = json.loads(cli.fails("check", "--json").stdout)["checks"][-1]["problems"]
    assert problems == [
        f"the hash-chained journal is broken at entry {entry['seq']} (entry {entry['seq']} "
        "does not chain (edited)): see `certcli audit verify`"
    ]
