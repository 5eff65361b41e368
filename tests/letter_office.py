"""The office every letter test speaks of: one candidate at every stage a letter
speaks of, the texts each built-in template must contain, and a letter's visible text.
Shared by the catalog and the render tests."""

import html as htmlmod
import re
from pathlib import Path

import letter_records as R


def text_of(path: Path) -> str:
    """The letter's visible text, with every kind of space made a plain one."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        raw = " ".join(page.extract_text() for page in PdfReader(str(path)).pages)
    else:
        body = path.read_text(encoding="utf-8").split("<body>", 1)[1]
        raw = htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[\s\u202f\xa0]+", " ", raw)


def office(store) -> dict:
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
    cert = R.certificate_row(store, c, "ECO-2026-0001", "2026-06-15", dossier_id=d1)
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
        due_on="2026-12-20",  # an invoice document names its due date
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
    withdrawn = R.certificate_row(store, c, "ECO-2025-0009", "2025-03-10")
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
    # the reminders of an unpaid invoice (issue 12), rendered by hand: reprints
    "relance": (
        "--invoice",
        "F-2026-00001",
        ["relance", "F-2026-00001", "échue le 15 juillet 2026", "reste impayée", "210,00 €"],
    ),
    "relance-2": (
        "--invoice",
        "F-2026-00001",
        ["seconde relance", "F-2026-00001", "sous huit jours", "trois fois le taux", "210,00 €"],
    ),
    "mise-en-demeure": (
        "--invoice",
        "F-2026-00001",
        [
            "nous vous mettons en demeure",
            "Lettre recommandée",
            "F-2026-00001",
            "210,00 €",
            "trois fois le taux d'intérêt légal",
            "IBAN",
        ],
    ),
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


def visible_text(path) -> str:
    """The visible text of an HTML letter, every run of spaces made one plain space."""
    body = Path(path).read_text(encoding="utf-8").split("<body>", 1)[1]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[\s\u202f\xa0]+", " ", text).strip()


def render_logged(cli, template, option, ref, out, date, *extra) -> str:
    """The visible text of a letter rendered (and logged) into `out` as HTML."""
    path = (
        cli.ok(
            "letters",
            "render",
            template,
            option,
            ref,
            "--format",
            "html",
            "--out",
            out,
            "--date",
            date,
            *extra,
        )
        .stdout.strip()
        .splitlines()[0]
    )
    return visible_text(path)


def dry_run(cli, tmp_path, template, option, ref, date, *extra) -> str:
    """The visible text of a letter rendered with --dry-run (nothing logged)."""
    return render_logged(cli, template, option, ref, tmp_path, date, "--dry-run", *extra)
