"""SQL for invoices, credit notes and the payments against them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from certcli.rules import fastjson as json
from certcli.store.base import BaseStore
from certcli.store.sepa import PENDING_SQL


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
    "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) AS paid_list, "
    # the last reminder level sent (issue 12; 0 when none), off the unique pair's index
    "(SELECT coalesce(max(ir.level), 0) FROM invoice_reminders ir WHERE ir.invoice_id = i.id) "
    "AS reminder_level, " + PENDING_SQL.format(invoice="i.id") + " AS pending_collection "
    # in a SEPA debit batch, waiting on its collection (issue 13)
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

    def series_invoices_sql(self, year: int, first: int, last: int) -> tuple[str, list]:
        """The invoices numbered `first` to `last` in `year`'s series, in number order,
        with the number of their certificate: a dues call's, read back after its
        transaction (`dues call --json`, its letters) instead of held while it writes."""
        return (
            "SELECT i.number, ce.number AS certificate, i.candidate_id, i.amount, "
            "i.buyer_company, i.buyer_first_name, i.buyer_last_name FROM invoices i "
            "JOIN certificates ce ON ce.id = i.certificate_id "
            "WHERE i.kind = 'invoice' AND i.year = ? AND i.seq BETWEEN ? AND ? ORDER BY i.seq",
            [year, first, last],
        )

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

    def invoices_by_numbers(self, numbers: list[str]) -> list[sqlite3.Row]:
        """Several invoices by number in one query (the numbers as one JSON parameter)."""
        return self.all(
            _INVOICE + " WHERE i.number IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(numbers))),),
        )

    def invoices_mark_paid(self, invoice_ids: list[int]) -> None:
        """Invoices paid in full (pay_many), in one statement."""
        if invoice_ids:
            self.conn.execute(
                "UPDATE invoices SET status = 'paid' WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(invoice_ids),),
            )

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
        return self.stream(*self.invoices_sql(**filters))

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

    # -- reminders of unpaid invoices (issue 12) -------------------------------------------
    def remindable_invoices(self, as_of: str, invoice_id: int | None = None) -> list[sqlite3.Row]:
        """The open invoices past their due date on `as_of`, oldest due first, with
        what the reminder rule reads: the balance's parts, the scheme (of the
        certificate or the dossier: its body has the levels), the dossier's status
        (an instruction fee still waiting) and the last reminder sent."""
        return self.all(
            "SELECT i.id, i.number, i.purpose, i.amount, i.kind, i.status, i.issued_on, "
            "i.due_on, i.candidate_id, "
            "(SELECT group_concat(p.amount, ' ') FROM payments p WHERE p.invoice_id = i.id) "
            "AS paid_list, "
            "(SELECT group_concat(n.amount, ' ') FROM invoices n WHERE n.credit_for = i.id "
            "AND n.partial = 1) AS credits_list, "
            "coalesce(ce.scheme, d.scheme) AS scheme, d.status AS dossier_status, "
            "r.level AS last_level, r.sent_on AS last_sent_on "
            "FROM invoices i "
            "LEFT JOIN certificates ce ON ce.id = i.certificate_id "
            "LEFT JOIN dossiers d ON d.id = i.dossier_id "
            "LEFT JOIN invoice_reminders r ON r.id = (SELECT x.id FROM invoice_reminders x "
            "WHERE x.invoice_id = i.id ORDER BY x.level DESC LIMIT 1) "
            "WHERE i.kind = 'invoice' AND i.status = 'open' AND i.due_on IS NOT NULL "
            "AND i.due_on < ? AND NOT "
            + PENDING_SQL.format(invoice="i.id")
            + (" AND i.id = ?" if invoice_id is not None else "")
            + " ORDER BY i.due_on, i.id",
            (as_of,) if invoice_id is None else (as_of, invoice_id),
        )

    def invoice_reminders(self, invoice_id: int) -> list[sqlite3.Row]:
        """The reminders sent for an invoice, by level."""
        return self.all(
            "SELECT * FROM invoice_reminders WHERE invoice_id = ? ORDER BY level", (invoice_id,)
        )

    def last_invoice_reminder(self, invoice_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM invoice_reminders WHERE invoice_id = ? ORDER BY level DESC LIMIT 1",
            (invoice_id,),
        )

    # -- the accountant's journal (issue 12: invoice export --format fec) -------------------
    def year_invoices(self, year: int) -> Iterator[sqlite3.Row]:
        """Every invoice and credit note issued in `year`, in date and number order, with
        its scheme (whose body has the account codes) and the invoice a credit note
        credits, read as they come (the FEC)."""
        return self.stream(
            "SELECT i.*, coalesce(ce.scheme, d.scheme) AS scheme, o.number AS credit_for_number "
            "FROM invoices i "
            "LEFT JOIN certificates ce ON ce.id = i.certificate_id "
            "LEFT JOIN dossiers d ON d.id = i.dossier_id "
            "LEFT JOIN invoices o ON o.id = i.credit_for "
            "WHERE i.year = ? ORDER BY i.issued_on, i.kind DESC, i.seq",
            (year,),
        )

    def year_payments(self, year: int) -> Iterator[sqlite3.Row]:
        """Every payment and refund dated in `year` (against an invoice, or an
        instruction fee against a dossier), in date order, with what it pays, read as
        they come, like year_invoices."""
        return self.stream(
            "SELECT p.*, i.number AS invoice_number, i.candidate_id AS invoice_candidate, "
            "i.buyer_company, i.buyer_siret, i.buyer_first_name, i.buyer_last_name, "
            "d.ref AS dossier_ref, d.candidate_id AS dossier_candidate, "
            "coalesce(ce.scheme, d.scheme, di.scheme) AS scheme, "
            "ca.first_name, ca.last_name "
            "FROM payments p "
            "LEFT JOIN invoices i ON i.id = p.invoice_id "
            "LEFT JOIN certificates ce ON ce.id = i.certificate_id "
            "LEFT JOIN dossiers di ON di.id = i.dossier_id "
            "LEFT JOIN dossiers d ON d.id = p.dossier_id "
            "LEFT JOIN candidates ca ON ca.id = coalesce(i.candidate_id, d.candidate_id) "
            "WHERE p.paid_on >= ? AND p.paid_on <= ? ORDER BY p.paid_on, p.id",
            (f"{year}-01-01", f"{year}-12-31"),
        )

    def fee_invoice(self, dossier_id: int) -> sqlite3.Row | None:
        """The instruction fee's invoice of a dossier still standing (not cancelled)."""
        return self.one(
            "SELECT id, number, status, amount FROM invoices WHERE dossier_id = ? "
            "AND kind = 'invoice' AND purpose = 'instruction-fee' AND status != 'cancelled' "
            "ORDER BY id DESC LIMIT 1",
            (dossier_id,),
        )
