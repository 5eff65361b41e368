"""Every query the hot commands run uses an index: no scan of a whole big table, no
temporary B-tree sorting one (issue 20).

The statements are not copied here: the demo office is built, then every list, search,
due, stats and show command runs with SQLite's trace on, and each SELECT it really
executed goes through EXPLAIN QUERY PLAN. A new query in any of these commands is
checked the day it is written.

On PostgreSQL the same commands run, each SELECT is captured with its parameters bound,
and EXPLAIN reads its plan with the planner told to avoid sequential scans, hash and
merge joins (enable_seqscan, enable_hashjoin, enable_mergejoin off). At a test's size
the planner would rightly read a few pages whole and hash them, whatever the indexes;
with those off it takes an index wherever one can answer, so a whole read left in the
plan means no index can, and a sort above one sorts a whole table (the same rule as on
SQLite). (Sorts stay allowed: with enable_sort off too, it walks a whole index in order
to avoid sorting a handful of rows.) Which plan it picks at 1M with real statistics is
measured, not tested: README, "Offices of every size".
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from certcli.store import base

sqlite_only = pytest.mark.sqlite_only("reads SQLite's query plans (EXPLAIN QUERY PLAN)")
postgresql_only = pytest.mark.postgresql_only("reads PostgreSQL's query plans (EXPLAIN)")

# Tables that grow with the office. Small reference tables may be scanned, and sorted
# when their order is not their id's: sessions (a few commission sessions a year),
# instructors and experts (the secretariat's staff), evaluators (the organisations
# accredited for the CQPT), members (the few who sit on the three commissions),
# counters (one row per numbering series).
BIG = {
    "companies",
    "complaints",
    "pending_letters",
    "candidates",
    "dossiers",
    "certificates",
    "certificate_periods",
    "invoices",
    "payments",
    "dossier_events",
    "pieces",
    "requests",
    "interviews",
    "appeals",
    "agenda_items",
    "letters",
    "reminders",
    "audit_log",
    "experiences",
    "cqpt_phases",
    "letter_notifications",
}

# A listing that reads a whole table in the order it shows, a page at a time (LIMIT)
# or streamed, is the rows it shows: the driving table may be read through an index in
# that order (SCAN x USING INDEX) or in rowid order when the listing is by id.
ORDERED_LISTINGS = re.compile(r"ORDER BY .* LIMIT|ORDER BY ce\.scheme, ce\.number", re.DOTALL)

# Whole reads known and accepted, each named by its statement, the SQLite plan lines it
# may have and the tables (by alias) PostgreSQL may read whole for it, with why no index
# can answer it.
KNOWN_WHOLE_READS = [
    # directory search: a word may be part of a certificate number, and a substring
    # cannot be looked up in an index; the number index alone is read (no row, no
    # folding called: 5 ms for 33,333 certificates). The holders come through the
    # candidates' search index.
    (
        r"UNION SELECT x\.id FROM certificates x WHERE instr\(lower\(x\.number\)",
        {"SCAN x USING COVERING INDEX sqlite_autoindex_certificates_1", "UNION USING TEMP B-TREE"},
        {"x_1", "x"},
    ),
    # complaint list's count: every complaint of the register joined to its
    # certificate (the register grows by a few complaints a year), with --open only the
    # open ones through their partial index; the pages read in id order.
    (
        r"^SELECT count\(\*\) FROM \(SELECT c\.\*, cert\.number AS certificate.*"
        r"FROM complaints c JOIN certificates cert(?!.*WHERE).*\) listed$",
        {"SCAN c"},
        {"c"},
    ),
    (
        r"^SELECT count\(\*\) FROM \(SELECT c\.\*, cert\.number AS certificate.*"
        r"FROM complaints c .* WHERE c\.closed_on IS NULL\) listed$",
        {"SCAN c USING INDEX complaints_open"},
        {"c"},
    ),
    # directory search with no words, its caption's count: how many holders are listed,
    # each certificate's validity and consent checked (what the page says "of N").
    (
        r"^SELECT count\(\*\) FROM \(SELECT ce\.\*(?!.*instr\(certcli_fold).*"
        r"c\.directory_consent = 1\) listed$",
        {"SCAN ce"},
        {"ce", "c"},
    ),
    # certificate list --valid-on, its caption's count: every certificate's validity on
    # the day checked (its periods through their index), as the listing itself reads
    # them in its order; the count runs without the listing's ORDER BY (count_of).
    (
        r"^SELECT count\(\*\) FROM \(SELECT ce\.\*(?!.*instr\(certcli_fold)(?!.*search_key)"
        r".*WHERE EXISTS \(SELECT 1 FROM certificate_periods p WHERE p\.certificate_id = ce\.id"
        r".*\) listed$",
        {"SCAN ce"},
        {"ce"},
    ),
]

COMMANDS = [
    ("candidate", "list"),
    ("candidate", "list", "--search", "dupont"),
    ("candidate", "show", "1"),
    ("dossier", "list"),
    ("dossier", "list", "--status", "instruction"),
    ("dossier", "show", "2026-0005"),
    ("certificate", "list"),
    ("certificate", "list", "--valid-on", "2026-01-01"),
    ("certificate", "list", "--scheme", "ECO"),
    ("certificate", "show", "ECO-2022-0001", "--as-of", "2026-11-25"),
    ("invoice", "list"),
    ("invoice", "list", "--unpaid"),
    ("invoice", "list", "--year", "2026"),
    ("directory", "search"),
    ("directory", "search", "martin"),
    ("renewals", "due", "--as-of", "2026-11-25"),
    ("renewals", "due", "--as-of", "2026-11-25", "--months", "48", "--limit", "2", "--page", "2"),
    ("renewals", "due", "--as-of", "2026-11-25", "--pending", "--all"),
    ("renewals", "due", "--as-of", "2026-11-25", "--include-expired"),
    ("stats", "--as-of", "2026-11-25"),
    ("stats", "--as-of", "2026-04-30"),
    ("appeal", "list"),
    ("appeal", "list", "--pending", "--all"),
    ("mandate", "list"),
    ("mail", "queue", "--status", "queued"),
    ("letters", "log"),
    ("letters", "log", "--candidate", "3"),
    ("letters", "log", "--dossier", "2026-0005"),
    ("log",),
    ("dues", "call", "--year", "2027", "--date", "2026-11-25", "--json"),  # read back too
    # The small lists paged like every list (issue 20): a page, its count and --all.
    ("instructor", "list"),
    ("instructor", "list", "--role", "expert", "--all"),
    ("commission", "list"),
    ("commission", "list", "--year", "2026", "--kind", "award", "--all"),
    ("company", "list"),
    ("company", "list", "--all"),
    ("letters", "pending"),
    ("letters", "pending", "--all"),
    ("complaint", "list"),
    ("complaint", "list", "--open"),
    ("complaint", "list", "--open", "--all"),
    ("evaluator", "list"),
    ("evaluator", "list", "--all"),
    ("experience", "list", "--candidate", "1"),
    ("experience", "list", "--candidate", "1", "--all"),
    ("member", "list"),
    ("member", "list", "--commission", "award", "--retired"),
    ("member", "list", "--all"),
]


def _plan(conn, sql: str) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]


def _faults(sql: str, plan: list[str], pages: frozenset[str] = frozenset()) -> list[str]:
    """The plan lines that read or sort a whole big table.

    A scan of a big table is allowed only as the driving read of a listing in the
    order it shows (paged with LIMIT, or streamed), or through a covering index for a
    count. A temporary B-tree is allowed only over rows found by a search (an index
    lookup or range, the full-text index): what the command shows, never a whole
    table. A statement run also as a page (`pages`: the same SELECT with a LIMIT) is
    that listing streamed (--all)."""
    faults, whole = [], False
    listing = bool(ORDERED_LISTINGS.search(sql)) or any(
        page.startswith(sql + " LIMIT") for page in pages
    )
    counting = bool(re.search(r"\bcount\(", sql))
    known = {
        line
        for pattern, lines, _ in KNOWN_WHOLE_READS
        if re.search(pattern, sql, re.S)
        for line in lines
    }
    first = plan[0] if plan else None
    plan = [line for line in plan if line not in known]
    for line in plan:
        match = re.match(r"SCAN (\w+)(?: AS \w+)?( USING (COVERING )?INDEX \w+)?$", line)
        if match is None or _table_of(sql, match.group(1)) not in BIG:
            continue
        if match.group(3) and counting:
            continue
        if listing and (match.group(2) or line == first):
            continue
        faults.append(line)
        whole = True
    if whole or any(
        re.match(r"SCAN (\w+)$", line) and _table_of(sql, line.split()[1]) in BIG for line in plan
    ):
        faults += [line for line in plan if "TEMP B-TREE" in line]
    return faults


def _table_of(sql: str, alias: str) -> str:
    # "certificates x", not "SELECT x.id": an alias is named after its table.
    found = re.search(rf"\b(\w+)\s+(?:AS\s+)?{alias}\b(?!\.)", sql)
    if alias in BIG:
        return alias
    return found.group(1) if found else alias


@pytest.fixture
def traced(cli, db_path, monkeypatch):
    cli.ok("demo", "--date", "2026-11-25")
    statements: list[str] = []
    connect = base.BaseStore._connect

    def tracing(self, memory, create):
        conn = connect(self, memory, create)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(base.BaseStore, "_connect", tracing)
    return statements


def _run_commands(cli) -> None:
    for command in COMMANDS:
        cli.ok(*command)
        if command[-1] not in ("--json",) and command[0] != "dues":
            cli.ok(*command, "--json")


def _is_select(sql: str) -> bool:
    return (
        re.match(r"\s*(SELECT|WITH)\b", sql, re.I) is not None
        and "sqlite_master" not in sql
        and "_sqlite_migrations" not in sql
    )


@sqlite_only
def test_hot_queries_use_indexes(cli, db_path, traced):
    _run_commands(cli)
    selects = {s for s in traced if _is_select(s)}
    assert len(selects) > 40  # the commands really ran their queries
    conn = sqlite3.connect(db_path)
    conn.create_function("certcli_fold", 1, str.lower)
    pages = frozenset(s for s in selects if " LIMIT " in s)
    bad = {
        sql: faults for sql in sorted(selects) if (faults := _faults(sql, _plan(conn, sql), pages))
    }
    assert not bad, "\n\n".join(f"{sql}\n  -> {faults}" for sql, faults in bad.items())


# The reads of a window of days go through the index on its dates (migration m029):
# a fragment of each statement, and the index its plan must use.
WINDOW_READS = {
    "FROM certificate_periods p": "certificate_periods_end",  # renewals due, stats
    "AND i.issued_on BETWEEN": "invoices_kind_issued",  # stats: the year's income
    "FROM dossier_events w WHERE w.date BETWEEN": "dossier_events_date",  # stats: delays
}


@sqlite_only
def test_window_reads_use_their_date_index(cli, db_path, traced):
    cli.ok("renewals", "due", "--as-of", "2026-11-25", "--all")
    cli.ok("stats", "--as-of", "2026-11-25", "--json")
    conn = sqlite3.connect(db_path)
    for fragment, index in WINDOW_READS.items():
        found = [s for s in set(traced) if fragment in s and re.match(r"\s*SELECT", s)]
        assert found, fragment
        for sql in found:
            assert any(index in line for line in _plan(conn, sql)), (sql, _plan(conn, sql))


@sqlite_only
def test_directory_search_finds_holders_through_the_search_index(cli, db_path, traced):
    """The directory's words are looked up (the candidates' search index, the number
    index), and the folded text is matched only on what they found."""
    cli.ok("directory", "search", "martin", "--json")
    conn = sqlite3.connect(db_path)
    conn.create_function("certcli_fold", 1, str.lower)
    found = [s for s in set(traced) if "instr(certcli_fold(c.first_name" in s]
    assert found
    for sql in found:
        plan = _plan(conn, sql)
        assert plan[0].startswith("SEARCH ce USING INTEGER PRIMARY KEY"), plan
        assert any("candidates_fts" in line for line in plan), plan


@sqlite_only
def test_the_directory_reads_in_its_order(cli, db_path, traced, tmp_path):
    """directory search with no words (a page, a later page, --all) and the directory
    export read the certificates through the index of the directory's order (m033:
    the holders' folded names kept on each certificate, then the number): nothing
    sorts every holder, so a page reads the certificates up to its last."""
    cli.ok("directory", "search", "--json")
    cli.ok("directory", "search", "--limit", "2", "--page", "2")
    cli.ok("directory", "search", "--all")
    cli.ok("directory", "export", "--out", str(tmp_path / "annuaire.csv"))
    conn = sqlite3.connect(db_path)
    found = [
        s
        for s in set(traced)
        if "ORDER BY ce.sort_last, ce.sort_first, ce.number" in s and "instr(" not in s
    ]
    assert len(found) >= 2  # a page and the whole directory
    for sql in found:
        plan = _plan(conn, sql)
        assert plan[0] == "SCAN ce USING INDEX certificates_directory", plan
        assert not any("TEMP B-TREE" in line for line in plan), plan


@sqlite_only
def test_the_check_sees_a_scan():
    """The rule catches what it is for: a lookup on an unindexed column."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, credit_for INTEGER)")
    sql = "SELECT * FROM invoices i WHERE i.credit_for = 3"
    assert _faults(sql, _plan(conn, sql)) == ["SCAN i"]
    sql = "SELECT * FROM invoices i ORDER BY credit_for"
    assert "USE TEMP B-TREE FOR ORDER BY" in _faults(sql, _plan(conn, sql))
    conn.execute("CREATE INDEX invoices_credit_for ON invoices(credit_for)")
    sql = "SELECT * FROM invoices i WHERE i.credit_for = 3"
    assert _faults(sql, _plan(conn, sql)) == []
    # An alias is known by its table even when the statement names it first ("x.id").
    sql = "SELECT x.id FROM invoices x WHERE x.id + 0 = 3"
    assert _faults(sql, _plan(conn, sql)) == ["SCAN x"]
    # A whole read in the listing's order is allowed streamed (--all) when the same
    # statement was also run as its page.
    sql = "SELECT * FROM invoices i WHERE i.credit_for + 0 = 3 ORDER BY i.id"
    assert _faults(sql, _plan(conn, sql)) == ["SCAN i"]
    assert _faults(sql, _plan(conn, sql), frozenset([sql + " LIMIT 50 OFFSET 0"])) == []


