"""The office every letter test speaks of: one candidate at every stage a letter
speaks of, the texts each built-in template must contain, and a letter's visible text.
Shared by the catalog and the render tests."""

import datetime as dt
import html as htmlmod
import re
from pathlib import Path

import builders
import letter_records as R
from builders import complete_cqpt
from commission_helpers import EVALUA, d_decide, d_report_ready
from commission_helpers import _evaluator as evaluator
from instruction_helpers import ECO_PIECES, d_instructor, d_open

from certcli.domain import (
    agenda,
    appeals,
    assignment,
    certificates,
    cqpt,
    decisions,
    dues,
    instruction,
    reception,
)

DAY = dt.date.fromisoformat


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
    """One candidate at every stage a letter speaks of, every step through the domain
    functions the commands call (the dossiers opened in reference order):
    2026-0001 granted on 15 June (after a request and an interview), 2026-0002 refused
    then confirmed on appeal, 2026-0003 a CQPT dossier granted by the CPNE,
    2026-0004 refused, 2026-0005 adjourned, 2026-0006 withdrawn, 2026-0007 a CQPT
    dossier found inadmissible, 2026-0008 still incomplete; ECO-2025-0001 granted in
    2025 and withdrawn (so 2026-0001's certificate is ECO-2026-0002: a scheme's
    certificate numbers run on across years). ECO invoices the instruction fee at its
    first payment, in the one series: the fees of 2026-0001, -0002, -0004, -0005 and
    -0008 are F-2026-00001 to F-2026-00005 (the last one part paid), 2026-0001's
    prorated dues F-2026-00006 (GRANT_DUES), the 2027 call F-2026-00007 (CALLED)."""
    c = R.candidate(store)
    withdrawn = R.number(store, R.certificate(store, c, "2025-03-10"))  # ECO-2025-0001
    noel = d_instructor(store, "Bernard Noël", specialties=("economie", "programmation"))

    def opened(scheme="ECO", **extra) -> str:
        return d_open(store, c, scheme, DAY("2026-02-01"), **extra)

    d1 = opened()
    reception.receive(store, d1, list(ECO_PIECES), date=DAY("2026-02-03"))
    reception.pay(store, d1, amount="480.00", method="cheque", date=DAY("2026-02-03"))
    reception.check(store, d1, date=DAY("2026-02-03"))
    assignment.assign(store, d1, instructor_id=noel, date=DAY("2026-02-03"))
    instruction.request(
        store,
        d1,
        items="Attestation d'assurance 2025; Deux références de chantier",
        due=DAY("2026-04-15"),
        date=DAY("2026-03-01"),
    )
    reception.receive(store, d1, [], date=DAY("2026-04-01"))  # the complement
    instruction.interview(store, d1, at="2026-05-12 14:30", date=DAY("2026-04-01"))
    instruction.report(store, d1, recommend="grant", date=DAY("2026-05-13"))
    d2 = _reported(store, c)
    d3 = opened("CQPT", route="libre", financing="plan-formation")
    d4, d5 = _reported(store, c), _reported(store, c)
    d6 = opened()
    d7 = opened("CQPT", route="libre", financing="plan-formation")
    d8 = opened()
    instruction.withdraw(store, d6, reason="raisons personnelles", date=DAY("2026-04-02"))
    complete_cqpt(store, d7, DAY("2026-03-01"))
    cqpt.admissibility(
        store, d7, accept=False, reason="heures insuffisantes", date=DAY("2026-03-05")
    )
    reception.receive(store, d8, ["administratif", "technique"], date=DAY("2026-02-03"))
    reception.pay(store, d8, amount="100.00", method="cheque", date=DAY("2026-02-03"))
    reception.check(store, d8, date=DAY("2026-02-03"))

    award = builders.session(store, "2026-06-15")
    agenda.build_agenda(store, award, date=DAY("2026-06-15"))
    for ref, decision, reason in (
        (d1, "granted", None),
        (d2, "refused", "expérience insuffisante"),
        (d4, "refused", "références insuffisantes"),
        (d5, "adjourned", "références à compléter"),
    ):
        decisions.decide(store, award, ref, decision, reason=reason, date=DAY("2026-06-15"))
    appeals.file(store, d2, reason="J'ai des références", date=DAY("2026-07-01"))
    d_decide(
        store,
        d2,
        DAY("2026-09-20"),
        "refused",
        reason="les éléments apportés ne changent pas l'analyse",
        kind="appeal",
    )
    d_cqpt_evaluated(store, d3)
    certificates.withdraw(store, withdrawn, reason="fausse déclaration", date=DAY("2026-10-01"))
    dues.call(store, 2027, date=DAY("2026-11-20"))  # CALLED, numbered in 2026
    # ECO's numbers run on from 2025's: ECO-2026-0002.
    cert = store.certificate("ECO-2026-0002")["id"]
    return {"candidate": c, "dossier": d1, "certificate": cert, "incomplete": d8}


