"""Rules a reviewer found missing: dates in order, invoices in date order, dues of
renewals and extensions, one initial dossier per scheme, loose matching of
mentions and certificate numbers, plain amounts and plausible birth dates."""

import datetime as dt
import re
from pathlib import Path

import pytest
from commission_helpers import decide_at, new_candidate, report_ready, session
from instruction_helpers import d_candidate, d_complete, d_instructor

from certcli.domain import assignment, invoices
from certcli.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent


def _opened(cli, date="2026-02-01", scheme="ECO", **extra) -> str:
    args = ["dossier", "add", "--candidate", new_candidate(cli), "--scheme", scheme, "--date", date]
    for key, value in extra.items():
        args += ["--" + key, value]
    return cli.json(*args)["ref"]


# -- 1. dossier steps in date order ------------------------------------------------------
def test_no_step_is_dated_before_the_dossier_was_opened(cli, unchanged):
    ref = _opened(cli, "2026-02-01")
    with unchanged():
        for step in (
            ["receive", ref, "administratif"],
            ["pay", ref, "--amount", "100.00", "--method", "cheque"],
            ["check", ref],
            ["withdraw", ref],
        ):
            err = cli.fails("dossier", *step, "--date", "2025-01-01").stderr
            assert "dated 2025-01-01 is before the dossier was opened (2026-02-01)" in err
    cli.ok("dossier", "receive", ref, "administratif", "--date", "2026-02-01")  # same day


def test_a_status_change_is_not_dated_before_the_last_one(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store), date=dt.date(2026, 3, 1))  # checked 03-01
    assignment.assign(
        store, ref, instructor_id=d_instructor(store, "Paul Girard"), date=dt.date(2026, 3, 2)
    )
    cli.ok(
        "dossier",
        "request",
        ref,
        "--items",
        "Attestation",
        "--due",
        "2026-04-10",
        "--date",
        "2026-03-10",
    )
    cli.ok("dossier", "receive", ref, "--date", "2026-03-20")  # the complement
    with unchanged():
        err = cli.fails(
            "dossier", "report", ref, "--recommend", "grant", "--date", "2026-03-15"
        ).stderr
        assert (
            "'report' dated 2026-03-15 is before its last change of status "
            "(2026-03-20); date it 2026-03-20 or later"
        ) in err
    # Yesterday's post entered today: a step that leaves the status alone may be
    # dated before the last status change (not before the opening).
    cli.ok("dossier", "receive", ref, "technique", "--date", "2026-03-12")
    report = cli.json("dossier", "report", ref, "--recommend", "grant", "--date", "2026-03-20")
    assert report["status"] == "report_ready"


def test_an_agenda_skips_a_dossier_whose_status_changed_after_the_session(cli, store):
    ref = report_ready(cli, store, report_on="2026-04-01", opened="2026-02-01")
    later = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", later, "--date", "2026-06-15")
    cli.ok("commission", "decide", later, ref, "--adjourn", "--date", "2026-06-15")
    earlier = session(cli, "2026-05-20")
    built = cli.json("commission", "agenda", earlier, "--date", "2026-05-20")
    assert built["agenda"] == []
    assert built["postponed"] == [
        {
            "ref": ref,
            "reason": "its status last changed on "
            "2026-06-15, after the session: place it on a later "
            "session",
        }
    ]


# -- 2. invoice numbers follow the issue dates ---------------------------------------------
@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_grant_recorded_after_the_dues_call_is_numbered_and_dated_after_it(cli, store, unchanged):
    decide_at(cli, store, "2026-03-12")  # F-2026-00001
    called = cli.json("dues", "call", "--year", "2030", "--date", "2030-01-05")
    assert [i["number"] for i in called["invoiced"]] == ["F-2030-00001"]
    ref = report_ready(cli, store, report_on="2029-12-01", opened="2029-11-01")
    sid = session(cli, "2030-01-02")
    cli.ok("commission", "agenda", sid, "--date", "2030-01-02")
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2030-01-02").stderr
        assert (
            "invoices are numbered in date order: F-2030-00001 was issued on 2030-01-05, "
            "so a new one cannot be dated 2030-01-02"
        ) in err
    granted = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2030-01-06")
    assert granted["date"] == "2030-01-02"  # the decision: the session day
    assert (granted["invoice"], granted["amount"]) == ("F-2030-00002", "360.00")  # 12/12
    assert cli.json("invoice", "show", "F-2030-00002")["issued_on"] == "2030-01-06"


