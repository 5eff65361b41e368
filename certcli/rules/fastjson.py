"""`json.loads` and `json.dumps` as certcli reads and writes its stored JSON, without
importing `json` on every command.

Importing `json` compiles six regular expressions for its pure-Python fallbacks:
4.5 M instructions, about as much as all the rest `dossier list --json` adds to
Typer's start-up. What `json.loads` and `json.dumps` actually run is C code in
`_json` (the scanner and the encoder), which loads in 0.4 M. The modules on the
everyday reads' path import this module as `json`:

- `loads(text)` runs the scanner `json.loads` runs, set up as json's default decoder
  sets it up, on a text with no white space around it (what `json.dumps` writes);
  any other text (white space around it, bytes, a BOM, anything invalid) goes to
  `json.loads` itself, imported then, so the value or the error is json's own.
- `dumps(value)` with no options is json's default encoder (the C one), the same
  text; with options (`ensure_ascii=False`, `default=str`, `sort_keys`...) it is
  `json.dumps` itself.
- Any other name (`json.JSONDecodeError`...) is json's, imported when first asked.

tests/test_fastjson.py compares both with json's on random values and texts.
"""

from __future__ import annotations

import _json
from typing import Any

_SPACE = " \t\n\r"  # JSON's white space


class _Decoder:
    """What the C scanner reads from its context, as json.JSONDecoder() sets it."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {
        "-Infinity": float("-inf"),
        "Infinity": float("inf"),
        "NaN": float("nan"),
    }.__getitem__


_scan = _json.make_scanner(_Decoder())  # type: ignore[arg-type]


def loads(text, **options):
    """json.loads(text, **options): the C scanner at once for a str with no white space
    around it and no options, json.loads otherwise."""
    if not options and type(text) is str and text and text[0] not in _SPACE:
        try:
            value, end = _scan(text, 0)
        except Exception:  # invalid: json.loads gives the error, its own words
            pass
        else:
            if end == len(text):
                return value
    import json

    return json.loads(text, **options)


def _default(value):
    import json

    return json.JSONEncoder().default(value)  # the TypeError json.dumps raises


def dumps(value, **options) -> str:
    """json.dumps(value, **options): json's default encoder (C) without options."""
    if options:
        import json

        return json.dumps(value, **options)
    if type(value) is str:
        return _json.encode_basestring_ascii(value)
    encode = _json.make_encoder(
        {}, _default, _json.encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    return "".join(encode(value, 0))


def __getattr__(name: str) -> Any:
    import json

    return getattr(json, name)
