"""GDPR rights (issue 16): `candidate export-person`, `candidate forget`, `retention
run`. The erasure test greps the bytes of the database file, its WAL and a backup
made after it (SQLite); on PostgreSQL it reads every table's text through SQL."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pg_backend
import pytest
from commission_helpers import holder, refused

EMAIL = "zoe.quintard-gdpr@example.fr"
OLD_EMAIL = "zoe.q.old@example.org"
PHONE = "06 12 34 56 78"
FIRST, LAST = "Zoé", "Quintard"


def _holder(cli, store, tmp_path):
    """A holder of ECO granted 2026-06-15 (so her fee's and a dues invoice name her), whose
    e-mail was corrected once, with a notification letter rendered to a file, and
    whose certificate was withdrawn on 2026-09-01 (so she may be forgotten)."""
    cid, number = holder(
        cli,
        store,
        "2026-06-15",
        first=FIRST,
        last=LAST,
        email=OLD_EMAIL,
        phone=PHONE,
        birth_date="1984-02-29",
    )
    cli.ok("candidate", "edit", cid, "--email", EMAIL, "--date", "2026-06-20")
    ref = cli.json("dossier", "list", "--candidate", cid, "--json")[0]["ref"]
    letters = tmp_path / "letters"
    path = (
        cli.ok(
            "letters", "render", "notification", "--dossier", ref,
            "--format", "html", "--out", letters, "--date", "2026-06-16",
        )
        .stdout.strip()
        .splitlines()[0]
    )  # fmt: skip
    cli.ok(
        "certificate", "withdraw", number, "--reason",
        f"demande de {FIRST} {LAST} ({EMAIL})", "--date", "2026-09-01",
    )  # fmt: skip
    return cid, number, ref, Path(path)


def _all_text(store) -> str:
    """Every text value of every table, through SQL (both backends)."""
    parts = []
    for table in store.dialect.tables(store.conn):
        for row in store.all(f"SELECT * FROM {table}"):
            parts += [str(v) for v in tuple(row) if isinstance(v, str)]
    return "\n".join(parts)


def _db_bytes(db_path, tmp_path, cli) -> bytes:
    backup = tmp_path / "after.db"
    cli.ok("backup", backup)
    if pg_backend.active():
        return Path(backup).read_bytes()
    data = Path(db_path).read_bytes() + Path(backup).read_bytes()
    wal = Path(f"{db_path}-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


def test_export_person_has_everything_and_copies_letters(cli, store, tmp_path):
    cid, number, ref, letter = _holder(cli, store, tmp_path)
    out = tmp_path / "acces"
    done = cli.json("candidate", "export-person", cid, "--out", out, "--date", "2026-10-01")
    person = json.loads((out / "person.json").read_text(encoding="utf-8"))
    assert person["candidates"][0]["email"] == EMAIL
    assert [d["ref"] for d in person["dossiers"]] == [ref]
    assert [c["number"] for c in person["certificates"]] == [number]
    assert person["certificate_periods"] and person["dossier_events"]
    # her instruction fee's invoice (issued at its payment) and the grant's dues
    assert [(i["purpose"], i["buyer_last_name"]) for i in person["invoices"]] == [
        ("instruction-fee", LAST),
        ("dues-prorata", LAST),
    ]
    assert person["experiences"][0]["hours"]
    # The audit entries about her, her e-mail correction included (its old value).
    edits = [a for a in person["audit_log"] if a["action"] == "candidate.edit"]
    assert OLD_EMAIL in json.dumps(edits, ensure_ascii=False)
    assert any(a["entity"] == "certificate" for a in person["audit_log"])
    copied = [p for p in done["files"] if "/letters/" in p]
    assert len(copied) == 1 and Path(copied[0]).read_bytes() == letter.read_bytes()
    assert person["letters"][0]["file"] == f"letters/{Path(copied[0]).name}"
    assert done["files"][0] == str(out / "person.json")
    # The export itself is recorded, without what it held.
    entry = store.one(
        "SELECT details FROM audit_log WHERE action = 'candidate.export_person' AND entity_id = ?",
        (str(cid),),
    )
    assert json.loads(entry["details"]) == {"files": 2}


def test_export_person_refusals(cli, store, tmp_path, unchanged):
    cid = cli.json("candidate", "add", "--first-name", "A", "--last-name", "B")["id"]
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.txt").write_text("x")
    afile = tmp_path / "afile"
    afile.write_text("x")
    with unchanged():
        for args, message in (
            ((999, "--out", tmp_path / "n"), "no candidate with id 999"),
            ((cid, "--out", full), "is not empty"),
            ((cid, "--out", afile), "is not a folder"),
        ):
            result = cli.fails("candidate", "export-person", *args)
            assert message in result.stderr
    assert not (tmp_path / "n").exists()
    result = cli("candidate", "export-person", cid)
    assert result.exit_code == 2  # --out is required


def test_forget_leaves_her_email_nowhere_and_her_name_only_on_invoices(
    cli, store, tmp_path, db_path
):
    cid, number, ref, letter = _holder(cli, store, tmp_path)
    invoices = store.all(
        "SELECT number, amount, issued_on FROM invoices WHERE candidate_id = ? ORDER BY id", (cid,)
    )
    assert invoices
    done = cli.json(
        "candidate", "forget", cid, "--reason", f"demande de {FIRST} {LAST} du 20/11/2026",
        "--date", "2026-11-20",
    )  # fmt: skip
    assert done["pseudonym"] == f"Personne effacée {cid}"
    assert done["kept_invoices"] == [i["number"] for i in invoices]
    assert done["letter_files_removed"] == [str(letter)] and not letter.exists()
    assert FIRST not in done["reason"] and "Personne effacée" in done["reason"]

    # The rows the law keeps are unchanged: numbers, amounts, dates, the frozen buyer.
    kept = store.all(
        "SELECT number, amount, issued_on, buyer_first_name, buyer_last_name, buyer_address "
        "FROM invoices WHERE candidate_id = ?",
        (cid,),
    )
    assert [tuple(r)[:3] for r in kept] == [tuple(r) for r in invoices]
    assert {(r["buyer_first_name"], r["buyer_last_name"]) for r in kept} == {(FIRST, LAST)}
    assert kept[0]["buyer_address"] == "12 rue des Écoles"

    text = _all_text(store)
    for gone in (EMAIL, OLD_EMAIL, "+33 6 12 34 56 78", "1984-02-29", "29/02/1984"):
        assert gone not in text, gone
    # Her name survives only on the invoice rows.
    invoice_text = "\n".join(
        str(v) for r in store.all("SELECT * FROM invoices") for v in tuple(r) if isinstance(v, str)
    )
    assert text.count(LAST) == invoice_text.count(LAST) > 0
    # The erasure is recorded, dated, with its reason.
    entry = store.one("SELECT * FROM audit_log WHERE action = 'candidate.forget'")
    assert entry["date"] == "2026-11-20" and entry["entity_id"] == str(cid)
    assert "du 20/11/2026" in json.loads(entry["details"])["reason"]

    data = _db_bytes(db_path, tmp_path, cli)
    for gone in (EMAIL, OLD_EMAIL):
        assert gone.encode() not in data, gone
    if not pg_backend.active():
        assert LAST.encode() in data  # the invoice keeps her name (the grep works)
        assert store.one("PRAGMA freelist_count")[0] == 0

    # What the commands show now.
    shown = cli.json("candidate", "show", cid)
    assert (shown["first_name"], shown["last_name"], shown["email"]) == (
        "Personne",
        f"effacée {cid}",
        None,
    )
    assert shown["forgotten_on"] == "2026-11-20"
    assert "forgotten" in cli.ok("candidate", "show", cid).stdout
    assert "invoice numbering  ok" in cli.ok("check").stdout
    # The hash-chained journal holds no personal data: a lawful erasure keeps it whole.
    assert cli.json("audit", "verify")["ok"] is True
    assert LAST not in cli.ok("candidate", "export", "--format", "json").stdout
    assert EMAIL not in cli.ok("log", "--limit", "500").stdout
    cert = cli.json("certificate", "show", number)
    assert cert["holder"] == f"Personne effacée {cid}"
    # Her own export after the erasure holds the pseudonym, and the kept invoices.
    out = tmp_path / "after"
    cli.ok("candidate", "export-person", cid, "--out", out)
    exported = (out / "person.json").read_text(encoding="utf-8")
    assert EMAIL not in exported and OLD_EMAIL not in exported
    # Forgotten once.
    result = cli.fails("candidate", "forget", cid, "--reason", "encore")
    assert "already forgotten on 2026-11-20" in result.stderr


def test_forget_refusals_write_nothing(cli, store, tmp_path, unchanged):
    cid, number = holder(cli, store, "2026-06-15", first="Valide", last="Titulaire")
    open_cid = cli.json("candidate", "add", "--first-name", "En", "--last-name", "Cours")["id"]
    cli.ok("dossier", "add", "--candidate", open_cid, "--scheme", "ECO", "--kind", "initial",
           "--date", "2026-03-01")  # fmt: skip
    with unchanged():
        for args, message in (
            ((999, "--reason", "x"), "no candidate with id 999"),
            ((cid, "--reason", "x", "--date", "2026-11-20"), f"holds certificate {number}, valid"),
            ((open_cid, "--reason", "x"), "in progress (submitted)"),
            ((open_cid,), "needs --reason"),
            ((open_cid, "--reason", "  "), "needs --reason"),
        ):
            result = cli.fails("candidate", "forget", *args)
            assert message in result.stderr, result.stderr
            assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_forget_a_refused_person_then_merged_duplicate(cli, store, tmp_path):
    """A person with a refused dossier may be forgotten at once; a duplicate merged
    into them is forgotten with them (it held their details too)."""
    ref = refused(cli, store)
    cid = store.one("SELECT candidate_id FROM dossiers WHERE ref = ?", (ref,))[0]
    dup = cli.json(
        "candidate", "add", "--first-name", "Hélène", "--last-name", "Lefèvre",
        "--email", "helene.dup@example.fr", "--force",
    )["id"]  # fmt: skip
    cli.ok("candidate", "merge", cid, dup, "--reason", "registered twice")
    done = cli.json("candidate", "forget", cid, "--reason", "demande", "--date", "2026-11-20")
    assert done["merged_duplicates"] == [dup]
    text = _all_text(store)
    assert "helene.dup@example.fr" not in text
    # Her name survives only on her instruction fee's invoice (issued at its payment),
    # which the law keeps.
    kept = store.all("SELECT number, purpose, buyer_last_name FROM invoices")
    assert [(r["purpose"], r["buyer_last_name"]) for r in kept] == [("instruction-fee", "Lefèvre")]
    assert done["kept_invoices"] == [kept[0]["number"]]
    invoice_text = "\n".join(
        str(v) for r in store.all("SELECT * FROM invoices") for v in tuple(r) if isinstance(v, str)
    )
    assert text.count("Lefèvre") == invoice_text.count("Lefèvre")
    assert "expérience insuffisante" not in text  # the refusal's reason, a free text
    row = store.one("SELECT status, decision FROM dossiers WHERE ref = ?", (ref,))
    assert tuple(row) == ("refused", "refused")  # the facts stay


def test_retention_run_dry_run_then_run(cli, store, tmp_path, unchanged):
    ref = refused(cli, store)  # refused 2026-06-15
    cid = store.one("SELECT candidate_id FROM dossiers WHERE ref = ?", (ref,))[0]
    keep_cid, _ = holder(cli, store, "2026-06-15", first="Garde", last="Valide")
    early = cli.json("retention", "run", "--date", "2031-06-14", "--dry-run")
    assert early["count"] == 0
    with unchanged():
        plan = cli.json("retention", "run", "--date", "2031-06-16", "--dry-run")
    assert plan["dry_run"] is True
    assert [(p["candidate_id"], p["rule"], p["years"]) for p in plan["people"]] == [
        (cid, "refused_or_withdrawn_dossier_years", 5)
    ]
    assert plan["people"][0]["due_on"] <= "2031-06-16"
    done = cli.json("retention", "run", "--date", "2031-06-16")
    assert done["count"] == 1 and done["people"][0]["erasure"]["id"] == cid
    assert cli.json("candidate", "show", cid)["last_name"] == f"effacée {cid}"
    assert cli.json("candidate", "show", keep_cid)["last_name"] == "Valide"
    entry = store.one("SELECT details FROM audit_log WHERE action = 'candidate.forget'")
    assert json.loads(entry["details"])["rule"] == "refused_or_withdrawn_dossier_years"
    # Nothing more to do the next time.
    assert cli.json("retention", "run", "--date", "2031-06-16")["count"] == 0


def test_retention_lapsed_holder(cli, store, tmp_path):
    cid, number = holder(cli, store, "2026-06-15", first="Ancien", last="Titulaire")
    cli.ok("certificate", "withdraw", number, "--reason", "cessation", "--date", "2027-01-10")
    assert cli.json("retention", "run", "--date", "2036-01-09", "--dry-run")["count"] == 0
    plan = cli.json("retention", "run", "--date", "2037-01-10", "--dry-run")
    assert [(p["candidate_id"], p["rule"]) for p in plan["people"]] == [
        (cid, "lapsed_holder_years")
    ]


def test_body_retention_rules_are_checked(tmp_path):
    from certcli.errors import SchemeError
    from certcli.rules import bodies, schemes

    body = next(iter(schemes.catalog().values())).body
    assert body.retention.refused_or_withdrawn_dossier_years == 5
    assert body.retention.lapsed_holder_years == 10
    path = Path(body.path)
    import tomllib

    table = tomllib.loads(path.read_text(encoding="utf-8"))
    table["retention"] = {"refused_years": 3}
    with pytest.raises(SchemeError, match="is not a retention rule"):
        bodies.load(path, table)
    table["retention"] = {"lapsed_holder_years": 0}
    with pytest.raises(SchemeError, match="at least 1"):
        bodies.load(path, table)
    del table["retention"]
    assert bodies.load(path, table).retention == bodies.Retention()


def test_sqlite_erasure_is_vacuumed(cli, store, tmp_path, db_path):
    if pg_backend.active():
        pytest.skip("SQLite's file pages")
    ref = refused(cli, store)
    cid = store.one("SELECT candidate_id FROM dossiers WHERE ref = ?", (ref,))[0]
    cli.ok("candidate", "edit", cid, "--email", EMAIL)
    cli.ok("candidate", "forget", cid, "--reason", "demande")
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    conn.close()
    wal = Path(f"{db_path}-wal")
    assert not wal.exists() or EMAIL.encode() not in wal.read_bytes()
    assert EMAIL.encode() not in Path(db_path).read_bytes()


def test_a_forgotten_person_is_never_filled_again(cli, store, unchanged):
    ref = refused(cli, store)
    cid = store.one("SELECT candidate_id FROM dossiers WHERE ref = ?", (ref,))[0]
    other = cli.json("candidate", "add", "--first-name", "Autre", "--last-name", "Personne")["id"]
    cli.ok("candidate", "forget", cid, "--reason", "demande", "--date", "2026-11-20")
    with unchanged():
        for args in (
            ("candidate", "edit", cid, "--email", "retour@example.fr"),
            ("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--kind", "initial"),
            ("experience", "add", "--candidate", cid, "--employer", "X", "--start",
             "2020-01-01", "--end", "2020-12-31", "--hours", "1600"),
            ("candidate", "merge", other, cid, "--reason", "doublon"),
        ):  # fmt: skip
            result = cli.fails(*args)
            assert f"candidate {cid} was forgotten on 2026-11-20" in result.stderr


# -- the erasure journalled ------------------------------------------------------------
def _erasures(store) -> list[dict]:
    return [e for e in store.journal_entries() if e["kind"] == "erasure"]


def _forgotten(cli, store, reason="demande de Zoé Quintard (zoe.quintard-gdpr@example.fr)"):
    """A person refused on 2026-06-15 (with an e-mail), forgotten on 2026-11-20 for
    `reason`, which names her: (candidate id, the erasure's entry)."""
    import builders

    cid = builders.addressed(store, first=FIRST, last=LAST, email=EMAIL, phone=PHONE)
    refused(cli, store, cid=cid)
    before = store.journal_entries()
    cli.ok("candidate", "forget", cid, "--reason", reason, "--date", "2026-11-20")
    after = store.journal_entries()
    assert after[: len(before)] == before  # appended, nothing before it rewritten
    (entry,) = [e for e in after[len(before) :] if e["kind"] == "erasure"]
    return cid, entry


def test_the_erasure_is_journalled_without_personal_data(cli, store):
    from certcli.rules import journal as rules

    cid, entry = _forgotten(cli, store)
    assert (entry["ref"], entry["record"], entry["date"]) == (cid, str(cid), "2026-11-20")
    # Its content is the day and the basis only: the free-text reason (which names
    # her here) is not in it, nor hashed into it.
    assert entry["content"] == rules.content_hash(
        "erasure", {"forgotten_on": "2026-11-20", "basis": "request"}
    )
    assert entry == store.journal_entries()[-1] and len(_erasures(store)) == 1
    text = json.dumps(store.journal_entries(), ensure_ascii=False)
    for personal in (FIRST, LAST, EMAIL, PHONE, "demande"):
        assert personal not in text, personal
    out = cli.json("audit", "verify")
    assert out["ok"] is True and out["entries"] == entry["seq"]
    # A later event chains after it; the chain still verifies.
    refused(cli, store, date="2026-10-15")
    assert store.journal_entries()[-1]["seq"] > entry["seq"]
    assert cli.json("audit", "verify")["ok"] is True


def test_a_refused_forget_journals_nothing(cli, store, unchanged):
    cid, _number = holder(cli, store, "2026-06-15", first="Valide", last="Titulaire")
    with unchanged():
        cli.fails("candidate", "forget", cid, "--reason", "x", "--date", "2026-11-20")
    assert _erasures(store) == []


def test_a_retention_erasure_is_journalled_with_its_rule(cli, store):
    from certcli.rules import journal as rules

    ref = refused(cli, store)
    cid = store.one("SELECT candidate_id FROM dossiers WHERE ref = ?", (ref,))[0]
    cli.ok("retention", "run", "--date", "2031-06-16")
    (entry,) = _erasures(store)
    assert (entry["ref"], entry["date"]) == (cid, "2031-06-16")
    assert entry["content"] == rules.content_hash(
        "erasure", {"forgotten_on": "2031-06-16", "basis": "refused_or_withdrawn_dossier_years"}
    )
    assert cli.json("audit", "verify")["ok"] is True


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_the_erasure_entry_cannot_be_removed_silently(cli, store, db_path):
    cid, entry = _forgotten(cli, store)
    refused(cli, store, date="2026-10-15")  # entries after it: it is in the middle
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("DELETE FROM journal WHERE seq = ?", (entry["seq"],))
        out = json.loads(cli("audit", "verify", "--json").stdout)
        assert (out["ok"], out["broken_at"]) == (False, entry["seq"])
        assert "missing from the chain" in out["problem"]
    finally:
        raw.close()


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_the_last_erasure_entry_removed_with_its_head_rewound_is_caught(cli, store, db_path):
    cid, entry = _forgotten(cli, store)
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("DELETE FROM journal WHERE seq = ?", (entry["seq"],))
        raw.execute(
            "UPDATE journal_head SET entries = ?, hash = ?", (entry["seq"] - 1, entry["prev"])
        )
    finally:
        raw.close()
    result = cli("audit", "verify", "--json")
    out = json.loads(result.stdout)
    assert result.exit_code == 1 and out["broken_at"] == entry["seq"]
    assert out["problem"] == f"erasure {cid} is not in the journal"


@pytest.mark.sqlite_only("tampers with the SQLite file through the sqlite3 module")
def test_an_erasure_redated_or_undone_with_sqlite3_is_caught(cli, store, db_path):
    cid, entry = _forgotten(cli, store)
    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("UPDATE candidates SET forgotten_on = '2026-11-01' WHERE id = ?", (cid,))
        out = json.loads(cli("audit", "verify", "--json").stdout)
        assert out["broken_at"] == entry["seq"] and "was changed" in out["problem"]
        raw.execute("UPDATE candidates SET forgotten_on = NULL WHERE id = ?", (cid,))
        out = json.loads(cli("audit", "verify", "--json").stdout)
        assert out["broken_at"] == entry["seq"] and f"erasure {cid} is gone" in out["problem"]
    finally:
        raw.close()


def test_an_upgraded_office_has_its_erasures_journalled(cli, store, db_path):
    """An office whose people were forgotten before erasures were journalled (m028):
    the upgrade journals them, the retention rule read back from the reason."""
    import builders

    from certcli.store import Store

    by_request = builders.addressed(store, first="Par", last="Demande")
    refused(cli, store, cid=by_request)
    by_rule = builders.addressed(store, first="Par", last="Règle")
    refused(cli, store, cid=by_rule, date="2026-06-20")
    cli.ok("candidate", "forget", by_request, "--reason", "demande", "--date", "2026-11-20")
    cli.ok("retention", "run", "--date", "2031-06-21")
    entries = store.journal_entries()
    assert [(e["kind"], e["ref"]) for e in entries[-2:]] == [
        ("erasure", by_request),
        ("erasure", by_rule),
    ]
    expected = [(e["ref"], e["record"], e["date"], e["content"]) for e in entries[-2:]]
    with store.transaction():  # the office as the version before m028 left it
        store.execute("DELETE FROM journal WHERE kind = 'erasure'")
        store.execute(
            "UPDATE journal_head SET entries = ?, hash = ?", (len(entries) - 2, entries[-3]["hash"])
        )
        store.execute("DELETE FROM _sqlite_migrations WHERE name = 'm028_erasure_journalled'")
        store.execute("ALTER TABLE candidates DROP COLUMN forget_rule")
    store.close()
    upgraded = Store(db_path, create=True)
    try:
        seeded = [(e["ref"], e["record"], e["date"], e["content"]) for e in _erasures(upgraded)]
    finally:
        upgraded.close()
    assert seeded == expected
    assert cli.json("audit", "verify")["ok"] is True
