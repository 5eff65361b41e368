"""What a letter says (certcli/letters/context.py): a notification quotes its own
invoice, period and mentions, a letter is never dated before the invoice it encloses,
the acknowledgement follows its scheme's route, a refusal after an appeal speaks of
the first decision, and the letters of adjournment, inadmissibility, withdrawal,
granted appeal and the fee receipt."""

from decimal import Decimal
from pathlib import Path

import letter_records as R
import pytest
from builders import addressed, complete_cqpt
from commission_helpers import decide_at, refused, report_ready, session
from instruction_helpers import d_open
from letter_office import dry_run, render_logged, visible_text

from certcli.domain import invoices, reception


@pytest.fixture
def cid(store):
    return R.candidate(store)


# -- the notification and its invoice ------------------------------------------------------
def test_notification_quotes_the_months_of_its_invoice(cli, store, cid, tmp_path):
    ref = report_ready(cli, store, report_on="2026-09-01", candidate=cid)
    sid = session(cli, "2026-09-30")
    cli.ok("commission", "agenda", sid, "--date", "2026-09-15")
    data = cli.json(
        "commission",
        "decide",
        sid,
        ref,
        "--grant",
        "--letter",
        "--date",
        "2026-10-02",
        "--format",
        "html",
        "--out",
        tmp_path,
    )
    invoice = invoices.get(store, data["invoice"])
    assert invoice.label.endswith("(4/12 mois)") and invoice.amount == Decimal("120.00")
    assert invoice.issued_on == "2026-10-02"
    # Dated on the invoice's day, not the session's: never before what it encloses.
    assert Path(data["letter"]).name == f"2026-10-02_notification_{ref}.html"
    text = visible_text(data["letter"])
    assert "Paris, le 2 octobre 2026" in text
    assert "au prorata des mois restants de l'année en cours, soit 4 mois" in text
    assert (
        f"{invoice.number} Cotisation annuelle ECO 2026 (4/12 mois) 2 octobre 2026 120,00 €" in text
    )
    assert "3 mois" not in text

    # Reprinted later, it still quotes the invoice; dated before it, it is refused.
    assert "soit 4 mois" in dry_run(cli, tmp_path, "notification", "--dossier", ref, "2026-12-15")
    err = cli.fails(
        "letters",
        "render",
        "notification",
        "--dossier",
        ref,
        "--date",
        "2026-09-30",
        "--format",
        "html",
        "--out",
        tmp_path,
    ).stderr
    assert (
        f"the letter cannot be dated 2026-09-30, before the invoice it encloses "
        f"({invoice.number}, issued on 2026-10-02)"
    ) in err
    err = cli.fails(
        "letters",
        "render",
        "facture",
        "--invoice",
        invoice.number,
        "--date",
        "2026-10-01",
        "--format",
        "html",
        "--out",
        tmp_path,
    ).stderr
    assert "before the invoice it encloses" in err


def test_an_older_invoice_is_read_from_its_label(cli, store, cid, tmp_path):
    """An invoice issued before months were recorded keeps them in its label."""
    cert = R.certificate(store, cid, "2026-06-30")  # dossier 2026-0001, invoice F-2026-00001
    (grant,) = store.all("SELECT * FROM invoices WHERE certificate_id = ?", (cert,))
    assert (grant["label"], grant["prorata_months"]) == (
        "Cotisation annuelle ECO 2026 (7/12 mois)",
        7,
    )
    with store.transaction():  # legacy data: the months were not recorded then
        store.update("invoices", grant["id"], {"prorata_months": None})
    text = dry_run(cli, tmp_path, "notification", "--dossier", "2026-0001", "2026-07-03")
    assert "soit 7 mois" in text and "6 mois" not in text


# -- every letter follows its scheme's route -----------------------------------------------
def cqpt_dossier(store, cid, opened: str, route="contrat-pro") -> str:
    """A CQPT dossier through dossiers.open_dossier (what `dossier add` calls)."""
    return d_open(store, cid, "CQPT", R.day(opened), route=route, financing=route)


