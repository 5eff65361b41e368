"""Every test gets its own database through CERTCLI_DB: none touches a real one.

`fresh_db` gives each test a migrated database: a copy of one that `certcli init`
built once for the whole session (migrating takes ~50 ms, copying the file a
fraction of that). The `cli` and `store` fixtures stand on it."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pg_backend
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
    # On PostgreSQL (CERTCLI_TEST_DB=postgresql), a URL instead: tests/pg_backend.py.
    path = pg_backend.fresh_url() if pg_backend.active() else tmp_path / "certcli.db"
    monkeypatch.setenv("CERTCLI_DB", str(path))
    # A home of its own: `completion install` (fuzzed too) writes the user's shell files.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CERTCLI_TEMPLATES", raising=False)
    monkeypatch.delenv("CERTCLI_DATA", raising=False)
    # No test reaches a real mail server: only the smtp_server fixtures set one.
    monkeypatch.delenv("CERTCLI_SMTP_URL", raising=False)
    monkeypatch.delenv("CERTCLI_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("CERTCLI_CONFIG", str(tmp_path / "config" / "certcli.toml"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables do not fold in assertions
    # A story that runs past TODAY moves the clock with @pytest.mark.today("YYYY-MM-DD"):
    # invoices dated after today are refused (certcli.domain.invoices).
    marker = request.node.get_closest_marker("today")
    today = dt.date.fromisoformat(marker.args[0]) if marker else TODAY
    monkeypatch.setattr("certcli.rules.dates.today", lambda: today)
    yield path
    pg_backend.release()


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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database as `certcli init` leaves it, built once per test session."""
    path = tmp_path_factory.mktemp("template") / "certcli.db"
    result = CliRunner().invoke(app, ["--db", str(path), "init"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def fresh_db(db_path, migrated_template):
    """A fresh migrated database at this test's CERTCLI_DB: the one place that
    makes it, so another backend only has to give its own equivalent here."""
    # The verification key `init` made beside the template, where this office's goes.
    from certcli.domain.verification import key_file

    template_key = key_file(migrated_template)
    if pg_backend.active():
        pg_backend.migrated()  # a migrated schema renamed into place
    else:
        # copy2 keeps the template's 0600 mode, as init creates it.
        shutil.copy2(migrated_template, db_path)
    key_file(db_path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template_key, key_file(db_path))
    return db_path


@pytest.fixture
def cli(fresh_db):
    return Cli()


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


def pytest_configure(config):
    pg_backend.start()


def pytest_unconfigure(config):
    pg_backend.stop()


def pytest_collection_modifyitems(config, items):
    pg_backend.skip_by_backend(items)


def pytest_report_header(config):
    return f"certcli database backend: {'postgresql' if pg_backend.active() else 'sqlite'}"


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        default=False,
        help="tests/test_cli_fuzz.py: a long run (random seed, thousands of examples) "
        "instead of CI's fixed seed and small count",
    )


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server on loopback (aiosmtpd) that accepts everything, named by
    CERTCLI_SMTP_URL; `.received` holds what it got."""
    import smtp_server as smtp

    controller, server = smtp.start()
    monkeypatch.setenv("CERTCLI_SMTP_URL", server.url)
    yield server
    controller.stop()


@pytest.fixture
def refusing_smtp(monkeypatch):
    """A server that answers 550 to every message."""
    import smtp_server as smtp

    controller, server = smtp.start("550 5.7.1 Mailbox unavailable: relaying denied")
    monkeypatch.setenv("CERTCLI_SMTP_URL", server.url)
    yield server
    controller.stop()


@pytest.fixture
def smtp_down(monkeypatch):
    """CERTCLI_SMTP_URL naming a loopback port nobody listens on (connection refused)."""
    import smtp_server as smtp

    url = f"smtp://127.0.0.1:{smtp.free_port()}"
    monkeypatch.setenv("CERTCLI_SMTP_URL", url)
    return url
