"""The CQPT route end to end: each dossier brought to `complete` and each CPNE
session created through the functions `dossier receive/check` and `commission add`
call (tests/builders.py)."""

import json

import builders
import pytest
from builders import add_candidate

PHASES = ("proof", "quiz", "situation")


def cqpt_dossier(
    cli,
    store,
    *,
    route="contrat-pro",
    financing="contrat-pro",
    employer="Orange SA",
    last="Martin",
    complete=True,
):
    cid = add_candidate(cli, "Léa", last, employer=employer)
    if route == "libre":
        # A current branch CDI: 3000 h over 2023-2027, 1802.30 h in the window of 2026-04-01.
        cli.ok(
            "experience",
            "add",
            "--candidate",
            cid,
            "--employer",
            employer,
            "--start",
            "2023-01-01",
            "--end",
            "2027-12-31",
            "--hours",
            "3000",
            "--in-branch",
            "--related",
            "--contract",
            "cdi",
            "--date",
            "2026-03-01",
        )
    ref = cli.json(
        "dossier",
        "add",
        "--candidate",
        cid,
        "--scheme",
        "CQPT",
        "--route",
        route,
        "--financing",
        financing,
        "--date",
        "2026-03-01",
    )["ref"]
    if complete:
        builders.complete_cqpt(store, ref)
    return ref


def session(store, date="2026-06-15", kind="cpne", capacity=None):
    return builders.session(store, date, kind, capacity)


def evaluator(cli, name="Formatel Évaluation"):
    return cli.json(
        "evaluator",
        "add",
        "--name",
        name,
        "--email",
        "contact@formatel.fr",
        "--address",
        "12 rue des Ondes, 69003 Lyon",
        "--date",
        "2026-01-05",
    )["id"]


def evaluate(cli, ref, evaluator_id, phases=PHASES, last="2026-05-20"):
    """Admissible, oriented, and the given phases recorded (the last on `last`)."""
    cli.ok("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01")
    cli.ok("cqpt", "orient", ref, "--evaluator", evaluator_id, "--date", "2026-04-10")
    for i, phase in enumerate(phases):
        day = last if i == len(phases) - 1 else f"2026-05-0{i + 1}"
        cli.ok("cqpt", "phase", ref, phase, "--result", "pass", "--date", day)


def status(cli, ref):
    return cli.json("dossier", "show", ref)["status"]


def test_evaluator_add_and_list(cli, unchanged):
    first = cli.json(
        "evaluator",
        "add",
        "--name",
        "Formatel",
        "--email",
        "A@Formatel.fr",
        "--address",
        "12 rue des Ondes",
        "--date",
        "2026-01-05",
    )
    assert first == {
        "id": first["id"],
        "name": "Formatel",
        "email": "A@formatel.fr",
        "address": "12 rue des Ondes",
    }
    cli.ok("evaluator", "add", "--name", "Acteurs Télécoms")
    assert [e["name"] for e in cli.json("evaluator", "list")] == ["Acteurs Télécoms", "Formatel"]
    with unchanged():
        assert "already called" in cli.fails("evaluator", "add", "--name", "formatel").stderr
        assert "e-mail" in cli.fails("evaluator", "add", "--name", "X", "--email", "nope").stderr


