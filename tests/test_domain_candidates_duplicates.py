"""Likely duplicates: one folding for the check and search, close spellings,
hyphenated names, `candidate duplicates`, and search wildcards taken literally."""

from __future__ import annotations

import pytest
from builders import add_candidate

from certcli.domain.candidates import one_edit_apart
from certcli.store import Store

BORN = "1962-04-17"


@pytest.mark.parametrize(
    "first,last",
    [("Eric", "BEREGOVOY"), ("eric", "bérégovoy"), ("ÉRIC", "BÉRÉGOVOY"), ("Éric", "Bérégovoy")],
)
def test_other_accents_or_case_are_the_same_person(cli, unchanged, first, last):
    cid = add_candidate(cli, "Éric", "Bérégovoy", birth_date=BORN)
    with unchanged():
        err = cli.fails(
            "candidate", "add", "--first-name", first, "--last-name", last, "--birth-date", BORN
        ).stderr
    assert f"likely duplicate of candidate {cid}" in err and "same name" in err


def test_import_catches_them_too(cli, tmp_path):
    add_candidate(cli, "Éric", "Bérégovoy", birth_date=BORN)
    path = tmp_path / "in.csv"
    path.write_text(
        "first_name,last_name,birth_date\nEric,BEREGOVOY,1962-04-17\n"
        "ÉRIC,BÉRÉGOVOY,17/04/1962\nEric,Beregovoy,1970-01-01\n",
        encoding="utf-8",
    )
    result = cli.json("candidate", "import", path)
    assert result["inserted"] == 1
    assert [r["line"] for r in result["rejected"]] == [2, 3]
    assert all("likely duplicate" in r["reason"] for r in result["rejected"])


def test_close_spelling_and_hyphenated_names(cli, unchanged):
    add_candidate(cli, "Jean", "Dupont", birth_date=BORN, email="jd@example.fr")
    with unchanged():
        assert (
            "close spelling"
            in cli.fails(
                "candidate",
                "add",
                "--first-name",
                "Jean",
                "--last-name",
                "Dupond",
                "--birth-date",
                BORN,
            ).stderr
        )
        assert (
            "close spelling"
            in cli.fails(  # two letters swapped
                "candidate",
                "add",
                "--first-name",
                "Jean",
                "--last-name",
                "Dupnot",
                "--birth-date",
                BORN,
            ).stderr
        )
        assert (
            "contains the other"
            in cli.fails(
                "candidate",
                "add",
                "--first-name",
                "Jean",
                "--last-name",
                "Dupont-Durand",
                "--birth-date",
                BORN,
            ).stderr
        )
        assert (
            "same e-mail"
            in cli.fails(
                "candidate",
                "add",
                "--first-name",
                "Jean",
                "--last-name",
                "Dupont-Durand",
                "--email",
                "JD@example.fr",
            ).stderr
        )
    # Not duplicates: another day, two letters off, another first name.
    add_candidate(cli, "Jean", "Dupond", birth_date="1962-04-18")
    add_candidate(cli, "Jean", "Dumond", birth_date=BORN)
    add_candidate(cli, "Marie", "Dupont-Durand", birth_date=BORN)


def test_one_edit_apart():
    assert one_edit_apart("dupond", "dupont")
    assert one_edit_apart("dupont", "dupnot")
    assert one_edit_apart("dupont", "duppont") and one_edit_apart("duppont", "dupont")
    assert one_edit_apart("dupont", "upont") and one_edit_apart("dupont", "dupon")
    assert not one_edit_apart("dupont", "dupont")
    assert not one_edit_apart("dupont", "dumond")
    assert not one_edit_apart("dupont", "dupontxx")
    assert not one_edit_apart("ab", "ba c")


def test_duplicates_lists_pairs_with_reasons(cli):
    a = add_candidate(cli, "Éric", "Bérégovoy", birth_date=BORN)
    b = add_candidate(cli, "ERIC", "BEREGOVOY", birth_date=BORN, force=True)
    c = add_candidate(cli, "Jean", "Dupont", birth_date="1980-01-01")
    d = add_candidate(cli, "Jean", "Dupond", birth_date="1980-01-01", force=True)
    e = add_candidate(cli, "Anne", "Morel", email="anne@example.fr")
    f = add_candidate(cli, "Anne", "Morel-Petit", email="Anne@example.fr", force=True)
    add_candidate(cli, "Paul", "Simon", birth_date="1980-01-01")
    pairs = cli.json("candidate", "duplicates")
    assert [p["candidates"] for p in pairs] == [[a, b], [c, d], [e, f]]
    reasons = [p["reason"] for p in pairs]
    assert "same name" in reasons[0] and "close spelling" in reasons[1]
    assert "same e-mail" in reasons[2]
    text = cli.ok("candidate", "duplicates").stdout
    assert "Jean Dupont / Jean Dupond" in text and "1-3 of 3" in text
    # A page at a time; --all every pair.
    assert cli.json("candidate", "duplicates", "--limit", "2", "--page", "2") == pairs[2:]
    assert "3-3 of 3" in cli.ok("candidate", "duplicates", "--limit", "2", "--page", "2").stdout
    lines = cli.ok("candidate", "duplicates", "--all").stdout.splitlines()
    assert lines[0] == "ids\tnames\treason" and lines[2].startswith(f"{c} / {d}\tJean Dupont / ")


@pytest.mark.sqlite_only("reads SQLite's query plan")
def test_duplicates_compares_blocks_not_every_pair(cli, db_path):
    store = Store(db_path)
    plan = [
        r[3]
        for r in store.all(
            "EXPLAIN QUERY PLAN SELECT * FROM candidates WHERE birth_date = ? "
            "UNION SELECT * FROM candidates WHERE email_key = ?",
            ("x", "y"),
        )
    ]
    assert all("USING INDEX" in step for step in plan if "candidates" in step), plan
    plan = [
        r[3]
        for r in store.all(
            "EXPLAIN QUERY PLAN SELECT id FROM candidates INDEXED BY candidates_birth_date "
            "WHERE birth_date IS NOT NULL ORDER BY birth_date, id"
        )
    ]
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize("pattern", ["%", "_", "%%%", "___", "a%", "\\"])
def test_search_wildcards_are_literal(cli, pattern):
    add_candidate(cli, "Léa", "Martin")
    add_candidate(cli, "Jean", "Dupont")
    assert cli.json("candidate", "list", "--search", pattern) == []


def test_search_finds_a_literal_percent_or_quote(cli):
    add_candidate(cli, "Léa", "Martin", employer="Cent%Bio")
    add_candidate(cli, "Jean", "Dupont", employer='Le "Quai"')
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "t%b")] == ["Martin"]
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", '"quai"')] == ["Dupont"]
    assert [c["last_name"] for c in cli.json("candidate", "list", "-s", "%")] == ["Martin"]


def test_log_action_filter_takes_underscore_literally(cli):
    add_candidate(cli)
    assert cli.json("log", "--action", "candidate_add") == []
    assert cli.json("log", "--action", "candidate.add")
