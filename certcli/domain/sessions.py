"""Commission sessions (award, appeal, CPNE): adding one, listing them, planning a
year's dates on working days. Cancelling or moving one is in `agenda`, with what
it does to the agenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import dates

if TYPE_CHECKING:
    from certcli.store import Store

KINDS = ("award", "appeal", "cpne")
MAX_PLAN = 24


def row(store: Store, session_id: int):
    """The session row, NotFound when there is none."""
    row = store.session(session_id)
    if row is None:
        raise NotFound(f"no commission session {session_id}")
    return row


@dataclass
class Session:
    """A commission session (`commission add/list --json`); a listing also counts
    its agenda (on_agenda, decided), a single session does not."""

    id: int
    date: str
    kind: str
    capacity: int | None
    status: str
    on_agenda: int | None = None  # listings only
    decided: int | None = None

    @classmethod
    def from_row(cls, row) -> Session:
        counted = "on_agenda" in row.keys()
        return cls(
            row["id"],
            row["date"],
            row["kind"],
            row["capacity"],
            row["status"],
            row["on_agenda"] if counted else None,
            row["decided"] if counted else None,
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.on_agenda is None:  # a single session: no agenda counts
            del data["on_agenda"], data["decided"]
        return data


@dataclass
class Proposal:
    """A session date `commission plan` proposes (id once created with --apply)."""

    date: str
    kind: str
    capacity: int | None
    weekday: str
    shifted_from: str | None  # the evenly spread day, when it was not a working day
    holiday: str | None  # the public holiday that moved it
    id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"invalid session kind {kind!r} (one of: {', '.join(KINDS)})")
    return kind


def add(
    store: Store, *, date: dt.date, kind: str, capacity: int | None = None, force: bool = False
) -> Session:
    """A session on a working day (a weekend or a public holiday only with `force`)."""
    _check_kind(kind)
    if capacity is not None and capacity < 1:
        raise ValidationError(f"invalid capacity {capacity}: at least 1 dossier")
    forced = dates.require_working_day(date, force=force)
    with store.transaction():
        session_id = store.insert(
            "sessions", {"date": date.isoformat(), "kind": kind, "capacity": capacity}
        )
        details = {"date": date.isoformat(), "kind": kind, "capacity": capacity}
        if forced:
            details["forced"] = forced
        store.audit("commission.add", "session", session_id, details, date)
    return Session.from_row(store.session(session_id))


def _listing_sql(store: Store, year: int | None, kind: str | None) -> tuple[str, list]:
    if kind is not None:
        _check_kind(kind)
    return store.sessions_sql(year=year, kind=kind)


def listing(
    store: Store,
    *,
    year: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Session]:
    """Sessions in date order with the size of their agenda; a page with `limit`."""
    sql, params = _listing_sql(store, year, kind)
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return [Session.from_row(r) for r in rows]


def count(store: Store, *, year: int | None = None, kind: str | None = None) -> int:
    return store.count_of(*_listing_sql(store, year, kind))


def stream(store: Store, *, year: int | None = None, kind: str | None = None) -> Iterator[Session]:
    """Every session of `listing`, as it is read (`commission list --all`)."""
    return (Session.from_row(r) for r in store.stream(*_listing_sql(store, year, kind)))


# -- planning -------------------------------------------------------------------------
def plan(
    store: Store,
    *,
    year: int,
    count: int = 5,
    kind: str = "award",
    capacity: int | None = None,
    apply: bool = False,
    date: dt.date | None = None,
) -> list[Proposal]:
    """`count` dates spread evenly over the year (the middle of equal slices), each
    moved to the next working day past weekends and French public holidays."""
    _check_kind(kind)
    if not 1 <= count <= MAX_PLAN:
        raise ValidationError(f"invalid count {count}: between 1 and {MAX_PLAN} sessions")
    closed = dates.public_holidays([year, year + 1])
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    proposals: list[Proposal] = []
    previous = None
    for i in range(count):
        raw = first + dt.timedelta(days=(2 * i + 1) * length // (2 * count))
        day = dates.working_day(raw, closed)
        while previous is not None and day <= previous:
            day = dates.working_day(day + dt.timedelta(days=1), closed)
        previous = day
        proposals.append(
            Proposal(
                day.isoformat(),
                kind,
                capacity,
                day.strftime("%A").lower(),
                raw.isoformat() if raw != day else None,
                closed.get(raw),
            )
        )
    if apply:
        with store.transaction():
            existing = {(s["date"], s["kind"]) for s in store.sessions(year=year, kind=kind)}
            for proposal in proposals:
                if (proposal.date, kind) in existing:
                    raise StateError(f"a {kind} session already exists on {proposal.date}")
                day = dates.from_iso(proposal.date)
                proposal.id = add(store, date=day, kind=kind, capacity=capacity).id
            store.audit(
                "commission.plan",
                "session",
                None,
                {"year": year, "count": count, "kind": kind},
                date,
            )
    return proposals
