"""SQL for commission members, the attendance at a session and the abstentions."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore


class MembersQueries(BaseStore):
    # -- members ----------------------------------------------------------------
    def member(self, member_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM members WHERE id = ?", (member_id,))

    def members(
        self, *, commission: str | None = None, active: bool | None = None
    ) -> list[sqlite3.Row]:
        return self.all(*self.members_sql(commission=commission, active=active))

    def members_sql(
        self, *, commission: str | None = None, active: bool | None = None
    ) -> tuple[str, list]:
        """The members (of one commission, active or not), by commission, president
        first, then by name: the SELECT and its parameters, shared by `member list`'s
        page, its count and --all."""
        where: list[str] = []
        params: list = []
        if commission is not None:
            where.append("commission = ?")
            params.append(commission)
        if active is not None:
            where.append("active = ?")
            params.append(int(active))
        return (
            "SELECT * FROM members"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY commission, CASE role WHEN 'president' THEN 0 WHEN 'member' THEN 1 "
            "ELSE 2 END, name, id",
            params,
        )

    def commission_has_members(self, commission: str) -> bool:
        """Has this kind of commission any member recorded (active or retired)?"""
        return bool(self.scalar("SELECT count(*) FROM members WHERE commission = ?", (commission,)))

    # -- attendance ---------------------------------------------------------------
    def latest_attendance_call(self, session_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM attendance_calls WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session_id,),
        )

    def attendance_calls(self, session_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM attendance_calls WHERE session_id = ? ORDER BY id", (session_id,)
        )

    def attendance(self, call_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT a.status, m.* FROM attendance a JOIN members m ON m.id = a.member_id "
            "WHERE a.call_id = ? ORDER BY CASE m.role WHEN 'president' THEN 0 "
            "WHEN 'member' THEN 1 ELSE 2 END, m.name, m.id",
            (call_id,),
        )

    # -- abstentions --------------------------------------------------------------
    def abstentions(self, session_id: int, dossier_id: int | None = None) -> list[sqlite3.Row]:
        where: list[str] = ["b.session_id = ?"]
        params: list = [session_id]
        if dossier_id is not None:
            where.append("b.dossier_id = ?")
            params.append(dossier_id)
        return self.all(
            "SELECT b.dossier_id, b.member_id, b.reason, m.name, m.role FROM abstentions b "
            "JOIN members m ON m.id = b.member_id WHERE "
            + " AND ".join(where)
            + " ORDER BY b.dossier_id, m.name, m.id",
            params,
        )
