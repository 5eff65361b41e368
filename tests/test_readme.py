"""The README's transcripts run as written, so the README cannot drift from the tool.

Every ```console block of README.md is a transcript. The blocks run in order, in one
fresh folder (the current directory of the run), so `--db demo.db`, `export
CERTCLI_DB=office.db` and `letters/...` mean what they mean in a real shell. The
convention, also stated in the README's Development section:

- `$ certcli ...` is a command; a line ending with `\\` continues on the next one;
  `# ...` after the command is a comment. `$ export CERTCLI_DB=PATH` sets the database
  for the commands that follow (until the end of the README).
- The lines under a command are its whole output (stdout and stderr), compared exactly
  after stripping the spaces at both ends; a command shown with no lines prints nothing.
  `...` stands for any number of lines (a shortened output).
- A rich table (lines drawn with box characters) depends on the terminal's width: the
  output must hold a table at that place, and every cell text the README shows must
  appear in it.
- A command whose shown output has a line starting with `Error: ` must exit 1, any other
  must exit 0.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _box(char: str) -> bool:
    return "\u2500" <= char <= "\u257f"  # Unicode's box-drawing block


@dataclass
class Step:
    line: int  # README line of the `$`, for the failure message
    command: str
    expected: list[str] = field(default_factory=list)


def transcript_blocks(text: str) -> list[list[Step]]:
    """The ```console blocks of a Markdown text, each a list of steps."""
    blocks, current, lines = [], None, text.splitlines()
    index = 0
    while index < len(lines):
        raw = lines[index]
        if current is None:
            if raw.strip() == "```console":
                current = []
        elif raw.strip() == "```":
            blocks.append(current)
            current = None
        elif raw.startswith("$ "):
            command, start = raw[2:], index
            while command.endswith("\\"):
                index += 1
                command = command[:-1].rstrip() + " " + lines[index].strip()
            current.append(Step(start + 1, command.strip()))
        elif current and raw.strip():
            current[-1].expected.append(raw)
        elif raw.strip():
            raise AssertionError(f"README line {index + 1}: output before any `$` command")
        index += 1
    assert current is None, "unclosed ```console block in README.md"
    return blocks


