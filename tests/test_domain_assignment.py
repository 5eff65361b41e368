"""Instructors and experts, and who instructs a dossier: the automatic choice,
its reasons, conflicts of interest, capacity, ties, and manual overrides."""

import datetime as dt

from instruction_helpers import add_instructor, d_candidate, d_complete, d_instructor

from certcli.domain import agenda, assignment, decisions, instruction, sessions

DAY = dt.date(2026, 6, 15)


# -- the register ---------------------------------------------------------------------
def test_instructor_add_list_show(cli, store):
    cid = d_candidate(store)
    pid = add_instructor(
        cli,
        "Paul Girard",
        specialty=["Économie", "programmation"],
        employer="BET  Quantités",
        capacity="3",
        email="paul@example.fr",
        conflict_employer=["Atelier X", "Atelier Y"],
        conflict_candidate=cid,
    )
    data = cli.json("instructor", "show", pid)
    assert data == {
        "id": pid,
        "name": "Paul Girard",
        "role": "instructor",
        "specialties": ["economie", "programmation"],
        "employer": "BET Quantités",
        "employer_id": None,
        "capacity": 3,
        "email": "paul@example.fr",
        "conflict_employers": ["Atelier X", "Atelier Y"],
        "conflict_candidates": [cid],
        "active": True,
        "load": 0,
        "assigned_total": 0,
        "dossiers": [],
        "awaiting_commission": [],
    }
    eid = add_instructor(cli, "Bob Expert", role="expert", specialty=())
    assert [p["id"] for p in cli.json("instructor", "list")] == [pid, eid]
    assert [p["name"] for p in cli.json("instructor", "list", "--role", "expert")] == ["Bob Expert"]
    # Load counts dossiers under instruction only.
    refs = [d_complete(store, cid) for _ in range(3)]
    for ref in refs:
        assignment.assign(store, ref, instructor_id=pid, override="test", date=DAY)
    instruction.withdraw(store, refs[0], date=DAY)
    shown = cli.json("instructor", "show", pid)
    assert (shown["load"], shown["assigned_total"]) == (2, 3)
    assert [d["ref"] for d in shown["dossiers"]] == refs[1:]
    assert "2/3" in cli.ok("instructor", "list").stdout


def test_instructor_add_refusals(cli, store, unchanged):
    with unchanged():
        for args, word in [
            (["--role", "judge", "--specialty", "economie"], "invalid role"),
            (["--specialty", "chimie"], "invalid specialty"),
            ([], "at least one --specialty"),
            (["--specialty", "economie", "--email", "nope"], "e-mail"),
            (["--specialty", "economie", "--capacity", "-1"], "capacity"),
            (["--specialty", "economie", "--conflict-candidate", "42"], "no candidate with id 42"),
        ]:
            assert word in cli.fails("instructor", "add", "--name", "X Y", *args).stderr
        assert "no instructor or expert with id 9" in cli.fails("instructor", "show", "9").stderr


# -- automatic choice ---------------------------------------------------------------------
def test_auto_skips_same_employer_and_explains(cli, store):
    ref = d_complete(store, d_candidate(store, employer="Cabinet Métré Conseil"))
    same = d_instructor(store, "Paul Girard", employer="CABINET METRE conseil")
    other = d_instructor(store, "Anne Roux", employer="BET Quantités")
    data = cli.json("dossier", "assign", ref, "--auto", "--date", DAY)
    assert data["ref"] == ref and data["instructor"] == {"id": other, "name": "Anne Roux"}
    assert data["reason"] == (
        f"Anne Roux (id {other}): specialty economie, no conflict of "
        "interest, 0/5 dossiers under instruction; the only "
        "instructor who fits; 1 excluded"
    )
    assert data["excluded"] == [
        {
            "id": same,
            "name": "Paul Girard",
            "reasons": ["same employer as the candidate (CABINET METRE conseil)"],
        }
    ]
    assert store.dossier(ref)["instructor_id"] == other
    log = cli.json("log", "--entity", "dossier", "--record", ref, "--action", "dossier.assigned")
    assert log[0]["details"]["mode"] == "auto" and log[0]["details"]["reason"] == data["reason"]


