"""SQL for `certcli stats`: read-only counts and milestones over every stage."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore

# The first day a dossier reached each milestone, from its timeline: complete means
# the status became `instruction` (OPQTECC) or `complete` (CQPT); decided means a
# grant or refusal was recorded (an adjournment is not a decision on the merits).
_MILESTONES = """
    SELECT d.ref, d.scheme, d.opened_on,
      (SELECT min(e.date) FROM dossier_events e WHERE e.dossier_id = d.id
         AND json_extract(e.details, '$.status[1]') IN ('instruction', 'complete'))
        AS complete_on,
      (SELECT min(e.date) FROM dossier_events e WHERE e.dossier_id = d.id
         AND e.event = 'decision'
         AND json_extract(e.details, '$.decision') IN ('granted', 'refused'))
        AS decided_on
    FROM dossiers d
"""


class StatsQueries(BaseStore):
    def dossier_status_counts(self) -> list[sqlite3.Row]:
        return self.all(
            "SELECT scheme, status, count(*) AS n FROM dossiers "
            "GROUP BY scheme, status ORDER BY scheme, status"
        )

    def dossier_milestones(self, since: str, until: str) -> list[sqlite3.Row]:
        """Dossiers that became complete or were decided within [since, until]."""
        return self.all(
            f"SELECT * FROM ({_MILESTONES}) WHERE complete_on BETWEEN :since AND :until "
            "OR decided_on BETWEEN :since AND :until ORDER BY ref",
            {"since": since, "until": until},
        )

    def upcoming_sessions(self, as_of: str, limit: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT s.*, (SELECT count(*) FROM agenda_items a WHERE a.session_id = s.id "
            "AND a.status = 'placed') AS on_agenda FROM sessions s WHERE s.date >= ? "
            "AND s.status != 'cancelled' ORDER BY s.date, s.id LIMIT ?",
            (as_of, limit),
        )

    def open_invoice_balances(self, as_of: str) -> list[sqlite3.Row]:
        """Open invoices issued by as_of, with the amounts paid against each."""
        return self.all(
            "SELECT i.number, i.amount, i.kind, i.status, "
            "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) "
            "AS paid_list, (SELECT group_concat(n.amount, ' ') FROM invoices n "
            "WHERE n.credit_for = i.id AND n.partial = 1) AS credits_list "
            "FROM invoices i WHERE i.kind = 'invoice' AND i.status = 'open' "
            "AND i.issued_on <= ? ORDER BY i.id",
            (as_of,),
        )

    def income_invoices(self, since: str, until: str) -> list[sqlite3.Row]:
        """The invoices (not credit notes) issued within [since, until], with their
        payments and partial credit notes (`stats`' income of the year)."""
        return self.all(
            "SELECT i.id, i.amount, i.kind, i.status, "
            "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) "
            "AS paid_list, (SELECT group_concat(n.amount, ' ') FROM invoices n "
            "WHERE n.credit_for = i.id AND n.partial = 1) AS credits_list "
            "FROM invoices i WHERE i.kind = 'invoice' AND i.issued_on BETWEEN ? AND ? "
            "ORDER BY i.id",
            (since, until),
        )

    def pending_collection_ids(self) -> set[int]:
        """The open invoices whose balance is in a SEPA direct debit batch not yet
        collected or returned (issue 13; store/sepa.PENDING_SQL, the one rule)."""
        from certcli.store.sepa import PENDING_SQL

        rows = self.all(
            "SELECT i.id FROM invoices i WHERE i.kind = 'invoice' AND i.status = 'open' AND "
            + PENDING_SQL.format(invoice="i.id")
        )
        return {row["id"] for row in rows}