def _is_table(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and _box(stripped[0])


def _cells(lines: list[str]) -> list[str]:
    cells = []
    for line in lines:
        for cell in re.split(r"[┃│║]", line):
            cell = _plain(cell)
            if cell and not all(_box(char) for char in cell):
                cells.append(cell)
    return cells


def _plain(line: str) -> str:
    # Babel's amounts hold no-break spaces ("480,00\u00a0€"): a README cannot show them.
    return line.replace("\u00a0", " ").replace("\u202f", " ").strip()


def _segments(lines: list[str]):
    """('text', line) | ('skip', None) | ('table', [lines]) in order."""
    segments = []
    for line in lines:
        if _is_table(line):
            if segments and segments[-1][0] == "table":
                segments[-1][1].append(line)
            else:
                segments.append(("table", [line]))
        elif line.strip() == "...":
            segments.append(("skip", None))
        else:
            segments.append(("text", _plain(line)))
    return segments


def _absent(cells: list[str], actual: list[str], start: int) -> tuple[list[str], int]:
    """The cells missing from the table that starts at `start`, and where it ends."""
    end = start
    while end < len(actual) and _is_table(actual[end]):
        end += 1
    text = "\n".join(_plain(line) for line in actual[start:end])
    return [cell for cell in cells if cell not in text], end


def match_output(expected: list[str], actual: list[str]) -> str | None:
    """None when `actual` fits the transcript lines `expected`, else what differs."""
    position, skipping = 0, False
    for kind, value in _segments(expected):
        if kind == "skip":
            skipping = True
            continue
        while True:
            if position >= len(actual):
                return f"missing {value!r}"
            if kind == "text" and _plain(actual[position]) == value:
                position += 1
                break
            if kind == "table" and _is_table(actual[position]):
                absent, end = _absent(_cells(value), actual, position)
                if not absent:
                    position = end
                    break
                if not skipping:
                    return f"table cells not in the output: {absent}"
                position = end  # after `...`, a later table may be the one shown
                continue
            if not skipping:
                shown = actual[position].strip()
                return f"expected {value!r}, got {shown!r}"
            position += 1
        skipping = False
    if not skipping and position < len(actual):
        return f"unexpected output from {actual[position].strip()!r}"
    return None


def _argv(step: Step) -> list[str] | None:
    words = shlex.split(step.command, comments=True)
    if words[:1] == ["export"]:
        return None
    assert words[:1] == ["certcli"], f"README line {step.line}: not a certcli command"
    return words[1:]


def test_the_transcript_convention_itself():
    """The matcher, on a known text: it must catch a drifted line or table cell."""
    text = (
        "```console\n$ certcli info \\\n    --json   # note\nA\n...\nC\n┏━━━┓\n┃ x ┃\n└───┘\n```\n"
    )
    [[step]] = transcript_blocks(text)
    assert (step.command, _argv(step)) == ("certcli info --json   # note", ["info", "--json"])
    wide = ["A", "B", "B2", "  C  ", "┏━━━━━━━┓", "┃ x  y  ┃", "└───────┘"]
    assert match_output(step.expected, wide) is None
    assert match_output(step.expected, ["A", "C", "┏━┓", "┃ z ┃"]) is not None
    assert match_output(step.expected, ["A", "D"]) is not None
    assert match_output(step.expected, [*wide, "extra"]) is not None
    assert match_output(["A"], ["B", "A"]) is not None
    # After `...`, the table shown is the one holding its cells, not just the next one.
    two = ["T", "┏━┓", "┃ a ┃", "┗━┛", "U", "┏━┓", "┃ x ┃", "┗━┛"]
    assert match_output(["...", "┃ x ┃"], two) is None
    assert match_output(["T", "┃ x ┃"], two) is not None
    assert match_output([], []) is None and match_output([], ["x"]) is not None


def test_readme_transcripts_run_as_written(tmp_path, monkeypatch):
    from conftest import Cli

    monkeypatch.chdir(tmp_path)
    # A fresh machine: no database until the README makes one.
    monkeypatch.setenv("CERTCLI_DB", str(tmp_path / "no-database-selected.db"))
    monkeypatch.setenv("COLUMNS", "250")  # long sentences do not fold
    cli = Cli()
    blocks = transcript_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3, "the README lost its transcripts"
    failures = []
    for block in blocks:
        for step in block:
            argv = _argv(step)
            if argv is None:
                name, _, value = shlex.split(step.command)[1].partition("=")
                assert name == "CERTCLI_DB", f"README line {step.line}: export {name}?"
                monkeypatch.setenv(name, value)
                continue
            result = cli(*argv)
            if result.exception and not isinstance(result.exception, SystemExit):
                raise result.exception
            wants_error = any(line.strip().startswith("Error: ") for line in step.expected)
            lines = result.output.splitlines()
            problem = match_output(step.expected, lines)
            if result.exit_code != (1 if wants_error else 0):
                problem = f"exit status {result.exit_code}" + (f"; {problem}" if problem else "")
            if problem:
                failures.append(
                    f"README line {step.line}: $ {step.command}\n  {problem}\n"
                    + "\n".join(f"  | {line}" for line in lines)
                )
    if failures:
        pytest.fail("the README has drifted from the tool:\n" + "\n".join(failures), pytrace=False)


def _apt_packages(text: str) -> set[str]:
    """The packages of the first `apt-get install` (continuation lines joined)."""
    start = text.index("apt-get install") + len("apt-get install")
    command = re.split(r"&&|>|\n", text[start:].replace("\\\n", " "))[0]
    return {word for word in command.split() if not word.startswith("-")}


def test_ci_runs_the_readme_test_command_and_both_install_the_same_packages():
    readme = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    demo = re.search(r"\*\*Try it\*\*.*?```sh\n(.+?)\n```", readme, re.S).group(1)
    test_command = re.search(r"\*\*Run the tests\*\*.*?```sh\n(.+?)\n```", readme, re.S).group(1)
    # Each works on its own on a fresh machine: both start with the system packages.
    packages = _apt_packages(test_command)
    assert {"python3-venv", "libpango-1.0-0", "libharfbuzz-subset0"} <= packages
    # The tests also need Debian's chromium (the public site in a browser); the demo does not.
    assert "chromium" in packages
    assert _apt_packages(demo) == packages - {"chromium", "libatomic1"}
    assert demo.startswith("apt-get update") and test_command.startswith("apt-get update")
    assert "certcli --db demo.db demo" in demo and "pytest" in test_command
    # The README's command runs as it is; the PostgreSQL half (issue 17) follows it.
    lines = ci.rstrip().splitlines()
    assert test_command in lines
    assert "CERTCLI_TEST_DB=postgresql" in "\n".join(lines[lines.index(test_command) :])
    # CI installs chromium before the test command and requires the browser tests to run.
    before = "\n".join(lines[: lines.index(test_command)])
    assert "apt-get install -y --no-install-recommends chromium" in before
    assert "export CERTCLI_TEST_BROWSER=required" in before
