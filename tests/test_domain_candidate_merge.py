"""Merging a person registered twice (certcli/domain/candidate_merge.py, issue 11):
every record of DROP moves to KEEP, DROP stays as a tombstone that every command
refuses naming KEEP and every listing leaves out; the refusals write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commission_helpers import decide_at, new_candidate
from instruction_helpers import add_instructor, open_dossier

from certcli.letters import render

PARIS = {"address": "12 rue des Écoles", "postcode": "75005", "city": "Paris"}
LYON = {"address": "4 rue des Lilas", "postcode": "69003", "city": "Lyon"}
BORN = "1984-03-12"


def _pair(cli, **drop_extra):
    """KEEP (Hélène Dupont, Paris, in the directory) and DROP, the same person
    registered again with another e-mail, a phone and a Lyon address."""
    keep = new_candidate(
        cli, first="Hélène", last="Dupont", email="helene.dupont@example.fr",
        birth_date=BORN, directory_consent=True, date="2026-01-05", **PARIS,
    )  # fmt: skip
    drop = new_candidate(
        cli, first="Helene", last="DUPONT", email="h.dupont@example.fr", birth_date=BORN,
        phone="06 12 34 56 78", force=True, date="2026-01-06", **{**LYON, **drop_extra},
    )  # fmt: skip
    return keep, drop


def _merge(cli, keep, drop, *extra):
    return cli.json(
        "candidate", "merge", keep, drop, "--reason", "registered  twice",
        "--date", "2026-06-01", "--as", "marie", *extra,
    )  # fmt: skip


@pytest.mark.today("2026-12-31")
def test_merge_moves_every_record_and_leaves_a_tombstone(cli, store, tmp_path):
    keep, drop = _pair(cli)
    out = tmp_path / "courrier"
    granted = decide_at(
        cli, store, "2026-03-12", "--grant", "--letter", "--format", "html", "--out", out,
        candidate=drop,
    )  # fmt: skip
    number, invoice, ref = granted["certificate"], granted["invoice"], granted["ref"]
    instructor = add_instructor(cli, "Marc Lefèvre", conflict_candidate=drop)
    assert [e["id"] for e in cli.json("letters", "log", "--candidate", drop)]

    done = _merge(cli, keep, drop)
    assert done["id"] == drop and done["merged_into"] == keep
    assert done["merge_reason"] == "registered twice" and done["merged_by"] == "marie"
    assert done["kept"] == {"id": keep, "name": "Hélène Dupont"}
    assert done["moved"]["dossiers"] == [ref]
    assert done["moved"]["certificates"] == [number]
    assert done["moved"]["invoices"] == ["F-2026-00001", invoice]  # the fee's, the dues'
    # the notification and its dues invoice, in one file (issue 12)
    assert len(done["moved"]["experiences"]) == 1 and len(done["moved"]["letters"]) == 2
    assert done["moved"]["instructor_conflicts"] == [instructor]
    # KEEP's details stand; what DROP said otherwise is listed for an edit.
    assert done["differences"]["email"] == {
        "kept": "helene.dupont@example.fr",
        "dropped": "h.dupont@example.fr",
    }
    assert done["differences"]["city"] == {"kept": "Paris", "dropped": "Lyon"}
    assert done["differences"]["phone"]["kept"] is None
    assert "directory_consent" not in done["differences"]
    # Both had the same career recorded: its hours would count twice.
    assert any("record the same period" in w for w in done["warnings"])

    # Every record now names KEEP.
    shown = cli.json("dossier", "show", ref)
    assert shown["candidate_id"] == keep
    text = " ".join(cli.ok("dossier", "show", ref).stdout.split())
    assert (
        f"holder changed from candidate {drop} to {keep} (duplicate merged): registered twice"
    ) in text
    assert cli.json("certificate", "show", number)["candidate_id"] == keep
    shown_invoice = cli.json("invoice", "show", invoice)
    assert shown_invoice["candidate_id"] == keep
    assert [i["number"] for i in cli.json("invoice", "list", "--candidate", keep)] == [
        "F-2026-00001",
        invoice,
    ]
    assert [d["ref"] for d in cli.json("dossier", "list", "--candidate", keep)] == [ref]
    assert [c["number"] for c in cli.json("certificate", "list", "--candidate", keep)] == [number]
    assert len(cli.json("experience", "list", "--candidate", keep)) == 2
    assert [e["candidate_id"] for e in cli.json("letters", "log", "--candidate", keep)] == [
        keep
    ] * 2
    assert keep in cli.json("instructor", "show", instructor)["conflict_candidates"]
    assert drop not in cli.json("instructor", "show", instructor)["conflict_candidates"]
    # The directory lists the certificate under KEEP (who consented).
    listed = cli.json("directory", "search", "dupont", "--as-of", "2026-06-02")
    assert [c["certificate"] for c in listed] == [number]

    # The tombstone: shown, never listed.
    tomb = cli.json("candidate", "show", drop)
    assert tomb["merged_into"] == keep and tomb["merged_on"] == "2026-06-01"
    assert tomb["email"] == "h.dupont@example.fr"  # its own record, kept as it was
    assert f"merged into {keep} on 1 Jun 2026 by marie: registered twice" in (
        cli.ok("candidate", "show", drop).stdout
    )
    kept = cli.json("candidate", "show", keep)
    assert kept["merged_into"] is None and kept["merged_from"] == [drop]
    assert f"{drop} (merged on 1 Jun 2026)" in cli.ok("candidate", "show", keep).stdout
    assert [c["id"] for c in cli.json("candidate", "list")] == [keep]
    assert "1-1 of 1" in cli.ok("candidate", "list").stdout
    assert [c["id"] for c in cli.json("candidate", "list", "--search", "dupont")] == [keep]
    assert cli.json("candidate", "duplicates") == []
    exported = json.loads(cli.ok("candidate", "export", "--format", "json").stdout)
    assert [c["id"] for c in exported] == [keep]
    assert str(drop) not in [
        line.split(",")[0] for line in cli.ok("candidate", "export").stdout.splitlines()
    ]


def test_every_command_naming_the_tombstone_refuses_it_naming_keep(cli, store, unchanged):
    keep, drop = _pair(cli)
    _merge(cli, keep, drop)
    said = f"candidate {drop} was merged into {keep} on 2026-06-01: use candidate {keep}"
    with unchanged():
        for command in (
            ("candidate", "edit", drop, "--city", "Nantes"),
            ("experience", "add", "--candidate", drop, "--employer", "X", "--start",
             "2020-01-01", "--end", "2020-12-31", "--hours", "1000"),
            ("experience", "list", "--candidate", drop),
            ("eligibility", "check", "--candidate", drop, "--scheme", "ECO"),
            ("dossier", "add", "--candidate", drop, "--scheme", "ECO"),
            ("dossier", "list", "--candidate", drop),
            ("dossier", "list", "--overdue", "--candidate", drop),
            ("invoice", "list", "--candidate", drop),
            ("certificate", "list", "--candidate", drop),
            ("letters", "log", "--candidate", drop),
            ("letters", "render", "facture", "--candidate", drop, "--dry-run"),
            ("instructor", "add", "--name", "Paul Roy", "--role", "instructor",
             "--specialty", "economie", "--conflict-candidate", drop),
            ("candidate", "merge", keep, drop, "--reason", "again"),
        ):  # fmt: skip
            err = cli.fails(*command).stderr
            if command[1] == "merge":
                assert f"candidate {drop} was already merged into {keep}" in err, command
            else:
                assert said in err, command
    # A tombstone cannot be the candidate kept either.
    other = new_candidate(cli, first="Paul", last="Roy")
    with unchanged():
        err = cli.fails("candidate", "merge", drop, other, "--reason", "x").stderr
        assert f"merge into candidate {keep} instead" in err


def test_the_refusals_leave_the_database_unchanged(cli, store, unchanged):
    keep, drop = _pair(cli)
    open_dossier(cli, keep, "ECO", "2026-03-01")
    theirs = open_dossier(cli, drop, "ECO", "2026-03-02")
    with unchanged():
        assert "a merge needs --reason" in cli.fails("candidate", "merge", keep, drop).stderr
        err = cli.fails("candidate", "merge", keep, drop, "--reason", "   ").stderr
        assert "a merge needs --reason" in err
        err = cli.fails("candidate", "merge", keep, keep, "--reason", "x").stderr
        assert f"cannot merge candidate {keep} into itself" in err
        assert "no candidate with id 99" in (
            cli.fails("candidate", "merge", keep, 99, "--reason", "x").stderr
        )
        assert "no candidate with id 99" in (
            cli.fails("candidate", "merge", 99, drop, "--reason", "x").stderr
        )
        err = cli.fails("candidate", "merge", keep, drop, "--reason", "twice").stderr
        assert f"candidates {keep} and {drop} both hold an open initial ECO dossier" in err
        assert theirs in err and "withdraw one first" in err
    cli.ok("dossier", "withdraw", theirs, "--reason", "duplicate", "--date", "2026-03-03")
    with unchanged():
        err = cli.fails(
            "candidate", "merge", keep, drop, "--reason", "x", "--date", "2025-12-31"
        ).stderr
        assert f"is before candidate {keep} was registered" in err
        # A moved dossier's timeline cannot get a step dated before its opening.
        err = cli.fails(
            "candidate", "merge", keep, drop, "--reason", "x", "--date", "2026-03-01"
        ).stderr
        assert "before the dossier was opened" in err
    # Withdrawn, the second dossier no longer blocks: it moves with the rest.
    assert _merge(cli, keep, drop)["moved"]["dossiers"] == [theirs]


def test_open_initial_dossiers_of_two_schemes_merge(cli, store):
    keep, drop = _pair(cli)
    mine = open_dossier(cli, keep, "ECO", "2026-03-01")
    theirs = open_dossier(cli, drop, "PROG", "2026-03-01")
    assert _merge(cli, keep, drop)["moved"]["dossiers"] == [theirs]
    refs = [d["ref"] for d in cli.json("dossier", "list", "--candidate", keep)]
    assert sorted(refs) == sorted([mine, theirs])


def test_the_log_tells_the_merge_next_to_the_registration_it_corrects(cli, store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one line a row
    keep, drop = _pair(cli)
    new_candidate(cli, first="Paul", last="Roy", date="2026-01-07")  # registered after DROP
    _merge(cli, keep, drop)
    said = (
        f"candidate {drop} (Helene DUPONT) merged into {keep} (Hélène Dupont) on 1 Jun 2026 "
        "by marie: registered twice (moved 1 work period)"
    )
    merge = next(e for e in cli.json("log") if e["action"] == "candidate.merge")
    assert merge["record"] == str(drop)
    assert merge["details"]["before"]["email"] == "h.dupont@example.fr"
    assert merge["details"]["after"] == {"merged_into": keep, "merged_on": "2026-06-01"}
    # Newest first: right above DROP's registration, not above the latest one (Paul's).
    for args in (("log",), ("log", "--entity", "candidate", "--record", drop)):
        lines = [" ".join(line.split()) for line in cli.ok(*args).stdout.splitlines()]
        at = next(i for i, line in enumerate(lines) if "│ candidate.merge │" in line)
        assert said in lines[at]
        assert "registered Helene DUPONT" in lines[at + 1], args
    kept = cli.json("log", "--entity", "candidate", "--record", keep)
    assert kept[0]["action"] == "candidate.merged_in"
    assert kept[0]["details"]["candidate"] == drop
    assert f"took in candidate {drop} (Helene DUPONT), merged into this one: registered twice" in (
        cli.ok("log", "--entity", "candidate", "--record", keep).stdout
    )


def test_a_new_registration_like_the_tombstone_names_the_candidate_kept(cli, store, unchanged):
    keep, drop = _pair(cli)
    _merge(cli, keep, drop)
    with unchanged():
        err = cli.fails(
            "candidate", "add", "--first-name", "Hélène", "--last-name", "Dupont",
            "--email", "h.dupont@example.fr",
        ).stderr  # fmt: skip
        assert f"likely duplicate of candidate {drop}" in err
        assert f"merged into candidate {keep}" in err
    # KEEP may take over what DROP said: not a duplicate of its own tombstone.
    edited = cli.json("candidate", "edit", keep, "--email", "h.dupont@example.fr")
    assert edited["email"] == "h.dupont@example.fr"


@pytest.mark.today("2026-12-31")
def test_two_valid_certificates_of_one_scheme_are_warned_about(cli, store):
    keep, drop = _pair(cli)
    mine = decide_at(cli, store, "2026-03-12", candidate=keep)["certificate"]
    theirs = decide_at(cli, store, "2026-04-14", candidate=drop)["certificate"]
    result = cli("candidate", "merge", keep, drop, "--reason", "twice", "--date", "2026-06-01")
    assert result.exit_code == 0, result.stderr
    assert f"now holds 2 valid ECO certificates ({mine}, {theirs})" in result.stderr
    assert f"Merged candidate {drop} into {keep} (Hélène Dupont)" in result.stdout
    assert f"certificates: {theirs}" in result.stdout


def test_a_pending_letter_moves_with_its_dossier(cli, store, tmp_path, monkeypatch):
    keep, drop = _pair(cli)
    ref = open_dossier(cli, drop, "ECO", "2026-03-01")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the run dies once the step is committed

    with monkeypatch.context() as patch:
        patch.setattr(render, "write", killed)
        receive = ("dossier", "receive", ref, "administratif", "--letter", "--format", "html")
        assert cli(*receive, "--out", tmp_path, "--date", "2026-03-02").exit_code != 0
    assert len(cli.json("letters", "pending")) == 1
    done = _merge(cli, keep, drop)
    assert len(done["moved"]["pending_letters"]) == 1
    rendered = cli.json("letters", "render", "--pending")
    assert [r["error"] for r in rendered] == [None]
    assert "Hélène Dupont" in Path(rendered[0]["path"]).read_text(encoding="utf-8")
    assert [e["candidate_id"] for e in cli.json("letters", "log")] == [keep]