@pytest.mark.parametrize("route", ["contrat-pro", "periode-pro", "libre"])
def test_journey_per_route(cli, store, route):
    ref = cqpt_dossier(
        cli,
        store,
        route=route,
        financing="periode-pro" if route == "periode-pro" else "contrat-pro",
    )
    ev = evaluator(cli)
    sid = session(store)
    adm = cli.json("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01")
    assert adm["status"] == "admissible" and adm["eligible"] is True
    assert adm["hours"] == ("1802.30" if route == "libre" else None)
    oriented = cli.json("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-04-10")
    assert oriented["status"] == "evaluation"
    assert oriented["evaluator"] == {"id": ev, "name": "Formatel Évaluation"}
    cli.ok("cqpt", "prediag", ref, "--score", "12.5", "--training-advised", "--date", "2026-04-20")
    cli.ok("cqpt", "phase", ref, "proof", "--result", "pass", "--date", "2026-05-02")
    quiz = cli.json(
        "cqpt",
        "phase",
        ref,
        "quiz",
        "--result",
        "fail",
        "--score",
        "9",
        "--outside-working-time",
        "--date",
        "2026-05-03",
    )
    assert quiz["missing"] == ["situation"]
    cli.ok(
        "cqpt",
        "phase",
        ref,
        "situation",
        "--result",
        "pass",
        "--working-time",
        "--date",
        "2026-05-20",
    )
    sent = cli.json("cqpt", "transmit", ref, "--session", sid, "--date", "2026-06-01")
    assert sent == {
        "ref": ref,
        "status": "transmitted",
        "session": sid,
        "session_date": "2026-06-15",
        "position": 1,
    }

    row = store.dossier(ref)
    assert row["status"] == "transmitted" and row["session_id"] == sid
    assert row["evaluator_id"] == ev
    items = store.all("SELECT session_id, dossier_id, position, decision FROM agenda_items")
    assert [tuple(i) for i in items] == [(sid, row["id"], 1, None)]

    shown = cli.json("dossier", "show", ref)
    assert shown["route"] == route
    assert shown["admissibility"]["decision"] == "admissible"
    assert shown["admissibility"]["date"] == "2026-04-01"
    assert shown["evaluator"]["name"] == "Formatel Évaluation"
    assert shown["prediag"] == {"date": "2026-04-20", "score": "12.5", "training_advised": True}
    assert shown["phases"] == [
        {
            "phase": "proof",
            "result": "pass",
            "score": None,
            "working_time": None,
            "date": "2026-05-02",
        },
        {
            "phase": "quiz",
            "result": "fail",
            "score": "9",
            "working_time": False,
            "date": "2026-05-03",
        },
        {
            "phase": "situation",
            "result": "pass",
            "score": None,
            "working_time": True,
            "date": "2026-05-20",
        },
    ]
    assert shown["phases_missing"] == []
    assert [e["event"] for e in shown["history"]] == [
        "opened",
        "received",
        "checked",
        "admissibility",
        "orient",
        "prediag",
        "phase",
        "phase",
        "phase",
        "transmit",
    ]
    assert shown["allowed_actions"] == ["refund", "decide", "withdraw"]
    text = cli.ok("dossier", "show", ref).stdout
    assert "situation" in text and "Formatel Évaluation" in text
    assert "transmitted" in cli.ok("cqpt", "show", ref).stdout


def test_second_dossier_goes_next_on_the_agenda(cli, store):
    ev, sid = evaluator(cli), session(store)
    refs = [cqpt_dossier(cli, store, last=name) for name in ("Un", "Deux")]
    for ref in refs:
        evaluate(cli, ref, ev)
        cli.ok("cqpt", "transmit", ref, "--session", sid, "--date", "2026-06-01")
    rows = store.all(
        "SELECT d.ref, a.position FROM agenda_items a "
        "JOIN dossiers d ON d.id = a.dossier_id ORDER BY a.position"
    )
    assert [tuple(r) for r in rows] == [(refs[0], 1), (refs[1], 2)]


def test_ineligible_free_access_needs_an_override(cli, store, unchanged):
    cid = add_candidate(cli, employer="Orange SA")
    cli.ok(
        "experience",
        "add",
        "--candidate",
        cid,
        "--employer",
        "Orange SA",
        "--start",
        "2025-01-01",
        "--end",
        "2026-12-31",
        "--hours",
        "1200",
        "--in-branch",
        "--related",
        "--contract",
        "cdi",
        "--date",
        "2026-03-01",
    )
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
    builders.complete_cqpt(store, ref)
    with unchanged():
        err = cli.fails("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01").stderr
        assert f"candidate {cid} is not eligible for the CQPT on 2026-04-01" in err
        assert "--override" in err and "1607 required" in err
        assert (
            "needs a reason"
            in cli.fails(
                "cqpt", "admissibility", ref, "--accept", "--override", " ", "--date", "2026-04-01"
            ).stderr
        )
    done = cli.json(
        "cqpt",
        "admissibility",
        ref,
        "--accept",
        "--override",
        "attestation of 2024 hours received",
        "--date",
        "2026-04-01",
        "--as",
        "amel",
    )
    assert done["status"] == "admissible" and done["eligible"] is False
    event = cli.json("dossier", "show", ref)["history"][-1]
    assert event["event"] == "admissibility" and event["by"] == "amel"
    assert event["details"]["override"] == "attestation of 2024 hours received"
    assert event["details"]["status"] == ["complete", "admissible"]
    log = cli.json("log", "--entity", "dossier", "--record", ref)
    assert log[0]["action"] == "dossier.admissibility"
    assert log[0]["details"]["override"] == "attestation of 2024 hours received"


def test_override_on_an_eligible_candidate_is_refused(cli, store, unchanged):
    ref = cqpt_dossier(cli, store)
    with unchanged():
        assert (
            "not needed"
            in cli.fails(
                "cqpt", "admissibility", ref, "--accept", "--override", "x", "--date", "2026-04-01"
            ).stderr
        )


