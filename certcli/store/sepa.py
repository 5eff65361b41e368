"""SQL for SEPA direct debit (issue 13, m027): mandates, debit batches, the invoice
each batch collects and the debits returned."""

from __future__ import annotations

import sqlite3

from certcli.store.base import BaseStore

# An item still waiting on its collection: in a batch, not returned, its invoice open.
# The one SQL form of "pending collection" (invoice show/list, the reminders).
PENDING_SQL = (
    "EXISTS (SELECT 1 FROM debit_items dx WHERE dx.invoice_id = {invoice} "
    "AND NOT EXISTS (SELECT 1 FROM debit_returns rx WHERE rx.item_id = dx.id))"
)

_MANDATE = (
    "SELECT m.*, c.first_name, c.last_name, co.name AS company, "
    "(SELECT count(*) FROM debit_items d WHERE d.mandate_id = m.id) AS debits, "
    "(SELECT max(b.collection_date) FROM debit_items d JOIN debit_batches b "
    "ON b.id = d.batch_id WHERE d.mandate_id = m.id) AS last_collection "
    "FROM mandates m JOIN candidates c ON c.id = m.candidate_id "
    "LEFT JOIN companies co ON co.id = m.company_id"
)

_ITEM = (
    "SELECT d.*, i.number AS invoice, i.status AS invoice_status, m.rum, "
    "m.iban AS mandate_iban, m.signed_on AS mandate_signed_on, "
    "b.message_id, b.collection_date, r.id AS return_id, r.reason AS return_reason "
    "FROM debit_items d JOIN invoices i ON i.id = d.invoice_id "
    "JOIN mandates m ON m.id = d.mandate_id JOIN debit_batches b ON b.id = d.batch_id "
    "LEFT JOIN debit_returns r ON r.item_id = d.id"
)


class SepaQueries(BaseStore):
    def mandate(self, mandate_id: int) -> sqlite3.Row | None:
        return self.one(_MANDATE + " WHERE m.id = ?", (mandate_id,))

    def mandates_sql(self, candidate_id: int | None = None) -> tuple[str, tuple]:
        """`mandate list`'s SELECT (every mandate, or a holder's) by id, and its parameters."""
        if candidate_id is None:
            return _MANDATE + " ORDER BY m.id", ()
        return _MANDATE + " WHERE m.candidate_id = ? ORDER BY m.id", (candidate_id,)

    def mandate_by_rum(self, rum: str) -> sqlite3.Row | None:
        return self.one(_MANDATE + " WHERE m.rum = ?", (rum,))

    def live_mandates(self, body: str, as_of: str) -> list[sqlite3.Row]:
        """The body's mandates signed by `as_of` and not revoked on it, latest signed
        first (the one a debtor's invoice is collected on)."""
        return self.all(
            _MANDATE + " WHERE m.body = ? AND m.signed_on <= ? "
            "AND (m.revoked_on IS NULL OR m.revoked_on > ?) "
            "ORDER BY m.signed_on DESC, m.id DESC",
            (body, as_of, as_of),
        )

    def mandate_collected(self, mandate_id: int) -> bool:
        """A collection went through on the mandate already (a debit not returned):
        the next is recurring (RCUR), else it is the first (FRST)."""
        return bool(
            self.scalar(
                "SELECT count(*) FROM debit_items d WHERE d.mandate_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM debit_returns r WHERE r.item_id = d.id)",
                (mandate_id,),
            )
        )

    def debit_invoices(self, year: int) -> list[sqlite3.Row]:
        """The open dues invoices of `year` never put in a debit batch, with their
        balance's parts, scheme and frozen buyer."""
        return self.all(
            "SELECT i.id, i.number, i.kind, i.status, i.amount, i.issued_on, i.candidate_id, "
            "i.buyer_company_id, i.buyer_company, i.buyer_first_name, i.buyer_last_name, "
            "coalesce(ce.scheme, d.scheme) AS scheme, "
            "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) "
            "AS paid_list, "
            "(SELECT group_concat(n.amount, ' ') FROM invoices n WHERE n.credit_for = i.id "
            "AND n.partial = 1) AS credits_list "
            "FROM invoices i LEFT JOIN certificates ce ON ce.id = i.certificate_id "
            "LEFT JOIN dossiers d ON d.id = i.dossier_id "
            "WHERE i.kind = 'invoice' AND i.status = 'open' AND i.dues_year = ? "
            "AND NOT EXISTS (SELECT 1 FROM debit_items x WHERE x.invoice_id = i.id) "
            "ORDER BY i.id",
            (year,),
        )

    def debit_item(self, *, end_to_end: str | None = None, invoice_id: int | None = None):
        if end_to_end is not None:
            return self.one(_ITEM + " WHERE d.end_to_end = ?", (end_to_end,))
        return self.one(_ITEM + " WHERE d.invoice_id = ?", (invoice_id,))

    def debit_items_of_batch(self, batch_id: int) -> list[sqlite3.Row]:
        return self.all(_ITEM + " WHERE d.batch_id = ? ORDER BY d.id", (batch_id,))

    def debit_pending_by_e2e(self) -> dict[str, sqlite3.Row]:
        """Every item awaiting its collection, by end-to-end id (bank import)."""
        rows = self.all(_ITEM + " WHERE r.id IS NULL ORDER BY d.id")
        return {row["end_to_end"]: row for row in rows}
