"""The documents for download (certcli/letters/documents.py, `certcli documents`):
the fee grid and the blank request forms, as A4 PDFs made from the scheme files."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from certcli.rules import money


def format_eur(amount) -> str:
    return money.format_eur(amount).replace("\xa0", " ").replace("\u202f", " ")


FORMS = {"initial": "initiale", "renewal": "renouvellement", "extension": "extension"}


def _text(path) -> str:
    return (
        "".join(p.extract_text() for p in PdfReader(path).pages)
        .replace("\xa0", " ")
        .replace("\u202f", " ")
    )


def test_documents_write_the_fee_grid_and_the_request_forms_from_the_scheme_files(cli, tmp_path):
    out = tmp_path / "site" / "documents"
    files = [Path(p) for p in cli.json("documents", "--out", out, "--date", "2026-11-25")["files"]]
    names = sorted(p.name for p in files)
    assert names == sorted(
        [
            "cqpt_grille-tarifaire.pdf",
            "opqtecc_grille-tarifaire.pdf",
            "CQPT_demande_initiale.pdf",
            "ECO_demande_initiale.pdf",
            "ECO_demande_renouvellement.pdf",
            "ECO_demande_extension.pdf",
            "PROG_demande_initiale.pdf",
            "PROG_demande_renouvellement.pdf",
            "PROG_demande_extension.pdf",
        ]
    )
    for path in files:
        assert path.parent == out and path.is_file()
        box = PdfReader(path).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    eco = cli.json("scheme", "show", "ECO")
    grid = _text(out / "opqtecc_grille-tarifaire.pdf")
    assert "Grille tarifaire" in grid and "Économiste de la construction (ECO)" in grid
    for kind, title in (
        ("initial", "demande de certification initiale"),
        ("renewal", "demande de renouvellement"),
        ("extension", "demande d'extension"),
    ):
        assert f"Frais d'instruction : {title} {format_eur(eco['fees'][kind])}" in grid
    assert f"Cotisation annuelle {format_eur(eco['annual_dues'])}" in grid
    for kind, word in FORMS.items():
        form = _text(out / f"ECO_demande_{word}.pdf")
        for code in eco["pieces"][kind]:
            assert eco["piece_labels"].get(code, code) in form, (kind, code, form)
        others = set(eco["piece_labels"]) - set(eco["pieces"][kind])
        for code in others:
            assert eco["piece_labels"][code] not in form, (kind, code)
        assert f"Frais d'instruction : {format_eur(eco['fees'][kind])}" in form
        assert "Date et signature" in form
    extension = _text(out / "ECO_demande_extension.pdf")
    assert all(m in extension for m in eco["mentions"]) and "N° du certificat" in extension


def test_documents_never_replace_files_unless_forced(cli, tmp_path):
    out = tmp_path / "docs"
    cli.ok("documents", "--out", out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    err = cli.fails("documents", "--out", out).stderr
    assert "exists; use --force to overwrite it" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    listed = cli.ok("documents", "--out", out, "--force").stdout.split()
    assert len(listed) == len(before)
