"""PostgreSQL, the shared engine: connecting, the store's SQL translated, its errors.

Imported only for a postgresql:// URL, and psycopg2 with it, so that SQLite
commands keep their start-up time (psycopg2 rather than psycopg 3, the reference:
its import costs a quarter of psycopg 3's, see the README's "PostgreSQL next to
SQLite"). The store writes SQL once, in SQLite's dialect;
`translate` turns a statement into PostgreSQL's (placeholders, NOCASE, JSON, NULL
order...) once per distinct statement, and `PostgresDialect` overrides the few
operations that differ in more than words (certcli.store.dialect).

Values travel as SQLite sees them: parameters are bound on the client as quoted
literals, whose type the server infers from the column (SQLite's loose typing,
'5' = 5), results come back as SQLite gives them (integers, not Decimal or bool).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import errors, extensions

from certcli.errors import DatabaseError
from certcli.store.dialect import SqliteDialect, like_escape

MIN_SERVER = 150000  # PostgreSQL 15
# Every writing transaction takes this one advisory lock first: writers queue up as
# on SQLite (BEGIN IMMEDIATE), so gapless counters and once-only rows need no retry.
WRITE_LOCK = 7_220_525_100_017
LOCK_TIMEOUT = "30s"  # as SQLite's busy timeout
CONNECT_TIMEOUT = 10
_CURSORS = itertools.count(1)  # the names of read_batches' server-side cursors


# -- the URL -----------------------------------------------------------------------
def shown_url(url: str) -> str:
    """The URL without its password (never printed nor stored)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


def _where(url: str) -> dict[str, str]:
    """Host, port, user and database the URL means, libpq's defaults filled in, for
    the error messages."""
    import getpass
    import os

    try:
        given = extensions.parse_dsn(url)
    except psycopg2.ProgrammingError:
        given = {}
    user = given.get("user") or os.environ.get("PGUSER") or getpass.getuser()
    host = given.get("host") or os.environ.get("PGHOST") or "the local socket"
    port = given.get("port") or os.environ.get("PGPORT") or "5432"
    return {
        "host": str(host),
        "port": str(port),
        "user": str(user),
        "dbname": str(given.get("dbname") or os.environ.get("PGDATABASE") or user),
    }


def connect(url: str) -> Connection:
    """A connection to the URL's database, or one DatabaseError saying what is wrong:
    the host, the server, the user, the password, the database or the version."""
    try:
        params: dict[str, Any] = extensions.parse_dsn(url)
    except psycopg2.ProgrammingError as exc:
        raise DatabaseError(
            f"invalid PostgreSQL URL {shown_url(url)}: {_first_line(exc)}"
        ) from None
    params.setdefault("connect_timeout", CONNECT_TIMEOUT)
    params.setdefault("application_name", "certcli")
    # Settings travel in the start-up packet, not as a SET afterwards: a command's
    # whole set-up is the connection plus one query (the applied migrations). No JIT
    # compilation (the URL's options may turn it back on): certcli's statements are
    # short or streamed, and the server compiled the big reads' expressions for longer
    # than it ran them (stats at 1M: 2.4 -> 1.8 s of the server's CPU without it).
    given = params.get("options", "")
    params["options"] = f"-c jit=off {given} -c lock_timeout={LOCK_TIMEOUT}".replace("  ", " ")
    try:
        raw = psycopg2.connect(**params)
    except psycopg2.Error as exc:
        raise _connect_error(exc, url) from None
    try:
        raw.autocommit = True
        version = raw.server_version
        if version < MIN_SERVER:
            raise DatabaseError(too_old(version, url))
        _adapt(raw)
    except BaseException:
        raw.close()
        raise
    return Connection(raw)


def too_old(version: int, url: str) -> str:
    return (
        f"the PostgreSQL server of {shown_url(url)} is version {_version(version)}: "
        "certcli needs PostgreSQL 15 or newer"
    )