def test_auto_excludes_declared_conflicts_specialty_and_full(cli, store, unchanged):
    cid = d_candidate(store, employer="Atelier Économie Bâtiment")
    ref = d_complete(store, cid)
    busy = d_complete(store, d_candidate(store, "Jean", "Durand", employer="Autre"))
    d_instructor(store, "A Employer", conflict_employers=["atelier economie batiment"])
    d_instructor(store, "B Candidate", conflict_candidates=[cid])
    d_instructor(store, "C Prog", specialties=["programmation"])
    full = d_instructor(store, "D Full", capacity=1)
    assignment.assign(store, busy, instructor_id=full, date=DAY)
    d_instructor(store, "E Expert", role="expert", specialties=["economie"])
    with unchanged():
        err = cli.fails("dossier", "assign", ref, "--auto", "--date", DAY).stderr
    assert err.strip() == (
        f"Error: no instructor fits dossier {ref} (ECO, specialty economie): "
        "A Employer (id 1): declared conflict with employer Atelier Économie Bâtiment; "
        f"B Candidate (id 2): declared conflict with candidate {cid}; "
        "C Prog (id 3): no specialty economie (has programmation); "
        "D Full (id 4): full (1/1 dossiers under instruction)"
    )


def test_auto_prefers_lightest_load(cli, store):
    cid = d_candidate(store)
    heavy = d_instructor(store, "Heavy")
    light = d_instructor(store, "Light")
    for _ in range(2):
        assignment.assign(store, d_complete(store, cid), instructor_id=heavy, date=DAY)
    assignment.assign(store, d_complete(store, cid), instructor_id=light, date=DAY)
    data = cli.json("dossier", "assign", d_complete(store, cid), "--auto", "--date", DAY)
    assert data["instructor"]["id"] == light
    assert "1/5 dossiers under instruction; lightest load of the 2 who fit" in data["reason"]


def test_auto_ties_broken_by_history_then_id(cli, store):
    cid = d_candidate(store)
    first = d_instructor(store, "First")
    second = d_instructor(store, "Second")
    # Same load and same history: the lowest id, every time.
    ref = d_complete(store, cid)
    data = cli.json("dossier", "assign", ref, "--auto", "--date", DAY)
    assert data["instructor"]["id"] == first
    assert data["reason"].endswith(
        f"tied on load and on assignments ever (0) with Second (id {second}); lowest id"
    )
    # First's dossier closes: loads are equal again (0), but First was assigned once
    # already, so Second gets the next one.
    instruction.withdraw(store, ref, date=DAY)
    data = cli.json("dossier", "assign", d_complete(store, cid), "--auto", "--date", DAY)
    assert data["instructor"]["id"] == second
    assert "tied on load with First (id 1); fewest assignments ever (0)" in data["reason"]


def test_auto_reassignment_skips_current_and_no_one_at_all(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store))
    with unchanged():
        assert "no instructor recorded" in cli.fails("dossier", "assign", ref, "--auto").stderr
    only = d_instructor(store, "Only")
    assignment.assign(store, ref, auto=True, date=DAY)
    with unchanged():
        assert (
            f"Only (id {only}): already instructs this dossier"
            in cli.fails("dossier", "assign", ref, "--auto").stderr
        )


