"""Renewal reminders (certcli/letters/reminders.py): one reminder per period, recorded
and never sent twice, interrupted runs, holders without an address, the window and
--months, the combined PDF."""

import datetime as dt
import json
import re
from pathlib import Path

import letter_records as R
import pytest
from commission_helpers import holder

from certcli.letters import render


def _holders(store, n):
    for i in range(n):
        c = R.candidate(store, first=f"Zoé{i}", email=f"z{i}@example.fr")
        R.certificate(store, c, f"2026-03-{10 + i:02d}")  # ECO-2026-0001, ...


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


@pytest.mark.parametrize("start", ["fork", "spawn"])  # spawn: where the system cannot fork
def test_combined_pdf_laid_out_on_several_cores_keeps_the_letters_order(
    cli, store, tmp_path, monkeypatch, start
):
    from pypdf import PdfReader

    # Five letters in three parts shared between two worker processes, so the
    # merge must put two runs of different lengths back in order.
    monkeypatch.setattr("certcli.letters.pdf._start_method", lambda: start)
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


def _remind(cli, tmp_path, *extra):
    return ["renewals", "remind", "--months", "9", "--format", "html", "--out", tmp_path, *extra]


def test_remind_skips_a_holder_without_address_and_records_the_others(cli, store, tmp_path):
    _, posted = holder(cli, store, "2026-03-12")
    late, unposted = holder(cli, store, "2026-03-20", first="Zed", last="Late")
    cli.ok("candidate", "edit", late, "--address", "", "--date", "2026-04-01")
    assert store.candidate(late)["address"] in (None, "")
    result = cli.fails(*_remind(cli, tmp_path, "--date", "2029-09-01", "--json"))
    reason = (
        f"candidate {late} (Zed Late) has no postal address (address): add it with "
        f"`certcli candidate edit {late} --address …`"
    )
    data = json.loads(result.stdout)
    assert data["reminded"] == [posted] and len(data["files"]) == 1
    assert data["skipped"] == [{"certificate": unposted, "reason": reason}]
    assert result.stderr.strip() == (
        f"Error: 1 certificate(s) skipped, no reminder recorded: "
        f"{unposted}; complete them and run `certcli renewals "
        "remind` again"
    )
    assert [
        r[0]
        for r in store.all(
            "SELECT c.number FROM reminders r JOIN certificates c ON c.id = r.certificate_id"
        )
    ] == [posted]
    assert [e["certificate"] for e in cli.json("letters", "log")] == [posted]

    text = cli.fails(*_remind(cli, tmp_path, "--date", "2029-09-02", "--one-file")).stdout
    assert text.splitlines() == ["reminded 0 certificate(s)", f"skipped {unposted}: {reason}"]
    cli.ok("candidate", "edit", late, "--address", "3 quai Ouest", "--date", "2029-09-03")
    assert cli.json(*_remind(cli, tmp_path, "--date", "2029-09-03"))["reminded"] == [unposted]


def test_no_reminder_for_a_withdrawn_certificate(cli, store, tmp_path, unchanged):
    _, number = holder(cli, store, "2026-03-12")
    cli.ok("certificate", "withdraw", number, "--reason", "faute", "--date", "2026-06-01")
    out = tmp_path / "courrier"
    args = [
        "letters",
        "render",
        "rappel-renouvellement",
        "--certificate",
        number,
        "--format",
        "html",
        "--out",
        out,
    ]
    with unchanged():
        for extra in ((), ("--dry-run",)):
            err = cli.fails(*args, "--date", "2029-09-01", *extra).stderr
            assert f"certificate {number} was withdrawn" in err
    assert not out.exists() or list(out.iterdir()) == []


# -- remind's window and --months ------------------------------------------------------------
def test_remind_window_follows_date_and_months_are_capped(cli, store, tmp_path, unchanged):
    _, number = holder(cli, store, "2026-03-12")  # valid until 2030-03-11
    with unchanged():
        err = cli.fails(
            *_remind(cli, tmp_path, "--as-of", "2029-09-01", "--date", "2029-08-31")
        ).stderr
        assert "--date 2029-08-31 is before --as-of 2029-09-01" in err
        for months in ("0", "49", "100000"):
            for command in (
                ["renewals", "due", "--as-of", "2029-09-01"],
                _remind(cli, tmp_path, "--date", "2029-09-01"),
            ):
                err = cli.fails(*command, "--months", months).stderr
                assert f"invalid --months {months}: between 1 and 48" in err
    assert [
        d["certificate"]
        for d in cli.json("renewals", "due", "--months", "48", "--as-of", "2026-03-12")
    ] == [number]
    # --date alone: the window is computed on that day, not on today.
    assert cli.json(*_remind(cli, tmp_path, "--date", "2029-09-01"))["reminded"] == [number]


def test_pdf_workers_fork_only_without_other_threads():
    import threading

    from certcli.letters import pdf

    assert pdf._start_method() == "fork"  # Linux, and the test runs no other thread
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert pdf._start_method() == "spawn"  # a lock it holds would stay held in a fork
    finally:
        stop.set()
        other.join()


def test_the_progress_bar_runs_no_thread_and_separate_pdfs_share_their_fonts(
    cli, store, tmp_path, monkeypatch
):
    """Under the progress bar (no --json) the process has one thread when a PDF is
    written, so PDF workers may be forked; a batch's separate PDFs load Fontconfig
    once, and each file is the one a fresh configuration gives."""
    import threading

    from weasyprint.text import fonts

    _holders(store, 3)
    threads, configs = [], []
    real_write, real_config = render.write, fonts.FontConfiguration

    def write(*args, **kwargs):
        threads.append(threading.active_count())
        return real_write(*args, **kwargs)

    def config():
        configs.append(1)
        return real_config()

    monkeypatch.setattr(render, "write", write)
    monkeypatch.setattr(fonts, "FontConfiguration", config)
    out = tmp_path / "courrier"
    args = ["renewals", "remind", "--as-of", "2029-09-01", "--date", "2029-09-01", "--out", out]
    cli.ok(*args)
    assert threads == [1, 1, 1]
    assert len(configs) == 1
    files = sorted(out.iterdir())
    assert len(files) == 3
    monkeypatch.setattr(render, "write", real_write)
    monkeypatch.setattr(fonts, "FontConfiguration", real_config)
    letter = render.compose(
        store, "rappel-renouvellement", date=dt.date(2029, 9, 1), certificate="ECO-2026-0003"
    )
    alone = render.write([letter], tmp_path / "alone.pdf", "pdf")
    assert alone.read_bytes() == files[2].read_bytes()
