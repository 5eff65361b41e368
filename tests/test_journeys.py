"""End-to-end journeys through the command line only, with explicit dates: what a
secretariat does over the years, step by step, asserting what it would read."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest


def new_candidate(cli, first: str, last: str, date: str, *extra: str) -> int:
    return cli.json(
        "candidate",
        "add",
        "--first-name",
        first,
        "--last-name",
        last,
        "--civility",
        "Mme",
        "--address",
        "4 rue des Lilas",
        "--postcode",
        "69003",
        "--city",
        "Lyon",
        "--date",
        date,
        *extra,
    )["id"]


def status(cli, ref: str) -> str:
    return cli.json("dossier", "show", ref)["status"]


def complete_and_report(
    cli,
    ref: str,
    *,
    pieces: list[str],
    fee: str,
    opened: str,
    report_on: str,
    recommend: str = "grant",
    mention: str | None = None,
) -> None:
    """Pieces, fee, check, automatic assignment and the report, all on the way."""
    cli.ok("dossier", "receive", ref, *pieces, "--date", opened)
    cli.ok("dossier", "pay", ref, "--amount", fee, "--method", "cheque", "--date", opened)
    assert cli.json("dossier", "check", ref, "--date", opened)["complete"] is True
    cli.ok("dossier", "assign", ref, "--auto", "--date", opened)
    extra = ["--mention", mention] if mention else []
    cli.ok("dossier", "report", ref, "--recommend", recommend, *extra, "--date", report_on)


INITIAL = ["administratif", "contrats", "technique:2", "demande-signee"]
RENEWAL = ["administratif", "contrats", "certificats-capacite", "attestations-formation"]


def career(cli, who: int, employer: str, date: str, *, end: str = "2025-12-31") -> None:
    """The experience an OPQTECC check asks (3 years in the specialty): here six."""
    cli.ok(
        "experience",
        "add",
        "--candidate",
        who,
        "--employer",
        employer,
        "--start",
        "2020-01-01",
        "--end",
        end,
        "--hours",
        "9500",
        "--related",
        "--contract",
        "cdi",
        "--date",
        date,
    )


def branch_period(cli, who: int, start: str, end: str, hours: str, contract: str) -> None:
    """A period in the telecoms branch at Télécom Réseaux Ouest (the CQPT story)."""
    cli.ok(
        "experience",
        "add",
        "--candidate",
        who,
        "--employer",
        "Télécom Réseaux Ouest",
        "--start",
        start,
        "--end",
        end,
        "--hours",
        hours,
        "--in-branch",
        "--related",
        "--contract",
        contract,
        "--date",
        "2026-01-05",
    )


def free_access_check(cli, who: int, as_of: str) -> dict:
    """`eligibility check` for the CQPT's free access as of `as_of`."""
    return cli.json(
        "eligibility",
        "check",
        "--candidate",
        who,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--as-of",
        as_of,
    )


def economist(cli, first="Hélène", last="Garnier", date="2026-01-05") -> int:
    who = new_candidate(
        cli,
        first,
        last,
        date,
        "--status",
        "salarie",
        "--specialty",
        "economie",
        "--employer",
        "BET Quantités",
    )
    career(cli, who, "BET Quantités", date)
    return who


def decide(cli, session, ref, *flags):
    """`commission decide`, recorded on the session day (as the secretariat does)."""
    day = next(s["date"] for s in cli.json("commission", "list") if s["id"] == int(session))
    return cli.json("commission", "decide", session, ref, *flags, "--date", day)


def award_session(cli, date: str, kind: str = "award", *force: str) -> int:
    return cli.json("commission", "add", "--date", date, "--kind", kind, *force)["id"]


