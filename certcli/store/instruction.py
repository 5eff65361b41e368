"""SQL for instruction: instructors and experts, their load, requests for
complementary elements, phone interviews and the instruction fee."""

from __future__ import annotations

import sqlite3

from certcli.rules.workflow import SETTLED, UNDER_INSTRUCTION
from certcli.store.base import BaseStore, sql_list
from certcli.store.dossiers import DossierQueries

_SETTLED = sql_list(SETTLED)
_UNDER = sql_list(UNDER_INSTRUCTION)


class InstructionQueries(BaseStore):
    # -- instructors and experts ---------------------------------------------------
    def instructor(self, instructor_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM instructors WHERE id = ?", (instructor_id,))

    def instructors_sql(self, *, role: str | None = None) -> tuple[str, list]:
        """The instructors and experts (or one role's), by id: the SELECT and its
        parameters, shared by a page, its count and --all."""
        if role is None:
            return "SELECT * FROM instructors ORDER BY id", []
        return "SELECT * FROM instructors WHERE role = ? ORDER BY id", [role]

    def instructors(self, *, role: str | None = None) -> list[sqlite3.Row]:
        return self.all(*self.instructors_sql(role=role))

    def instructor_loads(self, role: str = "instructor") -> dict[int, int]:
        """Dossiers under instruction per instructor, or per expert for role 'expert'
        (people with none are absent)."""
        column = "expert_id" if role == "expert" else "instructor_id"
        rows = self.all(
            f"SELECT {column}, count(*) FROM dossiers WHERE {column} IS NOT NULL "
            f"AND status IN {_UNDER} GROUP BY {column}"
        )
        return {r[0]: r[1] for r in rows}

    def instructor_assignments_ever(self) -> dict[int, int]:
        """How many times each instructor was ever assigned a dossier (the timeline
        keeps reassigned dossiers too, so fairness survives reassignments)."""
        rows = self.all(
            "SELECT json_extract(details, '$.instructor.id') AS iid, count(*) "
            "FROM dossier_events WHERE event = 'assigned' GROUP BY iid"
        )
        return {r[0]: r[1] for r in rows if r[0] is not None}

    def instructor_dossiers(self, instructor_id: int) -> list[sqlite3.Row]:
        """The dossiers a person instructs or advises on, not settled yet."""
        return self.all(
            "SELECT d.ref, d.scheme, d.status, c.first_name, c.last_name FROM dossiers d "
            "JOIN candidates c ON c.id = d.candidate_id "
            f"WHERE (d.instructor_id = ? OR d.expert_id = ?) AND d.status NOT IN {_SETTLED} "
            "ORDER BY d.id",
            (instructor_id, instructor_id),
        )

    # -- requests for complementary elements -------------------------------------
    def requests(self, dossier_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM requests WHERE dossier_id = ? ORDER BY requested_on, id", (dossier_id,)
        )

    def open_requests(self, dossier_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM requests WHERE dossier_id = ? AND satisfied_on IS NULL ORDER BY due, id",
            (dossier_id,),
        )

    def satisfy_requests(self, dossier_id: int, date: str) -> None:
        self.execute(
            "UPDATE requests SET satisfied_on = ? WHERE dossier_id = ? AND satisfied_on IS NULL",
            (date, dossier_id),
        )

    def overdue_dossiers(
        self, as_of: str, *, scheme=None, kind=None, candidate_id=None
    ) -> list[sqlite3.Row]:
        """Dossiers waiting for complements whose earliest open request is past due."""
        where, params = DossierQueries._dossier_filters("waiting", scheme, kind, candidate_id)
        sql = (
            "SELECT d.*, c.first_name, c.last_name, r.due, r.items FROM dossiers d "
            "JOIN candidates c ON c.id = d.candidate_id "
            "JOIN requests r ON r.id = (SELECT id FROM requests WHERE dossier_id = d.id "
            "AND satisfied_on IS NULL ORDER BY due, id LIMIT 1) "
            f"WHERE {' AND '.join(where)} AND r.due < ? ORDER BY r.due, d.id"
        )
        return self.all(sql, [*params, as_of])

    # -- phone interviews -----------------------------------------------------------
    def interviews(self, dossier_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT i.*, t.name AS instructor_name FROM interviews i "
            "LEFT JOIN instructors t ON t.id = i.instructor_id "
            "WHERE i.dossier_id = ? ORDER BY i.at, i.id",
            (dossier_id,),
        )

    def scheduled_interviews_of(self, instructor_id: int) -> list[sqlite3.Row]:
        """The interviews that hold an instructor's slots: scheduled, of dossiers still
        under instruction (one closed or reported no longer needs its interview)."""
        return self.all(
            "SELECT i.*, d.ref FROM interviews i JOIN dossiers d ON d.id = i.dossier_id "
            f"WHERE i.instructor_id = ? AND i.status = 'scheduled' AND d.status IN {_UNDER} "
            "ORDER BY i.at",
            (instructor_id,),
        )

    def future_interviews(
        self, dossier_id: int, instructor_id: int, since: str
    ) -> list[sqlite3.Row]:
        """A dossier's interviews scheduled with one instructor from `since` on."""
        return self.all(
            "SELECT * FROM interviews WHERE dossier_id = ? AND instructor_id = ? "
            "AND status = 'scheduled' AND at >= ? ORDER BY at, id",
            (dossier_id, instructor_id, since),
        )

    # -- expert opinions -----------------------------------------------------------------
    def expert_opinions(self, dossier_id: int) -> list[sqlite3.Row]:
        """A dossier's expert opinions, oldest first (the last one counts)."""
        return self.all(
            "SELECT o.*, t.name AS expert_name FROM expert_opinions o "
            "JOIN instructors t ON t.id = o.expert_id "
            "WHERE o.dossier_id = ? ORDER BY o.date, o.id",
            (dossier_id,),
        )

    def interview(self, interview_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM interviews WHERE id = ?", (interview_id,))

    def overdue_interviews(
        self, as_of: str, *, scheme=None, kind=None, candidate_id=None
    ) -> list[sqlite3.Row]:
        """Interviews still scheduled before `as_of`, of dossiers not settled."""
        where, params = DossierQueries._dossier_filters(None, scheme, kind, candidate_id)
        where.append(f"d.status NOT IN {_SETTLED}")
        sql = (
            "SELECT d.ref, i.id AS interview_id, i.at FROM interviews i "
            "JOIN dossiers d ON d.id = i.dossier_id "
            f"WHERE {' AND '.join(where)} AND i.status = 'scheduled' AND i.at < ? "
            "ORDER BY i.at, i.id"
        )
        return self.all(sql, [*params, as_of])

    def cancel_interviews(self, dossier_id: int) -> int:
        cur = self.execute(
            "UPDATE interviews SET status = 'cancelled' WHERE dossier_id = ? "
            "AND status = 'scheduled'",
            (dossier_id,),
        )
        return cur.rowcount