def test_cqpt_acknowledgement_describes_the_cqpt_route(cli, store, cid, tmp_path):
    ref = cqpt_dossier(store, cid, "2026-03-01")  # 2026-0001
    reception.receive(store, ref, ["candidature"], date=R.day("2026-03-02"))
    # Incomplete: what is missing holds up the funding body's check, not an instruction.
    text = dry_run(cli, tmp_path, "accuse-reception", "--dossier", "2026-0001", "2026-03-02")
    assert (
        "Nous accusons réception de votre candidature au « Certificat de qualification "
        "professionnelle des télécommunications » (contrat de professionnalisation), "
        "enregistrée le 1er mars 2026"
    ) in text
    assert (
        "Pour que votre dossier puisse être transmis à AUVICOM pour l'examen de sa "
        "recevabilité, il manque les éléments suivants : Pièce d'identité"
    ) in text
    text = dry_run(cli, tmp_path, "dossier-incomplet", "--dossier", "2026-0001", "2026-03-02")
    assert (
        "Elle ne peut pas encore être transmise à AUVICOM, organisme financeur, pour "
        "l'examen de sa recevabilité administrative"
    ) in text
    assert "Dès réception de ces éléments, votre dossier sera transmis à AUVICOM." in text

    # Complete, through the commands the secretariat runs.
    cli.ok(
        "dossier",
        "receive",
        "2026-0001",
        "piece-identite",
        "attestation-employeur",
        "--date",
        "2026-03-03",
    )
    data = cli.json(
        "dossier",
        "check",
        "2026-0001",
        "--date",
        "2026-03-04",
        "--letter",
        "--format",
        "html",
        "--out",
        tmp_path,
    )
    assert data["status"] == "complete"
    text = visible_text(data["letter"])
    assert (
        "Votre dossier est complet : il est transmis à AUVICOM, organisme financeur, qui "
        "en vérifie la recevabilité administrative. Si votre candidature est recevable, "
        "vous serez orientée vers un organisme évaluateur"
    ) in text
    for opqtecc_only in (
        "instructeur",
        "instruction",
        "certification initiale",
        "demande de certification",
    ):
        assert opqtecc_only not in text, opqtecc_only


def test_opqtecc_acknowledgement_keeps_the_instruction_route(cli, store, cid, tmp_path):
    ref = d_open(store, cid, date=R.day("2026-03-01"))  # 2026-0001
    reception.receive(store, ref, ["administratif"], date=R.day("2026-03-02"))
    text = dry_run(cli, tmp_path, "accuse-reception", "--dossier", "2026-0001", "2026-03-02")
    assert "votre demande de certification initiale « Économiste de la construction »" in text
    assert "Pour que l'instruction puisse commencer" in text and "AUVICOM" not in text


# -- the letters that did not exist, each wired to its step's --letter ---------------------
HTML = ("--letter", "--format", "html")


def logged(cli, ref):
    return [(r["template"], r["date"]) for r in cli.json("letters", "log", "--dossier", ref)]


def on_agenda(cli, store, cid, day="2026-06-15") -> tuple[int, str]:
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=cid)
    sid = session(cli, day)
    cli.ok("commission", "agenda", sid, "--date", day)
    return sid, ref


def test_adjournment_letter(cli, store, cid, tmp_path):
    sid, ref = on_agenda(cli, store, cid)
    data = cli.json(
        "commission",
        "decide",
        sid,
        ref,
        "--adjourn",
        "--reason",
        "références de chantier à préciser",
        "--date",
        "2026-06-17",
        *HTML,
        "--out",
        tmp_path,
    )
    assert data["decision"] == "adjourned"
    assert Path(data["letter"]).name == f"2026-06-15_ajournement_{ref}.html"
    text = visible_text(data["letter"])
    assert (
        "La Commission d'attribution, lors de sa séance du 15 juin 2026, a examiné votre "
        "demande de certification initiale « Économiste de la construction » (dossier n° "
        f"{ref}) et a décidé d'ajourner sa décision."
    ) in text
    assert "Motif de l'ajournement : références de chantier à préciser." in text
    assert "Cet ajournement n'est pas un refus : votre dossier reste en instruction." in text
    assert "recours" not in text
    assert logged(cli, ref) == [("ajournement", "2026-06-15")]
    # Not for a dossier that was not adjourned.
    sid2, other = on_agenda(cli, store, R.candidate(store, "Paul", "Roy", "M."), "2026-07-15")
    err = cli.fails(
        "letters", "render", "ajournement", "--dossier", other, "--out", tmp_path
    ).stderr
    assert (
        f"dossier {other} is 'on_agenda': an adjournment letter goes to a dossier whose "
        "latest decision is an adjournment" in err
    )


