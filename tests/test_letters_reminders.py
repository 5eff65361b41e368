import json
import re
from pathlib import Path

import letter_records as R
import pytest

from certcli.letters import render


@pytest.fixture
def holder(store):
    return R.candidate(store)


def due_numbers(cli, as_of, *extra):
    return [
        d["certificate"]
        for d in cli.json("renewals", "due", "--months", "9", "--as-of", as_of, *extra)
    ]


def test_window_boundaries(cli, store, holder):
    # Granted 2026-03-12: valid until 2030-03-11; nine months before is 2029-06-11.
    R.certificate(store, holder, "ECO-2026-0001", "2026-03-12")
    assert due_numbers(cli, "2029-06-10") == []
    assert cli.json("renewals", "due", "--months", "9", "--as-of", "2029-06-11") == [
        {
            "certificate": "ECO-2026-0001",
            "candidate_id": holder,
            "holder": "Mme Hélène Lefèvre-Dupré",
            "valid_until": "2030-03-11",
            "days_left": 273,
            "reminded_on": None,
        }
    ]
    assert due_numbers(cli, "2030-03-11") == ["ECO-2026-0001"]  # its last valid day
    assert due_numbers(cli, "2030-03-12") == []  # expired
    lapsed = cli.json("renewals", "due", "--as-of", "2030-03-12", "--include-expired")
    assert [(d["certificate"], d["days_left"]) for d in lapsed] == [("ECO-2026-0001", -1)]
    assert due_numbers(cli, "2029-09-01", "--pending") == ["ECO-2026-0001"]


def test_leap_day_grant_and_other_months(cli, store, holder):
    R.certificate(store, holder, "ECO-2028-0001", "2028-02-29")  # valid until 2032-02-28
    assert due_numbers(cli, "2031-05-28") == ["ECO-2028-0001"]
    assert due_numbers(cli, "2031-05-27") == []
    assert cli.json("renewals", "due", "--months", "3", "--as-of", "2031-05-28") == []


def test_renewed_withdrawn_and_never_expiring_are_not_due(cli, store, holder):
    renewed = R.certificate(store, holder, "ECO-2026-0001", "2026-03-12")
    R.period(store, renewed, "2030-03-12", "2034-03-11")  # renewed ahead of time
    withdrawn = R.certificate(store, holder, "ECO-2026-0002", "2026-03-12")
    with store.transaction():
        store.update(
            "certificates", withdrawn, {"status": "withdrawn", "withdrawn_on": "2027-01-01"}
        )
    R.certificate(store, holder, "CQPT-2026-00001", "2026-03-12", scheme="CQPT", years=0)
    R.certificate(store, holder, "ECO-2026-0003", "2026-03-12")
    assert due_numbers(cli, "2029-12-01", "--include-expired") == ["ECO-2026-0003"]


def _holders(store, n):
    for i in range(n):
        c = R.candidate(store, first=f"Zoé{i}", email=f"z{i}@example.fr")
        R.certificate(store, c, f"ECO-2026-{i + 1:04d}", f"2026-03-{10 + i:02d}")


def test_remind_records_once_and_a_second_run_reminds_nobody(cli, store, tmp_path):
    _holders(store, 3)
    args = [
        "renewals",
        "remind",
        "--months",
        "9",
        "--as-of",
        "2029-09-01",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        "2029-09-01",
        "--as",
        "claire",
    ]
    first = cli.json(*args)
    assert first["reminded"] == ["ECO-2026-0001", "ECO-2026-0002", "ECO-2026-0003"]
    assert [Path(f).name for f in first["files"]] == [
        f"2029-09-01_rappel-renouvellement_ECO-2026-{i:04d}.html" for i in (1, 2, 3)
    ]
    assert "Zoé0 Lefèvre-Dupré" in Path(first["files"][0]).read_text()
    assert cli.json(*args) == {"reminded": [], "files": [], "skipped": []}
    due = cli.json("renewals", "due", "--as-of", "2029-09-02")
    assert {d["reminded_on"] for d in due} == {"2029-09-01"}
    log = cli.json("letters", "log")
    assert [(entry["certificate"], entry["by"]) for entry in log] == [
        (f"ECO-2026-{i:04d}", "claire") for i in (1, 2, 3)
    ]
    assert store.scalar("SELECT count(*) FROM reminders") == 3


