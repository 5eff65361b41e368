"""The instruction steps (certcli/domain/instruction.py): requests for complements,
phone interviews, the report, withdrawal, overdue, and the dossier's instruction details."""

import datetime as dt
import re

from instruction_helpers import d_candidate, d_complete, d_instructor, d_open

from certcli.domain import assignment, instruction

DAY = dt.date(2026, 6, 15)


# -- requests, receive in waiting, overdue -------------------------------------------------
def test_request_then_receive_returns_to_instruction(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store))
    with unchanged():
        assert (
            "must be after the request date 2026-06-15"
            in cli.fails(
                "dossier",
                "request",
                ref,
                "--items",
                "x",
                "--due",
                "2026-06-15",
                "--date",
                "2026-06-15",
            ).stderr
        )
        assert (
            "--items"
            in cli.fails(
                "dossier",
                "request",
                ref,
                "--items",
                "  ",
                "--due",
                "2026-07-15",
                "--date",
                "2026-06-15",
            ).stderr
        )
    asked = cli.json(
        "dossier",
        "request",
        ref,
        "--items",
        "Attestation employeur 2025",
        "--due",
        "15/07/2026",
        "--date",
        "2026-06-15",
    )
    assert asked == {
        "ref": ref,
        "request_id": 1,
        "items": "Attestation employeur 2025",
        "requested_on": "2026-06-15",
        "due": "2026-07-15",
        "status": "waiting",
    }
    # A partial answer keeps the request open.
    part = cli.json("dossier", "receive", ref, "contrats", "--partial", "--date", "2026-06-20")
    assert part["status"] == "waiting" and part["requests_satisfied"] == []
    done = cli.json("dossier", "receive", ref, "--date", "2026-07-01")
    assert done["status"] == "instruction" and done["requests_satisfied"] == [1]
    shown = cli.json("dossier", "show", ref)
    assert shown["requests"] == [
        {
            "items": "Attestation employeur 2025",
            "requested_on": "2026-06-15",
            "due": "2026-07-15",
            "satisfied_on": "2026-07-01",
        }
    ]
    assert shown["history"][-1]["details"]["status"] == ["waiting", "instruction"]


def test_overdue_lists_waiting_dossiers_past_due(cli, store):
    late = d_complete(store, d_candidate(store))
    on_time = d_complete(store, d_candidate(store, "Jean", "Durand"))
    answered = d_complete(store, d_candidate(store, "Zoé", "Petit"))
    prog = d_complete(store, d_candidate(store, "Noé", "Roux"), "PROG")
    for ref, due in (
        (late, "2026-06-30"),
        (on_time, "2026-07-10"),
        (answered, "2026-06-01"),
        (prog, "2026-06-20"),
    ):
        instruction.request(
            store, ref, items="Pièce", due=dt.date.fromisoformat(due), date=dt.date(2026, 5, 20)
        )
    cli.ok("dossier", "receive", answered, "--date", "2026-06-25")
    rows = cli.json("dossier", "list", "--overdue", "--as-of", "2026-07-10")
    assert [(r["ref"], r["due"], r["days_overdue"]) for r in rows] == [
        (prog, "2026-06-20", 20),
        (late, "2026-06-30", 10),
    ]  # the due day is not late
    assert [
        r["ref"]
        for r in cli.json(
            "dossier", "list", "--overdue", "--as-of", "2026-07-10", "--scheme", "ECO"
        )
    ] == [late]
    assert cli.json("dossier", "list", "--overdue", "--as-of", "2026-06-20") == []
    assert (
        "--overdue lists waiting dossiers"
        in cli.fails("dossier", "list", "--overdue", "--status", "instruction").stderr
    )
    out = cli.ok("dossier", "list", "--overdue", "--as-of", "2026-07-10").stdout
    assert "2 overdue on 2026-07-10" in out
    assert len(cli.json("dossier", "list")) == 4  # the plain listing is untouched