@pytest.mark.sqlite_only("reads SQLite's query plan")
def test_search_uses_the_index(store):
    clause, params = store.candidate_match("marechal thierry", "d.candidate_id")
    plan = [
        r[3]
        for r in store.all("EXPLAIN QUERY PLAN SELECT d.id FROM dossiers d WHERE " + clause, params)
    ]
    assert any("candidates_fts" in step for step in plan), plan


@sqlite_only
def test_company_list_counts_companies_and_the_shown_ones_employees(cli, traced):
    """company list's caption counts the companies, no employee count made for each,
    and the employees are counted for the companies shown only: a page's, or a batch's
    of --all."""
    for n in range(1, 6):  # company n: "entreprise n"
        siret = f"73282932000{n}0{(8, 7, 6, 5, 4)[n - 1]}"
        cli.ok("company", "add", "--name", f"entreprise {n}", "--siret", siret)
    for candidate, company in ((1, 4), (2, 4), (3, 3), (4, 1)):  # 3 and 4: page 2
        cli.ok("candidate", "edit", candidate, "--employer-id", company)
    traced.clear()
    shown = cli.json("company", "list", "--limit", "2", "--page", "2")
    assert [(c["name"], c["employee_count"]) for c in shown] == [
        ("entreprise 3", 1),
        ("entreprise 4", 2),
    ]
    counts = [s for s in traced if re.match(r"SELECT count\(\*\) FROM \(.*companies", s)]
    assert counts and not any("candidates" in s for s in counts), counts
    employees = [s for s in traced if "FROM candidates" in s and "employer_id" in s]
    assert len(employees) == 1 and "employer_id IN (3, 4)" in employees[0], employees
    traced.clear()
    every = cli.json("company", "list", "--all")
    assert [c["employee_count"] for c in every] == [1, 0, 1, 2, 0]
    employees = [s for s in traced if "FROM candidates" in s and "employer_id" in s]
    assert len(employees) == 1 and "IN (1, 2, 3, 4, 5)" in employees[0], employees


