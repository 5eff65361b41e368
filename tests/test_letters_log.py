"""No letter lost, none written twice: a letter asked for is recorded as pending in
its step's transaction and rendered after the commit; a run killed in between
leaves it pending (`letters pending`), `letters render --pending` or the next
command that renders letters completes it, once. Concurrent `renewals remind`
runs leave one file per recorded reminder."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import letter_records as R
import pytest
from commission_helpers import new_candidate, report_ready, session
from test_concurrency import at_once

from certcli.letters import render

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = {"address": "12 rue des Écoles", "postcode": "75005", "city": "Paris"}


def _decidable(cli, store, **extra):
    cid = new_candidate(cli, **ADDRESS)
    ref = report_ready(cli, store, report_on="2026-05-20", candidate=cid)
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-01")
    return sid, ref


def _kill_after_commit(monkeypatch, interruption):
    def killed(*args, **kwargs):
        raise interruption  # the run dies once the step is committed

    monkeypatch.setattr(render, "write", killed)


def _grant_with_letter(sid, ref, out) -> list:
    """`commission decide --grant` of `ref` on the session day, its letter asked for."""
    return [
        "commission",
        "decide",
        sid,
        ref,
        "--grant",
        "--date",
        "2026-06-15",
        "--letter",
        "--format",
        "html",
        "--out",
        out,
    ]


def _grant_killed(cli, monkeypatch, sid, ref, out, interruption=KeyboardInterrupt):
    """The grant with its letter, the run killed once the step is committed."""
    with monkeypatch.context() as patch:
        _kill_after_commit(patch, interruption)
        return cli(*_grant_with_letter(sid, ref, out))


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit(1)])
def test_a_decision_killed_before_its_letter_leaves_it_pending(
    cli, store, tmp_path, monkeypatch, interruption
):
    sid, ref = _decidable(cli, store)
    out = tmp_path / "courrier"
    decide = _grant_with_letter(sid, ref, out)
    assert _grant_killed(cli, monkeypatch, sid, ref, out, interruption).exit_code != 0
    # The grant stands, its letter is not lost: recorded as pending, nothing written.
    assert cli.json("dossier", "show", ref)["status"] == "granted"
    assert "already decided" in cli.fails(*decide).stderr
    pending = cli.json("letters", "pending")
    # the notification and its invoice, rendered in its file (issue 12)
    # (the grant's prorated dues invoice, not the instruction fee's issued at its payment)
    [invoice] = [
        i["number"]
        for i in cli.json("invoice", "list")
        if i["dossier"] == ref and i["purpose"] == "dues-prorata"
    ]
    assert [(p["template"], p["record"], p["ref"], p["date"], p["format"]) for p in pending] == [
        ("notification", "dossier", ref, "2026-06-15", "html"),
        ("facture", "invoice", invoice, "2026-06-15", "html"),
    ]
    assert pending[0]["out"] == str(out.resolve())
    assert not out.exists() or list(out.iterdir()) == []
    assert cli.json("letters", "log") == []
    # Rendered once, with the options it was asked with.
    done = cli.json("letters", "render", "--pending")
    assert [(d["template"], d["ref"], d["error"]) for d in done] == [("notification", ref, None)]
    assert Path(done[0]["path"]).parent == out.resolve()
    assert "certification" in Path(done[0]["path"]).read_text(encoding="utf-8").lower()
    assert cli.json("letters", "render", "--pending") == []
    assert cli.json("letters", "pending") == []
    log = cli.json("letters", "log")
    assert [entry["template"] for entry in log] == ["notification", "facture"]
    assert {entry["path"] for entry in log} == {done[0]["path"]}  # one file
    assert [p.name for p in out.iterdir()] == [Path(done[0]["path"]).name]


def test_the_next_command_that_renders_letters_completes_a_pending_one(
    cli, store, tmp_path, monkeypatch
):
    sid, ref = _decidable(cli, store)
    _grant_killed(cli, monkeypatch, sid, ref, tmp_path / "a")
    assert len(cli.json("letters", "pending")) == 2  # the notification and its invoice
    other = report_ready(cli, store, candidate=new_candidate(cli, **ADDRESS))
    later = cli.ok("commission", "agenda", session(cli, "2026-07-01"), "--date", "2026-06-20")
    assert other in later.stdout
    result = cli.ok(
        "commission",
        "decide",
        2,
        other,
        "--grant",
        "--date",
        "2026-07-01",
        "--letter",
        "--format",
        "html",
        "--out",
        tmp_path / "b",
        "--json",
    )
    assert f"Pending letter notification (dossier {ref}) rendered" in result.stderr
    assert json.loads(result.stdout)["letter"].startswith(str((tmp_path / "b").resolve()))
    assert cli.json("letters", "pending") == []
    assert sorted(e["dossier"] for e in cli.json("letters", "log")) == sorted([ref, other] * 2)
    assert len(list((tmp_path / "a").iterdir())) == 1


def test_a_letter_that_fails_after_the_step_is_pending_and_says_so(
    cli, store, tmp_path, monkeypatch
):
    from certcli.errors import TemplateError

    sid, ref = _decidable(cli, store)

    def broken(*args, **kwargs):
        raise TemplateError("cannot write the letter")

    with monkeypatch.context() as patch:
        patch.setattr(render, "write", broken)
        err = cli.fails(*_grant_with_letter(sid, ref, tmp_path)).stderr
        assert "the step is recorded and its letter is pending" in err
        assert "certcli letters render --pending" in err
        # Still failing: it stays pending and the command says which one.
        err = cli.fails("letters", "render", "--pending").stderr
        assert f"notification (dossier {ref}) not rendered: cannot write the letter" in err
    assert len(cli.json("letters", "render", "--pending")) == 1
    assert cli.json("letters", "pending") == []


@pytest.mark.sqlite_only("watches the SQLite file with a second sqlite3 connection")
def test_a_real_kill_after_the_commit(cli, store, tmp_path, db_path):
    """SIGKILL while the PDF is laid out, the decision committed: the letter is pending
    and renders once; the killed run's part file is removed."""
    sid, ref = _decidable(cli, store)
    heavy = tmp_path / "modeles"
    heavy.mkdir()
    template = heavy / "notification.html"
    template.write_text(
        '{#- certcli\ndescription = "x"\nneeds = "dossier"\nwhen = "granted"\n-#}\n'
        '{% extends "_base.html" %}{% block subject %}Notification{% endblock %}'
        "{% block content %}{% for i in range(1200) %}<p>Ligne {{ i }}</p>{% endfor %}"
        "{% endblock %}",
        encoding="utf-8",
    )
    out = tmp_path / "courrier"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "certcli",
            "--db",
            str(db_path),
            "commission",
            "decide",
            str(sid),
            ref,
            "--grant",
            "--date",
            "2026-06-15",
            "--letter",
            "--out",
            str(out),
            "--templates",
            str(heavy),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    watcher = sqlite3.connect(db_path, timeout=30)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if watcher.execute("SELECT count(*) FROM pending_letters").fetchone()[0]:
                break
            time.sleep(0.01)
        assert proc.poll() is None, proc.communicate()  # still laying out the PDF
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        watcher.close()
    assert cli.json("dossier", "show", ref)["status"] == "granted"
    assert [p["template"] for p in cli.json("letters", "pending")] == ["notification", "facture"]
    assert list(out.glob("*.pdf")) == []
    # Rendered from the templates folder it was asked with (made light for speed).
    template.write_text(template.read_text(encoding="utf-8").replace("1200", "2"), encoding="utf-8")
    done = cli.json("letters", "render", "--pending")
    assert len(done) == 1 and done[0]["path"].endswith(".pdf")
    assert [p.name for p in out.iterdir()] == [Path(done[0]["path"]).name]  # no .part left
    assert cli.json("letters", "render", "--pending") == []


