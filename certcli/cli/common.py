"""What every command shares: the store, option types, JSON and table output.

Only Typer and the standard library are imported at the top: rich loads when a
table is printed, sqlite-utils only when migrations are pending.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from certcli.cli.output import printable_lines
from certcli.errors import ValidationError
from certcli.rules import dates

if TYPE_CHECKING:
    from certcli.domain.exports import Table
    from certcli.letters.follow_up import FollowUp
    from certcli.letters.log import PendingOutcome
    from certcli.store import Store


def _date_param(value):
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dates.parse_date(value)
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from None


DateOpt = Annotated[
    dt.date | None,
    typer.Option(
        "--date",
        parser=_date_param,
        metavar="DATE",
        help="Date of the event, YYYY-MM-DD or DD/MM/YYYY [default: today].",
    ),
]
AsOfOpt = Annotated[
    dt.date | None,
    typer.Option(
        "--as-of",
        parser=_date_param,
        metavar="DATE",
        help="Report as on this date, YYYY-MM-DD or DD/MM/YYYY [default: today].",
    ),
]
ActorOpt = Annotated[
    str | None,
    typer.Option(
        "--as", metavar="NAME", help="Who does this, for the audit trail [default: the OS user]."
    ),
]
FutureOpt = Annotated[
    bool,
    typer.Option(
        "--future",
        help="Allow an invoice or credit note dated after today (a simulation or "
        "training office only: invoices are numbered in date order, so a future one blocks "
        "every invoice until its date); logged in the audit trail.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, nothing else.")]
DossierRefArg = Annotated[
    str, typer.Argument(metavar="REF", help="Dossier reference, e.g. 2026-0001.")
]
ExcelOpt = Annotated[
    bool,
    typer.Option(
        "--excel", help="CSV for French Excel: ';' between cells, decimal comma, UTF-8 with a BOM."
    ),
]
ExportOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", metavar="FILE", help="File to write [default: stdout; an xlsx needs --out]."
    ),
]
ForceOutOpt = Annotated[
    bool,
    typer.Option("--force", help="Overwrite the --out file if it exists (never the database)."),
]
NameSearchOpt = Annotated[
    str | None,
    typer.Option(
        "--search",
        "-s",
        metavar="TEXT",
        help="Words of the holder's name, e-mail, city or employer (accents and case ignored, "
        "as in `candidate list --search`).",
    ),
]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, help="Rows per page.")]
PageOpt = Annotated[int, typer.Option("--page", min=1, help="Page number, from 1.")]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Every row, streamed as it is read "
        "(tab-separated lines, or one JSON list), not a page.",
    ),
]

# Letters: `letters render` and every writing command's --letter share these.
TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        metavar="DIR",
        help="The secretariat's templates folder, overriding built-in templates of the same name "
        "[default: $CERTCLI_TEMPLATES].",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", help="pdf or html.")]
OutOpt = Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder for the files.")]
LetterOpt = Annotated[
    bool,
    typer.Option(
        "--letter",
        help="Also render the letter that follows this step (after it is recorded) "
        "and log it; see --format, --out, --templates.",
    ),
]
EmailOpt = Annotated[
    bool,
    typer.Option(
        "--email",
        help="E-mail that letter, its PDF attached under a short note (templates/mail/), "
        "through the outbox (see `certcli mail queue`); it is then not for the post "
        "unless --post. The SMTP server: `certcli config set smtp.host …` or "
        "CERTCLI_SMTP_URL.",
    ),
]
PostOpt = Annotated[
    bool,
    typer.Option("--post", help="With --email: the letter is for the post as well."),
]


ClosedDayOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Hold it even on a weekend or a French public holiday (refused otherwise)."
    ),
]


def exactly_one(options: dict[str, bool]) -> str:
    """The one option given of `options` (its name -> whether it was given), e.g.
    exactly_one({"--grant": grant, "--refuse": refuse}) -> "--grant". Neither or
    several is certcli's `Error: give exactly one of --grant, --refuse` (exit 1),
    not Typer's usage error: each option parses, only the combination is refused
    (STYLE.md). The one check of every "one of these options" choice."""
    given = [name for name, present in options.items() if present]
    if len(given) != 1:
        raise ValidationError(f"give exactly one of {', '.join(options)}")
    return given[0]


def date_param(value):
    """Parser for a required date argument or option (exported for other modules)."""
    return _date_param(value)


def day(value: dt.date | None) -> dt.date:
    return value or dates.today()


_selected_db = None


def select_db(path) -> None:
    """Called by the root callback with --db (or CERTCLI_DB) for this run."""
    global _selected_db
    _selected_db = path


def db_path():
    from certcli.rules.paths import default_db_path

    return _selected_db or default_db_path()


def store(
    *,
    create: bool = False,
    actor: str | None = None,
    date: dt.date | None = None,
    future: bool = False,
):
    """Open the database chosen by --db / CERTCLI_DB / the per-user folder; `future`
    is --future (invoices dated after today allowed)."""
    from certcli.rules.paths import current_user
    from certcli.store import Store

    opened = Store(db_path(), create=create)
    opened.actor = actor or current_user()
    opened.event_date = date
    opened.future_invoices = future
    _opened.append(opened)
    return opened


_opened: list = []


def refuse_merged(store: Store, candidate_id: int | None) -> None:
    """A listing's `--candidate ID` naming a merged duplicate is refused, naming the
    candidate its records went to (`candidate merge`), rather than listing nothing."""
    from certcli.domain import candidates

    candidates.refuse_merged(store, candidate_id)


def close_stores() -> None:
    """Close every database connection the running command opened (the root
    group calls it when the command ends, whatever the outcome)."""
    while _opened:
        _opened.pop().close()


def _default(value):
    from decimal import Decimal  # loaded by whatever made the value, not for --help

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"cannot serialise {type(value).__name__}")


# The values the C encoder writes as one token (_default makes a date or a Decimal
# text); Decimal joins them once loaded (by whatever made the value, not for --help).
_PLAIN: set[type] = {str, int, float, bool, type(None), dt.date, dt.datetime}


def _plain_types() -> set[type]:
    decimal = sys.modules.get("decimal")
    if decimal is not None:
        _PLAIN.add(decimal.Decimal)
    return _PLAIN


# JSON escapes C0 controls itself; DEL and the C1 range (0x9b starts a terminal
# sequence on some terminals) it leaves raw with ensure_ascii=False.
_JSON_RAW = "[\x7f-\x9f\u202a-\u202e\u2066-\u2069]"  # compiled by `re` on first use
_RAW_CHARS = tuple(map(chr, [*range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


def _escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def _escape_raw(text: str) -> str:
    """JSON text with the characters of _JSON_RAW escaped. Compiling the pattern costs
    2.4 M instructions (a tenth of what `dossier show --json` adds to Typer's start-up):
    it is compiled only when one of them is there, as it seldom is (a search for each
    is a memchr, and none is tried in ASCII text but DEL)."""
    if text.isascii():
        if "\x7f" not in text:
            return text
    elif not any(char in text for char in _RAW_CHARS):
        return text
    return re.sub(_JSON_RAW, _escape, text)


def emit_json(data) -> None:
    sys.stdout.write(_escape_raw(json_text(data)) + "\n")


def json_text(value, level: int = 0) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2, default=_default), as if nested
    `level` deep: the same text. Python's encoder writes indented JSON one token at a
    time (the C encoder does no indent), a third of a 50-row `--json` listing; here a
    record or list whose items are all plain values (a listing's row, most of `show`)
    goes through the C encoder, its item separator carrying the line break and indent."""
    plain = _plain_types()
    kind = type(value)
    if kind is dict and all(type(key) is str for key in value) or kind is list:
        if not value:
            return "{}" if kind is dict else "[]"
        pad = "\n" + "  " * (level + 1)
        items = value.values() if kind is dict else value
        if all(type(v) in plain or (type(v) in _CONTAINERS and not v) for v in items):
            inner = "".join(_encoder(level)(value, 0))[1:-1]
        elif kind is dict:
            inner = ("," + pad).join(
                f"{_encode_text(key)}: {json_text(item, level + 1)}" for key, item in value.items()
            )
        else:
            inner = ("," + pad).join(json_text(item, level + 1) for item in value)
        return (
            ("{" if kind is dict else "[") + pad + inner + pad[:-2] + ("}" if kind is dict else "]")
        )
    if kind in plain:
        return "".join(_encoder(level)(value, 0))
    import json

    text = json.dumps(value, ensure_ascii=False, indent=2, default=_default)
    return text.replace("\n", "\n" + "  " * level) if level else text


_CONTAINERS = (list, dict)


def _encode_text(text: str) -> str:
    from _json import encode_basestring

    return encode_basestring(text)


@functools.cache
def _encoder(level: int):
    """The C encoder writing a plain record or list at `level` (its items one per
    line, indented), as json.dumps(indent=2) writes it."""
    from _json import encode_basestring, make_encoder

    pad = "\n" + "  " * (level + 1)
    return make_encoder(
        None, _default, encode_basestring, None, ": ", "," + pad, False, False, True
    )


def emit_json_stream(items, level: int = 0, end: str = "\n") -> None:
    """A JSON list written item by item as they come, the same text `emit_json` makes
    of the whole list, without holding it in memory; `level` deep in a record
    (`emit_json_record`), followed by `end`."""
    pad = "\n" + "  " * (level + 1)
    write = sys.stdout.write
    first = True
    for item in items:
        text = _escape_raw(json_text(item, level + 1))
        write(("[" if first else ",") + pad + text)
        first = False
    write("[]" + end if first else pad[:-2] + "]" + end)


def emit_json_record(record: dict) -> None:
    """A JSON record whose values that are iterators (not lists) are written as JSON
    lists item by item (`emit_json_stream`): the same text `emit_json` makes of the
    record with those lists in it, without holding them in memory."""
    if not record:
        sys.stdout.write("{}\n")
        return
    write = sys.stdout.write
    for n, (key, value) in enumerate(record.items()):
        key_text = _escape_raw(_encode_text(key))
        write(("{" if n == 0 else ",") + "\n  " + key_text + ": ")
        if hasattr(value, "__next__"):
            emit_json_stream(value, 1, end="")
        else:
            write(_escape_raw(json_text(value, 1)))
    write("\n}\n")


def emit_lines(columns: list[str], rows) -> None:
    """Rows as tab-separated lines, written as they come (`--all`: no table to lay out,
    every row, ready for a pipe)."""
    write = sys.stdout.write
    write("\t".join(columns) + "\n")
    for row in rows:
        write(
            "\t".join(
                "" if cell is None else printable_lines(cell).replace("\t", " ") for cell in row
            )
            + "\n"
        )


def say(message: str = "") -> None:
    sys.stdout.write(printable_lines(message) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(printable_lines(message) + "\n")


def print_warnings(result: dict) -> None:
    """A domain result's "warnings", on stderr (stdout stays JSON with --json)."""
    for text in result.get("warnings", ()):
        warn(f"Warning: {text}")


QuorumOverrideOpt = Annotated[
    str | None,
    typer.Option(
        "--override",
        metavar="REASON",
        help="Decide although the session has no quorum recorded (its commission has "
        "members): why, for the audit trail.",
    ),
]


def report_decision(store: Store, follow, result: dict, json_out: bool, headline: str) -> None:
    """What `commission decide` and `appeal decide` do once the decision is recorded
    (its letter asked for inside `follow.step`): its warnings, then JSON or the
    headline and its outcome, then the letter's path or error."""
    print_warnings(result)
    if json_out:
        emit_json(follow.add_to(result))
    else:
        say(headline)
        print_outcome(result)
    finish_letter(follow, json_out)


def print_outcome(result: dict) -> None:
    """The certificate, invoice and appeal deadline a decision produced (`commission
    decide`, `appeal decide`)."""
    from certcli.rules.money import format_eur

    if result.get("certificate"):
        until = result["valid_until"] or "no expiry"
        say(f"  certificate {result['certificate']}, valid until {until}")
    if result.get("invoice"):
        say(f"  invoice {result['invoice']}: {format_eur(result['amount'])}")
    if result.get("appeal_deadline"):
        say(f"  appeal possible until {result['appeal_deadline']}")
    for item in result.get("abstentions") or ():
        say(f"  abstained: {item['name']} (member {item['member']}): {item['reason']}")
    if result.get("quorum_override"):
        say(f"  decided without the quorum: {result['quorum_override']}")


def write_output(data: str | bytes | Iterable[str], out=None, *, force: bool = False) -> None:
    """An export to stdout, or to a file through safe_files: never over the
    database or an existing file (unless `force`), appearing whole or not at all.
    `data` may come as chunks of text (an export written as its rows are read)."""
    chunks: Iterable[str | bytes] = (data,) if isinstance(data, str | bytes) else data
    if out is None:
        # The export itself, byte for byte (its cells were neutralised when written),
        # its trailing line breaks made one.
        held = ""
        for chunk in chunks:
            text = held + (chunk.decode("utf-8") if isinstance(chunk, bytes) else chunk)
            kept = text.rstrip("\n")
            sys.stdout.write(kept)
            held = text[len(kept) :]
        sys.stdout.write("\n")
        return
    with _export_file(out, force) as handle:
        for chunk in chunks:
            handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)


@contextlib.contextmanager
def _export_file(out, force: bool):
    """A binary file object for an export: a part file beside `out`, renamed to it
    when the export is whole (removed if it fails)."""
    from certcli.store import files

    with files.open_for_write(out, force=force, protect=db_path()) as handle:
        yield handle
    warn(f"Wrote {out}")


class ExportTo(NamedTuple):
    """Where and how an `export` command writes: its shared options (export_options).
    A NamedTuple, not a dataclass: `dataclasses` is not loaded for `--help`."""

    format: str
    excel: bool
    out: Path | None
    force: bool

    def write(self, data: str | bytes | Iterable[str] | Table) -> None:
        """Text, bytes, chunks of text, or an exports.Table in the chosen format."""
        from certcli.domain import exports

        if isinstance(data, exports.Table):
            self.table(data)
        else:
            write_output(data, self.out, force=self.force)

    def table(self, table: Table) -> None:
        """An exports.Table in the chosen format, written as its rows are read."""
        from certcli.domain import exports

        exports.check_options(self.format, excel=self.excel)
        if self.format != "xlsx":
            write_output(exports.csv_text(table, excel=self.excel), self.out, force=self.force)
            return
        if self.out is None:
            raise ValidationError("an xlsx workbook is a binary file: give --out FILE")
        with _export_file(self.out, self.force) as handle:
            exports.write_xlsx(table, handle)


def export_options(*formats: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every `export` command shares, before its own: --format (one of
    `formats`, the first by default), --excel, --out and --force, handed to the
    command as one `to: ExportTo`.

        @app.command("export")
        @common.export_options("csv", "xlsx")
        def dossier_export(to: common.ExportTo, as_of: AsOfOpt = None): ...
    """
    names = f"{', '.join(formats[:-1])} or {formats[-1]}" if len(formats) > 1 else formats[0]
    keyword = inspect.Parameter.KEYWORD_ONLY
    shared = [
        inspect.Parameter(
            "fmt",
            keyword,
            annotation=Annotated[str, typer.Option("--format", help=f"{names}.")],
            default=formats[0],
        ),
        inspect.Parameter("excel", keyword, annotation=ExcelOpt, default=False),
        inspect.Parameter("out", keyword, annotation=ExportOutOpt, default=None),
        inspect.Parameter("force", keyword, annotation=ForceOutOpt, default=False),
    ]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p.replace(kind=keyword)
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.name != "to"
        ]

        @functools.wraps(command)
        def with_options(*, fmt: str, excel: bool, out: Path | None, force: bool, **rest):
            return command(ExportTo(fmt, excel, out, force), **rest)

        # Typer reads the options from the signature: the shared ones, then the command's.
        # (The ignore: inspect honours a function's __signature__, which typeshed does not
        # declare on functions.)
        params = [*shared, *own]
        with_options.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        with_options.__annotations__ = {p.name: p.annotation for p in params}
        return with_options

    return decorate


_FOLD_WIDTH = 14  # the narrowest a folding text column gets


def table(
    columns: list[str], rows: list[list], *, title: str | None = None, caption: str | None = None
) -> None:
    """A rich table on stdout (rich is imported here, not at start-up).

    Output that is not a terminal gets the same characters without rich when the
    table needs none of its layout (see `_plain_table`)."""
    texts = [["" if cell is None else printable_lines(cell) for cell in row] for row in rows]
    plain = _plain_table(columns, texts, title, caption)
    if plain is not None:
        sys.stdout.write(plain)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    needed = 1
    for index, column in enumerate(columns):
        longest = max((len(row[index]) for row in texts), default=0)
        # References, numbers, dates and amounts never break across lines
        # ("ECO-2026-0 / 001" is unreadable); free text folds, but never below a
        # readable width: on a narrow terminal rich would otherwise squeeze a text
        # column to nothing (a holder's name vanishing from the listing).
        atomic = all(" " not in row[index] and len(row[index]) <= 24 for row in texts)
        least = max(longest, len(column)) if atomic else max(min(longest, _FOLD_WIDTH), 1)
        grid.add_column(column, overflow="fold", no_wrap=atomic, min_width=least)
        needed += least + 3
    for row in texts:
        # Text, not str: a name like "[b]" is data, never rich markup; and no
        # highlighter pass over every cell.
        grid.add_row(*(Text(cell) for cell in row))
    console = Console(highlight=False)
    # Wider than the terminal rather than a cut date or number: the terminal
    # wraps the long lines, the data stays whole.
    console.width = max(console.width, needed)
    console.print(grid)


# Characters rich draws one cell wide: printable ASCII, Latin-1 and Latin Extended
# (accented names), and the typography of amounts and French text. Anything else
# (wide or combining characters) goes through rich's own width tables.
_ONE_CELL = frozenset(
    [chr(i) for i in range(0x20, 0x7F)]
    + [chr(i) for i in range(0xA0, 0x300) if i != 0xAD]
    + list("\u2009\u202f\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u20ac")
)


def _console_width() -> int:
    """The width rich gives a console (rich.console.Console.size, not a terminal):
    the first standard stream that is a terminal, COLUMNS over it, else 80."""
    import os

    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except (AttributeError, ValueError, OSError):
            pass
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


def _least_widths(columns: list[str], texts: list[list[str]]) -> list[tuple[int, bool]]:
    """Each column's least width in `table` and whether it is atomic (never folds)."""
    found = []
    for index, column in enumerate(columns):
        longest = max((len(row[index]) for row in texts), default=0)
        atomic = all(" " not in row[index] and len(row[index]) <= 24 for row in texts)
        least = max(longest, len(column)) if atomic else max(min(longest, _FOLD_WIDTH), 1)
        found.append((least, atomic))
    return found


def _needed(columns: list[str], texts: list[list[str]]) -> int:
    """The console width `table` gives rich: at least every column's least width."""
    return 1 + sum(least + 3 for least, _ in _least_widths(columns, texts))


def _folding(columns: list[str], texts: list[list[str]], widths: list[int], total: int):
    """The index of the column rich folds in a table wider than the console, when it
    is the only one that may fold (rich takes the whole excess from it) and its header
    still fits; else None (rich lays it out)."""
    folds = [i for i, (_, atomic) in enumerate(_least_widths(columns, texts)) if not atomic]
    if len(folds) != 1:
        return None
    index = folds[0]
    inner = widths[index] - (total - max(_console_width(), _needed(columns, texts)))
    return index if inner >= max(len(columns[index]), 1) else None


def _rich_wrap(text: str, width: int) -> list[str]:
    """The lines rich folds a one-cell-wide text into at `width` (rich.text.Text.wrap
    with overflow="fold": its word breaks, a word longer than the line cut, the
    whitespace past the width dropped)."""
    breaks: list[int] = []  # rich._wrap.divide_line, every character one cell wide
    offset = 0
    for match in re.finditer(r"\s*\S+\s*", text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            chunks = [word[i : i + width] for i in range(0, len(word), width)]
            for number, chunk in enumerate(chunks, 1):
                if start:
                    breaks.append(start)
                if number == len(chunks):
                    offset = len(chunk)
                else:
                    start += len(chunk)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    lines = []
    for begin, end in zip([0, *breaks], [*breaks, len(text)], strict=True):
        piece = text[begin:end]
        if len(piece) > width:
            spaces = len(piece) - len(piece.rstrip())
            piece = piece[: len(piece) - min(spaces, len(piece) - width)]
        lines.append(piece[:width])
    return lines


def _plain_table(
    columns: list[str], texts: list[list[str]], title: str | None, caption: str | None
) -> str | None:
    """The table exactly as rich prints it (box HEAVY_HEAD, no colour) on output that
    is not a terminal, or None when rich must lay it out: on a terminal (bold
    headers, dim caption), when the table is wider than the console (rich folds
    columns), a cell spans lines, a character's width needs rich's tables, or the
    title or caption would wrap. Importing rich and laying out 50 rows costs more
    than the rest of a listing; a test compares the two outputs on many tables."""
    import os

    if (
        sys.platform == "win32"
        or os.environ.get("TTY_COMPATIBLE", "")
        or "FORCE_COLOR" in os.environ
        or not (getattr(sys.stdout, "encoding", "") or "").lower().startswith("utf")
    ):
        return None
    try:
        if sys.stdout.isatty():
            return None
    except ValueError:
        return None
    if any("[" in column for column in columns):
        return None  # rich reads a header (and a title) as markup
    widths = [len(column) for column in columns]
    one_cell = _ONE_CELL.issuperset
    for cells in (columns, *texts):
        for index, cell in enumerate(cells):
            if not one_cell(cell):
                return None
            if len(cell) > widths[index]:
                widths[index] = len(cell)
    total = 1 + sum(w + 3 for w in widths)
    folding = None
    if total > _console_width():
        # Wider than the console: rich folds the one column of free text, as here.
        folding = _folding(columns, texts, widths, total)
        if folding is None:
            return None
        widths[folding] -= total - max(_console_width(), _needed(columns, texts))
        total = 1 + sum(w + 3 for w in widths)
    for text in (title, caption):
        # A title or caption is wrapped by rich even when it fits: its spaces (and
        # no-break spaces) at the ends and doubled inside may move.
        if text and (
            len(text) > total
            or not one_cell(text)
            or text != text.strip()
            or "  " in text
            or "[" in text  # markup to rich
            or not text.isascii()
            and any(ch.isspace() and ch != " " for ch in text)
        ):
            return None

    def line(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + right + "\n"

    def row(edge: str, cells: list[str]) -> str:
        inner = edge.join(f" {cell.ljust(w)} " for cell, w in zip(cells, widths, strict=True))
        return f"{edge}{inner}{edge}\n"

    def centred(text: str) -> str:
        left = (total - len(text)) // 2
        return (" " * left + text).ljust(total) + "\n"

    out = [centred(title)] if title else []
    out += [line("┏", "━", "┳", "┓"), row("┃", columns), line("┡", "━", "╇", "┩")]
    for cells in texts:
        if folding is None:
            out.append(row("│", cells))
            continue
        lines = _rich_wrap(cells[folding], widths[folding])
        for at, text in enumerate(lines):
            shown = [(cell if at == 0 else "") for cell in cells]
            shown[folding] = text
            out.append(row("│", shown))
    out.append(line("└", "─", "┴", "┘"))
    if caption:
        out.append(centred(caption))
    return "".join(out)


def fields(pairs: list[tuple[str, object]], *, title: str | None = None) -> None:
    """A two-column 'label: value' block."""
    if title:
        say(title)
    width = max((len(label) for label, _ in pairs), default=0)
    for label, value in pairs:
        if value is None or value == "" or value == []:
            value = "-"
        elif isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        # A text in paragraphs (a report, notes) goes on under its first line.
        value = str(value).replace("\n", "\n" + " " * (width + 4))
        say(f"  {label.ljust(width)}  {value}")


def complete_pending(store: Store) -> None:
    """Letters an earlier run asked for and did not render (killed after its step):
    every command that renders letters renders them first, saying so on stderr."""
    if not store.pending_letters():
        return
    from certcli.letters import log

    report_pending(log.complete_pending(store))


def report_pending(outcomes: list[PendingOutcome]) -> None:
    """One stderr line per pending letter completed (certcli.letters.log.PendingOutcome)."""
    for done in outcomes:
        what = f"{done.template} ({done.record} {done.ref})"
        if done.error:
            warn(
                f"Warning: the pending letter {what} is still not rendered: {done.error}; "
                "see `certcli letters pending`"
            )
        else:
            warn(f"Pending letter {what} rendered: {done.path}")


def report_reminders(
    done, *, key: str, noun: str, dry_run: bool, email: bool, json_out: bool, again: str
) -> None:
    """What a batch of reminders did (renewals remind, invoice remind): JSON or one line
    per item, then an error (exit 1) for any item skipped or recorded but not e-mailed.
    `key` names an item's record in the batch's lists ("certificate", "invoice")."""
    from certcli.errors import CertcliError

    if json_out:
        emit_json(done.to_dict())
    else:
        verb = "would remind" if dry_run else "reminded"
        say(f"{verb} {len(done.reminded)} {noun}(s)")
        # An invoice batch says which level each got; a renewal has one level only.
        for item in done.reminded:
            if isinstance(item, dict) and "level" in item:
                say(f"{item[key]}: level {item['level']}")
        for path in done.files:
            say(str(path))
        if email:
            say(f"{'would e-mail' if dry_run else 'e-mailed'} {len(done.emailed)}")
        for skipped in done.skipped:
            say(f"skipped {skipped[key]}: {skipped['reason']}")
        for left in done.not_emailed:
            say(f"not e-mailed {left[key]} ({left['status']}): {left['error']}")
    if done.not_emailed:
        raise CertcliError(
            f"{len(done.not_emailed)} reminder(s) recorded but not e-mailed: "
            "see `certcli mail queue`, `certcli mail flush` retries the queued ones"
        )
    if done.skipped:
        numbers = ", ".join(s[key] for s in done.skipped)
        raise CertcliError(
            f"{len(done.skipped)} {noun}(s) skipped, no reminder recorded: {numbers}; {again}"
        )


def follow_letter(
    wanted: bool,
    fmt: str,
    out: Path,
    templates: Path | None,
    email: bool = False,
    post: bool = False,
) -> FollowUp:
    """A writing command's --letter, --email and --post
    (certcli.letters.follow_up.FollowUp), the pending letters it completes reported
    on stderr."""
    from certcli.letters.follow_up import FollowUp

    return FollowUp(wanted, fmt, out, templates, email=email, post=post, on_pending=report_pending)


def finish_letter(follow: FollowUp, json_out: bool) -> None:
    """Print the letter's path and its e-mail (text mode), then fail with the
    rendering or sending error, if any."""
    if follow.path and not json_out:
        say(f"Letter {follow.template}: {_shown_path(follow.path)}")
    if follow.message and follow.message["status"] == "sent" and not json_out:
        say(f"E-mailed to {follow.message['to']}: {follow.message['message_id']}")
    if follow.error:
        from certcli.errors import CertcliError

        raise CertcliError(follow.error)


def _shown_path(path: str) -> str:
    """A file under the current folder as the user would type it (letters/...)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def emit_listing(
    columns: list[str],
    cells: Callable[[Any], list],
    *,
    read_page: Callable[..., tuple[list, int]],
    read_all: Callable[[], Iterable],
    as_json: Callable[[Any], Any] = lambda item: item,
    limit: int,
    page: int,
    every: bool,
    json_out: bool,
    hint: str = "",
) -> None:
    """A list command's output, as `certificate list` prints it: a page (`read_page`
    with limit and offset, its items and their total) as a table captioned
    "1-50 of N; next: --page 2" (then `hint`, when the page shows any) or a JSON
    list; with `every` (--all), `read_all`'s items streamed as tab-separated lines or
    one JSON list written item by item."""
    if every:
        found = read_all()
        if json_out:
            emit_json_stream(as_json(item) for item in found)
        else:
            emit_lines(columns, (cells(item) for item in found))
        return
    shown, total = read_page(limit=limit, offset=(page - 1) * limit)
    if json_out:
        emit_json([as_json(item) for item in shown])
        return
    caption = page_info(len(shown), total, page, limit) + (f"; {hint}" if hint and shown else "")
    table(columns, [cells(item) for item in shown], caption=caption)


def page_info(shown: int, total: int, page: int, limit: int) -> str:
    if total == 0:
        return "none found"
    first = (page - 1) * limit + 1
    last = first + shown - 1
    more = f"; next: --page {page + 1}" if last < total else ""
    return f"{first}-{last} of {total}{more}" if shown else f"page {page} is empty ({total} in all)"
