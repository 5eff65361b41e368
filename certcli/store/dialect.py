"""Where SQLite and PostgreSQL differ, each difference in one method.

The store's SQL is written once, in SQLite's dialect; `SqliteDialect` is what the
embedded default does. `certcli.store.postgres.PostgresDialect` (imported only for
a postgresql:// URL, with its driver) overrides these methods and translates the
statements on its connection. Nothing here imports a driver.
"""

from __future__ import annotations

import re
from pathlib import Path

from certcli.errors import DatabaseError

POSTGRES_SCHEMES = ("postgresql", "postgres")
# "scheme://...": a URL, not a file name (a colon alone is legal in a file name).
_URL = r"^([A-Za-z][A-Za-z0-9+.-]*)://"  # compiled by `re` when a name has "://"


def postgres_url(target) -> str | None:
    """The PostgreSQL URL `target` is, None for a file; any other URL is refused
    (`--db mysql://...` must not become a folder named `mysql:`)."""
    if isinstance(target, Path) or target is None:
        return None
    text = str(target)
    match = re.match(_URL, text) if "://" in text else None
    if not match:
        return None
    scheme = match.group(1).lower()
    if scheme in POSTGRES_SCHEMES:
        return text
    if scheme == "file":
        raise DatabaseError(
            f"--db takes a file path or a postgresql:// URL, not a file: URL ({text}): "
            "give the path itself"
        )
    raise DatabaseError(
        f"unknown database URL scheme '{scheme}:' in --db: certcli works with an SQLite "
        "file (a path) or PostgreSQL (postgresql://user@host/dbname)"
    )


