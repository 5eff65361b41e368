"""Reading a bank statement exported as CSV, for a bank that gives no CAMT.053.

The columns are mapped in the body file (data/bodies/NAME.toml), `[bank.csv]`:

    [bank.csv]
    delimiter = ";"            # French banks: ';' (default)
    decimal = ","              # the decimal mark (default ','); spaces and '.' as
                               # thousands separators are dropped when decimal is ','
    date_format = "%d/%m/%Y"   # strptime format of the booking date (default)
    encoding = "cp1252"        # the file's encoding (default cp1252, latin-1's superset)
    skip_lines = 0             # lines before the header row (an account preamble)
    columns = { date = "Date", amount = "Montant", reference = "Référence",
                remittance = "Libellé", debtor = "Émetteur" }

`columns` names the header of each column (accents, case and spaces ignored):
`date` and either `amount` (signed: a negative amount is a debit) or `credit` (with
`debit` optionally: two columns, as many French banks export) are required;
`reference`, `remittance` and `debtor` are optional. Without a `reference` column
(or on a line where it is empty), a line's reference is derived: a hash of its date,
amount and text, with the occurrence of that same line in the file, so that the same
statement imported twice gives the same references (and records nothing new).

Each line becomes a `camt.Line` (EUR, booked): matching is the CAMT statement's.
A mapped column missing from the header, or a line whose date or amount cannot be
read: a ValidationError naming the line and the column, nothing imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certcli.errors import SchemeError, ValidationError
from certcli.records import dataclass
from certcli.rules import validators

if TYPE_CHECKING:
    from certcli.domain.camt import Line
    from certcli.rules.bodies import Body

COLUMNS = ("date", "amount", "credit", "debit", "reference", "remittance", "debtor")
SETTINGS = ("delimiter", "decimal", "date_format", "encoding", "skip_lines", "columns")


@dataclass(frozen=True)
class Mapping:
    """A body's `[bank.csv]`: how its bank's CSV statement is read."""

    columns: dict[str, str]  # our name -> the header in the file
    delimiter: str = ";"
    decimal: str = ","
    date_format: str = "%d/%m/%Y"
    encoding: str = "cp1252"
    skip_lines: int = 0
    source: str = ""  # where it was read, for the errors: "opqtecc.toml [bank.csv]"


def mapping(body: Body) -> Mapping | None:
    """The body's CSV column mapping, None when its file has no `[bank.csv]`; a
    SchemeError naming the file and the field when it is wrong."""
    bank = body.extra.get("bank")
    if not isinstance(bank, dict) or "csv" not in bank:
        return None
    where = body.path.name if body.path else body.code
    table = bank["csv"]

    def fail(key: str, problem: str) -> Any:
        raise SchemeError(f"{where}: field 'bank.csv.{key}' {problem}")

    if not isinstance(table, dict):
        fail("", "must be a table")
    for key in table:
        if key not in SETTINGS:
            fail(key, f"is not a CSV setting ({', '.join(SETTINGS)})")
    settings: dict[str, Any] = {}
    for key in ("delimiter", "decimal", "date_format", "encoding"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not value:
                fail(key, f"must be a non-empty string, not {value!r}")
            settings[key] = value
    if len(settings.get("delimiter", ";")) != 1:
        fail("delimiter", "must be one character")
    if settings.get("decimal", ",") not in (",", "."):
        fail("decimal", "must be ',' or '.'")
    if "encoding" in settings:
        import codecs

        try:
            codecs.lookup(settings["encoding"])
        except LookupError:
            fail("encoding", f"is not an encoding Python knows ({settings['encoding']!r})")
    if "skip_lines" in table:
        skip = table["skip_lines"]
        if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
            fail("skip_lines", f"must be a whole number, not {skip!r}")
        settings["skip_lines"] = skip
    columns = table.get("columns")
    if not isinstance(columns, dict) or not columns:
        fail("columns", "is missing (a table: date, amount or credit, ... = the header)")
    for key, header in columns.items():
        if key not in COLUMNS:
            fail(f"columns.{key}", f"is not a column certcli reads ({', '.join(COLUMNS)})")
        if not isinstance(header, str) or not header.strip():
            fail(f"columns.{key}", f"must be the column's header, not {header!r}")
    if "date" not in columns:
        fail("columns.date", "is missing (the booking date's column)")
    if "amount" not in columns and "credit" not in columns:
        fail("columns.amount", "is missing (or credit, with debit, for two columns)")
    if "amount" in columns and ({"credit", "debit"} & set(columns)):
        fail("columns", "maps amount or credit/debit, not both")
    return Mapping(
        columns={k: str(v) for k, v in columns.items()},
        source=f"{where} [bank.csv]",
        **settings,
    )


def body_mapping(code: str | None) -> Mapping:
    """The mapping of body `code`, or of the one body whose file has a `[bank.csv]`."""
    from certcli.rules import schemes

    bodies = {s.body.code: s.body for s in schemes.catalog().values()}
    if code is not None:
        if code not in bodies:
            raise ValidationError(f"no body {code!r} (bodies: {', '.join(sorted(bodies))})")
        found = mapping(bodies[code])
        if found is None:
            raise ValidationError(
                f"{code}'s body file has no [bank.csv] column mapping: a CSV statement "
                "cannot be read without it (README, Bank statements)"
            )
        return found
    mapped = {c: m for c, b in sorted(bodies.items()) if (m := mapping(b)) is not None}
    if not mapped:
        raise ValidationError(
            "no body file has a [bank.csv] column mapping: a CSV statement cannot be "
            "read without it (README, Bank statements)"
        )
    if len(mapped) > 1:
        raise ValidationError(
            f"several bodies map a CSV statement ({', '.join(mapped)}): say which with --body"
        )
    return next(iter(mapped.values()))


def looks_like_xml(data: bytes) -> bool:
    """What `bank import` tells the formats by: an XML statement's first character
    (after a byte order mark and white space) is '<'."""
    return data.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")


def _header_key(text: str) -> str:
    return " ".join(validators.fold(text.replace("\ufeff", "")).split())


_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _amount(raw: str, decimal: str) -> Decimal | None:
    """A CSV amount ('1 234,56', '-12,30', '12.30 €'), None when empty."""
    text = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    text = text.replace("EUR", "").strip()
    if not text:
        return None
    if text.endswith("-"):  # '12,30-': some banks put the sign last
        text = "-" + text[:-1]
    if decimal == ",":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    if not _AMOUNT.match(text):
        raise InvalidOperation(raw)
    return Decimal(text)


def read(path: Path, rules: Mapping) -> tuple[str, list[Line]]:
    """("csv", lines) of the CSV statement at `path`, read with `rules`."""
    import csv
    import io

    from certcli.domain.camt import Line, read_bytes

    shown = path.name
    data = read_bytes(path)
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else rules.encoding
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{shown} line {line}: not {rules.encoding} text (byte {data[exc.start]:#04x}); "
            f"set encoding in {rules.source}"
        ) from None
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=rules.delimiter)
    number = 0
    for _ in range(rules.skip_lines):
        next(rows, None)
    header = next(rows, None)
    while header is not None and not any(c.strip() for c in header):
        header = next(rows, None)
    if header is None:
        raise ValidationError(f"{shown}: no header row, not a CSV bank statement")
    header_line = rows.line_num
    found = {_header_key(h): i for i, h in reversed(list(enumerate(header)))}
    where: dict[str, int] = {}
    for key, name in rules.columns.items():
        if _header_key(name) not in found:
            present = ", ".join(repr(h.strip()) for h in header if h.strip())
            raise ValidationError(
                f"{shown} line {header_line}: no column {name!r} ({key} in {rules.source}); "
                f"the header has {present or 'nothing'}"
            )
        where[key] = found[_header_key(name)]
    named = "debtor" in where
    lines: list[Line] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        number = rows.line_num
        if not any(c.strip() for c in row):
            continue

        def cell(key: str, row=row) -> str:
            index = where.get(key)
            if index is None or index >= len(row):
                return ""
            return " ".join(row[index].split())

        def fail(key: str, problem: str, number=number) -> Any:
            raise ValidationError(
                f"{shown} line {number}, column {rules.columns[key]!r}: {problem}"
            )

        raw_date = cell("date")
        try:
            booked = dt.datetime.strptime(raw_date, rules.date_format).date()
        except ValueError:
            fail("date", f"{raw_date!r} is not a date ({rules.date_format})")
        amounts: dict[str, Decimal | None] = {}
        for key in ("amount", "credit", "debit"):
            if key in where:
                try:
                    amounts[key] = _amount(cell(key), rules.decimal)
                except InvalidOperation:
                    fail(key, f"{cell(key)!r} is not an amount")
        if "amount" in where:
            value = amounts["amount"]
            if value is None:
                fail("amount", "no amount")
        else:
            credit, debit = amounts.get("credit"), amounts.get("debit")
            if credit is None and debit is None:
                fail("credit", "no amount (neither credit nor debit)")
            value = (credit or Decimal(0)) - abs(debit or Decimal(0))
        assert value is not None
        remittance, debtor = cell("remittance") or None, cell("debtor") or None
        reference = cell("reference")
        if not reference:
            same = (booked.isoformat(), f"{value:.2f}", remittance or "", debtor or "")
            seen[same] = seen.get(same, 0) + 1
            digest = hashlib.sha256("|".join((*same, str(seen[same]))).encode()).hexdigest()
            reference = f"CSV-{booked:%Y%m%d}-{digest[:12].upper()}"
        lines.append(
            Line(
                reference=reference,
                booked_on=booked.isoformat(),
                amount=abs(value),
                currency="EUR",
                credit=value > 0,
                booked=True,
                debtor=debtor,
                # no debtor column: the payer is looked for in the label
                names=(debtor,) if debtor else (remittance,) if remittance and not named else (),
                remittance=remittance,
                end_to_end=None,
                return_code=None,
                account=None,
            )
        )
    return "csv", lines
