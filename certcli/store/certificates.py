"""SQL for certificates, their validity periods and the public directory."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from certcli.rules import fastjson as json
from certcli.store.base import BaseStore
from certcli.store.invoices import dues_invoiced_sql

_CERT = (
    "SELECT ce.*, c.first_name, c.last_name, c.city, c.directory_consent "
    "FROM certificates ce JOIN candidates c ON c.id = ce.candidate_id"
)
# The directory's order: certcli.rules.validators.fold of the holder's names, kept on
# each certificate (store.directory_order.sort_holders), then the number, read through the index
# certificates_directory (byte order of the folded text on both engines: the
# server's text columns have the "C" collation).
_BY_NAME = " ORDER BY ce.sort_last, ce.sort_first, ce.number"


def suspended_on(alias: str = "ce", day: str = "?") -> str:
    """SQL: certificate `alias` is suspended on `day` (a placeholder, used three
    times), as certcli.domain.certificates.suspension_on says it."""
    return (
        "EXISTS (SELECT 1 FROM certificate_suspensions s "
        f"WHERE s.certificate_id = {alias}.id AND s.start <= {day} "
        f"AND (s.until IS NULL OR s.until >= {day}) "
        f"AND (s.reinstated_on IS NULL OR s.reinstated_on > {day}))"
    )


# A period covering day ?; withdrawal on or before that day ends validity, and a
# suspension covering it suspends it.
_VALID_ON = (
    "EXISTS (SELECT 1 FROM certificate_periods p WHERE p.certificate_id = ce.id "
    "AND p.start <= ? AND (p.end IS NULL OR p.end >= ?)) "
    "AND (ce.withdrawn_on IS NULL OR ce.withdrawn_on > ?) "
    f"AND NOT {suspended_on()}"
)


# The annual dues call: certificates valid on 1 January (not withdrawn by the call),
# knowing only what was decided by the call date; and whether the year is invoiced.
_VALID_ON_JAN1 = (
    " WHERE EXISTS (SELECT 1 FROM certificate_periods p "
    "LEFT JOIN dossiers d ON d.id = p.dossier_id "
    "WHERE p.certificate_id = ce.id AND p.start <= ? AND (p.end IS NULL OR p.end >= ?) "
    "AND (d.decided_on IS NULL OR d.decided_on <= ?)) "
    "AND (ce.withdrawn_on IS NULL OR ce.withdrawn_on > ?) "
    "AND ce.granted_on < ? AND ce.granted_on <= ? "
    f"AND NOT {suspended_on()}"
)
_DUES_INVOICED = dues_invoiced_sql("ce.id")


PERIODS_OF_SQL = (
    "SELECT * FROM certificate_periods WHERE certificate_id IN "
    "(SELECT value FROM json_each(?)) ORDER BY certificate_id, start, id"
)


class CertificatesQueries(BaseStore):
    def certificate(self, number: str) -> sqlite3.Row | None:
        return self.one(_CERT + " WHERE ce.number = ?", (number,))

    def certificate_by_id(self, certificate_id: int) -> sqlite3.Row | None:
        return self.one(_CERT + " WHERE ce.id = ?", (certificate_id,))

    def certificates(
        self,
        *,
        valid_on: str | None = None,
        scheme: str | None = None,
        candidate_id: int | None = None,
        consent: bool = False,
        words: list[str] | None = None,
        search_key: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[sqlite3.Row]:
        sql, params = self.certificates_sql(
            valid_on=valid_on,
            scheme=scheme,
            candidate_id=candidate_id,
            consent=consent,
            words=words,
            search_key=search_key,
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self.all(sql, params)

    def iter_certificates(self, **filters) -> Iterator[sqlite3.Row]:
        """The same rows as `certificates`, read as they come (a whole listing is
        never held in memory)."""
        return self.stream(*self.certificates_sql(**filters))

    def count_certificates(self, **filters) -> int:
        if not any(filters.values()):
            # The caption's total without joining every holder.
            return self.scalar("SELECT count(*) FROM certificates")
        return self.count_of(*self.certificates_sql(**filters))

    def certificates_sql(
        self,
        *,
        valid_on: str | None = None,
        scheme: str | None = None,
        candidate_id: int | None = None,
        consent: bool = False,
        words: list[str] | None = None,
        search_key: str | None = None,
        by_name: bool = False,
    ) -> tuple[str, list]:
        """The certificate listing's SQL and parameters (EXPLAIN QUERY PLAN reads it in
        tests/test_store_query_plans.py). `words`: folded words that must each occur in the
        folded "first last city number" (the directory's search), matched in SQL so
        that rows left out are never built. `search_key`: the holder's name through the
        candidates' search index. `by_name`: in the directory's order (the holder's
        folded last and first names kept on the certificate, then the number) instead
        of by scheme and number, read in that order through certificates_directory: a
        page reads the certificates up to its last, a stream is flat."""
        where, params = [], []
        if search_key:
            clause, more = self.candidate_match(search_key, "ce.candidate_id")
            where.append(clause)
            params += more
        if words:
            self._register_fold()
            for word in words:
                clause, more = self._directory_word(word)
                where.append(clause)
                params += more
        if valid_on is not None:
            where.append(_VALID_ON)
            params += [valid_on] * 6
        if scheme is not None:
            where.append("ce.scheme = ?")
            params.append(scheme)
        if candidate_id is not None:
            where.append("ce.candidate_id = ?")
            params.append(candidate_id)
        if consent:
            where.append("c.directory_consent = 1")
        return (
            _CERT
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + (_BY_NAME if by_name else " ORDER BY ce.scheme, ce.number"),
            params,
        )

    def _directory_word(self, word: str) -> tuple[str, list]:
        """SQL: a folded word occurs in the folded "first last city number" of the
        holder and certificate. The certificates it can be in are found first, through
        an index: those of the candidates whose search key holds it (the candidates'
        search index; the key holds the folded first name, last name and city), and
        those whose number holds it (the number index; a number that is not plain
        ASCII, which SQL's lower() would not fold as certcli does, is always kept).
        The folded text is then matched on those alone, so the folding is called for
        the matches, not for every holder."""
        person, params = self.candidate_match(word, "x.candidate_id")
        found = self.dialect.id_among(
            "ce.id",
            f"SELECT x.id FROM certificates x WHERE {person} "
            "UNION SELECT x.id FROM certificates x "
            f"WHERE instr(lower(x.number), ?) > 0 OR NOT {self.dialect.plain_ascii('x.number')}",
        )
        text = (
            "instr(certcli_fold(c.first_name || ' ' || c.last_name || ' ' "
            "|| coalesce(c.city, '') || ' ' || ce.number), ?) > 0"
        )
        return f"{found} AND {text}", [*params, word, word]

    def _register_fold(self) -> None:
        # The one folding of certcli.rules.validators (accents, case), as an SQL function.
        if not getattr(self, "_fold_registered", False):
            self.dialect.register_fold(self.conn)
            self._fold_registered = True

    def periods_of(self, certificate_ids: list[int]) -> dict[int, list[sqlite3.Row]]:
        """The periods of several certificates in one query (not one per certificate),
        each certificate's in order; the ids travel as one JSON parameter."""
        found: dict[int, list[sqlite3.Row]] = {i: [] for i in certificate_ids}
        for row in self.conn.execute(PERIODS_OF_SQL, (json.dumps(certificate_ids),)):
            found[row["certificate_id"]].append(row)
        return found

    def suspensions_of(self, certificate_ids: list[int]) -> dict[int, list[sqlite3.Row]]:
        """The suspensions of several certificates in one query, oldest first."""
        found: dict[int, list[sqlite3.Row]] = {i: [] for i in certificate_ids}
        for row in self.conn.execute(
            "SELECT * FROM certificate_suspensions WHERE certificate_id IN "
            "(SELECT value FROM json_each(?)) ORDER BY certificate_id, start, id",
            (json.dumps(certificate_ids),),
        ):
            found[row["certificate_id"]].append(row)
        return found

    def certificate_suspensions(self, certificate_id: int) -> list[sqlite3.Row]:
        return self.suspensions_of([certificate_id])[certificate_id]

    def certificate_periods(self, certificate_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM certificate_periods WHERE certificate_id = ? ORDER BY start, id",
            (certificate_id,),
        )

    def certificates_to_call_sql(self, jan1: str, call_date: str, year: int) -> tuple[str, list]:
        """Certificates valid on 1 January (not withdrawn by the call), each with
        `invoiced` (1 when it has a dues invoice for that year already): the annual
        dues call, in one query for the ones to invoice and the ones already done.
        Only what was known on the call date counts: the certificate granted, and
        the period covering 1 January decided, by then. Only the columns the call
        uses (id, number, candidate_id, scheme, payer). The SELECT and its
        parameters: the call reads them a batch at a time (`Store.batches`)."""
        return (
            "SELECT ce.id, ce.number, ce.candidate_id, ce.scheme, ce.payer, "
            f"{_DUES_INVOICED} AS invoiced FROM certificates ce"
            + _VALID_ON_JAN1
            + " ORDER BY ce.scheme, ce.number",
            [year, jan1, jan1, call_date, max(jan1, call_date), jan1, call_date, *[jan1] * 3],
        )
