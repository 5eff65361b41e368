"""The expert's opinion (issue 11): recorded, superseded, shown in the report and on
the commission's agenda."""

import datetime as dt

from commission_helpers import session
from instruction_helpers import d_candidate, d_complete, d_instructor

from certcli.domain import assignment, instruction

DAY = dt.date(2026, 5, 4)


def test_expert_opinion_in_the_report_and_the_agenda(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store))
    paul = d_instructor(store, "Paul Girard")
    bob = d_instructor(store, "Bob Expert", role="expert", specialties=())
    eve = d_instructor(store, "Eve Expert", role="expert", specialties=())
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    with unchanged():
        err = cli.fails(
            "dossier",
            "expert-opinion",
            ref,
            "--expert",
            bob,
            "--opinion",
            "reserved",
            "--text",
            "x",
        ).stderr
        assert f"dossier {ref} has no expert" in err
    assignment.call_expert(store, ref, expert_id=bob, date=DAY)
    with unchanged():
        err = cli.fails(
            "dossier",
            "expert-opinion",
            ref,
            "--expert",
            eve,
            "--opinion",
            "reserved",
            "--text",
            "x",
        ).stderr
        assert f"expert {eve} is not the expert of dossier {ref}" in err
        assert (
            "invalid opinion"
            in cli.fails(
                "dossier", "expert-opinion", ref, "--expert", bob, "--opinion", "bof", "--text", "x"
            ).stderr
        )
        assert (
            "needs --text"
            in cli.fails(
                "dossier", "expert-opinion", ref, "--expert", bob, "--opinion", "reserved"
            ).stderr
        )
    first = cli.json(
        "dossier",
        "expert-opinion",
        ref,
        "--expert",
        bob,
        "--opinion",
        "reserved",
        "--text",
        "métrés à vérifier",
        "--date",
        "2026-05-05",
    )
    assert (first["opinion"], first["previous"]) == ("reserved", None)
    second = cli.json(
        "dossier",
        "expert-opinion",
        ref,
        "--expert",
        bob,
        "--opinion",
        "favourable",
        "--text",
        "métrés vérifiés",
        "--date",
        "2026-05-06",
    )
    assert second["previous"] == {"opinion": "reserved", "date": "2026-05-05"}
    instruction.report(store, ref, recommend="grant", date=dt.date(2026, 5, 7))
    shown = cli.json("dossier", "show", ref)
    assert [o["opinion"] for o in shown["expert_opinions"]] == ["reserved", "favourable"]
    assert shown["report"]["expert_opinion"] == {
        "expert": {"id": bob, "name": "Bob Expert"},
        "opinion": "favourable",
        "text": "métrés vérifiés",
        "date": "2026-05-06",
    }
    text = cli.ok("dossier", "show", ref).stdout
    assert "expert opinion of Bob Expert: favourable: métrés vérifiés" in text
    sid = session(cli, "2026-06-30")
    agenda = cli.ok("commission", "agenda", sid, "--date", "2026-06-01").stdout
    assert ref in agenda and "favourable" in agenda
    cli.ok("commission", "decide", sid, ref, "--grant", "--date", "2026-06-30")
    with unchanged():
        err = cli.fails(
            "dossier",
            "expert-opinion",
            ref,
            "--expert",
            bob,
            "--opinion",
            "reserved",
            "--text",
            "x",
        ).stderr
        assert "is 'granted': cannot record the expert's opinion" in err
