"""certcli/rules/money.py: plain decimal amounts, half-up cents, prorata, French formats,
one decimal parser (money.parse_amount: amounts, hours worked and CQPT scores read
alike), and payment methods (one list, money.METHODS, and one check, money.payment_method, for
the instruction fee and the invoices, case and accents ignored in both)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from commission_helpers import decide_at, new_candidate
from hypothesis import given, settings
from hypothesis import strategies as st
from instruction_helpers import open_dossier

from certcli.domain.cqpt import parse_score
from certcli.domain.experiences import parse_hours
from certcli.errors import ValidationError
from certcli.rules import dates, money
from certcli.rules.money import parse_amount


def test_payment_method_rule():
    assert money.payment_method("Chèque") == "cheque"
    assert money.payment_method(" VIREMENT ") == "virement"
    with pytest.raises(
        ValidationError, match=r"invalid method 'carte' \(one of: cheque, virement, prelevement\)"
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
    assert err.strip() == "Error: invalid method 'carte' (one of: cheque, virement, prelevement)"
    before = len(store.all("SELECT id FROM payments"))
    cli.ok(*args, "--method", "Chèque")
    methods = [r["method"] for r in store.all("SELECT method FROM payments ORDER BY id")]
    assert methods[before:] == ["cheque"]  # the payment this call recorded


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


PARSERS = {"amount": parse_amount, "hours": parse_hours, "score": parse_score}


@pytest.mark.parametrize("what", PARSERS)
@pytest.mark.parametrize(
    "typed, problem",
    [
        ("1" * 12, "too large (at most 999 999 999,99)"),
        ("1e3", "invalid {what} '1e3'"),
        ("NaN", "invalid {what} 'NaN'"),
        ("-5", "invalid {what} '-5': must"),
    ],
)
def test_every_number_is_refused_alike(what, typed, problem):
    with pytest.raises(ValidationError, match=re.escape(problem.format(what=what))):
        PARSERS[what](typed)


@pytest.mark.parametrize("what", PARSERS)
def test_every_number_reads_alike(what):
    assert PARSERS[what]("1 234,5") == Decimal("1234.5")
    assert PARSERS[what]("\u202f12,25 ") == Decimal("12.25")


def test_what_differs_is_said_by_the_caller():
    assert parse_score("0") == 0 and parse_score("14,125") == Decimal("14.125")
    for parse in (parse_amount, parse_hours):
        with pytest.raises(ValidationError, match=re.escape("must be positive (more than 0)")):
            parse("0")
        with pytest.raises(ValidationError, match="at most two decimals"):
            parse("151,675")
    with pytest.raises(ValidationError, match="invalid hours 'abc': a number expected, e.g. 1607"):
        parse_hours("abc")


@settings(max_examples=2000, deadline=None)
@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=3, allow_nan=False)
    | st.sampled_from(["0", "-0", "-0.00", "0.005", "-0.005", "999.995", "1 234,50", "12"])
)
def test_format_eur_is_babel_s_french_format(amount):
    from babel.numbers import format_currency

    assert money.format_eur(amount) == format_currency(money.cents(amount), "EUR", locale="fr_FR")


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="+-.0123456789", max_size=8),
        st.text(alphabet=st.sampled_from(["1", ".", "-", "+", "٣", "²", "x", " "]), max_size=6),
    )
)
def test_plain_notation_read_as_the_pattern_reads_it(text):
    """money._plain is the pattern's fullmatch, written out (not compiled on every
    command that reads a stored amount)."""
    assert money._plain(text) == bool(re.fullmatch(money._PLAIN, text))
