"""Concurrent runs: every check a write relies on reads its rows under the write lock
(BEGIN IMMEDIATE), so that N staff running the same command at once get one success
and N-1 one-line errors. The tests start real `python -m certcli` processes against
one database file."""

import os
import subprocess
import sys
from pathlib import Path

from commission_helpers import decide_at, report_ready, session
from instruction_helpers import d_instructor

ROOT = Path(__file__).resolve().parents[1]


N = 6


def at_once(db_path, *args, n=N) -> list[tuple[int, str, str]]:
    """Run the same certcli command in n processes started together:
    [(exit code, stdout, stderr)]."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "certcli", "--db", str(db_path), *map(str, args)]
    procs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )
        for _ in range(n)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        results.append((proc.returncode, out, err))
    return results


def one_wins(results, refusal: str) -> None:
    """Exactly one run succeeded; every other one printed one `Error:` line saying
    `refusal` and exited 1."""
    assert sorted(code for code, _, _ in results) == [0] + [1] * (len(results) - 1), results
    for code, _, err in results:
        if code == 1:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: "), err
            assert refusal in lines[0], err


def count(store, sql, *params) -> int:
    return store.scalar(f"SELECT count(*) FROM {sql}", params)


# -- parallel runs ---------------------------------------------------------------------------
def test_parallel_decisions_issue_one_certificate(cli, store, db_path):
    ref = report_ready(cli, store, report_on="2026-05-20")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-01")
    results = at_once(db_path, "commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    one_wins(results, f"dossier {ref} was already decided at session {sid}: granted")
    # one dues invoice (besides the fee's, issued with its payment)
    assert count(store, "certificates") == 1
    assert count(store, "invoices WHERE purpose <> 'instruction-fee'") == 1
    assert count(store, "dossier_events WHERE event = 'decision'") == 1
    assert count(store, "audit_log WHERE action = 'certificate.issue'") == 1


def test_parallel_appeals_file_one(cli, store, db_path):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2026-06-15")
    results = at_once(db_path, "appeal", "file", ref, "--date", "2026-07-01")
    one_wins(
        results, f"dossier {ref}: an appeal was already filed on 2026-07-01; it is not yet heard"
    )
    assert count(store, "appeals") == 1
    assert count(store, "dossier_events WHERE event = 'appeal'") == 1


def test_parallel_certificate_withdrawals_record_one(cli, store, db_path):
    number = decide_at(cli, store, "2026-03-12")["certificate"]
    results = at_once(
        db_path,
        "certificate",
        "withdraw",
        number,
        "--reason",
        "fraude",
        "--date",
        "2026-09-01",
        n=4,
    )
    one_wins(results, f"certificate {number} was already withdrawn on 2026-09-01")
    assert count(store, "audit_log WHERE action = 'certificate.withdraw'") == 1


def test_parallel_instructor_edits_keep_every_conflict(cli, store, db_path):
    pid = d_instructor(store, "Paul Girard")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "certcli",
                "--db",
                str(db_path),
                "instructor",
                "edit",
                str(pid),
                "--conflict-employer",
                f"Atelier {i}",
                "--date",
                "2026-06-15",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for i in range(4)
    ]
    for proc in procs:
        proc.communicate(timeout=60)  # reads its pipes and closes them
    assert [p.returncode for p in procs] == [0] * 4
    shown = cli.json("instructor", "show", pid)
    assert shown["conflict_employers"] == [f"Atelier {i}" for i in range(4)]


def test_parallel_payments_never_fork_the_journal(cli, store, db_path):
    invoice = decide_at(cli, store, "2026-03-12")["invoice"]
    results = at_once(
        db_path, "invoice", "pay", invoice, "--amount", "1.00", "--method", "cheque",
        "--date", "2026-03-20",
    )  # fmt: skip
    assert [code for code, _, _ in results] == [0] * N, results
    verified = cli.json("audit", "verify")
    assert verified["ok"], verified
    payments = [e for e in store.journal_entries() if e["kind"] == "payment"]
    assert len(payments) == count(store, "payments") >= N
