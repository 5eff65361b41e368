"""Decisions (certcli/domain/decisions.py): grants with their certificate and prorated
invoice, refusals and their appeal deadline, the CPNE's, and decisions recorded from
the session day on."""

import json

import pytest
from commission_helpers import decide_at, report_ready, session, transmit_cqpt


def test_grant_issues_certificate_and_prorated_invoice(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-20", mentions=["OPC"])
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    out = cli.ok("commission", "decide", sid, ref, "--grant", "--as", "claire").stdout
    assert "ECO-2026-0001" in out and "2030-06-14" in out
    # F-2026-00001 is the fee's invoice, issued with its payment
    assert "F-2026-00002" in out and "210,00\xa0€" in out
    cert = cli.json("certificate", "show", "ECO-2026-0001", "--as-of", "2026-06-15")
    assert cert["mentions"] == ["OPC"] and cert["status"] == "valid"
    invoice = cli.json("invoice", "show", "F-2026-00002")
    assert (invoice["amount"], invoice["paid"], invoice["status"]) == ("210.00", "0.00", "open")
    assert invoice["certificate"] == "ECO-2026-0001" and invoice["dossier"] == ref
    shown = cli.json("dossier", "show", ref)
    assert shown["status"] == "granted" and shown["decided_on"] == "2026-06-15"
    assert shown["certificate"] == "ECO-2026-0001"
    assert shown["sessions"] == [
        {
            "session": sid,
            "date": "2026-06-15",
            "kind": "award",
            "decision": "granted",
            "reason": None,
            "status": "placed",
        }
    ]
    assert shown["granted_certificate"]["valid_until"] == "2030-06-14"
    assert [i["number"] for i in shown["invoices"]] == ["F-2026-00001", "F-2026-00002"]
    assert shown["history"][-1]["by"] == "claire"


def test_grant_json_keys_and_mention_override(cli, store):
    result = decide_at(
        cli,
        store,
        "2026-11-05",
        "--grant",
        "--mention",
        "BIM",
        "--mention",
        "OPC",
        mentions=["OPC"],
    )
    assert {"ref", "decision", "certificate", "valid_until", "invoice", "amount"} <= set(result)
    assert result["decision"] == "granted" and result["mentions"] == ["BIM", "OPC"]
    assert (result["valid_until"], result["amount"]) == ("2030-11-04", "60.00")


def test_decide_refusals_write_nothing(cli, store, unchanged):
    sid = session(cli, "2026-06-30")
    ref = report_ready(cli, store, report_on="2026-06-01")
    elsewhere = report_ready(cli, store, report_on="2026-06-29")  # too late
    cli.ok("commission", "agenda", sid, "--date", "2026-06-30")
    with unchanged():
        assert "exactly one of" in cli.fails("commission", "decide", sid, ref).stderr
        assert (
            "exactly one of"
            in cli.fails("commission", "decide", sid, ref, "--grant", "--refuse").stderr
        )
        assert "needs --reason" in cli.fails("commission", "decide", sid, ref, "--refuse").stderr
        assert (
            "unknown mention 'XYZ'"
            in cli.fails("commission", "decide", sid, ref, "--grant", "--mention", "XYZ").stderr
        )
        err = cli.fails("commission", "decide", sid, elsewhere, "--grant").stderr
        assert "not on the agenda of session 1" in err
        assert (
            "no commission session 7" in cli.fails("commission", "decide", 7, ref, "--grant").stderr
        )
    cli.ok("commission", "decide", sid, ref, "--grant")
    with unchanged():
        assert (
            "already decided"
            in cli.fails("commission", "decide", sid, ref, "--refuse", "--reason", "x").stderr
        )


def test_refusal_records_reason_and_appeal_deadline(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-20")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    out = cli.ok(
        "commission", "decide", sid, ref, "--refuse", "--reason", "expérience insuffisante"
    ).stdout
    assert "appeal possible until 2026-08-15" in out
    shown = cli.json("dossier", "show", ref)
    assert shown["status"] == "refused" and shown["decision_reason"] == "expérience insuffisante"
    assert shown["appeal_deadline"] == "2026-08-15"
    # no dues invoice: only the fee's, issued with its payment
    assert [i["purpose"] for i in cli.json("invoice", "list")] == ["instruction-fee"]
    assert cli.json("certificate", "list") == []


def test_cpne_session_delivers_transmitted_cqpt(cli, store, unchanged):
    cpne = session(cli, "2026-10-06", "cpne")
    ref = transmit_cqpt(cli, store, cpne)
    award = session(cli, "2026-10-06")
    with unchanged():
        assert cli.json("commission", "agenda", cpne, "--date", "2026-10-06")["agenda"] == [ref]
        assert cli.json("commission", "agenda", award, "--date", "2026-10-06")["agenda"] == []
        assert (
            "only an award commission adjourns"
            in cli.fails("commission", "decide", cpne, ref, "--adjourn").stderr
        )
        assert (
            "not on the agenda" in cli.fails("commission", "decide", award, ref, "--grant").stderr
        )
    result = cli.json("commission", "decide", cpne, ref, "--grant")
    assert result == {
        "ref": ref,
        "decision": "granted",
        "session": cpne,
        "date": "2026-10-06",
        "certificate": "CQPT-2026-00001",
        "valid_until": None,
        "mentions": [],
        "invoice": None,
        "amount": None,
        "reason": None,
        "appeal_deadline": None,
        "warnings": [],
    }
    cert = cli.json("certificate", "show", "CQPT-2026-00001", "--as-of", "2040-01-01")
    assert cert["status"] == "valid" and cert["periods"] == [{"start": "2026-10-06", "end": None}]
    assert cli.json("dossier", "show", ref)["status"] == "granted"
    assert cli.json("invoice", "list") == []


def test_cpne_refusal(cli, store):
    cpne = session(cli, "2026-10-06", "cpne")
    ref = transmit_cqpt(cli, store, cpne)
    result = cli.json(
        "commission",
        "decide",
        cpne,
        ref,
        "--refuse",
        "--reason",
        "situation de travail non validée",
    )
    assert result["decision"] == "refused" and result["appeal_deadline"] is None
    assert cli.json("dossier", "show", ref)["status"] == "refused"


def test_cpne_grant_despite_a_failed_phase_is_said(cli, store):
    cpne = session(cli, "2026-06-20", "cpne")
    ref = transmit_cqpt(cli, store, cpne, results={"quiz": "fail"})
    out = cli.ok("commission", "decide", cpne, ref, "--grant", "--date", "2026-06-20")
    assert "Warning:" in out.stderr and "quiz" in out.stderr
    assert out.stdout.startswith(f"Dossier {ref}: granted")


def test_cpne_grant_despite_a_failed_phase_warns_in_json_too(cli, store):
    cpne = session(cli, "2026-06-20", "cpne")
    ref = transmit_cqpt(cli, store, cpne, results={"proof": "fail", "situation": "fail"})
    out = cli.ok("commission", "decide", cpne, ref, "--grant", "--date", "2026-06-20", "--json")
    data = json.loads(out.stdout)
    assert data["decision"] == "granted"
    assert data["warnings"] == [
        f"{ref} was granted although phase(s) proof, situation were recorded as failed"
    ]
    assert out.stderr == f"Warning: {data['warnings'][0]}\n"


# -- decisions are recorded from the session day on -------------------------------------------
@pytest.mark.today("2027-12-31")  # the fee is paid, so invoiced, in 2027
def test_decisions_are_not_recorded_before_the_session(cli, store, unchanged):
    ref = report_ready(cli, store, report_on="2027-02-01", opened="2027-01-04")
    sid = session(cli, "2027-03-25")
    cli.ok("commission", "agenda", sid, "--date", "2027-03-25")
    with unchanged():
        err = cli.fails(
            "commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2027-03-24"
        ).stderr
        assert (
            f"session {sid} sits on 2027-03-25; its decisions can be recorded from that "
            "day, not on 2027-03-24"
        ) in err
    refused = cli.json(
        "commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2027-03-30"
    )
    assert refused["date"] == "2027-03-25" and refused["appeal_deadline"] == "2027-05-25"
    cli.ok("appeal", "file", ref, "--date", "2027-04-02")
    hearing = session(cli, "2027-05-10", "appeal")
    cli.ok("commission", "agenda", hearing, "--date", "2027-05-10")
    with unchanged():
        err = cli.fails(
            "appeal", "decide", ref, "--refuse", "--reason", "confirmé", "--date", "2027-05-09"
        ).stderr
        assert "sits on 2027-05-10; its decisions can be recorded from that day" in err
    out = cli.json(
        "appeal", "decide", ref, "--refuse", "--reason", "confirmé", "--date", "2027-05-10"
    )
    assert out["appeal_outcome"] == "confirmed" and out["date"] == "2027-05-10"
