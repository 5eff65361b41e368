"""`certcli directory site --out DIR` (certcli/letters/site.py): the public directory as
a static site; what its files hold and what they must never hold."""

from __future__ import annotations

import json

import site_helpers
from conftest import Cli

from certcli.domain.verification import site_digest
from certcli.rules.validators import fold

DATE = "2026-11-25"


def _site(cli, tmp_path, *extra):
    out = tmp_path / "site"
    result = cli.json("directory", "site", "--out", str(out), "--date", DATE, *extra)
    return out, result


def _all_text(out) -> dict:
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_the_site_lists_consenting_holders_and_publishes_every_status(cli, store, tmp_path):
    numbers = site_helpers.office(cli, store)
    out, result = _site(cli, tmp_path)
    assert (result["holders"], result["certificates"]) == (1, 3)
    for name in ("index.html", "verify.html", "status.json", "status.js", "annuaire.js",
                 "site.css", "recherche.js", "verification.js"):  # fmt: skip
        assert (out / name).is_file(), name
    page = out / "titulaires" / f"{numbers['eric']}.html"
    text = page.read_text(encoding="utf-8")
    assert "<h1>Éric Bérégovoy</h1>" in text and "Orléans" in text and 'lang="fr"' in text
    assert "11\u00a0mars\u00a02030" in text  # valid until, in French
    annuaire = (out / "annuaire.js").read_text(encoding="utf-8")
    assert "Éric Bérégovoy" in annuaire and "eric beregovoy" in annuaire
    assert "Zoé" not in annuaire  # withdrawn: not in the directory
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<label for="q">' in index and 'src="recherche.js"' in index
    # the documents of `certcli documents`, in the site and linked from index.html
    docs = sorted(p.name for p in (out / "documents").iterdir())
    assert "ECO_demande_initiale.pdf" in docs and "opqtecc_grille-tarifaire.pdf" in docs
    for name in docs:
        assert f'href="documents/{name}"' in index
    # nothing external: no script, style sheet or font from elsewhere
    for path, data in _all_text(out).items():
        if path.suffix in (".html", ".js", ".css"):
            body = data.decode()
            assert 'src="http' not in body and "@import" not in body and "url(" not in body
            assert '<link rel="stylesheet" href="http' not in body


def test_status_json_covers_every_certificate_and_holds_nothing_personal(cli, store, tmp_path):
    numbers = site_helpers.office(cli, store)
    code = cli.json("certificate", "show", numbers["eric"], "--as-of", DATE)["verification_code"]
    out, _ = _site(cli, tmp_path)
    status = json.loads((out / "status.json").read_text(encoding="utf-8"))
    assert status["date"] == DATE
    certs = status["certificates"]
    assert set(certs) == set(numbers.values())  # consent or not
    for entry in certs.values():
        assert set(entry) == {"scheme", "status", "valid_from", "valid_until", "codes"}
    # the one rule of `certificate verify`, number by number
    for number, entry in certs.items():
        verified = cli.json("certificate", "verify", number, "--as-of", DATE)
        assert (entry["status"], entry["valid_from"], entry["valid_until"]) == (
            verified["status"],
            verified["valid_from"],
            verified["valid_until"],
        )
    assert certs[numbers["gone"]]["status"] == "withdrawn"
    assert certs[numbers["hidden"]]["status"] == "valid"
    # a code is published only as a digest
    assert certs[numbers["eric"]]["codes"] == [site_digest(numbers["eric"], code)]
    text = (out / "status.json").read_text(encoding="utf-8")
    assert code not in text and code.replace("-", "") not in text
    for personal in ("Éric", "Bérégovoy", "beregovoy", "Orléans", "Lilas", "Zoé", "Retirée",
                     "Nantes", "example.fr", *site_helpers.HIDDEN):  # fmt: skip
        for name in ("status.json", "status.js"):
            assert personal not in (out / name).read_text(encoding="utf-8"), (personal, name)


def test_a_non_consenting_holder_appears_in_no_file_of_the_site(cli, store, tmp_path):
    site_helpers.office(cli, store)
    out, result = _site(cli, tmp_path)
    files = _all_text(out)
    assert len(files) == len(result["files"])
    forbidden = [*site_helpers.HIDDEN[1:], fold(site_helpers.HIDDEN[1]), "Secrète"]
    for path, data in files.items():
        for personal in forbidden:
            assert personal.encode() not in data, (personal, path)


def test_a_folder_not_empty_needs_force_and_a_failure_writes_nothing(cli, store, tmp_path):
    site_helpers.office(cli, store)
    out = tmp_path / "site"
    out.mkdir()
    (out / "old.html").write_text("ancien", encoding="utf-8")
    err = cli.fails("directory", "site", "--out", str(out), "--date", DATE).stderr
    assert err.startswith("Error: ") and "--force" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["old.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"] or all(
        not p.name.startswith(".site.") for p in tmp_path.iterdir()
    )
    cli.ok("directory", "site", "--out", str(out), "--date", DATE, "--force")
    assert not (out / "old.html").exists() and (out / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]


def test_directory_site_help_names_its_files_and_force():
    result = Cli()("directory", "site", "--help")
    assert result.exit_code == 0
    assert "status.json" in result.stdout and "--force" in result.stdout