def _version(number: int) -> str:
    return f"{number // 10000}.{number % 10000}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _connect_error(exc: psycopg2.Error, url: str) -> DatabaseError:
    text = str(exc)
    lower = text.lower()
    w = _where(url)
    server = f"{w['host']}" + ("" if w["host"].startswith(("/", "the ")) else f":{w['port']}")
    if "could not translate host name" in lower or "name or service not known" in lower:
        return DatabaseError(f"unknown host {w['host']}: check the host name in the --db URL")
    if "password authentication failed" in lower:
        return DatabaseError(
            f"wrong password for user {w['user']} on {server}: check PGPASSWORD or ~/.pgpass"
        )
    if "no password supplied" in lower or "password is required" in lower:
        return DatabaseError(
            f"the server {server} asks a password for user {w['user']}: set PGPASSWORD "
            "or add it to ~/.pgpass (never in the URL)"
        )
    if re.search(r'role "[^"]*" does not exist', lower):
        return DatabaseError(f"no user {w['user']} on the PostgreSQL server {server}")
    if re.search(r'database "[^"]*" does not exist', lower):
        return DatabaseError(
            f"no database {w['dbname']} on the PostgreSQL server {server}: create it "
            f"(createdb {w['dbname']}), then run `certcli init`"
        )
    if "timeout expired" in lower:
        return DatabaseError(
            f"no answer from the PostgreSQL server {server} within {CONNECT_TIMEOUT} s: "
            "check the host and port, and that the server is up"
        )
    if (
        "connection refused" in lower
        or "no such file or directory" in lower
        or "is the server running" in lower
    ):
        return DatabaseError(
            f"the PostgreSQL server {server} is not running or refuses connections: "
            "start it, or check the host and port"
        )
    if "permission denied" in lower or "pg_hba.conf" in lower:
        return DatabaseError(
            f"the PostgreSQL server {server} refuses user {w['user']} on database "
            f"{w['dbname']} ({_first_line(exc)})"
        )
    return DatabaseError(f"cannot connect to PostgreSQL at {server}: {_first_line(exc)}")


def explain(exc: psycopg2.Error) -> DatabaseError:
    """A failed statement in the user's words (base.explain's rule, for PostgreSQL)."""
    text = _first_line(exc)
    if isinstance(exc, errors.LockNotAvailable | errors.DeadlockDetected):
        return DatabaseError(f"database is busy ({text}); try again")
    if isinstance(exc, errors.NumericValueOutOfRange):
        return DatabaseError("a number given is too large")
    if isinstance(exc, errors.DiskFull):
        return DatabaseError(
            "the database server's disk is full: free some space and try again "
            "(nothing was written by this step)"
        )
    if isinstance(exc, errors.ReadOnlySqlTransaction | errors.InsufficientPrivilege):
        return DatabaseError(f"the database refuses this write ({text})")
    if isinstance(exc, psycopg2.InterfaceError) and "closed" in text:
        return DatabaseError(f"the database connection is closed ({text})")
    if isinstance(exc, psycopg2.OperationalError | errors.AdminShutdown):
        return DatabaseError(f"the connection to the PostgreSQL server was lost ({text})")
    return DatabaseError(f"database: {text}")


# -- values as SQLite has them ----------------------------------------------------
class _Literal:
    """A Python value as a quoted literal of unknown type: the column it meets
    gives it its type, as SQLite's affinity does ('5' is 5 in an INTEGER column).
    (psycopg2's own adapters write 5, 1.5 and '2026-01-01'::date, typed.)"""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def getquoted(self) -> bytes:
        return b"'" + self.text.encode() + b"'"  # digits, signs, dots, dashes, colons


def _number(value) -> _Literal:
    return _Literal(str(value))


def _bool(value) -> _Literal:
    return _Literal("1" if value else "0")


def _datetime(value) -> _Literal:
    return _Literal(value.isoformat(" "))  # sqlite3's own adapter


