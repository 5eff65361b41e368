"""SQL for letters: the records a letter is built from, the letter log and the
renewal reminders.

Letters read the tables of every stage (requests, interviews, certificates,
invoices, appeals, CQPT phases) but only ever write `letters` and `reminders`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from certcli.rules import fastjson as json
from certcli.store.base import BaseStore
from certcli.store.certificates import suspended_on

# Read from the periods ending within the window (their index on "end"), so that
# the window, not every certificate, is read.
_DUE_SELECT = """
    SELECT c.id AS certificate_id, c.number, c.scheme, c.candidate_id,
           ca.civility, ca.first_name, ca.last_name,
           p.id AS period_id, p.start, p.end,
           r.reminded_on, r.letter_id
    FROM certificate_periods p
    JOIN certificates c ON c.id = p.certificate_id
    JOIN candidates ca ON ca.id = c.candidate_id
    LEFT JOIN reminders r ON r.period_id = p.id
    WHERE p.end IS NOT NULL
      AND p.end <= :limit
      AND p.start <= :as_of
      -- the latest period only: a later one (by start, then id) means the
      -- certificate was renewed. An anti-join on the period's own certificate, so
      -- it is decided on the window's periods alone: correlated on c.id, PostgreSQL
      -- hashed every certificate with its latest period (1.5 s for a page at 1M).
      AND NOT EXISTS (
        SELECT 1 FROM certificate_periods q WHERE q.certificate_id = p.certificate_id
        AND (q.start > p.start OR (q.start = p.start AND q.id > p.id)))
      AND c.status != 'withdrawn'
      AND (c.withdrawn_on IS NULL OR c.withdrawn_on > :as_of)
      AND NOT {suspended}
