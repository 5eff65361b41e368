"""The tamper-evident journal (certcli/store/journal.py, certcli/domain/journal.py):
every issued number, decision, suspension, withdrawal and payment is chained, and
`audit verify` catches an edited event, an edited or deleted entry, or a seal that
is no longer a prefix of the chain."""

from __future__ import annotations

import json
import sqlite3

import pytest
from commission_helpers import decide_at, new_candidate

from certcli.store import Store


def _verify(cli, *extra, ok=True):
    result = cli("audit", "verify", "--json", *extra)
    assert result.exit_code == (0 if ok else 1), (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _office(cli, store):
    """A grant (certificate, invoice, decision), its invoice paid then cancelled (a
    credit note), a suspension, a withdrawal."""
    granted = decide_at(cli, store, "2026-03-12", candidate=new_candidate(cli))
    number, invoice = granted["certificate"], granted["invoice"]
    cli.ok("invoice", "pay", invoice, "--amount", "10.00", "--method", "cheque",
           "--date", "2026-03-20")  # fmt: skip
    cli.ok("certificate", "suspend", number, "--reason", "plainte", "--date", "2026-04-01")
    cli.ok("certificate", "reinstate", number, "--reason", "levée", "--date", "2026-04-10")
    cli.ok("certificate", "withdraw", number, "--reason", "fraude", "--date", "2026-05-01")
    return number, invoice


def _entries(store) -> list[dict]:
    return store.journal_entries()


def test_every_number_decision_and_payment_is_journalled_and_verifies(cli, store):
    assert _verify(cli) == {
        "ok": True, "entries": 0, "broken_at": None, "problem": None, "head": "0" * 64
    }  # fmt: skip
    number, invoice = _office(cli, store)
    entries = _entries(store)
    kinds = [e["kind"] for e in entries]
    assert kinds.count("certificate") == 1 and kinds.count("decision") == 1
    assert {"invoice", "payment", "suspension", "withdrawal"} <= set(kinds)
    records = {(e["kind"], e["record"]) for e in entries}
    assert ("certificate", number) in records and ("invoice", invoice) in records
    assert ("withdrawal", number) in records
    # Each entry carries the hash of the one before it.
    assert entries[0]["prev"] == "0" * 64
    assert all(b["prev"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    out = _verify(cli)
    assert out["ok"] and out["entries"] == len(entries) and out["head"] == entries[-1]["hash"]
    assert cli.ok("audit", "verify").stdout.startswith(f"Journal ok: {len(entries)} entries")


def test_the_journal_holds_no_personal_data(cli, store):
    cid = new_candidate(cli, first="Zéphyrine", last="Quintal", email="zq@example.org")
    decide_at(cli, store, "2026-03-12", candidate=cid)
    text = json.dumps(_entries(store), ensure_ascii=False)
    for personal in ("Zéphyrine", "Quintal", "zq@example.org"):
        assert personal not in text


def test_a_refused_write_leaves_no_entry(cli, store):
    number = decide_at(cli, store, "2026-03-12")["certificate"]
    before = _entries(store)
    cli.fails("certificate", "withdraw", number, "--reason", "x", "--date", "2020-01-01")
    assert _entries(store) == before


def _raw(db_path):
    return sqlite3.connect(db_path, isolation_level=None)


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_an_invoice_amount_edited_with_sqlite3_is_caught(cli, store, db_path):
    _number, invoice = _office(cli, store)
    entry = next(e for e in _entries(store) if e["record"] == invoice)
    with _raw(db_path) as raw:
        raw.execute("UPDATE invoices SET amount = '1.00' WHERE number = ?", (invoice,))
    out = _verify(cli, ok=False)
    assert out["broken_at"] == entry["seq"] and "was changed" in out["problem"]
    assert f"BROKEN at entry {entry['seq']}" in cli("audit", "verify").stdout


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_a_deleted_journal_row_is_caught_in_the_middle_and_at_the_end(cli, store, db_path):
    _office(cli, store)
    n = len(_entries(store))
    with _raw(db_path) as raw:
        raw.execute("DELETE FROM journal WHERE seq = 2")
    out = _verify(cli, ok=False)
    assert out["broken_at"] == 2 and out["entries"] == n - 1
    with _raw(db_path) as raw:
        raw.execute("DELETE FROM journal")
        raw.execute("DELETE FROM journal_head")
    # The whole journal gone (head included): every event is unjournalled.
    out = _verify(cli, ok=False)
    assert out["broken_at"] == 1 and "not in the journal" in out["problem"]


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_the_last_entry_deleted_with_its_head_rewound_is_caught(cli, store, db_path):
    _office(cli, store)
    entries = _entries(store)
    last = entries[-1]
    with _raw(db_path) as raw:
        raw.execute("DELETE FROM journal WHERE seq = ?", (last["seq"],))
        raw.execute(
            "UPDATE journal_head SET entries = ?, hash = ?", (last["seq"] - 1, last["prev"])
        )
    out = _verify(cli, ok=False)
    assert out["broken_at"] == last["seq"] and "not in the journal" in out["problem"]


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_an_edited_entry_and_a_deleted_payment_are_caught(cli, store, db_path):
    _office(cli, store)
    entries = _entries(store)
    payment = next(e for e in entries if e["kind"] == "payment")
    with _raw(db_path) as raw:
        raw.execute("UPDATE journal SET date = '2026-01-01' WHERE seq = 2")
    assert _verify(cli, ok=False)["broken_at"] == 2
    with _raw(db_path) as raw:
        raw.execute("UPDATE journal SET date = ? WHERE seq = 2", (entries[1]["date"],))
    assert _verify(cli)["ok"]
    with _raw(db_path) as raw:
        raw.execute("DELETE FROM payments WHERE id = ?", (payment["ref"],))
    out = _verify(cli, ok=False)
    assert out["broken_at"] == payment["seq"] and "is gone" in out["problem"]


def test_seal_then_verify_against_it(cli, store, tmp_path):
    decide_at(cli, store, "2026-03-12")
    seal = tmp_path / "seal.json"
    sealed = cli.json("audit", "seal", "--out", seal, "--date", "2026-03-31")
    n = len(_entries(store))
    assert {k: sealed[k] for k in ("entries", "date")} == {"entries": n, "date": "2026-03-31"}
    assert json.loads(seal.read_text())["head"] == _entries(store)[-1]["hash"]
    cli.fails("audit", "seal", "--out", seal)  # never over an existing file
    decide_at(cli, store, "2026-04-12")  # more entries after the seal
    out = _verify(cli, "--seal", seal)
    assert out["ok"] and out["seal"]["ok"] and out["entries"] > n
    # A seal whose head is not the chain's entry of that number.
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**json.loads(seal.read_text()), "head": "ab" * 32}))
    out = _verify(cli, "--seal", forged, ok=False)
    assert out["broken_at"] == n and out["seal"]["ok"] is False
    assert "not a journal seal" in cli.fails("audit", "verify", "--seal", __file__).stderr


def test_an_upgraded_office_has_its_events_journalled(cli, store, db_path):
    _office(cli, store)
    expected = [(e["kind"], e["ref"]) for e in _entries(store)]
    with store.transaction():  # the office as the version before the journal left it
        store.execute("DROP TABLE journal")
        store.execute("DROP TABLE journal_head")
        store.execute("DELETE FROM _sqlite_migrations WHERE name = 'm024_journal'")
    store.close()
    upgraded = Store(db_path, create=True)
    try:
        seeded = [(e["kind"], e["ref"]) for e in _entries(upgraded)]
    finally:
        upgraded.close()
    assert sorted(seeded) == sorted(expected)
    assert _verify(cli)["ok"]