# -- PostgreSQL ------------------------------------------------------------------------
# Told to avoid what a tiny table makes cheap: what is left has no index to go through.
_PG_PLANNER = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")


@pytest.fixture
def bound(cli, db_path, monkeypatch):
    """Every statement the commands run on PostgreSQL: (the store's SQL, the server's
    statement with its parameters bound, as sent)."""
    from certcli.store import postgres

    cli.ok("demo", "--date", "2026-11-25")
    statements: list[tuple[str, str]] = []

    def record(conn, sql, params):
        text = conn.raw.cursor().mogrify(postgres.translate(sql), postgres._params(params))
        statements.append((sql, text.decode() if isinstance(text, bytes) else text))

    execute = postgres.Connection.execute

    def executing(self, sql, params=()):
        record(self, sql, params)
        return execute(self, sql, params)

    read_batches = postgres.PostgresDialect.read_batches

    def reading(self, conn, sql, size, params=()):
        record(conn, sql, params)
        return read_batches(self, conn, sql, size, params)

    monkeypatch.setattr(postgres.Connection, "execute", executing)
    monkeypatch.setattr(postgres.PostgresDialect, "read_batches", reading)
    return statements


@pytest.fixture
def planner(db_path):
    """A connection whose tables are a freshly migrated, empty copy of the schema, never
    analyzed: the planner then takes every table for ten pages (its rule for a table
    without statistics), whatever the tests before left in the test schema's tables or
    autovacuum has read of them, so the plans are the same in any order of the suite.
    The commands' statements are explained there. (Made before `bound` records: its
    migrations are not the commands'.)"""
    from certcli.store import postgres

    url, schema = str(db_path), "search_path%3Dcertcli_t%2C"
    assert schema in url  # the test schema's search_path, in the URL's options
    conn = postgres.connect(url.replace(schema, "search_path%3Dcertcli_plans%2C"))
    conn.run("DROP SCHEMA IF EXISTS certcli_plans CASCADE")
    conn.run("CREATE SCHEMA certcli_plans")
    try:
        postgres.POSTGRES.apply_migrations(conn)
        yield conn
    finally:
        conn.run("DROP SCHEMA certcli_plans CASCADE")
        conn.close()