# -- (a) OPQTECC: initial certification, notification, reminder, renewal in time --------
@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_opqtecc_initial_then_renewal_in_time(cli, tmp_path, unchanged):
    holder = economist(cli)
    ref = cli.json(
        "dossier", "add", "--candidate", holder, "--scheme", "ECO", "--date", "2026-01-05"
    )["ref"]
    assert ref == "2026-0001"

    got = cli.json(
        "dossier", "receive", ref, "administratif", "contrats", "technique", "--date", "2026-01-10"
    )
    assert got["missing"] == ["technique", "demande-signee", "frais-instruction"]
    cli.ok(
        "dossier",
        "pay",
        ref,
        "--amount",
        "200.00",
        "--method",
        "cheque",
        "--reference",
        "CHQ 1234567",
        "--date",
        "2026-01-10",
    )
    check = cli.json("dossier", "check", ref, "--date", "2026-01-12")
    assert {k: check[k] for k in ("ref", "complete", "missing", "fee_due", "fee_paid")} == {
        "ref": ref,
        "complete": False,
        "fee_due": "480.00",
        "fee_paid": "200.00",
        "missing": ["technique", "demande-signee", "frais-instruction"],
    }
    assert status(cli, ref) == "incomplete"

    cli.ok("dossier", "receive", ref, "technique", "demande-signee", "--date", "2026-01-20")
    with unchanged():
        cli.fails(
            "dossier",
            "pay",
            ref,
            "--amount",
            "280.01",
            "--method",
            "cheque",
            "--date",
            "2026-01-20",
        )
    cli.ok(
        "dossier", "pay", ref, "--amount", "280.00", "--method", "virement", "--date", "2026-01-20"
    )
    check = cli.json("dossier", "check", ref, "--date", "2026-01-21")
    assert (check["complete"], check["missing"], check["fee_paid"]) == (True, [], "480.00")
    assert status(cli, ref) == "instruction"

    # Two instructors; the first once worked for the candidate's employer.
    conflicted = cli.json(
        "instructor",
        "add",
        "--name",
        "Claire Fontaine",
        "--specialty",
        "economie",
        "--capacity",
        "5",
        "--conflict-employer",
        "BET Quantités",
        "--date",
        "2026-01-02",
    )["id"]
    free = cli.json(
        "instructor",
        "add",
        "--name",
        "Marc Lenoir",
        "--specialty",
        "economie",
        "--capacity",
        "5",
        "--date",
        "2026-01-02",
    )["id"]
    assigned = cli.json("dossier", "assign", ref, "--auto", "--date", "2026-01-22")
    assert assigned["instructor"] == {"id": free, "name": "Marc Lenoir"}
    assert conflicted != free

    cli.ok(
        "dossier",
        "request",
        ref,
        "--items",
        "Attestation du maître d'ouvrage",
        "--due",
        "2026-02-20",
        "--date",
        "2026-02-01",
    )
    assert status(cli, ref) == "waiting"
    back = cli.json("dossier", "receive", ref, "--date", "2026-02-10")
    assert back["status"] == "instruction" and len(back["requests_satisfied"]) == 1
    cli.ok("dossier", "interview", ref, "--at", "2026-02-16 10:00", "--date", "2026-02-11")
    cli.ok(
        "dossier", "report", ref, "--recommend", "grant", "--mention", "BIM", "--date", "2026-02-20"
    )
    assert status(cli, ref) == "report_ready"

    # Cut-off 15 days: a report of 20 February misses the 2 March session
    # (needed by 15 February) and makes the 7 March one (needed by 20 February).
    early = award_session(cli, "2026-03-02")
    # A Saturday, held anyway: the cut-off and the 9-month reminder edges below are
    # pinned on this day.
    session = award_session(cli, "2026-03-07", "award", "--force")
    missed = cli.json("commission", "agenda", early, "--date", "2026-03-02")
    assert missed["agenda"] == []
    assert missed["postponed"] == [
        {
            "ref": ref,
            "reason": (
                "too late: report in on 2026-02-20, needed by 2026-02-15 (15 days before the "
                "session)"
            ),
        }
    ]
    placed = cli.json("commission", "agenda", session, "--date", "2026-03-07")
    assert (placed["agenda"], placed["postponed"]) == ([ref], [])
    assert status(cli, ref) == "on_agenda"

    decided = decide(cli, session, ref, "--grant")
    # March counts: 10 months of 360.00 a year.
    assert {
        k: decided[k]
        for k in ("ref", "decision", "certificate", "valid_until", "invoice", "amount")
    } == {
        "ref": ref,
        "decision": "granted",
        "certificate": "ECO-2026-0001",
        "valid_until": "2030-03-06",
        "invoice": "F-2026-00002",  # F-2026-00001: the fee's, with its payment
        "amount": "300.00",
    }
    assert decided["mentions"] == ["BIM"]
    assert cli.json("invoice", "list", "--unpaid") != []
    cli.ok(
        "invoice",
        "pay",
        "F-2026-00002",
        "--amount",
        "300.00",
        "--method",
        "virement",
        "--date",
        "2026-03-20",
    )
    assert cli.json("invoice", "list", "--unpaid") == []
    assert cli.json("invoice", "show", "F-2026-00002")["status"] == "paid"

    out = tmp_path / "courrier"
    letter = cli.json(
        "letters",
        "render",
        "notification",
        "--dossier",
        ref,
        "--format",
        "html",
        "--out",
        out,
        "--date",
        "2026-03-09",
    )
    html = (
        Path(letter["path"]).read_text(encoding="utf-8").replace("\xa0", " ")
    )  # dates never break
    assert "ECO-2026-0001" in html and "7 mars 2026" in html and "300,00" in html

    called = cli.json("dues", "call", "--year", "2027", "--date", "2027-01-15")
    assert [(i["number"], i["certificate"], i["amount"]) for i in called["invoiced"]] == [
        ("F-2027-00001", "ECO-2026-0001", "360.00")
    ]
    assert cli.json("dues", "call", "--year", "2027", "--date", "2027-01-16")["count"] == 0

    # Nine months before 6 March 2030.
    assert cli.json("renewals", "due", "--as-of", "2029-06-05") == []
    due = cli.json("renewals", "due", "--as-of", "2029-06-06")
    assert due == [
        {
            "certificate": "ECO-2026-0001",
            "candidate_id": holder,
            "holder": "Mme Hélène Garnier",
            "valid_until": "2030-03-06",
            "days_left": 273,
            "reminded_on": None,
        }
    ]
    first = cli.json(
        "renewals",
        "remind",
        "--as-of",
        "2029-06-06",
        "--date",
        "2029-06-06",
        "--format",
        "html",
        "--out",
        out,
    )
    assert first["reminded"] == ["ECO-2026-0001"] and len(first["files"]) == 1
    again = cli.json(
        "renewals",
        "remind",
        "--as-of",
        "2029-06-07",
        "--date",
        "2029-06-07",
        "--format",
        "html",
        "--out",
        out,
    )
    assert again == {"reminded": [], "files": [], "skipped": []}
    assert cli.json("renewals", "due", "--as-of", "2029-06-07")[0]["reminded_on"] == "2029-06-06"

    renewal = cli.json(
        "dossier",
        "add",
        "--candidate",
        holder,
        "--scheme",
        "ECO",
        "--kind",
        "renewal",
        "--certificate",
        "ECO-2026-0001",
        "--date",
        "2029-07-01",
    )
    assert renewal["ref"] == "2029-0001"
    complete_and_report(
        cli,
        renewal["ref"],
        pieces=RENEWAL,
        fee="300.00",
        opened="2029-07-02",
        report_on="2029-09-01",
    )
    renewal_session = award_session(cli, "2029-10-05")
    assert cli.json("commission", "agenda", renewal_session, "--date", "2029-10-05")["agenda"] == [
        renewal["ref"]
    ]
    renewed = decide(cli, renewal_session, renewal["ref"], "--grant")
    # A renewal in time continues the certificate: no prorata, the annual call bills the
    # whole year to a holder who was valid on 1 January.
    assert {k: renewed[k] for k in ("certificate", "valid_until", "invoice", "amount")} == {
        "certificate": "ECO-2026-0001",
        "valid_until": "2034-03-06",
        "invoice": None,
        "amount": None,
    }
    called = cli.json("dues", "call", "--year", "2030", "--date", "2030-01-05")
    assert [(i["certificate"], i["amount"]) for i in called["invoiced"]] == [
        ("ECO-2026-0001", "360.00")
    ]
    cert = cli.json("certificate", "show", "ECO-2026-0001", "--as-of", "2030-03-07")
    assert cert["periods"] == [
        {"start": "2026-03-07", "end": "2030-03-06"},
        {"start": "2030-03-07", "end": "2034-03-06"},
    ]
    assert (cert["status"], cert["lapses"], cert["mentions"]) == ("valid", [], ["BIM"])
    assert cli.json("renewals", "due", "--as-of", "2029-12-01") == []


