"""Dossiers (certcli/domain/dossiers.py): references, listing and search, history, one
initial dossier per scheme, and steps dated in order."""

from __future__ import annotations

import datetime as dt

from builders import add_candidate
from commission_helpers import decide_at, new_candidate
from instruction_helpers import d_candidate, d_complete, d_instructor

from certcli.domain import assignment


def test_open_dossier_refs_are_per_year(cli):
    cid = add_candidate(cli)
    first = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01"
    )
    assert first["ref"] == "2026-0001"
    assert {"ref", "candidate_id", "scheme", "kind", "status"} <= first.keys()
    assert first["status"] == "submitted" and first["kind"] == "initial"
    second = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "PROG", "--date", "2026-03-02"
    )
    assert second["ref"] == "2026-0002"
    third = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "02/01/2027", "--force"
    )
    assert third["ref"] == "2027-0001"


def test_dossier_list_filters(cli):
    cid = add_candidate(cli)
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "ECO")
    cli.ok("dossier", "add", "--candidate", cid, "--scheme", "PROG")
    cli.ok(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        "libre",
        "--financing",
        "plan-formation",
    )
    assert len(cli.json("dossier", "list")) == 3
    assert [d["scheme"] for d in cli.json("dossier", "list", "--scheme", "prog")] == ["PROG"]
    assert cli.json("dossier", "list", "--status", "instruction") == []
    assert "unknown status" in cli.fails("dossier", "list", "--status", "nope").stderr


def test_dossier_show_has_history(cli):
    cid = add_candidate(cli)
    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "ECO",
        "--as",
        "marie",
        "--date",
        "2026-05-04",
    )["ref"]
    data = cli.json("dossier", "show", ref)
    assert data["history"][0] == {
        "date": "2026-05-04",
        "event": "opened",
        "details": {"scheme": "ECO", "kind": "initial"},
        "by": "marie",
    }
    assert "check" in data["allowed_actions"]


def test_dossier_add_refusals_write_nothing(cli, unchanged):
    cid = add_candidate(cli)
    with unchanged():
        assert (
            "unknown scheme"
            in cli.fails("dossier", "add", "--candidate", cid, "--scheme", "XYZ").stderr
        )
        assert (
            "no candidate"
            in cli.fails("dossier", "add", "--candidate", 99, "--scheme", "ECO").stderr
        )
        assert (
            "--certificate"
            in cli.fails(
                "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--kind", "renewal"
            ).stderr
        )
        assert (
            "--route" in cli.fails("dossier", "add", "--candidate", cid, "--scheme", "CQPT").stderr
        )
        assert (
            "CQPT"
            in cli.fails(
                "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--route", "libre"
            ).stderr
        )
        assert (
            "invalid kind"
            in cli.fails(
                "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--kind", "weird"
            ).stderr
        )


def _opened(cli, date="2026-02-01", scheme="ECO", **extra) -> str:
    args = ["dossier", "add", "--candidate", new_candidate(cli), "--scheme", scheme, "--date", date]
    for key, value in extra.items():
        args += ["--" + key, value]
    return cli.json(*args)["ref"]


# -- dossier steps in date order ------------------------------------------------------
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


# -- one initial dossier per scheme -----------------------------------------------------------
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


def test_dossier_list_search(cli, store):
    cid = new_candidate(cli, first="Hélène", last="Lefèvre")
    new_candidate_ref = cli.json(
        "dossier", "add", "--candidate", cid, "--scheme", "ECO", "--date", "2026-03-01"
    )["ref"]
    other = new_candidate(cli, first="Jean", last="Dupont")
    cli.json("dossier", "add", "--candidate", other, "--scheme", "ECO", "--date", "2026-03-01")
    assert [d["ref"] for d in cli.json("dossier", "list", "--search", "helene lef")] == [
        new_candidate_ref
    ]
    assert [d["ref"] for d in cli.json("dossier", "list", "-s", "LEFÈVRE", "--scheme", "ECO")] == [
        new_candidate_ref
    ]
    out = cli.ok("dossier", "list", "--search", "lefevre").stdout
    assert "1-1 of 1" in out
    assert cli.json("dossier", "list", "--search", "%") == []
    assert cli.json("dossier", "list", "--search", "_") == []
