"""Issue 17: PostgreSQL as a second engine. The whole suite runs on it with
CERTCLI_TEST_DB=postgresql (tests/pg_backend.py); here, what only a server has
(copying an office to and from it, its backup, its errors), the --db URL rule, and
the several-desks guarantees under 2 and 4 processes on whichever engine runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pg_backend
import pytest
from commission_helpers import decide_at, new_candidate, report_ready, session
from conftest import Cli
from test_concurrency import at_once, one_wins

ROOT = Path(__file__).resolve().parents[1]
pg = pytest.mark.postgresql_only("needs the PostgreSQL test server")


# -- the --db rule, on either engine ----------------------------------------------------
@pytest.mark.parametrize("url", ["mysql://u@host/office", "sqlite:///office.db", "http://x/y"])
def test_a_url_of_an_unknown_scheme_is_refused_not_made_a_folder(cli, url, tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    err = cli.fails("--db", url, "init").stderr
    assert "unknown database URL scheme" in err and url.split(":")[0] in err
    assert list((tmp_path / "cwd").iterdir()) == []


def test_a_file_url_is_refused_with_the_path_to_give(cli, tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    assert "give the path itself" in cli.fails("--db", "file:///tmp/x.db", "init").stderr
    assert list((tmp_path / "cwd").iterdir()) == [] and not Path("/tmp/x.db").exists()


def test_a_file_name_with_a_colon_is_still_a_file(cli, tmp_path):
    path = tmp_path / "office:2026.db"
    cli.ok("--db", path, "init")
    assert path.is_file()


def test_help_does_not_import_the_postgresql_driver():
    code = "import sys\nfrom certcli.cli import main\nsys.argv=['certcli','--help']\n"
    code += "try:\n    main()\nexcept SystemExit:\n    pass\n"
    code += "print('DRIVER:' + ','.join(m for m in ('psycopg', 'psycopg2') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.strip().splitlines()[-1] == "DRIVER:"


@pg
def test_a_read_on_the_server_loads_psycopg2_and_no_asyncio(cli):
    """The driver is psycopg2 for its import's cost (README "PostgreSQL next to
    SQLite"): psycopg 3 brings asyncio, importlib.metadata, logging and ctypes into
    every command, costlier than a whole read on SQLite."""
    cli.ok("candidate", "add", "--first-name", "Ada", "--last-name", "Lovelace")
    code = "import sys\nfrom certcli.cli import main\n"
    code += "sys.argv=['certcli','candidate','list','--search','ada','--json']\n"
    code += "try:\n    main()\nexcept SystemExit:\n    pass\n"
    code += "sys.stderr.write('MODULES:' + ' '.join(sorted(sys.modules)) + '\\n')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(run.stdout)[0]["last_name"] == "Lovelace"
    loaded = set(run.stderr.strip().splitlines()[-1].removeprefix("MODULES:").split())
    assert "psycopg2" in loaded and "psycopg" not in loaded
    heavy = {"asyncio", "importlib.metadata", "logging", "ctypes"}
    assert sorted(heavy & loaded) == []


# -- several desks at once: 2 and 4 processes, on the engine under test ---------------------
_ISSUE = """
import datetime as dt, pathlib, sys, time
from decimal import Decimal
from certcli.domain import invoices
from certcli.store import Store
store = Store(sys.argv[1])
store.actor = sys.argv[2]
folder = pathlib.Path(sys.argv[3])
(folder / sys.argv[2]).touch()
while len(list(folder.glob("p*"))) < int(sys.argv[4]):
    time.sleep(0.005)
for _ in range(40):
    invoices.issue(store, candidate_id=1, amount=Decimal("10.00"), label="test",
                   purpose="test", date=dt.date(2026, 5, 4))
