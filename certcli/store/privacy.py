"""SQL of the GDPR rights (issue 16): what is held on one person (`candidate
export-person`), its erasure in place (`candidate forget`) and the people a
retention rule concerns (`retention run`). The rules are certcli.domain.privacy's."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from certcli.store.base import BaseStore, sql_list

# The person's tables, in the order an export lists them: (name, SQL selecting the
# rows, with :cid for the person and :ids for them and the duplicates merged into
# them). The child tables hang on the person's dossiers, certificates, invoices and
# letters.
_DOSSIERS = "SELECT id FROM dossiers WHERE candidate_id = :cid"
_CERTIFICATES = "SELECT id FROM certificates WHERE candidate_id = :cid"
_INVOICES = "SELECT id FROM invoices WHERE candidate_id = :cid"
_LETTERS = (
    "SELECT id FROM letters WHERE candidate_id = :cid "
    f"OR dossier_id IN ({_DOSSIERS}) OR certificate_id IN ({_CERTIFICATES}) "
    f"OR invoice_id IN ({_INVOICES})"
)
_OUTBOX = f"SELECT id FROM outbox WHERE candidate_id = :cid OR letter_id IN ({_LETTERS})"
PERSON_TABLES: tuple[tuple[str, str], ...] = (
    ("candidates", "SELECT * FROM candidates WHERE id = :cid OR merged_into = :cid ORDER BY id"),
    (
        "experiences",
        "SELECT * FROM experiences WHERE candidate_id = :cid "
        "OR candidate_id IN (SELECT id FROM candidates WHERE merged_into = :cid) ORDER BY id",
    ),
    ("dossiers", "SELECT * FROM dossiers WHERE candidate_id = :cid ORDER BY id"),
    *(
        (table, f"SELECT * FROM {table} WHERE dossier_id IN ({_DOSSIERS}) ORDER BY id")
        for table in (
            "dossier_events",
            "pieces",
            "requests",
            "interviews",
            "expert_opinions",
            "cqpt_phases",
            "agenda_items",
            "appeals",
            "abstentions",
        )
    ),
    ("certificates", "SELECT * FROM certificates WHERE candidate_id = :cid ORDER BY id"),
    *(
        (table, f"SELECT * FROM {table} WHERE certificate_id IN ({_CERTIFICATES}) ORDER BY id")
        for table in ("certificate_periods", "certificate_suspensions", "reminders")
    ),
    ("invoices", "SELECT * FROM invoices WHERE candidate_id = :cid ORDER BY id"),
    (
        "payments",
        f"SELECT * FROM payments WHERE dossier_id IN ({_DOSSIERS}) "
        f"OR invoice_id IN ({_INVOICES}) ORDER BY id",
    ),
    (
        "invoice_reminders",
        f"SELECT * FROM invoice_reminders WHERE invoice_id IN ({_INVOICES}) ORDER BY id",
    ),
    ("bank_entries", f"SELECT * FROM bank_entries WHERE invoice_id IN ({_INVOICES}) ORDER BY id"),
    ("letters", f"SELECT * FROM letters WHERE id IN ({_LETTERS}) ORDER BY id"),
    (
        "letter_notifications",
        f"SELECT * FROM letter_notifications WHERE letter_id IN ({_LETTERS}) ORDER BY id",
    ),
    (
        "pending_letters",
        "SELECT * FROM pending_letters WHERE candidate_id = :cid "
        f"OR letter_id IN ({_LETTERS}) ORDER BY id",
    ),
    ("outbox", f"SELECT * FROM outbox WHERE id IN ({_OUTBOX}) ORDER BY id"),
    ("credentials", "SELECT * FROM credentials WHERE candidate_id = :cid ORDER BY id"),
)

# Free texts written about the person (reasons, notes, reports): replaced whole.
FREE_TEXTS: tuple[tuple[str, str, str], ...] = (
    # (table, column, the rows: a condition on the person as in PERSON_TABLES)
    ("candidates", "merge_reason", "id = :cid OR merged_into = :cid"),
    (
        "experiences",
        "removed_reason",
        "candidate_id = :cid OR candidate_id IN (SELECT id FROM candidates "
        "WHERE merged_into = :cid)",
    ),
    ("dossiers", "report_text", "candidate_id = :cid"),
    ("dossiers", "decision_reason", "candidate_id = :cid"),
    ("pieces", "unreceived_reason", f"dossier_id IN ({_DOSSIERS})"),
    ("interviews", "notes", f"dossier_id IN ({_DOSSIERS})"),
    ("expert_opinions", "text", f"dossier_id IN ({_DOSSIERS})"),
    ("agenda_items", "reason", f"dossier_id IN ({_DOSSIERS})"),
    ("appeals", "reason", f"dossier_id IN ({_DOSSIERS})"),
    ("abstentions", "reason", f"dossier_id IN ({_DOSSIERS})"),
    ("certificates", "withdraw_reason", "candidate_id = :cid"),
    ("certificate_suspensions", "reason", f"certificate_id IN ({_CERTIFICATES})"),
    ("certificate_suspensions", "reinstate_reason", f"certificate_id IN ({_CERTIFICATES})"),
    (
        "payments",
        "reason",
        f"dossier_id IN ({_DOSSIERS}) OR invoice_id IN ({_INVOICES})",
    ),
)

# Texts that are not only about the person (a bank reference, a subject line, a
# list of requested items, a JSON timeline): the person's words are taken out of
# them, the rest kept. (table, column, the rows)
MIXED_TEXTS: tuple[tuple[str, str, str], ...] = (
    ("requests", "items", f"dossier_id IN ({_DOSSIERS})"),
    ("dossier_events", "details", f"dossier_id IN ({_DOSSIERS})"),
    ("payments", "reference", f"dossier_id IN ({_DOSSIERS}) OR invoice_id IN ({_INVOICES})"),
    ("bank_entries", "remittance", f"invoice_id IN ({_INVOICES})"),
    ("bank_entries", "end_to_end", f"invoice_id IN ({_INVOICES})"),
    ("pending_letters", "out_dir", f"candidate_id = :cid OR letter_id IN ({_LETTERS})"),
    ("outbox", "subject", f"id IN ({_OUTBOX})"),
    ("outbox", "error", f"id IN ({_OUTBOX})"),
)

# Columns set outright: (table, assignments, the rows). The free texts, then what
# names the person in other words (an employer, a bank debtor, a letter's file, an
# e-mail's address and bodies).
_ERASURES: tuple[tuple[str, str, str], ...] = (
    *(
        (table, f'"{column}" = :erased', f'({where}) AND "{column}" IS NOT NULL')
        for table, column, where in FREE_TEXTS
    ),
    (
        "experiences",
        "employer = :erased",
        "candidate_id = :cid OR candidate_id IN (SELECT id FROM candidates "
        "WHERE merged_into = :cid)",
    ),
    ("bank_entries", "debtor = :erased", f"invoice_id IN ({_INVOICES}) AND debtor IS NOT NULL"),
    ("letters", "path = ''", f"id IN ({_LETTERS})"),
    ("outbox", "to_addr = '', body_text = NULL, body_html = NULL", f"id IN ({_OUTBOX})"),
)


class PrivacyQueries(BaseStore):
    def person_tables(self, candidate_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row held on one person, table by table (PERSON_TABLES)."""
        params = {"cid": candidate_id}
        return {table: [dict(row) for row in self.all(sql, params)] for table, sql in PERSON_TABLES}

    def person_audit(self, candidate_id: int, keys: Mapping[str, list[str]]) -> list[sqlite3.Row]:
        """The audit entries about the person: on them (and their merged duplicates),
        or on one of their dossiers, certificates, invoices, letters, e-mails
        (`keys`: entity -> entity ids)."""
        clauses, params = [], []
        for entity, ids in keys.items():
            if ids:
                marks = ", ".join("?" for _ in ids)
                clauses.append(f"(entity = ? AND entity_id IN ({marks}))")
                params += [entity, *ids]
        if not clauses:
            return []
        return self.all(
            f"SELECT * FROM audit_log WHERE {' OR '.join(clauses)} ORDER BY id", tuple(params)
        )

    def audit_mentioning(self, words: list[str]) -> list[sqlite3.Row]:
        """Audit entries whose details hold any of these words (case ignored): the
        entries on other records that name the person."""
        if not words:
            return []
        likes = " OR ".join("lower(details) LIKE ? ESCAPE '\\'" for _ in words)
        from certcli.store.dialect import like_escape

        return self.all(
            f"SELECT id, details FROM audit_log WHERE {likes} ORDER BY id",
            tuple(f"%{like_escape(w.lower())}%" for w in words),
        )

    def erase_person(
        self,
        candidate_id: int,
        *,
        pseudonyms: Mapping[int, dict[str, Any]],
        scrub: Callable[[str], str],
        audit_rows: Mapping[int, str],
        erased: str,
    ) -> dict[str, int]:
        """The erasure's writes (inside transaction()): each candidate row of the
        person (`pseudonyms`: id -> its new columns), the free texts replaced by
        `erased`, the mixed texts passed through `scrub`, the work periods' employer,
        the bank lines' debtor, the letters' file paths, the e-mails' addresses and
        bodies, and the audit entries' details (`audit_rows`: id -> new details).
        Issued invoices and credit notes are not touched. Returns rows changed per
        table."""
        self.dialect.start_erasure(self.conn)
        params = {"cid": candidate_id}
        changed: dict[str, int] = {}

        def count(table: str, n: int) -> None:
            changed[table] = changed.get(table, 0) + max(n, 0)

        for cid, columns in pseudonyms.items():
            self.update("candidates", cid, columns)
            count("candidates", 1)
        for table, assignments, where in _ERASURES:
            cur = self.execute(
                f"UPDATE {table} SET {assignments} WHERE {where}", {**params, "erased": erased}
            )
            count(table, cur.rowcount)
        for table, column, where in MIXED_TEXTS:
            rows = self.all(
                f'SELECT id, "{column}" AS v FROM {table} '
                f'WHERE ({where}) AND "{column}" IS NOT NULL',
                params,
            )
            for row in rows:
                new = scrub(row["v"])
                if new != row["v"]:
                    self.update(table, row["id"], {column: new})
                    count(table, 1)
        for audit_id, details in audit_rows.items():
            self.execute("UPDATE audit_log SET details = ? WHERE id = ?", (details, audit_id))
            count("audit_log", 1)
        self.dialect.after_erasure(self.conn)
        return {table: n for table, n in changed.items() if n}

    def compact_after_erasure(self) -> bool:
        """After the erasure's commit: nothing erased stays in the database's free
        pages nor in its WAL (SQLite: VACUUM, then a checkpoint that truncates the
        WAL). False when another connection kept the WAL from being emptied."""
        return self.dialect.compact(self.conn)

    def retention_people(self, open_statuses: frozenset[str]) -> list[sqlite3.Row]:
        """The people a retention rule may concern: not forgotten, not a merged
        duplicate, with a dossier and none open; with the last event of their
        dossiers, and their certificates' last day of validity or withdrawal."""
        return self.all(
            "SELECT c.id, "
            "(SELECT max(e.date) FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
            " WHERE d.candidate_id = c.id) AS last_event, "
            "(SELECT max(coalesce(d.closed_on, d.decided_on, d.opened_on)) FROM dossiers d "
            " WHERE d.candidate_id = c.id) AS last_dossier_day, "
            "(SELECT count(*) FROM certificates ce WHERE ce.candidate_id = c.id) AS certificates, "
            # Each certificate's last day: its withdrawal, or its last period's end.
            "(SELECT max(CASE WHEN ce.withdrawn_on IS NOT NULL AND (ends.e IS NULL "
            " OR ce.withdrawn_on < ends.e) THEN ce.withdrawn_on ELSE ends.e END) "
            ' FROM certificates ce JOIN (SELECT certificate_id, max(p."end") AS e '
            "  FROM certificate_periods p GROUP BY certificate_id) ends "
            " ON ends.certificate_id = ce.id WHERE ce.candidate_id = c.id) AS last_valid, "
            # Certificates never withdrawn whose period never ends.
            "(SELECT count(*) FROM certificate_periods p JOIN certificates ce "
            ' ON ce.id = p.certificate_id WHERE ce.candidate_id = c.id AND p."end" IS NULL '
            " AND ce.withdrawn_on IS NULL) AS open_ended "
            "FROM candidates c WHERE c.merged_into IS NULL AND c.forgotten_on IS NULL "
            "AND EXISTS (SELECT 1 FROM dossiers d WHERE d.candidate_id = c.id) "
            "AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.candidate_id = c.id "
            f"AND d.status IN {sql_list(open_statuses)}) ORDER BY c.id"
        )

    def dossier_schemes_of(self, candidate_ids: list[int]) -> dict[int, list[sqlite3.Row]]:
        """scheme and status of each dossier of these people."""
        out: dict[int, list[sqlite3.Row]] = {cid: [] for cid in candidate_ids}
        for start in range(0, len(candidate_ids), 500):
            chunk = candidate_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in self.all(
                f"SELECT candidate_id, scheme, status FROM dossiers "
                f"WHERE candidate_id IN ({marks}) ORDER BY id",
                tuple(chunk),
            ):
                out[row["candidate_id"]].append(row)
        return out
