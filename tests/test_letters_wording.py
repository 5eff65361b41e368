"""The wording of the letters after their visual review: French typography, the
request's kind, invoices that may or may not be asked for, reminders once a date is
past, the appeal wording shared by the two refusals, CQPT results and funding, and
the grant letters of an extension, a renewal and a granted appeal. HTML only."""

import datetime as dt
import html as htmlmod
import re
from decimal import Decimal
from pathlib import Path

import builders
import letter_records as R
import pytest
from commission_helpers import d_decide, d_oriented, d_renewed, d_report_ready
from instruction_helpers import d_complete, d_open

from certcli.demo import people
from certcli.domain import appeals, cqpt, decisions, instruction, invoices, reception

DAY = dt.date.fromisoformat


def letter(cli, tmp_path, template, option, ref, date):
    """(the body's raw HTML, its visible text with every space made a plain one)."""
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
            tmp_path,
            "--date",
            date,
            "--dry-run",
        )
        .stdout.strip()
        .splitlines()[0]
    )
    body = Path(path).read_text(encoding="utf-8").split("<body>", 1)[1]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))
    return body, re.sub(r"[\s\u202f\xa0]+", " ", text)


@pytest.fixture
def cid(store):
    return R.candidate(store)


def test_acknowledgement_names_the_request_and_counts_copies(cli, store, cid, tmp_path):
    # ECO-2025-0001 (dossier 2025-0001) is what the renewal dossier below continues.
    holding = R.number(store, R.certificate(store, cid, "2025-06-16"))
    ref = d_open(store, cid, date=DAY("2026-12-01"))
    assert ref == "2026-0001"
    reception.receive(store, ref, ["administratif", "technique"], date=DAY("2026-12-01"))
    raw, text = letter(cli, tmp_path, "accuse-reception", "--dossier", "2026-0001", "2026-12-02")
    assert "Objet&nbsp;: accusé de réception de votre dossier n°&nbsp;2026-0001" in raw
    assert "Dossier&nbsp;: 2026-0001" in raw
    assert "«&nbsp;Économiste de la construction&nbsp;»" in raw
    assert (
        "Nous accusons réception de votre demande de certification initiale « Économiste "
        "de la construction », enregistrée le 1er décembre 2026"
    ) in text
    assert "Dossier administratif (date de réception : 1er décembre 2026)" in text
    assert "Dossier technique, 1 exemplaire sur 2 (date de réception" in text
    assert (
        "il manque les éléments suivants : Contrats Dossier technique : 2 exemplaires "
        "attendus, 1 reçu Demande signée" in text
    )
    assert "reçu le" not in text and "dossier initiale" not in text

    renewal = d_open(store, cid, date=DAY("2026-12-01"), kind="renewal", certificate=holding)
    assert renewal == "2026-0002"
    _, text = letter(cli, tmp_path, "dossier-incomplet", "--dossier", "2026-0002", "2026-12-02")
    assert (
        "Nous avons examiné votre demande de renouvellement de certification « Économiste" in text
        and "il manque les éléments suivants : Dossier administratif" in text
    )


# -- invoices --------------------------------------------------------------------------------
@pytest.fixture
def billed(store, cid):
    """F-2026-00002: the grant's prorated dues (210.00), paid in full (after F-2026-00001,
    the instruction fee's, issued at its payment); F-2026-00003 and -00004, 360.00 each
    of 1 July (due 31 July), issued by invoices.issue on the granted dossier (a
    certificate has one dues invoice a year): one paid 250.00, one cancelled."""
    cert = R.certificate(store, cid, "2026-06-15")
    grant = store.all("SELECT number, amount FROM invoices WHERE certificate_id = ?", (cert,))
    assert [(r["number"], r["amount"]) for r in grant] == [("F-2026-00002", "210.00")]
    dossier = store.certificate_periods(cert)[0]["dossier_id"]
    for n in (3, 4):
        issued = invoices.issue(
            store,
            candidate_id=cid,
            amount=Decimal("360.00"),
            label="Cotisation 2026",
            purpose="dues-call",
            date=dt.date(2026, 7, 1),
            dossier_id=dossier,  # billed by the ECO scheme's body, OPQTECC
        )
        assert (issued.number, issued.due_on) == (f"F-2026-0000{n}", "2026-07-31")
    invoices.pay(
        store, "F-2026-00002", "210.00", method="cheque", reference=None, date=dt.date(2026, 7, 10)
    )
    invoices.pay(
        store,
        "F-2026-00003",
        "250.00",
        method="virement",
        reference=None,
        date=dt.date(2026, 7, 10),
    )
    invoices.cancel(store, "F-2026-00004", reason="exonération", date=dt.date(2026, 7, 12))
    return cert


