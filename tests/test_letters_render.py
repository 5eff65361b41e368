"""Letters rendered (certcli/letters/render.py): each template, the log and --dry-run,
missing variables, the sandbox, a template's record, file names, missing libraries."""

import datetime as dt
import html as htmlmod
import re
from pathlib import Path

import pytest
from letter_office import EXPECTED, GRANT_DUES, text_of
from letter_office import office as build_office

from certcli.domain import completeness, reception
from certcli.letters import render

DAY = "2026-11-24"
DATE = dt.date.fromisoformat(DAY)


NAME = "Hélène Lefèvre-Dupré"


@pytest.fixture
def office(store):
    """One candidate at every stage a letter speaks of."""
    return build_office(store)


PDF_SAMPLE = ("notification", "refus", "dossier-incomplet", "appel-cotisation", "recu-paiement")


@pytest.mark.parametrize("template", sorted(EXPECTED))
def test_each_template_renders_what_it_must(cli, office, tmp_path, template):
    option, ref, expected = EXPECTED[template]
    fmt = "pdf" if template in PDF_SAMPLE else "html"
    out = cli.ok(
        "letters",
        "render",
        template,
        option,
        ref,
        "--format",
        fmt,
        "--out",
        tmp_path,
        "--date",
        DAY,
        "--as",
        "claire",
    ).stdout.strip()
    path = Path(out)
    assert path.parent == tmp_path.resolve() and path.suffix == f".{fmt}"
    assert path.name.startswith(f"{DAY}_{template}_")
    text = text_of(path)
    # An attestation is a certificate, not a letter: no address window.
    address = [] if template == "attestation" else ["12 rue des Écoles"]
    for needed in [NAME, "Paris, le 24 novembre 2026", *address, *expected]:
        assert needed in text, (needed, text)


