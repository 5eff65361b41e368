"""A body's legal identity (certcli/rules/bodies.py, data/bodies/*.toml): loaded and
shown by `scheme show` and `info`, each missing or invalid field an error naming
the file and the field; the [reminders] and [accounts] defaults; the due date from
the payment terms; the VAT line of the letters from the body file."""

import shutil
from pathlib import Path

import pytest

from certcli.rules import bodies, schemes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def body_toml(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    yield data / "bodies" / "opqtecc.toml"
    schemes._catalog.cache_clear()


def test_scheme_show_gives_the_body_legal_identity(cli):
    shown = cli.json("scheme", "show", "ECO")
    body = shown["body_identity"]
    assert shown["body"] == "OPQTECC"  # the contract's name stays a string
    assert body["legal_name"] == "OPQTECC" and body["siren"] == "775681232"
    assert body["siret"] == "77568123200002" and body["vat_regime"] == "franchise"
    assert body["vat_exemption"] == "TVA non applicable, art. 293 B du CGI"
    assert body["iban"] == "FR7630004000000000012345632" and body["bic"] == "BNPAFRPP"
    assert body["payment_terms_days"] == 30 and body["recovery_indemnity"] is True
    assert [(r["level"], r["days"]) for r in body["reminders"]] == [(1, 15), (2, 45), (3, 75)]
    assert body["accounts"]["customers"] == "411000"
    text = cli.ok("scheme", "show", "ECO").stdout
    assert "77568123200002" in text and "FR76 3000 4000 0000 0001 2345 632" in text
    assert "Association déclarée" in text
    info = cli.json("info")
    assert {b["code"] for b in info["bodies"]} == {"opqtecc", "cqpt"}
    assert "SIRET 81234567600009" in cli.ok("info").stdout


def test_reminders_and_accounts_default_when_the_body_file_leaves_them_out(cli):
    cqpt = cli.json("scheme", "show", "CQPT")["body_identity"]
    assert [(r["level"], r["days"], r["template"]) for r in cqpt["reminders"]] == [
        (1, 15, "relance"),
        (2, 45, "relance-2"),
        (3, 75, "mise-en-demeure"),
    ]
    assert cqpt["accounts"] == {k: getattr(bodies.Accounts(), k) for k in bodies.ACCOUNT_FIELDS}


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('siren = "775681232"', 'siren = "775681233"', "legal.siren"),
        ('siret = "77568123200002"', 'siret = "77568123200003"', "legal.siret"),
        ('siret = "77568123200002"', 'siret = "81234567600009"', "legal.siret"),
        ('form = "Association déclarée (loi du 1er juillet 1901)"\n', "", "legal.form"),
        ('regime = "franchise"', 'regime = "exonere"', "vat.regime"),
        ('exemption = "TVA non applicable, art. 293 B du CGI"\n', "", "vat.exemption"),
        ("terms_days = 30", 'terms_days = "30"', "invoicing.terms_days"),
        ("recovery_indemnity = true", 'recovery_indemnity = "oui"', "invoicing.recovery_indemnity"),
        ('cheque_payee = "OPQTECC"\n', "", "invoicing.cheque_payee"),
        ('template = "relance-2"\n', "", "reminders.levels[2].template"),
        ("days = 45", "days = 10", "reminders.levels[2].days"),
        ('customers = "411000"', 'clients = "411000"', "accounts.clients"),
        ('from_address = "secretariat@opqtecc.org"', 'from_address = "nope"', "mail.from_address"),
        ('from_name = "Secrétariat OPQTECC"', 'sender = "x"', "mail.sender"),
    ],
)
def test_a_missing_or_invalid_field_names_the_file_and_the_field(cli, body_toml, old, new, field):
    text = body_toml.read_text()
    assert old in text
    body_toml.write_text(text.replace(old, new, 1))
    err = cli.fails("scheme", "show", "ECO").stderr
    assert "opqtecc.toml" in err and f"'{field}'" in err


