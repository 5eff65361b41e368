"""The public directory: holders of a valid certificate who consented to appear.

It shows name, city, scheme, certificate number, mentions and the end of
validity, and nothing else about the person (no address, e-mail, phone, birth
date or employer).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from certcli.errors import ValidationError
from certcli.rules import schemes
from certcli.rules.validators import fold

if TYPE_CHECKING:
    from certcli.store import Store


BATCH = 1000  # certificates whose periods are read in one query
COLUMNS = ("name", "city", "scheme", "scheme_name", "certificate", "mentions", "valid_until")


def _entry(row, periods, as_of: dt.date) -> dict:
    current = [p for p in periods if p["start"] <= as_of.isoformat()]
    return {
        "name": f"{row['first_name']} {row['last_name']}",
        "city": row["city"],
        "scheme": row["scheme"],
        "scheme_name": schemes.get(row["scheme"]).name,
        "certificate": row["number"],
        "mentions": json.loads(row["mentions"] or "[]"),
        # The period in force on as_of, not a renewal that starts later.
        "valid_until": current[-1]["end"] if current else None,
    }


def search(
    store: Store, text: str | None = None, *, scheme: str | None = None, as_of: dt.date
) -> list[dict]:
    """Entries valid on `as_of`, matching every word of `text` in the name, city or
    certificate number (accents and case ignored), by last name. The words are
    matched in SQL, so a holder left out is never built; the periods of those listed
    are read a thousand certificates at a time."""
    return [entry for _, entry in listed(store, text, scheme=scheme, as_of=as_of)]


def _filters(text: str | None, scheme: str | None, as_of: dt.date) -> dict:
    """The store's certificate filters of a directory search, in the directory's order."""
    return {
        "valid_on": as_of.isoformat(),
        "scheme": schemes.get(scheme).code if scheme else None,
        "consent": True,
        "words": fold(text or "").split(),
        "by_name": True,
    }


def page(
    store: Store,
    text: str | None = None,
    *,
    scheme: str | None = None,
    as_of: dt.date,
    limit: int,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """A page of search()'s entries, in its order, and how many match."""
    sql, params = store.certificates_sql(**_filters(text, scheme, as_of))
    rows = store.page(sql, params, limit, offset)
    periods = store.periods_of([r["id"] for r in rows])
    return [_entry(r, periods[r["id"]], as_of) for r in rows], store.count_of(sql, params)


def listed(
    store: Store, text: str | None = None, *, scheme: str | None = None, as_of: dt.date
) -> Iterator[tuple[int, dict]]:
    """search()'s entries, each with its holder's candidate id (the public site
    groups one holder's certificates on one page; the id is never published), read as
    they come in the database's order (folded last name, first name, number), the
    periods of a thousand certificates at a time."""
    rows = store.iter_certificates(**_filters(text, scheme, as_of))
    while batch := list(itertools.islice(rows, BATCH)):
        periods = store.periods_of([r["id"] for r in batch])
        for r in batch:
            yield r["candidate_id"], _entry(r, periods[r["id"]], as_of)


def export(store: Store, fmt: str, *, as_of: dt.date, excel: bool = False):
    """The directory as JSON text (chunks of it), or a table for CSV/xlsx through
    exports (cells that a spreadsheet would run as a formula neutralised: this file
    is public), written an entry at a time as the database gives them in order."""
    from certcli.domain import exports

    exports.check_format(fmt, extra=("json",))
    if fmt == "json" and excel:
        raise ValidationError("--excel is for CSV files")
    if fmt != "json":
        exports.check_options(fmt, excel=excel)
    entries = (entry for _, entry in listed(store, as_of=as_of))
    if fmt == "json":
        return exports.json_text(entries)
    return exports.Table(COLUMNS, ([e[c] for c in COLUMNS] for e in entries), title="annuaire")