def _numeric(data, cursor):
    """numeric (sum, avg) as SQLite returns it: an int when whole."""
    if data is None:
        return None
    from decimal import Decimal

    value = Decimal(data)
    return int(value) if value == value.to_integral_value() else float(value)


def _boolean(data, cursor):
    return None if data is None else (1 if data == "t" else 0)


_NUMERIC = extensions.new_type((1700,), "CERTCLI_NUMERIC", _numeric)
_BOOLEAN = extensions.new_type((16,), "CERTCLI_BOOLEAN", _boolean)


def _adapt(raw) -> None:
    from decimal import Decimal

    # Adapters are global in psycopg2 (one table per process): the same for every
    # connection certcli opens. Type casters are the connection's own.
    for kind in (int, float, Decimal, dt.date):
        extensions.register_adapter(kind, _number)
    extensions.register_adapter(bool, _bool)
    extensions.register_adapter(dt.datetime, _datetime)
    extensions.register_type(_NUMERIC, raw)
    extensions.register_type(_BOOLEAN, raw)


class Row:
    """sqlite3.Row's interface: by position, by (case-insensitive) name, keys()."""

    __slots__ = ("_values", "_names", "_index")

    def __init__(self, values, names, index):
        self._values, self._names, self._index = values, names, index

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                return self._values[self._index[key.lower()]]
        return self._values[key]

    def keys(self):
        return list(self._names)

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __eq__(self, other):
        if isinstance(other, Row):
            return self._names == other._names and self._values == other._values
        return NotImplemented

    def __hash__(self):
        return hash((self._names, self._values))

    def __repr__(self):
        return f"<Row {dict(zip(self._names, self._values, strict=True))}>"


class Cursor:
    """The part of sqlite3.Cursor the store uses, over a psycopg2 cursor: rows as
    Row, as sqlite3.Row (psycopg2 gives tuples)."""

    __slots__ = ("raw", "_names", "_index")

    def __init__(self, raw):
        self.raw = raw
        self._names: tuple[str, ...] | None = None
        self._index: dict[str, int] = {}

    @property
    def description(self):
        return self.raw.description

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount

    @property
    def lastrowid(self):
        return None  # insert_returning_id asks RETURNING id instead

    def _shape(self) -> tuple[tuple[str, ...], dict[str, int]]:
        if self._names is None:
            self._names = tuple(c.name for c in self.raw.description or ())
            for i, name in enumerate(self._names):
                self._index.setdefault(name, i)
        return self._names, self._index

    def _rows(self, values: list) -> list[Row]:
        if not values:
            return []
        names, index = self._shape()
        return [Row(v, names, index) for v in values]

    def fetchone(self):
        try:
            values = self.raw.fetchone()
        except psycopg2.Error as exc:
            raise explain(exc) from None
        return None if values is None else Row(values, *self._shape())

    def fetchall(self) -> list[Row]:
        try:
            return self._rows(self.raw.fetchall())
        except psycopg2.Error as exc:
            raise explain(exc) from None

    def fetchmany(self, size: int) -> list[Row]:
        try:
            return self._rows(self.raw.fetchmany(size))
        except psycopg2.Error as exc:
            raise explain(exc) from None

    def __iter__(self):
        # One row at a time, as sqlite3's cursor gives them (psycopg2 holds the
        # result; the Row objects are made as they are read).
        if self.raw.description is None:
            return iter(())
        names, index = self._shape()
        return (Row(values, names, index) for values in self.raw)

    def close(self) -> None:
        self.raw.close()


# -- the connection ------------------------------------------------------------------
_INSERT = re.compile(r"^\s*INSERT INTO (\w+)\s*\(([^)]*)\)", re.IGNORECASE)