def _holders(store, n):
    for i in range(n):
        c = R.candidate(store, first=f"Zoé{i}", email=f"z{i}@example.fr")
        R.certificate(store, c, f"2026-03-{10 + i * 18 // n:02d}")  # ECO-2026-0001, ...


@pytest.mark.parametrize("one_file", [False, True])
def test_parallel_remind_runs_leave_one_file_per_recorded_reminder(
    cli, store, tmp_path, db_path, one_file
):
    _holders(store, 40)
    out = tmp_path / "courrier"
    args = [
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--date",
        "2029-09-01",
        "--format",
        "html",
        "--out",
        out,
        "--json",
    ] + (["--one-file"] if one_file else [])
    results = at_once(db_path, *args, n=3)
    assert [code for code, _, _ in results] == [0, 0, 0], results
    reminded = [number for _, stdout, _ in results for number in json.loads(stdout)["reminded"]]
    assert sorted(reminded) == [f"ECO-2026-{i:04d}" for i in range(1, 41)]  # each once
    assert store.scalar("SELECT count(*) FROM reminders") == 40
    assert store.scalar("SELECT count(*) FROM reminders WHERE letter_id IS NULL") == 0
    files = [p for p in out.iterdir()]
    assert all(p.suffix == ".html" for p in files), files
    logged = {r[0] for r in store.all("SELECT path FROM letters")}
    assert {str(p.resolve()) for p in files} == logged
    assert store.scalar("SELECT count(*) FROM letters") == 40
    if not one_file:
        assert len(files) == 40
    assert cli.json("letters", "pending") == []


