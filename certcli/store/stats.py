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


def cents(column: str) -> str:
    """SQL: an amount column (text with at most two decimals) in whole cents, an
    integer, so that a sum of them is exact (a sum of the REAL values would not be)."""
    return f"CAST(round(CAST({column} AS REAL) * 100) AS INTEGER)"


def _sums(where: str, prefix: str = "") -> str:
    """SQL: the sums in cents of the amounts of the invoices `i` that match `where`,
    of the payments against them and of their partial credit notes (stored negative)."""
    paid = f"(SELECT sum({cents('p.amount')}) FROM payments p WHERE p.invoice_id = i.id)"
    credits = (
        f"(SELECT sum({cents('n.amount')}) FROM invoices n "
        "WHERE n.credit_for = i.id AND n.partial = 1)"
    )
    return ", ".join(
        f"coalesce(sum(CASE WHEN {where} THEN {value} END), 0) AS {prefix}{name}"
        for name, value in (("amount", cents("i.amount")), ("paid", paid), ("credits", credits))
    )


_SUMS = _sums("1 = 1")


class StatsQueries(BaseStore):
    def dossier_status_counts(self) -> list[sqlite3.Row]:
        return self.all(
            "SELECT scheme, status, count(*) AS n FROM dossiers "
            "GROUP BY scheme, status ORDER BY scheme, status"
        )

    def dossier_milestones(self, since: str, until: str) -> list[sqlite3.Row]:
        """Dossiers that became complete or were decided within [since, until]: only
        those with an event in the window are read (through the events' date index),
        as a milestone reached in it is such an event."""
        among = self.dialect.id_among(
            "d.id",
            "SELECT w.dossier_id FROM dossier_events w WHERE w.date BETWEEN :since AND :until",
        )
        return self.all(
            f"SELECT * FROM ({_MILESTONES} WHERE {among}) "
            "WHERE complete_on BETWEEN :since AND :until "
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

    def open_invoice_totals(self, as_of: str) -> sqlite3.Row:
        """The open invoices issued by as_of: how many, and the sums (in cents) of
        their amounts, of the payments against them and of their partial credit notes."""
        return self._totals(
            f"SELECT count(*) AS n, {_SUMS} FROM invoices i "
            "WHERE i.kind = 'invoice' AND i.status = 'open' AND i.issued_on <= ?",
            (as_of,),
        )

    def income_totals(self, since: str, until: str) -> sqlite3.Row:
        """The invoices (not credit notes) issued within [since, until], through the
        index on their date: the sums (in cents) of the amounts, payments and partial
        credit notes of those not cancelled, and (`waiting_` ones) of those whose
        balance is in a direct debit not yet collected (store/sepa.PENDING_SQL)."""
        from certcli.store.sepa import PENDING_SQL

        billed = _sums("i.status != 'cancelled'")
        waiting = _sums(
            "i.status = 'open' AND " + PENDING_SQL.format(invoice="i.id"), prefix="waiting_"
        )
        return self._totals(
            f"SELECT {billed}, {waiting} FROM invoices i "
            "WHERE i.kind = 'invoice' AND i.issued_on BETWEEN ? AND ?",
            (since, until),
        )

    def bank_unmatched_totals(self) -> sqlite3.Row:
        """The bank entries still unmatched: how many, and the sum (in cents) of the
        credits among them."""
        return self._totals(
            "SELECT count(*) AS n, coalesce(sum(CASE WHEN kind = 'credit' THEN "
            f"{cents('amount')} END), 0) AS credits "
            "FROM bank_entries WHERE status = 'unmatched'"
        )

    def _totals(self, sql: str, params: tuple = ()) -> sqlite3.Row:
        row = self.one(sql, params)
        assert row is not None  # an aggregate without GROUP BY is always one row
        return row
