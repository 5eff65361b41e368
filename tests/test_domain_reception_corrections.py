"""Corrections of a dossier's reception (issue 11): a piece recorded by mistake taken
back (`dossier unreceive`), the instruction fee paid back (`dossier refund`). Nothing
is deleted; the completeness check, the status and the history follow."""

from __future__ import annotations

import datetime as dt

from instruction_helpers import (
    ECO_PIECES,
    candidate,
    complete_dossier,
    d_complete,
    d_instructor,
    open_dossier,
)

from certcli.domain import assignment, instruction


def _events(cli, ref):
    return [e["event"] for e in cli.json("dossier", "show", ref)["history"]]


def test_unreceive_a_duplicate_keeps_the_dossier_complete(cli, db_path):
    ref = complete_dossier(cli, candidate(cli))
    cli.ok("dossier", "receive", ref, "contrats", "--date", "2026-03-02")
    done = cli.json(
        "dossier",
        "unreceive",
        ref,
        "contrats",
        "--reason",
        "saisi deux fois",
        "--date",
        "2026-03-03",
        "--as",
        "marie",
    )
    assert done["unreceived"] == ["contrats"]
    assert done["received_on"] == ["2026-03-02"]  # the latest copy is taken back
    assert done["status"] == "instruction" and not done["sent_back"]
    assert done["complete"] is True
    shown = cli.json("dossier", "show", ref)
    assert [p["code"] for p in shown["pieces"]].count("contrats") == 1
    assert shown["pieces_unreceived"] == [
        {
            "code": "contrats",
            "received_on": "2026-03-02",
            "unreceived_on": "2026-03-03",
            "reason": "saisi deux fois",
        }
    ]
    event = shown["history"][-1]
    assert event["event"] == "unreceived" and event["by"] == "marie"
    assert event["details"]["before"]["status"] == "instruction"
    assert event["details"]["after"]["complete"] is True


def test_unreceive_a_needed_piece_sends_the_dossier_back_to_incomplete(cli):
    ref = complete_dossier(cli, candidate(cli))
    done = cli.json(
        "dossier",
        "unreceive",
        ref,
        "technique",
        "--reason",
        "pas le bon dossier",
        "--date",
        "2026-03-04",
    )
    assert done["status"] == "incomplete" and done["previous_status"] == "instruction"
    assert done["sent_back"] is True and done["missing"] == ["technique"]
    assert cli.json("dossier", "show", ref)["status"] == "incomplete"
    check = cli.json("dossier", "check", ref, "--date", "2026-03-04")
    assert check["complete"] is False and check["missing"] == ["technique"]
    # The text output says so, and the history tells the correction in a sentence.
    text = cli.ok("dossier", "show", ref).stdout
    told = " ".join(text.split())
    assert "piece technique received 1 Mar 2026 unreceived on 4 Mar 2026" in told
    assert "back to incomplete" in told
    log = cli.ok("log", "--entity", "dossier").stdout
    assert "pas le bon dossier" in log
    # Receiving the piece again and checking sends it on to instruction.
    cli.ok("dossier", "receive", ref, "technique", "--date", "2026-03-05")
    assert cli.json("dossier", "check", ref, "--date", "2026-03-05")["status"] == "instruction"


def test_unreceive_text_output_says_incomplete_again(cli):
    ref = complete_dossier(cli, candidate(cli))
    out = cli.ok(
        "dossier", "unreceive", ref, "administratif", "--reason", "erreur", "--date", "2026-03-04"
    ).stdout
    assert "incomplete again" in out and "administratif" in out


def test_unreceive_refusals_leave_the_database_unchanged(cli, unchanged):
    cid = candidate(cli)
    ref = open_dossier(cli, cid)
    cli.ok("dossier", "receive", ref, "administratif", "--date", "2026-03-01")
    with unchanged():
        # a piece the dossier never had
        err = cli.fails("dossier", "unreceive", ref, "contrats", "--reason", "x").stderr
        assert "has no piece 'contrats'" in err
        # more copies than it holds
        err = cli.fails("dossier", "unreceive", ref, "administratif:2", "--reason", "x").stderr
        assert "only 1" in err
        # an unknown code, a blank reason, a date before the piece came in
        cli.fails("dossier", "unreceive", ref, "bidule", "--reason", "x")
        err = cli.fails("dossier", "unreceive", ref, "administratif", "--reason", "  ").stderr
        assert "--reason" in err
        cli.fails(
            "dossier", "unreceive", ref, "administratif", "--reason", "x", "--date", "2026-02-01"
        )
    cli.ok("dossier", "unreceive", ref, "administratif", "--reason", "x", "--date", "2026-03-02")
    with unchanged():
        # unreceived already: the dossier holds it no more
        cli.fails("dossier", "unreceive", ref, "administratif", "--reason", "x")


def test_unreceive_refused_once_the_report_is_in(cli, store, unchanged):
    cid = candidate(cli)
    ref = d_complete(store, cid)
    iid = d_instructor(store, "Paul Durand")
    assignment.assign(store, ref, instructor_id=iid, date=dt.date(2026, 3, 2))
    instruction.report(store, ref, recommend="grant", text="bon dossier", date=dt.date(2026, 3, 10))
    with unchanged():
        err = cli.fails("dossier", "unreceive", ref, "contrats", "--reason", "x").stderr
        assert "'report_ready': cannot unreceive a piece" in err


