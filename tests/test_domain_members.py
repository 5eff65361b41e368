"""Commission members (certcli/domain/members.py) and the attendance at a session
(certcli/domain/attendance.py): the quorum a decision needs once a commission has
members, its override, and the abstention of a member in conflict of interest."""

import json

from commission_helpers import new_candidate, report_ready, session


def member(cli, name, commission="award", *extra) -> int:
    return cli.json(
        "member", "add", "--name", name, "--commission", commission, *extra, "--date", "2026-01-05"
    )["id"]


def test_member_add_list_edit_retire(cli, store):
    cid = new_candidate(cli)
    added = cli.json(
        "member", "add", "--name", "Anne Roux", "--commission", "award", "--role", "president",
        "--employer", "BET Quantités", "--email", "anne.roux@example.fr",
        "--conflict-candidate", cid, "--date", "2026-01-05",
    )  # fmt: skip
    assert {"id", "name"} <= set(added)
    assert (added["name"], added["commission"], added["role"]) == (
        "Anne Roux",
        "award",
        "president",
    )
    assert added["conflict_candidates"] == [cid] and added["active"] is True
    other = member(cli, "Bruno Petit")
    cpne = member(cli, "Carla Vidal", "cpne")
    assert [m["id"] for m in cli.json("member", "list", "--commission", "award")] == [
        added["id"],
        other,
    ]
    cli.fails("member", "add", "--name", "Dan", "--commission", "award", "--role", "president")
    cli.fails("member", "add", "--name", "Dan", "--commission", "jury")
    cli.fails("member", "add", "--name", "Dan", "--commission", "award", "--conflict-candidate", 99)
    edited = cli.json("member", "edit", other, "--employer", "Cabinet Métré Conseil")
    assert edited["employer"] == "Cabinet Métré Conseil"
    cli.fails("member", "retire", cpne)  # a reason is required
    retired = cli.json(
        "member", "retire", cpne, "--reason", "fin de mandat", "--date", "2026-06-30"
    )
    assert (retired["active"], retired["retired_on"]) == (False, "2026-06-30")
    assert cli.json("member", "list", "--commission", "cpne") == []
    assert [m["id"] for m in cli.json("member", "list", "--commission", "cpne", "--retired")] == [
        cpne
    ]
    cli.fails("member", "edit", cpne, "--name", "X")


def _agenda(cli, store, day="2026-06-15", **ready):
    ref = report_ready(cli, store, report_on="2026-05-20", **ready)
    sid = session(cli, day)
    assert ref in cli.json("commission", "agenda", sid, "--date", day)["agenda"]
    return sid, ref


def test_attendance_and_the_default_quorum(cli, store):
    people = [member(cli, n) for n in ("Anne", "Bruno", "Carla", "Denis")]
    secretary = member(cli, "Eve", "award", "--role", "secretary")
    sid = session(cli, "2026-06-15")
    # 4 voting members: more than half is 3; the secretary does not count.
    found = cli.json("commission", "attend", sid, "--present", people[0], "--present", people[1],
                     "--present", secretary, "--excused", people[2])  # fmt: skip
    assert found["present"] == [people[0], people[1], secretary]
    assert found["excused"] == [people[2]] and found["absent"] == [people[3]]
    assert (found["quorum"], found["required"], found["voting_present"]) == (False, 3, 2)
    again = cli.json(
        "commission", "attend", sid, *[x for p in people[:3] for x in ("--present", p)]
    )
    assert again["quorum"] is True and again["present"] == people[:3]
    # Refused: someone twice, a member of another commission, an unknown one.
    cli.fails("commission", "attend", sid, "--present", people[0], "--excused", people[0])
    cpne = member(cli, "Fanny", "cpne")
    cli.fails("commission", "attend", sid, "--present", cpne)
    cli.fails("commission", "attend", sid, "--present", 99)


def test_the_body_file_sets_the_quorum(cli, store, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from certcli.rules import schemes

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    body = data / "bodies" / "opqtecc.toml"
    text = body.read_text(encoding="utf-8")
    assert "[commissions.award]" in text
    body.write_text(text.replace("[commissions.award]", "[commissions.award]\nquorum = 1", 1))
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    try:
        people = [member(cli, n) for n in ("Anne", "Bruno", "Carla")]
        sid = session(cli, "2026-06-15")
        found = cli.json("commission", "attend", sid, "--present", people[0])
        assert (found["quorum"], found["required"]) == (True, 1)
    finally:
        schemes._catalog.cache_clear()


def test_no_member_recorded_decides_as_before(cli, store):
    sid, ref = _agenda(cli, store)
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    assert done["decision"] == "granted" and "abstentions" not in done
    # --override without a quorum rule to override is refused.
    sid2, ref2 = _agenda(cli, store, "2026-06-16")
    cli.fails("commission", "decide", sid2, ref2, "--grant", "--override", "x")


def test_decide_refused_without_quorum_then_overridden(cli, store, unchanged):
    people = [member(cli, n) for n in ("Anne", "Bruno", "Carla")]
    sid, ref = _agenda(cli, store)
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    assert "no attendance is recorded for session" in err.stderr
    cli.ok("commission", "attend", sid, "--present", people[0], "--date", "2026-06-15")
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    assert "has no quorum (1 voting member(s) present, 2 required)" in err.stderr
    assert "--override" in err.stderr
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15",
                    "--override", "quorum reporté, urgence du renouvellement")  # fmt: skip
    assert done["decision"] == "granted"
    assert done["quorum_override"] == "quorum reporté, urgence du renouvellement"
    logged = [e for e in cli.json("log") if e["action"] == "commission.quorum_override"]
    assert len(logged) == 1 and "urgence" in json.dumps(logged[0], ensure_ascii=False)


