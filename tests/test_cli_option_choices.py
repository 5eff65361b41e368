"""Choosing one option of several: one rule (common.exactly_one) for every command,
certcli's `Error: give exactly one of …` (exit 1), never Typer's usage error (exit 2)."""

from __future__ import annotations

import pytest

CASES = [
    (["cqpt", "admissibility", "2026-0001"], "--accept, --reject"),
    (["commission", "decide", "1", "2026-0001"], "--grant, --refuse, --adjourn"),
    (
        ["commission", "decide", "1", "2026-0001", "--grant", "--refuse"],
        "--grant, --refuse, --adjourn",
    ),
    (["appeal", "decide", "2026-0001"], "--grant, --refuse"),
    (["appeal", "decide", "2026-0001", "--grant", "--refuse"], "--grant, --refuse"),
    (["dossier", "assign", "2026-0001"], "--instructor, --auto"),
    (["dossier", "assign", "2026-0001", "--auto", "--instructor", "1"], "--instructor, --auto"),
    (["letters", "render"], "TEMPLATE, --pending"),
    (["letters", "render", "facture", "--pending"], "TEMPLATE, --pending"),
    (["letters", "render", "facture"], "--dossier, --certificate, --candidate, --invoice"),
    (
        ["letters", "render", "facture", "--dossier", "2026-0001", "--invoice", "F-2026-00001"],
        "--dossier, --certificate, --candidate, --invoice",
    ),
]


@pytest.mark.parametrize("args, options", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_one_option_of_several_is_certcli_error(cli, unchanged, args, options):
    with unchanged():
        result = cli.fails(*args)  # exit 1, one `Error: ` line
    assert result.stderr.strip() == f"Error: give exactly one of {options}"


def test_the_rule():
    from certcli.cli import common
    from certcli.errors import ValidationError

    assert common.exactly_one({"--a": False, "--b": True}) == "--b"
    with pytest.raises(ValidationError, match="^give exactly one of --a, --b$"):
        common.exactly_one({"--a": True, "--b": True})
