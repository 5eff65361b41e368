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

import functools
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


class Admin:
    """A psycopg2 connection in autocommit whose execute returns its cursor (as
    sqlite3's and psycopg 3's do), for the tests' own statements."""

    def __init__(self, dsn: str = "", **params: str):
        import psycopg2
        import psycopg2.errors

        self.raw = psycopg2.connect(dsn, **params)
        self.raw.autocommit = True

    def execute(self, sql: str, params=None):
        cursor = self.raw.cursor()
        cursor.execute(sql, params)
        return cursor

    def close(self) -> None:
        self.raw.close()


class _Server:
    def __init__(self, admin_url: str):
        import psycopg2
        import psycopg2.errors
        from psycopg2.extensions import parse_dsn

        self.psycopg2 = psycopg2
        self.admin = Admin(admin_url)
        self.dbname = f"certcli_test_{os.getpid()}"
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
        self.admin.execute(f"CREATE DATABASE {self.dbname} TEMPLATE template0 ENCODING 'UTF8'")
        params = parse_dsn(admin_url)
        params["dbname"] = self.dbname
        self.params = {k: str(v) for k, v in params.items()}
        self.conn = Admin(**self.params)
        # In public, where every test schema's search_path finds it.
        self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        self.conn.execute("SET lock_timeout = '5s'")
        self.pool = _Pool(self.url())
        self.fingerprint: tuple | None = None
        self.tables: list[str] = []
        # Whether READY_SCHEMA holds a clean migrated schema (only this class renames
        # schemas, so it keeps count instead of asking the server each time).
        self.ready = False

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

    # Each step below is one round trip to the server (one multi-statement query), a
    # few per test instead of a dozen: the suite runs ~1,000 tests.
    def fresh(self) -> str:
        """An empty schema: no certcli database yet (as a file not yet created)."""
        self._script(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE", f"CREATE SCHEMA {TEST_SCHEMA}")
        return self.url()

    def migrated(self) -> None:
        """The test schema migrated, as `certcli init` leaves it."""
        if not self.ready:
            self._drop(READY_SCHEMA + "_new")
            self.conn.execute(f"CREATE SCHEMA {READY_SCHEMA}_new")
            from certcli.store import Store

            url = self.url(options=f"-csearch_path={READY_SCHEMA}_new,public")
            Store(url, create=True).close()
            self.conn.execute(f"ALTER SCHEMA {READY_SCHEMA}_new RENAME TO {READY_SCHEMA}")
            self.fingerprint = self._fingerprint(READY_SCHEMA)
            self.tables = [
                row[0]
                for row in self.conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_type = 'BASE TABLE' AND table_name != '_sqlite_migrations'",
                    (READY_SCHEMA,),
                )
            ]
        self._script(
            f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE",
            f"ALTER SCHEMA {READY_SCHEMA} RENAME TO {TEST_SCHEMA}",
        )
        self.ready = False

    def release(self) -> None:
        """After a test: its schema, emptied, becomes the next template when its
        structure is still the migrated one; dropped otherwise."""
        self.pool.clear()
        self._end_sessions()
        if self.fingerprint is None or self.ready:
            self._drop(TEST_SCHEMA)
            return
        if self._fingerprint(TEST_SCHEMA) != self.fingerprint:
            self._drop(TEST_SCHEMA)  # not a migrated schema (or none at all)
            return
        s = TEST_SCHEMA
        script = ["BEGIN", "SET CONSTRAINTS ALL DEFERRED"]
        script += [f"DELETE FROM {s}.{t}" for t in self.tables]
        script += [
            f"SELECT setval(pg_get_serial_sequence('{s}.{t}', 'id'), 1, false)"
            for t in self.tables
            if t not in ("counters", "search_index_paused")
        ]
        script += [f"ALTER SCHEMA {TEST_SCHEMA} RENAME TO {READY_SCHEMA}", "COMMIT"]
        try:
            self.conn.execute("; ".join(script))
        except self.psycopg2.Error:
            self.conn.execute("ROLLBACK")
            self._drop(TEST_SCHEMA)
            return
        self.ready = True

    def _script(self, *statements: str) -> None:
        """Statements in one round trip; if one waits on a lock a test left behind,
        the other sessions are ended and it runs again."""
        try:
            self.conn.execute("; ".join(statements))
        except self.psycopg2.errors.LockNotAvailable:
            self._end_sessions()
            self.conn.execute("; ".join(statements))

    def _fingerprint(self, schema: str) -> tuple | None:
        """The applied migrations and the number of each kind of object, in one
        query; None when the schema holds no migrated database."""
        try:
            return self.conn.execute(
                "SELECT (SELECT string_agg(name, ',' ORDER BY id) "
                f"FROM {schema}._sqlite_migrations), "
                "(SELECT count(*) FROM pg_class WHERE relnamespace = n.oid), "
                "(SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                " WHERE c.relnamespace = n.oid AND NOT a.attisdropped), "
                "(SELECT count(*) FROM pg_constraint WHERE connamespace = n.oid), "
                "(SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                " WHERE c.relnamespace = n.oid), "
                "(SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid) "
                "FROM pg_namespace n WHERE n.nspname = %s",
                (schema,),
            ).fetchone()
        except self.psycopg2.Error:
            return None

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
        self.pool.uninstall()
        self.conn.close()
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
        self.admin.close()


class _Pool:
    """The test database's connections kept between commands of one test.

    Every in-process command opens its Store, hence a connection: a new server
    process, about as costly as all of a small command's queries (the suite runs
    ~10,000 commands). A closed Store's connection is kept here, its session reset
    (DISCARD ALL: settings, cursors, prepared statements; the URL's options stay),
    and handed to the next Store opened on the same URL. Only that exact URL (the
    test schema's): any other URL, and every child process, connects for real."""

    def __init__(self, url: str):
        from certcli.store import postgres

        self.url = url
        self.idle: list = []
        self.closed_raw = None
        self.postgres = postgres
        self.real = postgres.connect
        postgres.connect = self.connect

    def connect(self, url: str):
        if url != self.url:
            return self.real(url)
        raw = None
        while self.idle and raw is None:
            raw = self.idle.pop()
            raw = None if raw.closed else raw
        if raw is None:
            raw = self.real(url).raw
        # A new wrapper each time: once its store is closed, it answers as a closed
        # connection does, whoever uses the server connection next.
        conn = self.postgres.Connection(raw)
        conn.close = functools.partial(self._give_back, conn)  # type: ignore[method-assign]
        return conn

    def _give_back(self, conn) -> None:
        raw = conn.raw
        if raw is self._closed():
            return
        conn.raw = self._closed()
        if raw.closed:
            return
        try:
            if raw.info.transaction_status != self.postgres.extensions.TRANSACTION_STATUS_IDLE:
                raw.cursor().execute("ROLLBACK")
            raw.cursor().execute("DISCARD ALL")
        except Exception:
            raw.close()
            return
        self.idle.append(raw)

    def _closed(self):
        """A closed server connection, what a closed store's wrapper points to."""
        if self.closed_raw is None:
            self.closed_raw = self.real(self.url).raw
            self.closed_raw.close()
        return self.closed_raw

    def clear(self) -> None:
        """Closed for real (before a test's sessions are ended, or at the end)."""
        for raw in self.idle:
            raw.close()
        self.idle = []

    def uninstall(self) -> None:
        self.clear()
        self.postgres.connect = self.real


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