def test_an_assujetti_body_needs_a_vat_number_and_a_rate_per_fee_kind(cli, body_toml):
    text = body_toml.read_text()
    franchise = 'regime = "franchise"\nexemption = "TVA non applicable, art. 293 B du CGI"\n'
    assert franchise in text
    assujetti = (
        'regime = "assujetti"\nnumber = "FR31775681232"\n[vat.rates]\ninstruction = "20.0"\n'
    )
    body_toml.write_text(text.replace(franchise, assujetti))
    err = cli.fails("scheme", "show", "ECO").stderr
    assert "opqtecc.toml" in err and "'vat.rates.dues'" in err
    body_toml.write_text(text.replace(franchise, assujetti + 'dues = "20.0"\n'))
    schemes._catalog.cache_clear()
    shown = cli.json("scheme", "show", "ECO")["body_identity"]
    assert shown["vat_number"] == "FR31775681232"
    assert shown["vat_rates"] == {"instruction": "20.0", "dues": "20.0"}
    body_toml.write_text(
        text.replace(franchise, assujetti.replace("FR31", "FR32") + 'dues = "20.0"\n')
    )
    schemes._catalog.cache_clear()
    assert "'vat.number'" in cli.fails("scheme", "show", "ECO").stderr


def test_an_iban_failing_its_checksum_is_refused_and_issues_nothing(
    cli, store, body_toml, unchanged
):
    from commission_helpers import report_ready, session

    ref = report_ready(cli, store, report_on="2026-05-15", opened="2026-04-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    text = body_toml.read_text()
    good = "FR76 3000 4000 0000 0001 2345 632"
    body_toml.write_text(text.replace(good, good[:-1] + "3"))
    schemes._catalog.cache_clear()
    err = cli.fails("scheme", "show", "ECO").stderr
    assert "opqtecc.toml" in err and "'invoicing.iban'" in err
    # The grant would issue the prorated dues invoice: refused whole, nothing written.
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15").stderr
    assert "opqtecc.toml" in err and "'invoicing.iban'" in err
    body_toml.write_text(text)
    schemes._catalog.cache_clear()
    bodies._checked.clear()
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-06-15")
    assert cli.json("invoice", "show", done["invoice"])["due_on"] == "2026-07-15"


def test_the_due_date_follows_the_body_payment_terms(cli, store, body_toml):
    from commission_helpers import decide_at

    body_toml.write_text(body_toml.read_text().replace("terms_days = 30", "terms_days = 45"))
    schemes._catalog.cache_clear()
    number = decide_at(cli, store, "2026-06-15")["invoice"]
    assert cli.json("invoice", "show", number)["due_on"] == "2026-07-30"


def test_the_vat_line_of_the_letters_is_the_body_s(cli, store, body_toml, tmp_path):
    from commission_helpers import decide_at, new_candidate

    text = body_toml.read_text()
    body_toml.write_text(
        text.replace(
            "TVA non applicable, art. 293 B du CGI", "TVA non applicable (art. 261-7-1° du CGI)"
        )
    )
    schemes._catalog.cache_clear()
    cid = new_candidate(cli, address="3 rue des Lilas", postcode="69003", city="Lyon")
    number = decide_at(cli, store, "2026-06-15", candidate=cid)["invoice"]
    out = tmp_path / "out"
    cli.ok("letters", "render", "facture", "--invoice", number, "--format", "html", "--out", out)
    html = next(out.glob("*.html")).read_text()
    assert "TVA non applicable (art. 261-7-1° du CGI)." in html and "293" not in html


def test_the_mail_section_is_the_sender(body_toml):
    body = schemes.get("ECO").body
    assert body.mail == bodies.MailSender("Secrétariat OPQTECC", "secretariat@opqtecc.org")
    text = body_toml.read_text()
    body_toml.write_text(text[: text.index("[mail]")])
    schemes._catalog.cache_clear()
    assert schemes.get("ECO").body.mail is None


def test_the_field_lists_are_the_dataclasses_fields():
    import dataclasses

    assert bodies.ACCOUNT_FIELDS == tuple(f.name for f in dataclasses.fields(bodies.Accounts))
    assert bodies.RETENTION_FIELDS == tuple(f.name for f in dataclasses.fields(bodies.Retention))