# -- interviews ------------------------------------------------------------------------------
def test_interview_needs_instructor_and_refuses_overlaps(cli, store, unchanged):
    cid = d_candidate(store)
    first, second = d_complete(store, cid), d_complete(store, cid)
    paul = d_instructor(store, "Paul Girard")
    anne = d_instructor(store, "Anne Roux")
    with unchanged():
        assert (
            "has no instructor yet"
            in cli.fails(
                "dossier", "interview", first, "--at", "2026-07-01 10:00", "--date", DAY
            ).stderr
        )
    for ref in (first, second):
        assignment.assign(store, ref, instructor_id=paul, date=DAY)
    booked = cli.json("dossier", "interview", first, "--at", "2026-07-01 14:30", "--date", DAY)
    assert booked == {
        "ref": first,
        "interview_id": 1,
        "at": "2026-07-01 14:30",
        "minutes": 60,
        "instructor": {"id": paul, "name": "Paul Girard"},
    }
    with unchanged():
        err = cli.fails(
            "dossier",
            "interview",
            second,
            "--at",
            "01/07/2026 15:00",
            "--minutes",
            "30",
            "--date",
            DAY,
        ).stderr
        assert err.strip() == (
            f"Error: Paul Girard (id {paul}) already has an interview for dossier {first} "
            "from 2026-07-01 14:30 to 15:30, which overlaps 2026-07-01 15:00-15:30"
        )
        assert (
            "overlaps"
            in cli.fails(
                "dossier",
                "interview",
                second,
                "--at",
                "2026-07-01 14:00",
                "--minutes",
                "31",
                "--date",
                DAY,
            ).stderr
        )
        assert (
            "before the date"
            in cli.fails(
                "dossier", "interview", second, "--at", "2026-06-01 10:00", "--date", DAY
            ).stderr
        )
        assert (
            "invalid length"
            in cli.fails(
                "dossier",
                "interview",
                second,
                "--at",
                "2026-07-02 10:00",
                "--minutes",
                "0",
                "--date",
                DAY,
            ).stderr
        )
        assert cli.fails(
            "dossier", "interview", second, "--at", "2026-07-14 10:00", "--date", DAY
        ).stderr == (
            "Error: 2026-07-14 is a public holiday (Fête nationale): use --force to hold it "
            "anyway\n"
        )
        assert (
            "2026-07-04 is a Saturday: use --force"
            in cli.fails(
                "dossier", "interview", second, "--at", "2026-07-04 10:00", "--date", DAY
            ).stderr
        )
    # Back to back is fine, and so is another instructor at the same time.
    cli.ok("dossier", "interview", second, "--at", "2026-07-01 15:30", "--date", DAY)
    assignment.assign(store, second, instructor_id=anne, date=DAY)
    cli.ok("dossier", "interview", second, "--at", "2026-07-01 14:30", "--date", DAY)
    # Withdrawing a dossier cancels its interviews and frees the slot.
    cli.ok("dossier", "withdraw", first, "--reason", "courrier", "--date", "2026-06-20")
    third = d_complete(store, cid)
    assignment.assign(store, third, instructor_id=paul, date=DAY)
    cli.ok("dossier", "interview", third, "--at", "2026-07-01 14:30", "--date", "2026-06-21")
    assert [i["status"] for i in cli.json("dossier", "show", first)["interviews"]] == ["cancelled"]


# -- report ----------------------------------------------------------------------------------
def test_report_validates_mentions(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store))
    with unchanged():
        assert (
            "has no instructor yet"
            in cli.fails("dossier", "report", ref, "--recommend", "grant", "--date", DAY).stderr
        )
    paul = d_instructor(store, "Paul Girard")
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    with unchanged():
        err = cli.fails(
            "dossier", "report", ref, "--recommend", "grant", "--mention", "HQE", "--date", DAY
        ).stderr
        assert err.strip() == (
            "Error: unknown mention 'HQE' for ECO (one of: OPC, BIM, Maîtrise d'œuvre d'exécution)"
        )
        assert (
            "not to refuse"
            in cli.fails(
                "dossier", "report", ref, "--recommend", "refuse", "--mention", "OPC", "--date", DAY
            ).stderr
        )
        assert (
            "invalid recommendation"
            in cli.fails("dossier", "report", ref, "--recommend", "maybe", "--date", DAY).stderr
        )
    done = cli.json(
        "dossier",
        "report",
        ref,
        "--recommend",
        "Grant",
        "--mention",
        "opc",
        "--mention",
        "maitrise d'oeuvre d'execution",
        "--mention",
        "OPC",
        "--text",
        "Références solides.",
        "--date",
        "2026-09-01",
    )
    assert done == {
        "ref": ref,
        "recommendation": "grant",
        "mentions": ["OPC", "Maîtrise d'œuvre d'exécution"],
        "text": "Références solides.",
        "report_on": "2026-09-01",
        "status": "report_ready",
    }
    shown = cli.json("dossier", "show", ref)
    assert shown["report"] == {
        "on": "2026-09-01",
        "recommendation": "grant",
        "mentions": ["OPC", "Maîtrise d'œuvre d'exécution"],
        "text": "Références solides.",
        "amended_on": None,
        "expert_opinion": None,
    }


