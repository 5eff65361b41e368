"""Every test gets its own database through CERTCLI_DB: none touches a real one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from certcli.cli import app
from certcli.store import Store

_built = None


def _built_once(typer_app):
    # CliRunner rebuilds the whole click tree on every invoke (~40 ms, most of a
    # CLI test's time). The built group holds no per-run state, so build it once.
    global _built
    if _built is None:
        _built = typer.main.get_command(typer_app)
    return _built


typer.testing._get_command = _built_once

DAY = dt.date(2026, 6, 15)
# "Today" in the test world: a command run without --date/--as-of acts on this day,
# so no test depends on the real clock (invoice years, deadlines, windows).
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def db_path(tmp_path, monkeypatch, request):
    path = tmp_path / "certcli.db"
    monkeypatch.setenv("CERTCLI_DB", str(path))
    # A home of its own: `completion install` (fuzzed too) writes the user's shell files.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CERTCLI_TEMPLATES", raising=False)
    monkeypatch.delenv("CERTCLI_DATA", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables do not fold in assertions
    # A story that runs past TODAY moves the clock with @pytest.mark.today("YYYY-MM-DD"):
    # invoices dated after today are refused (certcli.domain.invoices).
    marker = request.node.get_closest_marker("today")
    today = dt.date.fromisoformat(marker.args[0]) if marker else TODAY
    monkeypatch.setattr("certcli.rules.dates.today", lambda: today)
    return path


class Cli:
    """Run certcli in-process: cli("candidate", "list") -> Result."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, [str(a) for a in args], input=input)

    def ok(self, *args: str):
        result = self(*args)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    def json(self, *args: str):
        result = self.ok(*args, "--json")
        return json.loads(result.stdout)

    def fails(self, *args: str, code: int = 1):
        result = self(*args)
        assert result.exit_code == code, (result.stdout, result.stderr)
        if code == 1:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
            assert "Traceback" not in result.stderr
        return result


@pytest.fixture
def cli(db_path):
    runner = Cli()
    runner.ok("init")
    return runner


@pytest.fixture
def store(cli, db_path):
    opened = Store(db_path)
    opened.actor = "test"
    yield opened
    opened.close()


def snapshot(db_path) -> dict:
    """Every row of every table, to prove a refused command wrote nothing."""
    s = Store(db_path)
    try:
        return {t: [tuple(r) for r in s.all(f"SELECT * FROM {t}")] for t in s.counts()}
    finally:
        s.close()


@pytest.fixture
def unchanged(db_path):
    """with unchanged(): ...  asserts the database is byte-for-byte the same after."""
    import contextlib

    @contextlib.contextmanager
    def check():
        before = snapshot(db_path)
        yield
        assert snapshot(db_path) == before

    return check


# What the OPQTECC schemes ask of a candidate (data/schemes/ECO.toml, PROG.toml): an
# accepted status, the scheme's specialty, and min_experience_years (3) of related
# work. Five years (1826 days) before any test date, so every check passes them.
OPQTECC_FACTS = {"status": "salarie", "specialty": ["economie", "programmation"]}
CAREER = {
    "employer": "Cabinet Métré Conseil",
    "start": "2015-01-01",
    "end": "2019-12-31",
    "hours": "8000",
    "related": True,
    "contract": "cdi",
}


def add_candidate(cli, first="Léa", last="Martin", *, eligible=False, **extra) -> int:
    """A candidate through `candidate add`; `eligible`: with the status, specialties
    and experience (`experience add`) an OPQTECC dossier check asks, where `extra`
    does not say otherwise."""
    if eligible:
        extra = {**OPQTECC_FACTS, **extra}
    args = ["candidate", "add", "--first-name", first, "--last-name", last]
    args += _options(extra)
    cid = cli.json(*args)["id"]
    if eligible:
        cli.json("experience", "add", "--candidate", cid, *_options(CAREER))
    return cid


def _options(values: dict) -> list:
    args = []
    for key, value in values.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, list):
            for item in value:
                args += [flag, item]
        elif value is not None and value is not False:
            args += [flag, value]
    return args


def give_career(store, candidate_id: int) -> None:
    """CAREER through the domain function `experience add` calls (for the tests that
    set the scene below the command line)."""
    from certcli.domain import experiences

    values = {
        **CAREER,
        "start": dt.date.fromisoformat(CAREER["start"]),
        "end": dt.date.fromisoformat(CAREER["end"]),
    }
    experiences.add(store, candidate_id, date=dt.date(2026, 1, 5), **values)


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        default=False,
        help="tests/test_cli_fuzz.py: a long run (random seed, thousands of examples) "
        "instead of CI's fixed seed and small count",
    )
