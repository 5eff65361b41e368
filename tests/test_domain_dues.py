"""Dues (certcli/domain/dues.py): the annual call, and the prorata a renewal owes or not,
and "dues already invoiced" (cancelled invoices counted) shared by the grant and the call."""

from __future__ import annotations

import datetime as dt

import pytest
from commission_helpers import decide_at, new_candidate, session, transmit_cqpt

from certcli.domain import dues, invoices
from certcli.errors import ValidationError
from certcli.rules import schemes


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_annual_call_invoices_holders_valid_on_1_january_once(cli, store, unchanged):
    held = decide_at(cli, store, "2026-03-12")["certificate"]  # valid 1/1/2027
    withdrawn = decide_at(cli, store, "2026-04-01")["certificate"]
    prog = decide_at(cli, store, "2026-11-05", scheme="PROG")["certificate"]
    cli.ok("certificate", "withdraw", withdrawn, "--reason", "x", "--date", "2026-12-01")
    expired = decide_at(cli, store, "2022-06-15")["certificate"]  # until 2026-06-14
    granted_in_year = decide_at(cli, store, "2027-01-01")["certificate"]  # paid 12/12 already
    cpne = session(cli, "2026-10-06", "cpne")
    cli.ok("commission", "decide", cpne, transmit_cqpt(cli, store, cpne), "--grant")
    result = cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15")
    # F-2026-00001 to -00007: the four 2026 dossiers' fees and three grants' dues
    assert [(i["certificate"], i["amount"], i["number"]) for i in result["invoiced"]] == [
        (held, "360.00", "F-2026-00008"),
        (prog, "360.00", "F-2026-00009"),
    ]
    assert result["count"] == 2 and result["total"] == "720.00"
    invoice = cli.json("invoice", "show", "F-2026-00008")
    assert invoice["dues_year"] == 2027 and invoice["purpose"] == "dues-call"
    assert invoice["label"] == "Cotisation annuelle ECO 2027"
    assert expired not in {i["certificate"] for i in result["invoiced"]}
    assert granted_in_year not in {i["certificate"] for i in result["invoiced"]}
    with unchanged():
        again = cli.ok("dues", "call", "--year", "2027", "--date", "2027-01-10").stdout
        # Two valid on 1 January; the certificate granted in 2027 (prorata) is not one.
        assert "the 2 certificate(s) valid on 1 January 2027 already have their 2027" in again
        assert cli.json("dues", "call", "--year", "2027", "--date", "2027-01-10")["invoiced"] == []


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_cancelled_call_invoice_is_not_called_again(cli, store, unchanged):
    cid = new_candidate(cli)
    decide_at(cli, store, "2026-03-12", candidate=cid)
    number = cli.json("dues", "call", "--year", "2027", "--date", "2027-01-05")["invoiced"][0][
        "number"
    ]
    cli.ok("invoice", "cancel", number, "--reason", "exonération", "--date", "2027-01-06")
    with unchanged():
        assert cli.json("dues", "call", "--year", "2027", "--date", "2027-02-01")["invoiced"] == []


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_the_database_itself_refuses_a_second_call_invoice(cli, store):
    import sqlite3

    import pytest

    decide_at(cli, store, "2026-03-12")
    cli.ok("dues", "call", "--year", "2027", "--date", "2027-01-05")
    row = dict(store.one("SELECT * FROM invoices WHERE purpose = 'dues-call'"))
    row.pop("id")
    row.update(number="F-2027-09999", seq=9999)
    from certcli.errors import DatabaseError

    # The unique index itself, on either engine (PostgreSQL's error comes as a
    # DatabaseError through the store's connection).
    with pytest.raises((sqlite3.IntegrityError, DatabaseError), match="(?i)unique"):
        store.insert("invoices", row)


def test_a_call_with_no_holder_says_so(cli, unchanged):
    with unchanged():
        out = cli.ok("dues", "call", "--year", "2027", "--date", "2027-01-05").stdout
    assert "no holder owing dues is valid on 1 January 2027" in out


# -- renewals and dues ----------------------------------------------------------------------
def _renew(cli, store, number, cid, date):
    return decide_at(cli, store, date, kind="renewal", certificate=number, candidate=cid)


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_continued_renewal_owes_no_prorata_and_the_call_invoices_it(cli, store):
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-06-15", candidate=cid)["certificate"]
    renewed = _renew(cli, store, number, cid, "2030-06-14")  # on valid_until
    assert renewed["valid_until"] == "2034-06-14"
    assert (renewed["invoice"], renewed["amount"]) == (None, None)
    called = cli.json("dues", "call", "--year", "2030", "--date", "2030-06-20")
    assert [(i["certificate"], i["amount"]) for i in called["invoiced"]] == [(number, "360.00")]


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_lapsed_renewal_owes_the_prorata_only_across_1_january(cli, store):
    # Valid on 1 January 2030 (until 2030-03-11), renewed after the lapse: the 2030
    # call covers the whole year, whether it runs before or after the renewal.
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    renewed = _renew(cli, store, number, cid, "2030-06-14")
    assert renewed["invoice"] is None
    assert [
        i["certificate"]
        for i in cli.json("dues", "call", "--year", "2030", "--date", "2030-06-20")["invoiced"]
    ] == [number]
    # Not valid on 1 January 2031 (lapse from 2030-11-03 to 2031-02-09): no call
    # covers 2031, the renewal starts the dues like a new grant (11/12).
    other = new_candidate(cli)
    lapsed = decide_at(cli, store, "2026-11-03", candidate=other)["certificate"]
    again = _renew(cli, store, lapsed, other, "2031-02-10")
    assert again["amount"] == "330.00"
    assert cli.json("invoice", "show", again["invoice"])["dues_year"] == 2031