# -- (b) refusal, appeal on the last day, appeal granted --------------------------------
def test_refusal_then_appeal_granted(cli, tmp_path, unchanged):
    cli.ok(
        "instructor",
        "add",
        "--name",
        "Sophie Aubert",
        "--specialty",
        "programmation",
        "--date",
        "2026-01-02",
    )
    who = new_candidate(
        cli, "Jules", "Roux", "2026-01-05", "--specialty", "programmation", "--status", "demandeur"
    )
    career(cli, who, "Programmation & Territoires", "2026-01-05")  # before the job search
    ref = cli.json(
        "dossier", "add", "--candidate", who, "--scheme", "PROG", "--date", "2026-01-05"
    )["ref"]
    complete_and_report(
        cli,
        ref,
        pieces=INITIAL,
        fee="480.00",
        opened="2026-01-06",
        report_on="2026-03-01",
        recommend="refuse",
    )
    session = award_session(cli, "2026-04-15")
    cli.ok("commission", "agenda", session, "--date", "2026-04-15")
    with unchanged():
        cli.fails("commission", "decide", session, ref, "--refuse")  # no reason
    refused = decide(
        cli, session, ref, "--refuse", "--reason", "Programmes sans phase de diagnostic."
    )
    assert (refused["decision"], refused["appeal_deadline"]) == ("refused", "2026-06-15")
    assert refused["certificate"] is None and refused["invoice"] is None
    out = tmp_path / "courrier"
    refusal = cli.json(
        "letters",
        "render",
        "refus",
        "--dossier",
        ref,
        "--format",
        "html",
        "--out",
        out,
        "--date",
        "2026-04-16",
    )
    text = (
        Path(refusal["path"]).read_text(encoding="utf-8").replace("\xa0", " ")
    )  # dates never break
    assert "15 juin 2026" in text and "Programmes sans phase de diagnostic." in text

    with unchanged():
        late = cli.fails("appeal", "file", ref, "--date", "2026-06-16")
    assert "deadline was 2026-06-15" in late.stderr
    filed = cli.json(
        "appeal", "file", ref, "--reason", "Le diagnostic est en annexe 2.", "--date", "2026-06-15"
    )
    assert (filed["status"], filed["deadline"]) == ("appealed", "2026-06-15")

    # An appeals session sitting the day the appeal is filed cannot hear it.
    same_day = award_session(cli, "2026-06-15", "appeal")
    assert cli.json("commission", "agenda", same_day, "--date", "2026-06-15")["agenda"] == []
    hearing = award_session(cli, "2026-07-03", "appeal")
    assert cli.json("commission", "agenda", hearing, "--date", "2026-07-03")["agenda"] == [ref]
    granted = decide(cli, hearing, ref, "--grant")
    # July: 6 months of dues.
    assert {
        k: granted[k] for k in ("decision", "certificate", "valid_until", "invoice", "amount")
    } == {
        "decision": "granted",
        "certificate": "PROG-2026-0001",
        "valid_until": "2030-07-02",
        "invoice": "F-2026-00002",
        "amount": "180.00",
    }
    outcome = cli.json(
        "letters",
        "render",
        "decision-recours",
        "--dossier",
        ref,
        "--format",
        "html",
        "--out",
        out,
        "--date",
        "2026-07-04",
    )
    assert "PROG-2026-0001" in Path(outcome["path"]).read_text(encoding="utf-8")
    shown = cli.json("dossier", "show", ref)
    assert shown["status"] == "granted"
    assert [e["event"] for e in shown["history"]] == [
        "opened",
        "received",
        "paid",
        "checked",
        "assigned",
        "report",
        "agenda",
        "decision",
        "appeal",
        "agenda",
        "decision",
    ]
    assert shown["appeals"][0]["outcome"] == "granted"
    assert [a["outcome"] for a in cli.json("appeal", "list")] == ["granted"]


