"""CQPT funding (certcli/domain/cqpt_funding.py, spec §3.5): the table and totals, edge
cases, and failed phases flagged."""

import re

from test_domain_cqpt import PHASES, cqpt_dossier, evaluate, evaluator

from certcli.domain import cqpt, dossiers


def _funding(cli, year="2026"):
    data = cli.json("cqpt", "funding", "--year", year)
    return {d["ref"]: d for d in data["dossiers"]}, data["totals"]


def test_running_evaluation_is_in_progress_and_out_of_totals(cli, store):
    ev = evaluator(cli)
    running = cqpt_dossier(cli, store, last="Running")
    evaluate(cli, running, ev, phases=("proof",), last="2026-05-01")
    oriented = cqpt_dossier(cli, store, last="JustOriented")
    evaluate(cli, oriented, ev, phases=())
    rows, totals = _funding(cli)
    assert rows[running] == {
        "ref": running,
        "candidate_id": rows[running]["candidate_id"],
        "financing": "contrat-pro",
        "funder": None,
        "amount": "0.00",
        "reason": "in progress: quiz, situation not recorded yet",
    }
    assert rows[oriented]["reason"] == "in progress: proof, quiz, situation not recorded yet"
    assert rows[oriented]["funder"] is None and rows[oriented]["amount"] == "0.00"
    assert totals == {}


def test_stopped_partial_evaluation_goes_to_the_employers_plan(cli, store):
    ev = evaluator(cli)
    stopped = cqpt_dossier(cli, store, employer="SFR", last="Stopped")
    evaluate(cli, stopped, ev, phases=("proof", "quiz"), last="2026-05-02")
    cli.ok("dossier", "withdraw", stopped, "--reason", "left the company", "--date", "2026-05-10")
    early = cqpt_dossier(cli, store, employer="SFR", last="Early")
    evaluate(cli, early, ev, phases=())
    cli.ok("dossier", "withdraw", early, "--reason", "changed her mind", "--date", "2026-04-20")
    rows, totals = _funding(cli)
    assert (rows[stopped]["funder"], rows[stopped]["amount"]) == ("SFR", "300.00")
    assert rows[stopped]["reason"] == (
        "training plan of SFR: stopped (withdrawn) after "
        "proof, quiz, AUVICOM covers only a whole evaluation"
    )
    assert (rows[early]["funder"], rows[early]["amount"]) == (None, "0.00")
    assert rows[early]["reason"] == "withdrawn before any phase: nothing owed"
    assert totals == {"SFR": "300.00"}
    assert cli.json("cqpt", "funding")["by_employer"] == {"SFR": {"training plan": "300.00"}}


def test_cif_is_the_fongecifs_and_totalled_apart(cli, store):
    ev = evaluator(cli)
    cif = cqpt_dossier(cli, store, route="libre", financing="cif", employer="Bouygues Telecom")
    evaluate(cli, cif, ev)
    pro = cqpt_dossier(cli, store, last="Pro")
    evaluate(cli, pro, ev)
    rows, totals = _funding(cli)
    assert rows[cif]["funder"] == "Fongecif" and rows[cif]["amount"] == "300.00"
    assert rows[cif]["reason"] == "CIF: the file goes to the Fongecif"
    assert totals == {"AUVICOM": "300.00", "Fongecif": "300.00"}


def test_funding_text_keeps_the_table_narrow(cli, store):
    ev = evaluator(cli)
    ref = cqpt_dossier(cli, store, financing="plan-formation", employer="Opérateur Numérique SA")
    evaluate(cli, ref, ev)
    out = cli.ok("cqpt", "funding", "--year", "2026").stdout
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if "financing" in line)
    assert "reason" not in lines[header]
    assert max(len(line) for line in lines[: header + 4]) < 80
    assert f"  {ref}  training plan of Opérateur Numérique SA (financing plan-formation)" in lines


