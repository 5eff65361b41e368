"""Hostile command lines for every command and option, read from the Typer app itself.

Each example picks a command, gives its required parameters (and some optional ones)
values of every hostile kind, and runs it on a copy of the demo office: no internal
error, no traceback, exit status 0, 1 or 2 only, stderr printable, and a refused call
(exit != 0) leaves every row unchanged. In CI the examples are few and derandomized
(fixed seed, under a minute); `pytest tests/test_cli_fuzz.py --fuzz-long` explores for
real (random seed, thousands of examples).
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import typer.main
from conftest import snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer._click import Context
from typer._click.types import IntRange
from typer.core import TyperGroup
from typer.testing import CliRunner

from certcli.cli import app

ROOT = Path(__file__).resolve().parent.parent

# Values of every hostile kind. No NUL byte: a shell cannot pass one in argv.
EMPTY = ["", " ", "\t"]
HUGE = ["x" * 100_000, "9" * 5000, "é" * 3000]
UNDECODABLE = ["caf\udce9", "\udcff\udcfe", "L\udce9a Martin"]  # surrogateescape'd bytes
CONTROL = ["\x1b[2J\x1b]0;pwned\x07", "a\nb", "a\rb", "\x7f\x08\x0c", "\u202eevil", "\ufeffa"]
CALENDAR = [
    "9999-12-31",
    "0001-01-01",
    "2199-12-31",
    "1900-01-01",
    "29/02/2023",
    "31/04/2026",
    "2026-13-01",
    "00/00/0000",
    "2026-11-25",
    "1899-12-31",
]
NUMBERS = [
    "-1",
    "0",
    "1",
    "2",
    "3",
    "24",
    "99999999999999999999",
    "2147483648",
    "1.5",
    "0x10",
    "1e3",
]
AMOUNTS = [
    "1" * 28,
    "9" * 27 + ".99",
    "-0.00",
    "0.001",
    "1e3",
    "NaN",
    "Infinity",
    "1 234,56",
    "1_000",
    "€",
    "480.00",
    "0,01",
    "999999999.99",
    "1000000000",
]
PATHS = [
    "/",
    "",
    ".",
    "..",
    "../x",
    "./",
    "a/../../b",
    "sub/dir/file.csv",
    "x" * 300,
    "é" * 200,
    "~",
    "-",
    "--",
    "file with spaces.csv",
    "*.csv",
]
READ_ONLY_PATHS = ["/dev/zero", "/dev/null", "/proc/self/mem"]
SEARCH = [
    "%",
    "_",
    '"',
    "*",
    "'",
    "a%b",
    "\\",
    "NEAR(a b)",
    "a OR b",
    "(",
    '"unclosed',
    "^",
    "' OR 1=1 --",
]
PLAUSIBLE = [
    "1",
    "2",
    "ECO",
    "PROG",
    "CQPT",
    "2026-0001",
    "2026-0002",
    "F-2026-00001",
    "ECO-2026-0001",
    "Martin",
    "Léa",
    "cheque",
    "html",
    "pdf",
    "csv",
    "json",
    "refus",
    "notification",
    "award",
    "appeal",
    "a@example.fr",
    "+33 6 12 34 56 78",
]
DB = "@DB@"  # the example's own database file, named when it runs
TEXT = EMPTY + HUGE + UNDECODABLE + CONTROL + SEARCH + PLAUSIBLE + CALENDAR + AMOUNTS


def commands() -> list[tuple[tuple[str, ...], object]]:
    """(path, click command) of every leaf command, walked from the Typer app."""
    root = typer.main.get_command(app)
    found = []

    def walk(group, path):
        ctx = Context(group, info_name=path[-1] if path else "certcli")
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            if isinstance(command, TyperGroup):
                walk(command, (*path, name))
            else:
                found.append(((*path, name), command))

    walk(root, ())
    return found


COMMANDS = commands()
# Commands whose normal run is long whatever the input (a synthetic office, a PDF
# batch): they are fuzzed with their size options bounded.
SLOW_VALUES = {("demo", "size"): ["0", "1", "-1", "1000001", "2147483648"]}


def pool(path: tuple[str, ...], param) -> list[str]:
    """The hostile values for one parameter, by what it looks like."""
    name = (param.name or "").lower()
    if (path[0], name) in SLOW_VALUES:
        return SLOW_VALUES[(path[0], name)]
    kind = param.type
    choices = getattr(kind, "choices", None)
    if choices:
        return [*map(str, choices), *EMPTY, *UNDECODABLE, *CONTROL[:2], "nope"]
    if isinstance(kind, IntRange) or kind.name == "integer":
        return [*NUMBERS, *EMPTY, *UNDECODABLE[:1], *CONTROL[:1]]
    if any(
        word in name
        for word in (
            "date",
            "as_of",
            "until",
            "since",
            "start",
            "end",
            "birth",
            "at",
            "when",
            "day",
        )
    ):
        return [*CALENDAR, *EMPTY, *UNDECODABLE, *CONTROL[:2], *HUGE[:1]]
    if any(word in name for word in ("amount", "fee", "price", "score")):
        return [*AMOUNTS, *EMPTY, *UNDECODABLE[:1], *CONTROL[:1], *HUGE[:1]]
    if name in ("out", "dest", "output"):
        # Never a device or a system file here: with --force a writer replaces its target.
        return [*PATHS, *UNDECODABLE, *CONTROL[:2], DB, DB + "-wal"]
    if kind.name == "path" or name in ("path", "templates", "file"):
        return [*PATHS, *READ_ONLY_PATHS, *UNDECODABLE, *CONTROL[:2], DB]
    if "search" in name or name in ("query", "text"):
        return [*SEARCH, *EMPTY, *UNDECODABLE, *CONTROL, *HUGE[:1]]
    return TEXT


def plausible(path: tuple[str, ...], param) -> list[str]:
    """Sane values for the parameters around the one hostile value, so that calls get
    past the first check into the commands' own rules."""
    name = (param.name or "").lower()
    if (path[0], name) in SLOW_VALUES:
        return ["0"]
    choices = getattr(param.type, "choices", None)
    if choices:
        return list(map(str, choices))
    if isinstance(param.type, IntRange) or param.type.name == "integer":
        return ["1", "2", "3"]
    if any(
        word in name
        for word in (
            "date",
            "as_of",
            "until",
            "since",
            "start",
            "end",
            "birth",
            "at",
            "when",
            "day",
        )
    ):
        return ["2026-11-25", "2026-06-15", "2026-12-01"]
    if any(word in name for word in ("amount", "fee", "price", "score")):
        return ["480.00", "120", "15"]
    if name in ("out", "dest", "output"):
        return ["out.csv", "letters", "copy.db"]
    if param.type.name == "path" or name in ("path", "templates", "file"):
        return ["in.csv", "templates"]
    return PLAUSIBLE


