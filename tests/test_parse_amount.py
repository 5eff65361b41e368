"""One decimal parser (money.parse_amount) for amounts, hours worked and CQPT scores:
the same notation, the same limits, the same wording."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from certcli.domain.cqpt import parse_score
from certcli.domain.experiences import parse_hours
from certcli.errors import ValidationError
from certcli.rules.money import parse_amount

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
