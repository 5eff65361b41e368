"""`--letter` on the writing commands: the right template, rendered after the step is
recorded, logged, its path printed (or in the JSON); a rendering failure leaves the
step recorded and ends with one `Error:` line."""

import datetime as dt
import json
import re

import builders
import pytest
from commission_helpers import report_ready, session, transmit_cqpt
from instruction_helpers import ECO_PIECES, d_complete, d_instructor, d_open

from certcli.domain import assignment

DAY = dt.date(2026, 3, 1)


def addressed(store, first="Léa", last="Martin") -> int:
    """An eligible OPQTECC candidate a letter can be posted to."""
    return builders.candidate(
        store, first, last, address="4 rue Lafayette", postcode="75009", city="Paris"
    )


@pytest.fixture
def html(tmp_path):
    """The options of a quick letter: HTML into tmp_path/out."""
    return ["--letter", "--format", "html", "--out", tmp_path / "out"]


def logged(cli, ref):
    return [
        (r["template"], r["dossier"], r["date"])
        for r in cli.json("letters", "log", "--dossier", ref)
    ]


def assert_letter(cli, data, template, ref, date, tmp_path, *, says, enclosed=()):
    """The JSON names the file; it is that template's letter for that dossier; logged once
    (with the letters it encloses in the same file: a grant's invoice)."""
    path = tmp_path / "out" / f"{date}_{template}_{ref}.html"
    assert data["letter"] == str(path.resolve())
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    assert says in text and ref in text
    assert logged(cli, ref) == [(template, ref, date)] + [(t, ref, date) for t in enclosed]
    assert {r["path"] for r in cli.json("letters", "log", "--dossier", ref)} == {
        str(path.resolve())
    }


def test_check_incomplete_sends_the_missing_list(cli, store, tmp_path, html):
    ref = d_open(store, addressed(store), date=DAY)
    data = cli.json("dossier", "check", ref, "--date", "2026-03-02", *html)
    assert data["complete"] is False and data["status"] == "incomplete"
    assert_letter(
        cli,
        data,
        "dossier-incomplet",
        ref,
        "2026-03-02",
        tmp_path,
        says="il manque les éléments suivants",
    )


def test_check_complete_sends_the_acknowledgement(cli, store, tmp_path, html):
    ref = d_open(store, addressed(store), date=DAY)
    cli.ok("dossier", "receive", ref, *ECO_PIECES, "--date", "2026-03-01")
    cli.ok(
        "dossier", "pay", ref, "--amount", "480.00", "--method", "cheque", "--date", "2026-03-01"
    )
    out = cli.ok("dossier", "check", ref, "--date", "2026-03-02", *html).stdout
    path = tmp_path / "out" / f"2026-03-02_accuse-reception_{ref}.html"
    assert out.splitlines() == [
        f"Dossier {ref} is complete: status instruction.",
        f"Letter accuse-reception: {path.resolve()}",
    ]
    assert "Votre dossier est complet" in path.read_text(encoding="utf-8")
    assert logged(cli, ref) == [("accuse-reception", ref, "2026-03-02")]


def test_receive_sends_the_acknowledgement(cli, store, tmp_path, html):
    ref = d_open(store, addressed(store), date=DAY)
    data = cli.json("dossier", "receive", ref, "administratif", "--date", "2026-03-03", *html)
    assert data["received"] == ["administratif"]
    assert_letter(
        cli, data, "accuse-reception", ref, "2026-03-03", tmp_path, says="Pièces reçues à ce jour"
    )


def test_request_and_interview_letters(cli, store, tmp_path, html):
    ref = d_complete(store, addressed(store), date=DAY)
    ins = d_instructor(store, "Bernard Noël")
    assignment.assign(store, ref, instructor_id=ins, date=DAY)
    data = cli.json(
        "dossier", "interview", ref, "--at", "2026-03-20 14:30", "--date", "2026-03-05", *html
    )
    assert_letter(cli, data, "entretien", ref, "2026-03-05", tmp_path, says="Bernard Noël")
    data = cli.json(
        "dossier",
        "request",
        ref,
        "--items",
        "Attestation employeur 2025",
        "--due",
        "2026-04-15",
        "--date",
        "2026-03-06",
        *html,
    )
    assert data["status"] == "waiting"
    path = tmp_path / "out" / f"2026-03-06_demande-complements_{ref}.html"
    assert data["letter"] == str(path.resolve())
    assert "Attestation employeur 2025" in path.read_text(encoding="utf-8")
    assert logged(cli, ref)[-1] == ("demande-complements", ref, "2026-03-06")