def test_no_payment_request_for_a_credit_note_a_cancelled_or_a_paid_invoice(
    cli, store, billed, tmp_path, unchanged
):
    with unchanged():
        for number, says in (
            (
                "AV-2026-00001",
                "AV-2026-00001 is a credit note (it cancels F-2026-00004): "
                "no payment is asked on it",
            ),
            ("F-2026-00004", "invoice F-2026-00004 was cancelled by AV-2026-00001"),
            ("F-2026-00002", "invoice F-2026-00002 is paid in full: nothing to ask for"),
        ):
            err = cli.fails(
                "letters",
                "render",
                "appel-cotisation",
                "--invoice",
                number,
                "--out",
                tmp_path / "out",
                "--date",
                "2026-07-20",
            ).stderr
            assert f"template 'appel-cotisation': {says}" in err
            assert f"certcli letters render facture --invoice {number}" in err
    assert not (tmp_path / "out").exists()


def test_invoice_letters_ask_for_the_balance_or_say_what_became_of_it(cli, store, billed, tmp_path):
    _, text = letter(cli, tmp_path, "appel-cotisation", "--invoice", "F-2026-00003", "2026-07-20")
    assert "Reste à payer 110,00 €" in text
    assert (
        "Merci de régler la somme de 110,00 € au plus tard le 31 juillet 2026, par "
        "virement ou par chèque, en rappelant le numéro F-2026-00003."
    ) in text
    assert "Chèque à l'ordre de : OPQTECC" in text
    assert "TVA non applicable, art. 293 B du CGI." in text
    # Past the due date, a reminder rather than a deadline already gone.
    _, late = letter(cli, tmp_path, "facture", "--invoice", "F-2026-00003", "2026-09-01")
    assert (
        "Sauf erreur de notre part, cette facture, échue le 31 juillet 2026, reste "
        "impayée pour 110,00 € ; merci de la régler sous quinze jours"
    ) in late
    assert "au plus tard" not in late

    _, credit = letter(cli, tmp_path, "facture", "--invoice", "AV-2026-00001", "2026-09-01")
    assert "Avoir : AV-2026-00001" in credit and "Facture : AV" not in credit
    assert (
        "l'avoir n° AV-2026-00001 émis le 12 juillet 2026, qui annule la facture "
        "n° F-2026-00004 du 1er juillet 2026."
    ) in credit
    # A credit note's amounts are positive: it is titled "Avoir" and names what it cancels.
    assert "Total TTC 360,00 €" in credit and "régler" not in credit
    assert "Annule la facture n° F-2026-00004 du 1er juillet 2026" in credit

    _, cancelled = letter(cli, tmp_path, "facture", "--invoice", "F-2026-00004", "2026-09-01")
    assert (
        "Facture annulée par l'avoir n° AV-2026-00001 du 12 juillet 2026. Elle n'est plus à régler."
    ) in cancelled and "Merci de régler" not in cancelled
    _, paid = letter(cli, tmp_path, "facture", "--invoice", "F-2026-00002", "2026-09-01")
    assert "Cette facture est entièrement réglée." in paid and "Chèque" not in paid


# -- request for complementary elements -----------------------------------------------------
def test_request_agrees_with_its_items_and_becomes_a_reminder(cli, store, cid, tmp_path):
    ref = d_complete(store, cid, date=DAY("2026-03-01"))  # 2026-0001, in instruction
    instruction.request(
        store,
        ref,
        items="Attestation employeur 2025",
        due=DAY("2026-04-15"),
        date=DAY("2026-03-01"),
    )
    _, text = letter(cli, tmp_path, "demande-complements", "--dossier", "2026-0001", "2026-03-02")
    assert "nécessite l'élément complémentaire suivant : Attestation employeur 2025" in text
    assert "Nous vous remercions de nous le faire parvenir au plus tard le 15 avril 2026" in text
    _, late = letter(cli, tmp_path, "demande-complements", "--dossier", "2026-0001", "2026-04-16")
    assert "Objet : relance – demande d'éléments complémentaires" in late
    assert (
        "Sauf erreur de notre part, il ne nous est pas parvenu à la date prévue, le "
        "15 avril 2026, et l'instruction de votre dossier est suspendue."
    ) in late
    assert "au plus tard" not in late

    instruction.request(
        store,
        ref,
        items="Attestation; Deux références",
        due=DAY("2026-06-01"),
        date=DAY("2026-05-01"),
    )
    _, two = letter(cli, tmp_path, "demande-complements", "--dossier", "2026-0001", "2026-05-02")
    assert "les éléments complémentaires suivants" in two and "nous les faire parvenir" in two


