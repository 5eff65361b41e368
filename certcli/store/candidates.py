"""SQL for the candidate register and experience periods."""

from __future__ import annotations

import sqlite3


class CandidateQueries:
    def candidate(self, candidate_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM candidates WHERE id = ?", (candidate_id,))

    def candidate_duplicates(self, *, last_name: str, first_name: str, birth_date: str | None,
                             email: str | None, exclude_id: int | None = None) -> list[sqlite3.Row]:
        """Likely duplicates: same name and birth date, or same e-mail."""
        clauses, params = [], []
        if birth_date:
            clauses.append("(lower(last_name) = lower(?) AND lower(first_name) = lower(?) "
                           "AND birth_date = ?)")
            params += [last_name, first_name, birth_date]
        if email:
            clauses.append("lower(email) = lower(?)")
            params.append(email)
        if not clauses:
            return []
        sql = f"SELECT * FROM candidates WHERE ({' OR '.join(clauses)})"
        if exclude_id is not None:
            sql += " AND id != ?"
            params.append(exclude_id)
        return self.all(sql, params)

    @staticmethod
    def _search_clause(search_key: str | None) -> tuple[str, list]:
        """Every word must appear ("dupont jean" finds Jean Dupont). Words of 3+
        characters use the trigram index; shorter ones need a scan."""
        if not search_key:
            return "", []
        words = search_key.split()
        patterns = [f"%{w}%" for w in words]
        likes = " AND ".join("search_key LIKE ?" for _ in words)
        if all(len(w) >= 3 for w in words):
            return (f" WHERE id IN (SELECT rowid FROM candidates_fts WHERE {likes})", patterns)
        return f" WHERE {likes}", patterns

    def candidates(self, *, search_key: str | None = None, limit: int | None = 50,
                   offset: int = 0) -> list[sqlite3.Row]:
        clause, params = self._search_clause(search_key)
        sql = "SELECT * FROM candidates" + clause
        sql += " ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self.all(sql, params)

    def count_candidates(self, *, search_key: str | None = None) -> int:
        clause, params = self._search_clause(search_key)
        return self.scalar("SELECT count(*) FROM candidates" + clause, params)

    def max_candidate_id(self) -> int:
        return self.scalar("SELECT coalesce(max(id), 0) FROM candidates")

    def bulk_insert_candidates(self, rows: list[tuple]) -> None:
        """Synthetic rows for benchmarks (demo --size): no validation, no history."""
        self.conn.executemany(
            "INSERT INTO candidates (id, civility, first_name, last_name, birth_date, email,"
            " phone, address, postcode, city, status, specialties, employer, siret,"
            " directory_consent, search_key, created_on)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    # -- experience periods (CQPT eligibility) ------------------------------------
    def experience(self, experience_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM experiences WHERE id = ?", (experience_id,))

    def experiences(self, candidate_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM experiences WHERE candidate_id = ? AND removed_on IS NULL "
            "ORDER BY start, id", (candidate_id,)
        )
