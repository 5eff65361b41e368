"""SQL for the calendar export: sessions and phone interviews in a date range."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore


def _range(column: str, start: str | None, end: str | None) -> tuple[str, list]:
    where, params = [], []
    if start is not None:
        where.append(f"substr({column}, 1, 10) >= ?")
        params.append(start)
    if end is not None:
        where.append(f"substr({column}, 1, 10) <= ?")
        params.append(end)
    return (" WHERE " + " AND ".join(where) if where else ""), params


class CalendarQueries(BaseStore):
    def calendar_sessions(self, start: str | None, end: str | None) -> list[sqlite3.Row]:
        where, params = _range("s.date", start, end)
        return self.all(
            "SELECT s.*, (SELECT count(*) FROM audit_log l WHERE l.entity = 'session' "
            "AND l.entity_id = CAST(s.id AS TEXT) AND l.action IN "
            "('commission.move', 'commission.cancel')) AS corrections, "
            "(SELECT count(*) FROM agenda_items a WHERE a.session_id = s.id "
            "AND a.status = 'placed') AS on_agenda FROM sessions s"
            + where
            + " ORDER BY s.date, s.id",
            params,
        )

    def calendar_interviews(self, start: str | None, end: str | None) -> list[sqlite3.Row]:
        where, params = _range("i.at", start, end)
        return self.all(
            "SELECT i.*, d.ref, d.scheme, t.name AS instructor_name, "
            "c.first_name, c.last_name, c.phone, "
            "(SELECT count(*) FROM dossier_events e WHERE e.dossier_id = i.dossier_id "
            "AND e.event IN ('interview_moved', 'interview_cancelled') "
            "AND e.details LIKE '{\"interview_id\": ' || i.id || ',%') AS corrections "
            "FROM interviews i "
            "JOIN dossiers d ON d.id = i.dossier_id "
            "JOIN candidates c ON c.id = d.candidate_id "
            "LEFT JOIN instructors t ON t.id = i.instructor_id" + where + " ORDER BY i.at, i.id",
            params,
        )
