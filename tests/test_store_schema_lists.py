"""The schema's fixed value lists: each CHECK list equals the Python constant it
mirrors, and the CQPT phases, which the scheme files configure, are not fixed in the
schema at all (m011)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_domain_cqpt import cqpt_dossier, evaluate, evaluator

from certcli.domain import (
    attendance,
    bank,
    debits,
    dossiers,
    instructors,
    invoices,
    mandates,
    members,
    sessions,
)
from certcli.letters import context, mail
from certcli.rules import schemes

ROOT = Path(__file__).resolve().parent.parent

TIED = {
    ("sessions", "kind"): sessions.KINDS,
    ("dossiers", "kind"): dossiers.KINDS,
    ("instructors", "role"): instructors.ROLES,
    ("invoices", "kind"): tuple(invoices.PREFIX),
    ("pending_letters", "record"): context.RECORD_KINDS,
    ("members", "commission"): sessions.KINDS,
    ("members", "role"): members.ROLES,
    ("attendance", "status"): attendance.STATUSES,
    ("outbox", "kind"): mail.KINDS,
    ("outbox", "status"): mail.STATUSES,
    ("bank_entries", "kind"): bank.KINDS,
    ("bank_entries", "status"): bank.STATUSES,
    ("mandates", "payer"): mandates.PAYERS,
    ("debit_items", "sequence"): debits.SEQUENCES,
}


def _checked(store, table: str, column: str) -> tuple[str, ...] | None:
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    found = re.search(rf"\b{column}\b[^,]*?CHECK \({column} IN \(([^)]*)\)\)", sql, re.S)
    if found is None:
        return None
    return tuple(v.strip().strip("'") for v in found.group(1).split(","))


@pytest.mark.sqlite_only("reads the CREATE TABLE text in sqlite_master")
@pytest.mark.parametrize("table, column", TIED, ids=[f"{t}.{c}" for t, c in TIED])
def test_each_fixed_list_is_its_python_constant(store, table, column):
    assert _checked(store, table, column) == TIED[(table, column)]


@pytest.mark.sqlite_only("reads the CREATE TABLE text in sqlite_master")
def test_no_other_column_has_a_fixed_list(store):
    """A new CHECK (x IN (...)) list needs its line in TIED."""
    listed = set()
    for name, sql in store.all("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        for column in re.findall(r"CHECK \((\w+) IN \(", sql or ""):
            listed.add((name, column))
    assert listed == set(TIED)


@pytest.mark.sqlite_only("reads the CREATE TABLE text in sqlite_master")
def test_the_cqpt_phases_are_not_fixed_in_the_schema(store):
    assert _checked(store, "cqpt_phases", "phase") is None
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'cqpt_phases'")
    assert "UNIQUE (dossier_id, phase)" in sql  # a phase still recorded once


@pytest.fixture
def fourth_phase(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / "schemes" / "CQPT.toml"
    text = path.read_text(encoding="utf-8")
    old = 'phases = ["proof", "quiz", "situation"]'
    assert old in text
    path.write_text(text.replace(old, 'phases = ["proof", "quiz", "situation", "oral"]'))
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    yield
    schemes._catalog.cache_clear()


def test_a_phase_added_in_the_scheme_file_is_recorded(cli, store, fourth_phase):
    ref = cqpt_dossier(cli, store)
    evaluate(cli, ref, evaluator(cli))
    done = cli.json("cqpt", "phase", ref, "oral", "--result", "pass", "--date", "2026-05-21")
    assert done["phase"] == "oral" and done["missing"] == []
    shown = cli.json("dossier", "show", ref)
    assert [p["phase"] for p in shown["phases"]] == ["proof", "quiz", "situation", "oral"]
