"""Receiving pieces, the fee, the completeness check, and the instruction steps:
requests for complements, phone interviews, the report, withdrawal, overdue."""

import datetime as dt
import re

from instruction_helpers import d_candidate, d_complete, d_instructor, d_open

from certcli.domain import assignment, instruction

DAY = dt.date(2026, 6, 15)


def _statuses(store, ref):
    return store.dossier(ref)["status"]


# -- receive -----------------------------------------------------------------------
def test_receive_counts_repeated_codes_and_code_n(cli, store):
    ref = d_open(store, d_candidate(store))
    out = cli.ok(
        "dossier", "receive", ref, "administratif", "technique", "--date", "2026-03-02"
    ).stdout.replace("\xa0", " ")  # Babel's € spacing
    assert "Dossier technique (1 of 2 received)" in out
    assert "Règlement des frais d'instruction (480,00 €)" in out
    data = cli.json("dossier", "receive", ref, "technique", "contrats:1", "--date", "2026-03-03")
    assert data["received"] == ["technique", "contrats"]
    assert data["missing"] == ["demande-signee", "frais-instruction"]
    data = cli.json(
        "dossier", "receive", ref, "DEMANDE-SIGNEE", "technique:2", "--date", "2026-03-04"
    )
    assert data["received"] == ["demande-signee", "technique", "technique"]
    codes = [p["code"] for p in store.pieces(store.dossier(ref)["id"])]
    assert codes.count("technique") == 4 and len(codes) == 7
    assert data["status"] == "submitted"  # receiving never checks by itself


def test_receive_refusals_write_nothing(cli, store, unchanged):
    ref = d_open(store, d_candidate(store))
    with unchanged():
        err = cli.fails("dossier", "receive", ref, "administratif", "cv").stderr
        assert err.strip() == (
            "Error: unknown piece 'cv' for ECO initial dossiers (valid: "
            "administratif, contrats, technique, demande-signee)"
        )
        assert "CODE:N" in cli.fails("dossier", "receive", ref, "technique:0").stderr
        assert "CODE:N" in cli.fails("dossier", "receive", ref, "technique:deux").stderr
        assert "dossier pay" in cli.fails("dossier", "receive", ref, "frais-instruction").stderr
        assert "at least one piece" in cli.fails("dossier", "receive", ref).stderr
        assert (
            "--partial is for a dossier waiting"
            in cli.fails("dossier", "receive", ref, "contrats", "--partial").stderr
        )
        assert "no dossier" in cli.fails("dossier", "receive", "2026-0099", "contrats").stderr
    renewal_only = "certificats-capacite"
    assert "unknown piece" in cli.fails("dossier", "receive", ref, renewal_only).stderr


# -- pay -----------------------------------------------------------------------------
def test_pay_balance_and_overpayment(cli, store, unchanged):
    ref = d_open(store, d_candidate(store))
    first = cli.json(
        "dossier",
        "pay",
        ref,
        "--amount",
        "200",
        "--method",
        "chèque",
        "--reference",
        "1234567",
        "--date",
        "2026-03-02",
    )
    assert first == {
        "ref": ref,
        "amount": "200.00",
        "method": "cheque",
        "reference": "1234567",
        "paid_on": "2026-03-02",
        "fee_due": "480.00",
        "fee_paid": "200.00",
        "balance": "280.00",
    }
    with unchanged():
        err = cli.fails("dossier", "pay", ref, "--amount", "280,01", "--method", "virement").stderr
        assert err.strip() == (
            f"Error: overpayment: 280.01 is more than the 280.00 still due "
            f"for {ref} (fee 480.00, already paid 200.00)"
        )
        assert (
            "invalid method"
            in cli.fails("dossier", "pay", ref, "--amount", "10", "--method", "especes").stderr
        )
        assert (
            "positive"
            in cli.fails("dossier", "pay", ref, "--amount", "-5", "--method", "cheque").stderr
        )
        assert (
            "two decimals"
            in cli.fails("dossier", "pay", ref, "--amount", "1.234", "--method", "cheque").stderr
        )
    out = cli.ok(
        "dossier", "pay", ref, "--amount", "280,00", "--method", "virement", "--date", "2026-03-05"
    ).stdout.replace("\xa0", " ")
    assert "480,00 € paid of 480,00 €, balance 0,00 €" in out
    with unchanged():
        assert (
            "already paid in full"
            in cli.fails("dossier", "pay", ref, "--amount", "1", "--method", "cheque").stderr
        )
    cqpt = d_open(
        store,
        d_candidate(store, "Jean", "Durand"),
        "CQPT",
        route="libre",
        financing="plan-formation",
    )
    with unchanged():
        assert (
            "no instruction fee is due for a CQPT initial dossier"
            in cli.fails("dossier", "pay", cqpt, "--amount", "10", "--method", "cheque").stderr
        )


