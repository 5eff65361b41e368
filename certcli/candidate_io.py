"""CSV import and CSV/JSON export of the candidate register."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from certcli import candidates
from certcli.candidates import FIELDS, clean
from certcli.errors import CertcliError, ValidationError

# Accept the column names a secretariat is likely to type, French included.
ALIASES = {
    "prenom": "first_name", "prénom": "first_name", "first name": "first_name",
    "nom": "last_name", "last name": "last_name", "civilite": "civility", "civilité": "civility",
    "date_naissance": "birth_date", "date de naissance": "birth_date", "mail": "email",
    "courriel": "email", "telephone": "phone", "téléphone": "phone", "adresse": "address",
    "code_postal": "postcode", "code postal": "postcode", "ville": "city", "statut": "status",
    "specialite": "specialties", "spécialité": "specialties", "specialty": "specialties",
    "employeur": "employer", "consentement": "directory_consent",
}


IGNORED = {"id", "created_on"}


@dataclass
class ImportResult:
    inserted: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"line", "name", "reason"}
    total: int = 0

    def to_dict(self) -> dict:
        return {"total": self.total, "inserted": len(self.inserted), "ids": self.inserted,
                "rejected": self.rejected}


def _column(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    return ALIASES.get(key, key)


def import_csv(store, path: Path, *, date: dt.date, encoding: str = "utf-8",
               force: bool = False, dry_run: bool = False) -> ImportResult:
    """Insert every good row in one transaction; report the others with reasons.

    Bytes that are not valid in `encoding` reject their row (not the file), so a
    spreadsheet saved half in Latin-1 still imports what can be read safely.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CertcliError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode(encoding, errors="surrogateescape")
    except LookupError:
        raise ValidationError(f"unknown encoding {encoding!r}") from None
    text = text.removeprefix("\ufeff")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise ValidationError(f"{path.name}: empty file or no header line")
    # `id` (and `created_on`) come with our own export: a new register numbers
    # its candidates itself, so they are read and ignored.
    columns = {name: _column(name) for name in reader.fieldnames
               if _column(name) not in IGNORED}
    unknown = [n for n, c in columns.items() if c not in FIELDS]
    if unknown:
        raise ValidationError(
            f"{path.name}: unknown column(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    result = ImportResult()
    with store.transaction():
        for row in reader:
            result.total += 1
            line = reader.line_num
            values = {columns[k]: v for k, v in row.items()
                      if k in columns and v is not None}
            label = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
            bad = [k for k, v in values.items() if any("\udc80" <= ch <= "\udcff" for ch in v)]
            if bad:
                result.rejected.append({
                    "line": line, "name": label.encode("utf-8", "replace").decode(),
                    "reason": f"not valid {encoding} in {', '.join(bad)} "
                              "(save the file as UTF-8 or pass --encoding cp1252)",
                })
                continue
            try:
                # A savepoint per row: a refused row leaves nothing behind.
                candidate = _insert_row(store, values, date=date, force=force)
            except CertcliError as exc:
                result.rejected.append({"line": line, "name": label, "reason": str(exc)})
                continue
            result.inserted.append(candidate.id)
        store.audit("candidate.import", "candidate", None,
                    {"file": path.name, "inserted": len(result.inserted),
                     "rejected": len(result.rejected)}, date)
        if dry_run:
            raise _DryRun(result)
    return result


def _insert_row(store, values: dict, *, date: dt.date, force: bool):
    with store.savepoint("import_row"):
        return candidates.add(store, values, date=date, force=force)


class _DryRun(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def import_csv_checked(store, path: Path, *, date: dt.date, encoding: str = "utf-8",
                       force: bool = False, dry_run: bool = False) -> ImportResult:
    """import_csv, where --dry-run rolls the whole transaction back."""
    try:
        return import_csv(store, path, date=date, encoding=encoding, force=force,
                          dry_run=dry_run)
    except _DryRun as done:
        done.result.inserted = []
        return done.result


def export_rows(store) -> list[dict]:
    people, _ = candidates.search(store, None, limit=None)
    return [c.to_dict() for c in people]


def export_text(store, fmt: str) -> str:
    rows = export_rows(store)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt != "csv":
        raise ValidationError(f"unknown export format {fmt!r} (csv or json)")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", *FIELDS], extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row = dict(row)
        row["specialties"] = ";".join(row["specialties"])
        row["directory_consent"] = "oui" if row["directory_consent"] else "non"
        writer.writerow(row)
    return out.getvalue()


__all__ = ["ImportResult", "clean", "export_text", "import_csv_checked"]