# -- (c) a renewal granted after the end of validity: the lapse shows ------------------
@pytest.mark.today("2034-12-31")  # a story that runs years ahead (the renewal fee's invoice)
def test_late_renewal_shows_the_lapse(cli):
    cli.ok(
        "instructor",
        "add",
        "--name",
        "Marc Lenoir",
        "--specialty",
        "economie",
        "--date",
        "2026-01-02",
    )
    holder = economist(cli)
    ref = cli.json(
        "dossier", "add", "--candidate", holder, "--scheme", "ECO", "--date", "2026-01-05"
    )["ref"]
    complete_and_report(
        cli, ref, pieces=INITIAL, fee="480.00", opened="2026-01-06", report_on="2026-05-01"
    )
    session = award_session(cli, "2026-06-15")
    cli.ok("commission", "agenda", session, "--date", "2026-06-15")
    assert decide(cli, session, ref, "--grant")["amount"] == "210.00"

    renewal = cli.json(
        "dossier",
        "add",
        "--candidate",
        holder,
        "--scheme",
        "ECO",
        "--kind",
        "renewal",
        "--certificate",
        "ECO-2026-0001",
        "--date",
        "2030-05-02",
    )
    complete_and_report(
        cli,
        renewal["ref"],
        pieces=RENEWAL,
        fee="300.00",
        opened="2030-05-02",
        report_on="2030-06-01",
    )
    assert (
        cli.json("certificate", "show", "ECO-2026-0001", "--as-of", "2030-06-20")["status"]
        == "expired"
    )
    lapsed = cli.json("renewals", "due", "--as-of", "2030-06-20", "--include-expired")
    assert [(d["certificate"], d["days_left"]) for d in lapsed] == [("ECO-2026-0001", -6)]
    late = award_session(cli, "2030-07-01")
    cli.ok("commission", "agenda", late, "--date", "2030-07-01")
    decided = decide(cli, late, renewal["ref"], "--grant")
    assert decided["valid_until"] == "2034-06-30"
    cert = cli.json("certificate", "show", "ECO-2026-0001", "--as-of", "2030-07-01")
    assert cert["periods"] == [
        {"start": "2026-06-15", "end": "2030-06-14"},
        {"start": "2030-07-01", "end": "2034-06-30"},
    ]
    assert cert["lapses"] == [{"from": "2030-06-15", "to": "2030-06-30", "days": 16}]
    assert cert["status"] == "valid"
    text = cli.ok("certificate", "show", "ECO-2026-0001", "--as-of", "2030-07-01").stdout
    assert "2030-06-15" in text and "16 days" in text


