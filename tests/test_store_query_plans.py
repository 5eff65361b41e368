"""Every query the hot commands run uses an index: no scan of a whole big table, no
temporary B-tree sorting one (issue 20).

The statements are not copied here: the demo office is built, then every list, search,
due, stats and show command runs with SQLite's trace on, and each SELECT it really
executed goes through EXPLAIN QUERY PLAN. A new query in any of these commands is
checked the day it is written.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from certcli.store import base

pytestmark = pytest.mark.sqlite_only("reads SQLite's query plans (EXPLAIN QUERY PLAN)")

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

# Whole reads known and accepted, each named by its statement and the plan lines it
# may have, with why no index can answer it.
KNOWN_WHOLE_READS = [
    # directory search: a word may be part of a certificate number, and a substring
    # cannot be looked up in an index; the number index alone is read (no row, no
    # folding called: 5 ms for 33,333 certificates). The holders come through the
    # candidates' search index.
    (
        r"UNION SELECT x\.id FROM certificates x WHERE instr\(lower\(x\.number\)",
        {"SCAN x USING COVERING INDEX sqlite_autoindex_certificates_1", "UNION USING TEMP B-TREE"},
    ),
    # complaint list's count: every complaint of the register joined to its
    # certificate (the register grows by a few complaints a year), with --open only the
    # open ones through their partial index; the pages read in id order.
    (
        r"^SELECT count\(\*\) FROM \(SELECT c\.\*, cert\.number AS certificate.*"
        r"FROM complaints c JOIN certificates cert(?!.*WHERE).*\) listed$",
        {"SCAN c"},
    ),
    (
        r"^SELECT count\(\*\) FROM \(SELECT c\.\*, cert\.number AS certificate.*"
        r"FROM complaints c .* WHERE c\.closed_on IS NULL\) listed$",
        {"SCAN c USING INDEX complaints_open"},
    ),
    # directory search with no words, its caption's count: how many holders are listed,
    # each certificate's validity and consent checked (what the page says "of N").
    (
        r"^SELECT count\(\*\) FROM \(SELECT ce\.\*(?!.*instr\(certcli_fold).*"
        r"c\.directory_consent = 1\) listed$",
        {"SCAN ce"},
    ),
    # certificate list --valid-on, its caption's count: every certificate's validity on
    # the day checked (its periods through their index), as the listing itself reads
    # them in its order; the count runs without the listing's ORDER BY (count_of).
    (
        r"^SELECT count\(\*\) FROM \(SELECT ce\.\*(?!.*instr\(certcli_fold)(?!.*search_key)"
        r".*WHERE EXISTS \(SELECT 1 FROM certificate_periods p WHERE p\.certificate_id = ce\.id"
        r".*\) listed$",
        {"SCAN ce"},
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
        for pattern, lines in KNOWN_WHOLE_READS
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


def test_hot_queries_use_indexes(cli, db_path, traced):
    for command in COMMANDS:
        cli.ok(*command)
        if command[-1] not in ("--json",) and command[0] != "dues":
            cli.ok(*command, "--json")
    selects = {
        s
        for s in traced
        if re.match(r"\s*(SELECT|WITH)\b", s, re.I)
        and "sqlite_master" not in s
        and "_sqlite_migrations" not in s
    }
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


def test_window_reads_use_their_date_index(cli, db_path, traced):
    cli.ok("renewals", "due", "--as-of", "2026-11-25", "--all")
    cli.ok("stats", "--as-of", "2026-11-25", "--json")
    conn = sqlite3.connect(db_path)
    for fragment, index in WINDOW_READS.items():
        found = [s for s in set(traced) if fragment in s and re.match(r"\s*SELECT", s)]
        assert found, fragment
        for sql in found:
            assert any(index in line for line in _plan(conn, sql)), (sql, _plan(conn, sql))


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
