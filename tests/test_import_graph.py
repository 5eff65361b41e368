"""The layout's arrows, read from the source: rules <- domain <- letters <- cli, the
store below the domain, and no import cycle, function-level imports included.

Every certcli module is parsed with `ast` (nothing is imported), and every import
in it counts, wherever it stands: at the top, inside a function, under
`if TYPE_CHECKING:`, or an `importlib.import_module` by string. A cycle hidden by
a function-level import is still a cycle: each module of it needs the other to
mean anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "certcli"

# What each layer must never import (certcli.errors and certcli.rules are below all).
FORBIDDEN = {
    "rules": {"domain", "letters", "cli", "store", "demo"},
    "domain": {"letters", "cli", "demo"},
    "letters": {"cli", "demo"},
    "store": {"domain", "letters", "cli", "demo"},
}
# Package __init__ files that stay empty: importing certcli.rules.dates must not
# load the rest of the package (start-up).
EMPTY_PACKAGES = ("rules", "domain", "letters")


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the certcli package under `root`, by dotted name."""
    found = {}
    for path in sorted((root / "certcli").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _dynamic_prefix(node: ast.Call) -> str | None:
    """The package an `importlib.import_module(f"certcli.x.{...}")` reaches into."""
    arg = node.args[0] if node.args else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return str(arg.values[0].value).rstrip(".") + ".*"
    return "?"  # a name the source does not show: refused below


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The certcli modules `name` imports, anywhere in its source (`certcli.pkg.*`
    for an `import_module(f"certcli.pkg.{...}")`, "?" for a name it does not show)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
        ):
            found.add(_dynamic_prefix(node))
    return {m for m in found if (m == "certcli" or m.startswith("certcli.") or m == "?")} - {name}


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Each module's imports as written; `certcli.pkg.*` stands for a dynamic one."""
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def expand(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """A dynamic import of `certcli.pkg.{...}` counts as an import of every module of
    certcli.pkg: the source cannot say which."""
    return {
        source: {
            module
            for target in targets
            for module in (
                [m for m in edges if m.startswith(target[:-1]) and m != source]
                if target.endswith(".*")
                else [target]
            )
        }
        for source, targets in edges.items()
    }


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules in order), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_graph_sees_function_level_and_dynamic_imports(tmp_path):
    # The reader itself: a function-level import and an import_module by f-string
    # are edges, an import of a third-party module is not.
    pkg = tmp_path / "certcli"
    (pkg / "domain").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "domain" / "__init__.py").write_text("")
    (pkg / "domain" / "a.py").write_text(
        "import json\n\ndef f():\n    from certcli.domain import b\n    return b\n"
    )
    (pkg / "domain" / "b.py").write_text(
        "import importlib\n\ndef g(x):\n    return importlib.import_module(f'certcli.domain.{x}')\n"
    )
    edges = expand(graph(tmp_path))
    assert edges["certcli.domain.a"] == {"certcli.domain.b"}
    assert "certcli.domain.a" in edges["certcli.domain.b"]
    assert _cycle(edges) in (
        ["certcli.domain.a", "certcli.domain.b", "certcli.domain.a"],
        ["certcli.domain.b", "certcli.domain.a", "certcli.domain.b"],
    )