def test_decide_with_quorum_records_the_abstention_of_the_candidates_employer(cli, store):
    # The candidate works at Cabinet Métré Conseil (builders.CAREER's employer on
    # the register): a member employed there abstains.
    cid = new_candidate(cli, employer="Cabinet Métré Conseil")
    people = [
        member(cli, "Anne", "award", "--employer", "CABINET METRE CONSEIL"),
        member(cli, "Bruno"),
        member(cli, "Carla", "award", "--conflict-candidate", cid),
        member(cli, "Denis"),  # absent: not recorded as abstaining
    ]
    sid, ref = _agenda(cli, store, candidate=cid)
    cli.ok("commission", "attend", sid, *[x for p in people[:3] for x in ("--present", p)])
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    assert [a["member"] for a in done["abstentions"]] == [people[0], people[2]]
    assert "same employer as the candidate" in done["abstentions"][0]["reason"]
    assert f"declared conflict with candidate {cid}" in done["abstentions"][1]["reason"]
    rows = store.abstentions(sid)
    assert [r["member_id"] for r in rows] == [people[0], people[2]]
    out = cli.ok("dossier", "show", ref).stdout
    assert ref in out
    # Attendance is what the decisions were taken with: no longer changed.
    cli.fails("commission", "attend", sid, "--present", people[3])


def test_a_merged_candidate_s_conflict_names_the_candidate_kept(cli, store):
    keep = new_candidate(cli, first="Léa", last="Martin")
    drop = new_candidate(cli, first="Lea", last="Martin")
    carla = member(cli, "Carla", "award", "--conflict-candidate", drop)
    cli.ok("candidate", "merge", keep, drop, "--reason", "inscrite deux fois")
    assert cli.json("member", "show", carla)["conflict_candidates"] == [keep]


def test_a_member_linked_to_the_candidate_s_company_abstains(cli, store):
    company = cli.json(
        "company", "add", "--name", "Cabinet Métré Conseil", "--siret", "73282932000074"
    )["id"]
    other = cli.json("company", "add", "--name", "BET Quantités", "--siret", "44306184100047")["id"]
    # The candidate's register entry names the company by a variant of its name.
    cid = new_candidate(cli, employer="Métré Conseil (Lyon)", employer_id=company)
    linked = cli.json("member", "add", "--name", "Anne", "--commission", "award",
                      "--employer-id", company)  # fmt: skip
    assert (linked["employer_id"], linked["employer"]) == (company, "Cabinet Métré Conseil")
    elsewhere = member(cli, "Bruno", "award", "--employer-id", other)
    member(cli, "Carla")
    cli.fails("member", "add", "--name", "Dan", "--commission", "award", "--employer-id", 99)
    cli.fails("member", "add", "--name", "Dan", "--commission", "award",
              "--employer-id", company, "--employer", "X")  # fmt: skip
    sid, ref = _agenda(cli, store, candidate=cid)
    cli.ok("commission", "attend", sid, "--present", linked["id"], "--present", elsewhere)
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    assert [a["member"] for a in done["abstentions"]] == [linked["id"]]
    assert f"company {company}" in done["abstentions"][0]["reason"]
    # Unlinked by --employer-id 0; a name typed replaces the link.
    assert cli.json("member", "edit", elsewhere, "--employer-id", 0)["employer_id"] is None
    renamed = cli.json("member", "edit", linked["id"], "--employer", "Autre SARL")
    assert (renamed["employer_id"], renamed["employer"]) == (None, "Autre SARL")


def test_appeal_decide_needs_the_appeal_commission_s_quorum(cli, store, unchanged, tmp_path):
    # Members of the award commission only: the appeal commission decides as before...
    member(cli, "Anne")
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "insuffisant",
           "--date", "2026-06-15", "--override", "séance tenue sans feuille")  # fmt: skip
    cli.ok("appeal", "file", ref, "--date", "2026-07-01")
    hearing = session(cli, "2026-09-14", "appeal")
    cli.ok("commission", "agenda", hearing, "--date", "2026-09-14")
    # ...until it has members of its own.
    judges = [member(cli, n, "appeal") for n in ("Yves", "Zoé")]
    with unchanged():
        err = cli.fails("appeal", "decide", ref, "--refuse", "--reason", "confirmé").stderr
    assert f"no attendance is recorded for session {hearing}" in err
    cli.ok("commission", "attend", hearing, "--present", judges[0], "--present", judges[1])
    out = cli.ok("appeal", "decide", ref, "--refuse", "--reason", "confirmé").stdout
    assert "confirmed on 2026-09-14" in out
    from pathlib import Path

    from letter_office import text_of

    minutes = cli.json("commission", "minutes", hearing, "--out", tmp_path)["files"][0]
    text = text_of(Path(minutes))
    assert "Commission de recours" in text and "recours rejeté, refus confirmé" in text
    assert "Quorum atteint : 2 membres votants présents sur 2, 2 requis" in text
