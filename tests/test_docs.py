"""Every command has help text with an example, and the README names it."""

from pathlib import Path

import typer.main

from certcli.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _walk(command, ctx, path=()):
    names = command.list_commands(ctx) if hasattr(command, "list_commands") else []
    if not names:
        yield path, command
        return
    for name in names:
        sub = command.get_command(ctx, name)
        yield from _walk(sub, ctx, (*path, name))


def _leaves():
    root = typer.main.get_command(app)
    ctx = root.make_context("certcli", ["--help"], resilient_parsing=True)
    return list(_walk(root, ctx))


def test_every_command_has_help_with_an_example():
    missing = [
        " ".join(path)
        for path, cmd in _leaves()
        if "not built" not in (cmd.help or "") and "Example:" not in (cmd.help or "")
    ]
    assert missing == []


def test_readme_names_every_command():
    missing = [
        " ".join(path)
        for path, cmd in _leaves()
        if "not built" not in (cmd.help or "") and f"certcli {' '.join(path)}" not in README
    ]
    assert missing == []