# Recorded today (2026-11-25), after the session: a refusal's letter is dated on the
# session day, a grant's on the day its invoice was issued (never before it).
@pytest.mark.parametrize(
    "decision, template, says, dated, enclosed",
    [
        (
            ["--grant"],
            "notification",
            "Votre certificat porte le numéro",
            "2026-11-25",
            ["facture"],  # its dues invoice, in the same file
        ),
        (
            ["--refuse", "--reason", "expérience insuffisante"],
            "refus",
            "au plus tard le",
            "2026-06-15",
            [],
        ),
    ],
)
def test_award_decision_letters(
    cli, store, tmp_path, html, decision, template, says, dated, enclosed
):
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=addressed(store))
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    data = cli.json("commission", "decide", sid, ref, *decision, *html)
    assert data["decision"] == template.replace("notification", "granted").replace(
        "refus", "refused"
    )
    assert_letter(cli, data, template, ref, dated, tmp_path, says=says, enclosed=enclosed)


def test_appeal_and_cpne_decision_letters(cli, store, tmp_path, html):
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=addressed(store))
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "insuffisant")
    cli.ok("appeal", "file", ref, "--date", "2026-07-01")
    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    data = cli.json("appeal", "decide", ref, "--refuse", "--reason", "confirmé", *html)
    assert_letter(
        cli,
        data,
        "decision-recours",
        ref,
        "2026-09-14",
        tmp_path,
        says="a confirmé la décision de refus",
    )

    cpne = session(cli, "2026-10-05", "cpne")
    cqpt_ref = transmit_cqpt(cli, store, cpne, candidate=addressed(store))
    data = cli.json("commission", "decide", cpne, cqpt_ref, "--grant", *html)
    assert_letter(
        cli, data, "cqpt-decision", cqpt_ref, "2026-10-05", tmp_path, says="Elle vous délivre"
    )


def test_cqpt_orient_sends_the_admissibility_letter(cli, store, tmp_path, html):
    cid = addressed(store)
    ref = d_open(store, cid, scheme="CQPT", route="contrat-pro", financing="contrat-pro")
    builders.complete_cqpt(store, ref)
    cli.ok("cqpt", "admissibility", ref, "--accept", "--date", "2026-04-01")
    ev = cli.json("evaluator", "add", "--name", "Formatel Évaluation")["id"]
    data = cli.json("cqpt", "orient", ref, "--evaluator", ev, "--date", "2026-04-10", *html)
    assert data["status"] == "evaluation"
    assert_letter(
        cli, data, "cqpt-recevabilite", ref, "2026-04-10", tmp_path, says="Formatel Évaluation"
    )


def test_without_letter_nothing_is_rendered(cli, store, tmp_path):
    ref = d_open(store, addressed(store), date=DAY)
    data = cli.json("dossier", "check", ref, "--date", "2026-03-02", "--out", tmp_path / "out")
    assert "letter" not in data and not (tmp_path / "out").exists()
    assert logged(cli, ref) == []


def test_rendering_failure_keeps_the_step_and_says_how_to_render(cli, store, tmp_path, html):
    broken = tmp_path / "mine"
    broken.mkdir()
    (broken / "dossier-incomplet.html").write_text(
        '{% extends "_base.html" %}{% block content %}{{ nowhere.to_be_found }}{% endblock %}',
        encoding="utf-8",
    )
    ref = d_open(store, addressed(store), date=DAY)
    result = cli.fails(
        "dossier", "check", ref, "--date", "2026-03-02", *html, "--templates", broken
    )
    assert result.stdout.startswith(f"Dossier {ref} is incomplete: status incomplete.")
    error = result.stderr.strip()
    assert error.startswith(
        f"Error: {ref}: the step is recorded but the letter was not "
        "rendered: template 'dossier-incomplet': 'nowhere' is undefined"
    )
    assert error.endswith(
        f"render it with `certcli letters render dossier-incomplet --dossier "
        f"{ref} --date 2026-03-02 --format html --out {tmp_path / 'out'} "
        f"--templates {broken}`"
    )
    assert cli.json("dossier", "show", ref)["status"] == "incomplete"
    assert logged(cli, ref) == []

    # In JSON the step's result is still printed, with no letter.
    ref2 = d_open(store, addressed(store, "Paul", "Durand"), date=DAY)
    result = cli.fails(
        "dossier", "check", ref2, "--date", "2026-03-02", *html, "--templates", broken, "--json"
    )
    data = json.loads(result.stdout)
    assert data["status"] == "incomplete" and data["letter"] is None


def test_letter_options_are_checked_before_the_step(cli, store, tmp_path, unchanged, html):
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=addressed(store))
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    with unchanged():
        assert (
            "invalid format 'odt'"
            in cli.fails(
                "commission", "decide", sid, ref, "--grant", "--letter", "--format", "odt"
            ).stderr
        )
        assert (
            "does not exist"
            in cli.fails(
                "commission",
                "decide",
                sid,
                ref,
                "--grant",
                *html,
                "--templates",
                tmp_path / "nowhere",
            ).stderr
        )
