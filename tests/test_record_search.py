"""dossier list --search and certificate list --search: the candidate search's
folding and index, whatever the holder's directory consent."""

from __future__ import annotations

from commission_helpers import decide_at, new_candidate


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


def test_search_uses_the_index(store):
    clause, params = store.candidate_match("marechal thierry", "d.candidate_id")
    plan = [
        r[3]
        for r in store.all("EXPLAIN QUERY PLAN SELECT d.id FROM dossiers d WHERE " + clause, params)
    ]
    assert any("candidates_fts" in step for step in plan), plan