def test_credit_notes_follow_their_own_dates(cli, store, unchanged):
    first = decide_at(cli, store, "2026-06-15")["invoice"]
    second = decide_at(cli, store, "2026-07-15")["invoice"]
    cli.ok("invoice", "cancel", second, "--reason", "x", "--date", "2026-09-01")
    with unchanged():
        err = cli.fails("invoice", "cancel", first, "--reason", "x", "--date", "2026-08-01").stderr
        assert (
            "credit notes are numbered in date order: AV-2026-00001 was issued on 2026-09-01" in err
        )
    cli.ok("invoice", "cancel", first, "--reason", "x", "--date", "2026-09-01")


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_issue_refuses_an_earlier_date_in_the_same_year_only(cli, store):
    cid = d_candidate(store)

    def issue(day):
        return invoices.issue(
            store, candidate_id=cid, amount="10.00", label="t", purpose="test", date=day
        ).number

    assert issue(dt.date(2030, 1, 5)) == "F-2030-00001"
    with pytest.raises(ValidationError, match="F-2030-00001 was issued on 2030-01-05"):
        issue(dt.date(2030, 1, 2))
    assert issue(dt.date(2030, 1, 5)) == "F-2030-00002"
    assert issue(dt.date(2029, 12, 31)) == "F-2029-00001"  # another year's series


# -- 3. renewals and dues ----------------------------------------------------------------------
def _renew(cli, store, number, cid, date):
    return decide_at(cli, store, date, kind="renewal", certificate=number, candidate=cid)


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_continued_renewal_owes_no_prorata_and_the_call_invoices_it(cli, store):
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-06-15", candidate=cid)["certificate"]
    renewed = _renew(cli, store, number, cid, "2030-06-14")  # on valid_until
    assert renewed["valid_until"] == "2034-06-14"
    assert (renewed["invoice"], renewed["amount"]) == (None, None)
    called = cli.json("dues", "call", "--year", "2030", "--date", "2030-06-20")
    assert [(i["certificate"], i["amount"]) for i in called["invoiced"]] == [(number, "360.00")]


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_lapsed_renewal_owes_the_prorata_only_across_1_january(cli, store):
    # Valid on 1 January 2030 (until 2030-03-11), renewed after the lapse: the 2030
    # call covers the whole year, whether it runs before or after the renewal.
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    renewed = _renew(cli, store, number, cid, "2030-06-14")
    assert renewed["invoice"] is None
    assert [
        i["certificate"]
        for i in cli.json("dues", "call", "--year", "2030", "--date", "2030-06-20")["invoiced"]
    ] == [number]
    # Not valid on 1 January 2031 (lapse from 2030-11-03 to 2031-02-09): no call
    # covers 2031, the renewal starts the dues like a new grant (11/12).
    other = new_candidate(cli)
    lapsed = decide_at(cli, store, "2026-11-03", candidate=other)["certificate"]
    again = _renew(cli, store, lapsed, other, "2031-02-10")
    assert again["amount"] == "330.00"
    assert cli.json("invoice", "show", again["invoice"])["dues_year"] == 2031


# -- 4. the annual call knows only what was decided by its date -----------------------------
@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_dues_call_is_not_made_years_ahead(cli, store, unchanged):
    with unchanged():
        err = cli.fails("dues", "call", "--year", "2029", "--date", "2027-01-06").stderr
        assert "the 2029 dues cannot be called on 2027-01-06" in err
        assert "next year's (2028)" in err
    later = decide_at(cli, store, "2027-12-20")["certificate"]  # after the call date
    with unchanged():
        assert cli.json("dues", "call", "--year", "2028", "--date", "2027-12-15")["invoiced"] == []
    called = cli.json("dues", "call", "--year", "2028", "--date", "2028-01-10")
    assert [i["certificate"] for i in called["invoiced"]] == [later]