# The office's dues invoices (see office): 2026-0001's prorated dues at the grant, and
# the 2027 call; the five invoices before them are instruction fees.
GRANT_DUES = "F-2026-00006"
CALLED = "F-2026-00007"
PART_PAID_FEE = "F-2026-00005"  # 2026-0008's fee, 100,00 € of 480,00 € paid


def _reported(store, c) -> str:
    return d_report_ready(store, c, opened=DAY("2026-02-01"), report_on=DAY("2026-05-13"))


def d_cqpt_evaluated(store, ref: str) -> None:
    """A CQPT dossier of the libre route, admitted (on the funding body's own check),
    oriented to Évalua Télécom, evaluated and granted by the CPNE on 20 November."""
    complete_cqpt(store, ref, DAY("2026-03-01"))
    cqpt.admissibility(
        store, ref, accept=True, override="attestation de l'employeur", date=DAY("2026-03-05")
    )
    cqpt.orient(store, ref, evaluator_id=evaluator(store, **EVALUA), date=DAY("2026-03-05"))
    for phase in cqpt.DEFAULT_PHASES:
        cqpt.record_phase(store, ref, phase, result="pass", date=DAY("2026-09-01"))
    cpne = builders.session(store, "2026-11-20", "cpne")
    cqpt.transmit(store, ref, session_id=cpne, date=DAY("2026-09-02"))
    decisions.decide(store, cpne, ref, "granted", date=DAY("2026-11-20"))


# template -> (record option, reference, texts the letter must contain)
EXPECTED = {
    "accuse-reception": (
        "--dossier",
        "2026-0001",
        ["2026-0001", "1er février 2026", "Dossier administratif", "3 février 2026"],
    ),
    "dossier-incomplet": (
        "--dossier",
        "2026-0008",
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
            "ECO-2026-0002",
            "15 juin 2026 au 14 juin 2030",
            GRANT_DUES,
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
        "ECO-2026-0002",
        [
            "ECO-2026-0002",
            "14 juin 2030",
            "Certificats de capacité",
            "Attestations de formation",
            "300,00 €",
        ],
    ),
    "attestation": (
        "--certificate",
        "ECO-2026-0002",
        [
            "Attestation de certification",
            "ECO-2026-0002",
            "du 15 juin 2026 au 14 juin 2030 inclus",
            "Code de vérification",
        ],
    ),
    "facture": ("--invoice", GRANT_DUES, [GRANT_DUES, "210,00 €", "15 juillet 2026"]),
    # the reminders of an unpaid invoice (issue 12), rendered by hand: reprints
    "relance": (
        "--invoice",
        GRANT_DUES,
        ["relance", GRANT_DUES, "échue le 15 juillet 2026", "reste impayée", "210,00 €"],
    ),
    "relance-2": (
        "--invoice",
        GRANT_DUES,
        ["seconde relance", GRANT_DUES, "sous huit jours", "trois fois le taux", "210,00 €"],
    ),
    "mise-en-demeure": (
        "--invoice",
        GRANT_DUES,
        [
            "nous vous mettons en demeure",
            "Lettre recommandée",
            GRANT_DUES,
            "210,00 €",
            "trois fois le taux d'intérêt légal",
            "IBAN",
        ],
    ),
    "appel-cotisation": (
        "--invoice",
        CALLED,
        ["cotisation 2027", CALLED, "360,00 €", "ECO-2026-0002"],
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
        "ECO-2025-0001",
        [
            "qui vous avait été délivrée le 10 mars 2025 sous le n° ECO-2025-0001 ,",
            "vous est retirée à compter du 1er octobre 2026",
            "Motif du retrait : fausse déclaration.",
        ],
    ),
    "recu-paiement": (
        "--dossier",
        "2026-0008",
        [
            "Nous accusons réception de votre règlement de 100,00 € par chèque, reçu le 3 février "
            "2026, au titre des frais d'instruction",
            f"(dossier n° 2026-0008), en règlement de la facture n° {PART_PAID_FEE}.",
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