def test_check_names_a_pending_letter(cli, store, tmp_path, monkeypatch):
    sid, ref = _decidable(cli, store)
    _grant_killed(cli, monkeypatch, sid, ref, tmp_path)
    result = cli("check")
    assert result.exit_code == 1
    assert f"notification (dossier {ref})" in result.stdout + result.stderr
    assert "letters render --pending" in result.stdout + result.stderr
    cli.ok("letters", "render", "--pending")
    cli.ok("check")


def test_separate_letters_are_logged_a_lot_per_transaction(cli, store, tmp_path, monkeypatch):
    """Each letter in its own file, but one commit for the lot (log.LOG_EACH letters),
    not one each; names are still unique within the lot."""
    from certcli.letters import log
    from certcli.store import Store

    _holders(store, 7)
    monkeypatch.setattr(log, "LOG_EACH", 3)
    commits = []
    real = Store.transaction

    def counted(self):
        if not self.conn.in_transaction:
            commits.append(1)
        return real(self)

    monkeypatch.setattr(Store, "transaction", counted)
    out = tmp_path / "courrier"
    args = ["renewals", "remind", "--as-of", "2029-09-01", "--date", "2029-09-01"]
    done = cli.json(*args, "--format", "html", "--out", out)
    assert done["reminded"] == [f"ECO-2026-{i:04d}" for i in range(1, 8)]
    assert [Path(f).name for f in done["files"]] == [
        f"2029-09-01_rappel-renouvellement_ECO-2026-{i:04d}.html" for i in range(1, 8)
    ]
    # the 7 pending letters held (one chunk), then three lots logged: 3 + 3 + 1
    # (one commit a letter would be 1 + 7)
    assert len(commits) == 1 + 3, commits
    assert sorted(p.name for p in out.iterdir()) == [Path(f).name for f in done["files"]]
    assert store.scalar("SELECT count(*) FROM letters") == 7
    assert store.scalar("SELECT count(*) FROM reminders WHERE letter_id IS NULL") == 0


def test_a_failure_in_a_lot_logs_the_letters_written_before_it(cli, store, tmp_path, monkeypatch):
    """The fourth letter fails: the three written before it are logged with their
    files, it and the rest stay pending, and the next run completes them once."""
    from certcli.errors import TemplateError
    from certcli.letters import log

    _holders(store, 6)
    monkeypatch.setattr(log, "LOG_EACH", 50)
    real_write, calls = render.write, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise TemplateError("the disk is full")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(render, "write", failing)
    out = tmp_path / "courrier"
    args = ["renewals", "remind", "--as-of", "2029-09-01", "--date", "2029-09-01"]
    assert "the disk is full" in cli.fails(*args, "--format", "html", "--out", out).stderr
    assert store.scalar("SELECT count(*) FROM letters") == 3
    logged = {r[0] for r in store.all("SELECT path FROM letters")}
    assert {str(p.resolve()) for p in out.iterdir()} == logged  # no part file, no unlogged file
    assert [p["ref"] for p in cli.json("letters", "pending")] == [
        f"ECO-2026-{i:04d}" for i in (4, 5, 6)
    ]
    monkeypatch.setattr(render, "write", real_write)
    cli.ok(*args, "--format", "html", "--out", out)
    assert store.scalar("SELECT count(*) FROM letters") == 6
    assert store.scalar("SELECT count(DISTINCT letter_id) FROM reminders") == 6
    assert len(list(out.iterdir())) == 6


def test_a_full_disk_in_a_lot_leaves_no_part_file(cli, store, tmp_path, monkeypatch):
    """An HTML letter is written through the descriptor that made its part file: the
    disk full at the fourth, that part file is removed, the three before it are
    logged with their files, and the next run completes the rest once."""
    import errno

    from certcli.letters import log
    from certcli.store import files

    _holders(store, 6)
    monkeypatch.setattr(log, "LOG_EACH", 50)
    real, calls = files.write_all, []

    def full(fd, data):
        calls.append(1)
        if len(calls) == 4:
            os.write(fd, data[:100])  # a part written, then no space left
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(files, "write_all", full)
    out = tmp_path / "courrier"
    args = ["renewals", "remind", "--as-of", "2029-09-01", "--date", "2029-09-01"]
    err = cli.fails(*args, "--format", "html", "--out", out).stderr
    assert "No space left on device" in err
    assert store.scalar("SELECT count(*) FROM letters") == 3
    logged = {r[0] for r in store.all("SELECT path FROM letters")}
    assert {str(p.resolve()) for p in out.iterdir()} == logged  # no part file, no unlogged file
    monkeypatch.setattr(files, "write_all", real)
    cli.ok(*args, "--format", "html", "--out", out)
    assert store.scalar("SELECT count(*) FROM letters") == 6
    assert len(list(out.iterdir())) == 6


