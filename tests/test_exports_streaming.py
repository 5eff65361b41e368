"""The exports write row by row (issue 20): the same bytes as the in-memory writer
they replaced, to stdout and to --out, and no file at all when one fails."""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile

import pytest

# (command, options): every export and format of a demo office.
EXPORTS = [
    ("candidate", ()),
    ("candidate", ("--excel",)),
    ("candidate", ("--format", "json")),
    ("candidate", ("--format", "xlsx")),
    ("dossier", ()),
    ("dossier", ("--excel",)),
    ("dossier", ("--format", "xlsx")),
    ("certificate", ("--as-of", "2026-11-25")),
    ("certificate", ("--as-of", "2026-11-25", "--excel")),
    ("certificate", ("--as-of", "2026-11-25", "--format", "xlsx")),
    ("invoice", ()),
    ("invoice", ("--excel",)),
    ("invoice", ("--year", "2026", "--format", "fec")),
    ("invoice", ("--format", "xlsx")),
    ("directory", ("--as-of", "2026-11-25")),
    ("directory", ("--as-of", "2026-11-25", "--excel")),
    ("directory", ("--as-of", "2026-11-25", "--format", "json")),
    ("directory", ("--as-of", "2026-11-25", "--format", "xlsx")),
]


def _digest(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        # A workbook: its sheets and strings (the zip's dates and docProps' creation
        # time change from one run to the next).
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            data = b"".join(
                name.encode() + book.read(name)
                for name in sorted(book.namelist())
                if not name.startswith("docProps/")
            )
    return hashlib.sha256(data).hexdigest()[:16]


def _key(noun, options):
    return " ".join((noun, *options))


@pytest.fixture
def office(cli):
    cli.ok("demo", "--date", "2026-11-25", "--size", "60")
    return cli


def _outputs(office, tmp_path):
    found = {}
    for n, (noun, options) in enumerate(EXPORTS):
        target = tmp_path / f"export{n}"
        office.ok(noun, "export", *options, "--out", target)
        data = target.read_bytes()
        if "xlsx" not in options:
            shown = office.ok(noun, "export", *options).stdout_bytes
            assert shown.decode() == data.decode().rstrip("\n") + "\n"
        found[_key(noun, options)] = _digest(data)
    return found


# What the in-memory writer wrote for this office (SQLite and PostgreSQL alike), captured
# before the exports streamed.
EXPECTED = {
    "candidate": "869f3d9989158f32",
    "candidate --excel": "c3798f77ff75cab6",
    "candidate --format json": "1ca26b75ff56b89f",
    "candidate --format xlsx": "95c7f7daad2b6671",
    "dossier": "06d34c0c32060e1b",
    "dossier --excel": "db6519ab4f398227",
    "dossier --format xlsx": "d7d3ff3a1b6f207d",
    "certificate --as-of 2026-11-25": "c863654d035cfe26",
    "certificate --as-of 2026-11-25 --excel": "8fd35fa2c007f689",
    "certificate --as-of 2026-11-25 --format xlsx": "1484be37f49022c6",
    "invoice": "9ab8157d6681885c",
    "invoice --excel": "838714f2655a0a9e",
    "invoice --year 2026 --format fec": "01b654db9f3941f6",
    "invoice --format xlsx": "8222d94f79c9a52a",
    "directory --as-of 2026-11-25": "de6a320720e72040",
    "directory --as-of 2026-11-25 --excel": "53edd59a7fec7b9e",
    "directory --as-of 2026-11-25 --format json": "10c16f3beb83bd2b",
    "directory --as-of 2026-11-25 --format xlsx": "384ff2e7545ce6c0",
}


def test_exports_are_the_bytes_they_were(office, tmp_path):
    assert _outputs(office, tmp_path) == EXPECTED


def test_an_export_failing_midway_leaves_no_file(office, tmp_path, monkeypatch):
    from certcli.domain import candidates, exports
    from certcli.errors import CertcliError

    monkeypatch.setattr(exports, "_BATCH", 10)  # chunks written before the failure
    real = candidates.Candidate.from_row
    seen = []

    def failing(row):
        seen.append(row)
        if len(seen) == 35:
            raise CertcliError("the database went away")
        return real(row)

    monkeypatch.setattr(candidates.Candidate, "from_row", staticmethod(failing))
    # Where openpyxl keeps an xlsx sheet's rows until the workbook is saved.
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    target = tmp_path / "register.csv"
    for options in ((), ("--format", "json"), ("--format", "xlsx")):
        seen.clear()
        office.fails("candidate", "export", *options, "--out", target)
        assert not target.exists()
        assert list(tmp_path.glob("register.csv*")) == []
        assert list((tmp_path / "temp").iterdir()) == []  # removed now, not at exit


def test_an_export_never_overwrites_without_force(office, tmp_path):
    target = tmp_path / "dossiers.csv"
    target.write_text("kept\n")
    for options in ((), ("--format", "xlsx")):
        office.fails("dossier", "export", *options, "--out", target)
        assert target.read_text() == "kept\n"
    office.ok("dossier", "export", "--out", target, "--force")
    assert target.read_text().startswith("ref,candidate_id,")


def test_an_xlsx_export_needs_a_file(office):
    result = office.fails("candidate", "export", "--format", "xlsx")
    assert "give --out FILE" in result.stderr
    office.fails("invoice", "export", "--format", "xlsx", "--excel")
