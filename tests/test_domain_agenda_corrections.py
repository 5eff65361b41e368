"""Correcting a commission session (issue 11): cancel and move, until a decision is
recorded there; withdrawals and cancellations keep the agenda's history."""

from __future__ import annotations

import re
from pathlib import Path

from commission_helpers import report_ready, session

STORE = Path(__file__).resolve().parents[1] / "certcli" / "store"


def _on_agenda(cli, store, date="2026-06-30"):
    sid = session(cli, date)
    first = report_ready(cli, store, report_on="2026-05-01")
    second = report_ready(cli, store, report_on="2026-05-02")
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-01")["agenda"] == [
        first,
        second,
    ]
    return sid, first, second


def test_cancel_sends_the_agenda_back_to_report_ready(cli, store):
    sid, first, second = _on_agenda(cli, store)
    done = cli.json(
        "commission",
        "cancel",
        sid,
        "--as",
        "marie",
        "--reason",
        "quorum  impossible",
        "--date",
        "2026-06-20",
    )
    assert done["status"] == "cancelled" and done["reason"] == "quorum impossible"
    assert done["released"] == [
        {"ref": first, "status": "report_ready"},
        {"ref": second, "status": "report_ready"},
    ]
    for ref in (first, second):
        shown = cli.json("dossier", "show", ref)
        assert shown["status"] == "report_ready"
        assert shown["sessions"][0]["status"] == "cancelled"
    # The agenda keeps its lines, marked cancelled; the session is no longer counted.
    lines = store.all("SELECT status FROM agenda_items WHERE session_id = ?", (sid,))
    assert [r["status"] for r in lines] == ["cancelled", "cancelled"]
    listed = cli.json("commission", "list")[0]
    assert (listed["status"], listed["on_agenda"]) == ("cancelled", 0)
    table = cli.ok("commission", "list").stdout
    assert "cancelled" in table
    # The dossiers go onto another session.
    other = session(cli, "2026-07-07")
    assert cli.json("commission", "agenda", other, "--date", "2026-06-21")["agenda"] == [
        first,
        second,
    ]
    # Who, when, why: in the log and in the dossier's timeline.
    log = cli.ok("log", "--entity", "session", "--record", sid).stdout
    assert "award session of 30 Jun 2026 cancelled on 20 Jun 2026 by marie: quorum impossible" in (
        log
    )
    assert "session 1 of 30 Jun 2026 cancelled on 20 Jun 2026 by marie: quorum impossible" in (
        cli.ok("dossier", "show", first).stdout
    )


def test_cancel_refusals_leave_the_database_unchanged(cli, store, unchanged):
    sid, first, _ = _on_agenda(cli, store)
    with unchanged():
        assert "needs --reason" in cli.fails("commission", "cancel", sid).stderr
        cli.fails("commission", "cancel", 9, "--reason", "x")
    cli.ok("commission", "decide", sid, first, "--grant", "--date", "2026-06-30")
    with unchanged():
        err = cli.fails("commission", "cancel", sid, "--reason", "oops").stderr
        assert "1 decision(s) recorded: cannot cancel it" in err
        err = cli.fails("commission", "move", sid, "--to", "2026-07-02", "--reason", "x").stderr
        assert "cannot move it" in err
    empty = session(cli, "2026-09-15")
    cli.ok("commission", "cancel", empty, "--reason", "doublon")
    with unchanged():
        assert "is 'cancelled'" in cli.fails("commission", "cancel", empty, "--reason", "x").stderr
        assert "is 'cancelled'" in cli.fails("commission", "agenda", empty).stderr


def test_decide_refused_on_a_line_that_left_the_agenda(cli, store, unchanged):
    sid, first, _ = _on_agenda(cli, store)
    cli.ok("commission", "cancel", sid, "--reason", "x", "--date", "2026-06-20")
    with unchanged():
        err = cli.fails("commission", "decide", sid, first, "--grant", "--date", "2026-06-30")
    assert "left the agenda of session 1 (cancelled)" in err.stderr


def test_move_keeps_the_agenda_and_dates_the_decision_on_the_new_day(cli, store):
    sid, first, second = _on_agenda(cli, store)
    moved = cli.json(
        "commission",
        "move",
        sid,
        "--as",
        "marie",
        "--to",
        "2026-06-25",
        "--reason",
        "salle indisponible",
        "--date",
        "2026-06-10",
    )
    assert (moved["date"], moved["moved_from"]) == ("2026-06-25", "2026-06-30")
    assert moved["agenda"] == [first, second]
    assert cli.json("dossier", "show", first)["status"] == "on_agenda"
    # Moved earlier: the decision is recorded on the new day.
    decided = cli.json("commission", "decide", sid, first, "--grant", "--date", "2026-06-25")
    assert decided["date"] == "2026-06-25"
    assert "session of 30 Jun 2026 moved to 25 Jun 2026 on 10 Jun 2026 by marie: salle" in (
        cli.ok("log", "--entity", "session", "--record", sid).stdout
    )
    assert "session 1 of 30 Jun 2026 moved to 25 Jun 2026 on 10 Jun 2026" in (
        cli.ok("dossier", "show", second).stdout
    )


def test_move_follows_the_rules_of_add(cli, store, unchanged):
    sid, first, _ = _on_agenda(cli, store)
    with unchanged():
        err = cli.fails("commission", "move", sid, "--to", "2026-07-14", "--reason", "x").stderr
        assert "public holiday" in err
        err = cli.fails("commission", "move", sid, "--to", "2026-07-04", "--reason", "x").stderr
        assert "Saturday" in err
        assert "needs --reason" in cli.fails("commission", "move", sid, "--to", "2026-07-02").stderr
        # Its dossiers' reports came in on 1 and 2 May: the new day keeps the scheme's
        # cut-off (15 days) after them.
        err = cli.fails(
            "commission", "move", sid, "--to", "2026-05-11", "--reason", "x", "--date", "2026-05-04"
        ).stderr
        assert "would be too late: report in on 2026-05-01" in err
    forced = cli.json("commission", "move", sid, "--to", "2026-07-14", "--reason", "x", "--force")
    assert forced["date"] == "2026-07-14"


def test_withdrawal_keeps_the_agenda_line(cli, store):
    sid, first, second = _on_agenda(cli, store)
    cli.ok("dossier", "withdraw", first, "--reason", "abandon", "--date", "2026-06-10")
    lines = store.all(
        "SELECT d.ref, a.status FROM agenda_items a JOIN dossiers d ON d.id = a.dossier_id "
        "WHERE a.session_id = ? ORDER BY a.position",
        (sid,),
    )
    assert [(r["ref"], r["status"]) for r in lines] == [(first, "withdrawn"), (second, "placed")]
    assert cli.json("commission", "list")[0]["on_agenda"] == 1
    assert "(withdrawn)" in cli.ok("commission", "agenda", sid, "--date", "2026-06-11").stdout


def test_the_store_deletes_only_from_search_index_tables():
    """Nothing is deleted on business tables: a correction is a new event."""
    allowed = {"search_index_paused", "candidates_fts"}
    found = []
    for path in sorted(STORE.glob("*.py")):
        for match in re.finditer(r"DELETE\s+FROM\s+(\w+)", path.read_text(encoding="utf-8")):
            if match.group(1) not in allowed:
                found.append(f"{path.name}: {match.group(0)}")
    assert found == []
    # The grep does see the DELETEs that are there.
    assert any(
        "DELETE FROM search_index_paused" in path.read_text(encoding="utf-8")
        for path in STORE.glob("*.py")
    )