# -- 5. one initial dossier per scheme -----------------------------------------------------------
def test_a_holder_gets_a_renewal_or_an_extension_not_a_second_initial(cli, store, unchanged):
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    with unchanged():
        err = cli.fails(
            "dossier", "add", "--candidate", cid, "--scheme", "eco", "--date", "2026-09-01"
        ).stderr
        assert (
            f"candidate {cid} already holds ECO certificate {number}, valid on "
            f"2026-09-01: open a dossier with --kind renewal --certificate {number} or "
            f"--kind extension --certificate {number}, or pass --force"
        ) in err
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "PROG", "--date", "2026-09-01")
    forced = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "ECO",
        "--date",
        "2026-09-01",
        "--force",
        "--as",
        "claire",
    )
    history = cli.json("dossier", "show", forced["ref"])["history"]
    assert history[0]["details"]["forced"] is True and history[0]["by"] == "claire"


def test_an_open_initial_dossier_blocks_a_second_one(cli, unchanged):
    cid = new_candidate(cli)
    first = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-02-01"
    )["ref"]
    with unchanged():
        err = cli.fails(
            "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01"
        ).stderr
        assert (
            f"already has an open initial ECO dossier ({first}, 'submitted'): pass --force"
        ) in err
    cli.ok("dossier", "withdraw", first, "--date", "2026-03-01")
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01")


# -- 6. an extension into another scheme brings its dues: see test_certificates ------------


# -- 7. one way to match mentions and certificate numbers -------------------------------------
def test_mentions_and_certificate_numbers_match_loosely_everywhere(cli, store):
    cid = new_candidate(cli)
    decided = decide_at(
        cli,
        store,
        "2026-03-12",
        "--grant",
        "--mention",
        "opc",
        "--mention",
        "maitrise d'oeuvre d'execution",
        candidate=cid,
    )
    assert decided["mentions"] == ["OPC", "Maîtrise d'œuvre d'exécution"]
    number = decided["certificate"]
    ext = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "ECO",
        "--kind",
        "extension",
        "--certificate",
        f" {number.lower()} ",
        "--mention",
        "bim",
        "--date",
        "2026-06-01",
    )
    assert (ext["certificate"], ext["mention"]) == (number, "BIM")
    assert (
        "unknown mention 'XYZ' for ECO (one of: OPC, BIM"
        in cli.fails(
            "dossier",
            "add",
            "--candidate",
            cid,
            "--scheme",
            "ECO",
            "--kind",
            "extension",
            "--certificate",
            number,
            "--mention",
            "XYZ",
        ).stderr
    )


# -- 8. plain amounts, plausible birth dates ---------------------------------------------------
@pytest.mark.parametrize("amount", ["1e3", "1E3", "NaN", "Infinity", "1_000", "1.2.3", "0x10"])
def test_amounts_are_plain_decimal_notation(cli, amount):
    err = cli.fails("dues", "prorata", "--amount", amount, "--date", "2026-06-15").stderr
    assert f"invalid amount '{amount}'" in err


def test_plain_amounts_still_read(cli):
    for amount, expected in (
        ("360", "210.00"),
        ("360,00", "210.00"),
        ("1 200.00", "700.00"),
        (".60", "0.35"),
    ):
        assert (
            cli.json("dues", "prorata", "--amount", amount, "--date", "2026-06-15")["amount"]
            == expected
        )


def test_birth_date_must_be_plausible_on_the_day_of_entry(cli, unchanged):
    base = [
        "candidate",
        "add",
        "--first-name",
        "Léa",
        "--last-name",
        "Martin",
        "--date",
        "2026-06-15",
        "--birth-date",
    ]
    with unchanged():
        assert (
            "birth date 2030-01-01 is after the date of this entry (2026-06-15)"
            in cli.fails(*base, "2030-01-01").stderr
        )
        assert (
            "implausible birth date 2010-06-16: the candidate would be 15 on 2026-06-15 "
            "(at least 16 expected)"
        ) in cli.fails(*base, "2010-06-16").stderr
    cid = cli.json(*base, "2010-06-15")["id"]  # 16 that day
    with unchanged():
        assert (
            "is after the date of this entry"
            in cli.fails(
                "candidate", "edit", cid, "--birth-date", "2027-01-01", "--date", "2026-06-20"
            ).stderr
        )


# -- 9. decisions are recorded from the session day on -------------------------------------------
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


# -- 10. SQL only in the store ---
def test_domain_and_cli_modules_hold_no_sql():
    sql = re.compile(r"[\"'](SELECT|INSERT|UPDATE|DELETE) ")
    # demo.py is being rewritten elsewhere; it is held to the rule once it lands.
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "certcli").rglob("*.py"))
        if "store" not in path.parts and path.name != "demo.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if sql.search(line)
    ]
    assert offenders == []
