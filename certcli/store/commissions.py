"""SQL for commission sessions, their agendas and appeals."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore


class CommissionsQueries(BaseStore):
    # -- sessions ---------------------------------------------------------------
    def session(self, session_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM sessions WHERE id = ?", (session_id,))

    def sessions(self, *, year: int | None = None, kind: str | None = None) -> list[sqlite3.Row]:
        return self.all(*self.sessions_sql(year=year, kind=kind))

    def sessions_sql(self, *, year: int | None = None, kind: str | None = None) -> tuple[str, list]:
        """The sessions in date order, with the size of their agenda: the SELECT and
        its parameters, shared by a page, its count and --all."""
        where: list[str] = []
        params: list = []
        if year is not None:
            where.append("s.date LIKE ?")
            params.append(f"{year:04d}-%")
        if kind is not None:
            where.append("s.kind = ?")
            params.append(kind)
        return (
            "SELECT s.*, "
            "(SELECT count(*) FROM agenda_items a WHERE a.session_id = s.id "
            " AND a.status = 'placed') AS on_agenda, "
            "(SELECT count(*) FROM agenda_items a WHERE a.session_id = s.id "
            " AND a.decision IS NOT NULL) AS decided "
            "FROM sessions s"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY s.date, s.id",
            params,
        )

    # -- agenda -------------------------------------------------------------------
    def agenda_items(self, session_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT a.id, a.session_id, a.dossier_id, a.position, a.appeal_id, a.decision, "
            "a.reason, a.status AS line, d.ref, d.status, d.scheme, d.kind AS dossier_kind, "
            "d.candidate_id, d.report_on, d.report_amended_on, d.expert_id, "
            "c.first_name, c.last_name FROM agenda_items a "
            "JOIN dossiers d ON d.id = a.dossier_id "
            "JOIN candidates c ON c.id = d.candidate_id "
            "WHERE a.session_id = ? ORDER BY a.position, a.id",
            (session_id,),
        )

    def agenda_item(self, session_id: int, dossier_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM agenda_items WHERE session_id = ? AND dossier_id = ?",
            (session_id, dossier_id),
        )

    def agenda_taken(self, session_id: int) -> int:
        """Places taken on a session's agenda: every line still placed (a dossier
        withdrawn before being decided there left it; so did one withdrawn before
        lines had a status, whose line may still read 'placed')."""
        return self.scalar(
            "SELECT count(*) FROM agenda_items a JOIN dossiers d ON d.id = a.dossier_id "
            "WHERE a.session_id = ? AND a.status = 'placed' "
            "AND (a.decision IS NOT NULL OR d.status != 'withdrawn')",
            (session_id,),
        )

    def session_decided(self, session_id: int) -> int:
        return self.scalar(
            "SELECT count(*) FROM agenda_items WHERE session_id = ? AND decision IS NOT NULL",
            (session_id,),
        )

    def undecided_agenda(self, session_id: int) -> list[sqlite3.Row]:
        """The dossiers still placed and undecided on a session's agenda, in order."""
        return self.all(
            "SELECT d.*, a.id AS item_id, a.appeal_id AS item_appeal FROM agenda_items a "
            "JOIN dossiers d ON d.id = a.dossier_id WHERE a.session_id = ? "
            "AND a.status = 'placed' AND a.decision IS NULL ORDER BY a.position, a.id",
            (session_id,),
        )

    def undecided_agenda_sessions(self, dossier_id: int) -> list[int]:
        return [
            r[0]
            for r in self.all(
                "SELECT session_id FROM agenda_items WHERE dossier_id = ? AND decision IS NULL "
                "AND status = 'placed' ORDER BY session_id",
                (dossier_id,),
            )
        ]

    def leave_agendas(self, dossier_id: int, status: str) -> None:
        """A dossier's undecided agenda lines leave their agendas (kept, with why)."""
        self.execute(
            "UPDATE agenda_items SET status = ? WHERE dossier_id = ? AND decision IS NULL "
            "AND status = 'placed'",
            (status, dossier_id),
        )

    def clear_agenda(self, session_id: int, status: str) -> None:
        """A session's undecided agenda lines leave it (kept, with why)."""
        self.execute(
            "UPDATE agenda_items SET status = ? WHERE session_id = ? AND decision IS NULL "
            "AND status = 'placed'",
            (status, session_id),
        )

    def unplace_pending_appeal(self, dossier_id: int) -> None:
        self.execute(
            "UPDATE appeals SET session_id = NULL WHERE dossier_id = ? AND outcome IS NULL",
            (dossier_id,),
        )

    def next_agenda_position(self, session_id: int) -> int:
        return self.scalar(
            "SELECT coalesce(max(position), 0) + 1 FROM agenda_items WHERE session_id = ?",
            (session_id,),
        )

    def dossiers_awaiting_award(self, scheme_codes: list[str]) -> list[sqlite3.Row]:
        """Dossiers with a report in, waiting for an award commission, oldest report first."""
        if not scheme_codes:
            return []
        marks = ", ".join("?" for _ in scheme_codes)
        return self.all(
            "SELECT * FROM dossiers WHERE status IN ('report_ready', 'adjourned') "
            f"AND scheme IN ({marks}) ORDER BY report_on, ref",
            scheme_codes,
        )

    def dossiers_appealed(self) -> list[sqlite3.Row]:
        """Appealed dossiers with their pending appeal, first filed first."""
        return self.all(
            "SELECT d.*, ap.id AS appeal_id, ap.filed_on, ap.session_id AS appeal_session "
            "FROM dossiers d JOIN appeals ap ON ap.dossier_id = d.id AND ap.outcome IS NULL "
            "WHERE d.status = 'appealed' ORDER BY ap.filed_on, d.ref"
        )

    def dossiers_transmitted(self, session_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM dossiers WHERE status = 'transmitted' AND session_id = ? ORDER BY ref",
            (session_id,),
        )

    def dossier_agenda(self, dossier_id: int) -> list[sqlite3.Row]:
        """Every session a dossier was placed before, in date order."""
        return self.all(
            "SELECT a.*, s.date, s.kind FROM agenda_items a JOIN sessions s ON s.id = a.session_id "
            "WHERE a.dossier_id = ? ORDER BY s.date, a.id",
            (dossier_id,),
        )

    def certificate_granted_by(self, dossier_id: int) -> int | None:
        """The certificate a dossier's grant issued or renewed (a validity period of it)."""
        return self.scalar(
            "SELECT certificate_id FROM certificate_periods WHERE dossier_id = ?", (dossier_id,)
        )

    # -- appeals ----------------------------------------------------------------------
    def appeals(self, *, dossier_id: int | None = None, pending: bool = False) -> list[sqlite3.Row]:
        return self.all(*self.appeals_sql(dossier_id=dossier_id, pending=pending))

    def appeals_sql(
        self, *, dossier_id: int | None = None, pending: bool = False
    ) -> tuple[str, list]:
        """The appeals (a dossier's, or those not heard yet), oldest filed first: the
        SELECT and its parameters."""
        where: list[str] = []
        params: list = []
        if dossier_id is not None:
            where.append("ap.dossier_id = ?")
            params.append(dossier_id)
        if pending:
            # A withdrawn dossier's appeal is no longer waiting to be heard.
            where.append("ap.outcome IS NULL AND d.status = 'appealed'")
        return (
            "SELECT ap.*, d.ref, d.scheme, d.candidate_id, c.first_name, c.last_name, "
            "s.date AS session_date FROM appeals ap "
            "JOIN dossiers d ON d.id = ap.dossier_id JOIN candidates c ON c.id = d.candidate_id "
            "LEFT JOIN sessions s ON s.id = ap.session_id"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY ap.filed_on, ap.id",
            params,
        )

    def pending_appeal(self, dossier_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM appeals WHERE dossier_id = ? AND outcome IS NULL", (dossier_id,)
        )
