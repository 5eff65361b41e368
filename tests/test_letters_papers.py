"""A commission session's papers (certcli/letters/papers.py): the members' file
(convocation, agenda, a page per dossier with who must abstain) and the minutes
(procès-verbal), read back from the PDF."""

import datetime as dt
from pathlib import Path

import pytest
from commission_helpers import session
from instruction_helpers import d_candidate, d_complete, d_instructor
from letter_office import text_of

from certcli.domain import assignment, instruction, members

DAY = dt.date(2026, 5, 4)
SITS = "2026-06-15"


def member(store, name, **extra) -> int:
    return members.add(store, name=name, commission="award", date=dt.date(2026, 1, 5), **extra).id


@pytest.fixture
def sitting(cli, store):
    """An award session on 2026-06-15 with two dossiers on its agenda: Léa Martin's
    (at Cabinet Métré Conseil, with an expert's opinion) and Marc Petit's; four members,
    one employed at Cabinet Métré Conseil, one who declared a conflict with Marc Petit."""
    lea = d_candidate(store, "Léa", "Martin", employer="Cabinet Métré Conseil")
    marc = d_candidate(store, "Marc", "Petit", employer="BET Quantités")
    paul = d_instructor(store, "Paul Girard", employer="Ingénierie Sud")
    bob = d_instructor(store, "Bob Expert", role="expert", specialties=())
    refs = []
    for cid, text in ((lea, "Références solides en métrés"), (marc, "Dossier technique léger")):
        ref = d_complete(store, cid)
        assignment.assign(store, ref, instructor_id=paul, date=DAY)
        if cid == lea:
            assignment.call_expert(store, ref, expert_id=bob, date=DAY)
            assignment.expert_opinion(
                store, ref, expert_id=bob, opinion="favourable", text="Métrés exacts", date=DAY
            )
        recommend = "grant" if cid == lea else "refuse"
        mentions = ["OPC"] if cid == lea else []
        instruction.report(
            store, ref, recommend=recommend, mentions=mentions, text=text, date=dt.date(2026, 5, 20)
        )
        refs.append(ref)
    people = {
        "anne": member(store, "Anne Roux", role="president", employer="CABINET METRE CONSEIL"),
        "bruno": member(store, "Bruno Lenoir"),
        "carla": member(store, "Carla Vidal", conflict_candidates=[marc]),
        "denis": member(store, "Denis Morel"),
    }
    sid = session(cli, SITS)
    assert cli.json("commission", "agenda", sid, "--date", "2026-06-01")["agenda"] == refs
    return {"session": sid, "refs": refs, "people": people, "lea": lea, "marc": marc}


def test_papers_hold_the_convocation_agenda_and_each_dossier(cli, store, sitting, tmp_path):
    sid, (lea_ref, marc_ref) = sitting["session"], sitting["refs"]
    files = cli.json(
        "commission", "papers", sid, "--out", tmp_path / "papers", "--date", "2026-06-01"
    )["files"]
    assert len(files) == 1 and files[0].endswith(".pdf")
    text = text_of(Path(files[0]))
    # The convocation: day, hour and place from the body file, the members convened.
    assert "Commission d'attribution" in text and "15 juin 2026 à 14 h" in text
    assert "8 avenue Exemple, 75007 Paris" in text
    for name in ("Anne Roux", "Bruno Lenoir", "Carla Vidal", "Denis Morel"):
        assert name in text
    # The agenda and one page per dossier.
    assert "Ordre du jour" in text
    lea_page = text.split(f"Dossier n° {lea_ref}")[1].split(f"Dossier n° {marc_ref}")[0]
    marc_page = text.split(f"Dossier n° {marc_ref}")[1]
    assert "Léa Martin" in lea_page and "Mentions demandées OPC" in lea_page
    assert "Références solides en métrés." in lea_page and "favorable" in lea_page
    assert "Bob Expert" in lea_page and "Métrés exacts." in lea_page
    assert "Éligibilité éligible" in lea_page
    assert "Anne Roux – même employeur que le candidat (CABINET METRE CONSEIL)" in lea_page
    assert "Carla Vidal" not in lea_page
    assert "Dossier technique léger." in marc_page and "défavorable" in marc_page
    assert "Avis de l'expert : aucun." in marc_page
    assert f"Carla Vidal – conflit déclaré avec le candidat n° {sitting['marc']}" in marc_page
    assert "Anne Roux" not in marc_page
    # Logged like a letter.
    logged = [
        entry for entry in cli.json("letters", "log") if entry["template"] == "dossier-seance"
    ]
    assert len(logged) == 1 and logged[0]["path"] == files[0]


def test_papers_as_html(cli, store, sitting, tmp_path):
    files = cli.json(
        "commission", "papers", sitting["session"], "--out", tmp_path, "--format", "html"
    )["files"]
    assert files[0].endswith(".html") and "Ordre du jour" in text_of(Path(files[0]))


