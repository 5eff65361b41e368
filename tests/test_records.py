"""certcli.records.dataclass: the standard dataclass, its methods written when first used.

Each check builds the same classes with the standard decorator and with certcli's,
and compares what they do."""

from __future__ import annotations

import ast
import copy
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certcli import records

ROOT = Path(__file__).resolve().parent.parent


def _classes(decorator, field=dataclasses.field):
    @decorator(frozen=True)
    class Point:
        x: int
        tags: tuple = field(default_factory=tuple)

    @decorator(frozen=True)
    class Labelled(Point):
        label: str = "none"

        def __repr__(self):
            return f"<{self.label}>"

    @decorator
    class Box:
        size: int = 3
        items: list = field(default_factory=list)

        def total(self):
            return self.size * 2

    @decorator(frozen=True)
    class Own:
        n: int

        def __eq__(self, other):
            return isinstance(other, Own) and self.n % 10 == other.n % 10

    return Point, Labelled, Box, Own


def _behaviour(Point, Labelled, Box, Own):
    seen = []
    point = Point(1)
    seen += [repr(point), point == Point(1), point == Point(2), hash(point) == hash(Point(1))]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x
    labelled = Labelled(1, (2,), "a")
    seen += [repr(labelled), labelled == Labelled(1, (2,), "a"), hash(labelled) == hash(labelled)]
    seen += [[f.name for f in dataclasses.fields(Labelled)], dataclasses.asdict(labelled)]
    seen += [dataclasses.replace(labelled, x=5).x, dataclasses.is_dataclass(Labelled)]
    seen += [copy.deepcopy(labelled) == labelled, copy.copy(Box()) == Box()]
    box = Box()
    box.items.append(1)
    seen += [repr(box), box == Box(3, [1]), box.total(), Box().items, Box.size]
    with pytest.raises(TypeError, match="unhashable type: 'Box'"):
        hash(box)
    seen += [Own(11) == Own(21), hash(Own(1)) == hash(Own(1)), repr(Own(4))]
    seen += [repr(Point.__init__.__annotations__), Point.__doc__, Box.__doc__]
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    return seen


def test_same_behaviour_as_the_standard_decorator():
    standard = _behaviour(*_classes(dataclasses.dataclass))
    lazy = _behaviour(*_classes(records.dataclass, records.field))
    assert [str(s).replace("records", "X") for s in lazy] == [
        str(s).replace("records", "X") for s in standard
    ]


def test_nothing_is_written_until_first_use():
    Point, Labelled, Box, Own = _classes(records.dataclass, records.field)
    assert {Point, Labelled, Box, Own} <= set(records._PENDING)
    Point(1)
    assert Point not in records._PENDING
    # Asking for the fields makes the class, and its base first.
    assert [f.name for f in dataclasses.fields(Labelled)] == ["x", "tags", "label"]
    assert Labelled not in records._PENDING
    assert vars(Labelled)["__init__"].__code__.co_filename == "<string>"  # the standard one


def test_the_catalog_read_from_its_cache_makes_no_class(tmp_path):
    """The scheme catalog's cache holds instances of the body's records: they are read
    back without making their classes (54 methods not compiled by `info`)."""
    code = (
        "from certcli import records\n"
        "from certcli.rules import bodies, schemes\n"
        "catalog = schemes.catalog()\n"
        "assert catalog and all(s.body.legal.name for s in catalog.values())\n"
        "print(sorted(c.__name__ for c in records._PENDING if c.__module__ == bodies.__name__))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    again = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "Body" not in first.stdout  # parsed from the files: built
    assert "'Body'" in again.stdout and "'LegalIdentity'" in again.stdout


def test_certcli_uses_the_lazy_decorator():
    """Every certcli record goes through certcli.records (its dataclass, field, asdict,
    fields, replace): the standard decorator would compile its methods at import, 0.75
    M instructions each, on every command, and `dataclasses` itself is loaded only
    when a record class is made."""
    wrong = []
    for path in sorted((ROOT / "certcli").rglob("*.py")):
        if path.name == "records.py" and path.parent.name == "certcli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "dataclasses":
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name == "dataclasses" for a in node.names):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "dataclass":
                if getattr(node.value, "id", None) == "dataclasses":
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []


def test_the_methods_code_is_kept_from_one_run_to_the_next(tmp_path):
    """The second run reads each method's code from the cache folder instead of
    compiling it; a changed class compiles again."""
    code = (
        "from certcli import records\n"
        "compiled = []\n"
        "real = records._Compiled.exec\n"
        "def exec_(self, text, g=None, l=None):\n"
        "    compiled.append(text not in self.codes)\n"
        "    return real(self, text, g, l)\n"
        "records._Compiled.exec = exec_\n"
        "from certcli.domain.dossiers import Dossier\n"
        "d = Dossier(1, 'R', 2, 'ECO', 'initial', 'open', '2026-01-01')\n"
        "assert repr(d).startswith('Dossier(id=1, ') and d == Dossier(**vars(d))\n"
        "print(sum(compiled), len(compiled))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    again = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["3", "3"]  # __init__, __repr__, __eq__
    assert again.stdout.split() == ["0", "3"]
    (stored,) = (tmp_path / "certcli" / "records").iterdir()
    assert stored.name.startswith("certcli.domain.dossiers.Dossier.")
