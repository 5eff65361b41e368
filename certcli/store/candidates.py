"""SQL for the candidate register and experience periods."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from certcli.store.base import BaseStore
from certcli.store.directory_order import sort_holders


class CandidateQueries(BaseStore):
    def candidate(self, candidate_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM candidates WHERE id = ?", (candidate_id,))

    def candidates_sharing(
        self, *, birth_date: str | None, email_key: str | None, exclude_id: int | None = None
    ) -> list[sqlite3.Row]:
        """The block a likely duplicate is looked for in: candidates born the same
        day or with the same e-mail (both indexed, so the cost does not grow with
        the register). A merged duplicate's tombstone is in it: someone registering
        again as the dropped record is the candidate it was merged into."""
        parts, params = [], []
        if birth_date:
            parts.append("SELECT * FROM candidates WHERE birth_date = ?")
            params.append(birth_date)
        if email_key:
            parts.append("SELECT * FROM candidates WHERE email_key = ?")
            params.append(email_key)
        if not parts:
            return []
        rows = self.all(" UNION ".join(parts) + " ORDER BY id", params)
        return [r for r in rows if r["id"] != exclude_id]

    def candidates_sharing_any(self, birth_dates, email_keys) -> list[sqlite3.Row]:
        """candidates_sharing() for a whole import file in one query: the candidates
        born on any of `birth_dates` or with any of `email_keys`, in id order (the
        lists go in as JSON arrays, through the same two indexes)."""
        import json

        if not birth_dates and not email_keys:
            return []
        return self.all(
            "SELECT id, first_name, last_name, birth_date, email_key, name_key, merged_into "
            "FROM candidates WHERE birth_date IN (SELECT value FROM json_each(?)) "
            "UNION SELECT id, first_name, last_name, birth_date, email_key, name_key, "
            "merged_into FROM candidates WHERE email_key IN (SELECT value FROM json_each(?)) "
            "ORDER BY id",
            (json.dumps(sorted(birth_dates)), json.dumps(sorted(email_keys))),
        )

    def insert_candidates(self, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Many new candidates in one statement (an import; each row carries its id,
        its values in the order of `columns`)."""
        self.conn.executemany(
            f"INSERT INTO candidates ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            rows,
        )

    def candidates_by_birth_date(self) -> Iterator[sqlite3.Row]:
        """Every dated candidate, grouped by birth date (the index's order), read as
        they come."""
        return self.stream(
            "SELECT id, first_name, last_name, birth_date, email_key, name_key "
            "FROM candidates INDEXED BY candidates_birth_date "
            "WHERE birth_date IS NOT NULL AND merged_into IS NULL ORDER BY birth_date, id"
        )

    def candidates_by_shared_email(self) -> Iterator[sqlite3.Row]:
        """Candidates whose e-mail another candidate has too, grouped by e-mail, read
        as they come."""
        return self.stream(
            "SELECT id, first_name, last_name, birth_date, email_key, name_key "
            "FROM candidates WHERE merged_into IS NULL AND email_key IN (SELECT email_key "
            "FROM candidates WHERE email_key IS NOT NULL AND merged_into IS NULL "
            "GROUP BY email_key HAVING count(*) > 1) ORDER BY email_key, id"
        )

    def _search_clause(self, search_key: str | None) -> tuple[str, list]:
        """Every word must appear ("dupont jean" finds Jean Dupont); a merged
        candidate's tombstone is never listed."""
        if not search_key or not search_key.split():
            return " WHERE merged_into IS NULL", []
        clause, params = self.candidate_match(search_key)
        return f" WHERE {clause} AND merged_into IS NULL", params

    def candidates(
        self, *, search_key: str | None = None, limit: int | None = 50, offset: int = 0
    ) -> list[sqlite3.Row]:
        sql, params = self._candidates_sql(search_key)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self.all(sql, params)

    def iter_candidates(self) -> Iterator[sqlite3.Row]:
        """The rows of `candidates(limit=None)`, read as they come (the register is
        never held in memory: `candidate export`)."""
        return self.stream(*self._candidates_sql(None))

    def _candidates_sql(self, search_key: str | None) -> tuple[str, list]:
        """The register's listing, in name order, for a page or for the whole of it."""
        clause, params = self._search_clause(search_key)
        sql = "SELECT * FROM candidates" + clause
        return sql + " ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id", params

    def count_candidates(self, *, search_key: str | None = None) -> int:
        if not search_key or not search_key.split():
            # The whole register less the tombstones, each count through an index
            # (merged_into IS NULL alone would read every row).
            return self.scalar(
                "SELECT (SELECT count(*) FROM candidates) - (SELECT count(*) FROM "
                "candidates WHERE merged_into IS NOT NULL)"
            )
        clause, params = self._search_clause(search_key)
        return self.scalar("SELECT count(*) FROM candidates" + clause, params)

    @contextmanager
    def bulk_load(self, rows: int = 0) -> Iterator[None]:
        """A bulk import of about `rows` candidates: those inserted inside the block
        are indexed for search in one statement at its end, and temporary data stays
        in memory; call inside transaction()."""
        if not self.conn.in_transaction:
            raise RuntimeError("bulk_load must run inside a transaction")
        since = self.max_candidate_id()
        paused = self.dialect.bulk_load_start(self.conn, since, rows)
        yield
        self.dialect.bulk_load_end(self.conn, since, paused)

    def max_candidate_id(self) -> int:
        return self.scalar("SELECT coalesce(max(id), 0) FROM candidates")

    def bulk_insert_candidates(self, rows: list[tuple]) -> None:
        """Synthetic rows for benchmarks (demo --size): no validation, no history."""
        self.conn.executemany(
            "INSERT INTO candidates (id, civility, first_name, last_name, birth_date, email,"
            " phone, address, postcode, city, status, specialties, employer, siret,"
            " directory_consent, search_key, created_on, name_key, email_key)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    # -- merging a duplicate (candidate merge) -------------------------------------
    # Every table that names a candidate, and what a merge shows of its rows.
    HOLDINGS = {
        "dossiers": "id, ref, scheme, kind, status, opened_on",
        "experiences": 'id, employer, start, "end", ongoing, removed_on',
        "certificates": "id, number, scheme, status",
        "invoices": "id, number",
        "letters": "id, template",
        "pending_letters": "id, template",
        "outbox": "id, template",
        "credentials": "id, date",
    }

    def candidate_holdings(self, candidate_id: int) -> dict[str, list[sqlite3.Row]]:
        """The rows of every table that names the candidate, in id order: what a
        merge moves (a pending letter to the candidate names it in `ref` too)."""
        held = {}
        for table, columns in self.HOLDINGS.items():
            where = "candidate_id = ?"
            params: tuple = (candidate_id,)
            if table == "pending_letters":
                where += " OR (record = 'candidate' AND ref = ?)"
                params += (str(candidate_id),)
            held[table] = self.all(
                f"SELECT {columns} FROM {table} WHERE {where} ORDER BY id", params
            )
        return held

    def move_candidate_rows(self, drop: int, keep: int) -> None:
        """Every row naming candidate `drop` names `keep` instead (candidate merge;
        call inside transaction()). Issued invoices keep their frozen buyer."""
        for table in self.HOLDINGS:
            self.conn.execute(
                f"UPDATE {table} SET candidate_id = ? WHERE candidate_id = ?", (keep, drop)
            )
        self.conn.execute(
            "UPDATE pending_letters SET ref = ? WHERE record = 'candidate' AND ref = ?",
            (str(keep), str(drop)),
        )
        sort_holders(self.conn, [keep])  # the certificates moved: the directory's order

    def instructor_conflicts(self) -> list[sqlite3.Row]:
        """Every instructor's conflicts with candidates (a small table)."""
        return self.all("SELECT id, name, conflict_candidates FROM instructors ORDER BY id")

    def merged_into(self, keep: int) -> list[sqlite3.Row]:
        """The tombstones of the duplicates merged into candidate `keep`."""
        return self.all(
            "SELECT id, merged_on, merged_by, merge_reason FROM candidates "
            "WHERE merged_into = ? ORDER BY id",
            (keep,),
        )

    # -- experience periods (CQPT eligibility) ------------------------------------
    def experience(self, experience_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM experiences WHERE id = ?", (experience_id,))

    def experiences(self, candidate_id: int) -> list[sqlite3.Row]:
        return self.all(*self.experiences_sql(candidate_id))

    def experiences_sql(self, candidate_id: int) -> tuple[str, list]:
        """A candidate's work periods not removed, oldest first: the SELECT and its
        parameters, shared by `experience list`'s page, its count and --all."""
        return (
            "SELECT * FROM experiences WHERE candidate_id = ? AND removed_on IS NULL "
            "ORDER BY start, id",
            [candidate_id],
        )