def test_minutes_refused_while_undecided_then_drafted_then_final(cli, store, sitting, tmp_path):
    sid, (lea_ref, marc_ref) = sitting["session"], sitting["refs"]
    p = sitting["people"]
    cli.ok("commission", "attend", sid, "--present", p["anne"], "--present", p["bruno"],
           "--present", p["carla"], "--excused", p["denis"], "--date", SITS)  # fmt: skip
    cli.json("commission", "decide", sid, lea_ref, "--grant", "--date", SITS)
    err = cli.fails("commission", "minutes", sid, "--out", tmp_path).stderr
    assert f"dossier(s) {marc_ref} of its agenda are not decided yet" in err
    draft = cli.json("commission", "minutes", sid, "--out", tmp_path, "--draft", "--date", SITS)
    text = text_of(Path(draft["files"][0]))
    assert "PROJET" in text and "non délibéré" in text
    assert not [e for e in cli.json("letters", "log") if e["template"] == "proces-verbal"]
    cli.json("commission", "decide", sid, marc_ref, "--refuse", "--reason",
             "expérience insuffisante", "--date", SITS)  # fmt: skip
    final = cli.json(
        "commission", "minutes", sid, "--out", tmp_path, "--date", "2026-06-16",
        "--signed-on", "2026-07-02",
    )["files"]  # fmt: skip
    text = text_of(Path(final[0]))
    assert "PROJET" not in text
    assert (
        "Présents : Anne Roux (président(e)), Bruno Lenoir (membre), Carla Vidal (membre)" in text
    )
    assert "Excusés : Denis Morel" in text
    assert "Quorum atteint : 3 membres votants présents sur 4, 3 requis" in text
    lea_line = text[text.index(f"{lea_ref} Léa Martin") : text.index(f"{marc_ref} Marc Petit")]
    assert "attribuée, mention OPC" in lea_line and "certificat n° ECO-2026-0001" in lea_line
    assert "Anne Roux – même employeur que le candidat" in lea_line
    marc_line = text[text.index(f"{marc_ref} Marc Petit") :]
    assert "refusée. Motif : expérience insuffisante." in marc_line
    assert "recours possible jusqu'au 15 août 2026" in marc_line
    assert f"Carla Vidal – conflit déclaré avec le candidat n° {sitting['marc']}" in marc_line
    assert "approuvé et signé le 2 juillet 2026" in text
    assert [e for e in cli.json("letters", "log") if e["template"] == "proces-verbal"]
    # The signed date is recorded once.
    assert store.session(sid)["minutes_signed_on"] == "2026-07-02"
    cli.fails("commission", "minutes", sid, "--out", tmp_path, "--signed-on", "2026-07-03")


def test_minutes_say_the_quorum_was_overridden(cli, store, sitting, tmp_path):
    sid, (lea_ref, marc_ref) = sitting["session"], sitting["refs"]
    cli.ok("commission", "attend", sid, "--present", sitting["people"]["bruno"], "--date", SITS)
    for ref in (lea_ref, marc_ref):
        cli.ok("commission", "decide", sid, ref, "--adjourn", "--date", SITS,
               "--override", "séance maintenue faute de suppléants")  # fmt: skip
    text = text_of(Path(cli.json("commission", "minutes", sid, "--out", tmp_path)["files"][0]))
    assert "Quorum non atteint : 1 membre votant présent sur 4, 3 requis" in text
    assert f"Dossier {lea_ref} délibéré sans quorum constaté : séance maintenue" in text
    assert "ajournée" in text


def test_papers_refused_for_a_cancelled_session_or_an_empty_agenda(cli, store, tmp_path):
    sid = session(cli, SITS)
    assert "no dossier on its agenda" in cli.fails("commission", "papers", sid).stderr
    cli.ok("commission", "cancel", sid, "--reason", "salle indisponible", "--date", "2026-06-01")
    assert "was cancelled" in cli.fails("commission", "papers", sid).stderr


def test_a_session_template_is_not_rendered_by_letters_render(cli, store, sitting, tmp_path):
    err = cli.fails(
        "letters", "render", "dossier-seance", "--dossier", sitting["refs"][0], "--out", tmp_path
    ).stderr
    assert "certcli commission papers" in err


def test_cpne_papers_show_the_evaluation(cli, store, tmp_path):
    from test_domain_cqpt import cqpt_dossier, evaluate, evaluator

    ref = cqpt_dossier(cli, store)
    evaluate(cli, ref, evaluator(cli))
    sid = session(cli, "2026-06-30", "cpne")
    cli.ok("cqpt", "transmit", ref, "--session", sid, "--date", "2026-06-01")
    members.add(store, name="Yves Tanguy", commission="cpne", date=dt.date(2026, 1, 5))
    files = cli.json("commission", "papers", sid, "--out", tmp_path, "--date", "2026-06-02")
    text = text_of(Path(files["files"][0]))
    assert "CPNE des télécommunications du 30 juin 2026" in text and "à 10 h" in text
    assert "Yves Tanguy, membre" in text and "examen de 1 dossier, présenté ci-après" in text
    page = text.split(f"Dossier n° {ref}")[1]
    assert (
        "Dossier de preuves validé" in page and "Mise en situation professionnelle validée" in page
    )


def test_papers_emailed_to_each_member_with_an_address(cli, store, sitting, tmp_path, smtp_server):
    members.edit(store, sitting["people"]["anne"], email="anne@example.org", date=DAY)
    members.edit(store, sitting["people"]["bruno"], email="bruno@example.org", date=DAY)
    done = cli.json("commission", "papers", sitting["session"], "--out", tmp_path, "--email",
                    "--date", "2026-06-01")  # fmt: skip
    assert [(e["to"], e["status"]) for e in done["emails"]] == [
        ("anne@example.org", "sent"),
        ("bruno@example.org", "sent"),
    ]
    assert [m["name"] for m in done["no_address"]] == ["Carla Vidal", "Denis Morel"]
    assert sorted(m["To"] for m in smtp_server.received) == [
        "anne@example.org",
        "bruno@example.org",
    ]
    got = smtp_server.received[0]
    assert (
        "convocation à la séance de la Commission d'attribution du 15 juin 2026" in got["Subject"]
    )
    assert "15\xa0juin\xa02026 à 14\xa0h" in got.text
    [(name, pdf)] = got.attachments()
    assert pdf == Path(done["files"][0]).read_bytes()  # the very papers logged
    assert (
        "--email sends the papers as a PDF"
        in cli.fails(
            "commission", "papers", sitting["session"], "--email", "--format", "html"
        ).stderr
    )