@pytest.mark.sqlite_only("watches the SQLite file with a second sqlite3 connection")
def test_a_real_kill_in_the_middle_of_a_batch_of_separate_letters(cli, store, tmp_path, db_path):
    """SIGKILL while the second lot of separate letters is laid out: the first lot is
    logged, each logged letter's file is there and whole, nothing of the lot being
    written is logged; the next run renders the rest, each letter once."""
    _holders(store, 6)
    heavy = tmp_path / "modeles"
    heavy.mkdir()
    template = heavy / "rappel-renouvellement.html"
    template.write_text(
        '{#- certcli\ndescription = "x"\nneeds = "certificate"\n-#}\n'
        '{% extends "_base.html" %}{% block subject %}Rappel {{ certificate.number }}'
        "{% endblock %}{% block content %}{% for i in range(300) %}<p>Ligne {{ i }}</p>"
        "{% endfor %}{% endblock %}",
        encoding="utf-8",
    )
    out = tmp_path / "courrier"
    args = [
        "renewals",
        "remind",
        "--as-of",
        "2029-09-01",
        "--date",
        "2029-09-01",
        "--out",
        str(out),
        "--templates",
        str(heavy),
    ]
    run = (
        "import sys; from certcli.letters import log; log.LOG_EACH = 2; "
        "from certcli.cli import main; sys.argv[0] = 'certcli'; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", run, "--db", str(db_path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    watcher = sqlite3.connect(db_path, timeout=30)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            # the first lot logged and renamed (its two files under their names: a
            # part file seen before that could still be the first lot's), the next
            # one's part file begun
            if (
                watcher.execute("SELECT count(*) FROM letters").fetchone()[0] >= 2
                and len(list(out.glob("*.pdf"))) >= 2
                and any(out.glob("*.part"))
            ):
                break
            time.sleep(0.005)
        assert proc.poll() is None, proc.communicate()  # laying out the second lot
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        logged = [r[0] for r in watcher.execute("SELECT path FROM letters")]
    finally:
        watcher.close()
    assert 2 <= len(logged) < 6 and len(logged) % 2 == 0  # whole lots only
    # A lot the kill caught between its commit and its renames has its files whole
    # under their part names (the next run gives them their names).
    parts = {str(p.with_name(p.name.rsplit(".", 2)[0]).resolve()): p for p in out.glob("*.part")}
    for path in logged:
        data = (Path(path) if Path(path).exists() else parts[path]).read_bytes()
        assert data.startswith(b"%PDF") and b"%%EOF" in data
    finished = {str(p.resolve()) for p in out.glob("*.pdf")}
    assert finished <= set(logged) <= finished | set(parts)  # no file without its letter
    assert len(cli.json("letters", "pending")) == 6 - len(logged)
    template.write_text(template.read_text(encoding="utf-8").replace("300", "2"), encoding="utf-8")
    cli.ok(*args)  # completes the killed run's pending letters, reminds nobody new
    assert store.scalar("SELECT count(*) FROM letters") == 6
    assert store.scalar("SELECT count(DISTINCT letter_id) FROM reminders") == 6
    assert store.scalar("SELECT count(*) FROM reminders") == 6
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf"] * 6  # the part files swept


def test_a_logged_letter_whose_run_was_killed_before_the_rename_gets_its_file(cli, store, tmp_path):
    """Killed between the commit that logged a lot and the renames: the next run that
    writes letters in that folder gives the logged letter's part file its name (it was
    whole before the commit); a part file of nothing logged is removed."""
    _holders(store, 2)
    out = tmp_path / "courrier"
    args = ["renewals", "remind", "--as-of", "2029-09-01", "--date", "2029-09-01"]
    args += ["--format", "html", "--out", out]
    first = Path(cli.json(*args)["files"][0])
    text = first.read_text(encoding="utf-8")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = int(gone.stdout)
    first.rename(first.with_name(f"{first.name}.{dead}.part"))  # as a kill would leave it
    (out / f"unlogged.html.{dead}.part").write_text("half a lett", encoding="utf-8")
    c = R.candidate(store, first="Zoé9", email="z9@example.fr")
    R.certificate(store, c, "2026-03-20")  # one more due: the next run writes in `out`
    render._swept.clear()  # a new run (the CLI runs in the test's process)
    cli.ok(*args)
    assert first.read_text(encoding="utf-8") == text
    assert list(out.glob("*.part")) == []
    logged = {r[0] for r in store.all("SELECT path FROM letters")}
    assert {str(p.resolve()) for p in out.iterdir()} == logged and len(logged) == 3
