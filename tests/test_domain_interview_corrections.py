"""Correcting an interview (issue 11): cancel, move, held or no-show; a past interview
still scheduled is overdue."""

import datetime as dt

from instruction_helpers import d_candidate, d_complete, d_instructor

from certcli.domain import assignment

DAY = dt.date(2026, 6, 15)


def _booked(cli, store, at="2026-07-01 10:00"):
    ref = d_complete(store, d_candidate(store))
    paul = d_instructor(store, "Paul Girard")
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    booked = cli.json("dossier", "interview", ref, "--at", at, "--date", DAY)
    return ref, booked["interview_id"], paul


def test_cancel_an_interview(cli, store, unchanged):
    ref, iid, _ = _booked(cli, store)
    with unchanged():
        assert (
            "needs --reason"
            in cli.fails("dossier", "interview-cancel", ref, "--interview", iid).stderr
        )
        assert (
            f"dossier {ref} has no interview 9"
            in cli.fails(
                "dossier", "interview-cancel", ref, "--interview", 9, "--reason", "x"
            ).stderr
        )
    done = cli.json(
        "dossier",
        "interview-cancel",
        ref,
        "--interview",
        iid,
        "--reason",
        "candidate ill",
        "--date",
        "2026-06-20",
        "--as",
        "marie",
    )
    assert (done["id"], done["status"], done["reason"]) == (iid, "cancelled", "candidate ill")
    shown = cli.json("dossier", "show", ref)
    assert shown["interviews"] == [
        {
            "id": iid,
            "at": "2026-07-01 10:00",
            "minutes": 60,
            "instructor": "Paul Girard",
            "status": "cancelled",
        }
    ]
    said = "interview of 1 Jul 2026 cancelled on 20 Jun 2026 by marie: candidate ill"
    assert said in cli.ok("dossier", "show", ref).stdout
    assert said in cli.ok("log", "--entity", "dossier", "--record", ref).stdout
    with unchanged():
        err = cli.fails(
            "dossier", "interview-cancel", ref, "--interview", iid, "--reason", "x"
        ).stderr
        assert f"interview {iid} is 'cancelled': cannot cancel it" in err
    # Its slot is free again.
    other = d_complete(store, d_candidate(store, first="Jean", last="Dupuis"))
    assignment.assign(store, other, instructor_id=store.dossier(ref)["instructor_id"], date=DAY)
    cli.ok("dossier", "interview", other, "--at", "2026-07-01 10:00", "--date", DAY)


def test_move_an_interview_keeps_the_overlap_rules(cli, store, unchanged):
    ref, iid, paul = _booked(cli, store)
    other = d_complete(store, d_candidate(store, first="Jean", last="Dupuis"))
    assignment.assign(store, other, instructor_id=paul, date=DAY)
    cli.ok("dossier", "interview", other, "--at", "2026-07-02 10:00", "--date", DAY)
    with unchanged():
        err = cli.fails(
            "dossier",
            "interview-move",
            ref,
            "--interview",
            iid,
            "--at",
            "2026-07-02 10:30",
            "--reason",
            "x",
            "--date",
            DAY,
        ).stderr
        assert "already has an interview for dossier" in err
        err = cli.fails(
            "dossier",
            "interview-move",
            ref,
            "--interview",
            iid,
            "--at",
            "2026-07-14 10:00",
            "--reason",
            "x",
            "--date",
            DAY,
        ).stderr
        assert "public holiday" in err
        assert (
            "needs --reason"
            in cli.fails(
                "dossier",
                "interview-move",
                ref,
                "--interview",
                iid,
                "--at",
                "2026-07-03 10:00",
            ).stderr
        )
    # Overlapping its own old slot is fine: it leaves it.
    done = cli.json(
        "dossier",
        "interview-move",
        ref,
        "--interview",
        iid,
        "--at",
        "2026-07-01 10:30",
        "--reason",
        "instructor late",
        "--date",
        "2026-06-20",
    )
    assert (done["at"], done["moved_from"], done["status"]) == (
        "2026-07-01 10:30",
        "2026-07-01 10:00",
        "scheduled",
    )
    assert "interview of 1 Jul 2026 moved to 2026-07-01 10:30 on 20 Jun 2026" in (
        cli.ok("dossier", "show", ref).stdout
    )


def test_held_or_no_show_and_overdue(cli, store, unchanged):
    ref, iid, _ = _booked(cli, store)
    with unchanged():
        err = cli.fails(
            "dossier",
            "interview-held",
            ref,
            "--interview",
            iid,
            "--outcome",
            "held",
            "--date",
            "2026-06-30",
        ).stderr
        assert "its outcome is recorded from that day" in err
        assert (
            "invalid outcome"
            in cli.fails(
                "dossier",
                "interview-held",
                ref,
                "--interview",
                iid,
                "--outcome",
                "maybe",
                "--date",
                "2026-07-01",
            ).stderr
        )
    # Past and still scheduled: overdue, in the list and in stats.
    late = cli.json("dossier", "list", "--overdue", "--as-of", "2026-07-03")
    assert [(d["ref"], d["due"], d["days_overdue"]) for d in late] == [(ref, "2026-07-01", 2)]
    assert cli.json("dossier", "list", "--overdue", "--as-of", "2026-07-01") == []
    stats = cli.json("stats", "--as-of", "2026-07-03")
    assert stats["overdue_interviews"] == {
        "count": 1,
        "interviews": [{"ref": ref, "id": iid, "due": "2026-07-01", "days_overdue": 2}],
    }
    assert f"{ref} (2026-07-01)" in cli.ok("stats", "--as-of", "2026-07-03").stdout
    done = cli.json(
        "dossier",
        "interview-held",
        ref,
        "--interview",
        iid,
        "--outcome",
        "no-show",
        "--notes",
        "pas de réponse",
        "--date",
        "2026-07-02",
    )
    assert (done["status"], done["notes"]) == ("no-show", "pas de réponse")
    assert cli.json("dossier", "list", "--overdue", "--as-of", "2026-07-03") == []
    assert cli.json("dossier", "show", ref)["interviews"][0]["status"] == "no-show"
    with unchanged():
        err = cli.fails(
            "dossier",
            "interview-held",
            ref,
            "--interview",
            iid,
            "--outcome",
            "held",
            "--date",
            "2026-07-02",
        ).stderr
        assert f"interview {iid} is 'no-show'" in err


def test_move_with_a_new_appointment_letter(cli, store, tmp_path):
    ref = d_complete(store, d_candidate(store))
    paul = d_instructor(store, "Paul Girard")
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    iid = cli.json("dossier", "interview", ref, "--at", "2026-07-01 10:00", "--date", "2026-06-15")[
        "interview_id"
    ]
    cli.ok(
        "candidate", "edit", 1, "--address", "3 rue Haute", "--postcode", "75001", "--city", "Paris"
    )
    out = tmp_path / "out"
    r = cli.json(
        "dossier",
        "interview-move",
        ref,
        "--interview",
        iid,
        "--at",
        "2026-07-03 11:00",
        "--reason",
        "x",
        "--date",
        "2026-06-16",
        "--letter",
        "--format",
        "html",
        "--out",
        out,
    )
    files = list(out.rglob("*.html"))
    assert files, r
    text = files[0].read_text().replace("\xa0", " ").replace("&nbsp;", " ").replace("\u202f", " ")
    assert "3 juillet 2026" in text  # the new day, not 1 July
