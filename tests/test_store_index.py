"""certcli.store.Store imports each query module when one of its methods is first
asked for: the index it goes by (store.QUERIES) must name every method of every
query class, once."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import certcli.store as store_package
from certcli.store.base import BaseStore

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "certcli" / "store"


def _query_classes() -> dict[str, str]:
    """module -> its class that Store gathers (a class named ...Queries), read from the
    source."""
    found = {}
    for path in sorted(STORE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("Queries"):
                found[path.stem] = node.name
    return found


def test_every_query_class_is_indexed():
    indexed = {module: cls for module, cls, _ in store_package.QUERIES}
    assert indexed == _query_classes()


def test_the_index_names_each_class_s_methods():
    for module, cls_name, names in store_package.QUERIES:
        queries = getattr(importlib.import_module(f"certcli.store.{module}"), cls_name)
        own = {n for n in vars(queries) if not (n.startswith("__") and n.endswith("__"))}
        assert set(names.split()) == own, (
            f"{cls_name}: certcli/store/__init__.py's QUERIES must list its names, "
            f"{' '.join(sorted(own))}"
        )
        assert own.isdisjoint(vars(BaseStore)), cls_name


def test_no_name_in_two_query_classes():
    seen: dict[str, str] = {}
    for _, cls_name, names in store_package.QUERIES:
        for name in names.split():
            assert name not in seen, f"{name} in {seen.get(name)} and {cls_name}"
            seen[name] = cls_name


def test_a_query_joins_store_when_first_used(tmp_path):
    code = (
        "import sys\n"
        "from certcli.store import Store\n"
        f"s = Store({str(tmp_path / 'x.db')!r}, create=True)\n"
        "before = {m for m in sys.modules if m.startswith('certcli.store.')}\n"
        "assert s.count_dossiers() == 0 and s.pieces(1) == []\n"
        "assert s.candidate(1) is None\n"
        "after = {m for m in sys.modules if m.startswith('certcli.store.')}\n"
        "print(sorted(after - before))\n"
        "print([c.__name__ for c in Store.__mro__])\n"
        "try:\n    s.no_such_query\nexcept AttributeError as e:\n    print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CERTCLI_DB"}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    new, mro, missing = run.stdout.splitlines()
    assert "certcli.store.dossiers" in new and "certcli.store.candidates" in new
    assert "certcli.store.letters" not in new and "certcli.store.privacy" not in new
    # In the order of the index, as the static class has them.
    assert mro == str(["Store", "CandidateQueries", "DossierQueries", "BaseStore", "object"])
    assert missing == "'Store' object has no attribute 'no_such_query'"