def like_escape(text: str) -> str:
    """User text inside a LIKE pattern, its wildcards taken literally (use with
    ESCAPE '\\'): `--search %` finds a percent sign, not the whole register."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(text: str) -> str:
    """A word as one quoted FTS5 phrase: on the trigram index, a substring match
    where no character of the word is query syntax."""
    return '"' + text.replace('"', '""') + '"'


def _index_name(create_sql: str) -> str:
    """The name in `CREATE [UNIQUE] INDEX name ON ...` (quoted for DROP INDEX)."""
    match = re.match(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\S+)\s+ON\b", create_sql, re.I)
    if match is None:
        raise ValueError(f"not an index: {create_sql[:60]}")
    return match.group(1)


class SqliteDialect:
    name = "sqlite"
    # sqlite-utils' bookkeeping table of applied migrations (both dialects use it).
    MIGRATIONS_TABLE = "_sqlite_migrations"
    # Appended to a SELECT of a row the transaction then updates (the journal's head):
    # SQLite's write lock is the whole database already.
    lock_row = ""

    def begin_write(self, conn) -> None:
        # Takes the database's write lock now, so two desks queue up instead of
        # interleaving (a counter read inside is nobody else's until bumped).
        conn.execute("BEGIN IMMEDIATE")

    def begin_snapshot(self, conn) -> None:
        """A read-only transaction: every later read sees the same moment (WAL)."""
        conn.execute("BEGIN")

    def has_table(self, conn, name: str) -> bool:
        return bool(
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name = ?", (name,)
            ).fetchone()
        )

    def applied_migrations(self, conn) -> list[str]:
        """The names of the migrations applied, in order ([] for a new database)."""
        if not self.has_table(conn, self.MIGRATIONS_TABLE):
            return []
        rows = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set='certcli' ORDER BY id"
        )
        return [row[0] for row in rows]

    def tables(self, conn) -> list[str]:
        """certcli's tables (no bookkeeping, no search index internals), by name."""
        return [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' "
                "AND name NOT LIKE '%_fts%' ORDER BY name"
            )
        ]

    def other_tables(self, conn) -> list[str]:
        """Up to five tables of a database certcli did not create."""
        return [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 5"
            )
        ]

    def apply_migrations(self, conn) -> None:
        from certcli.store import migrations

        # WAL lets readers go on while someone writes; it persists in the file.
        conn.execute("PRAGMA journal_mode = WAL")
        migrations.apply(conn)

    def insert_returning_id(self, conn, sql: str, params) -> int:
        return conn.execute(sql, params).lastrowid

    def search_words(self, words: list[str], id_column: str) -> tuple[str, list]:
        """Candidates whose search key holds every word (3+ characters each), through
        the trigram index, as a condition on `id_column`."""
        return (
            f"{id_column} IN (SELECT rowid FROM candidates_fts WHERE candidates_fts MATCH ?)",
            [" AND ".join(fts_phrase(w) for w in words)],
        )

    def id_among(self, column: str, subquery: str) -> str:
        """SQL: `column` (an id) is one of those `subquery` selects, which the engine
        finds first and then looks each one up."""
        return f"{column} IN ({subquery})"

    def plain_ascii(self, column: str) -> str:
        """SQL: the text in `column` is printable ASCII only (lower() folds it as
        certcli.rules.validators.fold does)."""
        return f"{column} NOT GLOB '*[^ -~]*'"

    def register_fold(self, conn) -> None:
        # The one folding of certcli.rules.validators (accents, case), as an SQL function.
        from certcli.rules.validators import fold

        conn.create_function("certcli_fold", 1, lambda text: fold(text or ""), deterministic=True)

    def bulk_load_start(self, conn, since: int, rows: int = 0) -> list[str]:
        """Ready the candidates table for `rows` new ones after id `since`; what
        bulk_load_end must put back (the indexes set aside)."""
        conn.execute("PRAGMA temp_store = MEMORY")
        # Enough page cache that a long transaction does not spill pages to the WAL
        # and read them back, which made the cost per row grow with the file.
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("INSERT INTO search_index_paused (since_id) VALUES (?)", (since,))
        if rows < max(since, 1000):
            return []
        # At least as many new rows as the register holds: building each index once
        # at the end, from sorted keys, costs less than keeping it up to date row by
        # row (a third of the insert). Inside the transaction, so no other desk ever
        # sees the table without them, and a failed import puts them back.
        indexes = [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'candidates' AND sql IS NOT NULL ORDER BY name"
            )
        ]
        for sql in indexes:
            conn.execute("DROP INDEX " + _index_name(sql))
        return indexes

    def bulk_load_end(self, conn, since: int, paused: list[str] | None = None) -> None:
        for sql in paused or ():
            conn.execute(sql)
        conn.execute("DELETE FROM search_index_paused")
        conn.execute(
            "INSERT INTO candidates_fts(rowid, search_key) "
            "SELECT id, search_key FROM candidates WHERE id > ?",
            (since,),
        )

    def read_batches(self, conn, sql: str, size: int, params=()):
        """The rows of a SELECT, `size` at a time (lists of rows, by position and by
        name): a whole table or listing read without holding it in memory (db copy,
        every export, `--all`). SQLite's cursor already steps through the result."""
        cursor = conn.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield rows

    def load_rows(self, conn, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Rows of `columns` (their own ids included) appended to `table`."""
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def after_bulk_load(self, conn) -> None:
        """After a whole office was loaded (db copy)."""

    def defer_constraints(self, conn) -> None:
        """Foreign keys checked at commit (a copy inserts tables in name order)."""
        conn.execute("PRAGMA defer_foreign_keys = ON")

    def start_erasure(self, conn) -> None:
        """Before a GDPR erasure's writes (candidate forget): the pages it frees are
        overwritten with zeros, not left holding the erased text."""
        conn.execute("PRAGMA secure_delete = ON")

    def after_erasure(self, conn) -> None:
        # The trigram index keeps a changed row's old terms in its older segments
        # until they are merged: merge them now, in the erasure's transaction.
        conn.execute("INSERT INTO candidates_fts(candidates_fts) VALUES ('optimize')")

    def compact(self, conn) -> bool:
        """After the erasure's commit: VACUUM rewrites the file without its free
        pages, and the checkpoint moves the WAL into it and truncates it, so the
        erased text is in neither file (a backup copies the file's pages). False
        when a reader elsewhere kept the WAL from being emptied."""
        conn.execute("VACUUM")
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not (busy and busy[0])

    def integrity_problems(self, conn, limit: int) -> list[str]:
        rows = [row[0] for row in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
        return [] if rows == ["ok"] else rows

    def foreign_key_problems(self, conn) -> list:
        return conn.execute("PRAGMA foreign_key_check").fetchall()

    def server(self, conn) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"

    def errors(self) -> tuple[type[Exception], ...]:
        import sqlite3

        return (sqlite3.Error,)


SQLITE = SqliteDialect()