# -- manual choice ---------------------------------------------------------------------------
def test_manual_conflict_refused_unless_override(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store, employer="Cabinet Métré Conseil"))
    other = d_instructor(store, "Anne Roux")
    paul = d_instructor(store, "Paul Girard", employer="Cabinet Metre Conseil")
    assignment.assign(store, ref, instructor_id=other, date=DAY)
    with unchanged():
        err = cli.fails("dossier", "assign", ref, "--instructor", paul, "--date", DAY).stderr
        assert err.strip() == (
            f"Error: cannot give dossier {ref} to Paul Girard (id {paul}): same employer as "
            'the candidate (Cabinet Metre Conseil) (add --override "reason" to do it anyway)'
        )
        assert (
            "needs a reason"
            in cli.fails("dossier", "assign", ref, "--instructor", paul, "--override", " ").stderr
        )
        assert "exactly one of --instructor, --auto" in cli.fails("dossier", "assign", ref).stderr
        assert (
            "exactly one of --instructor, --auto"
            in cli.fails("dossier", "assign", ref, "--auto", "--instructor", paul).stderr
        )
        assert (
            "not for --auto"
            in cli.fails("dossier", "assign", ref, "--auto", "--override", "x").stderr
        )
        assert (
            "already the instructor"
            in cli.fails("dossier", "assign", ref, "--instructor", other).stderr
        )
    data = cli.json(
        "dossier",
        "assign",
        ref,
        "--instructor",
        paul,
        "--override",
        "seul économiste disponible",
        "--date",
        DAY,
        "--as",
        "claire",
    )
    assert data["instructor"] == {"id": paul, "name": "Paul Girard"}
    assert data["previous"] == {"id": other, "name": "Anne Roux"}
    assert data["override"] == "seul économiste disponible"
    log = cli.json("log", "--entity", "dossier", "--record", ref, "--action", "dossier.assigned")[0]
    assert log["by"] == "claire" and log["date"] == "2026-06-15"
    assert log["details"]["override"] == "seul économiste disponible"
    assert log["details"]["overridden"] == [
        "same employer as the candidate (Cabinet Metre Conseil)"
    ]
    assert log["details"]["previous"] == {"id": other, "name": "Anne Roux"}


def test_manual_full_and_wrong_role(cli, store, unchanged):
    cid = d_candidate(store)
    ref = d_complete(store, cid)
    full = d_instructor(store, "Full", capacity=0)
    expert = d_instructor(store, "Bob Expert", role="expert", specialties=())
    with unchanged():
        assert (
            "full (0/0 dossiers under instruction)"
            in cli.fails("dossier", "assign", ref, "--instructor", full).stderr
        )
        assert (
            "is an expert, not an instructor"
            in cli.fails("dossier", "assign", ref, "--instructor", expert).stderr
        )
        assert (
            "no instructor or expert with id 99"
            in cli.fails("dossier", "assign", ref, "--instructor", "99").stderr
        )
    cli.ok("dossier", "assign", ref, "--instructor", full, "--override", "urgence", "--date", DAY)


def test_expert_role_and_conflict(cli, store, unchanged):
    ref = d_complete(store, d_candidate(store, employer="BET Quantités"))
    instructor = d_instructor(store, "Anne Roux")
    conflicted = d_instructor(
        store, "Bob Expert", role="expert", specialties=(), employer="bet quantites"
    )
    clean = d_instructor(store, "Chloé Expert", role="expert", specialties=())
    with unchanged():
        assert (
            "is an instructor, not an expert"
            in cli.fails("dossier", "expert", ref, "--expert", instructor).stderr
        )
        assert (
            "same employer as the candidate"
            in cli.fails("dossier", "expert", ref, "--expert", conflicted).stderr
        )
    data = cli.json("dossier", "expert", ref, "--expert", clean, "--date", DAY)
    assert data["ref"] == ref and data["expert"] == {"id": clean, "name": "Chloé Expert"}
    assert store.dossier(ref)["expert_id"] == clean
    assert cli.json("instructor", "show", clean)["load"] == 1


def test_instructor_edit_and_inactive_never_chosen(cli, store, unchanged):
    cid = d_candidate(store)
    ref = d_complete(store, cid)
    first = d_instructor(store, "First")
    second = d_instructor(store, "Second")
    data = cli.json(
        "instructor",
        "edit",
        first,
        "--inactive",
        "--capacity",
        "7",
        "--conflict-employer",
        "Atelier X",
        "--date",
        DAY,
    )
    assert (data["active"], data["capacity"], data["conflict_employers"]) == (
        False,
        7,
        ["Atelier X"],
    )
    assert cli.json("dossier", "assign", ref, "--auto", "--date", DAY)["excluded"] == [
        {"id": first, "name": "First", "reasons": ["inactive"]}
    ]
    with unchanged():
        assert (
            f"First (id {first}) is inactive"
            in cli.fails("dossier", "assign", ref, "--instructor", first, "--override", "x").stderr
        )
        assert "nothing to change" in cli.fails("instructor", "edit", second).stderr
    cli.ok("instructor", "edit", first, "--active", "--conflict-candidate", cid, "--date", DAY)
    assert cli.json("instructor", "show", first)["conflict_candidates"] == [cid]