def test_no_import_cycle():
    cycle = _cycle(expand(graph()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_by_a_name_the_source_does_not_show():
    unknown = sorted(name for name, targets in graph().items() if "?" in targets)
    assert unknown == [], f"import_module of a computed name in {unknown}"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_arrows_point_one_way(layer):
    wrong = sorted(
        f"{source} imports {target}"
        for source, targets in expand(graph()).items()
        if _layer(source) == layer
        for target in targets
        if _layer(target) in FORBIDDEN[layer]
    )
    assert wrong == []


@pytest.mark.parametrize("package", EMPTY_PACKAGES)
def test_package_init_stays_empty(package):
    assert (PACKAGE / package / "__init__.py").read_text(encoding="utf-8").strip() == ""


# Start-up (issue 20): what the everyday reads must not load. Each of these was once
# loaded by every command, and none is needed by that read: --help reads the nouns'
# help from certcli.cli.nouns and opens no database; a --json listing neither hashes
# (the journal), nor imports pickle (the catalog cache is marshal's), nor prints a table
# (rich).
_NOUNS = ast.parse((PACKAGE / "cli" / "nouns.py").read_text(encoding="utf-8")).body[-1]
NOUN_MODULES = {f"certcli.cli.{noun}" for noun in ast.literal_eval(_NOUNS.value)}
# The query modules of certcli.store, each imported when one of its queries is first
# used (store.QUERIES): a read loads those it queries, not the twenty (store.journal
# also holds the journal's writer, which store.base imports).
_STORE = ast.parse((PACKAGE / "store" / "__init__.py").read_text(encoding="utf-8"))
STORE_MODULES = {
    f"certcli.store.{entry.elts[0].value}"
    for node in _STORE.body
    if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "QUERIES"
    for entry in node.value.elts
} - {"certcli.store.journal"}
# No read on an SQLite file imports a PostgreSQL driver (store.base opens
# certcli.store.postgres, and psycopg2 with it, for a postgresql:// URL only).
DRIVERS = {"psycopg2", "psycopg", "certcli.store.postgres"}
NOT_LOADED = {
    "--help": {
        *DRIVERS,
        "sqlite3",
        "json",
        "decimal",
        "hashlib",
        "certcli.store",
        "certcli.rules.validators",
        *NOUN_MODULES,
    },
    "dossier list --json": {
        *DRIVERS,
        "json",  # its C parts only (certcli.rules.fastjson)
        "getpass",
        "hashlib",
        "decimal",
        "pickle",
        "rich",
        *(NOUN_MODULES - {"certcli.cli.dossier"}),
        *(STORE_MODULES - {"certcli.store.dossiers", "certcli.store.candidates"}),
    },
    "candidate list --search dupont --json": {
        *DRIVERS,
        "json",
        "dataclasses",  # no record made (certcli.records)
        "getpass",
        "unicodedata",
        "hashlib",
        "decimal",
        "pickle",
        "rich",
        *(NOUN_MODULES - {"certcli.cli.candidate"}),
        *(STORE_MODULES - {"certcli.store.candidates"}),
    },
    "dossier show {ref} --json": {
        *DRIVERS,
        "pickle",  # the catalog's cache is marshal's
        "json",
        "rich",
        "jinja2",
        "babel",
        "hashlib",
        "certcli.letters",
        # the History table's sentences; the stages' parts that do not apply (the first
        # dossier is no CQPT one), and the modules only a decision being recorded needs
        *(
            f"certcli.domain.{m}"
            for m in ("audit_trail", "cqpt", "attendance", "dues", "agenda", "sessions")
        ),
        # what instruction and decisions import only to record a step (the expert
        # opinions and the last eligibility verdict are read by certcli.domain.dossiers)
        *(f"certcli.domain.{m}" for m in ("eligibility", "instructors", "appeals")),
        *(f"certcli.domain.{m}" for m in ("experiences", "companies")),
        *(NOUN_MODULES - {"certcli.cli.dossier"}),
        *(
            STORE_MODULES
            - {f"certcli.store.{m}" for m in ("dossiers", "instruction", "commissions")}
            - {f"certcli.store.{m}" for m in ("certificates", "invoices", "sepa")}
        ),
    },
    "info --json": {
        "rich",
        "hashlib",
        "pickle",
        "json",
        *DRIVERS,
        *NOUN_MODULES,
        *STORE_MODULES,
    },
}
# Reads whose modules are checked for patterns compiled at import.
READS = [*NOT_LOADED, "dossier show {ref}"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    import os
    import subprocess
    import sys

    db = tmp_path_factory.mktemp("startup") / "demo.db"
    env = {**os.environ, "CERTCLI_DB": str(db)}
    subprocess.run(
        [sys.executable, "-m", "certcli", "demo", "--date", "2026-11-25", "--json"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return db


def loaded_by(command: str, db: Path) -> set[str]:
    """The modules `certcli COMMAND` has loaded when it ends (a fresh process)."""
    import os
    import sqlite3
    import subprocess
    import sys

    ref = sqlite3.connect(db).execute("SELECT ref FROM dossiers ORDER BY id").fetchone()[0]
    code = (
        "import sys\nfrom certcli.cli import main\n"
        f"sys.argv = ['certcli', *{command.format(ref=ref).split()!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('MODULES:' + ' '.join(sorted(sys.modules)) + '\\n')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "CERTCLI_DB": str(db), "COLUMNS": "120"},
        capture_output=True,
        text=True,
    )
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("MODULES:"), run.stderr
    return set(last.removeprefix("MODULES:").split())


def test_dossier_show_json_makes_no_record(demo_db):
    """`dossier show --json` tells the dossier, its completeness, invoices and granted
    certificate from their rows: once the catalog's cache is written (by the first run),
    it makes no record class, so `dataclasses` is not even imported."""
    loaded_by("dossier show {ref} --json", demo_db)  # a first run writes the caches
    assert "dataclasses" not in loaded_by("dossier show {ref} --json", demo_db)


@pytest.mark.parametrize("command", sorted(NOT_LOADED))
def test_a_read_loads_only_what_it_needs(command, demo_db):
    loaded = loaded_by(command, demo_db)
    assert sorted(NOT_LOADED[command] & loaded) == []
    assert "certcli.cli.app" in loaded  # the check saw a real run


def compiled_at_import(path: Path) -> list[int]:
    """The lines of `path` that compile a pattern when the module is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top = [n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    return sorted(
        node.lineno
        for statement in top
        for node in ast.walk(statement)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "compile"
        and getattr(node.func.value, "id", None) == "re"
    )


def test_compiled_at_import_sees_module_level_patterns_only(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import re\nA = re.compile('a')\n\ndef f():\n    return re.compile('b')\n"
        "class C:\n    B = re.compile('c')\n"
    )
    assert compiled_at_import(source) == [2, 7]


def test_no_read_compiles_patterns_at_import(demo_db):
    """Compiling a regular expression costs about as much as importing a small module:
    a module on a read's path keeps its patterns as text, compiled by `re` (and cached
    there) when first used."""
    known = modules()
    loaded = set().union(*(loaded_by(command, demo_db) for command in READS))
    wrong = {
        name: lines
        for name in sorted(loaded & set(known))
        if (lines := compiled_at_import(known[name]))
    }
    assert wrong == {}


def test_the_start_up_modules_are_frozen_and_the_collector_runs(demo_db):
    """certcli.cli imports Typer and the root app with the cyclic collector paused, and
    main() freezes what they made (gc.freeze): the collector no longer walks those
    objects, during the command nor at exit (about 30 million instructions a run).
    The command itself runs with the collector on."""
    import os
    import subprocess
    import sys

    code = (
        "import gc, sys\n"
        "enabled_before = gc.isenabled()\n"
        "from certcli.cli import app, main\n"
        "from certcli.cli import common\n"
        "seen = []\n"
        "real = common.store\n"
        "def store(**kw):\n"
        "    seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
        "    return real(**kw)\n"
        "common.store = store\n"
        "sys.argv = ['certcli', 'dossier', 'list', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(f'GC:{enabled_before} {seen} {gc.get_freeze_count()}\\n')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "CERTCLI_DB": str(demo_db)},
        capture_output=True,
        text=True,
    )
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("GC:True [(True, "), run.stderr
    frozen, at_exit = last.split("(True, ")[1].split(")] ")
    assert int(frozen) > 10_000
    # What the command loaded is frozen too once it is over: the collections at exit
    # do not walk it.
    assert int(at_exit) > int(frozen)


@pytest.mark.parametrize("command", ["dossier show {ref} --json", "dossier list --json"])
def test_json_output_compiles_no_pattern_for_plain_text(command, demo_db):
    """--json escapes DEL, the C1 and the bidirectional controls through a pattern
    compiled (2.4 M instructions) only when the text holds one: the demo office's
    output holds none."""
    import os
    import sqlite3
    import subprocess
    import sys

    ref = sqlite3.connect(demo_db).execute("SELECT ref FROM dossiers ORDER BY id").fetchone()[0]
    code = (
        "import re, sys\nfrom certcli.cli import common, main\n"
        f"sys.argv = ['certcli', *{command.format(ref=ref).split()!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(f'RAW:{any(common._JSON_RAW in k for k in re._cache)}\\n')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "CERTCLI_DB": str(demo_db)},
        capture_output=True,
        text=True,
    )
    assert run.stderr.strip().splitlines()[-1] == "RAW:False", run.stderr


# Dossiers of every kind `dossier show --json` tells differently: a refused one not yet
# appealed (its appeal deadline), a granted CQPT one (the CQPT stage), an incomplete one.
SHOWN = {
    "refused": "d.decision = 'refused' AND d.scheme <> 'CQPT' AND NOT EXISTS "
    "(SELECT 1 FROM appeals a WHERE a.dossier_id = d.id)",
    "cqpt": "d.scheme = 'CQPT' AND d.status = 'granted'",
    "incomplete": "d.status = 'incomplete'",
}


@pytest.mark.parametrize("kind", sorted(SHOWN))
def test_every_kind_of_dossier_shown_loads_only_what_it_needs(kind, demo_db):
    """Whatever the dossier, `dossier show --json` imports no json (fastjson), no
    dateutil (an appeal deadline is dates.add_months), no pickle, and makes no record
    class once the catalog's cache is written (the appeal deadline is told without its
    Deadline record, the completeness without its Missing ones)."""
    import sqlite3

    ref = (
        sqlite3.connect(demo_db)
        .execute(f"SELECT d.ref FROM dossiers d WHERE {SHOWN[kind]} ORDER BY d.id")
        .fetchone()[0]
    )
    command = f"dossier show {ref} --json"
    loaded_by(command, demo_db)  # a first run writes the caches
    loaded = loaded_by(command, demo_db)
    assert sorted({"json", "dateutil", "pickle", "dataclasses", "rich"} & loaded) == []
