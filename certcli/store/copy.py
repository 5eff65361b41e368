"""`certcli db copy`: an office moved between SQLite and PostgreSQL, either way.

The source is read in one snapshot and the target written in one transaction; the
rows of every table are counted and hashed on both sides, in key order, and the
copy commits only when all of them agree. The same copy is the backup of a
PostgreSQL office: an SQLite file of one snapshot, which `db copy` reads back.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path

from certcli.errors import DatabaseError

BATCH = 5000


def _canonical(value) -> bytes:
    # The same text for the same value, whichever engine returned it.
    if value is None:
        return b"\x00"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{type(value).__name__}:{value}".encode()


class _Digest:
    def __init__(self):
        self.rows = 0
        self.hash = hashlib.sha256()

    def add(self, row) -> None:
        self.rows += 1
        self.hash.update(b"\x1e".join(_canonical(v) for v in row) + b"\x1d")

    def __eq__(self, other):
        return self.rows == other.rows and self.hash.digest() == other.hash.digest()


@contextmanager
def _snapshot(store):
    """Every table of `store` read as of one moment, others writing meanwhile."""
    store.dialect.begin_snapshot(store.conn)
    try:
        yield
    finally:
        store.conn.execute("ROLLBACK")


def _columns(store, table: str) -> list[str]:
    cursor = store.conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return [c[0] for c in cursor.description]


def _read(store, table: str, columns: list[str]):
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'SELECT {names} FROM {table} ORDER BY "{columns[0]}"'
    for rows in store.dialect.read_batches(store.conn, sql, BATCH):
        yield [tuple(r) for r in rows]


def copy_rows(source, target) -> dict[str, int]:
    """Every row of `source` into the empty `target` (both Stores, same schema), in
    one transaction of the target; {table: rows}. Call inside a snapshot of the
    source. Raises DatabaseError, and writes nothing, when the copy differs."""
    tables = source.counts()
    missing = sorted(set(tables) - set(target.counts()))
    if missing:
        raise DatabaseError(
            f"the target has no table {', '.join(missing)}: is it a certcli database?"
        )
    sums: dict[str, _Digest] = {}
    with target.transaction():
        target.dialect.defer_constraints(target.conn)
        with target.bulk_load():
            for table in tables:
                columns = _columns(source, table)
                digest = sums[table] = _Digest()
                for rows in _read(source, table, columns):
                    for row in rows:
                        digest.add(row)
                    target.dialect.load_rows(target.conn, table, columns, rows)
        for table in tables:
            check = _Digest()
            for rows in _read(target, table, _columns(source, table)):
                for row in rows:
                    check.add(row)
            if check != sums[table]:
                raise DatabaseError(
                    f"the copy of table {table} differs from its source ({check.rows} rows "
                    f"written, {sums[table].rows} read); nothing was written"
                )
    target.dialect.after_bulk_load(target.conn)
    return {table: digest.rows for table, digest in sums.items()}


def held_rows(store) -> dict[str, int]:
    return {t: n for t, n in store.counts().items() if n}


def copy(source_target, dest_target, store_class) -> dict:
    """`db copy --from SOURCE --to DEST`: the whole office, or nothing. `store_class`
    opens a database (certcli.store.Store, passed in: this module is below it)."""
    from certcli.store.dialect import postgres_url

    Store = store_class
    source = Store(source_target)
    try:
        new_file = None
        if not postgres_url(dest_target):
            dest_path = Path(dest_target)
            if dest_path.exists() and dest_path.resolve() == Path(str(source.path)).resolve():
                raise DatabaseError("--from and --to are the same database")
            if not dest_path.exists():
                new_file = dest_path
        elif source.url and postgres_url(dest_target) == source.url:
            raise DatabaseError("--from and --to are the same database")
        try:
            target = Store(dest_target, create=True)
        except BaseException:
            _remove(new_file)
            raise
        try:
            held = held_rows(target)
            if held:
                shown = ", ".join(f"{t} ({n})" for t, n in sorted(held.items())[:5])
                raise DatabaseError(
                    f"{target.path} already holds records ({shown}): db copy only writes "
                    "into an empty database"
                )
            with _snapshot(source):
                tables = copy_rows(source, target)
        except BaseException:
            target.close()
            _remove(new_file)
            raise
        target.close()
        return {"from": str(source.path), "to": str(target.path), "tables": tables,
                "checksum_ok": True}  # fmt: skip
    finally:
        source.close()


def snapshot_into(store, path: Path) -> None:
    """The backup of a PostgreSQL office: a certcli SQLite file at `path` (an empty
    part file) holding one snapshot of every table."""
    target = type(store)(path, create=True)
    try:
        with _snapshot(store):
            copy_rows(store, target)
    finally:
        target.close()


def _remove(path: Path | None) -> None:
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            path.with_name(path.name + suffix).unlink()
        except FileNotFoundError:
            pass