def test_inadmissibility_letter(cli, store, cid, tmp_path, unchanged):
    complete_cqpt(store, cqpt_dossier(store, cid, "2026-03-01"), R.day("2026-03-01"))
    with unchanged():
        err = cli.fails(
            "cqpt",
            "admissibility",
            "2026-0001",
            "--accept",
            "--date",
            "2026-03-05",
            *HTML,
            "--out",
            tmp_path,
        ).stderr
    assert "the admissibility letter (cqpt-recevabilite) names the evaluator" in err
    data = cli.json(
        "cqpt",
        "admissibility",
        "2026-0001",
        "--reject",
        "--reason",
        "attestation de l'employeur non signée",
        "--date",
        "2026-03-05",
        *HTML,
        "--out",
        tmp_path,
    )
    assert data["status"] == "inadmissible"
    text = visible_text(data["letter"])
    assert (
        "Votre candidature au « Certificat de qualification professionnelle des "
        "télécommunications » (référence 2026-0001, contrat de professionnalisation) a été "
        "transmise à AUVICOM, organisme financeur, qui en a examiné la recevabilité "
        "administrative."
    ) in text
    assert "elle a été déclarée irrecevable le 5 mars 2026." in text
    assert "Motif : attestation de l'employeur non signée." in text
    assert "Votre candidature ne peut donc pas être orientée vers un organisme évaluateur." in text
    assert "accès libre" not in text  # the free-access rule is recalled to free access only
    # The admissibility letter names what the dossier really is instead of failing.
    err = cli.fails(
        "letters", "render", "cqpt-recevabilite", "--dossier", "2026-0001", "--out", tmp_path
    ).stderr
    assert (
        "dossier 2026-0001 was declared inadmissible on 2026-03-05: its letter is "
        "cqpt-irrecevabilite"
    ) in err and "undefined" not in err


def test_dossier_withdrawal_letter(cli, store, cid, tmp_path):
    sid, ref = on_agenda(cli, store, cid)
    other = d_open(store, cid, date=R.day("2026-06-01"))  # open, not withdrawn
    data = cli.json(
        "dossier",
        "withdraw",
        ref,
        "--reason",
        "courrier du 3 juin",
        "--date",
        "2026-06-05",
        *HTML,
        "--out",
        tmp_path,
    )
    assert data["removed_from_agenda"] == [sid]
    text = visible_text(data["letter"])
    assert (
        "Nous prenons acte du retrait de votre demande de certification initiale « "
        f"Économiste de la construction » (référence {ref}), que nous avons enregistré le "
        "5 juin 2026."
    ) in text
    assert "Motif indiqué : courrier du 3 juin." in text
    assert (
        "Votre dossier est clos et a été retiré de l'ordre du jour de la séance du 15 juin 2026."
    ) in text
    assert logged(cli, ref) == [("retrait-dossier", "2026-06-05")]
    assert (
        other
        and "not withdrawn"
        in cli.fails(
            "letters", "render", "retrait-dossier", "--dossier", other, "--out", tmp_path
        ).stderr
    )
    assert (
        "before the withdrawal (2026-06-05)"
        in cli.fails(
            "letters",
            "render",
            "retrait-dossier",
            "--dossier",
            ref,
            "--date",
            "2026-06-04",
            "--out",
            tmp_path,
        ).stderr
    )


