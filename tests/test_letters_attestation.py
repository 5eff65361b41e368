"""The attestation of certification (templates/attestation.html, _attestation.html,
certcli/letters/attestation.py): what it prints, its QR code and verification code,
the certificates it is refused for, and the copy a grant's --letter adds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import segno
from commission_helpers import decide_at, new_candidate
from pypdf import PdfReader


def _holder(cli, first="Éric"):
    return new_candidate(
        cli,
        first=first,
        last="Bérégovoy",
        address="3 place du Marché",
        postcode="69001",
        city="Lyon",
    )


def _granted(cli, store, date="2026-03-12", **extra):
    return decide_at(cli, store, date, candidate=_holder(cli), **extra)["certificate"]


def _render(cli, number, out, *extra, date="2026-11-24"):
    return Path(
        cli.ok(
            "letters", "render", "attestation", "--certificate", number, "--out", out,
            "--date", date, *extra,
        ).stdout.strip()
    )  # fmt: skip


def _text(path) -> str:
    return "".join(p.extract_text() for p in PdfReader(path).pages).replace("\xa0", " ")


def _code(cli, number, as_of="2026-11-24"):
    return cli.json("certificate", "show", number, "--as-of", as_of)["verification_code"]


def test_the_attestation_prints_holder_number_period_and_its_code(cli, store, tmp_path):
    number = _granted(cli, store, mentions=["OPC"])
    path = _render(cli, number, tmp_path)
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = reader.pages[0].extract_text().replace("\xa0", " ")
    code = _code(cli, number)
    for needed in (
        "Attestation de certification",
        "Éric Bérégovoy",
        "Économiste de la construction",
        "mention : OPC",
        f"Certificat n° {number}",
        "du 12 mars 2026 au 11 mars 2030 inclus",
        f"Code de vérification : {code}",
        "La secrétaire générale",
    ):
        assert needed in text, (needed, text)
    assert len(reader.pages[0].images) == 1  # the QR code
    # what the code printed says, the public check confirms
    assert cli.json("certificate", "verify", number, "--code", code)["code_ok"] is True


def test_the_qr_code_carries_the_number_and_the_code(cli, store, tmp_path):
    number = _granted(cli, store)
    path = _render(cli, number, tmp_path, "--format", "html")
    html = path.read_text(encoding="utf-8")
    code = _code(cli, number)
    src = re.search(r'<img class="qr" src="([^"]+)"', html).group(1)
    expected = segno.make(f"{number} {code}", error="m").png_data_uri(scale=5, border=2)
    assert src == expected
    assert code in html


@pytest.mark.today("2027-12-31")
def test_no_attestation_for_a_certificate_not_valid_on_its_date(cli, store, tmp_path):
    number = _granted(cli, store)
    cli.ok(
        "certificate", "suspend", number, "--reason", "dues unpaid", "--until", "2027-01-31",
        "--date", "2027-01-10",
    )  # fmt: skip
    err = cli.fails(
        "letters", "render", "attestation", "--certificate", number, "--out", tmp_path,
        "--date", "2027-01-20",
    ).stderr  # fmt: skip
    assert f"certificate {number} is suspended on 2027-01-20" in err
    _render(cli, number, tmp_path, date="2027-02-01")  # valid again
    cli.ok("certificate", "withdraw", number, "--reason", "fraude", "--date", "2027-06-01")
    err = cli.fails(
        "letters", "render", "attestation", "--certificate", number, "--out", tmp_path,
        "--date", "2027-06-02",
    ).stderr  # fmt: skip
    assert "is withdrawn on 2027-06-02: an attestation is issued only for a valid" in err


@pytest.mark.today("2030-06-30")
def test_after_a_renewal_the_attestation_attests_the_period_of_its_date(cli, store, tmp_path):
    number = _granted(cli, store)
    holder = cli.json("certificate", "show", number)["candidate_id"]
    decide_at(cli, store, "2030-01-15", kind="renewal", certificate=number, candidate=holder)
    before = _text(_render(cli, number, tmp_path, date="2030-02-01"))
    assert "du 12 mars 2026 au 11 mars 2030" in before
    assert _code(cli, number, "2030-02-01") in before
    after = _text(_render(cli, number, tmp_path, date="2030-04-01"))
    assert "du 12 mars 2030 au 11 mars 2034" in after
    assert _code(cli, number, "2030-04-01") in after


def test_a_grant_with_letter_adds_the_attestation_to_the_notification(cli, store, tmp_path):
    done = decide_at(
        cli, store, "2026-03-12", "--grant", "--letter", "--out", tmp_path, candidate=_holder(cli)
    )
    reader = PdfReader(done["letter"])
    pages = [p.extract_text() for p in reader.pages]
    found = [i for i, text in enumerate(pages) if "Attestation de certification" in text]
    assert len(found) == 1 and found[0] >= 1  # one attestation, after the notification
    assert "Nous avons le plaisir" in pages[0]
    number = done["certificate"]
    attestation = pages[found[0]]
    assert number in attestation and _code(cli, number, "2026-03-12") in attestation
    assert len(reader.pages[found[0]].images) == 1


def test_without_the_key_the_attestation_says_how_to_make_it(cli, store, tmp_path, monkeypatch):
    number = _granted(cli, store)
    monkeypatch.setenv("CERTCLI_KEY_FILE", str(tmp_path / "none.key"))
    err = cli.fails(
        "letters", "render", "attestation", "--certificate", number, "--out", tmp_path
    ).stderr
    assert "no verification key at" in err and "certcli init" in err


def test_a_body_with_a_verify_url_gets_it_in_the_qr_code(cli, store, tmp_path, monkeypatch):
    import shutil

    from certcli.rules import schemes

    number = _granted(cli, store)
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    body = data / "bodies" / "opqtecc.toml"
    text = body.read_text(encoding="utf-8")
    body.write_text(
        text.replace("[legal]", 'verify_url = "https://www.example.org/verify.html"\n\n[legal]', 1)
    )
    monkeypatch.setenv("CERTCLI_DATA", str(data))
    schemes._catalog.cache_clear()
    try:
        html = _render(cli, number, tmp_path / "out", "--format", "html").read_text()
        code = _code(cli, number)
    finally:
        schemes._catalog.cache_clear()
    url = f"https://www.example.org/verify.html?n={number}&c={code}"
    src = re.search(r'<img class="qr" src="([^"]+)"', html).group(1)
    assert src == segno.make(url, error="m").png_data_uri(scale=5, border=2)
    assert url.replace("&", "&amp;") in html
