"""Letters that tell the truth (issue 10): a notification quotes its own invoice, a
letter is never dated before the invoice it encloses, every letter follows its
scheme's route, the missing letters exist, and the appeal deadline runs from the
notification of the refusal."""

import html as htmlmod
import re
from pathlib import Path

import letter_records as R
import pytest
from commission_helpers import report_ready, session

from certcli import invoices


def text_of(path) -> str:
    """The visible text of an HTML letter, every run of spaces made one plain space."""
    body = Path(path).read_text(encoding="utf-8").split("<body>", 1)[1]
    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[\s\u202f\xa0]+", " ", text).strip()


def render(cli, tmp_path, template, option, ref, date, *extra) -> str:
    path = cli.ok("letters", "render", template, option, ref, "--format", "html", "--out",
                  tmp_path, "--date", date, "--dry-run", *extra).stdout.strip().splitlines()[0]
    return text_of(path)


@pytest.fixture
def cid(store):
    return R.candidate(store)


# -- 1. the notification and its invoice ------------------------------------------------------
def test_notification_quotes_the_months_of_its_invoice(cli, store, cid, tmp_path):
    ref = report_ready(cli, store, report_on="2026-09-01", candidate=cid)
    sid = session(cli, "2026-09-30")
    cli.ok("commission", "agenda", sid, "--date", "2026-09-15")
    data = cli.json("commission", "decide", sid, ref, "--grant", "--letter", "--date",
                    "2026-10-02", "--format", "html", "--out", tmp_path)
    invoice = invoices.get(store, data["invoice"])
    assert invoice.label.endswith("(4/12 mois)") and invoice.amount == "120.00"
    assert invoice.issued_on == "2026-10-02"
    # Dated on the invoice's day, not the session's: never before what it encloses.
    assert Path(data["letter"]).name == f"2026-10-02_notification_{ref}.html"
    text = text_of(data["letter"])
    assert "Paris, le 2 octobre 2026" in text
    assert "au prorata des mois restants de l'année en cours, soit 4 mois" in text
    assert f"{invoice.number} Cotisation annuelle ECO 2026 (4/12 mois) 2 octobre 2026 " \
           "120,00 €" in text
    assert "3 mois" not in text

    # Reprinted later, it still quotes the invoice; dated before it, it is refused.
    assert "soit 4 mois" in render(cli, tmp_path, "notification", "--dossier", ref,
                                   "2026-12-15")
    err = cli.fails("letters", "render", "notification", "--dossier", ref, "--date",
                    "2026-09-30", "--format", "html", "--out", tmp_path).stderr
    assert (f"the letter cannot be dated 2026-09-30, before the invoice it encloses "
            f"({invoice.number}, issued on 2026-10-02)") in err
    err = cli.fails("letters", "render", "facture", "--invoice", invoice.number, "--date",
                    "2026-10-01", "--format", "html", "--out", tmp_path).stderr
    assert "before the invoice it encloses" in err


def test_an_older_invoice_is_read_from_its_label(cli, store, cid, tmp_path):
    """An invoice issued before months were recorded keeps them in its label."""
    d = R.dossier(store, cid, status="granted", opened_on="2026-01-05")
    R.decide(store, d, "granted", "2026-06-30", session_date="2026-06-30")
    cert = R.certificate(store, cid, "ECO-2026-0001", "2026-06-30", dossier_id=d)
    R.invoice(store, cid, "F-2026-00001", "210.00", "2026-07-03", certificate_id=cert,
              dossier_id=d, dues_year=2026, label="Cotisation annuelle ECO 2026 (7/12 mois)")
    text = render(cli, tmp_path, "notification", "--dossier", "2026-0001", "2026-07-03")
    assert "soit 7 mois" in text and "6 mois" not in text
