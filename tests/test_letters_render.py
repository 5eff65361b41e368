"""Letters rendered (certcli/letters/render.py): each template, the log and --dry-run,
missing variables, the sandbox, a template's record, file names, missing libraries."""

import html as htmlmod
import re
from pathlib import Path

import letter_records as R
import pytest

from certcli.domain import completeness
from certcli.letters import render

DAY = "2026-11-24"


NAME = "Hélène Lefèvre-Dupré"


def text_of(path: Path) -> str:
    """The letter's visible text, with every kind of space made a plain one."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        raw = " ".join(page.extract_text() for page in PdfReader(str(path)).pages)
    else:
        body = path.read_text(encoding="utf-8").split("<body>", 1)[1]
        raw = htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[\s\u202f\xa0]+", " ", raw)


@pytest.fixture
def office(store):
    """One candidate at every stage a letter speaks of."""
    c = R.candidate(store)
    d1 = R.dossier(store, c, ref="2026-0001")
    R.pieces(store, d1, "administratif", "technique")
    R.fee(store, d1, "100.00")
    R.request(
        store,
        d1,
        ["Attestation d'assurance 2025", "Deux références de chantier"],
        "2026-03-01",
        "2026-04-15",
    )
    R.interview(store, d1, "2026-05-12 14:30", instructor="Bernard Noël")
    cert = R.certificate(store, c, "ECO-2026-0001", "2026-06-15", dossier_id=d1)
    R.decide(store, d1, "granted", "2026-06-15", session_date="2026-06-15")
    R.invoice(
        store,
        c,
        "F-2026-00001",
        "210.00",
        "2026-06-15",
        certificate_id=cert,
        dossier_id=d1,
        due_on="2026-07-15",
        label="Cotisation 2026 (7/12 mois)",
    )
    d2 = R.dossier(store, c, ref="2026-0002")
    R.decide(
        store,
        d2,
        "refused",
        "2026-06-15",
        reason="expérience insuffisante",
        session_date="2026-06-15",
    )
    R.appeal(
        store,
        d2,
        "2026-07-01",
        "2026-08-15",
        "confirmed",
        "2026-09-20",
        "les éléments apportés ne changent pas l'analyse",
        grounds="J'ai des références",
    )
    d4 = R.dossier(store, c, ref="2026-0004")
    R.decide(
        store,
        d4,
        "refused",
        "2026-06-15",
        reason="références insuffisantes",
        session_date="2026-06-15",
    )
    R.invoice(
        store,
        c,
        "F-2027-00001",
        "1234.56",
        "2026-11-20",
        purpose="dues-call",
        certificate_id=cert,
        dues_year=2027,
        label="Cotisation 2027",
    )
    d3 = R.dossier(
        store, c, scheme="CQPT", ref="2026-0003", route="libre", financing="plan-formation"
    )
    R.orient(store, d3)
    R.phase(store, d3, "proof", "validé", "2026-09-01")
    R.decide(store, d3, "granted", "2026-11-20", session_date="2026-11-20")
    # The steps the five later letters speak of, as their commands record them.
    d5 = R.dossier(
        store, c, ref="2026-0005", status="adjourned", decision="adjourned", decided_on="2026-06-15"
    )
    d6 = R.dossier(store, c, ref="2026-0006", status="withdrawn", closed_on="2026-04-02")
    d7 = R.dossier(
        store,
        c,
        scheme="CQPT",
        ref="2026-0007",
        route="libre",
        financing="plan-formation",
        status="inadmissible",
    )
    withdrawn = R.certificate(store, c, "ECO-2025-0009", "2025-03-10")
    with store.transaction():
        store.add_dossier_event(
            d5,
            "2026-06-15",
            "decision",
            {"decision": "adjourned", "reason": "références à compléter"},
        )
        store.add_dossier_event(d6, "2026-04-02", "withdrawn", {"reason": "raisons personnelles"})
        store.add_dossier_event(
            d7,
            "2026-03-05",
            "admissibility",
            {"decision": "inadmissible", "reason": "heures insuffisantes"},
        )
        store.update(
            "certificates",
            withdrawn,
            {
                "status": "withdrawn",
                "withdrawn_on": "2026-10-01",
                "withdraw_reason": "fausse déclaration",
            },
        )
    return {"candidate": c, "dossier": d1, "certificate": cert}


# template -> (record option, reference, texts the letter must contain)
EXPECTED = {
    "accuse-reception": (
        "--dossier",
        "2026-0001",
        ["2026-0001", "1er février 2026", "Dossier administratif", "3 février 2026"],
    ),
    "dossier-incomplet": (
        "--dossier",
        "2026-0001",
        [
            "Dossier technique : 2 exemplaires attendus, 1 reçu",
            "Contrats",
            "Demande signée (courrier)",
            "Solde des frais d'instruction (380,00 € restant dus)",
        ],
    ),
    "demande-complements": (
        "--dossier",
        "2026-0001",
        ["Attestation d'assurance 2025", "Deux références de chantier", "15 avril 2026"],
    ),
    "entretien": (
        "--dossier",
        "2026-0001",
        ["12 mai 2026 à 14 h 30", "Bernard Noël", "+33 6 12 34 56 78"],
    ),
    "notification": (
        "--dossier",
        "2026-0001",
        [
            "ECO-2026-0001",
            "15 juin 2026 au 14 juin 2030",
            "F-2026-00001",
            "210,00 €",
            "7 mois",
            "360,00 €",
        ],
    ),
    # refused on 15 June, letter of 24 November: the appeal deadline is past.
    "refus": (
        "--dossier",
        "2026-0004",
        [
            "références insuffisantes.",
            "a expiré le 15 août 2026",
            "cette décision est désormais définitive",
        ],
    ),
    "rappel-renouvellement": (
        "--certificate",
        "ECO-2026-0001",
        [
            "ECO-2026-0001",
            "14 juin 2030",
            "Certificats de capacité",
            "Attestations de formation",
            "300,00 €",
        ],
    ),
    "facture": ("--invoice", "F-2026-00001", ["F-2026-00001", "210,00 €", "15 juillet 2026"]),
    "appel-cotisation": (
        "--invoice",
        "F-2027-00001",
        ["cotisation 2027", "F-2027-00001", "1 234,56 €", "ECO-2026-0001"],
    ),
    "decision-recours": (
        "--dossier",
        "2026-0002",
        [
            "1er juillet 2026",
            "20 septembre 2026",
            "a confirmé la décision de refus",
            "Motif : les éléments apportés ne changent pas l'analyse",
        ],
    ),
    "cqpt-recevabilite": (
        "--dossier",
        "2026-0003",
        [
            "a été déclarée recevable.",
            "Évalua Télécom",
            "accès libre",
            "Le forfait d'évaluation de 300,00 € est pris en charge par le plan de formation de "
            "votre employeur",
            "Vous avez été orientée",
            "qui a conduit votre évaluation",
        ],
    ),
    "cqpt-decision": (
        "--dossier",
        "2026-0003",
        [
            "20 novembre 2026",
            "dossier de preuves : validé",
            "Certificat de qualification professionnelle",
        ],
    ),
    "ajournement": (
        "--dossier",
        "2026-0005",
        [
            "lors de sa séance du 15 juin 2026",
            "a décidé d'ajourner sa décision",
            "Motif de l'ajournement : références à compléter.",
            "Cet ajournement n'est pas un refus",
        ],
    ),
    "retrait-dossier": (
        "--dossier",
        "2026-0006",
        [
            "Nous prenons acte du retrait de votre demande de certification initiale",
            "enregistré le 2 avril 2026",
            "Motif indiqué : raisons personnelles.",
            "Votre dossier est clos.",
        ],
    ),
    "cqpt-irrecevabilite": (
        "--dossier",
        "2026-0007",
        [
            "a été transmise à AUVICOM, organisme financeur",
            "déclarée irrecevable le 5 mars 2026",
            "Motif : heures insuffisantes.",
            "au moins 1 607 heures de travail effectif",
        ],
    ),
    "retrait-certificat": (
        "--certificate",
        "ECO-2025-0009",
        [
            "qui vous avait été délivrée le 10 mars 2025 sous le n° ECO-2025-0009 ,",
            "vous est retirée à compter du 1er octobre 2026",
            "Motif du retrait : fausse déclaration.",
        ],
    ),
    "recu-paiement": (
        "--dossier",
        "2026-0001",
        [
            "Nous accusons réception de votre règlement de 100,00 € par chèque, reçu le 3 février "
            "2026, au titre des frais d'instruction",
            "Reste dû 380,00 €",
            "Il reste à régler 380,00 €",
        ],
    ),
}


PDF_SAMPLE = ("notification", "refus", "dossier-incomplet", "appel-cotisation", "recu-paiement")


@pytest.mark.parametrize("template", sorted(EXPECTED))
def test_each_template_renders_what_it_must(cli, office, tmp_path, template):
    option, ref, expected = EXPECTED[template]
    fmt = "pdf" if template in PDF_SAMPLE else "html"
    out = cli.ok(
        "letters",
        "render",
        template,
        option,
        ref,
        "--format",
        fmt,
        "--out",
        tmp_path,
        "--date",
        DAY,
        "--as",
        "claire",
    ).stdout.strip()
    path = Path(out)
    assert path.parent == tmp_path.resolve() and path.suffix == f".{fmt}"
    assert path.name.startswith(f"{DAY}_{template}_")
    text = text_of(path)
    for needed in [NAME, "Paris, le 24 novembre 2026", "12 rue des Écoles", *expected]:
        assert needed in text, (needed, text)


def test_incomplete_letter_lists_exactly_what_the_check_finds(cli, store, office, tmp_path):
    check = completeness.assess(store, store.dossier("2026-0001"))
    out = cli.ok(
        "letters",
        "render",
        "dossier-incomplet",
        "--dossier",
        "2026-0001",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stdout.strip()
    items = re.findall(r"<li>(.*?)</li>", Path(out).read_text(), re.S)
    assert [re.split(r"\s:", htmlmod.unescape(i))[0] for i in items] == [
        m.label for m in check.missing
    ]
    # A complete dossier gets no "incomplete" letter.
    R.pieces(store, office["dossier"], "technique", "contrats", "demande-signee")
    R.fee(store, office["dossier"], "380.00")
    err = cli.fails(
        "letters",
        "render",
        "dossier-incomplet",
        "--dossier",
        "2026-0001",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "'missing' is empty for dossier 2026-0001" in err


def test_render_logs_and_dry_run_does_not(cli, office, tmp_path, unchanged):
    with unchanged():
        cli.ok(
            "letters",
            "render",
            "facture",
            "--invoice",
            "F-2026-00001",
            "--format",
            "html",
            "--out",
            tmp_path,
            "--date",
            DAY,
            "--dry-run",
        )
    path = cli.ok(
        "letters",
        "render",
        "notification",
        "--dossier",
        "2026-0001",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        DAY,
        "--as",
        "claire",
    ).stdout.strip()
    assert cli.json("letters", "log", "--candidate", office["candidate"]) == [
        {
            "id": 1,
            "template": "notification",
            "candidate_id": office["candidate"],
            "dossier": "2026-0001",
            "certificate": "ECO-2026-0001",
            "invoice": "F-2026-00001",
            "date": DAY,
            "path": path,
            "format": "html",
            "by": "claire",
            "notified_on": None,
            "registered": None,
        }
    ]
    assert cli.json("letters", "log", "--dossier", "2026-0002") == []
    audit = cli.json("log", "--entity", "letter")
    assert audit[0]["action"] == "letter.render" and audit[0]["by"] == "claire"
    # Rendering the same letter again never overwrites the logged file.
    again = cli.ok(
        "letters",
        "render",
        "notification",
        "--dossier",
        "2026-0001",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stdout.strip()
    assert again == path.replace(".html", "-2.html")


def _own(folder: Path, name: str, body: str, needs="dossier") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.html").write_text(
        f'{{#- certcli\ndescription = "{name} maison"\nneeds = "{needs}"\n-#}}\n{body}',
        encoding="utf-8",
    )
    return folder


def test_missing_variable_names_template_and_variable(cli, office, tmp_path, unchanged):
    own = _own(tmp_path / "own", "relance", "<p>{{ candidate.full_name }} {{ echeance }}</p>")
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "relance",
            "--dossier",
            "2026-0001",
            "--templates",
            own,
            "--out",
            tmp_path / "out",
            "--date",
            DAY,
        ).stderr
    assert "template 'relance'" in err and "'echeance' is undefined" in err
    assert not list((tmp_path / "out").glob("*.*"))
    # A record the letter needs but that does not exist: named, with what it means.
    err = cli.fails(
        "letters",
        "render",
        "demande-complements",
        "--dossier",
        "2026-0002",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "'request' is undefined" in err and "no request for complementary" in err


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ candidate.full_name.format.__globals__ }}",
    ],
)
def test_sandbox_refuses_python_internals(cli, office, tmp_path, body):
    own = _own(tmp_path / "own", "piege", body)
    err = cli.fails(
        "letters",
        "render",
        "piege",
        "--dossier",
        "2026-0001",
        "--templates",
        own,
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "template 'piege': refused by the sandbox" in err and "is unsafe" in err


def test_template_needs_its_record(cli, office, tmp_path):
    err = cli.fails(
        "letters",
        "render",
        "rappel-renouvellement",
        "--dossier",
        "2026-0001",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "use --certificate" in err
    assert (
        "no letter template 'nope'"
        in cli.fails("letters", "render", "nope", "--dossier", "2026-0001").stderr
    )
    cli.fails("letters", "render", "../refus", "--dossier", "2026-0001")


def test_file_names_never_leave_the_output_folder(cli, store, office, tmp_path):
    with store.transaction():
        store.insert(
            "invoices",
            {
                "number": "../../../tmp/evil name",
                "kind": "invoice",
                "purpose": "other",
                "year": 2026,
                "seq": 99,
                "candidate_id": office["candidate"],
                "label": "x",
                "amount": "1.00",
                "issued_on": DAY,
            },
        )
    out = tmp_path / "out"
    path = Path(
        cli.ok(
            "letters",
            "render",
            "facture",
            "--invoice",
            "../../../tmp/evil name",
            "--format",
            "html",
            "--out",
            out,
            "--date",
            DAY,
        ).stdout.strip()
    )
    assert path.parent == out.resolve()
    assert re.fullmatch(r"[A-Za-z0-9._-]+", path.name) and ".." not in path.name
    for stem in ["../../x", "/etc/passwd", "..", "a/../../b"]:
        target = render.output_path(store, out, stem, "pdf")
        assert target.parent == out.resolve()


def test_missing_weasyprint_libraries_say_what_to_install(cli, office, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    err = cli.fails(
        "letters", "render", "refus", "--dossier", "2026-0002", "--out", tmp_path, "--date", DAY
    ).stderr
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in err and "--format html" in err
    assert cli.json("letters", "log") == []