def test_interrupted_run_then_rerun_reminds_each_exactly_once(cli, store, tmp_path, monkeypatch):
    _holders(store, 5)
    real_write, calls = render.write, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # killed while writing the third letter
        return real_write(*args, **kwargs)

    monkeypatch.setattr(render, "write", flaky)
    args = [
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--format",
        "html",
        "--out",
        tmp_path,
        "--date",
        "2029-09-01",
    ]
    cli.fails(*args)
    # The periods were held (50 at a time) before any letter was written: the two
    # written are logged, the other three pending.
    assert store.scalar("SELECT count(*) FROM reminders") == 5
    assert [p["ref"] for p in cli.json("letters", "pending")] == [
        "ECO-2026-0003",
        "ECO-2026-0004",
        "ECO-2026-0005",
    ]
    assert len(list(tmp_path.glob("*.html"))) == 2
    assert list(tmp_path.glob("*.part")) == []
    rerun = cli.ok(*args, "--json")
    for number in ("ECO-2026-0003", "ECO-2026-0004", "ECO-2026-0005"):
        assert f"Pending letter rappel-renouvellement (certificate {number}) rendered" in (
            rerun.stderr
        )
    assert json.loads(rerun.stdout)["reminded"] == []
    assert cli.json("letters", "pending") == []
    assert store.scalar("SELECT count(DISTINCT period_id) FROM reminders") == 5
    assert store.scalar("SELECT count(*) FROM reminders WHERE letter_id IS NOT NULL") == 5
    assert store.scalar("SELECT count(*) FROM letters") == 5
    assert len(list(tmp_path.glob("*.html"))) == 5


def test_one_combined_pdf_and_dry_run(cli, store, tmp_path, unchanged, monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setattr(render, "PDF_PART", 2)  # laid out in two parts, one file
    _holders(store, 3)
    args = [
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--out",
        tmp_path,
        "--one-file",
        "--date",
        "2029-09-01",
    ]
    with unchanged():
        dry = cli.json(*args, "--dry-run")
    assert len(dry["reminded"]) == 3
    done = cli.json(*args)
    assert len(done["files"]) == 1 and done["files"][0].endswith(".pdf")
    pages = PdfReader(done["files"][0]).pages
    assert len(pages) == 3
    assert "ECO-2026-0002" in pages[1].extract_text() and "Zoé1" in pages[1].extract_text()
    paths = {r[0] for r in store.all("SELECT path FROM letters")}
    assert paths == {done["files"][0]}  # the dry run's unlogged file was simply replaced
    assert store.scalar("SELECT count(*) FROM reminders") == 3


def test_combined_pdf_laid_out_on_several_cores_keeps_the_letters_order(
    cli, store, tmp_path, monkeypatch
):
    from pypdf import PdfReader

    # Five letters in three parts shared between two worker processes, so the
    # merge must put two runs of different lengths back in order.
    monkeypatch.setattr(render, "PDF_PART", 2)
    monkeypatch.setattr(render, "PDF_PARALLEL_MIN", 2)
    monkeypatch.setattr("certcli.letters.pdf.cores", lambda: 2)
    _holders(store, 5)
    out = tmp_path / "out"
    done = cli.json(
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--out",
        out,
        "--one-file",
        "--date",
        "2029-09-01",
    )
    numbers = [f"ECO-2026-{i:04d}" for i in range(1, 6)]
    assert done["reminded"] == numbers and len(done["files"]) == 1
    reader = PdfReader(done["files"][0])
    assert len(reader.pages) == 5
    found = [re.findall(r"ECO-2026-\d{4}", page.extract_text()) for page in reader.pages]
    assert [set(on_page) for on_page in found] == [{number} for number in numbers]
    assert reader.metadata.title == "5 lettres"
    assert {r[0] for r in store.all("SELECT path FROM letters")} == {done["files"][0]}
    assert store.scalar("SELECT count(*) FROM reminders") == 5
    assert [p.name for p in out.iterdir()] == [Path(done["files"][0]).name]  # no leftovers
