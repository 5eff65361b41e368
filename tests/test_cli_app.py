"""The command line as a program: the database it opens, one-line errors, usage errors,
plain help, start-up without the heavy modules, `python -m certcli` and the wheel."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certcli.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent


def test_missing_database_is_an_error(tmp_path, monkeypatch):
    from conftest import Cli

    monkeypatch.setenv("CERTCLI_DB", str(tmp_path / "nope.db"))
    result = Cli().fails("info")
    assert "certcli init" in result.stderr
    assert not (tmp_path / "nope.db").exists()


def test_db_option_wins_over_env(cli, tmp_path):
    other = tmp_path / "other.db"
    cli.ok("--db", other, "init")
    assert cli.json("--db", other, "info")["db"] == str(other)


def test_info_json(cli, db_path):
    data = cli.json("info")
    assert data["db"] == str(db_path)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["counts"]["candidates"] == 0


def test_errors_are_one_line_without_traceback(cli):
    result = cli.fails("dossier", "show", "2099-0001")
    assert "no dossier" in result.stderr


def test_usage_errors_exit_2(cli):
    cli.fails(
        "candidate", "add", "--first-name", "A", "--last-name", "B", "--date", "31/02/2026", code=2
    )


def test_backup_is_a_consistent_copy(cli, tmp_path):
    from builders import add_candidate

    add_candidate(cli)
    dest = tmp_path / "copy.db"
    cli.ok("backup", dest)
    assert Store(dest).scalar("SELECT count(*) FROM candidates") == 1
    assert "exists" in cli.fails("backup", dest).stderr


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from certcli.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('jinja2', 'weasyprint', 'babel', 'sqlite_utils', 'rich', 'openpyxl', "
        "'icalendar', 'dateutil.relativedelta', 'stdnum', 'schwifty') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "HEAVY:", f"--help imported {out}"


def test_python_m_certcli_runs(tmp_path):
    env = {**os.environ, "CERTCLI_DB": str(tmp_path / "p.db")}
    run = subprocess.run(
        [sys.executable, "-m", "certcli", "init", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["created"] is True


@pytest.mark.parametrize("args", [["--help"], ["candidate", "--help"], ["dossier", "--help"]])
def test_help_texts(cli, args):
    assert "Usage" in cli.ok(*args).stdout


def test_sub_command_help_is_plain_and_keeps_defaults(cli):
    out = cli.ok("dossier", "check", "--help").stdout
    assert "[default: today]" in " ".join(out.split()) and "╭" not in out


@pytest.mark.parametrize(
    "args",
    [
        ["info", "--json"],
        ["dossier", "list", "--json"],
        ["candidate", "list", "--search", "dupont", "--json"],
    ],
)
def test_simple_reads_do_not_import_heavy_modules(cli, db_path, args):
    """Reads that print JSON pay for none of rich, Jinja2, Babel, WeasyPrint, sqlite-utils,
    nor for the checksum libraries of the body's numbers (stdnum, schwifty)."""
    code = (
        "import sys\nfrom certcli.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('jinja2', 'weasyprint', 'babel', 'sqlite_utils', 'rich', "
        "'stdnum', 'schwifty') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))"
    )
    env = {**os.environ, "CERTCLI_DB": str(db_path)}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_running_a_command_builds_only_that_command():
    """Typer resolves every parameter of a command it builds: one run builds the one
    command it runs, not the noun's twenty nor the top-level verbs."""
    import typer.main
    from typer._click import Context

    from certcli.cli import app

    root = typer.main.get_command(app)
    ctx = Context(root)
    dossier = root.get_command(ctx, "dossier")
    assert dossier.get_command(ctx, "show").name == "show"
    assert list(root.commands) == ["dossier"] and list(dossier.commands) == ["show"]
    # Listing (for --help and completion) still names every command, in order.
    names = dossier.list_commands(ctx)
    assert names[:3] == ["add", "list", "show"] and "interview-held" in names
    assert root.list_commands(ctx)[:2] == ["init", "info"] and "dossier" in root.list_commands(ctx)
    assert root.get_command(ctx, "no-such-noun") is None


def test_realistic_mistakes_are_errors_not_crashes(cli, tmp_path):
    assert "too large" in cli.fails("candidate", "show", "99999999999999999999").stderr
    assert (
        "cannot write"
        in cli.fails("candidate", "export", "--out", tmp_path / "missing" / "x.csv").stderr
    )
    assert "cannot write the backup" in cli.fails("backup", "/proc/nope/copy.db").stderr


def test_wheel_carries_data_and_templates_where_paths_look():
    """pyproject's force-include puts data/ and templates/ inside the package, under
    the names certcli.rules.paths looks for once installed (no checkout beside it)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included == {"data": "certcli/data", "templates": "certcli/templates"}
    assert (ROOT / "data" / "schemes" / "ECO.toml").is_file()
    assert (ROOT / "templates" / "notification.html").is_file()