def test_reject_needs_a_reason_and_closes_the_dossier(cli, store, unchanged):
    ref = cqpt_dossier(cli, store)
    ev = evaluator(cli)
    with unchanged():
        assert (
            "--reason"
            in cli.fails("cqpt", "admissibility", ref, "--reject", "--date", "2026-04-01").stderr
        )
        assert (
            "--override is for --accept"
            in cli.fails(
                "cqpt",
                "admissibility",
                ref,
                "--reject",
                "--reason",
                "x",
                "--override",
                "y",
                "--date",
                "2026-04-01",
            ).stderr
        )
        # Neither option: certcli's error (exit 1), not a usage error (issue 18).
        assert "give exactly one of --accept, --reject" in (
            cli.fails("cqpt", "admissibility", ref, "--date", "2026-04-01").stderr
        )
    out = cli.json(
        "cqpt",
        "admissibility",
        ref,
        "--reject",
        "--reason",
        "attestation employeur non signée",
        "--date",
        "2026-04-01",
    )
    assert out["status"] == "inadmissible"
    assert (
        cli.json("dossier", "show", ref)["admissibility"]["reason"]
        == "attestation employeur non signée"
    )
    with unchanged():
        err = cli.fails("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-04-10").stderr
        assert "is 'inadmissible': cannot orient" in err


def test_refusals_at_each_step_leave_the_db_unchanged(cli, store, unchanged):
    ev = evaluator(cli)
    award, cpne, past = (
        session(store, kind="award"),
        session(store),
        session(store, date="2026-05-31"),
    )
    full = session(store, capacity=1)
    taken = cqpt_dossier(cli, store, last="Taken")
    evaluate(cli, taken, ev)
    cli.ok("cqpt", "transmit", taken, "--session", full, "--date", "2026-06-01")
    submitted = cqpt_dossier(cli, store, last="Submitted", complete=False)
    ref = cqpt_dossier(cli, store)
    eco_cid = add_candidate(cli, "Jean", "Eco")
    eco = cli.json(
        "dossier", "add", "--candidate", eco_cid, "--scheme", "ECO", "--date", "2026-03-01"
    )["ref"]
    with unchanged():
        # wrong status
        err = cli.fails(
            "cqpt", "admissibility", submitted, "--accept", "--date", "2026-04-01"
        ).stderr
        assert "is 'submitted': cannot record the admissibility" in err
        assert (
            "is 'complete': cannot orient"
            in cli.fails("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-04-10").stderr
        )
        assert (
            "is 'complete': cannot record a phase"
            in cli.fails(
                "cqpt", "phase", ref, "proof", "--result", "pass", "--date", "2026-05-01"
            ).stderr
        )
        assert (
            "is 'complete': cannot transmit"
            in cli.fails("cqpt", "transmit", ref, "--session", cpne, "--date", "2026-06-01").stderr
        )
        # non-CQPT dossier
        d = ("--date", "2026-06-01")
        for args in (
            ["admissibility", eco, "--accept", *d],
            ["orient", eco, "--evaluator", ev, *d],
            ["prediag", eco, "--score", "3", *d],
            ["phase", eco, "quiz", "--result", "pass", *d],
            ["transmit", eco, "--session", cpne, *d],
            ["show", eco],
        ):
            err = cli.fails("cqpt", *args).stderr
            assert f"dossier {eco} is a ECO dossier, not a CQPT one" in err
        # dates before the dossier was opened
        assert (
            "before the dossier's opening"
            in cli.fails("cqpt", "admissibility", ref, "--accept", "--date", "2026-02-01").stderr
        )
    cli.ok("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01")
    with unchanged():
        assert (
            "no evaluator with id 99"
            in cli.fails("cqpt", "orient", ref, "--evaluator", 99, "--date", "2026-04-10").stderr
        )
        assert (
            "before the admissibility"
            in cli.fails("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-03-31").stderr
        )
    cli.ok("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-04-10")
    cli.ok("cqpt", "phase", ref, "proof", "--result", "pass", "--date", "2026-05-01")
    cli.ok("cqpt", "phase", ref, "quiz", "--result", "pass", "--date", "2026-05-02")
    with unchanged():
        assert (
            "invalid result 'maybe'"
            in cli.fails("cqpt", "phase", ref, "situation", "--result", "maybe").stderr
        )
        assert (
            "invalid phase 'prediag'"
            in cli.fails("cqpt", "phase", ref, "prediag", "--result", "pass").stderr
        )
        assert (
            "before the orientation"
            in cli.fails(
                "cqpt", "phase", ref, "situation", "--result", "pass", "--date", "2026-04-09"
            ).stderr
        )
        err = cli.fails(
            "cqpt", "phase", ref, "quiz", "--result", "fail", "--date", "2026-05-03"
        ).stderr
        assert "phase quiz was already recorded on 2026-05-02 (pass); use --replace" in err
        err = cli.fails("cqpt", "prediag", ref, "--score", "10", "--date", "2026-05-03").stderr
        assert "phase proof was recorded on 2026-05-01" in err
        err = cli.fails("cqpt", "transmit", ref, "--session", cpne, "--date", "2026-06-01").stderr
        assert f"dossier {ref}: cannot transmit, phase(s) not recorded: situation" in err
    cli.ok("cqpt", "phase", ref, "situation", "--result", "pass", "--date", "2026-05-20")
    with unchanged():
        assert (
            f"session {award} is an award session"
            in cli.fails("cqpt", "transmit", ref, "--session", award, "--date", "2026-06-01").stderr
        )
        assert (
            f"session {past} sat on 2026-05-31, before 2026-06-01"
            in cli.fails("cqpt", "transmit", ref, "--session", past, "--date", "2026-06-01").stderr
        )
        assert (
            f"session {full} is full (1 of 1)"
            in cli.fails("cqpt", "transmit", ref, "--session", full, "--date", "2026-06-01").stderr
        )
        assert (
            "no session with id 99"
            in cli.fails("cqpt", "transmit", ref, "--session", 99, "--date", "2026-06-01").stderr
        )
        assert (
            "before the last phase (2026-05-20)"
            in cli.fails("cqpt", "transmit", ref, "--session", cpne, "--date", "2026-05-19").stderr
        )
    cli.ok("cqpt", "transmit", ref, "--session", cpne, "--date", "2026-06-01")
    with unchanged():
        assert (
            "is 'transmitted': cannot record a phase"
            in cli.fails(
                "cqpt",
                "phase",
                ref,
                "quiz",
                "--result",
                "pass",
                "--replace",
                "--date",
                "2026-06-02",
            ).stderr
        )


