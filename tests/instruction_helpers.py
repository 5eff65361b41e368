"""Shared set-up for the instruction tests: dossiers at a given stage and people."""

from __future__ import annotations

import datetime as dt

import builders
from builders import add_candidate

from certcli.domain import dossiers, instructors, reception

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
    """An eligible OPQTECC candidate (status, specialties, experience)."""
    return add_candidate(cli, first, last, employer=employer, eligible=True)


# Domain-level set-up: the CLI builds its whole command tree on every in-process
# run (~35 ms), so tests set the scene through the domain and keep the CLI for
# the behaviour under test.
def d_open(store, cid, scheme="ECO", date=dt.date(2026, 3, 1), **extra) -> str:
    # Set-up opens several initial dossiers for one candidate; a real secretariat
    # would be stopped (see test_domain_dossiers), the tests here are about other steps.
    extra.setdefault("force", True)
    return dossiers.open_dossier(
        store, candidate_id=cid, scheme_code=scheme, date=date, **extra
    ).ref


def d_complete(store, cid, scheme="ECO", date=dt.date(2026, 3, 1)) -> str:
    ref = d_open(store, cid, scheme, date)
    reception.receive(store, ref, list(ECO_PIECES), date=date)
    reception.pay(store, ref, amount="480.00", method="cheque", date=date)
    assert reception.check(store, ref, date=date).status == "instruction"
    return ref


def d_instructor(store, name, *, role="instructor", specialties=("economie",), **extra) -> int:
    return instructors.add(
        store,
        name=name,
        role=role,
        specialties=list(specialties),
        date=dt.date(2026, 1, 5),
        **extra,
    ).id


def d_candidate(store, first="Léa", last="Martin", employer="Cabinet Métré Conseil") -> int:
    """An eligible OPQTECC candidate (status, specialties, experience) working at
    `employer` (the conflicts of interest of the assignment tests)."""
    return builders.candidate(store, first, last, employer=employer)
