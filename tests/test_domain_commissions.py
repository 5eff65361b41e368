import datetime as dt
import json

import holidays
from commission_helpers import decide_at, new_candidate, report_ready, session, transmit_cqpt


def test_add_and_list_with_agenda_counts(cli, store):
    first = cli.json(
        "commission", "add", "--date", "2026-06-30", "--kind", "award", "--capacity", "2"
    )
    assert first == {
        "id": 1,
        "date": "2026-06-30",
        "kind": "award",
        "capacity": 2,
        "status": "planned",
    }
    session(cli, "2026-09-15", "appeal")
    session(cli, "2027-01-20")
    ref = report_ready(cli, store, report_on="2026-06-01")
    cli.ok("commission", "agenda", 1, "--date", "2026-06-30")
    listed = cli.json("commission", "list", "--year", "2026")
    assert [(s["id"], s["kind"], s["on_agenda"]) for s in listed] == [
        (1, "award", 1),
        (2, "appeal", 0),
    ]
    assert [s["id"] for s in cli.json("commission", "list", "--kind", "award")] == [1, 3]
    assert ref in cli.ok("commission", "agenda", 1, "--date", "2026-06-30").stdout


def test_add_refuses_bad_kind_and_capacity(cli, unchanged):
    with unchanged():
        assert (
            "invalid session kind"
            in cli.fails("commission", "add", "--date", "2026-06-30", "--kind", "jury").stderr
        )
        cli.fails("commission", "add", "--date", "2026-06-30", "--capacity", "0", code=2)
        assert (
            "no commission session 9"
            in cli.fails("commission", "agenda", 9, "--date", "2026-06-30").stderr
        )


def test_add_refuses_a_weekend_or_a_public_holiday_unless_forced(cli, unchanged):
    with unchanged():
        christmas = cli.fails("commission", "add", "--date", "2026-12-25").stderr
        saturday = cli.fails("commission", "add", "--date", "2026-11-28", "--kind", "appeal").stderr
        sunday = cli.fails("commission", "add", "--date", "29/11/2026").stderr
    assert christmas == (
        "Error: 2026-12-25 is a public holiday (Noël): use --force to hold it anyway\n"
    )
    assert saturday == "Error: 2026-11-28 is a Saturday: use --force to hold it anyway\n"
    assert "2026-11-29 is a Sunday" in sunday
    # Whit Monday moves every year: the rule is the holidays calendar, not a fixed list.
    assert "(Lundi de Pentecôte)" in cli.fails("commission", "add", "--date", "2027-05-17").stderr
    forced = cli.json("commission", "add", "--date", "2026-12-25", "--force")
    assert forced["date"] == "2026-12-25"
    assert cli.json("commission", "add", "--date", "2026-12-24")["date"] == "2026-12-24"
    later, first = cli.json("log", "--action", "commission.add")  # newest first
    assert first["details"]["forced"] == "2026-12-25 is a public holiday (Noël)"
    assert "forced" not in later["details"]


def test_plan_avoids_weekends_and_french_holidays(cli):
    closed = holidays.France(years=2027)
    for count in range(1, 13):
        proposed = cli.json("commission", "plan", "--year", "2027", "--count", count)
        days = [dt.date.fromisoformat(p["date"]) for p in proposed]
        assert len(days) == count and days == sorted(set(days))
        assert all(d.year == 2027 and d.weekday() < 5 and d not in closed for d in days)
        assert dt.date(2027, 5, 8) not in days
    # Ten sessions: the one that would fall on 8 May 2027 (a Saturday and Victory Day)
    # moves to Monday 10 May.
    ten = cli.json("commission", "plan", "--year", "2027", "--count", "10")
    moved = [p for p in ten if p["shifted_from"] == "2027-05-08"]
    assert moved[0]["date"] == "2027-05-10" and moved[0]["holiday"] == "Fête de la Victoire"
    # Five: 6 February 2027 is a Saturday -> Monday 8 February.
    five = [p["date"] for p in cli.json("commission", "plan", "--year", "2027")]
    assert five == ["2027-02-08", "2027-04-20", "2027-07-02", "2027-09-13", "2027-11-25"]
    assert cli.json("commission", "list") == []  # a plan alone creates nothing


def test_plan_apply_creates_once(cli, unchanged):
    applied = cli.json(
        "commission", "plan", "--year", "2027", "--count", "4", "--apply", "--capacity", "10"
    )
    assert [p["id"] for p in applied] == [1, 2, 3, 4]
    listed = cli.json("commission", "list", "--year", "2027")
    assert [s["date"] for s in listed] == [p["date"] for p in applied]
    assert {s["capacity"] for s in listed} == {10}
    with unchanged():
        err = cli.fails("commission", "plan", "--year", "2027", "--count", "4", "--apply").stderr
        assert "already exists" in err


