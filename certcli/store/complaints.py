"""SQL of the register of complaints (certcli.domain.complaints)."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore

_SELECT = (
    "SELECT c.*, cert.number AS certificate, cert.scheme AS scheme, "
    "s.start AS suspension_start FROM complaints c "
    "JOIN certificates cert ON cert.id = c.certificate_id "
    "LEFT JOIN certificate_suspensions s ON s.id = c.suspension_id"
)


class ComplaintsQueries(BaseStore):
    def complaint(self, complaint_id: int) -> sqlite3.Row | None:
        return self.one(f"{_SELECT} WHERE c.id = ?", (complaint_id,))

    def complaints(self, *, open_only: bool = False) -> list[sqlite3.Row]:
        return self.all(*self.complaints_sql(open_only=open_only))

    def complaints_sql(self, *, open_only: bool = False) -> tuple[str, list]:
        """The register of complaints (or those not closed), oldest first: the SELECT
        and its parameters, shared by `complaint list`'s page, its count and --all."""
        where = " WHERE c.closed_on IS NULL" if open_only else ""
        return f"{_SELECT}{where} ORDER BY c.id", []