def test_a_report_in_two_paragraphs_keeps_its_paragraph_break(cli, store):
    ref = d_complete(store, d_candidate(store))
    assignment.assign(store, ref, instructor_id=d_instructor(store, "Paul Girard"), date=DAY)
    typed = "Références  solides.\n\n\nEntretien : bonne maîtrise\ndu métré."
    done = cli.json(
        "dossier", "report", ref, "--recommend", "grant", "--text", typed, "--date", "2026-09-01"
    )
    kept = "Références solides.\n\nEntretien : bonne maîtrise\ndu métré."
    assert done["text"] == kept
    assert cli.json("dossier", "show", ref)["report"]["text"] == kept
    lines = cli.ok("dossier", "show", ref).stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "Références solides." in line)
    assert lines[first + 1].strip() == ""
    assert lines[first + 2].strip() == "Entretien : bonne maîtrise"
    assert lines[first + 3].strip() == "du métré."
    amended = "Premier paragraphe.\n\nSecond paragraphe."
    cli.ok(
        "dossier", "report", ref, "--recommend", "grant", "--text", amended, "--amend",
        "--reason", "relu", "--date", "2026-09-02",
    )  # fmt: skip
    assert cli.json("dossier", "show", ref)["report"]["text"] == amended


def test_interview_notes_keep_their_line_breaks(cli, store):
    ref = d_complete(store, d_candidate(store))
    assignment.assign(store, ref, instructor_id=d_instructor(store, "Paul Girard"), date=DAY)
    booked = instruction.interview(store, ref, at="2026-07-01 10:00", minutes=45, date=DAY)
    held = instruction.interview_outcome(
        store,
        ref,
        interview_id=booked.interview_id,
        outcome="held",
        notes="Bon échange.\n\nÀ revoir : le lot 2.",
        date=dt.date(2026, 7, 1),
    )
    assert held.notes == "Bon échange.\n\nÀ revoir : le lot 2."


# -- show --------------------------------------------------------------------------------------
def test_show_has_instruction_details(cli, store):
    ref = d_complete(store, d_candidate(store))
    paul = d_instructor(store, "Paul Girard")
    bob = d_instructor(store, "Bob Expert", role="expert", specialties=())
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    assignment.call_expert(store, ref, expert_id=bob, date=DAY)
    instruction.interview(store, ref, at="2026-07-01 10:00", minutes=45, date=DAY)
    data = cli.json("dossier", "show", ref)
    assert data["instructor"] == {"id": paul, "name": "Paul Girard"}
    assert data["expert"] == {"id": bob, "name": "Bob Expert"}
    assert data["interviews"] == [
        {
            "id": 1,
            "at": "2026-07-01 10:00",
            "minutes": 45,
            "instructor": "Paul Girard",
            "status": "scheduled",
        }
    ]
    assert data["payments"] == [
        {
            "paid_on": "2026-03-01",
            "amount": "480.00",
            "method": "cheque",
            "reference": None,
            "kind": "payment",
            "reason": None,
        }
    ]
    assert data["completeness"] == {
        "complete": True,
        "missing": [],
        "fee_due": "480.00",
        "fee_paid": "480.00",
    }
    assert data["requests"] == [] and data["report"] is None
    out = cli.ok("dossier", "show", ref).stdout
    assert re.search(r"instructor name +Paul Girard", out) and "Interviews" in out
    assert re.search(rf"instructor id +{paul}\b", out)


def test_withdraw_closes(cli, store):
    ref = d_open(store, d_candidate(store))
    done = cli.json("dossier", "withdraw", ref, "--reason", "abandon", "--date", DAY)
    assert done == {
        "ref": ref,
        "status": "withdrawn",
        "closed_on": "2026-06-15",
        "reason": "abandon",
        "interviews_cancelled": 0,
        "removed_from_agenda": [],
    }
    assert store.dossier(ref)["closed_on"] == "2026-06-15"


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