def test_letters_follow_the_unreceived_piece(cli, store):
    from certcli.letters import context

    ref = open_dossier(cli, candidate(cli))
    cli.ok("dossier", "receive", ref, *ECO_PIECES, "--date", "2026-03-01")
    cli.ok("dossier", "unreceive", ref, "contrats", "--reason", "erreur", "--date", "2026-03-02")
    ctx = context.for_dossier(store, ref, dt.date(2026, 3, 2)).data
    assert "contrats" in [m["code"] for m in ctx["missing"]]
    assert "contrats" not in [p["code"] for p in ctx["pieces_received"]]


def test_refund_part_of_the_fee_sends_a_checked_dossier_back(cli):
    ref = complete_dossier(cli, candidate(cli))
    done = cli.json(
        "dossier",
        "refund",
        ref,
        "--amount",
        "80.00",
        "--method",
        "Virement",
        "--reason",
        "trop perçu",
        "--date",
        "2026-03-05",
        "--as",
        "marie",
    )
    assert done["amount"] == "80.00" and done["method"] == "virement"
    assert done["fee_paid"] == "400.00" and done["balance"] == "80.00"
    assert done["status"] == "incomplete" and done["sent_back"] is True
    assert done["missing"] == ["frais-instruction"]
    shown = cli.json("dossier", "show", ref)
    assert shown["completeness"]["fee_paid"] == "400.00"
    assert [(p["kind"], p["amount"]) for p in shown["payments"]] == [
        ("payment", "480.00"),
        ("refund", "-80.00"),
    ]
    event = shown["history"][-1]
    assert event["event"] == "refunded" and event["by"] == "marie"
    assert event["details"]["before"]["fee_paid"] == "480.00"
    assert event["details"]["after"]["fee_paid"] == "400.00"
    log = cli.json("log", "--entity", "dossier", "--record", ref)
    assert log[0]["action"] == "dossier.refunded" and log[0]["details"]["ref"] == ref
    told = " ".join(cli.ok("log", "--entity", "dossier", "--record", ref).stdout.split())
    assert "80,00 € of the fee refunded on 5 Mar 2026 by marie: trop perçu" in told
    check = cli.json("dossier", "check", ref, "--date", "2026-03-05")
    assert check["fee_paid"] == "400.00" and check["missing"] == ["frais-instruction"]
    # Paying the balance again completes it.
    cli.ok("dossier", "pay", ref, "--amount", "80.00", "--method", "cheque", "--date", "2026-03-06")
    assert cli.json("dossier", "check", ref, "--date", "2026-03-06")["status"] == "instruction"


def test_refund_of_a_withdrawn_dossier_keeps_it_withdrawn(cli):
    ref = complete_dossier(cli, candidate(cli))
    cli.ok("dossier", "withdraw", ref, "--reason", "changement de poste", "--date", "2026-03-03")
    done = cli.json(
        "dossier",
        "refund",
        ref,
        "--amount",
        "480.00",
        "--method",
        "cheque",
        "--reason",
        "retrait avant instruction",
        "--date",
        "2026-03-04",
    )
    assert done["status"] == "withdrawn" and done["fee_paid"] == "0.00"


def test_refund_refusals_leave_the_database_unchanged(cli, unchanged):
    ref = open_dossier(cli, candidate(cli))
    with unchanged():
        err = cli.fails(
            "dossier", "refund", ref, "--amount", "10", "--method", "cheque", "--reason", "x"
        ).stderr
        assert "more than the 0.00 paid" in err
    cli.ok("dossier", "pay", ref, "--amount", "100", "--method", "cheque", "--date", "2026-03-02")
    with unchanged():
        err = cli.fails(
            "dossier", "refund", ref, "--amount", "100.01", "--method", "cheque", "--reason", "x"
        ).stderr
        assert "more than the 100.00 paid" in err
        # before the money came in
        cli.fails(
            "dossier",
            "refund",
            ref,
            "--amount",
            "50",
            "--method",
            "cheque",
            "--reason",
            "x",
            "--date",
            "2026-03-01",
        )
        err = cli.fails(
            "dossier", "refund", ref, "--amount", "50", "--method", "especes", "--reason", "x"
        ).stderr
        assert "method" in err
        err = cli.fails(
            "dossier", "refund", ref, "--amount", "50", "--method", "cheque", "--reason", " "
        ).stderr
        assert "--reason" in err
        cli.fails("dossier", "refund", ref, "--amount", "-5", "--method", "cheque", "--reason", "x")
    cli.ok(
        "dossier",
        "refund",
        ref,
        "--amount",
        "100",
        "--method",
        "cheque",
        "--reason",
        "x",
        "--date",
        "2026-03-03",
    )
    with unchanged():
        # everything paid was refunded already
        cli.fails("dossier", "refund", ref, "--amount", "1", "--method", "cheque", "--reason", "x")


def test_receipt_letter_acknowledges_payments_net_of_refunds(cli, store):
    from certcli.letters import context

    ref = open_dossier(cli, candidate(cli))
    cli.ok("dossier", "pay", ref, "--amount", "480", "--method", "cheque", "--date", "2026-03-02")
    cli.ok(
        "dossier",
        "refund",
        ref,
        "--amount",
        "100",
        "--method",
        "cheque",
        "--reason",
        "x",
        "--date",
        "2026-03-03",
    )
    ctx = context.for_dossier(store, ref, dt.date(2026, 3, 4)).data
    assert [p["amount"] for p in ctx["payments"]] == [480]
    assert ctx["fee"]["paid"] == 380 and ctx["fee"]["balance"] == 100