def _pg_plan(conn, text: str) -> dict:
    for setting in _PG_PLANNER:
        conn.run(f"SET {setting} = off")
    try:
        plan = conn.run("EXPLAIN (FORMAT JSON) " + text).fetchone()[0]  # no parameters: % as is
        return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    finally:
        for setting in _PG_PLANNER:
            conn.run(f"RESET {setting}")


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _driving(plan: dict) -> dict:
    """The scan the plan starts from: down the outer side of every join."""
    while plan.get("Plans") and "Relation Name" not in plan:
        outer = [
            p for p in plan["Plans"] if p.get("Parent Relationship") not in ("InitPlan", "SubPlan")
        ]
        plan = outer[0] if outer else plan["Plans"][0]
    return plan


def _whole(node: dict) -> bool:
    """A node that reads its table whole: a sequential scan, or an index walked from
    end to end (no condition on it)."""
    kind = node["Node Type"]
    return kind == "Seq Scan" or (
        kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
    )


def _pg_faults(sql: str, plan: dict, pages: frozenset[str] = frozenset()) -> list[str]:
    """_faults' rule on a PostgreSQL plan: a whole read of a big table only as the
    driving read of a listing in its order (through an index, or the table itself for
    a listing by id), through an index alone for a count, or one of KNOWN_WHOLE_READS;
    a sort only when no big table is read whole."""
    listing = bool(ORDERED_LISTINGS.search(sql)) or any(
        page.startswith(sql + " LIMIT") for page in pages
    )
    counting = bool(re.search(r"\bcount\(", sql))
    known = {
        alias
        for pattern, _, aliases in KNOWN_WHOLE_READS
        if re.search(pattern, sql, re.S)
        for alias in aliases
    }
    driving = _driving(plan)
    faults, bare = [], False
    for node in _nodes(plan):
        table = node.get("Relation Name")
        if table not in BIG or not _whole(node) or node.get("Alias") in known:
            continue
        line = f"{node['Node Type']} on {table} {node.get('Alias')}"
        if counting and node["Node Type"] == "Index Only Scan":
            continue
        if listing and (node["Node Type"] != "Seq Scan" or node is driving):
            bare = bare or node["Node Type"] == "Seq Scan"
            continue
        faults.append(line)
    if faults or bare:
        faults += [
            f"{n['Node Type']} by {n.get('Sort Key')}"
            for n in _nodes(plan)
            if n["Node Type"] in ("Sort", "Incremental Sort")
        ]
    return faults


