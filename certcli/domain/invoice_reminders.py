"""Reminders of unpaid invoices, in levels (issue 12): which invoice gets which level.

The levels (1 relance, 2 seconde relance, 3 mise en demeure), their delays and
their templates are the body's (`[reminders]` of data/bodies/NAME.toml). A delay
counts from the invoice's due date, the day itself included: with the default 15
days, an invoice due on 1 March gets its relance from 16 March on, not the day
before. For each open invoice past due, `due` names the NEXT level not sent yet,
once its day has come:

- one level per invoice per run, so each letter gives its own time to pay: after
  a level sent late (a missed day is caught up, the day after or a month after),
  the next one waits its gap again (the difference of the two delays), counted
  from the day that late one was sent;
- each level once per invoice, ever (the ledger `invoice_reminders`, unique on
  invoice and level; certcli.letters.invoice_reminders writes it);
- never for an invoice that is paid, cancelled (credited) or a credit note (only
  an open invoice with something left to pay), nor for an instruction fee still
  waiting on a dossier at reception (submitted or incomplete: the dossier is not
  instructed without it, and the incomplete-dossier letter asks for it) or
  withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.domain import invoices
from certcli.records import dataclass
from certcli.rules import money
from certcli.rules.bodies import Body
from certcli.rules.bodies import ReminderLevel as Level

if TYPE_CHECKING:
    from certcli.store import Store


# A dossier's invoice that is never reminded while the dossier is in one of these
# statuses (its instruction fee is asked for by the dossier's own letters).
WAITING_DOSSIER = frozenset({"submitted", "incomplete", "withdrawn"})
DUES_PURPOSES = frozenset({"dues-prorata", "dues-call"})


def levels_of(body: Body) -> tuple[Level, ...]:
    """The body's reminder levels ([reminders] of its file), by level."""
    return tuple(sorted(body.reminders, key=lambda x: x.level))


def next_level(
    levels: Sequence[Level],
    *,
    due_on: dt.date,
    as_of: dt.date,
    last_level: int = 0,
    last_sent_on: dt.date | None = None,
) -> tuple[Level, dt.date] | None:
    """The level to send on `as_of` and the day it became due, or None. The pure rule
    of the module docstring: the lowest level above the last one sent, due on
    `due_on + days` and, after a level sent late, no sooner than that one's day plus
    the gap between their delays."""
    following = [x for x in levels if x.level > last_level]
    if not following:
        return None
    chosen = min(following, key=lambda x: x.level)
    when = due_on + dt.timedelta(days=chosen.days)
    previous = [x for x in levels if x.level == last_level]
    if last_level and last_sent_on is not None:
        gap = chosen.days - (previous[0].days if previous else 0)
        when = max(when, last_sent_on + dt.timedelta(days=max(gap, 0)))
    return (chosen, when) if as_of >= when else None


@dataclass
class Due:
    invoice: str
    invoice_id: int
    level: int
    template: str
    due_on: str  # the invoice's due date
    since: str  # the day this level became due
    balance: Decimal
    candidate_id: int
    scheme: str | None

    def to_dict(self) -> dict:
        return {
            "invoice": self.invoice,
            "level": self.level,
            "template": self.template,
            "due_on": self.due_on,
            "since": self.since,
            "balance": money.as_str(self.balance),
            "candidate_id": self.candidate_id,
        }


def waiting_fee(purpose: str, dossier_status: str | None) -> bool:
    """An instruction fee (any invoice of a dossier other than dues) still waiting on
    its dossier at reception, or on a withdrawn dossier: never reminded."""
    return purpose not in DUES_PURPOSES and dossier_status in WAITING_DOSSIER


def owed(row) -> Decimal:
    """What is left to pay on an invoice row (invoices.balance: the one rule)."""
    return invoices.balance(
        row["amount"],
        (row["paid_list"] or "").split(),
        kind=row["kind"],
        status=row["status"],
        credits=(row["credits_list"] or "").split(),
    ).due


def due(store: Store, *, as_of: dt.date) -> list[Due]:
    """Every open invoice whose next reminder level is due on `as_of`, oldest due
    date first."""
    found = []
    for row in store.remindable_invoices(as_of.isoformat()):
        item = _due_item(row, as_of)
        if item is not None:
            found.append(item)
    return found


def _due_item(row, as_of: dt.date) -> Due | None:
    if waiting_fee(row["purpose"], row["dossier_status"]):
        return None
    balance = owed(row)
    if balance <= 0:
        return None
    levels = levels_of(invoices.body_of_scheme(row["scheme"]))
    last_sent = row["last_sent_on"]
    step = next_level(
        levels,
        due_on=dt.date.fromisoformat(row["due_on"]),
        as_of=as_of,
        last_level=row["last_level"] or 0,
        last_sent_on=dt.date.fromisoformat(last_sent) if last_sent else None,
    )
    if step is None:
        return None
    chosen, since = step
    return Due(
        invoice=row["number"],
        invoice_id=row["id"],
        level=chosen.level,
        template=chosen.template,
        due_on=row["due_on"],
        since=since.isoformat(),
        balance=balance,
        candidate_id=row["candidate_id"],
        scheme=row["scheme"],
    )


def still_due(store: Store, item: Due, as_of: dt.date) -> bool:
    """Read again inside the transaction that records the reminder: the invoice is
    still owed and this level still the next one (a payment, a credit note or another
    run may have come in between)."""
    for row in store.remindable_invoices(as_of.isoformat(), item.invoice_id):
        again = _due_item(row, as_of)
        return again is not None and again.level == item.level
    return False


def templates_needed(codes: Iterable[str | None]) -> dict[str, list[tuple[str, Level]]]:
    """Each level template of the bodies of these schemes, with the (body file, level)
    naming it: every one must exist before a reminder is written."""
    needed: dict[str, list[tuple[str, Level]]] = {}
    for code in set(codes):
        body = invoices.body_of_scheme(code)
        for level in levels_of(body):
            needed.setdefault(level.template, []).append((body.code, level))
    return needed
