"""Certificates (certcli/domain/certificates.py): validity, renewals, extensions,
numbers, loose matching of mentions and numbers, listing, search and withdrawal."""

from __future__ import annotations

import pytest
from commission_helpers import decide_at, new_candidate, report_ready, session


@pytest.mark.parametrize(
    "granted, until",
    [
        ("2026-03-12", "2030-03-11"),
        ("2028-02-29", "2032-02-28"),  # 29 February, target year not leap
        ("2027-03-01", "2031-02-28"),
        ("2026-08-31", "2030-08-30"),  # month end
        ("2026-01-01", "2029-12-31"),
    ],
)
@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_validity_through_a_real_grant(cli, store, granted, until):
    result = decide_at(cli, store, granted)
    assert result["valid_until"] == until
    cert = cli.json("certificate", "show", result["certificate"], "--as-of", until)
    assert cert["status"] == "valid"
    assert cert["periods"] == [{"start": granted, "end": until}]
    assert (
        cli.json("certificate", "show", result["certificate"], "--as-of", "2033-01-01")["status"]
        == "expired"
    )


def _renewal(cli, store, number, candidate, date, *extra):
    return decide_at(
        cli, store, date, "--grant", *extra, kind="renewal", certificate=number, candidate=candidate
    )


@pytest.mark.today("2034-12-31")  # a story that runs years ahead (the renewal fee's invoice)
def test_renewal_in_time_continues_the_same_number_from_the_day_after(cli, store):
    cid = new_candidate(cli)
    first = decide_at(cli, store, "2026-03-12", candidate=cid)
    number = first["certificate"]
    renewed = _renewal(cli, store, number, cid, "2030-03-11")  # on valid_until itself
    assert renewed["certificate"] == number
    assert renewed["valid_until"] == "2034-03-11"
    cert = cli.json("certificate", "show", number, "--as-of", "2030-03-12")
    assert cert["periods"] == [
        {"start": "2026-03-12", "end": "2030-03-11"},
        {"start": "2030-03-12", "end": "2034-03-11"},
    ]
    assert cert["lapses"] == [] and cert["status"] == "valid"
    assert cert["granted_on"] == "2026-03-12"
    assert len(cli.json("certificate", "list")) == 1


@pytest.mark.today("2034-12-31")  # a story that runs years ahead (the renewal fee's invoice)
def test_late_renewal_starts_on_the_decision_date_and_shows_the_lapse(cli, store):
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    renewed = _renewal(cli, store, number, cid, "2030-04-01")
    assert renewed["certificate"] == number and renewed["valid_until"] == "2034-03-31"
    cert = cli.json("certificate", "show", number, "--as-of", "2030-03-20")
    assert cert["status"] == "expired"
    assert cert["periods"][-1] == {"start": "2030-04-01", "end": "2034-03-31"}
    assert cert["lapses"] == [{"from": "2030-03-12", "to": "2030-03-31", "days": 20}]
    assert (
        "lapse: not valid from 2030-03-12 to 2030-03-31"
        in cli.ok("certificate", "show", number).stdout
    )
    assert cli.json("certificate", "show", number, "--as-of", "2030-04-01")["status"] == "valid"


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_renewal_dues_are_not_billed_twice_for_a_called_year(cli, store):
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    called = cli.json("dues", "call", "--year", "2030", "--date", "2029-12-10")
    assert [i["certificate"] for i in called["invoiced"]] == [number]
    renewed = _renewal(cli, store, number, cid, "2030-02-10")
    assert renewed["invoice"] is None and renewed["amount"] is None
    # A renewal after a lapse across 1 January (not valid on 1 January 2030, so no
    # call covers 2030) pays its prorated dues like a new grant.
    late = new_candidate(cli)
    other = decide_at(cli, store, "2025-11-03", candidate=late)["certificate"]
    again = _renewal(cli, store, other, late, "2030-03-10")
    assert (again["amount"], again["valid_until"]) == ("300.00", "2034-03-09")


def test_extension_adds_a_mention_without_dues(cli, store):
    cid = new_candidate(cli)
    number = decide_at(cli, store, "2026-03-12", candidate=cid, mentions=["OPC"])["certificate"]
    result = decide_at(
        cli, store, "2026-10-01", kind="extension", certificate=number, mention="BIM", candidate=cid
    )
    assert result["certificate"] == number and result["invoice"] is None
    assert result["mentions"] == ["OPC", "BIM"] and result["valid_until"] == "2030-03-11"
    assert cli.json("certificate", "show", number)["mentions"] == ["OPC", "BIM"]
    # the grant's dues, besides each dossier's fee invoice
    purposes = [i["purpose"] for i in cli.json("invoice", "list")]
    assert purposes == ["instruction-fee", "dues-prorata", "instruction-fee"]


