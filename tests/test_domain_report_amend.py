"""Amending a recorded report (issue 11) while the dossier is not decided."""

import datetime as dt

from commission_helpers import session
from instruction_helpers import d_candidate, d_complete, d_instructor

from certcli.domain import assignment, instruction

DAY = dt.date(2026, 5, 4)


def _reported(cli, store):
    ref = d_complete(store, d_candidate(store))
    paul = d_instructor(store, "Paul Girard")
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    return ref


def test_amend_a_report_on_an_agenda(cli, store, unchanged):
    ref = _reported(cli, store)
    with unchanged():
        err = cli.fails(
            "dossier", "report", ref, "--recommend", "grant", "--amend", "--reason", "x"
        ).stderr
        assert f"dossier {ref} is 'instruction': cannot amend the report" in err
    instruction.report(store, ref, recommend="refuse", text="dossier léger", date=DAY)
    sid = session(cli, "2026-06-30")
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-01")["agenda"] == [ref]
    with unchanged():
        assert (
            "needs --reason"
            in cli.fails("dossier", "report", ref, "--recommend", "grant", "--amend").stderr
        )
        assert (
            "--reason goes with --amend"
            in cli.fails("dossier", "report", ref, "--recommend", "grant", "--reason", "x").stderr
        )
        assert (
            "is 'on_agenda': cannot record the report"
            in cli.fails("dossier", "report", ref, "--recommend", "grant").stderr
        )
        assert (
            "changes nothing"
            in cli.fails(
                "dossier",
                "report",
                ref,
                "--recommend",
                "refuse",
                "--text",
                "dossier léger",
                "--amend",
                "--reason",
                "x",
            ).stderr
        )
    done = cli.json(
        "dossier",
        "report",
        ref,
        "--recommend",
        "grant",
        "--text",
        "relu",
        "--amend",
        "--reason",
        "erreur de saisie",
        "--date",
        "2026-06-05",
        "--as",
        "marie",
    )
    assert done == {
        "ref": ref,
        "recommendation": "grant",
        "mentions": [],
        "text": "relu",
        "report_on": "2026-05-04",
        "status": "on_agenda",
        "amended_on": "2026-06-05",
        "reason": "erreur de saisie",
    }
    shown = cli.json("dossier", "show", ref)
    assert shown["status"] == "on_agenda"
    assert shown["report"]["recommendation"] == "grant"
    assert shown["report"]["amended_on"] == "2026-06-05"
    said = "report amended on 5 Jun 2026 by marie: erreur de saisie"
    assert said in cli.ok("dossier", "show", ref).stdout
    assert said in cli.ok("log", "--entity", "dossier", "--record", ref).stdout
    last = store.all("SELECT details FROM audit_log WHERE action = 'dossier.report_amended'")[0][
        "details"
    ]
    assert '"before": {"recommendation": "refuse"' in last
    # Still on the agenda, which says the report was amended.
    agenda = cli.ok("commission", "agenda", sid, "--date", "2026-06-05").stdout
    assert ref in agenda and "(amended)" in agenda
    # Decided: no more amendment.
    cli.ok("commission", "decide", sid, ref, "--grant", "--date", "2026-06-30")
    with unchanged():
        err = cli.fails(
            "dossier", "report", ref, "--recommend", "refuse", "--amend", "--reason", "x"
        ).stderr
        assert "is 'granted': cannot amend the report" in err
