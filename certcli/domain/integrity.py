"""`certcli check`: is the office's database whole and its ledgers consistent?

SQLite's own integrity and foreign-key checks, then certcli's ledgers: each
series of invoice and credit-note numbers (per year and prefix: 1..N with no
gap, its counter at N, dates in number order), the letter log (each recorded
letter's file exists, no period reminded twice) and the tamper-evident journal's
hash chain (`audit verify`'s check: a broken chain is a failure). Each check runs
on its own, so
a damaged page met by one does not hide what the others find.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.domain.invoices import PREFIX
from certcli.errors import DatabaseError
from certcli.records import asdict, dataclass, field

if TYPE_CHECKING:
    from certcli.store import Store


@dataclass
class Check:
    check: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def sqlite_integrity(store: Store) -> list[str]:
    return [f"SQLite: {text}" for text in store.integrity_problems()]


def foreign_keys(store: Store) -> list[str]:
    return [
        f"{row['table']} row {row['rowid']} points at a missing {row['parent']} record"
        for row in store.foreign_key_problems()
    ]


def invoice_numbering(store: Store) -> list[str]:
    series: dict[tuple[str, int], list] = {}
    for row in store.numbered_invoices():
        series.setdefault((row["kind"], row["year"]), []).append(row)
    counters = store.invoice_counters()
    problems = []
    for (kind, year), rows in sorted(series.items()):
        name = f"{PREFIX.get(kind, kind)}-{year}"
        problems += _series_problems(name, rows, counters.get(f"{kind}:{year}", 0))
    for counter, value in sorted(counters.items()):
        kind, _, suffix = counter.partition(":")
        if value and (kind, int(suffix) if suffix.isdigit() else suffix) not in series:
            problems.append(
                f"{PREFIX.get(kind, kind)}-{suffix}: the counter is at {value} "
                "but no number of the series is recorded"
            )
    return problems


def _series_problems(name: str, rows: list, counter: int) -> list[str]:
    problems = []
    seqs = [row["seq"] for row in rows]
    last = max(seqs)
    missing = sorted(set(range(1, last + 1)) - set(seqs))
    if missing:
        shown = ", ".join(str(n) for n in missing[:10]) + (", ..." if len(missing) > 10 else "")
        problems.append(f"{name}: number(s) {shown} missing from 1..{last}")
    twice = sorted({n for n in seqs if seqs.count(n) > 1})
    if twice:
        problems.append(f"{name}: number(s) {', '.join(map(str, twice))} used twice")
    if counter != last:
        problems.append(f"{name}: the counter is at {counter} but the last number is {last}")
    previous = None
    for row in rows:
        expected = f"{name}-{row['seq']:05d}"
        if row["number"] != expected:
            problems.append(f"{row['number']}: should read {expected} (number {row['seq']})")
        if not str(row["issued_on"]).startswith(f"{row['year']}-"):
            problems.append(f"{row['number']}: issued on {row['issued_on']}, outside {name}")
        if previous is not None and row["issued_on"] < previous["issued_on"]:
            problems.append(
                f"{row['number']} is dated {row['issued_on']}, before "
                f"{previous['number']} ({previous['issued_on']})"
            )
        previous = row
    return problems


def letter_ledger(store: Store) -> list[str]:
    problems = []
    for row in store.logged_letters():
        # A letter recorded without a file yet (pending) is explained by its record.
        if row["path"] and not Path(row["path"]).is_file():
            problems.append(
                f"letter {row['id']} ({row['template']}, {row['date']}) is "
                f"recorded but its file is missing: {row['path']}"
            )
    for row in store.unrendered_letters():
        problems.append(
            f"letter {row['template']} ({row['record']} {row['ref']}), asked for "
            f"at {row['asked_at']}, is pending: its run stopped before rendering "
            "it; render it with `certcli letters render --pending`"
        )
    for row in store.reminder_problems():
        if row["n"] > 1:
            problems.append(
                f"certificate period {row['period_id']} has {row['n']} renewal "
                "reminders (one at most)"
            )
        if row["misfiled"]:
            problems.append(
                f"certificate period {row['period_id']}: a reminder is filed "
                "under another certificate"
            )
    return problems


def journal_chain(store: Store) -> list[str]:
    from certcli.domain import journal

    found = store.checked_read(lambda: journal.verify(store))
    if found.ok:
        return []
    return [
        f"the hash-chained journal is broken at entry {found.broken_at} ({found.problem}): "
        "see `certcli audit verify`"
    ]


CHECKS: list[tuple[str, Callable]] = [
    ("integrity", sqlite_integrity),
    ("foreign_keys", foreign_keys),
    ("invoice_numbering", invoice_numbering),
    ("letters", letter_ledger),
    ("journal", journal_chain),
]


def run(store: Store) -> list[Check]:
    results = []
    for name, check in CHECKS:
        try:
            problems = check(store)
        except DatabaseError as exc:
            problems = [f"could not run: {exc}"]
        results.append(Check(name, problems))
    return results


def unopenable(error: DatabaseError) -> list[Check]:
    """The report when the file cannot even be opened as an SQLite database."""
    text = str(error).replace(": run `certcli check`", "")
    return [
        Check(
            "integrity",
            [
                f"{text}: restore the latest backup (certcli backup only "
                "writes copies that pass this check)"
            ],
        )
    ]
