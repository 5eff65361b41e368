"""The suite on PostgreSQL: CERTCLI_TEST_DB=postgresql (or a postgresql:// URL of the
server's maintenance database) makes every test's database a PostgreSQL one.

The server is the one libpq's usual variables name (PGHOST, PGPORT, PGUSER) unless
the URL says otherwise. One throwaway database is created for the session; each test
gets a fresh schema in it, `certcli_t`, as its whole database (the URL sets the
search_path). CREATE DATABASE and DDL cost a quarter to half a second each on a small
machine, so a migrated schema is the template: `migrated()` renames a clean one into
place (what copying a template file is for SQLite), and after the test the schema is
emptied (rows deleted, ids restarted) for the next one, or dropped when the test
changed its structure.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest

TEST_SCHEMA = "certcli_t"
READY_SCHEMA = "certcli_ready"


def requested() -> str | None:
    value = os.environ.get("CERTCLI_TEST_DB", "").strip()
    if not value or value == "sqlite":
        return None
    if value == "postgresql":
        return "postgresql:///postgres"
    if value.startswith(("postgresql://", "postgres://")):
        return value
    raise pytest.UsageError(f"CERTCLI_TEST_DB={value}: use sqlite, postgresql or a URL")


def active() -> bool:
    return _server is not None


class _Server:
    def __init__(self, admin_url: str):
        import psycopg

        self.psycopg = psycopg
        self.admin = psycopg.connect(admin_url, autocommit=True)
        self.dbname = f"certcli_test_{os.getpid()}"
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
        self.admin.execute(f"CREATE DATABASE {self.dbname} TEMPLATE template0 ENCODING 'UTF8'")
        params = psycopg.conninfo.conninfo_to_dict(admin_url)
        params["dbname"] = self.dbname
        self.params = {k: str(v) for k, v in params.items()}
        self.conn = psycopg.connect(**self.params, autocommit=True)
        # In public, where every test schema's search_path finds it.
        self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        self.conn.execute("SET lock_timeout = '5s'")
        self.fingerprint: tuple | None = None

    def url(self, **extra: str) -> str:
        """A URL of the test database whose tables are those of `TEST_SCHEMA`."""
        params = {**self.params, **extra}
        params.setdefault("options", f"-csearch_path={TEST_SCHEMA},public")
        query = "&".join(f"{k}={quote(v, safe='/')}" for k, v in params.items())
        return f"postgresql:///?{query}"

    def schema_exists(self, name: str) -> bool:
        return bool(
            self.conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone()
        )

    def fresh(self) -> str:
        """An empty schema: no certcli database yet (as a file not yet created)."""
        self._drop(TEST_SCHEMA)
        self.conn.execute(f"CREATE SCHEMA {TEST_SCHEMA}")
        return self.url()

    def migrated(self) -> None:
        """The test schema migrated, as `certcli init` leaves it."""
        if not self.schema_exists(READY_SCHEMA):
            self._drop(READY_SCHEMA + "_new")
            self.conn.execute(f"CREATE SCHEMA {READY_SCHEMA}_new")
            from certcli.store import Store

            url = self.url(options=f"-csearch_path={READY_SCHEMA}_new,public")
            Store(url, create=True).close()
            self.conn.execute(f"ALTER SCHEMA {READY_SCHEMA}_new RENAME TO {READY_SCHEMA}")
            self.fingerprint = self._fingerprint(READY_SCHEMA)
        self._drop(TEST_SCHEMA)
        self.conn.execute(f"ALTER SCHEMA {READY_SCHEMA} RENAME TO {TEST_SCHEMA}")

    def release(self) -> None:
        """After a test: its schema, emptied, becomes the next template when its
        structure is still the migrated one; dropped otherwise."""
        self._end_sessions()
        if not self.schema_exists(TEST_SCHEMA):
            return
        if (
            self.fingerprint is None
            or self.schema_exists(READY_SCHEMA)
            or self._fingerprint(TEST_SCHEMA) != self.fingerprint
        ):
            self._drop(TEST_SCHEMA)
            return
        tables = [
            row[0]
            for row in self.conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE' AND table_name != '_sqlite_migrations'",
                (TEST_SCHEMA,),
            )
        ]
        s = TEST_SCHEMA
        script = ["BEGIN", "SET CONSTRAINTS ALL DEFERRED"]
        script += [f"DELETE FROM {s}.{t}" for t in tables]
        script += [
            f"SELECT setval(pg_get_serial_sequence('{s}.{t}', 'id'), 1, false)"
            for t in tables
            if t not in ("counters", "search_index_paused")
        ]
        script += ["COMMIT"]
        try:
            self.conn.execute("; ".join(script))
        except self.psycopg.Error:
            self.conn.execute("ROLLBACK")
            self._drop(TEST_SCHEMA)
            return
        self.conn.execute(f"ALTER SCHEMA {TEST_SCHEMA} RENAME TO {READY_SCHEMA}")

    def _fingerprint(self, schema: str) -> tuple | None:
        try:
            applied = self.conn.execute(
                f"SELECT string_agg(name, ',' ORDER BY id) FROM {schema}._sqlite_migrations"
            ).fetchone()
        except self.psycopg.Error:
            return None
        return (
            applied
            + self.conn.execute(
                "SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = n.oid), "
                "(SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                " WHERE c.relnamespace = n.oid AND NOT a.attisdropped), "
                "(SELECT count(*) FROM pg_constraint WHERE connamespace = n.oid), "
                "(SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                " WHERE c.relnamespace = n.oid), "
                "(SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid) "
                "FROM pg_namespace n WHERE n.nspname = %s",
                (schema,),
            ).fetchone()
        )

    def _end_sessions(self) -> None:
        # A connection a test left open (a killed child process) would hold locks.
        self.conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid != pg_backend_pid()"
        )

    def _drop(self, schema: str) -> None:
        if self.schema_exists(schema):
            self._end_sessions()
            self.conn.execute(f"DROP SCHEMA {schema} CASCADE")

    def close(self) -> None:
        self.conn.close()
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
        self.admin.close()


_server: _Server | None = None


def start() -> None:
    global _server
    url = requested()
    if url is None:
        return
    try:
        _server = _Server(url)
    except Exception as exc:  # the whole half would fail: say why once
        raise pytest.UsageError(
            f"CERTCLI_TEST_DB: cannot use the PostgreSQL server: {exc}"
        ) from None


def stop() -> None:
    global _server
    if _server is not None:
        _server.close()
        _server = None


def fresh_url() -> str:
    assert _server is not None
    return _server.fresh()


def migrated() -> None:
    assert _server is not None
    _server.migrated()


def release() -> None:
    if _server is not None:
        _server.release()


def server_url(**extra: str) -> str:
    """The test database's URL (for tests of the PostgreSQL side itself)."""
    assert _server is not None
    return _server.url(**extra)


def admin():
    assert _server is not None
    return _server.conn


def skip_by_backend(items) -> None:
    for item in items:
        only = item.get_closest_marker("sqlite_only")
        if only and active():
            reason = only.args[0] if only.args else "SQLite only"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        only = item.get_closest_marker("postgresql_only")
        if only and not active():
            item.add_marker(
                pytest.mark.skip(reason="needs CERTCLI_TEST_DB=postgresql (a PostgreSQL server)")
            )
