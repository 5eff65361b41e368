"""SQL for `certcli check`: SQLite's own checks and the rows the ledger checks read.

Each query turns an SQLite failure (a damaged page it runs into) into a
DatabaseError naming it, so that one check failing does not hide the others.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from certcli.errors import DatabaseError
from certcli.store.base import BaseStore

T = TypeVar("T")


class CheckQueries(BaseStore):
    def _checked(self, sql: str, params=()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except self.dialect.errors() as exc:
            # The check's own report names the cause; explain()'s advice would be
            # "run `certcli check`".
            raise DatabaseError(f"SQLite cannot read this part of the file ({exc})") from None

    def checked_read(self, read: Callable[[], T]) -> T:
        """`read()` (reads only, e.g. the journal's verification), a damaged page it
        runs into turned into a DatabaseError naming it, as the queries below."""
        try:
            return read()
        except self.dialect.errors() as exc:
            raise DatabaseError(f"SQLite cannot read this part of the file ({exc})") from None

    def integrity_problems(self, limit: int = 20) -> list[str]:
        """SQLite's integrity_check, [] when the file is sound."""
        try:
            return self.dialect.integrity_problems(self.conn, limit)
        except self.dialect.errors() as exc:
            raise DatabaseError(f"SQLite cannot read this part of the file ({exc})") from None

    def foreign_key_problems(self) -> list[sqlite3.Row]:
        """(table, rowid, parent) of each row pointing at a missing record."""
        try:
            return self.dialect.foreign_key_problems(self.conn)
        except self.dialect.errors() as exc:
            raise DatabaseError(f"SQLite cannot read this part of the file ({exc})") from None

    def numbered_invoices(self) -> list[sqlite3.Row]:
        return self._checked(
            "SELECT id, number, kind, year, seq, issued_on FROM invoices "
            "ORDER BY kind, year, seq, id"
        )

    def invoice_counters(self) -> dict[str, int]:
        return {
            row["name"]: row["value"]
            for row in self._checked(
                "SELECT name, value FROM counters WHERE name LIKE 'invoice:%' "
                "OR name LIKE 'credit:%'"
            )
        }

    def logged_letters(self) -> list[sqlite3.Row]:
        return self._checked("SELECT id, template, date, path FROM letters ORDER BY id")

    def unrendered_letters(self) -> list[sqlite3.Row]:
        return self._checked(
            "SELECT id, template, record, ref, asked_at FROM pending_letters "
            "WHERE letter_id IS NULL ORDER BY id"
        )

    def reminder_problems(self) -> list[sqlite3.Row]:
        """Periods reminded more than once, and reminders filed under another
        certificate than their period's."""
        return self._checked(
            "SELECT r.period_id, count(*) AS n, "
            "sum(CASE WHEN r.certificate_id != p.certificate_id THEN 1 "
            "WHEN r.certificate_id = p.certificate_id THEN 0 END) AS misfiled "
            "FROM reminders r LEFT JOIN certificate_periods p ON p.id = r.period_id "
            "GROUP BY r.period_id HAVING count(*) > 1 "
            "OR sum(CASE WHEN r.certificate_id != p.certificate_id THEN 1 END) > 0 "
            "ORDER BY r.period_id"
        )