# -- (d) CQPT free access: hours, evaluation, CPNE, funding ------------------------------
def test_cqpt_free_access_to_delivery(cli):
    who = new_candidate(
        cli,
        "Théo",
        "Girard",
        "2026-01-05",
        "--status",
        "salarie",
        "--employer",
        "Télécom Réseaux Ouest",
    )
    # As of 2026-07-01 the window starts 2023-07-01: 1460 h over 2023 count
    # 1460 x 184 / 365 = 736 h; 1096 h over 2024-01-01..2026-12-31 (1096 days) count
    # 913 h up to 2026-07-01: 1649 h in all.
    branch_period(cli, who, "2023-01-01", "2023-12-31", "1460", "cdd")
    check = free_access_check(cli, who, "2026-07-01")
    assert (check["eligible"], check["hours"]) == (False, "736.00")
    branch_period(cli, who, "2024-01-01", "2026-12-31", "1096", "cdi")
    check = free_access_check(cli, who, "2026-07-01")
    assert (check["eligible"], check["hours"]) == (True, "1649.00")

    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        who,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--financing",
        "periode-pro",
        "--date",
        "2026-07-01",
    )["ref"]
    cli.ok(
        "dossier",
        "receive",
        ref,
        "candidature",
        "piece-identite",
        "attestation-employeur",
        "--date",
        "2026-07-02",
    )
    checked = cli.json("dossier", "check", ref, "--date", "2026-07-03")
    assert (checked["complete"], checked["fee_due"]) == (True, "0.00")
    assert status(cli, ref) == "complete"
    admissible = cli.json("cqpt", "admissibility", ref, "--accept", "--date", "2026-07-06")
    assert (admissible["status"], admissible["eligible"]) == ("admissible", True)
    evaluator = cli.json(
        "evaluator", "add", "--name", "Formatel Évaluation", "--date", "2026-07-06"
    )["id"]
    cli.ok("cqpt", "orient", ref, "--evaluator", evaluator, "--date", "2026-07-07")
    cli.ok("cqpt", "prediag", ref, "--score", "13", "--date", "2026-07-10")
    for phase, day in (
        ("proof", "2026-08-01"),
        ("quiz", "2026-09-01"),
        ("situation", "2026-10-01"),
    ):
        cli.ok("cqpt", "phase", ref, phase, "--result", "pass", "--date", day)
    cpne = award_session(cli, "2026-11-05", "cpne")
    transmitted = cli.json("cqpt", "transmit", ref, "--session", cpne, "--date", "2026-10-10")
    assert transmitted["status"] == "transmitted"
    decided = decide(cli, cpne, ref, "--grant")
    assert {k: decided[k] for k in ("certificate", "valid_until", "invoice", "amount")} == {
        "certificate": "CQPT-2026-00001",
        "valid_until": None,
        "invoice": None,
        "amount": None,
    }
    cert = cli.json("certificate", "show", "CQPT-2026-00001", "--as-of", "2040-01-01")
    assert (cert["status"], cert["periods"]) == ("valid", [{"start": "2026-11-05", "end": None}])
    assert cli.json("invoice", "list") == []
    funding = cli.json("cqpt", "funding")
    assert funding["totals"] == {"AUVICOM": "300.00"}
    assert [(d["ref"], d["funder"], d["amount"]) for d in funding["dossiers"]] == [
        (ref, "AUVICOM", "300.00")
    ]


