"""common.json_text: the text json.dumps(indent=2) makes, written through the C encoder
where it can (every --json output goes through it)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from certcli.cli import common


class _Record:
    def __init__(self, **values):
        self.values = values

    def to_dict(self):
        return self.values


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(),
)
_KEYS = st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none())
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=6), inner, max_size=5),
        st.dictionaries(_KEYS, inner, max_size=3),
        st.builds(_Record, a=inner, b=inner),
    ),
    max_leaves=30,
)


def _reference(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=common._default)


@settings(max_examples=1500, deadline=None)
@given(_DATA)
def test_same_text_as_json_dumps(value):
    assert common.json_text(value) == _reference(value)


def test_a_listing_s_rows():
    rows = [
        {
            "id": 1,
            "ref": "2026-0001",
            "amount": Decimal("480.00"),
            "on": dt.date(2026, 11, 25),
            "mentions": [],
            "holder": 'Léa "l\'aînée" Dupont\u202e',
        },
        {"id": 2, "mentions": ["a", "b"], "nested": {"x": [1, {"y": None}]}, "empty": {}},
        _Record(z=1),
    ]
    assert common.json_text(rows) == _reference(rows)
    assert common.json_text([]) == "[]" and common.json_text({}) == "{}"


def _printed(emit, *args) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        emit(*args)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(max_size=6), st.one_of(_DATA, st.lists(_DATA, max_size=4)), max_size=5),
    st.data(),
)
def test_a_record_streamed_prints_as_emit_json(record, data):
    """emit_json_record (dues call --json) and emit_json_stream (--all) print the text
    emit_json prints of the whole record or list, escapes included, the lists given as
    iterators."""
    streamed = {
        key: iter(value) if type(value) is list and data.draw(st.booleans()) else value
        for key, value in record.items()
    }
    assert _printed(common.emit_json_record, streamed) == _printed(common.emit_json, record)
    for value in record.values():
        if type(value) is list:
            assert _printed(common.emit_json_stream, iter(value)) == _printed(
                common.emit_json, value
            )


def test_dues_call_s_record_streamed():
    record = {"year": 2027, "invoiced": [{"n": "F\u202e", "amount": Decimal("1.00")}], "z": []}
    streamed = {**record, "invoiced": iter(record["invoiced"]), "z": iter([])}
    assert _printed(common.emit_json_record, streamed) == _printed(common.emit_json, record)
    assert _printed(common.emit_json_record, {}) == "{}\n"


_RAW_TEXT = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from([chr(c) for c in (0x7E, 0x7F, 0x80, 0x9B, 0x9F, 0xA0, 0xE9)]),
        st.sampled_from([chr(c) for c in range(0x2028, 0x206B)]),
    )
)


@settings(max_examples=2000, deadline=None)
@given(_RAW_TEXT)
def test_raw_characters_escaped_as_the_pattern_escapes_them(text):
    """--json escapes DEL, the C1 controls and the bidirectional controls the pattern
    names, without compiling it for a text that holds none."""
    import re

    assert common._escape_raw(text) == re.sub(common._JSON_RAW, common._escape, text)


def test_the_raw_characters_are_the_pattern_s():
    import re

    pattern = re.compile(common._JSON_RAW)
    assert common._RAW_CHARS == tuple(chr(c) for c in range(0x110000) if pattern.fullmatch(chr(c)))
