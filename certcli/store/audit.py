"""SQL for reading the audit trail (`certcli log`); writing it is BaseStore.audit."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore, like_escape


def _where(entity, entity_id, action) -> tuple[str, list]:
    where, params = [], []
    if entity:
        where.append("entity = ?")
        params.append(entity)
    if entity_id:
        where.append("entity_id = ?")
        params.append(entity_id)
    if action:
        # "dossier." is a prefix; "dossier.*.add" a pattern.
        where.append("action LIKE ? ESCAPE '\\'")
        pattern = "%".join(like_escape(part) for part in action.split("*"))
        params.append(pattern + ("%" if "*" not in action else ""))
    return (f"WHERE {' AND '.join(where)}" if where else ""), params


class AuditQueries(BaseStore):
    def audit_page(
        self,
        *,
        entity: str | None = None,
        entity_id: str | None = None,
        action: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[sqlite3.Row], int]:
        """One page of the trail, newest first, and how many entries match in all."""
        clause, params = _where(entity, entity_id, action)
        rows = self.all(
            f"SELECT * FROM audit_log {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = self.scalar(f"SELECT count(*) FROM audit_log {clause}", tuple(params))
        return rows, total

    def audit_entities(self) -> list[str]:
        return [r[0] for r in self.all("SELECT DISTINCT entity FROM audit_log ORDER BY entity")]
