"""safe_files: no output over the database or an existing file, no symlink
followed, private modes, nothing partial left behind."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from certcli.errors import CertcliError
from certcli.store import files as safe_files


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _settled(db) -> bytes:
    """The database's bytes once the WAL is folded in (closing a connection may
    checkpoint, which changes the bytes but not the data)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.read_bytes()


def _add(cli, first="Léa", last="Martin"):
    cli.ok("candidate", "add", "--first-name", first, "--last-name", last)


@pytest.mark.sqlite_only("the database is a file beside the outputs")
def test_export_over_the_database_is_refused_and_the_db_is_intact(cli, db_path):
    _add(cli)
    before = _settled(db_path)
    for args in (("candidate", "export"), ("directory", "export")):
        for target in (
            db_path,
            db_path.with_name(db_path.name + "-wal"),
            db_path.with_name(db_path.name + "-shm"),
        ):
            result = cli.fails(*args, "--out", target, "--force")
            assert "database" in result.stderr
    assert _settled(db_path) == before
    assert cli.json("candidate", "list")[0]["last_name"] == "Martin"


@pytest.mark.sqlite_only("the database is a file beside the outputs")
def test_a_relative_or_linked_path_to_the_database_is_refused(cli, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "database" in cli.fails("candidate", "export", "--out", db_path.name).stderr
    os.link(db_path, tmp_path / "hard.db")
    assert "database" in cli.fails("candidate", "export", "--out", "hard.db", "--force").stderr
    os.symlink(db_path, tmp_path / "soft.db")
    assert "database" in cli.fails("candidate", "export", "--out", "soft.db", "--force").stderr
    # through a linked folder, or a path that climbs back into the database's folder
    os.symlink(db_path.parent, tmp_path / "office")
    for target in (f"office/{db_path.name}", f"office/x/../{db_path.name}-wal"):
        assert "database" in cli.fails("candidate", "export", "--out", target, "--force").stderr


def test_an_existing_file_needs_force(cli, tmp_path):
    _add(cli)
    out = tmp_path / "office.csv"
    out.write_text("precious\n")
    assert "--force" in cli.fails("candidate", "export", "--out", out).stderr
    assert out.read_text() == "precious\n"
    cli.ok("candidate", "export", "--out", out, "--force")
    assert "Martin" in out.read_text()


def test_a_symlinked_target_is_not_followed(cli, tmp_path):
    _add(cli)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "export.csv"
    link.symlink_to(victim)
    cli.fails("candidate", "export", "--out", link)
    cli.ok("candidate", "export", "--out", link, "--force")
    assert victim.read_text() == "keep me\n"
    assert not link.is_symlink() and "Martin" in link.read_text()


def test_a_planted_part_symlink_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    target = tmp_path / "out.csv"
    (tmp_path / f"out.csv.{os.getpid()}.part").symlink_to(victim)
    with pytest.raises(CertcliError):
        safe_files.write_text(target, "data")
    assert victim.read_text() == "keep me\n" and not target.exists()


def test_files_are_0600_and_new_folders_0700(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # restored below
    old = os.umask(0o022)
    try:
        _add(cli)
        out = tmp_path / "office.csv"
        cli.ok("candidate", "export", "--out", out)
        assert _mode(out) == 0o600
        copy = tmp_path / "backups" / "deeper" / "copy.db"
        cli.ok("backup", copy)
        assert _mode(copy) == 0o600
        assert _mode(copy.parent) == 0o700 and _mode(copy.parent.parent) == 0o700
        existing = tmp_path / "open.csv"
        existing.write_text("x")
        os.chmod(existing, 0o644)
        cli.ok("directory", "export", "--out", existing, "--force")
        assert _mode(existing) == 0o600
    finally:
        os.umask(old)


def test_a_new_database_is_created_0600(tmp_path):
    db = tmp_path / "fresh" / "office.db"
    env = {**os.environ, "CERTCLI_DB": str(db)}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.umask(0o022); from certcli.cli import main; main()",
            "init",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700
    for sidecar in ("-wal", "-shm"):
        side = db.with_name(db.name + sidecar)
        if side.exists():
            assert _mode(side) == 0o600


def test_a_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with safe_files.open_for_write(target) as handle:
            handle.write(b"half")
            raise RuntimeError("disk gone")
    assert list(tmp_path.iterdir()) == []


def test_a_part_file_of_a_killed_run_is_removed_by_the_next_write(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f"copy.db.{dead}.part"
    stale.write_text("half a backup")
    unrelated = tmp_path / "other.db.1.part"
    unrelated.write_text("not ours")
    safe_files.write_text(tmp_path / "copy.db", "whole")
    assert not stale.exists() and unrelated.exists()
    assert (tmp_path / "copy.db").read_text() == "whole"


def test_one_sweep_for_a_target_or_a_whole_folder(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = tmp_path / f"a.csv.{dead}.part"
    other = tmp_path / f"b.pdf.{dead}.part"
    running = tmp_path / f"c.pdf.{os.getpid()}.part"
    kept = [running, tmp_path / "notes.part.txt", tmp_path / "no-pid.part"]
    for path in (target, other, *kept):
        path.write_text("x")
    safe_files.remove_stale_parts(tmp_path, "a.csv")  # a write of a.csv
    assert not target.exists() and other.exists()
    safe_files.remove_stale_parts(tmp_path)  # a writer of many files, once
    assert not other.exists()
    assert all(path.exists() for path in kept)


@pytest.mark.sqlite_only("the database is a file beside the outputs")
def test_backup_refuses_the_database_itself(cli, db_path):
    before = _settled(db_path)
    assert "database" in cli.fails("backup", db_path, "--force").stderr
    assert _settled(db_path) == before


def test_a_folder_or_no_name_is_refused(cli, tmp_path):
    assert "folder" in cli.fails("candidate", "export", "--out", tmp_path, "--force").stderr
    assert cli.fails("backup", "").stderr.startswith("Error: ")


def test_force_never_replaces_a_device_or_a_pipe(cli, tmp_path):
    _add(cli)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = cli.fails("candidate", "export", "--out", fifo, "--force").stderr
    assert "not a regular file" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
