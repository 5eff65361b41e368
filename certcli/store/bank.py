"""SQL for bank statements: the entries imported (bank_entries, m023) and the open
invoices a statement's payments are matched to."""

from __future__ import annotations

import json
import sqlite3

from certcli.store.base import BaseStore


class BankQueries(BaseStore):
    def bank_known(self, references: list[str]) -> set[str]:
        """Which of these bank references were imported already (one query)."""
        rows = self.all(
            "SELECT reference FROM bank_entries WHERE reference IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(references))),),
        )
        return {row["reference"] for row in rows}

    def bank_open_invoices(self) -> list[sqlite3.Row]:
        """Every open invoice with what a payment is matched on: number, amount, the
        payments and partial credit notes (its balance), issue date, frozen buyer."""
        return self.all(
            "SELECT i.id, i.number, i.kind, i.status, i.amount, i.issued_on, "
            "i.buyer_first_name, i.buyer_last_name, i.buyer_company, "
            "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) "
            "AS paid_list, "
            "(SELECT group_concat(n.amount, ' ') FROM invoices n WHERE n.credit_for = i.id "
            "AND n.partial = 1) AS credits_list "
            "FROM invoices i WHERE i.kind = 'invoice' AND i.status = 'open' ORDER BY i.id"
        )

    def bank_entry(self, reference: str) -> sqlite3.Row | None:
        return self.one(
            "SELECT b.*, i.number AS invoice FROM bank_entries b "
            "LEFT JOIN invoices i ON i.id = b.invoice_id WHERE b.reference = ?",
            (reference,),
        )

    def bank_unmatched(self) -> list[sqlite3.Row]:
        """The entries no payment was recorded for, in the order they were imported."""
        return self.all("SELECT * FROM bank_entries WHERE status = 'unmatched' ORDER BY id")
