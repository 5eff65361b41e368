"""The one export writer: a table of plain values to CSV (plain or for French
Excel) or to an xlsx workbook. Used by the exports of candidates, dossiers,
certificates, invoices and the public directory.

Cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return are written
with a leading `'` (OWASP's advice against formula injection), phone numbers in
international form included; `restore` takes such a cell back on import.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import BinaryIO

from certcli.errors import ValidationError
from certcli.records import dataclass

# csv and xlsx for every export; the FEC of accounting (`invoice export --format
# fec`) is the one more writer below, for that export only.
FORMATS = ("csv", "xlsx")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    columns: Sequence[str]
    rows: Iterable[Sequence]
    title: str = "export"


def neutralise(text: str) -> str:
    """A cell a spreadsheet must not read as a formula."""
    return "'" + text if text.startswith(_TRIGGERS) else text


def restore(text: str) -> str:
    """neutralise() undone: the value as it was before export."""
    if text.startswith("'") and text[1:].startswith(_TRIGGERS):
        return text[1:]
    return text


def check_format(fmt: str, extra: Sequence[str] = ()) -> str:
    allowed = (*FORMATS, *extra)
    if fmt not in allowed:
        raise ValidationError(f"invalid format {fmt!r} (one of: {', '.join(allowed)})")
    return fmt


def _text(value, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if excel else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        # One composite entry (a payment: date, method, amount, reference): its
        # amounts follow the file's decimal mark like any other amount.
        return neutralise(" ".join(t for t in (_text(v, excel) for v in value) if t))
    if isinstance(value, list):
        return neutralise(" | ".join(_text(v, excel) for v in value))
    return neutralise(str(value))


_BATCH = 1000  # rows per chunk of text handed to the output


def csv_text(table: Table, *, excel: bool = False) -> Iterator[str]:
    """UTF-8 CSV, a chunk of rows at a time as they come; `excel`: what French Excel
    opens cleanly (';', decimal comma, a BOM so that it reads UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n"
    )
    if excel:
        out.write("\ufeff")
    writer.writerow(table.columns)
    for n, row in enumerate(table.rows, 1):
        writer.writerow([_text(v, excel) for v in row])
        if n % _BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def write_xlsx(table: Table, handle: BinaryIO) -> None:
    """A real workbook written to `handle`: amounts as numbers (two decimals), dates
    as dates, text as text (never a formula, whatever it starts with). openpyxl's
    write-only workbook keeps the rows in a temporary file, not in memory. `handle`
    is a part file, removed by the caller if the rows fail."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.title[:31] or "export")
    bold = Font(bold=True)
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    try:
        _xlsx_rows(sheet, table.rows)
    except BaseException:
        # The sheet's rows so far wait in a temporary file, which only saving closes
        # and removes: the half workbook goes to `handle`, the part file that the
        # failed export then removes (files.open_for_write).
        with contextlib.suppress(Exception):
            book.save(handle)
        raise
    book.save(handle)


def _xlsx_rows(sheet, rows: Iterable[Sequence]) -> None:
    from openpyxl.cell import WriteOnlyCell

    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, list | tuple):
                value = _text(value, False)
            elif isinstance(value, bool):
                value = "oui" if value else "non"
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=1+1" stays the text it is
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)


def json_text(items: Iterable) -> Iterator[str]:
    """`json.dumps(list(items), ensure_ascii=False, indent=2) + "\\n"`, an item at a
    time: the same characters, without the whole list in memory."""
    import json

    first = True
    for item in items:
        # An item's own line breaks are all structural (a string's are escaped): each
        # line one level deeper, as inside the list.
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + text
        first = False
    yield "[]\n" if first else "\n]\n"


_FEC_BREAKS = str.maketrans({"\t": " ", "\r": " ", "\n": " ", "|": "/"})


def _fec_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    return " ".join(str(value).translate(_FEC_BREAKS).split())


def fec_text(table: Table) -> Iterator[str]:
    """The Fichier des Écritures Comptables (article A47 A-1 du LPF): the field names
    on the first line, one entry line per line, fields separated by a tab; dates
    AAAAMMJJ, amounts with a decimal comma and no thousands separator; a field never
    holds a tab, a line break or the other allowed separator '|'. UTF-8, CRLF line
    ends. No formula neutralisation: the file is read by accounting software and the
    tax administration's tools, and a leading quote would change the label. A chunk
    of lines at a time."""
    lines = ["\t".join(table.columns)]
    for row in table.rows:
        lines.append("\t".join(_fec_text(v) for v in row))
        if len(lines) == _BATCH:
            yield "\r\n".join(lines) + "\r\n"
            lines = []
    if lines:
        yield "\r\n".join(lines) + "\r\n"


def check_options(fmt: str, *, excel: bool = False) -> str:
    check_format(fmt)
    if fmt == "xlsx" and excel:
        raise ValidationError("--excel is for CSV files; an xlsx workbook needs no option")
    return fmt