# -- refusals and CQPT ----------------------------------------------------------------
def test_refusal_names_the_request_and_never_doubles_the_full_stop(cli, store, cid, tmp_path):
    ref = d_report_ready(store, cid, opened=DAY("2026-04-01"), report_on=DAY("2026-05-01"))
    d_decide(store, ref, DAY("2026-06-15"), "refused", reason="Références insuffisantes.")
    _, text = letter(cli, tmp_path, "refus", "--dossier", "2026-0001", "2026-06-16")
    assert (
        "« Économiste de la construction » que vous aviez demandée (dossier n° 2026-0001)." in text
    )
    assert "Motif de la décision : Références insuffisantes. " in text and ".." not in text
    assert (
        "Vous pouvez contester cette décision devant la Commission de recours. Votre "
        "demande de recours, motivée, doit parvenir au secrétariat au plus tard le "
        "15 août 2026 (2 mois après la décision)."
    ) in text
    _, final = letter(cli, tmp_path, "refus", "--dossier", "2026-0001", "2026-08-16")
    assert (
        "Le délai de recours (2 mois après la décision) a expiré le 15 août 2026 sans "
        "qu'une demande nous soit parvenue : cette décision est désormais définitive."
    ) in final and "au plus tard" not in final


def test_cqpt_decision_in_french_with_the_cpne_review(cli, store, cid, tmp_path):
    ref = d_oriented(store, cid, DAY("2026-08-01"))  # 2026-0001
    cqpt.prediag(store, ref, score="12", date=DAY("2026-08-20"))
    for phase, result, on in (
        ("proof", "pass", "2026-09-01"),
        ("quiz", "pass", "2026-09-02"),
        ("situation", "fail", "2026-09-03"),
    ):
        cqpt.record_phase(store, ref, phase, result=result, date=DAY(on))
    cpne = builders.session(store, "2026-10-05", "cpne")
    cqpt.transmit(store, ref, session_id=cpne, date=DAY("2026-09-04"))
    decisions.decide(
        store, cpne, ref, "refused", reason="Mise en situation non validée.", date=DAY("2026-10-05")
    )
    _, text = letter(cli, tmp_path, "cqpt-decision", "--dossier", "2026-0001", "2026-10-06")
    assert (
        "résultats de votre évaluation (dossier de preuves : validé ; questionnaire : "
        "validé ; mise en situation professionnelle : non validée)."
    ) in text
    assert "pré-diagnostic" not in text and "pass" not in text and "fail" not in text
    assert "Motif de la décision : Mise en situation non validée. " in text
    assert (
        "Vous pouvez demander à la CPNE des télécommunications le réexamen de votre "
        "candidature. Votre demande de réexamen, motivée, doit parvenir au secrétariat "
        "au plus tard le 5 décembre 2026"
    ) in text
    _, final = letter(cli, tmp_path, "cqpt-decision", "--dossier", "2026-0001", "2026-12-06")
    assert "Le délai de réexamen (2 mois après la décision) a expiré le 5 décembre 2026" in final


@pytest.mark.parametrize(
    "financing, civility, says",
    [
        (
            "contrat-pro",
            "M.",
            "Au titre de votre contrat de professionnalisation, votre évaluation "
            "est prise en charge par AUVICOM, pour un forfait de 300,00 €.",
        ),
        (
            "cif",
            "Mme",
            "Votre évaluation relevant d'un congé individuel de formation, sa prise en "
            "charge est à demander directement au Fongecif.",
        ),
        (
            "dif",
            None,
            "Le forfait d'évaluation de 300,00 € est pris en charge par le plan de "
            "formation de votre employeur, Fibre Services Est.",
        ),
    ],
)
def test_cqpt_admissibility_says_who_funds_this_dossier(
    cli, store, tmp_path, financing, civility, says
):
    cid = R.candidate(store, civility=civility, employer="Fibre Services Est")
    d_oriented(store, cid, DAY("2026-03-01"), financing=financing)  # 2026-0001
    _, text = letter(cli, tmp_path, "cqpt-recevabilite", "--dossier", "2026-0001", "2026-04-10")
    assert "a été déclarée recevable." in text and says in text
    assert "administrativement recevable" not in text and "par AUVICOM." not in text
    ending = {"M.": "orienté", "Mme": "orientée", None: "orienté(e)"}[civility]
    assert f"Vous êtes {ending} vers l'organisme évaluateur Évalua Télécom" in text
    assert "qui prendra contact avec vous pour organiser l'évaluation" in text