# -- the annual call knows only what was decided by its date -----------------------------
@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_dues_call_is_not_made_years_ahead(cli, store, unchanged):
    with unchanged():
        err = cli.fails("dues", "call", "--year", "2029", "--date", "2027-01-06").stderr
        assert "the 2029 dues cannot be called on 2027-01-06" in err
        assert "next year's (2028)" in err
    later = decide_at(cli, store, "2027-12-20")["certificate"]  # after the call date
    with unchanged():
        assert cli.json("dues", "call", "--year", "2028", "--date", "2027-12-15")["invoiced"] == []
    called = cli.json("dues", "call", "--year", "2028", "--date", "2028-01-10")
    assert [i["certificate"] for i in called["invoiced"]] == [later]


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_cancelled_dues_invoice_still_counts_for_the_grant_and_the_call(cli, store):
    cid = new_candidate(cli)
    granted = decide_at(cli, store, "2026-03-12", candidate=cid)
    cert = store.one("SELECT * FROM certificates WHERE number = ?", (granted["certificate"],))
    called = cli.json("dues", "call", "--year", "2027", "--date", "2027-01-05")["invoiced"]
    for number, day in ((granted["invoice"], "2026-04-01"), (called[0]["number"], "2027-01-06")):
        cli.ok("invoice", "cancel", number, "--reason", "exonération", "--date", day)
    assert store.dues_invoiced(cert["id"], 2026) and store.dues_invoiced(cert["id"], 2027)
    assert not store.dues_invoiced(cert["id"], 2028)
    # The call and a grant's prorata answer alike: neither invoices 2027 again.
    assert cli.json("dues", "call", "--year", "2027", "--date", "2027-02-01")["invoiced"] == []
    with store.transaction():
        again = dues.invoice_grant(
            store,
            scheme=schemes.get("ECO"),
            candidate_id=cid,
            certificate_id=cert["id"],
            dossier_id=store.dossier(granted["ref"])["id"],
            date=dt.date(2027, 6, 1),
        )
    assert again is None
    dues_invoices = "SELECT count(*) FROM invoices WHERE kind = 'invoice' AND purpose LIKE 'dues%'"
    assert store.scalar(dues_invoices) == 2


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_the_call_runs_as_many_queries_for_three_holders_as_for_one(cli, store):
    """The call is one batch: its reads (and updates) do not grow with the holders,
    only the rows it inserts do (issue 20: no statements per invoice)."""
    decide_at(cli, store, "2026-03-12")

    def queries(year: int, day: str) -> tuple[int, list]:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        try:
            result = dues.call(store, year, date=dt.date.fromisoformat(day))
        finally:
            store.conn.set_trace_callback(None)
        # SQLite traces each row of a bulk insert as a statement; PostgreSQL copies them.
        # (The invoices' journal entries are one such bulk insert too.)
        inserts = ("INSERT INTO invoices", "INSERT INTO audit_log", "INSERT INTO journal ")
        return result.count, [s for s in statements if not s.lstrip().startswith(inserts)]

    one, for_one = queries(2027, "2026-12-15")
    decide_at(cli, store, "2027-02-10")
    decide_at(cli, store, "2027-03-10", scheme="PROG")
    three, for_three = queries(2028, "2027-12-15")
    assert (one, three) == (1, 3)
    assert len(for_three) == len(for_one), for_three
    numbers = [i["number"] for i in cli.json("invoice", "list", "--year", "2027", "--all")]
    assert numbers == [f"F-2027-{n:05d}" for n in range(1, len(numbers) + 1)]  # gapless