def test_missing_phases_are_all_named(cli, store, unchanged):
    ref = cqpt_dossier(cli, store)
    evaluate(cli, ref, evaluator(cli), phases=("quiz",))
    sid = session(store)
    with unchanged():
        err = cli.fails("cqpt", "transmit", ref, "--session", sid, "--date", "2026-06-01").stderr
    assert "phase(s) not recorded: proof, situation" in err


def test_replace_a_phase_keeps_the_old_values_in_history(cli, store):
    ref = cqpt_dossier(cli, store)
    evaluate(cli, ref, evaluator(cli), phases=("proof",))
    cli.ok(
        "cqpt",
        "phase",
        ref,
        "proof",
        "--result",
        "fail",
        "--score",
        "8",
        "--replace",
        "--date",
        "2026-05-22",
    )
    shown = cli.json("dossier", "show", ref)
    assert shown["phases"] == [
        {
            "phase": "proof",
            "result": "fail",
            "score": "8",
            "working_time": None,
            "date": "2026-05-22",
        }
    ]
    last = shown["history"][-1]["details"]
    assert last["replaced"] == {
        "result": "pass",
        "score": None,
        "working_time": None,
        "date": "2026-05-20",
    }


def test_prediag_only_once(cli, store, unchanged):
    ref = cqpt_dossier(cli, store)
    evaluate(cli, ref, evaluator(cli), phases=())
    cli.ok("cqpt", "prediag", ref, "--score", "14", "--date", "2026-04-15")
    with unchanged():
        assert (
            "already recorded on 2026-04-15 (score 14)"
            in cli.fails("cqpt", "prediag", ref, "--score", "15", "--date", "2026-04-16").stderr
        )
        assert (
            "before the pre-diagnostic"
            in cli.fails(
                "cqpt", "phase", ref, "proof", "--result", "pass", "--date", "2026-04-14"
            ).stderr
        )
        assert "invalid score" in cli.fails("cqpt", "prediag", ref, "--score", "-1").stderr


def test_cqpt_commands_help(cli):
    for verb in ("admissibility", "orient", "prediag", "phase", "transmit", "funding", "show"):
        assert "Example:" in cli.ok("cqpt", verb, "--help").stdout
    for noun in ("experience", "evaluator", "eligibility"):
        assert "Usage" in cli.ok(noun, "--help").stdout


def test_non_cqpt_dossier_shows_no_cqpt_details(cli):
    cid = add_candidate(cli)
    ref = cli.json("dossier", "add", "--candidate", cid, "--scheme", "ECO")["ref"]
    assert "phases" not in cli.json("dossier", "show", ref)
    assert json.loads(cli.ok("dossier", "show", ref, "--json").stdout)["ref"] == ref