# -- interviews on a reassignment, and slots held by reported dossiers ------------------------
def test_reassignment_hands_over_future_interviews(cli, store, unchanged):
    cid = d_candidate(store)
    moved_ref, anne_ref, paul_next = (d_complete(store, cid) for _ in range(3))
    paul, anne = d_instructor(store, "Paul Girard"), d_instructor(store, "Anne Roux")
    for ref, who in ((moved_ref, paul), (anne_ref, anne), (paul_next, paul)):
        assignment.assign(store, ref, instructor_id=who, date=DAY)
    for ref, at in (
        (moved_ref, "2026-06-16 09:00"),
        (moved_ref, "2026-07-01 10:00"),
        (moved_ref, "2026-07-02 09:30"),
        (anne_ref, "2026-07-02 09:00"),
    ):
        instruction.interview(store, ref, at=at, date=DAY)
    data = cli.json("dossier", "assign", moved_ref, "--instructor", anne, "--date", "2026-06-20")
    assert data["interviews_moved"] == [{"at": "2026-07-01 10:00", "minutes": 60}]
    assert data["interviews_cancelled"] == [
        {
            "at": "2026-07-02 09:30",
            "minutes": 60,
            "clash": f"Anne Roux (id {anne}) already has an interview for dossier {anne_ref} "
            "from 2026-07-02 09:00 to 10:00, which overlaps 2026-07-02 09:30-10:30",
        }
    ]
    shown = cli.json("dossier", "show", moved_ref)["interviews"]
    assert [(i["at"], i["instructor"], i["status"]) for i in shown] == [
        ("2026-06-16 09:00", "Paul Girard", "scheduled"),  # past: stays as it was
        ("2026-07-01 10:00", "Anne Roux", "scheduled"),
        ("2026-07-02 09:30", "Paul Girard", "cancelled"),
    ]
    assert (
        cli.json("dossier", "show", moved_ref)["history"][-1]["details"]["interviews_moved"]
        == data["interviews_moved"]
    )
    # Paul's slot is free; Anne's is taken.
    cli.ok("dossier", "interview", paul_next, "--at", "2026-07-01 10:00", "--date", "2026-06-20")
    with unchanged():
        assert (
            "Anne Roux"
            in cli.fails(
                "dossier",
                "interview",
                moved_ref,
                "--at",
                "2026-07-01 10:30",
                "--date",
                "2026-06-20",
            ).stderr
        )
    out = cli.ok(
        "dossier", "assign", moved_ref, "--instructor", paul, "--date", "2026-06-21"
    ).stdout
    assert "interview of 2026-07-01 10:00 cancelled" in out and paul_next in out


# -- load: dossiers under instruction -----------------------------------------------------
def test_load_counts_only_dossiers_under_instruction(cli, store):
    cid = d_candidate(store)
    ref, nxt = d_complete(store, cid), d_complete(store, cid)
    paul = d_instructor(store, "Paul Girard", capacity=1)
    assignment.assign(store, ref, instructor_id=paul, date=DAY)
    assert (
        "full (1/1 dossiers under instruction)"
        in cli.fails("dossier", "assign", nxt, "--auto", "--date", DAY).stderr
    )
    instruction.report(store, ref, recommend="grant", date=DAY)
    shown = cli.json("instructor", "show", paul)
    assert (shown["load"], shown["dossiers"]) == (0, [])
    assert [d["ref"] for d in shown["awaiting_commission"]] == [ref]
    out = cli.ok("instructor", "show", paul).stdout
    assert "0/1 dossiers under instruction" in out and "awaiting the commission" in out
    # The report is in: --auto gives Paul the next dossier before the commission sits.
    assert cli.json("dossier", "assign", nxt, "--auto", "--date", DAY)["instructor"]["id"] == paul
    # An adjourned dossier goes back to its instructor: it weighs again.
    sid = sessions.add(store, date=dt.date(2026, 6, 30), kind="award").id
    agenda.build_agenda(store, sid, date=dt.date(2026, 6, 30))
    decisions.decide(store, sid, ref, "adjourned", date=dt.date(2026, 6, 30))
    assert cli.json("instructor", "show", paul)["load"] == 2
    assert "2/1" in cli.ok("instructor", "list").stdout