@postgresql_only
def test_hot_queries_use_indexes_on_postgresql(cli, planner, bound):
    _run_commands(cli)
    selects = {(sql, text) for sql, text in bound if _is_select(sql)}
    assert len(selects) > 40  # the commands really ran their queries
    pages = frozenset(sql for sql, _ in selects if " LIMIT " in sql)
    bad = {
        text: faults
        for sql, text in sorted(selects)
        if (faults := _pg_faults(sql, _pg_plan(planner, text), pages))
    }
    assert not bad, "\n\n".join(f"{text}\n  -> {faults}" for text, faults in bad.items())


@postgresql_only
def test_window_reads_use_their_date_index_on_postgresql(cli, planner, bound):
    cli.ok("renewals", "due", "--as-of", "2026-11-25", "--all")
    cli.ok("stats", "--as-of", "2026-11-25", "--json")
    for fragment, index in WINDOW_READS.items():
        found = [text for sql, text in set(bound) if fragment in sql and _is_select(sql)]
        assert found, fragment
        for text in found:
            plan = _pg_plan(planner, text)
            assert any(n.get("Index Name") == index for n in _nodes(plan)), (text, plan)


@postgresql_only
def test_directory_search_finds_holders_through_the_search_index_on_postgresql(cli, planner, bound):
    cli.ok("directory", "search", "martin", "--json")
    found = [text for sql, text in set(bound) if "instr(certcli_fold(c.first_name" in sql]
    assert found
    for text in found:
        plan = _pg_plan(planner, text)
        names = {n.get("Index Name") for n in _nodes(plan)}
        assert "candidates_search_trgm" in names and "certificates_pkey" in names, plan


@postgresql_only
def test_the_check_sees_a_scan_on_postgresql(store):
    """The rule catches a lookup on an unindexed column on PostgreSQL too."""
    raw = store.conn
    raw.run("CREATE TEMPORARY TABLE invoices (id bigint PRIMARY KEY, credit_for bigint)")
    try:
        sql = "SELECT * FROM invoices i WHERE i.credit_for = 3"
        assert _pg_faults(sql, _pg_plan(raw, sql)) == ["Seq Scan on invoices i"]
        sql = "SELECT * FROM invoices i ORDER BY credit_for"
        faults = _pg_faults(sql, _pg_plan(raw, sql))
        assert "Seq Scan on invoices i" in faults and any("Sort" in f for f in faults)
        raw.run("CREATE INDEX invoices_credit_for ON invoices(credit_for)")
        sql = "SELECT * FROM invoices i WHERE i.credit_for = 3"
        assert _pg_faults(sql, _pg_plan(raw, sql)) == []
        sql = "SELECT * FROM invoices i ORDER BY credit_for LIMIT 50"
        assert _pg_faults(sql, _pg_plan(raw, sql)) == []  # a page in the index's order
    finally:
        raw.run("DROP TABLE invoices")