def test_incomplete_letter_lists_exactly_what_the_check_finds(cli, store, office, tmp_path):
    check = completeness.assess(store, store.dossier("2026-0008"))
    out = cli.ok(
        "letters",
        "render",
        "dossier-incomplet",
        "--dossier",
        "2026-0008",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stdout.strip()
    items = re.findall(r"<li>(.*?)</li>", Path(out).read_text(), re.S)
    assert [re.split(r"\s:", htmlmod.unescape(i))[0] for i in items] == [
        m.label for m in check.missing
    ]
    # A complete dossier gets no "incomplete" letter.
    ref = office["incomplete"]
    reception.receive(store, ref, ["technique", "contrats", "demande-signee"], date=DATE)
    reception.pay(store, ref, amount="380.00", method="cheque", date=DATE)
    err = cli.fails(
        "letters",
        "render",
        "dossier-incomplet",
        "--dossier",
        "2026-0008",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "'missing' is empty for dossier 2026-0008" in err


def test_render_logs_and_dry_run_does_not(cli, office, tmp_path, unchanged):
    with unchanged():
        cli.ok(
            "letters",
            "render",
            "facture",
            "--invoice",
            GRANT_DUES,
            "--format",
            "html",
            "--out",
            tmp_path,
            "--date",
            DAY,
            "--dry-run",
        )
    path = cli.ok(
        "letters",
        "render",
        "notification",
        "--dossier",
        "2026-0001",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        DAY,
        "--as",
        "claire",
    ).stdout.strip()
    assert cli.json("letters", "log", "--candidate", office["candidate"]) == [
        {
            "id": 1,
            "template": "notification",
            "candidate_id": office["candidate"],
            "dossier": "2026-0001",
            "certificate": "ECO-2026-0002",  # after the office's ECO-2025-0001
            "invoice": GRANT_DUES,  # its dues invoice, not its fee's (F-2026-00001)
            "date": DAY,
            "path": path,
            "format": "html",
            "by": "claire",
            "notified_on": None,
            "registered": None,
            "channel": "post",
            "status": "posted",
            "message_id": None,
            "to": None,
            "sent_at": None,
            "error": None,
        }
    ]
    assert cli.json("letters", "log", "--dossier", "2026-0002") == []
    audit = cli.json("log", "--entity", "letter")
    assert audit[0]["action"] == "letter.render" and audit[0]["by"] == "claire"
    # Rendering the same letter again never overwrites the logged file.
    again = cli.ok(
        "letters",
        "render",
        "notification",
        "--dossier",
        "2026-0001",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stdout.strip()
    assert again == path.replace(".html", "-2.html")


def _own(folder: Path, name: str, body: str, needs="dossier") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.html").write_text(
        f'{{#- certcli\ndescription = "{name} maison"\nneeds = "{needs}"\n-#}}\n{body}',
        encoding="utf-8",
    )
    return folder


def test_missing_variable_names_template_and_variable(cli, office, tmp_path, unchanged):
    own = _own(tmp_path / "own", "rappel-maison", "<p>{{ candidate.full_name }} {{ echeance }}</p>")
    with unchanged():
        err = cli.fails(
            "letters",
            "render",
            "rappel-maison",
            "--dossier",
            "2026-0001",
            "--templates",
            own,
            "--out",
            tmp_path / "out",
            "--date",
            DAY,
        ).stderr
    assert "template 'rappel-maison'" in err and "'echeance' is undefined" in err
    assert not list((tmp_path / "out").glob("*.*"))
    # A record the letter needs but that does not exist: named, with what it means.
    err = cli.fails(
        "letters",
        "render",
        "demande-complements",
        "--dossier",
        "2026-0002",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "'request' is undefined" in err and "no request for complementary" in err


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ candidate.full_name.format.__globals__ }}",
    ],
)
def test_sandbox_refuses_python_internals(cli, office, tmp_path, body):
    own = _own(tmp_path / "own", "piege", body)
    err = cli.fails(
        "letters",
        "render",
        "piege",
        "--dossier",
        "2026-0001",
        "--templates",
        own,
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "template 'piege': refused by the sandbox" in err and "is unsafe" in err


def test_template_needs_its_record(cli, office, tmp_path):
    err = cli.fails(
        "letters",
        "render",
        "rappel-renouvellement",
        "--dossier",
        "2026-0001",
        "--out",
        tmp_path,
        "--date",
        DAY,
    ).stderr
    assert "use --certificate" in err
    assert (
        "no letter template 'nope'"
        in cli.fails("letters", "render", "nope", "--dossier", "2026-0001").stderr
    )
    cli.fails("letters", "render", "../refus", "--dossier", "2026-0001")


def test_file_names_never_leave_the_output_folder(cli, store, office, tmp_path):
    with store.transaction():
        store.insert(
            "invoices",
            {
                "number": "../../../tmp/evil name",
                "kind": "invoice",
                "purpose": "other",
                "year": 2026,
                "seq": 99,
                "candidate_id": office["candidate"],
                "label": "x",
                "amount": "1.00",
                "issued_on": DAY,
                "due_on": DAY,
                "dues_year": 2026,  # an invoice document names its period
                **store.invoice_buyer(office["candidate"]),
            },
        )
    out = tmp_path / "out"
    path = Path(
        cli.ok(
            "letters",
            "render",
            "facture",
            "--invoice",
            "../../../tmp/evil name",
            "--format",
            "html",
            "--out",
            out,
            "--date",
            DAY,
        ).stdout.strip()
    )
    assert path.parent == out.resolve()
    assert re.fullmatch(r"[A-Za-z0-9._-]+", path.name) and ".." not in path.name
    for stem in ["../../x", "/etc/passwd", "..", "a/../../b"]:
        target = render.output_path(store, out, stem, "pdf")
        assert target.parent == out.resolve()


def test_missing_weasyprint_libraries_say_what_to_install(cli, office, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    err = cli.fails(
        "letters", "render", "refus", "--dossier", "2026-0002", "--out", tmp_path, "--date", DAY
    ).stderr
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in err and "--format html" in err
    assert cli.json("letters", "log") == []
