"""The connection, transactions, the audit trail and gapless counters.

Reads use the plain sqlite3 connection (fast start-up); sqlite-utils is only
imported when migrations are pending. Writes go through `transaction()`, which
takes SQLite's write lock first (BEGIN IMMEDIATE) so that two staff running
certcli at once queue up rather than interleave, and so that a counter read
inside it cannot be read by anyone else before it is bumped.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeAlias

from certcli.errors import DatabaseError
from certcli.rules import dates
from certcli.rules import fastjson as json
from certcli.store import journal
from certcli.store.dialect import like_escape
from certcli.store.directory_order import HOLDER_NAMES, sort_holders

SCHEMA_VERSION = 33  # number of migrations in store/migrations.py; a test keeps them equal
BUSY_TIMEOUT_MS = 30_000
STREAM_BATCH = 1000  # rows fetched at a time by Store.stream

# What sqlite3 binds: values by position, or by name for :name placeholders.
Params: TypeAlias = Sequence[Any] | Mapping[str, Any]


def sql_list(values: Iterable[str]) -> str:
    """A literal SQL list of string constants, e.g. "('granted', 'refused')", for a
    fixed set of statuses (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def explain(exc: sqlite3.Error, path: Path | str | None = None) -> DatabaseError:
    """The real cause of an SQLite failure, in the user's words: one rule for the
    opening and for any statement that fails later."""
    text = str(exc)
    lower = text.lower()
    where = f" ({path})" if path else ""
    if "malformed" in lower or "not a database" in lower or "corrupt" in lower:
        return DatabaseError(f"the database is damaged{where}: run `certcli check`")
    io_error = "disk i/o error" in lower or "unable to open" in lower
    if "database or disk is full" in lower or (io_error and _disk_full(path)):
        return DatabaseError(
            f"the disk is full{where}: free some space and try again "
            "(nothing was written by this step)"
        )
    if "disk i/o error" in lower:
        return DatabaseError(
            f"disk I/O error{where}: the disk may be failing or was "
            "removed; check it, then run `certcli check`"
        )
    if "readonly" in lower or "read-only" in lower:
        folder = Path(path).parent if path else None
        return DatabaseError(
            f"the database is read-only{where}: reads work, writes need "
            f"write access to the file and its folder {folder or ''}".rstrip()
        )
    if "locked" in lower or "busy" in lower:
        return DatabaseError(f"database is busy ({text}); try again")
    if "unable to open" in lower:
        return DatabaseError(
            f"cannot open the database{where}: check that its folder exists and may be read"
        )
    return DatabaseError(f"database: {text}")


def _disk_full(path: Path | str | None) -> bool:
    if not path or str(path) == ":memory:":
        return False
    import shutil

    try:
        # A full disk often shows as a plain I/O error (the -shm or -wal file cannot
        # grow): ask the disk itself.
        return shutil.disk_usage(Path(path).resolve().parent).free < 1024 * 1024
    except OSError:
        return False


def _refuse_absent(path: Path) -> DatabaseError:
    return DatabaseError(f"no certcli database at {path}: run `certcli init` (or pass --db)")


def _cannot_write(path: Path, exc: sqlite3.Error) -> bool:
    import os

    text = str(exc).lower()
    return ("unable to open" in text or "readonly" in text or "disk i/o" in text) and (
        not os.access(path.parent, os.W_OK)
        or not os.access(path, os.W_OK)
        or _read_only_medium(path)
    )


def _read_only_medium(path: Path) -> bool:
    import os

    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class BaseStore:
    def __init__(self, path: Path | str, *, create: bool = False):
        """Open (and, only with create=True, create or migrate) a certcli database.

        Only `init` and `demo` create: any other command on a missing or empty file
        refuses it, so a mistyped --db never becomes an empty office. A database
        written by a newer certcli is refused before anything reads it."""
        from certcli.store.dialect import SQLITE, SqliteDialect, postgres_url

        url = postgres_url(path)
        self.actor = "unknown"
        self.event_date: dt.date | None = None
        # `--future`: invoices may be dated after today (a simulation or training
        # office); certcli.domain.invoices reads it where invoices are numbered.
        self.future_invoices = False
        self.read_only = False
        self.url: str | None = None
        if url:
            self._open_postgres(url, create)
            return
        self.dialect: SqliteDialect = SQLITE
        self.path = Path(path)
        memory = str(path) == ":memory:"
        if not memory:
            try:
                exists = self.path.exists()
                if exists and not self.path.is_file():
                    raise DatabaseError(f"{self.path} is not a file: choose another --db")
            except OSError as exc:
                raise DatabaseError(
                    f"cannot open the database {self.path}: {exc.strerror}"
                ) from None
            if not exists:
                if not create:
                    raise _refuse_absent(self.path)
                from certcli.store import files as safe_files

                safe_files.create_private(self.path)
        try:
            self.conn = self._connect(memory, create)
            self.created = self._ensure_schema(create)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    def _open_postgres(self, url: str, create: bool) -> None:
        """The same store on a PostgreSQL database (certcli.store.postgres, which
        brings the driver): only this opening and the dialect differ."""
        from certcli.store import postgres

        self.dialect = postgres.POSTGRES
        self.url = url
        # What messages and JSON show as "db": the URL, never its password.
        # (A str, not a Path: only SQLite's own branches take its parent folder.)
        self.path = postgres.shown_url(url)  # type: ignore[assignment]
        # The part of sqlite3.Connection the store uses, with the same behaviour.
        self.conn = postgres.connect(url)  # type: ignore[assignment]
        try:
            self.created = self._ensure_schema(create)
        except BaseException:
            self.conn.close()
            raise

    def _connect(self, memory: bool, create: bool) -> sqlite3.Connection:
        if memory:
            conn = sqlite3.connect(":memory:", isolation_level=None)
        else:
            # mode=rw never creates a file: only init and demo (rwc) may.
            uri = f"{self.path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
            conn = sqlite3.connect(
                uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError as exc:
                # A WAL database in a folder where the -wal/-shm files cannot be
                # created (read-only folder or medium): it can still be read.
                if create or not _cannot_write(self.path, exc):
                    raise
                conn.close()
                conn = self._connect_read_only()
                self.read_only = True
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri()
        conn = sqlite3.connect(
            f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
        # No -shm file to share, and none can be created: no one is writing through
        # this folder now, so the file is read as it stands (SQLite's `immutable`).
        return sqlite3.connect(
            f"{uri}?mode=ro&immutable=1",
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )

    def close(self) -> None:
        self.conn.close()

    def backup(self, dest: Path, *, force: bool = False) -> None:
        """A consistent copy through SQLite's online backup, safe while others write.

        A half-written copy never carries the final name, and a copy that fails
        SQLite's integrity check is removed, never called a backup (a part file
        left by a killed backup is removed by the next one: safe_files). On
        PostgreSQL, the backup is an SQLite copy of one snapshot (store.copy)."""
        from certcli.errors import CertcliError
        from certcli.store import files as safe_files

        try:
            if dest.parent.is_dir():
                # A killed backup leaves its part file under whatever name it had
                # (backups are often dated): the next backup to that folder removes it.
                safe_files.remove_stale_parts(dest.parent)
            with safe_files.temporary(
                dest, force=force, protect=self.path, make_parents=True
            ) as tmp:
                if self.url:
                    from certcli.store import copy

                    copy.snapshot_into(self, tmp)
                    return
                target = sqlite3.connect(tmp)
                try:
                    with target:
                        self.conn.backup(target)
                    problems = [row[0] for row in target.execute("PRAGMA integrity_check(5)")]
                finally:
                    target.close()
                if problems != ["ok"]:
                    raise DatabaseError(
                        f"the database is damaged: the copy fails SQLite's integrity check "
                        f"({problems[0]}); no backup was written: run `certcli check`"
                    )
        except DatabaseError:
            raise
        except CertcliError as exc:
            raise DatabaseError(
                str(exc).replace("cannot write ", "cannot write the backup to ", 1)
            ) from None
        except sqlite3.Error as exc:
            # A damaged source is the database's fault; a full or failing disk is
            # the copy's, which is where the user must make room.
            damaged = explain(exc, self.path)
            if "damaged" in str(damaged):
                raise damaged from None
            raise explain(exc, dest) from None
        except OSError as exc:
            raise DatabaseError(
                f"cannot write the backup to {dest}: {exc.strerror or exc}"
            ) from None

    # -- schema ---------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        return self.dialect.applied_migrations(self.conn)

    def _ensure_schema(self, create: bool = True) -> bool:
        """Apply pending migrations; True when anything was applied."""
        applied = self.applied_migrations()
        if len(applied) == SCHEMA_VERSION:
            return False  # the common case, without importing sqlite-utils
        from certcli.store import migrations

        if len(applied) > SCHEMA_VERSION or not set(applied) <= set(migrations.names()):
            raise DatabaseError(
                f"{self.path} was written by a newer certcli (schema {len(applied)}, this one "
                f"knows {SCHEMA_VERSION}): upgrade certcli"
            )
        if not applied:
            # Never turn another program's SQLite file into a certcli database.
            foreign = self.dialect.other_tables(self.conn)
            if foreign:
                raise DatabaseError(
                    f"{self.path} is not a certcli database (it holds other tables: "
                    f"{', '.join(foreign)}); choose another --db"
                )
            if not create:
                raise _refuse_absent(self.path)
        if self.read_only:
            raise DatabaseError(
                f"{self.path} needs an upgrade (schema {len(applied)} to "
                f"{SCHEMA_VERSION}) but its folder is read-only"
            )

        self.dialect.apply_migrations(self.conn)
        return True

    @property
    def schema_version(self) -> int:
        return len(self.applied_migrations())

    # -- transactions -----------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """One write transaction: all of it lands, or none of it."""
        if self.conn.in_transaction:
            # Nested use (a domain function calling another): one outer transaction.
            yield self
            return
        if self.read_only:
            raise DatabaseError(
                f"the database is read-only ({self.path}): reads work, writes "
                f"need write access to its folder {self.path.parent}"
            )
        try:
            self.dialect.begin_write(self.conn)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        try:
            yield self
        except BaseException:
            # SQLite may have rolled back already (a damaged page, a full disk):
            # a second ROLLBACK would hide the real error behind "cannot rollback".
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def stream(self, sql: str, params: Params = ()) -> Iterator[sqlite3.Row]:
        """The rows of a SELECT as they come, never the whole result held (on
        PostgreSQL through a server-side cursor): the exports, `--all` listings."""
        for rows in self.dialect.read_batches(self.conn, sql, STREAM_BATCH, params):
            yield from rows

    def batches(
        self, sql: str, params: Params = (), size: int = STREAM_BATCH
    ) -> Generator[list[sqlite3.Row], None, None]:
        """The rows of a SELECT `size` at a time, as `stream` reads them: what a
        listing reads about the rows it has just read (a batch's ids), or a long write
        that never holds the whole result (`dues call`)."""
        return self.dialect.read_batches(self.conn, sql, size, params)

    def page(
        self, sql: str, params: Sequence[Any], limit: int, offset: int = 0
    ) -> list[sqlite3.Row]:
        """`limit` rows of a listing's SELECT (its ORDER BY last), from `offset`."""
        return self.all(f"{sql} LIMIT ? OFFSET ?", (*params, limit, offset))

    def count_of(self, sql: str, params: Params = ()) -> int:
        """How many rows a listing's SELECT gives (a page's caption); its final
        ORDER BY, which a count does not need, left out."""
        head, _, order = sql.rpartition(" ORDER BY ")
        if head and order.count("(") == order.count(")"):  # the statement's own ORDER BY
            sql = head
        return self.scalar(f"SELECT count(*) FROM ({sql}) listed", params)

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def insert(self, table: str, record: Mapping[str, Any]) -> int:
        # Column names quoted: `end` is a reserved word in PostgreSQL.
        columns = ", ".join(f'"{column}"' for column in record)
        marks = ", ".join("?" for _ in record)
        new_id = self.dialect.insert_returning_id(
            self.conn, f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(record.values())
        )
        if table == "certificates":
            sort_holders(self.conn, [record["candidate_id"]])
        if table in journal.ON_INSERT:
            journal.after_write(self, table, [new_id])
        return new_id

    def insert_many(self, table: str, records: Sequence[Mapping[str, Any]]) -> None:
        """Records of the same keys inserted in bulk (COPY on PostgreSQL)."""
        if records:
            columns = list(records[0])
            rows = [tuple(r[c] for c in columns) for r in records]
            journalled = table in journal.ON_INSERT
            # Under the write lock, the rows above the highest id are these.
            since = self.scalar(f"SELECT coalesce(max(id), 0) FROM {table}") if journalled else 0
            self.dialect.load_rows(self.conn, table, columns, rows)
            if table == "certificates":
                sort_holders(self.conn, {r["candidate_id"] for r in records})
            if journalled:
                ids = [r[0] for r in self.all(f"SELECT id FROM {table} WHERE id > ?", (since,))]
                journal.after_write(self, table, ids)

    def update(self, table: str, row_id: int, changes: Mapping[str, Any]) -> None:
        if not changes:
            return
        sets = ", ".join(f'"{column}" = ?' for column in changes)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), row_id))
        if table == "candidates" and HOLDER_NAMES & changes.keys():
            sort_holders(self.conn, [row_id])
        elif table == "certificates" and "candidate_id" in changes:
            sort_holders(self.conn, [changes["candidate_id"]])
        if table in journal.ON_UPDATE:
            journal.after_write(self, table, [row_id], dict(changes))

    def candidate_match(self, search_key: str, id_column: str = "id") -> tuple[str, list]:
        """A condition on `id_column` (a candidate id): the candidate's search key
        holds every word of `search_key`. Words of 3+ characters go through the
        trigram index as quoted phrases; shorter ones need a LIKE over the keys,
        wildcards escaped either way. Shared by candidate, dossier and certificate
        search."""
        words = search_key.split()
        long_words = [w for w in words if len(w) >= 3]
        short = [w for w in words if len(w) < 3]
        clauses, params = [], []
        if long_words:
            clause, more = self.dialect.search_words(long_words, id_column)
            clauses.append(clause)
            params += more
        if short:
            likes = " AND ".join("search_key LIKE ? ESCAPE '\\'" for _ in short)
            clauses.append(f"{id_column} IN (SELECT id FROM candidates WHERE {likes})")
            params += [f"%{like_escape(w)}%" for w in short]
        return " AND ".join(clauses), params

    # -- counters -----------------------------------------------------------------
    def next_counter(self, name: str, count: int = 1) -> int:
        """The next value of a gapless sequence (with `count`, the last of the next
        `count` values, all taken); call inside transaction()."""
        if not self.conn.in_transaction:
            raise RuntimeError("next_counter must run inside a transaction")
        return self.scalar(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = counters.value + excluded.value "
            "RETURNING value",
            (name, count),
        )

    def counter_value(self, name: str) -> int:
        return self.scalar("SELECT value FROM counters WHERE name = ?", (name,)) or 0

    def set_counter(self, name: str, value: int) -> None:
        """Only for bulk loads that number their own rows (demo --size)."""
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    # -- audit ----------------------------------------------------------------------
    def audit(
        self,
        action: str,
        entity: str,
        entity_id: object,
        details: Mapping[str, Any] | None = None,
        date: dt.date | None = None,
    ) -> None:
        """Record who did what on which record; call inside transaction()."""
        when = date or self.event_date or dates.today()
        self.insert(
            "audit_log",
            {
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "date": when.isoformat(),
                "actor": self.actor,
                "action": action,
                "entity": entity,
                "entity_id": None if entity_id is None else str(entity_id),
                "details": json.dumps(details or {}, ensure_ascii=False, default=str),
            },
        )

    def audit_many(
        self,
        action: str,
        entity: str,
        entries: Iterable[tuple[object, Mapping[str, Any] | str | None]],
        date: dt.date | None = None,
    ) -> None:
        """audit() for many records at once, [(entity_id, details), ...] (an import);
        `details` may be given as its JSON text already."""
        when = (date or self.event_date or dates.today()).isoformat()
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        encode = json.JSONEncoder(ensure_ascii=False, default=str).encode  # one, not one a row
        self.dialect.load_rows(
            self.conn,
            "audit_log",
            ["at", "date", "actor", "action", "entity", "entity_id", "details"],
            [
                (
                    at,
                    when,
                    self.actor,
                    action,
                    entity,
                    None if eid is None else str(eid),
                    details if isinstance(details, str) else encode(details or {}),
                )
                for eid, details in entries
            ],
        )

    def counts(self) -> dict[str, int]:
        tables = self.dialect.tables(self.conn)
        return {t: self.scalar(f"SELECT count(*) FROM {t}") for t in tables}