@st.composite
def command_lines(draw) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    args = list(path)
    # Mostly one hostile value among sane ones (deeper into each command), sometimes
    # every value hostile (target -1).
    params = [p for p in command.params if p.name != "help"]
    target = draw(st.integers(-1, max(len(params) - 1, 0)))

    def value_for(param):
        hostile = target < 0 or params.index(param) == target
        return draw(st.sampled_from(pool(path, param) if hostile else plausible(path, param)))

    if not draw(st.integers(0, 9)):
        # The root's own option: a database path of every hostile kind.
        args = [
            "--db",
            draw(
                st.sampled_from([*PATHS, *READ_ONLY_PATHS, *UNDECODABLE, *CONTROL[:2], DB + "-wal"])
            ),
            *args,
        ]
    for param in params:
        if param.param_type_name == "option":
            if param.is_flag:
                if draw(st.booleans()):
                    args.append(param.opts[0])
                continue
            if not param.required and not draw(st.integers(0, 2)):
                continue
            flag = param.opts[0]
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                value = value_for(param)
                # Both spellings: `--opt value` and `--opt=value`.
                args += [f"{flag}={value}"] if draw(st.booleans()) else [flag, value]
        elif param.param_type_name == "argument":
            if not param.required and not draw(st.booleans()):
                continue
            count = param.nargs if param.nargs > 0 else draw(st.integers(1, 2))
            for _ in range(count):
                args.append(value_for(param))
    return args


