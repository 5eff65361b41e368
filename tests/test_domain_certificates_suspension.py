"""Suspending and reinstating a certificate (certcli/domain/certificates.py): the
status, every listing that asks whether a certificate is valid, the history, the
refusals."""

from __future__ import annotations

import pytest
from commission_helpers import decide_at, new_candidate


def _numbers(entries, key="certificate"):
    return [e[key] for e in entries]


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_suspended_certificate_is_not_valid_anywhere_until_it_passes(cli, store):
    holder = new_candidate(cli, first="Léa", last="Élan", directory_consent=True)
    other = new_candidate(cli, first="Paul", last="Autre", directory_consent=True)
    number = decide_at(cli, store, "2026-03-12", candidate=holder)["certificate"]
    kept = decide_at(cli, store, "2026-03-13", candidate=other)["certificate"]
    out = cli.json(
        "certificate", "suspend", number, "--reason", "dues unpaid", "--until", "2027-01-31",
        "--date", "2026-12-01", "--as", "marie",
    )  # fmt: skip
    assert out["status"] == "suspended"
    assert out["suspensions"] == [
        {
            "from": "2026-12-01",
            "until": "2027-01-31",
            "reason": "dues unpaid",
            "by": "marie",
            "reinstated_on": None,
            "reinstate_reason": None,
        }
    ]
    show = cli.json  # the status on a day
    assert show("certificate", "show", number, "--as-of", "2026-11-30")["status"] == "valid"
    assert show("certificate", "show", number, "--as-of", "2027-01-31")["status"] == "suspended"
    assert show("certificate", "show", number, "--as-of", "2027-02-01")["status"] == "valid"
    # the directory, the list of valid certificates and the dues call leave it out
    on = ("--as-of", "2027-01-15")
    assert _numbers(cli.json("directory", "search", *on)) == [kept]
    assert sorted(_numbers(cli.json("directory", "search", "--as-of", "2027-02-01"))) == [
        number,
        kept,
    ]
    listed = cli.json("certificate", "list", "--valid-on", "2027-01-15")
    assert _numbers(listed, "number") == [kept]
    assert [c["status"] for c in cli.json("certificate", "list", "--as-of", "2027-01-15")] == [
        "suspended",
        "valid",
    ]
    called = cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15")
    assert _numbers(called["invoiced"]) == [kept]
    # its history tells the suspension, right after the grant it suspends
    text = " ".join(cli.ok("certificate", "show", number).stdout.split())
    assert (
        "certificate " + number + " suspended on 1 Dec 2026 by marie: dues unpaid "
        "(until 31 Jan 2027)"
    ) in text
    assert text.index("issued (ECO)") < text.index("suspended on 1 Dec 2026")


@pytest.mark.today("2032-12-31")
def test_renewals_due_leave_out_a_suspended_certificate_until_reinstated(cli, store):
    number = decide_at(cli, store, "2026-03-12")["certificate"]  # valid until 2030-03-11

    def due(as_of):
        return _numbers(cli.json("renewals", "due", "--months", "9", "--as-of", as_of))

    assert due("2029-09-01") == [number]
    cli.ok("certificate", "suspend", number, "--reason", "complaint", "--date", "2029-08-01")
    assert due("2029-09-01") == [] and due("2029-12-01") == []  # no --until: until reinstated
    out = cli.json(
        "certificate", "reinstate", number, "--reason", "complaint dismissed",
        "--date", "2029-10-01", "--as", "marie",
    )  # fmt: skip
    assert out["status"] == "valid"
    assert out["suspensions"][0]["reinstated_on"] == "2029-10-01"
    assert out["suspensions"][0]["reinstate_reason"] == "complaint dismissed"
    assert due("2029-09-30") == [] and due("2029-10-01") == [number]
    assert cli.json("certificate", "show", number, "--as-of", "2029-09-30")["status"] == "suspended"
    log = " ".join(cli.ok("log", "--entity", "certificate", "--record", number).stdout.split())
    assert (
        f"suspension of certificate {number} from 1 Aug 2029 lifted on 1 Oct 2029 by marie: "
        "complaint dismissed"
    ) in log
    entries = cli.json("log", "--entity", "certificate", "--record", number)
    assert entries[0]["action"] == "certificate.reinstate"
    assert entries[0]["details"]["status"] == ["suspended", "valid"]
    assert entries[1]["details"]["status"] == ["valid", "suspended"]


@pytest.mark.today("2032-12-31")
def test_refused_suspensions_and_reinstatements_change_nothing(cli, store, unchanged):
    number = decide_at(cli, store, "2026-03-12")["certificate"]
    withdrawn = decide_at(cli, store, "2026-03-13")["certificate"]
    cli.ok("certificate", "withdraw", withdrawn, "--reason", "fraud", "--date", "2026-06-01")
    cli.ok("certificate", "suspend", number, "--reason", "x", "--date", "2026-07-01")

    def refused(*args):
        return cli.fails("certificate", *args).stderr

    with unchanged():
        assert "is suspended on 2026-08-01" in refused(
            "suspend", number, "--reason", "again", "--date", "2026-08-01"
        )
        assert "is expired on 2030-06-01" in refused(
            "suspend", number, "--reason", "late", "--date", "2030-06-01"
        )
        assert "is withdrawn on 2026-07-01" in refused(
            "suspend", withdrawn, "--reason", "x", "--date", "2026-07-01"
        )
        assert "is valid on 2026-06-30, not suspended" in refused(
            "reinstate", number, "--reason", "x", "--date", "2026-06-30"
        )
        assert "--until 2026-06-01 is before the suspension's --date 2026-07-02" in refused(
            "suspend", withdrawn, "--reason", "x", "--until", "2026-06-01", "--date", "2026-07-02"
        )
        assert "needs --reason" in refused(
            "reinstate", number, "--reason", " ", "--date", "2026-08-01"
        )
        assert "needs --reason" in refused(
            "suspend", withdrawn, "--reason", "", "--date", "2026-05-01"
        )
        assert "no certificate" in refused("suspend", "ECO-1999-0001", "--reason", "x")
