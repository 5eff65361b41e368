"""SQL for invoices, credit notes and the payments against them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from certcli.store.base import BaseStore


# "Dues already invoiced" for a certificate (the SQL expression naming it) and a year:
# any dues invoice of that year, cancelled ones included. A credit note cancels the
# invoice, not the fact that the year was invoiced (an exemption, or a mistake the
# secretariat corrects by hand): neither a grant's prorata nor the annual call
# invoices that year again by itself. The one rule of both (invoices_dues_once
# backs it for the call).
def dues_invoiced_sql(certificate: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM invoices di WHERE di.certificate_id = "
        + certificate
        + " AND di.kind = 'invoice' AND di.dues_year = ?)"
    )


# The holder is the buyer as the invoice names them (frozen at issue), never the
# candidate's current name.
_INVOICE = (
    "SELECT i.*, i.buyer_first_name AS first_name, i.buyer_last_name AS last_name, "
    "ce.number AS certificate, d.ref AS dossier, COALESCE(d.scheme, ce.scheme) AS scheme, "
    "o.number AS credit_for_number, "
    # The cancellation's credit note (a partial one never cancels), the partial credit
    # notes' amounts (the balance counts them), the invoice this one replaces and the
    # one that replaced it.
    "(SELECT n.number FROM invoices n WHERE n.credit_for = i.id AND n.partial = 0) "
    "AS credited_by, "
    "(SELECT group_concat(n.amount, ' ') FROM invoices n WHERE n.credit_for = i.id "
    "AND n.partial = 1) AS credits_list, "
    "(SELECT r.number FROM invoices r WHERE r.id = i.replaces) AS replaces_number, "
    "(SELECT r.number FROM invoices r WHERE r.replaces = i.id) AS replaced_by, "
    "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) AS paid_list "
    "FROM invoices i "
    "LEFT JOIN certificates ce ON ce.id = i.certificate_id "
    "LEFT JOIN dossiers d ON d.id = i.dossier_id "
    "LEFT JOIN invoices o ON o.id = i.credit_for"
)


# What an invoice copies from its candidate at issue (invoices.buyer_<field>, m004).
BUYER_FIELDS = ("civility", "first_name", "last_name", "address", "postcode", "city")


class InvoicesQueries(BaseStore):
    def scheme_of(self, *, dossier_id: int | None, certificate_id: int | None) -> str | None:
        """The scheme code of a dossier, else of a certificate (None for neither)."""
        if dossier_id is not None:
            found = self.scalar("SELECT scheme FROM dossiers WHERE id = ?", (dossier_id,))
            if found:
                return found
        if certificate_id is not None:
            return self.scalar("SELECT scheme FROM certificates WHERE id = ?", (certificate_id,))
        return None

    def invoice_buyer(self, candidate_id: int) -> dict | None:
        """The candidate's name and address as the invoice columns buyer_<field>."""
        row = self.one(
            f"SELECT {', '.join(BUYER_FIELDS)} FROM candidates WHERE id = ?", (candidate_id,)
        )
        return None if row is None else {f"buyer_{f}": row[f] for f in BUYER_FIELDS}

    def invoice_buyers(self, candidate_ids: list[int]) -> dict[int, dict]:
        """invoice_buyer for several candidates in one query, by candidate id."""
        rows = self.all(
            f"SELECT id, {', '.join(BUYER_FIELDS)} FROM candidates "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(candidate_ids))),),
        )
        return {row["id"]: {f"buyer_{f}": row[f] for f in BUYER_FIELDS} for row in rows}

    def invoice_credits(self, invoice_id: int) -> list[sqlite3.Row]:
        """The partial credit notes of an invoice, in their order."""
        return self.all(
            "SELECT number, amount, issued_on, label FROM invoices "
            "WHERE credit_for = ? AND partial = 1 ORDER BY id",
            (invoice_id,),
        )

    def invoice(self, number: str) -> sqlite3.Row | None:
        return self.one(_INVOICE + " WHERE i.number = ?", (number,))

    def invoice_by_id(self, invoice_id: int) -> sqlite3.Row | None:
        return self.one(_INVOICE + " WHERE i.id = ?", (invoice_id,))

    def invoices(
        self, *, limit: int | None = None, offset: int = 0, **filters
    ) -> list[sqlite3.Row]:
        sql, params = self.invoices_sql(**filters)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self.all(sql, params)

    def iter_invoices(self, **filters) -> Iterator[sqlite3.Row]:
        """The rows of `invoices`, read as they come."""
        sql, params = self.invoices_sql(**filters)
        yield from self.conn.execute(sql, params)

    def count_invoices(self, **filters) -> int:
        where, params = self._invoice_filters(**filters)
        return self.scalar("SELECT count(*) FROM invoices i" + where, params)

    @staticmethod
    def _invoice_filters(
        *,
        unpaid: bool = False,
        year: int | None = None,
        candidate_id: int | None = None,
        dossier_id: int | None = None,
    ) -> tuple[str, list]:
        where, params = [], []
        if unpaid:
            where.append("i.kind = 'invoice' AND i.status = 'open'")
        if year is not None:
            where.append("i.year = ?")
            params.append(year)
        if candidate_id is not None:
            where.append("i.candidate_id = ?")
            params.append(candidate_id)
        if dossier_id is not None:
            where.append("i.dossier_id = ?")
            params.append(dossier_id)
        return (f" WHERE {' AND '.join(where)}" if where else ""), params

    def invoices_sql(self, **filters) -> tuple[str, list]:
        """The invoice listing's SQL, by id; "credited by" and "paid" are index
        lookups (m009), not a scan per invoice."""
        where, params = self._invoice_filters(**filters)
        return _INVOICE + where + " ORDER BY i.id", params

    def invoice_payments(self, invoice_ids: list[int]) -> list[sqlite3.Row]:
        """The payments of several invoices in one query; the ids travel as one JSON
        parameter, so a long listing never reaches SQLite's limit on parameters."""
        return self.all(
            "SELECT * FROM payments WHERE invoice_id IN "
            "(SELECT value FROM json_each(?)) ORDER BY invoice_id, paid_on, id",
            (json.dumps(invoice_ids),),
        )

    def dues_invoiced(self, certificate_id: int, year: int) -> bool:
        """Whether a certificate's dues for `year` were already invoiced (see
        dues_invoiced_sql)."""
        return bool(self.scalar("SELECT " + dues_invoiced_sql("?"), (certificate_id, year)))

    def latest_issued(self, kind: str, year: int) -> sqlite3.Row | None:
        """The number and issue date of the latest invoice (or credit note) of a year's
        series, by date."""
        return self.one(
            "SELECT number, issued_on FROM invoices WHERE kind = ? AND year = ? "
            "ORDER BY issued_on DESC, seq DESC LIMIT 1",
            (kind, year),
        )