# -- (e) the demo office ----------------------------------------------------------------------
def test_demo_office_and_read_commands(cli, unchanged, db_path):
    summary = cli.json("demo", "--date", "2026-06-15")
    counts = summary["counts"]
    assert (
        min(
            counts[t]
            for t in (
                "certificates",
                "invoices",
                "sessions",
                "candidates",
                "dossiers",
                "reminders",
                "appeals",
            )
        )
        > 0
    )
    assert counts["letters"] == 0
    expected = {
        "submitted",
        "incomplete",
        "complete",
        "instruction",
        "waiting",
        "report_ready",
        "on_agenda",
        "adjourned",
        "granted",
        "refused",
        "appealed",
        "admissible",
        "inadmissible",
        "evaluation",
        "transmitted",
        "withdrawn",
    }
    assert set(summary["dossiers_by_status"]) == expected
    assert 4 <= len(summary["try"]) <= 8

    with unchanged():
        refused = cli.fails("demo", "--date", "2026-06-15")
    assert "already holds records" in refused.stderr

    reads = [
        ("info",),
        ("dossier", "list"),
        ("renewals", "due", "--as-of", "2026-06-15"),
        ("invoice", "list"),
        ("invoice", "list", "--unpaid"),
        ("certificate", "list"),
        ("commission", "list"),
        ("cqpt", "funding"),
        ("appeal", "list"),
        ("instructor", "list"),
        ("evaluator", "list"),
        ("letters", "log"),
        ("dossier", "list", "--overdue", "--as-of", "2026-06-15"),
    ]
    for args in reads:
        json.dumps(cli.json(*args))
    due = cli.json("renewals", "due", "--as-of", "2026-06-15")
    assert len(due) >= 2 and sum(1 for d in due if d["reminded_on"]) == 1
    assert any(c["lapses"] for c in cli.json("certificate", "list"))
    assert any(i["number"].startswith("AV-") for i in cli.json("invoice", "list"))
    assert len(cli.json("dossier", "list", "--overdue", "--as-of", "2026-06-15")) == 1
    for item in summary["try"]:
        words = shlex.split(item["command"])
        assert words[:3] == ["certcli", "--db", str(db_path)]  # copy-pasteable
        words = words[3:]
        if words[:2] != ["commission", "agenda"]:  # that one records the agenda
            json.dumps(cli.json(*words))


@pytest.mark.parametrize("day", ["2026-01-02", "2027-02-28", "2028-12-31"])
def test_demo_works_on_any_day(cli, day):
    summary = cli.json("demo", "--date", day)
    assert summary["date"] == day and summary["counts"]["certificates"] > 0


def test_demo_size_adds_synthetic_candidates_and_force_adds_to_a_register(cli, unchanged):
    cli.ok("candidate", "add", "--first-name", "Réelle", "--last-name", "Personne")
    with unchanged():
        assert "already holds" in cli.fails("demo", "--date", "2026-06-15").stderr
    bigger = cli.json("demo", "--date", "2026-06-15", "--size", "5", "--force")
    office = bigger["counts"]["candidates"] - 1 - 5
    assert office > 30
    # A second office on top of the first would issue invoices out of date order in
    # the past: refused as a whole, nothing written.
    with unchanged():
        assert "date order" in cli.fails("demo", "--date", "2026-06-15", "--force").stderr
