"""SQL for dossiers, their timeline and the pieces received."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from certcli.rules import fastjson as json
from certcli.rules.workflow import SETTLED
from certcli.store.base import BaseStore, sql_list

_WITH_NAMES = (
    "SELECT d.*, c.first_name, c.last_name, ce.number AS certificate_number FROM dossiers d "
    "JOIN candidates c ON c.id = d.candidate_id "
    "LEFT JOIN certificates ce ON ce.id = d.certificate_id"
)
_SETTLED = sql_list(SETTLED)


class DossierQueries(BaseStore):
    def dossier(self, ref: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM dossiers WHERE ref = ?", (ref,))

    def dossier_by_id(self, dossier_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM dossiers WHERE id = ?", (dossier_id,))

    def dossier_with_names(self, dossier_id: int) -> sqlite3.Row | None:
        """The dossier with its holder's names and its certificate's number."""
        return self.one(_WITH_NAMES + " WHERE d.id = ?", (dossier_id,))

    def open_dossier_on_certificate(self, certificate_id: int, kind: str) -> str | None:
        """The ref of a dossier of this kind still open on a certificate, if any."""
        return self.scalar(
            f"SELECT ref FROM dossiers WHERE certificate_id = ? AND kind = ? "
            f"AND status NOT IN {_SETTLED} ORDER BY id LIMIT 1",
            (certificate_id, kind),
        )

    def open_initial_dossier(self, candidate_id: int, scheme: str) -> sqlite3.Row | None:
        """A candidate's initial dossier in a scheme still open, if any."""
        return self.one(
            f"SELECT * FROM dossiers WHERE candidate_id = ? AND scheme = ? AND kind = 'initial' "
            f"AND status NOT IN {_SETTLED} ORDER BY id LIMIT 1",
            (candidate_id, scheme),
        )

    def last_status_change(self, dossier_id: int, ignore: tuple[str, ...] = ()) -> str | None:
        """The date of the dossier's latest step that set its status (opening included),
        leaving out the events named in `ignore`."""
        skip = "".join(" AND event != ?" for _ in ignore)
        return self.scalar(
            "SELECT max(date) FROM dossier_events WHERE dossier_id = ? "
            "AND (event = 'opened' OR json_extract(details, '$.status') IS NOT NULL)" + skip,
            (dossier_id, *ignore),
        )

    def dossiers(
        self,
        *,
        status: str | None = None,
        scheme: str | None = None,
        kind: str | None = None,
        candidate_id: int | None = None,
        search_key: str | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[sqlite3.Row]:
        sql, params = self._dossiers_sql(status, scheme, kind, candidate_id, search_key)
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self.all(sql, params)

    def iter_dossiers(self) -> Iterator[sqlite3.Row]:
        """The rows of `dossiers(limit=None)`, read as they come (`dossier export`)."""
        return self.stream(*self._dossiers_sql())

    def _dossiers_sql(
        self, status=None, scheme=None, kind=None, candidate_id=None, search_key=None
    ) -> tuple[str, list]:
        """The dossiers' listing, newest first, for a page or for the whole of it."""
        where, params = self._dossier_where(status, scheme, kind, candidate_id, search_key)
        sql = _WITH_NAMES + (f" WHERE {' AND '.join(where)}" if where else "")
        return sql + " ORDER BY d.id DESC", params

    def count_dossiers(
        self, *, status=None, scheme=None, kind=None, candidate_id=None, search_key=None
    ) -> int:
        where, params = self._dossier_where(status, scheme, kind, candidate_id, search_key)
        sql = "SELECT count(*) FROM dossiers d" + (f" WHERE {' AND '.join(where)}" if where else "")
        return self.scalar(sql, params)

    def _dossier_where(self, status, scheme, kind, candidate_id, search_key):
        where, params = self._dossier_filters(status, scheme, kind, candidate_id)
        if search_key:
            # The holder's name through the candidates' search index.
            clause, more = self.candidate_match(search_key, "d.candidate_id")
            where.append(clause)
            params += more
        return where, params

    @staticmethod
    def _dossier_filters(status, scheme, kind, candidate_id):
        where, params = [], []
        for column, value in (
            ("d.status", status),
            ("d.scheme", scheme),
            ("d.kind", kind),
            ("d.candidate_id", candidate_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        return where, params

    def add_dossier_event(self, dossier_id: int, date: str, event: str, details: dict) -> None:
        self.insert(
            "dossier_events",
            {
                "dossier_id": dossier_id,
                "date": date,
                "event": event,
                "details": json.dumps(details, ensure_ascii=False, default=str),
                "actor": self.actor,
            },
        )

    def dossier_events(self, dossier_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM dossier_events WHERE dossier_id = ? ORDER BY date, id", (dossier_id,)
        )

    def pieces(self, dossier_id: int) -> list[sqlite3.Row]:
        """The pieces that count: received and not unreceived since."""
        return self.all(
            "SELECT * FROM pieces WHERE dossier_id = ? AND unreceived_on IS NULL "
            "ORDER BY received_on, id",
            (dossier_id,),
        )

    def unreceived_pieces(self, dossier_id: int) -> list[sqlite3.Row]:
        """The pieces recorded by mistake and unreceived (`dossier unreceive`)."""
        return self.all(
            "SELECT * FROM pieces WHERE dossier_id = ? AND unreceived_on IS NOT NULL "
            "ORDER BY received_on, id",
            (dossier_id,),
        )

    def dossier_payments(self, dossier_id: int) -> list[sqlite3.Row]:
        return self.all(
            "SELECT * FROM payments WHERE dossier_id = ? ORDER BY paid_on, id", (dossier_id,)
        )

    def bulk_insert_dossiers(self, rows: list[tuple]) -> None:
        """Synthetic rows for benchmarks (demo --size): (ref, candidate_id, scheme, kind,
        status, opened_on)."""
        self.conn.executemany(
            "INSERT INTO dossiers (ref, candidate_id, scheme, kind, status, opened_on)"
            " VALUES (?,?,?,?,?,?)",
            rows,
        )