def test_extension_to_another_scheme_issues_its_own_certificate(cli, store):
    cid = new_candidate(cli)
    eco = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    result = decide_at(
        cli, store, "2026-10-01", scheme="PROG", kind="extension", certificate=eco, candidate=cid
    )
    assert result["certificate"] == "PROG-2026-0001"
    assert result["valid_until"] == "2030-09-30"
    # A new certificate comes with its prorated dues (spec §2.5), 3/12 of 360.00.
    # (F-2026-00001 and -00003 are the two dossiers' fee invoices, -00002 the ECO dues)
    assert (result["invoice"], result["amount"]) == ("F-2026-00004", "90.00")
    invoice = cli.json("invoice", "show", "F-2026-00004")
    assert (invoice["certificate"], invoice["dues_year"]) == ("PROG-2026-0001", 2026)
    assert [c["number"] for c in cli.json("certificate", "list", "--candidate", cid)] == [
        eco,
        "PROG-2026-0001",
    ]


def test_extension_without_mention_is_refused(cli, store, unchanged):
    cid = new_candidate(cli)
    eco = decide_at(cli, store, "2026-03-12", candidate=cid)["certificate"]
    ref = report_ready(
        cli, store, kind="extension", certificate=eco, candidate=cid, report_on="2026-09-01"
    )
    sid = session(cli, "2026-10-01")
    cli.ok("commission", "agenda", sid, "--date", "2026-10-01")
    with unchanged():
        assert "names no mention" in cli.fails("commission", "decide", sid, ref, "--grant").stderr


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_certificate_numbers_follow_one_counter_per_scheme(cli, store):
    assert decide_at(cli, store, "2026-06-15")["certificate"] == "ECO-2026-0001"
    assert decide_at(cli, store, "2027-02-15")["certificate"] == "ECO-2027-0002"
    assert decide_at(cli, store, "2027-02-16", scheme="PROG")["certificate"] == "PROG-2027-0001"


def test_list_filters_and_withdrawal(cli, store, unchanged):
    a = decide_at(cli, store, "2026-03-12")["certificate"]
    b = decide_at(cli, store, "2026-06-15", scheme="PROG")["certificate"]
    assert [c["number"] for c in cli.json("certificate", "list", "--valid-on", "2026-04-01")] == [a]
    assert [c["number"] for c in cli.json("certificate", "list", "--scheme", "prog")] == [b]
    out = cli.json(
        "certificate", "withdraw", a, "--reason", "fausse déclaration", "--date", "2027-01-10"
    )
    assert out["status"] == "withdrawn" and out["withdrawn_on"] == "2027-01-10"
    assert cli.json("certificate", "show", a, "--as-of", "2027-01-09")["status"] == "valid"
    assert cli.json("certificate", "show", a, "--as-of", "2027-01-10")["status"] == "withdrawn"
    assert [c["number"] for c in cli.json("certificate", "list", "--valid-on", "2027-02-01")] == [b]
    with unchanged():
        assert (
            "already withdrawn" in cli.fails("certificate", "withdraw", a, "--reason", "x").stderr
        )
        assert "no certificate" in cli.fails("certificate", "show", "ECO-1999-9999").stderr
        assert "needs --reason" in cli.fails("certificate", "withdraw", b, "--reason", " ").stderr


def test_certificate_show_json_keys(cli, store):
    number = decide_at(cli, store, "2026-03-12")["certificate"]
    cert = cli.json("certificate", "show", number, "--as-of", "2026-04-01")
    assert {
        "number",
        "candidate_id",
        "holder",
        "scheme",
        "status",
        "valid_until",
        "periods",
        "mentions",
        "lapses",
    } <= set(cert)
    assert cert["holder"].startswith("Prénom") and cert["scheme"] == "ECO"


# -- one way to match mentions and certificate numbers -------------------------------------
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


def test_is_thierry_marechal_certified(cli, store):
    cid = new_candidate(cli, first="Thierry", last="Maréchal")  # no directory consent
    other = new_candidate(cli, first="Jean", last="Dupont")
    granted = decide_at(cli, store, "2026-06-15", candidate=cid)
    decide_at(cli, store, "2026-06-16", candidate=other)
    found = cli.json("certificate", "list", "--search", "THIERRY marechal")
    assert [c["number"] for c in found] == [granted["certificate"]]
    assert found[0]["candidate_id"] == cid
    assert cli.json("directory", "search", "marechal", "--as-of", "2026-07-01") == []
    text = cli.ok("certificate", "list", "-s", "maréchal").stdout
    assert granted["certificate"] in text and "Dupont" not in text
    assert cli.json("certificate", "list", "--search", "nobody") == []
