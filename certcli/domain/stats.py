"""The pipeline at a glance (`certcli stats`): dossiers per stage, delays, overdue
requests, next sessions, renewals due and unpaid invoices.

`as_of` dates every window: delays count dossiers that reached the milestone in the
12 months up to it, requests are overdue on it, sessions start from it, invoices
were issued by it. Dossier statuses and invoice balances are the current ones (the
database keeps no snapshot of a past day).
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from certcli.domain import instruction, invoices, renewals
from certcli.records import dataclass
from certcli.rules import dates
from certcli.rules.money import as_str, from_cents

if TYPE_CHECKING:
    from certcli.store import Store


DELAY_MONTHS = 12
SESSIONS_SHOWN = 3
RENEWAL_MONTHS = 9


@dataclass
class Delay:
    count: int
    median_days: float | int | None
    max_days: int | None

    @classmethod
    def of(cls, days: list[int]) -> Delay:
        if not days:
            return cls(0, None, None)
        median = statistics.median(days)
        return cls(len(days), int(median) if median == int(median) else median, max(days))

    def to_dict(self) -> dict:
        return {"count": self.count, "median_days": self.median_days, "max_days": self.max_days}


def _days(opened: str, reached: str | None, since: str, until: str) -> int | None:
    if reached is None or not since <= reached <= until:
        return None
    return (dt.date.fromisoformat(reached) - dt.date.fromisoformat(opened)).days


def delays(store: Store, as_of: dt.date) -> dict:
    since = dates.add_months(as_of, -DELAY_MONTHS) + dt.timedelta(days=1)
    window = (since.isoformat(), as_of.isoformat())
    rows = store.dossier_milestones(*window)
    result: dict[str, Any] = {"from": window[0], "to": window[1]}
    for key, column in (("to_instruction", "complete_on"), ("to_decision", "decided_on")):
        days = [d for r in rows if (d := _days(r["opened_on"], r[column], *window)) is not None]
        result[key] = Delay.of(days).to_dict()
    return result


def dossier_counts(store: Store) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for row in store.dossier_status_counts():
        counts.setdefault(row["scheme"], {})[row["status"]] = row["n"]
    return counts


@dataclass
class Unpaid:
    """The invoices still open on a day and what they still owe (a Decimal)."""

    count: int
    total: Decimal

    def to_dict(self) -> dict:
        return {"count": self.count, "total": as_str(self.total)}


def _owed(totals, prefix: str = "") -> invoices.Balance:
    """invoices.balance of a set of open invoices at once, from the sums the store
    made of their amounts, payments and partial credit notes: the rule is a sum
    (amount less credits less payments), so it holds for the totals as for each."""
    return invoices.balance(
        from_cents(totals[f"{prefix}amount"]),
        [from_cents(totals[f"{prefix}paid"])],
        kind="invoice",
        status="open",
        credits=[from_cents(totals[f"{prefix}credits"])],
    )


def unpaid(store: Store, as_of: dt.date) -> Unpaid:
    totals = store.open_invoice_totals(as_of.isoformat())
    return Unpaid(totals["n"], _owed(totals).due)


def income(store: Store, as_of: dt.date) -> dict:
    """The year's income (issue 13): what the invoices issued from 1 January to `as_of`
    bill (less their partial credit notes; a cancelled invoice bills nothing), what
    was received on them (payments less refunds), what is left of it in a direct
    debit not yet collected, and the bank entries still unmatched (their count, and
    the total of the credits among them). Summed by the store over the year's
    invoices only."""
    since = dt.date(as_of.year, 1, 1).isoformat()
    totals = store.income_totals(since, as_of.isoformat())
    billed = _owed(totals)
    entries = store.bank_unmatched_totals()
    return {
        "year": as_of.year,
        "expected": as_str(from_cents(totals["amount"]) - billed.credited),
        "received": as_str(billed.paid),
        "pending_collection": as_str(_owed(totals, "waiting_").due),
        "unmatched_entries": {
            "count": entries["n"],
            "total": as_str(from_cents(entries["credits"])),
        },
    }


def overview(store: Store, *, as_of: dt.date) -> dict:
    """Everything `certcli stats` shows, as plain data (its JSON once the unpaid
    total, a Decimal, is printed)."""
    overdue = instruction.overdue(store, as_of=as_of)
    unrecorded = instruction.overdue_interviews(store, as_of=as_of)
    due, not_reminded = renewals.counts(store, as_of=as_of, months=RENEWAL_MONTHS)
    return {
        "as_of": as_of.isoformat(),
        "dossiers": dossier_counts(store),
        "delays": delays(store, as_of),
        "overdue_requests": {
            "count": len(overdue),
            "dossiers": [
                {"ref": d["ref"], "due": d["due"], "days_overdue": d["days_overdue"]}
                for d in overdue
            ],
        },
        "overdue_interviews": {
            "count": len(unrecorded),
            "interviews": [
                {
                    "ref": d["ref"],
                    "id": d["interview_id"],
                    "due": d["due"],
                    "days_overdue": d["days_overdue"],
                }
                for d in unrecorded
            ],
        },
        "next_sessions": [
            {
                "id": s["id"],
                "date": s["date"],
                "kind": s["kind"],
                "capacity": s["capacity"],
                "on_agenda": s["on_agenda"],
            }
            for s in store.upcoming_sessions(as_of.isoformat(), SESSIONS_SHOWN)
        ],
        "renewals": {
            "months": RENEWAL_MONTHS,
            "due": due,
            "not_reminded": not_reminded,
        },
        "unpaid_invoices": unpaid(store, as_of),
        "income": income(store, as_of),
    }
