"""certcli/store/migrations.py: the migrated columns, the schema version, applying
twice changes nothing, a foreign database is left alone, and each data migration
fills the rows that existed before it."""

from __future__ import annotations

import sqlite3

import pytest
from commission_helpers import decide_at, new_candidate

from certcli.store import SCHEMA_VERSION, Store, migrations


def _granted_to_someone_who_moves(cli, store):
    cid = new_candidate(
        cli,
        first="Hélène",
        last="Lefèvre",
        civility="Mme",
        address="12 rue des Lilas",
        postcode="69003",
        city="Lyon",
    )
    done = decide_at(cli, store, "2026-06-15", candidate=cid)
    cli.ok(
        "candidate",
        "edit",
        cid,
        "--last-name",
        "Martin-Roux",
        "--address",
        "3 avenue Foch",
        "--postcode",
        "75016",
        "--city",
        "Paris",
        "--civility",
        "M.",
    )
    return done


@pytest.mark.sqlite_only("builds an old SQLite file to migrate")
def test_the_migration_fills_the_buyer_of_existing_invoices(cli, store, db_path):
    number = _granted_to_someone_who_moves(cli, store)["invoice"]
    # The database as certcli 0.2 before m004 left it: no buyer columns.
    columns = [
        r["name"]
        for r in store.all("PRAGMA table_info(invoices)")
        if r["name"].startswith("buyer_")
        # m015's employer columns and m020's company link are not m004's
        and r["name"] not in ("buyer_company", "buyer_siret", "buyer_company_id")
    ]
    assert len(columns) == 6
    for column in columns:
        store.execute(f"ALTER TABLE invoices DROP COLUMN {column}")
    store.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_invoice_buyer'")
    store.close()
    reopened = Store(db_path)
    row = reopened.one("SELECT * FROM invoices WHERE number = ?", (number,))
    # Backfilled from the candidate as they are now: the best that is known.
    assert (row["buyer_last_name"], row["buyer_city"]) == ("Martin-Roux", "Paris")


BORN = "1962-04-17"


def test_migration_fills_the_keys_of_existing_rows(tmp_path):
    from certcli.store import migrations

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    from sqlite_utils import Database

    wanted = [m for m in migrations.migrations._migrations if m.name < "m007"]
    everything = migrations.migrations._migrations
    migrations.migrations._migrations = wanted
    try:
        migrations.apply(conn)
    finally:
        migrations.migrations._migrations = everything
    Database(conn).execute(
        "INSERT INTO candidates (first_name, last_name, email, birth_date, created_on) "
        "VALUES ('Éric', 'Bérégovoy', 'Eric@Example.fr', ?, '2026-01-01')",
        [BORN],
    )
    conn.close()
    store = Store(db)
    row = store.one("SELECT name_key, email_key FROM candidates")
    assert (row["name_key"], row["email_key"]) == ("eric beregovoy", "eric@example.fr")
    store.close()


@pytest.mark.sqlite_only("builds an old SQLite file to migrate")
def test_migration_adds_the_removal_columns(store):
    columns = {r["name"] for r in store.all("PRAGMA table_info(experiences)")}
    assert {"removed_on", "removed_reason", "removed_by"} <= columns
    assert "m003_experience_removed" in store.applied_migrations()


@pytest.mark.sqlite_only("builds an old SQLite file to migrate")
def test_migration_adds_the_ongoing_column(store):
    columns = {r["name"]: r for r in store.all("PRAGMA table_info(experiences)")}
    assert columns["ongoing"]["dflt_value"] == "0" and columns["ongoing"]["notnull"] == 1
    assert "m006_experience_ongoing" in store.applied_migrations()


def test_init_is_idempotent(db_path):
    from conftest import Cli

    cli = Cli()
    assert "Created" in cli.ok("init").stdout
    assert "nothing changed" in cli.ok("init").stdout
    assert cli.json("init")["created"] is False
    store = Store(db_path)
    assert store.schema_version == SCHEMA_VERSION
    store.close()  # the connection closed, not left to the garbage collector


def test_schema_version_matches_migrations():
    assert SCHEMA_VERSION == len(migrations.names())
    assert migrations.names()[0] == "m001_initial"
    assert all(n[:1] == "m" and n[1:4].isdigit() for n in migrations.names())


def test_migrated_columns_and_pragmas(tmp_path):
    store = Store(tmp_path / "x.db", create=True)
    cols = {r["name"] for r in store.all("PRAGMA table_info(dossiers)")}
    assert {"ref", "candidate_id", "scheme", "kind", "status", "certificate_id"} <= cols
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA busy_timeout") >= 5000
    # Applying again changes nothing.
    schema = store.all("SELECT sql FROM sqlite_master ORDER BY name")
    again = Store(tmp_path / "x.db")
    assert again.created is False
    assert again.all("SELECT sql FROM sqlite_master ORDER BY name") == schema


def test_another_programs_database_is_left_alone(tmp_path):
    import sqlite3

    from conftest import Cli

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE foo (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    result = Cli().fails("--db", other, "info")
    assert "not a certcli database" in result.stderr and "foo" in result.stderr
    Cli().fails("--db", other, "init")
    assert other.read_bytes() == before
