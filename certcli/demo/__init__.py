"""`certcli demo`: a realistic fictional office, and a synthetic generator for benchmarks.

`office` builds the office through the domain functions only (so the demo also
proves that every stage works end to end); `bulk` inserts synthetic rows fast.
Every name, address and company is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from certcli.demo.bulk import _bulk
from certcli.demo.people import _person, _siret  # noqa: F401  (benchmarks use _person)
from certcli.errors import CertcliError
from certcli.rules import workflow

if TYPE_CHECKING:
    from certcli.store import Store


SEED = 2026
SHOWN = (
    "candidates",
    "experiences",
    "instructors",
    "evaluators",
    "dossiers",
    "sessions",
    "certificates",
    "invoices",
    "payments",
    "appeals",
    "reminders",
    "letters",
)
# Tables whose rows mean the database is in use (the counters and the audit trail
# of an `init` do not).
_RECORDS = (
    "candidates",
    "dossiers",
    "instructors",
    "evaluators",
    "sessions",
    "certificates",
    "invoices",
)


def build(store: Store, *, today: dt.date, size: int = 0, force: bool = False) -> dict:
    """Write the fictional office (and `size` synthetic candidates) in one transaction;
    return the summary: counts, dossiers per status, commands to try."""
    from certcli.demo import office as office_mod

    counts = store.counts()
    existing = {t: counts.get(t, 0) for t in _RECORDS if counts.get(t)}
    if existing and not force:
        held = ", ".join(f"{n} {t}" for t, n in existing.items())
        raise CertcliError(
            f"{store.path} already holds records ({held}): the demo will not "
            "mix fictional data into it (use another --db, or --force)"
        )
    rng = random.Random(SEED)
    with store.transaction():
        office = office_mod.build(store, rng, today, force=bool(existing))
        if size:
            # After the office: synthetic dossiers would otherwise crowd its agendas.
            _bulk(store, rng, size, today)
        store.audit("demo", "database", None, {"size": size}, today)
    return summary(store, office, today)


def summary(store: Store, office, today: dt.date) -> dict:
    counts = store.counts()
    by_status = {}
    for status in workflow.STATUSES:
        n = store.count_dossiers(status=status)
        if n:
            by_status[status] = n
    return {
        "db": str(store.path),
        "date": today.isoformat(),
        "counts": {k: counts.get(k, 0) for k in SHOWN},
        "dossiers_by_status": by_status,
        "try": suggestions(office, today, str(store.path)),
    }


def suggestions(office, today: dt.date, db: str) -> list[dict]:
    """Commands worth running on this database, with its real ids and references, each
    naming the database (`certcli --db demo.db ...`) so that it can be copied as is."""
    import shlex

    on = today.isoformat()
    story, session = office.stories, office.sessions
    lapsed = office.certificates["lapsed"].certificate
    commands = [
        {
            "command": f"certcli renewals due --as-of {on}",
            "shows": "certificates to renew within 9 months, one already reminded",
        },
        {
            "command": f"certcli commission agenda {session['N1'].id} --date {on}",
            "shows": f"the next award session ({session['N1'].date.isoformat()}): its agenda, "
            "and the dossiers postponed",
        },
        {
            "command": f"certcli dossier show {story['appeal-pending'].ref}",
            "shows": "a refused dossier under appeal, its whole history",
        },
        {
            "command": f"certcli certificate show {lapsed} --as-of {on}",
            "shows": "a certificate renewed late: two periods and the lapse between them",
        },
        {"command": "certcli invoice list --unpaid", "shows": "dues still owed"},
        {
            "command": f"certcli dossier list --overdue --as-of {on}",
            "shows": "complementary elements not received by their due date",
        },
        {
            "command": "certcli cqpt funding",
            "shows": "who pays each CQPT evaluation, totals per funder",
        },
    ]
    prefix = f"certcli --db {shlex.quote(db)} "
    return [
        {**item, "command": prefix + item["command"].removeprefix("certcli ")} for item in commands
    ]