class Connection:
    """The part of sqlite3.Connection the store uses, over psycopg2: every statement
    translated, every failure a DatabaseError."""

    def __init__(self, raw):
        self.raw = raw
        self._trace = None

    def set_trace_callback(self, callback) -> None:
        """As sqlite3's: `callback(sql)` for every statement run (tests count them)."""
        self._trace = callback

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != extensions.TRANSACTION_STATUS_IDLE

    @property
    def server_version(self) -> str:
        return _version(self.raw.server_version)

    def run(self, sql: str, params=None):
        """One statement as written (PostgreSQL's SQL, %s parameters), its cursor
        (psycopg2's, tuples): psycopg2's connection has no execute of its own."""
        cursor = self.raw.cursor()
        cursor.execute(sql, params)
        return cursor

    def _cursor(self) -> Cursor:
        return Cursor(self.raw.cursor())

    def execute(self, sql: str, params=()):
        if self._trace:
            self._trace(sql)
        try:
            cur = self._cursor()
            cur.raw.execute(translate(sql), _params(params))
            self._after_insert(sql)
        except psycopg2.Error as exc:
            raise explain(exc) from None
        return cur

    def executemany(self, sql: str, seq):
        if self._trace:
            self._trace(sql)
        try:
            cur = self._cursor()
            cur.raw.executemany(translate(sql), [_params(p) for p in seq])
            self._after_insert(sql)
        except psycopg2.Error as exc:
            raise explain(exc) from None
        return cur

    def _after_insert(self, sql: str) -> None:
        # Rows given their own id (an import, a copy): the next id the server hands
        # out follows them, as SQLite's max(rowid) + 1 does.
        match = _INSERT.match(sql)
        if match and "id" in (c.strip().strip('"') for c in match.group(2).split(",")):
            self.follow_ids(match.group(1))

    def follow_ids(self, table: str) -> None:
        """The next id `table` hands out follows the rows inserted with their own."""
        self.run(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce(max(id), 0) + 1, false) FROM {table}"
        )

    def close(self) -> None:
        self.raw.close()


def _params(params):
    if params is None:
        return ()
    if isinstance(params, dict):
        return params
    return tuple(params)