@pytest.mark.today("2032-12-31")
def test_a_call_in_several_batches_numbers_them_in_order_in_one_transaction(
    cli, store, monkeypatch
):
    """The call writes its invoices a batch at a time (memory stays that of a batch):
    with batches of two, three holders still get consecutive numbers in one call, in
    the call's order, and a failure in the second batch leaves none of the first."""
    decide_at(cli, store, "2026-03-12")
    decide_at(cli, store, "2026-04-10")
    decide_at(cli, store, "2026-05-10", scheme="PROG")
    monkeypatch.setattr(dues, "BATCH", 2)
    before = store.scalar("SELECT count(*) FROM invoices")
    real = invoices.issue_many
    calls = []

    def failing_second(store_, items, **kw):
        calls.append(len(items))
        if len(calls) == 2:
            raise ValidationError("the disk is full")
        return real(store_, items, **kw)

    monkeypatch.setattr(invoices, "issue_many", failing_second)
    with pytest.raises(ValidationError):
        dues.call(store, 2027, date=dt.date(2026, 12, 15))
    assert calls == [2, 1] and store.scalar("SELECT count(*) FROM invoices") == before
    monkeypatch.setattr(invoices, "issue_many", real)
    called = dues.call(store, 2027, date=dt.date(2026, 12, 15))
    numbers = [i.number for i in called.invoiced]
    first = int(numbers[0].rsplit("-", 1)[1])
    assert numbers == [f"F-2026-{n:05d}" for n in range(first, first + 3)]
    assert sorted(i.certificate for i in called.invoiced) == [
        i.certificate for i in called.invoiced
    ]


@pytest.mark.today("2032-12-31")
def test_a_big_call_lists_a_page_of_its_invoices_and_json_all(cli, store, monkeypatch):
    from certcli.cli import dues as dues_cli

    for day in ("2026-03-12", "2026-04-10", "2026-05-10"):
        decide_at(cli, store, day)
    monkeypatch.setattr(dues_cli, "SHOWN", 2)
    out = cli.ok("dues", "call", "--year", "2027", "--date", "2026-12-15").stdout
    assert out.count("F-2026-") == 2 and "3 invoices, 1\u202f080,00\xa0€" in out
    assert "The first 2 of 3 shown: --json lists every invoice." in out


# The call killed (SIGKILL) once its first batch of invoices is written, its
# transaction still open: run in a real process, batches of two.
_KILLED_CALL = """
import datetime as dt, os, signal, sys
from certcli.domain import dues, invoices
from certcli.rules import dates
dates.today = lambda: dt.date(2032, 12, 31)
dues.BATCH = 2
real, written = invoices.issue_many, []
def issue_many(store, items, **kw):
    if written:
        os.kill(os.getpid(), signal.SIGKILL)
    written.append(len(items))
    return real(store, items, **kw)
invoices.issue_many = issue_many
sys.argv = ["certcli", "--db", sys.argv[1], "dues", "call", "--year", "2027",
            "--date", "2026-12-15", "--json"]
from certcli.cli import main
main()
"""


@pytest.mark.today("2032-12-31")
def test_a_call_killed_mid_way_leaves_no_invoice_and_the_next_one_invoices_each_once(
    cli, store, db_path
):
    """The holders are read and their invoices written a batch at a time, in the
    call's one transaction: killed after its first batch, the call leaves nothing, and
    the call run again invoices every holder once, gapless, in the call's order."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    for day in ("2026-03-12", "2026-04-10", "2026-05-10"):
        decide_at(cli, store, day)
    invoiced = "SELECT count(*) FROM invoices WHERE purpose = 'dues-call'"
    root = Path(__file__).resolve().parent.parent
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_CALL, str(db_path)],
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert killed.stdout == "" and store.scalar(invoiced) == 0
    called = cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15")
    assert called["count"] == 3 and store.scalar(invoiced) == 3
    numbers = [i["number"] for i in called["invoiced"]]
    first = int(numbers[0].rsplit("-", 1)[1])
    assert numbers == [f"F-2026-{n:05d}" for n in range(first, first + 3)]
    certificates = [i["certificate"] for i in called["invoiced"]]
    assert certificates == sorted(certificates)
    assert cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15")["count"] == 0


@pytest.mark.today("2032-12-31")
def test_a_call_holds_a_batch_and_its_first_invoices_and_reads_the_rest_back(
    cli, store, monkeypatch
):
    """Memory stays flat (issue 20): the holders are read a batch at a time, the call
    keeps only its first KEPT invoices (the table's), and "invoiced" reads every one
    back from the database, in number order, each time it is gone through."""
    for day in ("2026-03-12", "2026-04-10", "2026-05-10"):
        decide_at(cli, store, day)
    monkeypatch.setattr(dues, "BATCH", 2)
    monkeypatch.setattr(dues, "KEPT", 2)
    sizes = []
    real = type(store).batches

    def batches(self, sql, params=(), size=1000):
        sizes.append(size)
        return real(self, sql, params, size)

    monkeypatch.setattr(type(store), "batches", batches)
    called = dues.call(store, 2027, date=dt.date(2026, 12, 15))
    assert sizes == [2]
    every = list(called.invoiced)
    assert len(called.invoiced) == called.count == 3 and len(every) == 3
    assert called.first == every[:2] and list(called.invoiced) == every
    assert called.total == sum(i.amount for i in every)
    shown = {i["number"]: i for i in cli.json("invoice", "list", "--year", "2026", "--all")}
    for line in every:
        invoice = shown[line.number]
        assert (invoice["certificate"], str(line.amount)) == (line.certificate, invoice["amount"])
    again = dues.call(store, 2027, date=dt.date(2026, 12, 15))
    assert (again.count, list(again.invoiced), again.first) == (0, [], [])
    assert again.already_invoiced == 3
