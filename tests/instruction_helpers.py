"""Shared set-up for the instruction tests: dossiers at a given stage and people."""

from __future__ import annotations

from conftest import add_candidate

ECO_PIECES = ("administratif", "contrats", "technique:2", "demande-signee")


def open_dossier(cli, cid, scheme="ECO", date="2026-03-01", **extra) -> str:
    args = ["dossier", "add", "--candidate", cid, "--scheme", scheme, "--date", date]
    for key, value in extra.items():
        args += ["--" + key, value]
    return cli.json(*args)["ref"]


def complete_dossier(cli, cid, scheme="ECO", date="2026-03-01") -> str:
    """An ECO/PROG dossier with every piece and the fee, checked: in instruction."""
    ref = open_dossier(cli, cid, scheme, date)
    cli.ok("dossier", "receive", ref, *ECO_PIECES, "--date", date)
    cli.ok("dossier", "pay", ref, "--amount", "480.00", "--method", "cheque", "--date", date)
    assert cli.json("dossier", "check", ref, "--date", date)["status"] == "instruction"
    return ref


def add_instructor(cli, name, *, role="instructor", specialty=("economie",), **options) -> int:
    args = ["instructor", "add", "--name", name, "--role", role, "--date", "2026-01-05"]
    for item in specialty:
        args += ["--specialty", item]
    for key, value in options.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            args += ["--" + key.replace("_", "-"), item]
    return cli.json(*args)["id"]


def candidate(cli, first="Léa", last="Martin", employer="Cabinet Métré Conseil") -> int:
    return add_candidate(cli, first, last, employer=employer)