@pytest.fixture(scope="module", autouse=True)
def _no_hypothesis_gc_callback():
    """Hypothesis times the garbage collector with a gc callback that stays installed;
    a letter's rendering time limit (an interval timer) firing inside it would be
    swallowed ("Exception ignored") in the tests that follow."""
    yield
    for callback in list(gc.callbacks):
        if getattr(callback, "__module__", "").startswith("hypothesis"):
            gc.callbacks.remove(callback)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The demo office, built once; each example runs on a fresh copy."""
    folder = tmp_path_factory.mktemp("fuzz-office")
    db = folder / "office.db"
    result = CliRunner().invoke(app, ["--db", str(db), "demo", "--date", "2026-11-25"])
    assert result.exit_code == 0, result.stderr
    gc.collect()  # the in-process run's connection
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file we copy
    conn.close()
    return db


def _printable(text: str) -> bool:
    return all(ch.isprintable() or ch in "\n " for ch in text)


def test_hostile_command_lines(office, tmp_path, monkeypatch, request):
    long_run = request.config.getoption("--fuzz-long")
    monkeypatch.chdir(tmp_path)  # relative --out paths land here
    monkeypatch.setenv("CERTCLI_DB", "")  # set per example below; restored after
    # One database name per example: a connection an earlier run left open removes
    # its own -wal when the collector closes it, never the current example's.
    counter = iter(range(10**9))
    runner = CliRunner()
    before = snapshot(office)  # every example starts from a copy of this
    seen = {"runs": 0, "exit": {0: 0, 1: 0, 2: 0}}
    started = time.monotonic()
    slowest: list = []

    def check(args: list[str]) -> None:
        for leftover in tmp_path.iterdir():
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
        work = tmp_path / f"office-{next(counter)}.db"
        shutil.copyfile(office, work)
        os.environ["CERTCLI_DB"] = str(work)
        args = [a.replace(DB, work.name) for a in args]
        began = time.monotonic()
        result = runner.invoke(app, args)
        slowest.append((time.monotonic() - began, [a[:40] for a in args]))
        seen["runs"] += 1
        shown = [a[:60] for a in args]
        assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.stderr[-500:])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            shown,
            repr(result.exception),
        )
        assert "internal error" not in result.stderr, (shown, result.stderr[-500:])
        assert "Traceback" not in result.stderr, (shown, result.stderr[-500:])
        assert _printable(result.stderr), (shown, result.stderr[-300:])
        seen["exit"][result.exit_code] += 1
        if result.exit_code == 1:
            assert result.stderr.strip().splitlines()[-1].startswith("Error: "), (
                shown,
                result.stderr[-300:],
            )
        if result.exit_code != 0:
            assert snapshot(work) == before, (shown, "a refused call wrote", result.stderr)

    run = settings(
        max_examples=4000 if long_run else 250,
        derandomize=not long_run,
        deadline=None,
        database=None,
        print_blob=long_run,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )(given(command_lines())(check))
    run()
    elapsed = time.monotonic() - started
    if long_run or os.environ.get("CERTCLI_FUZZ_REPORT"):
        print(f"fuzz: {seen} in {elapsed:.1f} s; slowest:")
        for took, args in sorted(slowest, key=lambda item: item[0])[-8:]:
            print(f"  {took:.2f} s  {args}")
    # Every kind of outcome was reached: a fuzzer that only ever hits usage errors
    # would prove nothing.
    assert seen["exit"][0] and seen["exit"][1] and seen["exit"][2], seen


def test_the_walk_sees_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {
        "init",
        "check",
        "backup",
        "candidate add",
        "candidate import",
        "dossier list",
        "commission decide",
        "letters render",
        "invoice pay",
    } <= names
    assert len(names) > 60
    with_params = [c for _, c in COMMANDS if c.params]
    assert sum(len(c.params) for c in with_params) > 300


def test_fuzz_values_reach_every_kind():
    values = {v for _, c in COMMANDS for p in c.params for v in pool(("x",), p)}
    for sample in ("", "caf\udce9", "9999-12-31", "1" * 28, "/", "%", "\x1b[2J\x1b]0;pwned\x07"):
        assert sample in values
    assert not any("\x00" in v for v in values)
    assert os.sep == "/"