def test_certificate_withdrawal_letter(cli, store, cid, tmp_path):
    sid, ref = on_agenda(cli, store, cid)
    number = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")[
        "certificate"
    ]
    err = cli.fails(
        "letters", "render", "retrait-certificat", "--certificate", number, "--out", tmp_path
    ).stderr
    assert f"certificate {number} is not withdrawn" in err
    data = cli.json(
        "certificate",
        "withdraw",
        number,
        "--reason",
        "fausse déclaration",
        "--date",
        "2026-10-01",
        *HTML,
        "--out",
        tmp_path,
    )
    assert data["status"] == "withdrawn"
    assert Path(data["letter"]).name == f"2026-10-01_retrait-certificat_{number}.html"
    text = visible_text(data["letter"])
    assert (
        "la certification « Économiste de la construction », qui vous avait été délivrée "
        f"le 15 juin 2026 sous le n° {number} , vous est retirée à compter du 1er octobre "
        "2026 ."
    ) in text
    assert "Motif du retrait : fausse déclaration." in text
    assert "cette certification n'est plus valable" in text
    assert "liste publique" not in text  # the holder never consented to the directory
    rows = cli.json("letters", "log", "--candidate", cid)
    assert [(r["template"], r["certificate"]) for r in rows][-1] == ("retrait-certificat", number)


def test_fee_receipt(cli, store, tmp_path):
    cid = R.candidate(store)  # salarie, as builders.candidate records
    assert d_open(store, cid, date=R.day("2026-03-01")) == "2026-0001"
    err = cli.fails(
        "letters", "render", "recu-paiement", "--dossier", "2026-0001", "--out", tmp_path
    ).stderr
    assert "no instruction fee payment is recorded for dossier 2026-0001" in err
    data = cli.json(
        "dossier",
        "pay",
        "2026-0001",
        "--amount",
        "200.00",
        "--method",
        "cheque",
        "--reference",
        "1234567",
        "--date",
        "2026-03-02",
        *HTML,
        "--out",
        tmp_path,
    )
    # ECO invoices the fee at its first payment: the receipt names that invoice
    assert (data["invoice"], data["invoice_status"]) == ("F-2026-00001", "open")
    text = visible_text(data["letter"])
    assert (
        "Nous accusons réception de votre règlement de 200,00 € par chèque (n° 1234567), "
        "reçu le 2 mars 2026, au titre des frais d'instruction de votre demande de "
        "certification initiale « Économiste de la construction » (dossier n° 2026-0001), "
        "en règlement de la facture n° F-2026-00001."
    ) in text
    assert "2 mars 2026 Chèque 1234567 200,00 €" in text
    assert ("Frais d'instruction 480,00 € Total réglé 200,00 € Reste dû 280,00 €") in text
    assert "Il reste à régler 280,00 €" in text
    data = cli.json(
        "dossier",
        "pay",
        "2026-0001",
        "--amount",
        "280.00",
        "--method",
        "virement",
        "--reference",
        "VIR-88",
        "--date",
        "2026-03-09",
        *HTML,
        "--out",
        tmp_path,
    )
    assert (data["invoice"], data["invoice_status"]) == ("F-2026-00001", "paid")
    text = visible_text(data["letter"])
    assert "règlement de 280,00 € par virement (référence VIR-88), reçu le 9 mars 2026" in text
    assert "en règlement de la facture n° F-2026-00001." in text
    assert "Total réglé 480,00 € Reste dû 0,00 €" in text
    assert "Les frais d'instruction (480,00 €) sont entièrement réglés." in text
    # Dated between the two payments, a receipt speaks of the first one only.
    text = dry_run(cli, tmp_path, "recu-paiement", "--dossier", "2026-0001", "2026-03-05")
    assert "règlement de 200,00 € par chèque" in text and "VIR-88" not in text
    assert logged(cli, "2026-0001") == [
        ("recu-paiement", "2026-03-02"),
        ("recu-paiement", "2026-03-09"),
    ]


