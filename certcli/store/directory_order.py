"""The directory's order, kept on each certificate (issue 20, m033)."""

from __future__ import annotations

from collections.abc import Iterable

from certcli.rules import fastjson as json

# The directory's order (issue 20): each certificate keeps its holder's folded last
# and first names (certcli.rules.validators.fold, computed here in Python on both
# engines, so SQLite and PostgreSQL list in the same order and the file needs no SQL
# function of certcli's), read in that order through the index certificates_directory.
# Every write of a holder's name, or of a certificate's holder, goes through
# sort_holders: BaseStore.insert, insert_many and update, the merge's move, m033.
HOLDER_NAMES = frozenset({"first_name", "last_name"})


def sort_holders(conn, candidate_ids: Iterable[int] | None = None) -> None:
    """Fold again the sort keys (sort_last, sort_first) of the certificates of
    `candidate_ids` (None: every certificate) from their holders' names."""
    from certcli.rules.validators import fold

    sql = (
        "SELECT ce.id, c.first_name, c.last_name FROM certificates ce "
        "JOIN candidates c ON c.id = ce.candidate_id"
    )
    params: tuple = ()
    if candidate_ids is not None:
        sql += " WHERE ce.candidate_id IN (SELECT value FROM json_each(?))"
        params = (json.dumps(sorted(set(candidate_ids))),)
    keys = [
        (fold(last or ""), fold(first or ""), cert_id)
        for cert_id, first, last in conn.execute(sql, params).fetchall()
    ]
    if keys:
        conn.executemany("UPDATE certificates SET sort_last = ?, sort_first = ? WHERE id = ?", keys)
