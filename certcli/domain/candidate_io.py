"""CSV import and CSV/JSON export of the candidate register."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.domain import candidates, exports
from certcli.domain.candidates import FIELDS, clean
from certcli.domain.exports import restore
from certcli.errors import CertcliError, ValidationError
from certcli.records import dataclass, field

if TYPE_CHECKING:
    from certcli.store import Store


# Accept the column names a secretariat is likely to type, French included.
ALIASES = {
    "prenom": "first_name",
    "prénom": "first_name",
    "first name": "first_name",
    "nom": "last_name",
    "last name": "last_name",
    "civilite": "civility",
    "civilité": "civility",
    "date_naissance": "birth_date",
    "date de naissance": "birth_date",
    "mail": "email",
    "courriel": "email",
    "telephone": "phone",
    "téléphone": "phone",
    "adresse": "address",
    "code_postal": "postcode",
    "code postal": "postcode",
    "ville": "city",
    "statut": "status",
    "specialite": "specialties",
    "spécialité": "specialties",
    "specialty": "specialties",
    "employeur": "employer",
    "consentement": "directory_consent",
}


IGNORED = {"id", "created_on"}
# Bytes the encoding could not read, kept by errors="surrogateescape".
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass
class ImportResult:
    inserted: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"line", "name", "reason"}
    total: int = 0

    @property
    def all_rejected(self) -> bool:
        """Rows were read and not one could go in: the import failed."""
        return self.total > 0 and len(self.rejected) == self.total

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "inserted": len(self.inserted),
            "ids": self.inserted,
            "rejected": self.rejected,
        }


def _column(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    return ALIASES.get(key, key)


# A register of 100,000 people is ~20 MB of CSV: a bigger file is not a register.
MAX_FILE_BYTES = 50 * 1024 * 1024
# One cell longer than this is not a name or an address: its row is refused.
MAX_FIELD_CHARS = 128 * 1024
# Encodings a spreadsheet can be saved in; codecs such as idna, punycode or base64
# are not file encodings.
_NOT_FILE_ENCODINGS = {"idna", "punycode", "undefined", "raw_unicode_escape", "unicode_escape"}


def read_text(path: Path, encoding: str) -> str:
    """The text of a CSV file to import: a regular file of at most MAX_FILE_BYTES,
    decoded with `encoding` (undecodable bytes kept as surrogates, refused row by
    row later)."""
    import codecs
    import os
    import stat

    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ValidationError(f"unknown encoding {encoding!r}") from None
    if info.name in _NOT_FILE_ENCODINGS or not getattr(info, "_is_text_encoding", True):
        raise ValidationError(
            f"{encoding!r} is not a file encoding (use utf-8, cp1252, latin-1 or utf-16)"
        )
    try:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise ValidationError(f"{path} is not a regular file: give a CSV file")
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CertcliError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationError(
            f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB: "
            "split it, or check that it is the register"
        )
    wide = info.name.startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in raw[:65536]:
        raise ValidationError(
            f"{path.name} is not a CSV text file (it holds binary data; "
            "a UTF-16 file needs --encoding utf-16)"
        )
    try:
        return raw.decode(encoding, errors="surrogateescape")
    except (UnicodeError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        raise ValidationError(
            f"{path.name} cannot be read as {encoding} ({reason}): "
            "save it as UTF-8, or pass the encoding it was saved in"
        ) from None


def import_csv(
    store: Store,
    path: Path,
    *,
    date: dt.date,
    encoding: str = "utf-8",
    force: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Insert every good row in one transaction; report the others with reasons.

    Bytes that are not valid in `encoding` reject their row (not the file), so a
    spreadsheet saved half in Latin-1 still imports what can be read safely.
    """
    text = read_text(path, encoding)
    text = text.removeprefix("\ufeff")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # The reader's own limit (128 KiB) would abort the whole file on one long cell:
    # let it read any cell, and refuse the rows that hold one (_unreadable).
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    header = _header(reader, path)
    if not header:
        raise ValidationError(f"{path.name}: empty file or no header line")
    # `id` (and `created_on`) come with our own export: a new register numbers
    # its candidates itself, so they are read and ignored.
    columns = {name: _column(name) for name in header if _column(name) not in IGNORED}
    unknown = [n for n, c in columns.items() if c not in FIELDS]
    if unknown:
        raise ValidationError(
            f"{path.name}: unknown column(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    # Where each field is read in a row, as csv.DictReader would: a name given
    # twice takes its last column; an alias after its field's name wins.
    last = {name: i for i, name in enumerate(header)}
    fields = [(last[name], field) for name, field in columns.items()]
    with _no_cycle_collection():
        return _import_rows(
            store, reader, path, fields, date=date, encoding=encoding, force=force, dry_run=dry_run
        )


@contextmanager
def _no_cycle_collection():
    """An import builds hundreds of thousands of small dicts that live until its
    end and form no cycles: the cycle collector would walk them again and again
    (a tenth of the import's time) for nothing; reference counting still frees
    everything."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_rows(
    store: Store,
    reader,
    path: Path,
    fields: list[tuple[int, str]],
    *,
    date: dt.date,
    encoding: str,
    force: bool,
    dry_run: bool,
) -> ImportResult:
    result = ImportResult()
    # Every check that needs no register runs before the write lock is taken; the
    # duplicate checks and the INSERTs run inside the one transaction.
    checked: list[tuple[int, str, dict | str]] = []  # (line, name, record or reason)
    for row in _rows(reader, path):
        if not row:
            continue  # a blank line is no row (csv.DictReader skips it too)
        result.total += 1
        line = reader.line_num
        # Our exports neutralise formula-like cells ("'+33 6 ..."): taken back.
        width = len(row)
        values = {
            field: restore(v) if (v := row[i])[:1] == "'" else v for i, field in fields if i < width
        }
        label = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        reason = _unreadable(values, encoding)
        if reason:
            checked.append((line, label.encode("utf-8", "replace").decode()[:80], reason))
            continue
        try:
            checked.append((line, label, candidates.prepare(values, date=date)))
        except CertcliError as exc:
            checked.append((line, label, str(exc)))
    with store.transaction(), store.bulk_load(len(checked)):
        bulk = candidates.BulkInsert(
            store, [r for _, _, r in checked if isinstance(r, dict)], date=date, force=force
        )
        for line, label, record in checked:
            if isinstance(record, dict):
                try:
                    result.inserted.append(bulk.add(record))
                    continue
                except CertcliError as exc:
                    record = str(exc)
            result.rejected.append({"line": line, "name": label, "reason": record})
        bulk.write()
        store.audit(
            "candidate.import",
            "candidate",
            None,
            {"file": path.name, "inserted": len(result.inserted), "rejected": len(result.rejected)},
            date,
        )
        if dry_run or result.all_rejected:  # a failed import leaves no trace either
            raise _DryRun(result)
    return result


def _header(reader, path: Path) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise ValidationError(f"{path.name}: not a readable CSV header ({exc})") from None


def _rows(reader, path: Path):
    """The rows, a broken quote or line ending refusing the file with its line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ValidationError(
            f"{path.name}, line {reader.line_num}: not readable as CSV "
            f"({exc}); nothing was imported"
        ) from None


def _unreadable(values: dict, encoding: str) -> str | None:
    """Why a row cannot be taken as it is read: bytes not valid in the encoding, or
    a cell far longer than any name or address."""
    # One look at the whole row first: nearly every row is fine.
    joined = "".join(values.values())
    if len(joined) <= MAX_FIELD_CHARS and not _UNDECODED.search(joined):
        return None
    bad = [k for k, v in values.items() if _UNDECODED.search(v)]
    if bad:
        return (
            f"not valid {encoding} in {', '.join(bad)} "
            "(save the file as UTF-8 or pass --encoding cp1252)"
        )
    long = [k for k, v in values.items() if len(v) > MAX_FIELD_CHARS]
    if long:
        return (
            f"{', '.join(long)} longer than {MAX_FIELD_CHARS // 1024} KiB (is a quote left open?)"
        )
    return None


class _DryRun(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def import_csv_checked(
    store: Store,
    path: Path,
    *,
    date: dt.date,
    encoding: str = "utf-8",
    force: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """import_csv, where --dry-run rolls the whole transaction back."""
    try:
        return import_csv(store, path, date=date, encoding=encoding, force=force, dry_run=dry_run)
    except _DryRun as done:
        done.result.inserted = []
        return done.result


def export_rows(store: Store) -> Iterator[dict]:
    """The register, a candidate at a time, in the listing's order."""
    return (candidates.Candidate.from_row(r).to_dict() for r in store.iter_candidates())


def export(store: Store, fmt: str, *, excel: bool = False) -> exports.Table | Iterator[str]:
    """The whole register: JSON text, or a table for CSV/xlsx through exports (the CSV
    imports again, neutralised cells included); written as the rows are read."""
    if fmt == "json":
        if excel:
            raise ValidationError("--excel is for CSV files")
        return exports.json_text(export_rows(store))
    exports.check_options(exports.check_format(fmt, extra=("json",)), excel=excel)
    columns = ["id", *FIELDS]
    return exports.Table(
        columns,
        (
            [";".join(r["specialties"]) if k == "specialties" else r[k] for k in columns]
            for r in export_rows(store)
        ),
        title="candidats",
    )


__all__ = ["ImportResult", "clean", "export", "import_csv_checked"]