def test_failed_phases_are_flagged(cli, store):
    ev = evaluator(cli)
    ref = cqpt_dossier(cli, store)
    cli.ok("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01")
    cli.ok("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-04-10")
    cli.ok("cqpt", "phase", ref, "situation", "--result", "fail", "--date", "2026-05-01")
    cli.ok("cqpt", "phase", ref, "proof", "--result", "pass", "--date", "2026-05-02")
    cli.ok("cqpt", "phase", ref, "quiz", "--result", "fail", "--date", "2026-05-03")
    assert cqpt.failed_phases(store, store.dossier(ref)) == ["quiz", "situation"]
    assert cqpt.failed_phases(store, dossiers.get(store, ref)) == ["quiz", "situation"]
    assert cli.json("cqpt", "show", ref)["phases_failed"] == ["quiz", "situation"]
    assert cli.json("dossier", "show", ref)["phases_failed"] == ["quiz", "situation"]
    text = cli.ok("cqpt", "show", ref).stdout
    assert "phases FAILED   quiz, situation: check before the CPNE grants" in text
    assert "FAIL" in text.split("Phases")[1]
    assert re.search(r"\n  phases failed +quiz, situation\n", cli.ok("dossier", "show", ref).stdout)


def test_no_failed_phase_says_none(cli, store):
    ev = evaluator(cli)
    ref = cqpt_dossier(cli, store)
    evaluate(cli, ref, ev)
    assert cqpt.failed_phases(store, store.dossier(ref)) == []
    assert "phases FAILED   none" in cli.ok("cqpt", "show", ref).stdout


def status(cli, ref):
    return cli.json("dossier", "show", ref)["status"]


def test_funding_table_and_totals(cli, store):
    ev = evaluator(cli)
    plan = [  # (employer, route, financing, phases, last phase date)
        ("Orange SA", "contrat-pro", "contrat-pro", PHASES, "2026-05-20"),
        ("SFR", "libre", "dif-prioritaire", PHASES, "2026-05-21"),
        ("SFR", "libre", "plan-formation", PHASES, "2026-05-22"),
        ("Orange SA", "libre", "dif", PHASES, "2026-05-23"),
        ("Bouygues Telecom", "libre", "cif", PHASES, "2026-05-24"),
        ("Orange SA", "periode-pro", "periode-pro", ("proof", "quiz"), "2026-05-25"),
        ("Orange SA", "contrat-pro", "contrat-pro", PHASES, "2027-01-05"),
    ]
    refs = []
    for i, (employer, route, financing, phases, last) in enumerate(plan):
        ref = cqpt_dossier(
            cli, store, route=route, financing=financing, employer=employer, last=f"N{i}"
        )
        evaluate(cli, ref, ev, phases=phases, last=last)
        refs.append(ref)
    cqpt_dossier(cli, store, last="NotOriented")  # complete, never evaluated: not listed

    data = cli.json("cqpt", "funding", "--year", "2026")
    rows = {d["ref"]: d for d in data["dossiers"]}
    assert list(rows) == refs[:6]
    assert all(
        set(d) == {"ref", "candidate_id", "financing", "funder", "amount", "reason"}
        for d in data["dossiers"]
    )
    got = [(d["financing"], d["funder"], d["amount"]) for d in data["dossiers"]]
    assert got == [
        ("contrat-pro", "AUVICOM", "300.00"),
        ("dif-prioritaire", "AUVICOM", "300.00"),
        ("plan-formation", "SFR", "300.00"),
        ("dif", "Orange SA", "300.00"),
        ("cif", "Fongecif", "300.00"),
        ("periode-pro", None, "0.00"),
    ]
    assert rows[refs[4]]["reason"] == "CIF: the file goes to the Fongecif"
    assert rows[refs[3]]["reason"] == "training plan of Orange SA (financing dif)"
    assert rows[refs[0]]["reason"] == "whole evaluation under contrat-pro: AUVICOM"
    assert rows[refs[5]]["reason"] == "in progress: situation not recorded yet"
    assert data["totals"] == {
        "AUVICOM": "600.00",
        "Fongecif": "300.00",
        "Orange SA": "300.00",
        "SFR": "300.00",
    }
    assert data["by_employer"] == {
        "Bouygues Telecom": {"Fongecif": "300.00"},
        "Orange SA": {"AUVICOM": "300.00", "training plan": "300.00"},
        "SFR": {"AUVICOM": "300.00", "training plan": "300.00"},
    }
    every = cli.json("cqpt", "funding")
    assert len(every["dossiers"]) == 7 and every["totals"]["AUVICOM"] == "900.00"
    assert cli.json("cqpt", "funding", "--year", "2027")["totals"] == {"AUVICOM": "300.00"}
    assert cli.json("cqpt", "funding", "--year", "2025") == {
        "dossiers": [],
        "totals": {},
        "by_employer": {},
    }
    text = cli.ok("cqpt", "funding", "--year", "2026").stdout
    assert "600,00" in text and "Per employer" in text