def test_refusal_after_the_appeal_speaks_of_the_first_decision(cli, store, tmp_path):
    ref = refused(cli, store)
    first = render_logged(cli, "refus", "--dossier", ref, tmp_path, "2026-06-16")
    assert "Commission d'attribution, lors de sa séance du 15 juin 2026" in first
    assert "au plus tard le 15 août 2026" in first

    cli.ok("appeal", "file", ref, "--date", "2026-07-01", "--reason", "J'ai des références")
    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    cli.ok("appeal", "decide", ref, "--refuse", "--reason", "refus confirmé")
    text = render_logged(cli, "refus", "--dossier", ref, tmp_path, "2026-09-15")
    assert "la Commission d'attribution, lors de sa séance du 15 juin 2026, n'a pas accordé" in text
    assert "Motif de la décision : expérience insuffisante." in text
    assert (
        "Saisie de votre demande de recours du 1er juillet 2026, la Commission de recours "
        "a confirmé cette décision lors de sa séance du 14 septembre 2026. Elle est définitive."
    ) in text
    assert "au plus tard" not in text and "refus confirmé" not in text


# -- the notification: this dossier's invoice, period and mentions ---------------------------
def test_notification_names_the_mentions_granted(cli, store, tmp_path):
    ref = decide_at(
        cli, store, "2026-06-15", "--grant", "--mention", "BIM", candidate=addressed(store)
    )["ref"]
    text = render_logged(cli, "notification", "--dossier", ref, tmp_path, "2026-06-16")
    assert (
        "vous a accordé la certification « Économiste de la construction » avec la "
        "mention BIM." in text
    )


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_notification_uses_its_own_invoice_and_period(cli, store, tmp_path):
    cid = addressed(store)
    first = decide_at(cli, store, "2026-06-15", candidate=cid)
    # F-2026-00001 is the instruction fee's invoice (issued at its payment), the grant's
    # prorated dues come next
    assert (first["certificate"], first["invoice"]) == ("ECO-2026-0001", "F-2026-00002")
    assert cli.json("dues", "call", "--year", "2030", "--date", "2030-01-05")["count"] == 1
    renewal = report_ready(
        cli,
        store,
        kind="renewal",
        certificate="ECO-2026-0001",
        candidate=cid,
        opened="2030-01-10",
        report_on="2030-04-01",
    )
    second = decide_at(cli, store, "2030-05-20", ref=renewal)
    assert second["invoice"] is None  # the year's dues were called already

    text = render_logged(cli, "notification", "--dossier", renewal, tmp_path, "2030-05-21")
    assert "valable du 15 juin 2030 au 14 juin 2034 inclus" in text
    assert "F-20" not in text and "ci-joint la facture" not in text
    assert (
        "Cette décision n'appelle pas de facture : la cotisation annuelle (360,00 €) "
        "vous est appelée chaque année en début d'année." in text
    )

    again = render_logged(cli, "notification", "--dossier", first["ref"], tmp_path, "2030-05-21")
    assert "valable du 15 juin 2026 au 14 juin 2030 inclus" in again
    assert "F-2026-00002" in again and "210,00 €" in again and "7 mois" in again
    assert "F-2026-00001" not in again  # the fee's invoice is no dues invoice
    logged = {(e["dossier"], e["invoice"]) for e in cli.json("letters", "log")}
    assert logged == {(renewal, None), (first["ref"], "F-2026-00002")}


def test_appeal_granted_letters(cli, store, tmp_path):
    ref = refused(cli, store)
    cli.ok("appeal", "file", ref, "--date", "2026-07-01", "--reason", "J'ai des références")
    cli.ok("commission", "agenda", session(cli, "2026-09-14", "appeal"), "--date", "2026-09-14")
    cli.ok(
        "appeal",
        "decide",
        ref,
        "--grant",
        "--reason",
        "références probantes",
        "--date",
        "2026-09-14",
    )
    text = render_logged(cli, "decision-recours", "--dossier", ref, tmp_path, "2026-09-15")
    assert (
        "a fait droit à votre recours et vous accorde la certification sous le n° ECO-2026-0001"
    ) in text
    assert "Motif : références probantes." in text and "J'ai des références" not in text
    notice = render_logged(cli, "notification", "--dossier", ref, tmp_path, "2026-09-15")
    assert "la Commission de recours, réunie le 14 septembre 2026, vous a accordé" in notice
    assert "Commission d'attribution" not in notice
    # the prorated dues of the grant on appeal: F-2026-00002, after the fee's F-2026-00001
    assert "F-2026-00002" in notice and "4 mois" in notice and "F-2026-00001" not in notice