# -- check ---------------------------------------------------------------------------
def test_check_incomplete_then_complete_opqtecc(cli, store):
    ref = d_open(store, d_candidate(store))
    cli.ok(
        "dossier", "receive", ref, "administratif", "contrats", "technique", "--date", "2026-03-02"
    )
    cli.ok("dossier", "pay", ref, "--amount", "100", "--method", "cheque", "--date", "2026-03-02")
    out = cli.ok("dossier", "check", ref, "--date", "2026-03-03").stdout.replace("\xa0", " ")
    assert out.splitlines() == [
        f"Dossier {ref} is incomplete: status incomplete.",
        "Missing:",
        "  - Dossier technique (1 of 2 received)",
        "  - Demande signée (courrier)",
        "  - Solde des frais d'instruction (380,00 € restant dus)",
    ]
    event = store.dossier_events(store.dossier(ref)["id"])[-1]
    assert event["event"] == "checked" and event["date"] == "2026-03-03"
    assert '"missing": ["technique", "demande-signee", "frais-instruction"]' in event["details"]
    assert '"status": ["submitted", "incomplete"]' in event["details"]
    # Checked again while still incomplete: recorded again, status stays.
    data = cli.json("dossier", "check", ref, "--date", "2026-03-04")
    assert data["status"] == "incomplete" and data["missing"] == [
        "technique",
        "demande-signee",
        "frais-instruction",
    ]
    cli.ok("dossier", "receive", ref, "technique", "demande-signee", "--date", "2026-03-10")
    cli.ok("dossier", "pay", ref, "--amount", "380", "--method", "virement", "--date", "2026-03-10")
    data = cli.json("dossier", "check", ref, "--date", "2026-03-11")
    assert {"ref", "complete", "missing", "fee_due", "fee_paid"} <= data.keys()
    assert (
        data["ref"],
        data["complete"],
        data["missing"],
        data["fee_due"],
        data["fee_paid"],
        data["status"],
    ) == (ref, True, [], "480.00", "480.00", "instruction")
    log = cli.json("log", "--entity", "dossier", "--record", ref, "--action", "dossier.checked")
    assert [e["details"]["complete"] for e in log] == [True, False, False]


def test_check_complete_cqpt_awaits_admissibility(cli, store):
    ref = d_open(store, d_candidate(store), "CQPT", route="libre", financing="plan-formation")
    assert cli.json("dossier", "check", ref, "--date", "2026-03-02")["missing"] == [
        "candidature",
        "piece-identite",
        "attestation-employeur",
    ]
    cli.ok(
        "dossier",
        "receive",
        ref,
        "candidature",
        "piece-identite",
        "attestation-employeur",
        "--date",
        "2026-03-05",
    )
    data = cli.json("dossier", "check", ref, "--date", "2026-03-06")
    assert data["complete"] is True and data["fee_due"] == "0.00"
    assert data["status"] == "complete" and _statuses(store, ref) == "complete"


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
    }


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
            "at": "2026-07-01 10:00",
            "minutes": 45,
            "instructor": "Paul Girard",
            "status": "scheduled",
        }
    ]
    assert data["payments"] == [
        {"paid_on": "2026-03-01", "amount": "480.00", "method": "cheque", "reference": None}
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
