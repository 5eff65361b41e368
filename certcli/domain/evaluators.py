"""CQPT evaluator organisations: the bodies AUVICOM orients candidates to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from certcli.errors import DuplicateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import validators

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Evaluator:
    id: int
    name: str
    email: str | None = None
    address: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_row(cls, row) -> Evaluator:
        return cls(id=row["id"], name=row["name"], email=row["email"], address=row["address"])


def add(
    store: Store, *, name: str, email: str | None = None, address: str | None = None, date: dt.date
) -> Evaluator:
    """Record an evaluator organisation (one transaction, audited)."""
    if not (name or "").strip():
        raise ValidationError("an evaluator needs --name")
    name = validators.name(name, "evaluator name")
    record: dict[str, Any] = {
        "name": name,
        "email": validators.email(email) if email and email.strip() else None,
        "address": validators.text(address, "address"),
    }
    with store.transaction():
        twin = store.evaluator_by_name(name)
        if twin is not None:
            raise DuplicateError(f"evaluator {twin['id']} is already called {twin['name']!r}")
        new_id = store.insert("evaluators", record)
        store.audit("evaluator.add", "evaluator", new_id, record, date)
    return Evaluator(id=new_id, **record)


def listing(store: Store, *, limit: int | None = None, offset: int = 0) -> list[Evaluator]:
    """The evaluator organisations by name; a page with `limit`."""
    sql, params = store.evaluators_sql()
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return [Evaluator.from_row(r) for r in rows]


def count(store: Store) -> int:
    return store.count_of(*store.evaluators_sql())


def stream(store: Store) -> Iterator[Evaluator]:
    """Every organisation of `listing`, as it is read (`evaluator list --all`)."""
    return (Evaluator.from_row(r) for r in store.stream(*store.evaluators_sql()))
