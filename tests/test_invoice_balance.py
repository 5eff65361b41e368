"""An invoice's balance: one rule (invoices.balance) for `invoice show`, the letters
and `stats`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from commission_helpers import decide_at

from certcli.domain import invoices, stats
from certcli.letters import context


@pytest.mark.parametrize(
    "kind, status, paid, due",
    [
        ("invoice", "open", ["50.00", "10.50"], "149.50"),
        ("invoice", "open", [], "210.00"),
        ("invoice", "paid", ["210.00"], "0.00"),
        ("invoice", "cancelled", [], "0.00"),
        ("credit", "applied", [], "0.00"),
    ],
)
def test_balance_rule(kind, status, paid, due):
    owed = invoices.balance("210.00", paid, kind=kind, status=status)
    assert owed.due == Decimal(due)
    assert owed.paid == sum((Decimal(p) for p in paid), Decimal("0"))


def test_show_letters_and_stats_use_the_one_rule(cli, store, monkeypatch):
    number = decide_at(cli, store, "2026-06-15", "--grant")["invoice"]
    cli.ok(
        "invoice", "pay", number, "--amount", "10.00", "--method", "cheque", "--date", "2026-06-20"
    )
    calls = []
    rule = invoices.balance

    def counted(*args, **kwargs):
        calls.append(kwargs["status"])
        return rule(*args, **kwargs)

    monkeypatch.setattr(invoices, "balance", counted)
    shown = invoices.get(store, number)
    letter = context.for_invoice(store, number, dt.date(2026, 6, 21)).data["invoice"]
    unpaid = stats.unpaid(store, dt.date(2026, 6, 21))
    assert calls == ["open", "open", "open"]
    assert Decimal(shown.due) == letter["balance"] == Decimal(unpaid["total"])
    assert letter["payable"] and Decimal(shown.paid) == letter["paid"] == Decimal("10.00")
