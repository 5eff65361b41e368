"""Readable refusals: action labels, capped free text, truncated echoes, option bounds."""

import pytest
from builders import add_candidate

from certcli.errors import StateError, ValidationError
from certcli.rules import validators, workflow


def test_refused_action_reads_as_a_phrase(cli, unchanged):
    cid = add_candidate(cli)
    ref = cli.json(
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
        "--date",
        "2026-03-01",
    )["ref"]
    with unchanged():
        err = cli.fails("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01").stderr
    assert err.strip() == (
        f"Error: dossier {ref} is 'submitted': cannot record the "
        "admissibility (allowed now: receive, unreceive, pay, refund, check, withdraw)"
    )


def test_every_action_has_a_readable_label():
    for action in workflow.TRANSITIONS:
        label = workflow.label(action)
        assert "_" not in label and label != "admissibility", action
    with pytest.raises(StateError, match="cannot record a phase"):
        workflow.require({"ref": "2026-0001", "status": "complete"}, "phase", "cqpt")


def test_names_are_capped_and_huge_values_not_echoed(cli, unchanged):
    long_name = "A" * 201
    with unchanged():
        err = cli.fails(
            "candidate", "add", "--first-name", long_name, "--last-name", "Martin"
        ).stderr
    assert "first name is too long: 201 characters, at most 200" in err
    assert len(err) < 200
    add_candidate(cli, "B" * 200)  # the limit itself is fine
    huge = "x" * 5000
    with unchanged():
        err = cli.fails(
            "candidate", "add", "--first-name", "Léa", "--last-name", "Martin", "--postcode", huge
        ).stderr
        assert err.startswith("Error: invalid postcode 'xxxx") and "(5000 characters)" in err
        assert len(err) < 200
        err = cli.fails("evaluator", "add", "--name", "E", "--address", huge).stderr
        assert "address is too long: 5000 characters, at most 300" in err and len(err) < 200
        err = cli.fails("dues", "prorata", "--amount", huge, "--date", "2026-03-01").stderr
        assert "invalid amount 'xxx" in err and len(err) < 250


def test_shown_cuts_at_sixty_characters():
    assert validators.quoted("abc") == "'abc'"
    assert validators.quoted("y" * 61) == f"'{'y' * 60}'… (61 characters)"
    with pytest.raises(ValidationError, match="at most 200"):
        validators.name("z" * 201, "name")
    assert validators.text("  a   b ", "address") == "a b"
    assert validators.text("   ", "address") is None


def test_funding_year_is_bounded_like_dues_call(cli):
    err = cli.fails("cqpt", "funding", "--year", "0", code=2).stderr
    assert "1900" in err
    cli.ok("cqpt", "funding", "--year", "1900")


def test_certificate_list_help_tells_filter_from_status_day(cli):
    text = " ".join(cli.ok("certificate", "list", "--help").stdout.split())
    assert "Filter: only certificates valid on this day" in text
    assert "Not a filter: the day on which each listed certificate's status" in text


def test_log_pages_with_a_caption(cli):
    for i in range(5):
        add_candidate(cli, f"P{i}")
    first = cli.json("log", "--entity", "candidate", "--limit", "2")
    second = cli.json("log", "--entity", "candidate", "--limit", "2", "--page", "2")
    assert [e["record"] for e in first] == ["5", "4"]
    assert [e["record"] for e in second] == ["3", "2"]
    text = cli.ok("log", "--entity", "candidate", "--limit", "2", "--page", "2").stdout
    assert "3-4 of 5; next: --page 3" in text
    assert (
        "5-5 of 5" in cli.ok("log", "--entity", "candidate", "--limit", "2", "--page", "3").stdout
    )


def test_log_refuses_an_unknown_entity(cli, store):
    add_candidate(cli)
    err = cli.fails("log", "--entity", "dossiers").stderr.strip()
    assert err == (
        "Error: unknown entity 'dossiers' (known: bank, candidate, certificate, company, "
        "complaint, database, dossier, dues, evaluator, instructor, invoice, letter, member, "
        "outbox, session)"
    )
    assert cli.json("log", "--entity", "dossier") == []  # known, none yet
    with store.transaction():  # a kind written by an older version counts as known
        store.audit("legacy.thing", "widget", 1, {}, None)
    assert [e["action"] for e in cli.json("log", "--entity", "widget")] == ["legacy.thing"]
    assert "letter, member, outbox, session, widget)" in cli.fails("log", "--entity", "x").stderr


def test_known_entities_match_what_the_code_logs():
    """ENTITIES is every entity certcli's store.audit calls write (read from the source)."""
    import pathlib
    import re

    from certcli.domain import audit_trail

    source = pathlib.Path(audit_trail.__file__).parent.parent  # all of certcli/
    found = set()
    for path in source.rglob("*.py"):
        found |= set(
            re.findall(
                r"\.audit\(\s*f?\"[^\"]+\",\s*\"([a-z_]+)\"", path.read_text(encoding="utf-8")
            )
        )
    assert found == set(audit_trail.ENTITIES)


def test_admissibility_reasons_are_capped(cli, store, unchanged):
    from test_domain_cqpt import cqpt_dossier

    ref = cqpt_dossier(cli, store)
    with unchanged():
        err = cli.fails(
            "cqpt", "admissibility", ref, "--reject", "--reason", "r" * 2001, "--date", "2026-04-01"
        ).stderr
    assert "reason is too long: 2001 characters, at most 2000" in err and len(err) < 200
    with unchanged():
        assert (
            "--override needs a reason"
            in cli.fails("cqpt", "admissibility", ref, "--accept", "--override", "  ").stderr
        )
