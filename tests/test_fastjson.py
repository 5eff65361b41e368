"""certcli.rules.fastjson: json.loads and json.dumps without importing json, the same
values, texts and errors as json's own."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certcli.rules import fastjson

_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=25,
)
_SPACES = st.text(alphabet=" \t\n\r", max_size=2)


def _same(a, b) -> bool:
    """Equal values, NaN equal to NaN, and True not equal to 1 (types compared)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


def _outcome(function, *args, **kwargs):
    try:
        return ("value", function(*args, **kwargs))
    except Exception as exc:
        return ("error", type(exc), str(exc))


def _same_outcome(mine, theirs) -> bool:
    if mine[0] != theirs[0]:
        return False
    return _same(mine[1], theirs[1]) if mine[0] == "value" else mine == theirs


@settings(max_examples=1500, deadline=None)
@given(_VALUES, _SPACES, _SPACES, st.booleans())
def test_loads_reads_what_json_reads(value, before, after, ascii_only):
    text = before + json.dumps(value, ensure_ascii=ascii_only) + after
    assert _same_outcome(_outcome(fastjson.loads, text), _outcome(json.loads, text))


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet='{}[]",:0123456789.-eE truefalsnNaIiy\\u', max_size=12),
        st.binary(max_size=8),
    )
)
def test_loads_fails_as_json_fails(text):
    assert _same_outcome(_outcome(fastjson.loads, text), _outcome(json.loads, text))


def test_loads_with_options_is_json_s():
    assert fastjson.loads('{"a": 1.5}', parse_float=Decimal) == {"a": Decimal("1.5")}
    assert _same_outcome(_outcome(fastjson.loads, "\ufeff{}"), _outcome(json.loads, "\ufeff{}"))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_VALUES, st.tuples(_VALUES, _VALUES)))
def test_dumps_writes_what_json_writes(value):
    assert fastjson.dumps(value) == json.dumps(value)
    for options in ({"ensure_ascii": False, "default": str}, {"sort_keys": True}):
        mine, theirs = (
            _outcome(fastjson.dumps, value, **options),
            _outcome(json.dumps, value, **options),
        )
        assert mine == theirs


@pytest.mark.parametrize("value", [{1, 2}, Decimal("1.5"), [object], {"a": [b"x"]}, {(1,): 2}])
def test_dumps_refuses_what_json_refuses(value):
    assert _outcome(fastjson.dumps, value) == _outcome(json.dumps, value)
    assert _outcome(fastjson.dumps, value, default=str) == _outcome(json.dumps, value, default=str)


def test_dumps_a_circular_list_as_json_does():
    loop: list = []
    loop.append(loop)
    assert _outcome(fastjson.dumps, loop) == _outcome(json.dumps, loop)
    assert fastjson.dumps([1, "é"]) == json.dumps([1, "é"])  # the encoder is fresh


def test_other_names_are_json_s():
    assert fastjson.JSONDecodeError is json.JSONDecodeError
    assert fastjson.JSONEncoder is json.JSONEncoder