"""


@pytest.mark.parametrize("n", [2, 4])
def test_n_desks_issue_gapless_unique_invoice_numbers(cli, store, db_path, tmp_path, n):
    new_candidate(cli)
    names = [f"p{i}" for i in range(n)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _ISSUE, str(db_path), name, str(tmp_path), str(n)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for name in names
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    numbers = [r[0] for r in store.all("SELECT number FROM invoices ORDER BY id")]
    assert numbers == [f"F-2026-{k:05d}" for k in range(1, 40 * n + 1)]
    assert cli.json("check")["ok"]


@pytest.mark.parametrize("n", [2, 4])
def test_n_desks_deciding_one_dossier_issue_one_certificate(cli, store, db_path, n):
    ref = report_ready(cli, store, report_on="2026-05-20")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-01")
    results = at_once(
        db_path, "commission", "decide", sid, ref, "--grant", "--date", "2026-06-15", n=n
    )
    one_wins(results, f"dossier {ref} was already decided at session {sid}: granted")
    assert store.scalar("SELECT count(*) FROM certificates") == 1


@pytest.mark.parametrize("n", [2, 4])
def test_n_desks_running_one_dues_call_invoice_each_holder_once(cli, store, db_path, n):
    for day in ("2025-03-12", "2025-04-14"):
        decide_at(cli, store, day)
    before = store.scalar("SELECT count(*) FROM invoices")
    # The children run on the real clock: a call dated in the past of any day.
    results = at_once(db_path, "dues", "call", "--year", "2026", "--date", "2026-01-05", n=n)
    assert all(code == 0 for code, _, _ in results), results
    called = store.all(
        "SELECT certificate_id, count(*) FROM invoices WHERE purpose = 'dues-call' "
        "AND dues_year = 2026 GROUP BY certificate_id"
    )
    assert len(called) == 2 and all(row[1] == 1 for row in called)
    assert store.scalar("SELECT count(*) FROM invoices") == before + 2
    assert cli.json("check")["ok"]


# -- db copy, both ways ------------------------------------------------------------------
def _demo_file(cli, tmp_path) -> Path:
    path = tmp_path / "office.db"
    cli.ok("--db", path, "demo", "--date", "2026-11-25")
    return path


def _views(cli, db) -> list:
    return [
        cli.json("--db", db, *args)
        for args in (
            ("candidate", "list", "--search", "MARTIN"),
            ("dossier", "list"),
            ("invoice", "list", "--unpaid"),
            ("certificate", "list"),
            ("stats", "--as-of", "2026-11-25"),
            ("dossier", "show", "2026-0001"),
        )
    ]


@pg
def test_db_copy_moves_an_office_to_the_server_and_back(cli, db_path, tmp_path):
    source = _demo_file(cli, tmp_path)
    copied = cli.json("db", "copy", "--from", source, "--to", db_path)
    assert copied["checksum_ok"] is True
    counts = cli.json("--db", source, "info")["counts"]
    assert copied["tables"] == counts and counts["candidates"] > 10
    assert _views(cli, db_path) == _views(cli, source)
    # Numbering goes on from the copied counters, on the server as in the file.
    back = tmp_path / "back.db"
    again = cli.json("db", "copy", "--from", db_path, "--to", back)
    assert again == copied
    assert _views(cli, back) == _views(cli, source)
    new = cli.json("--db", db_path, "candidate", "add", "--first-name", "A", "--last-name", "B")
    assert new["id"] == counts["candidates"] + 1


@pg
def test_db_copy_refuses_a_target_holding_records_and_writes_nothing(cli, db_path, tmp_path):
    source = _demo_file(cli, tmp_path)
    cli.ok("init")
    cli.ok("candidate", "add", "--first-name", "Léa", "--last-name", "Martin")
    before = cli.json("info")["counts"]
    err = cli.fails("db", "copy", "--from", source, "--to", db_path).stderr
    assert "already holds records" in err and "candidates (1)" in err
    assert cli.json("info")["counts"] == before
    # The other way: an existing office file is refused too, and left as it was.
    other = tmp_path / "other.db"
    cli.ok("--db", other, "init")
    cli.ok("--db", other, "candidate", "add", "--first-name", "X", "--last-name", "Y")
    assert (
        "already holds records" in cli.fails("db", "copy", "--from", db_path, "--to", other).stderr
    )


@pg
def test_db_copy_that_fails_leaves_no_file_behind(cli, db_path, tmp_path, monkeypatch):
    cli.ok("init")
    cli.ok("candidate", "add", "--first-name", "Léa", "--last-name", "Martin")
    from certcli.store import copy

    def damaged(self, row):  # a row that does not arrive as it left
        self.rows += 1
        self.hash.update(os.urandom(8))

    monkeypatch.setattr(copy._Digest, "add", damaged)
    target = tmp_path / "copy.db"
    err = cli.fails("db", "copy", "--from", db_path, "--to", target).stderr
    assert "differs from its source" in err
    assert not target.exists()


# -- backup and info -------------------------------------------------------------------------
@pg
def test_backup_of_a_server_office_is_a_file_db_copy_reads_back(cli, db_path, tmp_path):
    source = _demo_file(cli, tmp_path)
    cli.json("db", "copy", "--from", source, "--to", db_path)
    dest = tmp_path / "saved" / "backup.db"
    data = cli.json("backup", dest)
    assert data["backup"] == str(dest) and dest.stat().st_size == data["bytes"]
    assert cli.json("--db", dest, "info")["counts"] == cli.json("info")["counts"]
    assert _views(cli, dest) == _views(cli, db_path)
    # The backup is itself an office: back onto an empty server database.
    pg_backend.admin().execute("DROP SCHEMA certcli_t CASCADE")
    pg_backend.admin().execute("CREATE SCHEMA certcli_t")
    assert cli.json("db", "copy", "--from", dest, "--to", db_path)["checksum_ok"]
    assert _views(cli, db_path) == _views(cli, source)


@pg
def test_info_shows_the_server_and_schema_version(cli):
    from certcli.store.base import SCHEMA_VERSION

    data = cli.json("info")
    assert data["server"].startswith("PostgreSQL 1") and data["schema_version"] == SCHEMA_VERSION
    assert "PostgreSQL" in cli.ok("info").stdout
    assert "password" not in data["db"]


def test_info_names_the_sqlite_engine_on_a_file(cli, tmp_path):
    path = tmp_path / "f.db"
    cli.ok("--db", path, "init")
    assert cli.json("--db", path, "info")["server"].startswith("SQLite 3.")


# -- bad input: one Error line each, nothing written --------------------------------------
def _url_with(**params) -> str:
    return pg_backend.server_url(**params)


@pg
@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"host": "no-such-host.invalid"}, "unknown host no-such-host.invalid"),
        ({"host": "/nonexistent-socket-dir"}, "is not running or refuses connections"),
        ({"dbname": "no_such_office"}, "no database no_such_office on the PostgreSQL server"),
        ({"user": "nobody_here"}, "no user nobody_here on the PostgreSQL server"),
    ],
)
def test_a_bad_url_says_what_is_wrong(cli, params, said):
    for command in (("init",), ("candidate", "list"), ("info",)):
        err = cli.fails("--db", _url_with(**params), *command).stderr
        assert said in err, err


@pg
def test_a_password_is_never_shown(cli):
    url = pg_backend.server_url()
    with_password = url.replace("postgresql:///", "postgresql://someone:s3cret@/", 1)
    from certcli.store.postgres import shown_url

    assert "s3cret" not in shown_url(with_password) and "someone@" in shown_url(with_password)


@pg
def test_a_wrong_password_is_named(cli):
    port = os.environ.get("CERTCLI_TEST_PG_TCP_PORT")
    if not port:
        pytest.skip("CERTCLI_TEST_PG_TCP_PORT: no loopback listener with password logins")
    admin = pg_backend.admin()
    admin.execute("DROP ROLE IF EXISTS certcli_pw")
    admin.execute("CREATE ROLE certcli_pw LOGIN PASSWORD 'right'")
    url = _url_with(host="127.0.0.1", port=port, user="certcli_pw")
    env = {**os.environ, "PGPASSWORD": "wrong", "PYTHONPATH": str(ROOT)}
    env.pop("PGPASSFILE", None)
    run = subprocess.run(
        [sys.executable, "-m", "certcli", "--db", url, "info"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert run.returncode == 1 and "wrong password for user certcli_pw" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pg
def test_the_database_of_another_program_is_refused_untouched(db_path):
    cli = Cli()
    admin = pg_backend.admin()
    admin.execute("CREATE TABLE certcli_t.wp_posts (id int PRIMARY KEY, title text)")
    err = cli.fails("init").stderr
    assert "is not a certcli database (it holds other tables: wp_posts)" in err
    tables = admin.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'certcli_t'"
    ).fetchall()
    assert tables == [("wp_posts",)]
    assert "is not a certcli database" in cli.fails("candidate", "list").stderr


@pg
def test_a_server_older_than_15_is_refused(cli, monkeypatch):
    from certcli.store import postgres

    real = postgres.MIN_SERVER
    assert real == 150000
    # This server is 15 or newer: ask for more than it is, and it is "too old".
    monkeypatch.setattr(postgres, "MIN_SERVER", 999999)
    err = cli.fails("info").stderr
    assert "certcli needs PostgreSQL 15 or newer" in err and "is version 1" in err
    assert postgres.too_old(140011, "postgresql://h/db").endswith(
        "is version 14.11: certcli needs PostgreSQL 15 or newer"
    )


@pg
def test_a_missing_database_is_not_created_by_a_read(db_path):
    cli = Cli()
    # The empty schema is "no certcli database yet", as a missing file.
    assert "run `certcli init`" in cli.fails("candidate", "list").stderr
    store_check = pg_backend.admin().execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'certcli_t'"
    )
    assert store_check.fetchone()[0] == 0


@pg
def test_sessions_run_without_jit_unless_the_url_asks(store, db_path):
    # Issue 20: JIT compiled the big reads' expressions for longer than they ran.
    from certcli.store import postgres

    assert store.conn.run("SHOW jit").fetchone()[0] == "off"
    assert store.conn.run("SHOW lock_timeout").fetchone()[0] == "30s"
    url = str(db_path)
    assert "options=" in url  # the test schema's search_path
    asked = postgres.connect(url.replace("options=", "options=-cjit%3Don%20"))
    try:
        assert asked.run("SHOW jit").fetchone()[0] == "on"
        assert asked.run("SHOW search_path").fetchone()[0].startswith("certcli_t")
    finally:
        asked.close()


@pg
def test_search_ignores_accents_and_case_on_the_server(cli, store):
    for first, last in (("Éloïse", "Lefèvre"), ("Eloise", "LEFEVRE"), ("Marc", "Dubois")):
        cli.ok("candidate", "add", "--first-name", first, "--last-name", last)
    found = cli.json("candidate", "list", "--search", "eloise lefevre")
    assert sorted(c["last_name"] for c in found) == ["LEFEVRE", "Lefèvre"]
    assert [c["last_name"] for c in cli.json("candidate", "list", "--search", "BOI")] == ["Dubois"]
    assert json.dumps(found, ensure_ascii=False).count("Lefèvre") == 1


@pg
def test_the_search_uses_the_trigram_index(cli, store):
    store.conn.run("SET enable_seqscan = off")  # a tiny table: force the choice
    plan = "\n".join(
        r[0]
        for r in store.conn.run(
            "EXPLAIN SELECT id FROM candidates WHERE search_key ILIKE %s", ("%lefevre%",)
        )
    )
    assert "candidates_search_trgm" in plan, plan


@pg
def test_exports_read_through_server_side_cursors_closed_when_done(cli, store, monkeypatch):
    # Issue 20: psycopg2's own cursor receives a whole result at once; the exports'
    # readers fetch a batch at a time from a cursor the server holds.
    from certcli.store import base

    for i in range(5):
        cli.ok("candidate", "add", "--first-name", f"P{i}", "--last-name", f"Name{i}")
    monkeypatch.setattr(base, "STREAM_BATCH", 2)

    def cursors() -> list[str]:
        return [r[0] for r in store.conn.run("SELECT name FROM pg_cursors")]

    reads = store.iter_candidates()
    first = next(reads)
    assert first["last_name"] == "Name0" and len(cursors()) == 1
    # Two at once (the FEC merges the year's invoices and payments), each its own.
    others = store.iter_dossiers()
    assert list(others) == [] and len(cursors()) == 1
    assert [r["last_name"] for r in reads] == [f"Name{i}" for i in range(1, 5)]
    assert cursors() == []
    # Dropped half-read (an export failing midway): closed too.
    half = store.iter_candidates()
    next(half)
    assert len(cursors()) == 1
    half.close()
    assert cursors() == [] and not store.conn.in_transaction


@pg
def test_copy_loads_every_value_as_it_was(store):
    # db copy and the dues call load rows with COPY, its text format written by
    # certcli (psycopg2 has no row writer): tabs, line ends, backslashes, a literal
    # \N and NULL, accents, bytes and numbers come back as they went in.
    from certcli.store.postgres import POSTGRES

    texts = ["tab\there", "two\nlines", "cr\rlf\r\n", "back\\slash\\", "\\N", "", "\b\f\v"]
    texts += ["Éloïse € 😀", "'quoted' \"both\"", "%s %(x)s ?"]
    rows = [
        (i, text, i / 7 if i % 2 else None, -(2**62) + i, bytes(range(i, i + 5)) if i else None)
        for i, text in enumerate(texts)
    ]
    rows.append((len(texts), None, 1e-300, 0, b""))
    store.conn.run(
        "CREATE TEMP TABLE copied (n bigint, t text, f double precision, b bigint, y bytea)"
    )
    POSTGRES.load_rows(store.conn, "copied", ["n", "t", "f", "b", "y"], rows)
    back = store.conn.run("SELECT n, t, f, b, y FROM copied ORDER BY n").fetchall()
    assert [(n, t, f, b, None if y is None else bytes(y)) for n, t, f, b, y in back] == rows
