"""SQL of the tamper-evident journal (issue 16; its rules: certcli.rules.journal).

The store appends the entries itself, where it writes the rows they journal
(BaseStore.insert, insert_many and update call `after_write`), so no caller can
issue a number, record a decision or a payment without its entry, and the entry
is written in the event's own transaction. Appends are serialised by the write
lock every transaction takes (BEGIN IMMEDIATE on SQLite, the advisory lock on
PostgreSQL) and, besides, by the head row (`journal_head`, read FOR UPDATE on
PostgreSQL), so two desks can never fork the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from certcli.rules import fastjson as json
from certcli.rules import journal as rules

# kind -> (table, SELECT of the content's columns, the condition that makes a row of
# that table an event of that kind, the column that is its record, its date column)
SOURCES: dict[str, tuple[str, str, str, str | None, str]] = {
    "certificate": (
        "certificates",
        "SELECT id, number, scheme, granted_on FROM certificates",
        "1 = 1",
        "number",
        "granted_on",
    ),
    "invoice": (
        "invoices",
        "SELECT id, number, kind, purpose, year, seq, amount, issued_on, due_on, "
        "certificate_id, dossier_id, dues_year, credit_for FROM invoices",
        "kind = 'invoice'",
        "number",
        "issued_on",
    ),
    "credit": (
        "invoices",
        "SELECT id, number, kind, purpose, year, seq, amount, issued_on, due_on, "
        "certificate_id, dossier_id, dues_year, credit_for FROM invoices",
        "kind = 'credit'",
        "number",
        "issued_on",
    ),
    "decision": (
        "dossier_events",
        "SELECT id, dossier_id, date, details FROM dossier_events",
        "event = 'decision'",
        None,
        "date",
    ),
    "suspension": (
        "certificate_suspensions",
        "SELECT id, certificate_id, start, until FROM certificate_suspensions",
        "1 = 1",
        None,
        "start",
    ),
    "withdrawal": (
        "certificates",
        "SELECT id, number, withdrawn_on FROM certificates",
        "withdrawn_on IS NOT NULL",
        "number",
        "withdrawn_on",
    ),
    "payment": (
        "payments",
        "SELECT id, invoice_id, dossier_id, amount, method, paid_on FROM payments",
        "1 = 1",
        None,
        "paid_on",
    ),
    # A person forgotten: their own row (the duplicates merged into them are
    # forgotten with them, in the same erasure, under its one entry).
    "erasure": (
        "candidates",
        f"SELECT id, forgotten_on, coalesce(forget_rule, '{rules.ON_REQUEST}') AS basis "
        "FROM candidates",
        "forgotten_on IS NOT NULL AND merged_into IS NULL",
        None,
        "forgotten_on",
    ),
}
# Which kinds a new row of a table may be (its condition tells).
_ON_INSERT = {
    "certificates": ("certificate",),
    "invoices": ("invoice", "credit"),
    "dossier_events": ("decision",),
    "certificate_suspensions": ("suspension",),
    "payments": ("payment",),
}
# The tables a write of which may be journalled (BaseStore's writers ask): a new
# row, or an update (a withdrawal, an erasure).
ON_INSERT = frozenset(_ON_INSERT)
ON_UPDATE = frozenset({"certificates", "candidates"})
_COLUMNS = ("seq", "kind", "ref", "record", "date", "content", "prev", "hash")


def _dicts(cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _unpacked(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    if kind == "decision":
        details = json.loads(row.pop("details") or "{}")
        row.update({f: details.get(f) for f in rules.CONTENT["decision"] if f in details})
    return row


def events(execute: Callable[..., Any], kind: str, ids: Iterable[int] | None = None) -> list[dict]:
    """The rows of `kind` (all, or those of `ids`), id order, content unpacked, each
    with its `record`, `date` and `content` hash."""
    _table, select, condition, record, date = SOURCES[kind]
    sql, params = f"{select} WHERE {condition}", []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        # The rows of `ids` looked up by id, the kind's condition checked on them
        # only (in a CASE, which no index answers): on a plain condition SQLite, with
        # no statistics, read a batch's rows (the dues call's thousands of invoices)
        # through the index on kind, every invoice ever issued, and sorted them.
        sql = (
            f"{select} WHERE id IN ({', '.join('?' for _ in ids)}) "
            f"AND CASE WHEN {condition} THEN 1 ELSE 0 END = 1"
        )
        params = ids
    rows = [_unpacked(kind, r) for r in _dicts(execute(sql + " ORDER BY id", params))]
    for row in rows:
        row["record"] = str(row[record] if record else row["id"])
        row["date"] = row[date]
        row["content"] = rules.content_hash(kind, row)
    return rows


def _chain(kind: str, rows: list[dict], seq: int, prev: str) -> list[tuple]:
    out = []
    for row in rows:
        seq += 1
        entry = {
            "seq": seq,
            "kind": kind,
            "ref": row["id"],
            "record": row["record"],
            "date": row["date"],
            "content": row["content"],
            "prev": prev,
        }
        entry["hash"] = prev = rules.entry_hash(entry, prev)
        out.append(tuple(entry[c] for c in _COLUMNS))
    return out


def _insert_sql() -> str:
    marks = ", ".join("?" for _ in _COLUMNS)
    return f"INSERT INTO journal ({', '.join(_COLUMNS)}) VALUES ({marks})"


def seed(execute: Callable[..., Any], kinds: Iterable[str]) -> None:
    """The journal of an office that had none (the migration): every existing event
    of `kinds` (those the schema then had), kind by kind, in id order, then its head."""
    seq, prev = 0, rules.GENESIS
    for kind in kinds:
        for values in _chain(kind, events(execute, kind), seq, prev):
            execute(_insert_sql(), values)
            seq, prev = values[0], values[-1]
    if seq:  # an empty journal has no head row (as a new office has none): copies agree
        execute("INSERT INTO journal_head (id, entries, hash) VALUES (1, ?, ?)", (seq, prev))


def seed_kind(execute: Callable[..., Any], kind: str) -> None:
    """Journal every existing event of a kind new to the journal (a migration), in
    id order, after the head."""
    head = execute("SELECT entries, hash FROM journal_head WHERE id = 1").fetchone()
    seq, prev = (head[0], head[1]) if head else (0, rules.GENESIS)
    values = _chain(kind, events(execute, kind), seq, prev)
    for row in values:
        execute(_insert_sql(), row)
    if values:
        last = values[-1]
        if head:
            execute(
                "UPDATE journal_head SET entries = ?, hash = ? WHERE id = 1", (last[0], last[-1])
            )
        else:
            execute(
                "INSERT INTO journal_head (id, entries, hash) VALUES (1, ?, ?)", (last[0], last[-1])
            )


def after_write(store, table: str, ids: list[int], changes: dict | None = None) -> None:
    """Journal what this write of `table` issued or recorded (inserted rows of `ids`,
    or, with `changes`, the update of row ids[0]); call inside the transaction."""
    if changes is None:
        kinds = _ON_INSERT.get(table, ())
    elif table == "certificates" and changes.get("withdrawn_on"):
        kinds = ("withdrawal",)
    elif table == "candidates" and changes.get("forgotten_on"):
        kinds = ("erasure",)
    else:
        return
    for kind in kinds:
        rows = events(store.conn.execute, kind, ids)
        if rows:
            append(store, kind, rows)


def append(store, kind: str, rows: list[dict]) -> None:
    """Chain `rows` (events of `kind`) after the head, and move the head (in the
    caller's transaction: every writing command runs in one)."""
    head = store.conn.execute(
        f"SELECT entries, hash FROM journal_head WHERE id = 1{store.dialect.lock_row}"
    ).fetchone()
    seq, prev = (head[0], head[1]) if head else (0, rules.GENESIS)
    values = _chain(kind, rows, seq, prev)
    store.dialect.load_rows(store.conn, "journal", list(_COLUMNS), values)
    last = values[-1]
    store.conn.execute(
        "INSERT INTO journal_head (id, entries, hash) VALUES (1, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET entries = excluded.entries, hash = excluded.hash",
        (last[0], last[-1]),
    )


class JournalQueries:
    """The reads of `audit verify` (certcli.domain.journal)."""

    conn: Any

    def journal_entries(self) -> list[dict]:
        return _dicts(self.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM journal ORDER BY seq"))

    def journal_head(self) -> dict | None:
        rows = _dicts(self.conn.execute("SELECT entries, hash FROM journal_head WHERE id = 1"))
        return rows[0] if rows else None

    def journal_events(self, kind: str) -> list[dict]:
        """Every current row of `kind`, its content hashed as now."""
        return events(self.conn.execute, kind)
