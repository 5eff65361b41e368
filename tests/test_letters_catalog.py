"""The letter templates (certcli/letters/catalog.py): every built-in with what it
needs, and the secretariat's folder overriding the built-ins."""

from pathlib import Path

import pytest
from letter_office import EXPECTED, text_of
from letter_office import office as build_office

DAY = "2026-11-24"


@pytest.fixture
def office(store):
    """One candidate at every stage a letter speaks of."""
    return build_office(store)


def _own(folder: Path, name: str, body: str, needs="dossier") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.html").write_text(
        f'{{#- certcli\ndescription = "{name} maison"\nneeds = "{needs}"\n-#}}\n{body}',
        encoding="utf-8",
    )
    return folder


def test_catalog_lists_every_builtin_with_its_needs(cli):
    listed = {t["name"]: t for t in cli.json("letters", "list")}
    # A session's papers (commission papers, commission minutes: tests/test_letters_papers.py).
    papers = {"dossier-seance", "proces-verbal"}
    # A direct debit's pre-notification (dues debit --letter: tests/test_sepa.py).
    debit = {"prenotification-prelevement"}
    assert set(listed) == set(EXPECTED) | papers | debit
    assert all(listed[name]["needs"] == "session" for name in papers)
    for name, (option, _, _) in EXPECTED.items():
        assert listed[name]["needs"] == option.removeprefix("--")
        assert listed[name]["source"] == "built-in" and listed[name]["description"]


def test_override_precedence(cli, office, tmp_path, monkeypatch):
    from_env = _own(tmp_path / "env", "refus", "<p>MODELE ENV {{ dossier.ref }}</p>")
    from_opt = _own(tmp_path / "opt", "refus", "<p>MODELE OPTION {{ dossier.ref }}</p>")

    def render(*extra):
        out = cli.ok(
            "letters",
            "render",
            "refus",
            "--dossier",
            "2026-0002",
            "--format",
            "html",
            "--out",
            tmp_path / "out",
            "--date",
            DAY,
            "--dry-run",
            *extra,
        )
        return text_of(Path(out.stdout.strip()))

    assert "Commission de recours" in render()
    monkeypatch.setenv("CERTCLI_TEMPLATES", str(from_env))
    assert "MODELE ENV 2026-0002" in render()
    assert "MODELE OPTION 2026-0002" in render("--templates", from_opt)
    listed = {t["name"]: t for t in cli.json("letters", "list", "--templates", from_opt)}
    assert listed["refus"]["source"] == "override" and listed["facture"]["source"] == "built-in"
    assert listed["refus"]["description"] == "refus maison"
