"""certcli/rules/money.py: plain decimal amounts, half-up cents, prorata, French formats,
and payment methods (one list, money.METHODS, and one check, money.payment_method, for
the instruction fee and the invoices, case and accents ignored in both)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from commission_helpers import decide_at, new_candidate
from instruction_helpers import open_dossier

from certcli.errors import ValidationError
from certcli.rules import dates, money


def test_payment_method_rule():
    assert money.payment_method("Chèque") == "cheque"
    assert money.payment_method(" VIREMENT ") == "virement"
    with pytest.raises(
        ValidationError, match=r"invalid method 'carte' \(one of: cheque, virement\)"
    ):
        money.payment_method("carte")


def _fee(cli, store):
    ref = open_dossier(cli, new_candidate(cli))
    return ["dossier", "pay", ref, "--amount", "100.00", "--date", "2026-03-02"]


def _invoice(cli, store):
    number = decide_at(cli, store, "2026-06-15", "--grant")["invoice"]
    return ["invoice", "pay", number, "--amount", "10.00", "--date", "2026-06-20"]


@pytest.mark.parametrize("paying", [_fee, _invoice], ids=["dossier pay", "invoice pay"])
def test_both_payments_check_the_method_the_same_way(cli, store, unchanged, paying):
    args = paying(cli, store)
    with unchanged():
        err = cli.fails(*args, "--method", "carte").stderr
    assert err.strip() == "Error: invalid method 'carte' (one of: cheque, virement)"
    cli.ok(*args, "--method", "Chèque")
    methods = [r["method"] for r in store.all("SELECT method FROM payments")]
    assert methods == ["cheque"]


# -- plain amounts ---------------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["1e3", "1E3", "NaN", "Infinity", "1_000", "1.2.3", "0x10"])
def test_amounts_are_plain_decimal_notation(cli, amount):
    err = cli.fails("dues", "prorata", "--amount", amount, "--date", "2026-06-15").stderr
    assert f"invalid amount '{amount}'" in err


def test_plain_amounts_still_read(cli):
    for amount, expected in (
        ("360", "210.00"),
        ("360,00", "210.00"),
        ("1 200.00", "700.00"),
        (".60", "0.35"),
    ):
        assert (
            cli.json("dues", "prorata", "--amount", amount, "--date", "2026-06-15")["amount"]
            == expected
        )


D = dt.date


@pytest.mark.parametrize(
    "annual,day,months,amount",
    [
        ("360.00", D(2026, 6, 15), 7, "210.00"),
        ("360.00", D(2026, 1, 1), 12, "360.00"),
        ("360.00", D(2026, 12, 31), 1, "30.00"),
        ("250.00", D(2026, 11, 5), 2, "41.67"),
    ],
)
def test_prorata_table_from_spec(annual, day, months, amount):
    assert money.prorata(Decimal(annual), day) == (months, Decimal(amount))


def test_prorata_next_month_mode():
    assert money.prorata(Decimal("360.00"), D(2026, 6, 15), "next_month") == (6, Decimal("180.00"))


def test_half_up_rounding_and_parsing():
    assert money.cents("0.125") == Decimal("0.13")
    assert money.cents("2.675") == Decimal("2.68")
    assert money.parse_amount("1 234,50") == Decimal("1234.50")
    with pytest.raises(ValidationError):
        money.parse_amount("12.345")
    with pytest.raises(ValidationError):
        money.parse_amount("-5")


def test_french_formats():
    assert (
        money.format_eur(Decimal("1234.56")).replace("\u202f", " ").replace("\xa0", " ")
        == "1 234,56 €"
    )
    assert dates.format_fr(D(2026, 11, 24)) == "24 novembre 2026"
