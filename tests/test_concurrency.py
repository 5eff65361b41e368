"""Concurrent runs, and what withdrawal, reassignment and reports free up.

Every check a write relies on reads its rows under the write lock (BEGIN
IMMEDIATE), so that N staff running the same command at once get one success
and N-1 one-line errors. The parallel tests start real `python -m certcli`
processes against one database file.
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from commission_helpers import decide_at, report_ready, session
from instruction_helpers import d_candidate, d_complete, d_instructor
from test_domain_cqpt import cqpt_dossier, evaluate, evaluator
from test_domain_cqpt import session as cpne_session

from certcli.domain import agenda, assignment, decisions, instruction, sessions

ROOT = Path(__file__).resolve().parents[1]
N = 6
DAY = dt.date(2026, 6, 15)


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


# -- 1. parallel runs ---------------------------------------------------------------------------
def test_parallel_decisions_issue_one_certificate(cli, store, db_path):
    ref = report_ready(cli, store, report_on="2026-05-20")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-01")
    results = at_once(db_path, "commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    one_wins(results, f"dossier {ref} was already decided at session {sid}: granted")
    assert count(store, "certificates") == 1 and count(store, "invoices") == 1
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
    assert [p.wait(timeout=60) for p in procs] == [0] * 4
    shown = cli.json("instructor", "show", pid)
    assert shown["conflict_employers"] == [f"Atelier {i}" for i in range(4)]


# -- appeal messages ----------------------------------------------------------------------------
def test_second_appeal_message_says_where_the_first_one_is(cli, store, unchanged):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2026-06-15")
    cli.ok("appeal", "file", ref, "--date", "2026-07-01")
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", "2026-07-02").stderr
    assert err.strip() == (
        f"Error: dossier {ref}: an appeal was already filed on 2026-07-01; "
        "it is not yet heard (place it with `certcli commission agenda ID` "
        "of an appeal session)"
    )
    hearing = session(cli, "2026-09-14", "appeal")
    cli.ok("commission", "agenda", hearing, "--date", "2026-09-01")
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", "2026-07-02").stderr
    assert err.strip() == (
        f"Error: dossier {ref}: an appeal was already filed on 2026-07-01; "
        f"it is heard at session {hearing} (2026-09-14)"
    )
    cli.ok(
        "commission", "decide", hearing, ref, "--refuse", "--reason", "y", "--date", "2026-09-14"
    )
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", "2026-09-15").stderr
    assert err.strip() == (
        f"Error: dossier {ref}: an appeal was already heard (filed on "
        "2026-07-01, confirmed on 2026-09-14); the refusal is final"
    )


# -- 2 and 3. withdrawal before the session --------------------------------------------------
def test_a_dossier_on_the_agenda_can_be_withdrawn_before_the_session(cli, store, unchanged):
    sid = session(cli, "2026-06-30", capacity=1)
    first = report_ready(cli, store, report_on="2026-05-20")
    second = report_ready(cli, store, report_on="2026-05-25")
    built = cli.json("commission", "agenda", sid, "--date", "2026-06-01")
    assert (built["agenda"], built["built_on"]) == ([first], "2026-06-01")
    assert built["postponed"] == [
        {"ref": second, "reason": "capacity full: the session takes 1 dossiers"}
    ]
    # The agenda step is dated on the session day (SPEC §8), yet the dossier can still
    # be withdrawn before the session.
    step = cli.json("dossier", "show", first)["history"][-1]
    assert (step["event"], step["date"], step["details"]["session_date"]) == (
        "agenda",
        "2026-06-30",
        "2026-06-30",
    )

    done = cli.json("dossier", "withdraw", first, "--reason", "courrier", "--date", "2026-06-10")
    assert (done["status"], done["removed_from_agenda"]) == ("withdrawn", [sid])
    assert cli.json("commission", "list")[0]["on_agenda"] == 0
    assert "sessions" not in cli.json("dossier", "show", first)  # on no agenda now
    with unchanged():
        assert (
            f"dossier {first} is not on the agenda of session {sid}"
            in cli.fails(
                "commission", "decide", sid, first, "--grant", "--date", "2026-06-30"
            ).stderr
        )
    # Its place is free again: the next build takes the second dossier.
    again = cli.json("commission", "agenda", sid, "--date", "2026-06-12")
    assert (again["agenda"], again["added"], again["postponed"]) == ([second], [second], [])
    granted = cli.json("commission", "decide", sid, second, "--grant", "--date", "2026-06-30")
    assert granted["certificate"] == "ECO-2026-0001"


def test_agenda_date_rules(cli, store, unchanged):
    sid = session(cli, "2026-06-30")
    ref = report_ready(cli, store, report_on="2026-05-20", opened="2026-05-01")
    # Built before the dossier's last status change (its opening here): not placed.
    with unchanged():
        early = cli.json("commission", "agenda", sid, "--date", "2026-04-20")
    assert early["postponed"] == [
        {
            "ref": ref,
            "reason": (
                "its status last changed on 2026-05-01, after this agenda's date (2026-04-20): "
                "build the agenda with --date 2026-05-01 or later"
            ),
        }
    ]
    # Built after the session (catching up): dated on the session day.
    late = cli.json("commission", "agenda", sid, "--date", "2026-07-03")
    assert (late["agenda"], late["built_on"]) == ([ref], "2026-06-30")
    assert cli.json("dossier", "show", ref)["history"][-1]["date"] == "2026-06-30"


def test_appeal_agenda_skips_an_appeal_filed_after_its_date(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2026-06-15")
    cli.ok("appeal", "file", ref, "--date", "2026-07-10")
    hearing = session(cli, "2026-09-14", "appeal")
    built = cli.json("commission", "agenda", hearing, "--date", "2026-07-01")
    assert built["postponed"] == [
        {
            "ref": ref,
            "reason": (
                "appeal filed on 2026-07-10, after this agenda's date (2026-07-01): "
                "build the agenda with --date 2026-07-10 or later"
            ),
        }
    ]
    assert cli.json("commission", "agenda", hearing, "--date", "2026-07-10")["agenda"] == [ref]
    # Withdrawn while its appeal waits: off the appeals agenda, no longer pending.
    cli.ok("dossier", "withdraw", ref, "--date", "2026-08-01")
    assert cli.json("commission", "agenda", hearing, "--date", "2026-08-01")["agenda"] == []
    assert cli.json("appeal", "list", "--pending") == []
    assert cli.json("appeal", "list")[0]["session"] is None


def test_a_withdrawn_cqpt_dossier_frees_its_cpne_place(cli, store, unchanged):
    ev, sid = evaluator(cli), cpne_session(store, capacity=1)
    first, second = (cqpt_dossier(cli, store, last=name) for name in ("Un", "Deux"))
    for ref in (first, second):
        evaluate(cli, ref, ev)
    cli.ok("cqpt", "transmit", first, "--session", sid, "--date", "2026-06-01")
    with unchanged():
        assert (
            f"session {sid} is full (1 of 1)"
            in cli.fails(
                "cqpt", "transmit", second, "--session", sid, "--date", "2026-06-01"
            ).stderr
        )
    assert cli.json("dossier", "withdraw", first, "--date", "2026-06-02")[
        "removed_from_agenda"
    ] == [sid]
    assert store.dossier(first)["session_id"] is None
    cli.ok("cqpt", "transmit", second, "--session", sid, "--date", "2026-06-03")
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-03")["agenda"] == [second]


def test_capacity_ignores_lines_of_withdrawn_dossiers(cli, store):
    """An agenda line left by a withdrawal recorded before this rule takes no place."""
    sid = session(cli, "2026-06-30", capacity=1)
    ref = report_ready(cli, store, report_on="2026-05-20")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-01")
    with store.transaction():
        store.execute("UPDATE dossiers SET status = 'withdrawn' WHERE ref = ?", (ref,))
    assert store.agenda_taken(sid) == 0  # award and CPNE capacity both count this
    other = report_ready(cli, store, report_on="2026-05-21")
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-02")["added"] == [other]


# -- 4. interviews on a reassignment, and slots held by reported dossiers ------------------------
def test_reassignment_hands_over_future_interviews(cli, store, unchanged):
    cid = d_candidate(store)
    moved_ref, anne_ref, paul_next = (d_complete(store, cid) for _ in range(3))
    paul, anne = d_instructor(store, "Paul Girard"), d_instructor(store, "Anne Roux")
    for ref, who in ((moved_ref, paul), (anne_ref, anne), (paul_next, paul)):
        assignment.assign(store, ref, instructor_id=who, date=DAY)
    for ref, at in (
        (moved_ref, "2026-06-16 09:00"),
        (moved_ref, "2026-07-01 10:00"),
        (moved_ref, "2026-07-02 09:30"),
        (anne_ref, "2026-07-02 09:00"),
    ):
        instruction.interview(store, ref, at=at, date=DAY)
    data = cli.json("dossier", "assign", moved_ref, "--instructor", anne, "--date", "2026-06-20")
    assert data["interviews_moved"] == [{"at": "2026-07-01 10:00", "minutes": 60}]
    assert data["interviews_cancelled"] == [
        {
            "at": "2026-07-02 09:30",
            "minutes": 60,
            "clash": f"Anne Roux (id {anne}) already has an interview for dossier {anne_ref} "
            "from 2026-07-02 09:00 to 10:00, which overlaps 2026-07-02 09:30-10:30",
        }
    ]
    shown = cli.json("dossier", "show", moved_ref)["interviews"]
    assert [(i["at"], i["instructor"], i["status"]) for i in shown] == [
        ("2026-06-16 09:00", "Paul Girard", "scheduled"),  # past: stays as it was
        ("2026-07-01 10:00", "Anne Roux", "scheduled"),
        ("2026-07-02 09:30", "Paul Girard", "cancelled"),
    ]
    assert (
        cli.json("dossier", "show", moved_ref)["history"][-1]["details"]["interviews_moved"]
        == data["interviews_moved"]
    )
    # Paul's slot is free; Anne's is taken.
    cli.ok("dossier", "interview", paul_next, "--at", "2026-07-01 10:00", "--date", "2026-06-20")
    with unchanged():
        assert (
            "Anne Roux"
            in cli.fails(
                "dossier",
                "interview",
                moved_ref,
                "--at",
                "2026-07-01 10:30",
                "--date",
                "2026-06-20",
            ).stderr
        )
    out = cli.ok(
        "dossier", "assign", moved_ref, "--instructor", paul, "--date", "2026-06-21"
    ).stdout
    assert "interview of 2026-07-01 10:00 cancelled" in out and paul_next in out


def test_interviews_of_reported_dossiers_hold_no_slot(cli, store):
    cid = d_candidate(store)
    reported, other = d_complete(store, cid), d_complete(store, cid)
    paul = d_instructor(store, "Paul Girard")
    for ref in (reported, other):
        assignment.assign(store, ref, instructor_id=paul, date=DAY)
    instruction.interview(store, reported, at="2026-07-01 10:00", date=DAY)
    assert (
        "overlaps"
        in cli.fails(
            "dossier", "interview", other, "--at", "2026-07-01 10:00", "--date", DAY
        ).stderr
    )
    instruction.report(store, reported, recommend="grant", date=dt.date(2026, 6, 20))
    cli.ok("dossier", "interview", other, "--at", "2026-07-01 10:00", "--date", "2026-06-20")


# -- 5. load: dossiers under instruction -----------------------------------------------------
def test_load_counts_only_dossiers_under_instruction(cli, store):
    cid = d_candidate(store)
    ref, nxt = d_complete(store, cid), d_complete(store, cid)
    paul = d_instructor(store, "Paul Girard", capacity=1)
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    assert (
        "full (1/1 dossiers under instruction)"
        in cli.fails("dossier", "assign", nxt, "--auto", "--date", DAY).stderr
    )
    instruction.report(store, ref, recommend="grant", date=DAY)
    shown = cli.json("instructor", "show", paul)
    assert (shown["load"], shown["dossiers"]) == (0, [])
    assert [d["ref"] for d in shown["awaiting_commission"]] == [ref]
    out = cli.ok("instructor", "show", paul).stdout
    assert "0/1 dossiers under instruction" in out and "awaiting the commission" in out
    # The report is in: --auto gives Paul the next dossier before the commission sits.
    assert cli.json("dossier", "assign", nxt, "--auto", "--date", DAY)["instructor"]["id"] == paul
    # An adjourned dossier goes back to its instructor: it weighs again.
    sid = sessions.add(store, date=dt.date(2026, 6, 30), kind="award")["id"]
    agenda.build_agenda(store, sid, date=dt.date(2026, 6, 30))
    decisions.decide(store, sid, ref, "adjourned", date=dt.date(2026, 6, 30))
    assert cli.json("instructor", "show", paul)["load"] == 2
    assert "2/1" in cli.ok("instructor", "list").stdout