def test_cqpt_admissibility_after_the_evaluation(cli, store, cid, tmp_path):
    # The register has no branch period for the candidate: the funding body accepted
    # them on their employer's certificate.
    ref = d_oriented(
        store, cid, DAY("2026-08-01"), route="libre", override="attestation de l'employeur"
    )  # 2026-0001
    for phase in ("proof", "quiz", "situation"):
        cqpt.record_phase(store, ref, phase, result="pass", date=DAY("2026-09-01"))
    _, text = letter(cli, tmp_path, "cqpt-recevabilite", "--dossier", "2026-0001", "2026-09-02")
    assert "Vous avez été orientée vers l'organisme évaluateur Évalua Télécom" in text
    assert "qui a conduit votre évaluation en trois phases" in text
    assert "prendra contact" not in text


# -- extension, renewal, granted appeal -----------------------------------------------------
@pytest.mark.today("2030-05-20")  # the renewal's day
def test_extension_and_renewal_notifications(cli, store, cid, tmp_path):
    first = d_report_ready(
        store, cid, opened=DAY("2026-04-01"), report_on=DAY("2026-05-01"), mentions=["OPC"]
    )
    assert d_decide(store, first, DAY("2026-06-15")).certificate == "ECO-2026-0001"
    ext = d_report_ready(
        store,
        cid,
        kind="extension",
        certificate="ECO-2026-0001",
        mention="BIM",
        opened=DAY("2027-01-05"),
        report_on=DAY("2027-02-01"),
    )
    assert ext == "2027-0001"
    assert d_decide(store, ext, DAY("2027-03-10")).mentions == ["OPC", "BIM"]
    _, text = letter(cli, tmp_path, "notification", "--dossier", "2027-0001", "2027-03-11")
    assert "Objet : extension de votre certification « Économiste de la construction »" in text
    assert (
        "a accordé l'extension de votre certification « Économiste de la construction » "
        "à la mention BIM."
    ) in text
    assert (
        "Votre certificat n° ECO-2026-0001 porte désormais les mentions OPC et BIM. Il "
        "reste valable jusqu'au 14 juin 2030 inclus."
    ) in text
    assert "vous a accordé la certification" not in text and "valable du" not in text

    renewed = d_renewed(store, "ECO-2026-0001", "2030-05-20")  # dossier 2030-0001
    assert (renewed.ref, renewed.valid_until) == ("2030-0001", "2034-06-14")
    _, text = letter(cli, tmp_path, "notification", "--dossier", "2030-0001", "2030-05-21")
    assert (
        "réunie le 20 mai 2030, a renouvelé votre certification « Économiste de la "
        "construction », avec les mentions OPC et BIM."
    ) in text
    assert "Il est valable du 15 juin 2030 au 14 juin 2034 inclus." in text


def test_granted_appeal_gives_the_validity_and_the_dues_invoice(cli, store, cid, tmp_path):
    ref = d_report_ready(store, cid, opened=DAY("2026-04-01"), report_on=DAY("2026-05-01"))
    d_decide(store, ref, DAY("2026-06-15"), "refused", reason="insuffisant")
    appeals.file(store, ref, date=DAY("2026-07-01"), reason="J'ai des références")
    granted = d_decide(
        store, ref, DAY("2026-09-14"), "granted", reason="références probantes", kind="appeal"
    )
    assert (granted.certificate, granted.invoice, granted.amount) == (
        "ECO-2026-0001",
        "F-2026-00002",  # the prorated dues, after the fee's F-2026-00001
        Decimal("120.00"),
    )
    _, text = letter(cli, tmp_path, "decision-recours", "--dossier", "2026-0001", "2026-09-15")
    assert (
        "Motif : références probantes. Votre certificat porte le numéro ECO-2026-0001 . "
        "Il est valable du 14 septembre 2026 au 13 septembre 2030 inclus." in text
    )
    assert "F-2026-00002" in text and "soit 4 mois" in text and "F-2026-00001" not in text
    assert "Merci de régler la somme de 120,00 € au plus tard le 14 octobre 2026" in text


# -- the demo's civilities ------------------------------------------------------------------
def test_demo_civility_follows_the_first_name():
    import random

    names = people.Names(random.Random(7))
    drawn = [names.person(specialty="economie") for _ in range(60)]
    assert len(people.FIRST) == 24 and not set(people.FEMININE) & set(people.MASCULINE)
    for person in drawn:
        expected = "Mme" if person["first_name"] in people.FEMININE else "M."
        assert person["civility"] == expected, person
    assert {p["civility"] for p in drawn} == {"M.", "Mme"}