""".format(suspended=suspended_on("c", ":as_of"))


class LettersQueries(BaseStore):
    # -- records a letter is built from ----------------------------------------------
    def certificate_by_number(self, number: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM certificates WHERE number = ?", (number,))

    def certificate_row(self, certificate_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM certificates WHERE id = ?", (certificate_id,))

    def certificate_of_dossier(self, dossier_row) -> sqlite3.Row | None:
        """The certificate a dossier is about (renewal, extension) or produced (grant)."""
        if dossier_row["certificate_id"]:
            return self.certificate_row(dossier_row["certificate_id"])
        return self.one(
            "SELECT c.* FROM certificates c JOIN certificate_periods p ON p.certificate_id = c.id "
            "WHERE p.dossier_id = ? ORDER BY p.start DESC LIMIT 1",
            (dossier_row["id"],),
        )

    def latest_period(self, certificate_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM certificate_periods WHERE certificate_id = ? "
            "ORDER BY start DESC, id DESC LIMIT 1",
            (certificate_id,),
        )

    def first_period(self, certificate_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM certificate_periods WHERE certificate_id = ? ORDER BY start, id LIMIT 1",
            (certificate_id,),
        )

    def invoice_by_number(self, number: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM invoices WHERE number = ?", (number,))

    def invoice_links(self, invoice_id: int) -> sqlite3.Row:
        """The other half of a cancellation: the invoice a credit note cancels, the
        credit note that cancelled an invoice, the invoice a reissued one replaces
        (numbers and issue days, else NULL)."""
        row = self.one(
            "SELECT o.number AS credit_for, o.issued_on AS credit_for_on, "
            "n.number AS credited_by, n.issued_on AS credited_on, "
            "r.number AS replaces, r.issued_on AS replaces_on FROM invoices i "
            "LEFT JOIN invoices o ON o.id = i.credit_for "
            "LEFT JOIN invoices r ON r.id = i.replaces "
            "LEFT JOIN invoices n ON n.credit_for = i.id AND n.partial = 0 WHERE i.id = ? "
            "ORDER BY n.id LIMIT 1",
            (invoice_id,),
        )
        # Asked for an invoice just read: its own row is always there (the joins
        # are LEFT joins), only the halves it links to may be NULL.
        assert row is not None
        return row

    def invoice_paid(self, invoice_id: int) -> list[str]:
        return [
            r[0]
            for r in self.all("SELECT amount FROM payments WHERE invoice_id = ?", (invoice_id,))
        ]

    def dossier_invoice(self, dossier_id: int) -> sqlite3.Row | None:
        """The dues invoice issued with this dossier's grant, and only that one: a
        renewal in a year already called or an extension has none, and another
        dossier's or a yearly call's invoice is never this dossier's, nor is the
        dossier's instruction-fee invoice (issued before it, `fee_invoice`)."""
        return self.one(
            "SELECT * FROM invoices WHERE dossier_id = ? AND kind = 'invoice' "
            "AND purpose NOT IN ('dues-call', 'instruction-fee') AND status != 'cancelled' "
            "ORDER BY id LIMIT 1",
            (dossier_id,),
        )

    def dossier_period(self, certificate_id: int, dossier_id: int) -> sqlite3.Row | None:
        """The validity period this dossier's grant opened (first grant or renewal)."""
        return self.one(
            "SELECT * FROM certificate_periods WHERE certificate_id = ? "
            "AND dossier_id = ? ORDER BY start, id LIMIT 1",
            (certificate_id, dossier_id),
        )

    def period_on(self, certificate_id: int, day: str) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM certificate_periods WHERE certificate_id = ? AND start <= ? "
            'AND ("end" IS NULL OR "end" >= ?) ORDER BY start DESC, id DESC LIMIT 1',
            (certificate_id, day, day),
        )

    def decision_events(self, dossier_id: int) -> list[sqlite3.Row]:
        """The dossier's decision steps, latest first (their details hold the mentions
        the certificate had once granted)."""
        return self.all(
            "SELECT * FROM dossier_events WHERE dossier_id = ? "
            "AND event = 'decision' ORDER BY date DESC, id DESC",
            (dossier_id,),
        )

    def latest_request(self, dossier_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT * FROM requests WHERE dossier_id = ? ORDER BY requested_on DESC, "
            "id DESC LIMIT 1",
            (dossier_id,),
        )

    def latest_interview(self, dossier_id: int) -> sqlite3.Row | None:
        return self.one(
            "SELECT i.*, ins.name AS instructor_name FROM interviews i "
            "LEFT JOIN instructors ins ON ins.id = i.instructor_id "
            "WHERE i.dossier_id = ? AND i.status != 'cancelled' ORDER BY i.id DESC LIMIT 1",
            (dossier_id,),
        )

    def latest_appeal(self, dossier_id: int) -> sqlite3.Row | None:
        """The dossier's appeal with its hearing: `reason` is the appellant's grounds,
        `outcome_reason` the appeals session's reason (its agenda line)."""
        return self.one(
            "SELECT a.*, s.date AS session_date, ai.reason AS outcome_reason FROM appeals a "
            "LEFT JOIN sessions s ON s.id = a.session_id "
            "LEFT JOIN agenda_items ai ON ai.appeal_id = a.id AND ai.session_id = a.session_id "
            "WHERE a.dossier_id = ? ORDER BY a.id DESC LIMIT 1",
            (dossier_id,),
        )

    def first_refusal(self, dossier_id: int) -> sqlite3.Row | None:
        """The refusal by the award commission (or CPNE), not by the appeals session:
        `dossiers.decided_on`/`decision_reason` hold the latest decision, which is
        the appeal's once it is heard."""
        return self.one(
            "SELECT s.date, s.kind, ai.reason FROM agenda_items ai "
            "JOIN sessions s ON s.id = ai.session_id "
            "WHERE ai.dossier_id = ? AND ai.decision = 'refused' AND s.kind != 'appeal' "
            "ORDER BY s.date DESC, ai.id DESC LIMIT 1",
            (dossier_id,),
        )

    # -- the letter log --------------------------------------------------------------------
    def letter_row(self, letter_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM letters WHERE id = ?", (letter_id,))

    def letter_at_path(self, path: str) -> sqlite3.Row | None:
        return self.one("SELECT id FROM letters WHERE path = ? LIMIT 1", (path,))

    def logged_paths(self, paths: list[str]) -> set[str]:
        """Those of `paths` that a logged letter has (a lot's names, checked at once)."""
        return {
            row["path"]
            for row in self.all(
                "SELECT DISTINCT path FROM letters WHERE path IN (SELECT value FROM json_each(?))",
                (json.dumps(paths),),
            )
        }

    def letter(self, letter_id: int) -> sqlite3.Row | None:
        """One logged letter with its references and its notification, if any."""
        return self.one(
            "SELECT l.*, d.ref AS dossier_ref, c.number AS certificate_number, "
            "n.notified_on, n.registered FROM letters l "
            "LEFT JOIN dossiers d ON d.id = l.dossier_id "
            "LEFT JOIN certificates c ON c.id = l.certificate_id "
            "LEFT JOIN letter_notifications n ON n.letter_id = l.id WHERE l.id = ?",
            (letter_id,),
        )

    def first_notified(
        self, dossier_id: int, templates: tuple[str, ...], since: str
    ) -> sqlite3.Row | None:
        """The earliest notification of one of the dossier's letters of these templates
        dated on or after `since` (the refusal letters of a refusal): its day and letter."""
        marks = ", ".join("?" for _ in templates)
        return self.one(
            "SELECT n.notified_on, n.registered, n.letter_id FROM letter_notifications n "
            "JOIN letters l ON l.id = n.letter_id "
            f"WHERE l.dossier_id = ? AND l.template IN ({marks}) AND l.date >= ? "
            "ORDER BY n.notified_on, n.id LIMIT 1",
            (dossier_id, *templates, since),
        )

    def letters_log(self, letter_ids: list[int]) -> list[sqlite3.Row]:
        """These letters with what they are about and when they were notified."""
        return self.all(
            "SELECT l.*, d.ref AS dossier_ref, c.number AS certificate_number, "
            "i.number AS invoice_number, n.notified_on, n.registered FROM letters l "
            "LEFT JOIN dossiers d ON d.id = l.dossier_id "
            "LEFT JOIN certificates c ON c.id = l.certificate_id "
            "LEFT JOIN invoices i ON i.id = l.invoice_id "
            "LEFT JOIN letter_notifications n ON n.letter_id = l.id "
            "WHERE l.id IN (SELECT value FROM json_each(?))",
            (json.dumps(letter_ids),),
        )

    def letters_log_sql(
        self, *, candidate_id: int | None = None, dossier_id: int | None = None
    ) -> tuple[str, list]:
        """`letters log`'s lines in its order, one a channel (a page of them, a count,
        a stream): (date, source 0 a letter / 1 a message carrying none, entry: the
        letter's or message's id, channel 0 post / 1 e-mail, message: the e-mail's
        outbox id). A letter has a post line when it is for the post or no message
        carried it, and a line for each message that carried it (its own, or its
        pending letter's); the messages that carry no letter (the identifiers) follow
        a day's letters, unless the log is a dossier's."""
        where, params = [], []
        if candidate_id is not None:
            where.append("l.candidate_id = ?")
            params.append(candidate_id)
        if dossier_id is not None:
            where.append("l.dossier_id = ?")
            params.append(dossier_id)
        mine = "".join(f" AND {w}" for w in where)
        # `+l.id`: the letters are read in the log's order and their messages looked
        # up, not every message read and sorted.
        via_pending = (
            "JOIN pending_letters p ON p.letter_id = +l.id "
            "JOIN outbox o ON o.pending_letter_id = p.id AND o.letter_id IS NULL"
        )
        arms = [
            "SELECT l.date, 0 AS source, l.id AS entry, 0 AS channel, 0 AS message "
            "FROM letters l WHERE (l.post = 1 OR (NOT EXISTS (SELECT 1 FROM outbox o "
            "WHERE o.letter_id = l.id) AND NOT EXISTS (SELECT 1 FROM letters q "
            f"{via_pending.replace('+l.id', 'q.id')} WHERE q.id = l.id))){mine}",
            "SELECT l.date, 0, l.id, 1, o.id FROM letters l "
            f"JOIN outbox o ON o.letter_id = +l.id WHERE 1 = 1{mine}",
            f"SELECT l.date, 0, l.id, 1, o.id FROM letters l {via_pending} WHERE 1 = 1{mine}",
        ]
        params = params * 3
        if dossier_id is None:
            arms.append(
                "SELECT o.date, 1, o.id, 0, o.id FROM outbox o "
                # every such message in date order, or a candidate's through theirs
                + ("" if candidate_id is not None else "INDEXED BY outbox_letterless ")
                + "WHERE o.pending_letter_id IS NULL "
                "AND o.letter_id IS NULL AND o.kind != 'test'"
                + (" AND o.candidate_id = ?" if candidate_id is not None else "")
            )
            if candidate_id is not None:
                params.append(candidate_id)
        return (
            " UNION ALL ".join(arms) + " ORDER BY date, source, entry, channel, message",
            params,
        )

    # -- pending letters (asked for in a step, rendered after its commit) ----------------
    def pending_letter(self, pending_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM pending_letters WHERE id = ?", (pending_id,))

    def pending_letters_by_id(self, pending_ids: list[int]) -> dict[int, sqlite3.Row]:
        """These pending letters (done or not) by id; an id without a row is absent."""
        rows = self.all(
            "SELECT * FROM pending_letters WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(pending_ids),),
        )
        return {row["id"]: row for row in rows}

    def pending_letters(self) -> list[sqlite3.Row]:
        """The letters asked for and not rendered yet, oldest first."""
        return self.all(*self.pending_letters_sql())

    def pending_letters_sql(self) -> tuple[str, list]:
        """`pending_letters`' SELECT and its parameters, shared by `letters pending`'s
        page, its count and --all."""
        return "SELECT * FROM pending_letters WHERE letter_id IS NULL ORDER BY id", []

    # -- renewal reminders -------------------------------------------------------------------
    def renewal_window(
        self,
        *,
        as_of: str,
        limit: str,
        include_expired: bool = False,
        pending: bool = False,
        rows: int | None = None,
        offset: int = 0,
    ) -> list[sqlite3.Row]:
        """Certificates whose current period ends by `limit` and covers `as_of`
        (or, with include_expired, ended before it without renewal), soonest end
        first; `pending`: only those not reminded and not lapsed; `rows` a page of them."""
        sql, params = self.renewal_window_sql(
            as_of=as_of, limit=limit, include_expired=include_expired, pending=pending
        )
        if rows is not None:
            sql += " LIMIT :rows OFFSET :offset"
            params.update(rows=rows, offset=offset)
        return self.all(sql, params)

    def iter_renewal_window(self, **window) -> Iterator[sqlite3.Row]:
        """The same rows as `renewal_window`, read as they come (a reader that stops
        early, a closed pipe, leaves nothing to finish: the stream's cursor is closed
        when dropped)."""
        return self.stream(*self.renewal_window_sql(**window))

    def count_renewal_window(self, **window) -> int:
        return self.count_of(*self.renewal_window_sql(**window))

    def renewal_window_sql(
        self, *, as_of: str, limit: str, include_expired: bool = False, pending: bool = False
    ) -> tuple[str, dict]:
        """The renewal window's SQL and parameters (EXPLAIN QUERY PLAN reads it in
        tests/test_store_query_plans.py)."""
        where = "" if include_expired else " AND p.end >= :as_of"
        if pending:
            where += " AND r.reminded_on IS NULL AND p.end >= :as_of"
        return (
            f"{_DUE_SELECT}{where} ORDER BY p.end, c.number",
            {"as_of": as_of, "limit": limit},
        )

    def reminder_for_period(self, period_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM reminders WHERE period_id = ?", (period_id,))
