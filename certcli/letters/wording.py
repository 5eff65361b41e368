"""The words a letter uses for recorded values: French labels, salutations and
agreements (a code in the database never reaches a posted letter in English)."""

from __future__ import annotations

# What the candidate asked for, as a letter names it ("votre demande de certification
# initiale"): the kind qualifies the request, never the dossier.
REQUEST_LABELS = {
    "initial": "demande de certification initiale",
    "renewal": "demande de renouvellement de certification",
    "extension": "demande d'extension de certification",
}
# A CQPT file is a candidature, examined by the funding body, not an instructor.
CQPT_REQUEST_LABEL = "candidature"
METHOD_LABELS = {"cheque": "chèque", "virement": "virement", "prelevement": "prélèvement"}
PHASE_LABELS = {
    "prediag": "Pré-diagnostic",
    "proof": "Dossier de preuves",
    "quiz": "Questionnaire",
    "situation": "Mise en situation professionnelle",
}
FEMININE_PHASES = {"situation"}  # the result agrees with the phase's noun
# `cqpt phase --result` records pass/fail; a letter never prints them in English.
RESULT_LABELS = {"pass": "validé", "fail": "non validé"}
FINANCING_LABELS = {
    "contrat-pro": "contrat de professionnalisation",
    "periode-pro": "période de professionnalisation",
    "dif-prioritaire": "DIF prioritaire",
    "dif": "DIF",
    "plan-formation": "plan de formation de votre employeur",
    "cif": "congé individuel de formation",
}
ROUTE_LABELS = {
    "contrat-pro": "contrat de professionnalisation",
    "periode-pro": "période de professionnalisation",
    "libre": "accès libre",
}
SALUTATIONS = {"Mme": "Madame", "M.": "Monsieur"}
# The ending a participle takes for the recipient ("orienté", "orientée").
AGREEMENTS = {"Mme": "e", "M.": ""}


def result_label(phase: str, result: str | None) -> str:
    """'pass' -> 'validé' ('validée' for a feminine phase); a French result as recorded."""
    label = RESULT_LABELS.get((result or "").strip().lower(), result or "")
    if label in RESULT_LABELS.values() and phase in FEMININE_PHASES:
        label += "e"
    return label
