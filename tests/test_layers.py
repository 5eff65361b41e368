"""The layers hold, read from the source: no SQL outside certcli/store, one rule in one
place, arrows one way."""

from __future__ import annotations

import ast
import re
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "certcli" / "domain"


def _tree(name: str) -> ast.Module:
    return ast.parse((DOMAIN / f"{name}.py").read_text(encoding="utf-8"))


def _imported(tree: ast.Module) -> set[str]:
    """The certcli.domain modules a module imports, at any depth (function level too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "certcli.domain":
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("certcli.domain."):
            found.add(node.module.split(".")[2])
    return found


def test_only_agenda_place_puts_a_dossier_on_an_agenda():
    """Award and appeal agendas and the CQPT transmission all go through agenda.place."""
    writers = []
    for path in sorted(DOMAIN.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "insert"
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                        and call.args[0].value == "agenda_items"
                    ):
                        writers.append(f"{path.stem}.{node.name}")
    assert writers == ["agenda.place"]


def test_appeals_do_not_import_the_decisions():
    """decisions uses the appeal deadline; appeals know nothing of decisions (no
    circle hidden in a function-level import)."""
    assert "appeals" in _imported(_tree("decisions"))
    assert not {"decisions", "agenda", "sessions"} & _imported(_tree("appeals"))


def test_dossier_view_sits_above_the_stages():
    """dossier_view imports the stages by name; dossiers (below them) imports none of
    them and nothing by string."""
    stages = {"instruction", "decisions", "cqpt"}
    assert stages <= _imported(_tree("dossier_view"))
    assert not stages & _imported(_tree("dossiers"))
    for path in DOMAIN.glob("*.py"):
        assert "importlib" not in path.read_text(encoding="utf-8"), path.name


ROOT = Path(__file__).resolve().parent.parent


# -- SQL only in the store ---
def test_domain_and_cli_modules_hold_no_sql():
    sql = re.compile(r"[\"'](SELECT|INSERT|UPDATE|DELETE) ")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "certcli").rglob("*.py"))
        if "store" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if sql.search(line)
    ]
    assert offenders == []
