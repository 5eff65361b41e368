"""The connection, transactions, the audit trail and gapless counters.

Reads use the plain sqlite3 connection (fast start-up); sqlite-utils is only
imported when migrations are pending. Writes go through `transaction()`, which
takes SQLite's write lock first (BEGIN IMMEDIATE) so that two staff running
certcli at once queue up rather than interleave, and so that a counter read
inside it cannot be read by anyone else before it is bumped.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from certcli import dates
from certcli.errors import DatabaseError

SCHEMA_VERSION = 4  # number of migrations in store/migrations.py; a test keeps them equal
BUSY_TIMEOUT_MS = 30_000


def sql_list(values) -> str:
    """A literal SQL list of string constants, e.g. "('granted', 'refused')", for a
    fixed set of statuses (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


class BaseStore:
    def __init__(self, path: Path | str, *, create: bool = False):
        self.path = Path(path)
        if str(path) != ":memory:" and not self.path.exists():
            if not create:
                raise DatabaseError(
                    f"no database at {self.path}: run `certcli init` first (or pass --db)"
                )
            from certcli import safe_files

            safe_files.create_private(self.path)
        try:
            self.conn = sqlite3.connect(str(path), isolation_level=None,
                                        timeout=BUSY_TIMEOUT_MS / 1000)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.created = self._ensure_schema()
        except sqlite3.DatabaseError as exc:
            raise DatabaseError(f"{self.path} is not a usable certcli database ({exc})") from None
        self.actor = "unknown"
        self.event_date: dt.date | None = None
        # `--future`: invoices may be dated after today (a simulation or training
        # office); certcli.invoices reads it where invoices are numbered.
        self.future_invoices = False

    def close(self) -> None:
        self.conn.close()

    def backup(self, dest: Path, *, force: bool = False) -> None:
        """A consistent copy through SQLite's online backup, safe while others write;
        a half-written copy never carries the final name."""
        from certcli import safe_files
        from certcli.errors import CertcliError

        try:
            with safe_files.temporary(dest, force=force, protect=self.path,
                                      make_parents=True) as tmp:
                target = sqlite3.connect(tmp)
                try:
                    with target:
                        self.conn.backup(target)
                finally:
                    target.close()
        except CertcliError as exc:
            raise DatabaseError(str(exc).replace("cannot write ", "cannot write the backup to ",
                                                 1)) from None
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot write the backup to {dest}: "
                                f"{getattr(exc, 'strerror', None) or exc}") from None

    # -- schema ---------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='_sqlite_migrations'"
        ).fetchone()
        if not exists:
            return []
        rows = self.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set='certcli' ORDER BY id"
        )
        return [row[0] for row in rows]

    def _ensure_schema(self) -> bool:
        """Apply pending migrations; True when anything was applied."""
        applied = self.applied_migrations()
        if len(applied) >= SCHEMA_VERSION:
            return False
        if not applied:
            # Never turn another program's SQLite file into a certcli database.
            foreign = [row[0] for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 5")]
            if foreign:
                raise DatabaseError(
                    f"{self.path} is not a certcli database (it holds other tables: "
                    f"{', '.join(foreign)}); choose another --db"
                )
        from certcli.store import migrations

        # WAL lets readers go on while someone writes; it persists in the file.
        self.conn.execute("PRAGMA journal_mode = WAL")
        migrations.apply(self.conn)
        return True

    @property
    def schema_version(self) -> int:
        return len(self.applied_migrations())

    # -- transactions -----------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[BaseStore]:
        """One write transaction: all of it lands, or none of it."""
        if self.conn.in_transaction:
            # Nested use (a domain function calling another): one outer transaction.
            yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DatabaseError(f"database is busy ({exc}); try again") from None
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self, name: str) -> Iterator[BaseStore]:
        """A part of the current transaction undone on its own if it fails (one row
        of an import), the error going on up; call inside transaction()."""
        if not self.conn.in_transaction:
            raise RuntimeError("savepoint must run inside a transaction")
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        self.conn.execute(f"RELEASE {name}")

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params=()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def insert(self, table: str, record: dict) -> int:
        columns = ", ".join(record)
        marks = ", ".join("?" for _ in record)
        cur = self.conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(record.values())
        )
        return cur.lastrowid

    def update(self, table: str, row_id: int, changes: dict) -> None:
        if not changes:
            return
        sets = ", ".join(f"{column} = ?" for column in changes)
        self.conn.execute(
            f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), row_id)
        )

    # -- counters -----------------------------------------------------------------
    def next_counter(self, name: str) -> int:
        """The next value of a gapless sequence; call inside transaction()."""
        if not self.conn.in_transaction:
            raise RuntimeError("next_counter must run inside a transaction")
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1",
            (name,),
        )
        return self.scalar("SELECT value FROM counters WHERE name = ?", (name,))

    def counter_value(self, name: str) -> int:
        return self.scalar("SELECT value FROM counters WHERE name = ?", (name,)) or 0

    def set_counter(self, name: str, value: int) -> None:
        """Only for bulk loads that number their own rows (demo --size)."""
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value))

    # -- audit ----------------------------------------------------------------------
    def audit(self, action: str, entity: str, entity_id, details: dict | None = None,
              date: dt.date | None = None) -> None:
        """Record who did what on which record; call inside transaction()."""
        when = date or self.event_date or dates.today()
        self.insert("audit_log", {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "date": when.isoformat(),
            "actor": self.actor,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id),
            "details": json.dumps(details or {}, ensure_ascii=False, default=str),
        })

    def counts(self) -> dict[str, int]:
        tables = [
            row[0] for row in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' "
                "AND name NOT LIKE '%_fts%' ORDER BY name"
            )
        ]
        return {t: self.scalar(f"SELECT count(*) FROM {t}") for t in tables}