# -- SQLite's SQL in PostgreSQL's words -----------------------------------------------
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_NOCASE = re.compile(r"([\w.]+) COLLATE NOCASE", re.IGNORECASE)
_INDEXED_BY = re.compile(r"\s+INDEXED BY \w+", re.IGNORECASE)
_JSON_IN = re.compile(r"([\w.]+) IN \(SELECT value FROM json_each\(\?\)\)", re.IGNORECASE)
_JSON_EXTRACT = re.compile(r"json_extract\(([\w.]+), '\$\.([^']*)'\)(\s*(?:IN\b|=|!=|<|>)?)")
_LIKE = re.compile(r"\bLIKE\b")
_REAL = re.compile(r"\bAS REAL\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"%|\?|(?<![:\w]):([A-Za-z_]\w*)")
_KEYWORDS = {
    "where", "order", "group", "limit", "offset", "union", "join", "left", "inner",
    "on", "having", "except", "intersect", "window",
}  # fmt: skip


def _json_in(match) -> str:
    column = match.group(1)
    name = column.rsplit(".", 1)[-1]
    value = "CAST(value AS bigint)" if name == "id" or name.endswith("_id") else "value"
    return f"{column} IN (SELECT {value} FROM json_array_elements_text(CAST(? AS json)))"


def _json_path(path: str) -> str:
    return "{" + ",".join(re.sub(r"\[(\d+)\]", r".\1", path).split(".")) + "}"


def _json_extract(match) -> str:
    column, path, after = match.groups()
    # Compared with text: the value as text; selected: the JSON value itself (an id
    # comes back an int, as from SQLite's json_extract).
    operator = "#>>" if after.strip() else "#>"
    return f"(CAST({column} AS jsonb) {operator} '{_json_path(path)}'){after}"


def _matching_paren(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _alias_subqueries(code: str) -> str:
    """PostgreSQL 15 wants a name for every subquery in FROM."""
    out, pos, n = [], 0, 0
    for match in re.finditer(r"\bFROM\s*\(\s*SELECT\b", code, re.IGNORECASE):
        if match.start() < pos:
            continue
        open_at = code.index("(", match.start())
        close = _matching_paren(code, open_at)
        if close < 0:
            break
        following = re.match(r"\s*(\w+)", code[close + 1 :])
        inner = _alias_subqueries(code[open_at + 1 : close])
        out.append(code[pos:open_at] + "(" + inner + ")")
        if not following or following.group(1).lower() in _KEYWORDS:
            n += 1
            out.append(f" AS _q{n}")
        pos = close + 1
    out.append(code[pos:])
    return "".join(out)


def _nulls_first(code: str) -> str:
    """SQLite sorts NULL first (last when descending), PostgreSQL the other way round:
    every ORDER BY term, and every index column, says SQLite's order."""
    out, pos = [], 0
    for match in re.finditer(r"\bORDER BY\b|\bCREATE (?:UNIQUE )?INDEX\b", code, re.IGNORECASE):
        if match.start() < pos:
            continue
        if match.group().upper().startswith("CREATE"):
            open_at = code.find("(", match.end())
            if open_at < 0 or re.search(r"\bUSING\b", code[match.end() : open_at], re.I):
                continue  # a GIN index has no order
            close = _matching_paren(code, open_at)
            out.append(code[pos : open_at + 1])
            out.append(_terms(code[open_at + 1 : close]))
            pos = close
            continue
        start = match.end()
        depth, end = 0, len(code)
        i = start
        while i < len(code):
            ch = code[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    end = i
                    break
                depth -= 1
            elif depth == 0 and re.match(r"\s(LIMIT|OFFSET|UNION|FOR)\b", code[i:], re.I):
                end = i
                break
            i += 1
        out.append(code[pos:start])
        out.append(_terms(code[start:end]))
        pos = end
    out.append(code[pos:])
    return "".join(out)


_ID_TERM = re.compile(r"^\s*(\w+\.)?\"?id\"?(\s+(ASC|DESC))?$", re.IGNORECASE)


def _terms(clause: str) -> str:
    terms, depth, last = [], 0, 0
    for i, ch in enumerate(clause):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(clause[last:i])
            last = i + 1
    terms.append(clause[last:])
    done = []
    for term in terms:
        bare = term.rstrip()
        if re.search(r"\bNULLS (FIRST|LAST)$", bare, re.I) or not bare.strip():
            done.append(term)
        elif _ID_TERM.match(bare):
            # A table's own id is never NULL: left as it is, the primary key's index
            # gives the order either way (with NULLS FIRST, a sort of the table).
            done.append(term)
        elif re.search(r"\bDESC$", bare, re.I):
            done.append(f"{bare} NULLS LAST")
        else:
            done.append(f"{bare} NULLS FIRST")
    return ",".join(done)


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """One statement of the store (SQLite's dialect, ? and :name parameters) in
    PostgreSQL's, with psycopg's %s and %(name)s."""
    pieces = []
    pos = 0
    for match in _LITERAL.finditer(sql):
        pieces.append((False, sql[pos : match.start()]))
        pieces.append((True, match.group()))
        pos = match.end()
    pieces.append((False, sql[pos:]))
    # Code rewrites that may span a literal (json paths) run on the whole text with
    # literals in place; placeholders only outside literals.
    text = sql
    text = _NOCASE.sub(r"lower(\1)", text)
    text = _INDEXED_BY.sub("", text)
    text = _JSON_IN.sub(_json_in, text)
    text = _JSON_EXTRACT.sub(_json_extract, text)
    text = text.replace("group_concat(", "string_agg(").replace("instr(", "strpos(")
    text = _REAL.sub("AS double precision", text)
    text = _alias_subqueries(text)
    text = _nulls_first(text)
    out = []
    pos = 0
    for match in _LITERAL.finditer(text):
        out.append(_code(text[pos : match.start()]))
        out.append(match.group().replace("%", "%%"))
        pos = match.end()
    out.append(_code(text[pos:]))
    return "".join(out)


def _code(code: str) -> str:
    code = _LIKE.sub("ILIKE", code)  # SQLite's LIKE ignores ASCII case, as ILIKE in "C"

    def place(match):
        if match.group() == "%":
            return "%%"
        if match.group() == "?":
            return "%s"
        return f"%({match.group(1)})s"

    return _PLACEHOLDER.sub(place, code)


# -- the schema: the same migrations, their DDL in PostgreSQL's words -------------------
_FOLD_FUNCTION = r"""
CREATE OR REPLACE FUNCTION certcli_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fold$
  SELECT btrim(lower(regexp_replace(normalize(coalesce(t, ''), NFKD),
    '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')
    COLLATE "und-x-icu"))
$fold$
"""
_PRELUDE = [
    # pg_trgm is a trusted extension: the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # certcli.rules.validators.fold (NFKD, marks dropped, lower case) for the
    # directory's search, which SQLite gets as a Python function.
    _FOLD_FUNCTION,
    """CREATE TABLE IF NOT EXISTS _sqlite_migrations (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        migration_set TEXT NOT NULL,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL,
        UNIQUE (migration_set, name)
    )""",
]
_REFERENCE = re.compile(r"^(\s*)(\w+)(\s[^\n]*?)\s+REFERENCES (\w+)\((\w+)\)", re.MULTILINE)


class _MigrationDb:
    """What a migration function uses of sqlite-utils' Database, over PostgreSQL.
    Foreign keys are added at the end of the migration (SQLite lets a table point at
    one created later), deferrable (a copy inserts tables in name order)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.foreign_keys: list[str] = []

    def execute(self, sql: str, params=()):
        cursor = None
        for statement in self.ddl(sql):
            cursor = self.conn.execute(statement, params)
        return cursor

    def ddl(self, sql: str) -> list[str]:
        head = " ".join(sql.split()[:3]).upper()
        if "candidates_fts" in sql:
            # SQLite's FTS5 trigram table and its triggers: a trigram index here,
            # which the server keeps up to date itself.
            if head.startswith("CREATE VIRTUAL TABLE"):
                return [
                    "CREATE INDEX candidates_search_trgm ON candidates "
                    "USING gin (search_key gin_trgm_ops)"
                ]
            return []
        if not head.startswith(("CREATE TABLE", "ALTER TABLE")):
            return [sql]
        sql = re.sub(
            r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql
        )
        sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
        sql = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)  # SQLite's byte order
        sql = re.sub(r"(?m)^(\s*)end\b", r'\1"end"', sql)  # a reserved word here
        if head.startswith("CREATE TABLE"):
            table = sql.split()[2].split("(")[0]

            def later(match):
                indent, column, rest, parent, key = match.groups()
                self.foreign_keys.append(
                    f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) "
                    f"REFERENCES {parent}({key}) DEFERRABLE"
                )
                return f"{indent}{column}{rest}"

            sql = _REFERENCE.sub(later, sql)
        else:
            sql = re.sub(r"REFERENCES (\w+)\((\w+)\)", r"REFERENCES \1(\2) DEFERRABLE", sql)
        return [sql]

    def finish(self) -> None:
        for statement in self.foreign_keys:
            self.conn.execute(statement)
        self.foreign_keys = []


class PostgresDialect(SqliteDialect):
    name = "postgresql"
    lock_row = " FOR UPDATE"

    def begin_write(self, conn) -> None:
        conn.execute("BEGIN")
        try:
            conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        except BaseException:
            # Waited longer than the lock timeout: nothing begun, the desk may retry.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def begin_snapshot(self, conn) -> None:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def has_table(self, conn, name: str) -> bool:
        return bool(
            conn.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (name,),
            ).fetchone()
        )

    def applied_migrations(self, conn) -> list[str]:
        # One query, no catalog lookup first (information_schema is a costly view):
        # a database without the bookkeeping table answers UndefinedTable.
        try:
            cursor = conn.run(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'certcli' ORDER BY id"
            )
        except errors.UndefinedTable:
            return []
        except psycopg2.Error as exc:
            raise explain(exc) from None
        return [row[0] for row in cursor]

    def tables(self, conn) -> list[str]:
        return [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                "AND table_name NOT LIKE '\\_%' ESCAPE '\\' "
                'ORDER BY table_name COLLATE "C"'
            )
        ]

    def other_tables(self, conn) -> list[str]:
        return [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() "
                'ORDER BY table_name COLLATE "C" LIMIT 5'
            )
        ]

    def apply_migrations(self, conn) -> None:
        from certcli.store import migrations

        self.begin_write(conn)  # two desks running `init` at once: one migrates
        try:
            for statement in _PRELUDE:
                try:
                    conn.run(statement)
                except errors.InsufficientPrivilege as exc:
                    raise DatabaseError(
                        f"cannot create the schema ({_first_line(exc)}): the user needs "
                        "CREATE rights on the database (and on its public schema)"
                    ) from None
                except psycopg2.Error as exc:
                    raise explain(exc) from None
            done = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = 'certcli'"
                )
            }
            for name, function in migrations.functions():
                if name in done:
                    continue
                db = _MigrationDb(conn)
                function(db)
                db.finish()
                conn.execute(
                    "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                    "VALUES ('certcli', ?, ?)",
                    (name, str(dt.datetime.now(dt.UTC))),
                )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def insert_returning_id(self, conn, sql: str, params) -> int:
        return conn.execute(sql + " RETURNING id", params).fetchone()[0]

    def search_words(self, words: list[str], id_column: str) -> tuple[str, list]:
        # The trigram index answers LIKE '%word%' itself. The matches are gathered
        # first (ARRAY(...), once), then sorted: with `IN (SELECT ...)` the planner
        # walks a whole name index in order and tests each row (1.3 s at 100k).
        likes = " AND ".join("search_key LIKE ? ESCAPE '\\'" for _ in words)
        return (
            f"{id_column} = ANY(ARRAY(SELECT id FROM candidates WHERE {likes}))",
            [f"%{like_escape(w)}%" for w in words],
        )

    def id_among(self, column: str, subquery: str) -> str:
        # Gathered first (ARRAY(...), once), then looked up through the primary key:
        # with `IN (SELECT ...)` the planner hashed the matches and read every
        # certificate and holder to join them (directory search at 1M).
        return f"{column} = ANY(ARRAY({subquery}))"

    def plain_ascii(self, column: str) -> str:
        return f"{column} ~ '^[ -~]*$'"

    def register_fold(self, conn) -> None:
        pass  # certcli_fold is part of the schema (_PRELUDE)

    def bulk_load_start(self, conn, since: int, rows: int = 0) -> list[str]:
        return []  # the trigram index follows every insert at no extra cost per row

    def bulk_load_end(self, conn, since: int, paused=None) -> None:
        pass

    def read_batches(self, conn, sql: str, size: int, params=()):
        # A server-side cursor: the client holds one batch, not the result (psycopg2's
        # own cursor receives a whole result at once). WITH HOLD, so that it also
        # lives outside a transaction (an export, in autocommit: the server keeps the
        # result, spilling to disk past work_mem); inside one (db copy's snapshot) it
        # reads as it goes. Each cursor its own name: the FEC reads two at once.
        # (DECLARE and FETCH by hand: psycopg2's named cursors declare WITHOUT HOLD
        # inside a transaction of their own making.)
        name = f"certcli_read_{next(_CURSORS)}"
        if conn._trace:
            conn._trace(sql)
        cursor = conn._cursor()
        try:
            try:
                cursor.raw.execute(
                    f"DECLARE {name} NO SCROLL CURSOR WITH HOLD FOR {translate(sql)}",
                    _params(params),
                )
                while True:
                    cursor.raw.execute(f"FETCH {int(size)} FROM {name}")
                    rows = cursor.fetchall()
                    if not rows:
                        break
                    yield rows
            except psycopg2.Error as exc:
                raise explain(exc) from None
        finally:
            # Read to the end, or dropped half-read (a failed export): closed either
            # way; nothing to close when the DECLARE failed or the connection is gone.
            with contextlib.suppress(psycopg2.Error):
                conn.run(f"CLOSE {name}")

    def load_rows(self, conn, table: str, columns: list[str], rows: list[tuple]) -> None:
        # COPY: the rows stream to the server in one statement, no round trip each.
        names = ", ".join(f'"{c}"' for c in columns)
        try:
            with conn.raw.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {table} ({names}) FROM STDIN", _CopyText(rows), size=1 << 16
                )
            if "id" in columns:
                conn.follow_ids(table)
        except psycopg2.Error as exc:
            raise explain(exc) from None

    def after_bulk_load(self, conn) -> None:
        # The planner's statistics, now rather than at autovacuum's next pass: the
        # first commands on a moved office get the plans of a settled one.
        conn.execute("ANALYZE")

    def defer_constraints(self, conn) -> None:
        conn.execute("SET CONSTRAINTS ALL DEFERRED")

    def start_erasure(self, conn) -> None:
        pass  # the server overwrites nothing on request; see compact

    def after_erasure(self, conn) -> None:
        pass  # the trigram index follows each update

    def compact(self, conn) -> bool:
        # The old row versions stay in the server's pages until autovacuum reuses
        # them: no SQL reads them, and the backup (an SQLite copy of one snapshot,
        # store.copy) holds only the erased rows.
        return True

    def integrity_problems(self, conn, limit: int) -> list[str]:
        # The server checks its own pages (and reports damage on any read): nothing
        # to ask it here beyond reading every table, which the ledger checks do.
        return []

    def foreign_key_problems(self, conn) -> list:
        return []  # enforced by the server on every write, never switched off

    def server(self, conn) -> str:
        return f"PostgreSQL {conn.server_version}"

    def errors(self) -> tuple[type[Exception], ...]:
        return (psycopg2.Error, DatabaseError)


# -- COPY's text format -------------------------------------------------------------
_COPY_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}
)
_COPY_SPECIAL = re.compile(r"[\\\b\t\n\v\f\r]")


def _copy_text(value: str, special=_COPY_SPECIAL.search) -> str:
    return value.translate(_COPY_ESCAPES) if special(value) else value


def _copy_field(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\\\x" + bytes(value).hex()  # bytea's hex form, its backslash escaped
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return _copy_text(str(value))


# The usual types by their exact type, the rest through _copy_field's tests (the rows
# of a 100k office formatted in 1.4 s of CPU instead of 3.7).
_COPY_BY_TYPE: dict[type, Callable[[Any], str]] = {
    str: _copy_text,
    int: str,
    float: str,
    type(None): _copy_field,
}


def _copy_lines(rows):
    by_type = _COPY_BY_TYPE.get
    for row in rows:
        yield "\t".join([by_type(type(v), _copy_field)(v) for v in row]) + "\n"


class _CopyText:
    """Rows as COPY ... FROM STDIN reads them (tab-separated lines, \\N for NULL),
    a file psycopg2's copy_expert reads a block at a time: never the whole table in
    memory. A block is whole lines, about `size` characters (the server takes the
    data in any pieces)."""

    def __init__(self, rows):
        self._lines = _copy_lines(rows)

    def read(self, size: int = -1) -> bytes:
        chunk, have = [], 0
        for line in self._lines:
            chunk.append(line)
            have += len(line)
            if have >= size >= 0:
                break
        return "".join(chunk).encode()

    readline = read


POSTGRES = PostgresDialect()