def test_agenda_cutoff_boundary_order_and_capacity(cli, store, unchanged):
    sid = session(cli, "2026-06-30", capacity=2)
    boundary = report_ready(cli, store, report_on="2026-06-15")  # exactly 15 days before
    late = report_ready(cli, store, report_on="2026-06-16")  # 14 days: too late
    older = report_ready(cli, store, report_on="2026-06-10")
    built = cli.json("commission", "agenda", sid, "--date", "2026-06-30")
    assert built["session"] == sid
    assert built["agenda"] == [older, boundary]  # oldest report first
    assert built["postponed"] == [
        {
            "ref": late,
            "reason": "too late: report in on 2026-06-16, "
            "needed by 2026-06-15 (15 days before the session)",
        }
    ]
    shown = cli.json("dossier", "show", boundary)
    assert shown["status"] == "on_agenda"
    assert shown["history"][-1]["event"] == "agenda"
    assert shown["history"][-1]["date"] == "2026-06-30"  # dated on the session day
    assert cli.json("dossier", "show", late)["status"] == "report_ready"
    # A fourth dossier in time: the session is full; rebuilding keeps the first two.
    oldest = report_ready(cli, store, report_on="2026-05-01")
    with unchanged():
        again = cli.json("commission", "agenda", sid, "--date", "2026-06-30")
    assert again["agenda"] == [older, boundary]
    assert {p["ref"]: p["reason"] for p in again["postponed"]} == {
        oldest: "capacity full: the session takes 2 dossiers",
        late: built["postponed"][0]["reason"],
    }
    assert cli.json("dossier", "show", oldest)["status"] == "report_ready"
    # The next session takes both.
    nxt = session(cli, "2026-09-30")
    assert cli.json("commission", "agenda", nxt, "--date", "2026-09-30")["agenda"] == [oldest, late]


def test_only_opqtecc_dossiers_in_report_ready_go_to_an_award_session(cli, store):
    sid = session(cli, "2026-06-30")
    ready = report_ready(cli, store, scheme="PROG", report_on="2026-06-01")
    cid = new_candidate(cli)
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "ECO")  # still submitted
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-30")["agenda"] == [ready]


def test_grant_issues_certificate_and_prorated_invoice(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-20", mentions=["OPC"])
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    out = cli.ok("commission", "decide", sid, ref, "--grant", "--as", "claire").stdout
    assert "ECO-2026-0001" in out and "2030-06-14" in out
    assert "F-2026-00001" in out and "210,00\xa0€" in out
    cert = cli.json("certificate", "show", "ECO-2026-0001", "--as-of", "2026-06-15")
    assert cert["mentions"] == ["OPC"] and cert["status"] == "valid"
    invoice = cli.json("invoice", "show", "F-2026-00001")
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
        }
    ]
    assert shown["granted_certificate"]["valid_until"] == "2030-06-14"
    assert shown["invoices"][0]["number"] == "F-2026-00001"
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
    assert cli.json("invoice", "list") == [] and cli.json("certificate", "list") == []


def test_adjourned_dossier_goes_to_a_later_session(cli, store):
    ref = report_ready(cli, store, report_on="2026-05-20")
    first = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", first, "--date", "2026-06-15")
    adjourned = cli.json(
        "commission", "decide", first, ref, "--adjourn", "--reason", "entretien à compléter"
    )
    assert adjourned["decision"] == "adjourned" and adjourned["certificate"] is None
    assert cli.json("dossier", "show", ref)["status"] == "adjourned"
    rebuilt = cli.json("commission", "agenda", first, "--date", "2026-06-15")
    assert rebuilt["postponed"] == [{"ref": ref, "reason": "adjourned at this session"}]
    second = session(cli, "2026-09-30")
    assert cli.json("commission", "agenda", second, "--date", "2026-09-30")["agenda"] == [ref]
    granted = cli.json("commission", "decide", second, ref, "--grant")
    assert granted["certificate"] == "ECO-2026-0001" and granted["amount"] == "120.00"


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


_COMMANDS = {
    "commission": ["add", "plan", "list", "agenda", "decide"],
    "certificate": ["list", "show", "withdraw"],
    "dues": ["prorata", "call"],
    "invoice": ["list", "show", "pay", "cancel"],
    "appeal": ["file", "decide", "list"],
    "directory": ["search", "export"],
}


def test_every_command_has_help_with_an_example(cli):
    for noun, verbs in _COMMANDS.items():
        for verb in verbs:
            assert "Example:" in cli.ok(noun, verb, "--help").stdout, (noun, verb)


def test_cpne_grant_despite_a_failed_phase_is_said(cli, store):
    cpne = session(cli, "2026-06-20", "cpne")
    ref = transmit_cqpt(cli, store, cpne)
    with store.transaction():
        row = store.dossier(ref)
        for phase, result in (("proof", "pass"), ("quiz", "fail"), ("situation", "pass")):
            store.insert(
                "cqpt_phases",
                {"dossier_id": row["id"], "phase": phase, "result": result, "date": "2026-05-01"},
            )
    out = cli.ok("commission", "decide", cpne, ref, "--grant", "--date", "2026-06-20")
    assert "Warning:" in out.stderr and "quiz" in out.stderr
    assert out.stdout.startswith(f"Dossier {ref}: granted")


def test_cpne_grant_despite_a_failed_phase_warns_in_json_too(cli, store):
    cpne = session(cli, "2026-06-20", "cpne")
    ref = transmit_cqpt(cli, store, cpne)
    with store.transaction():
        row = store.dossier(ref)
        for phase, result in (("proof", "fail"), ("quiz", "pass"), ("situation", "fail")):
            store.insert(
                "cqpt_phases",
                {"dossier_id": row["id"], "phase": phase, "result": result, "date": "2026-05-01"},
            )
    out = cli.ok("commission", "decide", cpne, ref, "--grant", "--date", "2026-06-20", "--json")
    data = json.loads(out.stdout)
    assert data["decision"] == "granted"
    assert data["warnings"] == [
        f"{ref} was granted although phase(s) proof, situation were recorded as failed"
    ]
    assert out.stderr == f"Warning: {data['warnings'][0]}\n"
