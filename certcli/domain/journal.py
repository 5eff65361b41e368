"""`certcli audit verify` and `audit seal`: the tamper-evident journal checked
offline (its rules: certcli.rules.journal; its writing: certcli.store.journal).

Verify re-computes every entry's hash from its fields and the entry before it, and
re-reads every journalled event: an event whose row no longer has the content its
entry hashed, a row gone, an event with no entry (a deleted last entry), an entry
missing from the middle of the chain or a head that disagrees are all reported as
the first broken entry. A seal (the head hash, the count and the date, kept
elsewhere) then proves that the chain up to it was not rewritten since.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import ValidationError
from certcli.records import dataclass
from certcli.rules import journal as rules

if TYPE_CHECKING:
    from certcli.store import Store

SEAL_FORMAT = "certcli-journal-seal/1"


@dataclass
class Verification:
    ok: bool
    entries: int
    broken_at: int | None = None
    problem: str | None = None
    head: str = rules.GENESIS
    seal: dict | None = None

    def to_dict(self) -> dict:
        data: dict = {
            "ok": self.ok,
            "entries": self.entries,
            "broken_at": self.broken_at,
            "problem": self.problem,
            "head": self.head,
        }
        if self.seal is not None:
            data["seal"] = self.seal
        return data


def verify(store: Store, *, seal: Path | None = None) -> Verification:
    """The first broken entry of the journal (by sequence number), if any."""
    sealed = read_seal(seal) if seal is not None else None
    entries = store.journal_entries()
    problems: list[tuple[int, str]] = []
    prev, expected = rules.GENESIS, 1
    for entry in entries:
        if entry["seq"] != expected:
            problems.append((expected, f"entry {expected} is missing from the chain"))
            break
        if entry["prev"] != prev or rules.entry_hash(entry, prev) != entry["hash"]:
            problems.append((entry["seq"], f"entry {entry['seq']} does not chain (edited)"))
            break
        prev, expected = entry["hash"], expected + 1
    count = len(entries)
    head = store.journal_head() or {"entries": 0, "hash": rules.GENESIS}
    if head["entries"] != count or head["hash"] != prev:
        at = min(head["entries"], count) + 1
        problems.append((at, f"the journal's head says {head['entries']} entries, it has {count}"))
    # Each event as it stands now, against the content its entry hashed.
    by_kind: dict[str, dict[int, dict]] = {}
    for kind in rules.KINDS:
        by_kind[kind] = {row["id"]: row for row in store.journal_events(kind)}
    seen: set[tuple[str, int]] = set()
    for entry in entries:
        current = by_kind.get(entry["kind"], {}).get(entry["ref"])
        seen.add((entry["kind"], entry["ref"]))
        what = f"{entry['kind']} {entry['record']}"
        if current is None:
            problems.append((entry["seq"], f"entry {entry['seq']}: {what} is gone"))
            break
        if current["content"] != entry["content"]:
            problems.append((entry["seq"], f"entry {entry['seq']}: {what} was changed"))
            break
    for kind, rows in by_kind.items():
        for ref, row in rows.items():
            if (kind, ref) not in seen:
                problems.append((count + 1, f"{kind} {row['record']} is not in the journal"))
                break
    seal_report = None
    if sealed is not None:
        n, sealed_head = sealed["entries"], sealed["head"]
        at_seal = entries[n - 1]["hash"] if 0 < n <= count else rules.GENESIS if n == 0 else None
        seal_ok = at_seal == sealed_head
        seal_report = {"entries": n, "head": sealed_head, "date": sealed.get("date"), "ok": seal_ok}
        if not seal_ok:
            problems.append(
                (min(n, count + 1) or 1, f"the chain's entry {n} is not the sealed head")
            )
    last = entries[-1]["hash"] if entries else rules.GENESIS
    if problems:
        at, problem = min(problems)
        return Verification(False, count, at, problem, last, seal_report)
    return Verification(True, count, None, None, last, seal_report)


def seal(store: Store, out: Path, *, date: dt.date, force: bool = False) -> dict:
    """Write the head hash, the count and the date to `out` (JSON)."""
    from certcli.store import files as safe_files

    head = store.journal_head() or {"entries": 0, "hash": rules.GENESIS}
    data = {
        "format": SEAL_FORMAT,
        "entries": head["entries"],
        "head": head["hash"],
        "date": date.isoformat(),
    }
    text = json.dumps(data, indent=2) + "\n"
    safe_files.write_text(out, text, force=force, protect=getattr(store, "path", None))
    return {**data, "out": str(out)}


def read_seal(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"cannot read the seal {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise ValidationError(f"{path} is not a journal seal (not JSON)") from None
    if (
        not isinstance(data, dict)
        or data.get("format") != SEAL_FORMAT
        or not isinstance(data.get("entries"), int)
        or not isinstance(data.get("head"), str)
    ):
        raise ValidationError(f"{path} is not a journal seal ({SEAL_FORMAT})")
    return data
