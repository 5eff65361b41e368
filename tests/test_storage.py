"""Storage that cannot lose the office (issue 19): missing, empty, newer, damaged,
read-only and full databases; and the causes of "internal error" (undecodable
arguments, calendar ends, huge amounts, hostile import files, odd paths, a reader
that goes away)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from builders import add_candidate
from conftest import TODAY, Cli, snapshot

from certcli.errors import CertcliError, DatabaseError, ValidationError
from certcli.rules import dates, money
from certcli.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent


def run_certcli(*args, db: Path, stdin=None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "CERTCLI_DB": str(db), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "certcli", *args], cwd=ROOT, env=env, capture_output=True, **kw
    )


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0]


def _office(cli, n=3) -> list[int]:
    return [
        add_candidate(cli, f"Prénom{i}", f"Nom{i}", birth_date="1980-01-0" + str(i + 1))
        for i in range(n)
    ]


def _damage_page(db_path: Path, name: str) -> None:
    """Overwrite the root page of table or index `name` with garbage, as a failing
    disk or a stray write would."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    conn.close()
    with open(db_path, "r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(b"\xde\xad\xbe\xef" * (size // 4))


# -- a damaged file is never used silently
@pytest.mark.parametrize(
    "args",
    [
        ("candidate", "list"),
        ("candidate", "export"),
        ("candidate", "show", "1"),
        ("candidate", "add", "--first-name", "Ana", "--last-name", "Roux"),
    ],
)
@pytest.mark.sqlite_only("damages the SQLite file's pages")
def test_damaged_database_is_named_on_reads_and_writes(cli, db_path, args):
    _office(cli)
    _damage_page(db_path, "candidates")
    line = one_error_line(cli.fails(*args).stderr)
    assert "the database is damaged" in line and "certcli check" in line
    assert "rollback" not in line


@pytest.mark.sqlite_only("damages the SQLite file's pages")
def test_backup_of_a_damaged_database_is_refused_and_removed(cli, db_path, tmp_path):
    _office(cli)
    _damage_page(db_path, "candidates")
    dest = tmp_path / "copies" / "backup.db"
    line = one_error_line(cli.fails("backup", dest).stderr)
    assert "the database is damaged" in line
    assert not dest.exists()
    assert not list(dest.parent.glob("*.part"))


@pytest.mark.sqlite_only("SQLite's integrity check of the copied file")
def test_backup_copy_failing_integrity_is_not_a_backup(cli, db_path, tmp_path):
    # An index page damaged: the pages copy fine, only the integrity check sees it.
    _office(cli)
    index = Store(db_path).scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'candidates' "
        "AND sql IS NOT NULL LIMIT 1"
    )
    _damage_page(db_path, index)
    dest = tmp_path / "backup.db"
    line = one_error_line(cli.fails("backup", dest).stderr)
    assert "damaged" in line and "certcli check" in line
    assert not dest.exists() and not list(tmp_path.glob("backup.db*"))


def test_backup_removes_the_part_file_of_a_killed_backup(cli, tmp_path):
    dest = tmp_path / "backup.db"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f"backup.db.{dead.pid}.part"
    left.write_bytes(b"half a copy")
    cli.ok("backup", dest)
    assert not left.exists()
    assert Store(dest).counts()["candidates"] == 0


# -- only init and demo create a database
@pytest.mark.parametrize(
    "args",
    [
        ("info",),
        ("candidate", "list"),
        ("stats",),
        ("check",),
        ("candidate", "add", "--first-name", "A", "--last-name", "B"),
    ],
)
@pytest.mark.sqlite_only("an empty file as the database")
def test_empty_file_is_refused_not_turned_into_an_office(db_path, args):
    db_path.write_bytes(b"")
    line = one_error_line(Cli().fails(*args).stderr)
    assert line == f"Error: no certcli database at {db_path}: run `certcli init` (or pass --db)"
    assert db_path.read_bytes() == b""
    assert not db_path.with_name(db_path.name + "-wal").exists()


def test_missing_file_is_refused_and_not_created(tmp_path):
    path = tmp_path / "typo.db"
    line = one_error_line(Cli().fails("--db", path, "candidate", "list").stderr)
    assert f"no certcli database at {path}" in line
    assert not path.exists()


@pytest.mark.sqlite_only("an empty file as the database")
def test_init_and_demo_may_create_from_an_empty_file(db_path, tmp_path):
    db_path.write_bytes(b"")
    assert Cli().json("init")["created"] is True
    other = tmp_path / "demo.db"
    other.write_bytes(b"")
    Cli().ok("--db", other, "demo", "--date", "2026-11-25")
    assert Store(other).counts()["candidates"] > 0


@pytest.mark.sqlite_only("edits the SQLite file's bookkeeping bytes")
def test_database_of_a_newer_certcli_is_refused(cli, db_path):
    _office(cli)
    store = Store(db_path)
    store.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('certcli', 'm999_from_the_future', '2027-01-01')"
    )
    store.close()
    before = db_path.read_bytes()
    for args in (
        ("info",),
        ("candidate", "add", "--first-name", "A", "--last-name", "B"),
        ("init",),
    ):
        line = one_error_line(cli.fails(*args).stderr)
        assert line == (
            f"Error: {db_path} was written by a newer certcli (schema "
            f"{SCHEMA_VERSION + 1}, this one knows {SCHEMA_VERSION}): upgrade "
            "certcli"
        )
    assert db_path.read_bytes() == before


# -- read-only folders and full disks
def _in_private_mount(tmp_path, mount: str, script: str) -> subprocess.CompletedProcess:
    """Run `script` (sh) in a mount namespace where `tmp_path/m` is mounted with
    `mount` (a mount command taking the folder as $M); skip where namespaces are not
    allowed."""
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("needs root and unshare for a private mount")
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "M": str(folder),
        "PY": sys.executable,
        "COLUMNS": "200",
        "CERTCLI_DB": str(folder / "office.db"),
    }
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{mount} && echo mounted"],
        env=env,
        capture_output=True,
        text=True,
    )
    if "mounted" not in probe.stdout:
        pytest.skip(f"private mounts not allowed here: {probe.stderr.strip()}")
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{mount} && cd {ROOT} && {script}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_read_only_folder_reads_work_and_writes_say_why(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    db = folder / "office.db"
    Cli().ok("--db", db, "init")
    Cli().ok("--db", db, "candidate", "add", "--first-name", "Léa", "--last-name", "Martin")
    done = _in_private_mount(
        tmp_path,
        'mount --bind "$M" "$M" && mount -o remount,ro,bind "$M"',
        '"$PY" -m certcli candidate list --json; echo "rc=$?"; '
        '"$PY" -m certcli candidate add --first-name A --last-name B; echo "rc=$?"',
    )
    out = done.stdout
    assert '"last_name": "Martin"' in out and "rc=0" in out, done.stderr
    assert "rc=1" in out
    line = one_error_line(done.stderr)
    assert "the database is read-only" in line and str(folder) in line


def test_full_disk_says_the_disk_is_full(tmp_path):
    done = _in_private_mount(
        tmp_path,
        # 2 MiB: a fresh office's init (the WAL of every migration) no longer fits in 1
        'mount -t tmpfs -o size=2m tmpfs "$M"',
        '"$PY" -m certcli init >/dev/null && '
        'dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null; '
        '"$PY" -m certcli candidate add --first-name A --last-name B; echo "rc=$?"; '
        '"$PY" -m certcli info; echo "rc=$?"',
    )
    assert done.stdout.count("rc=1") == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and all("the disk is full" in line for line in lines), lines
    assert "not a usable" not in done.stderr


def test_disk_io_error_on_a_full_disk_is_named(monkeypatch, tmp_path):
    from certcli.store.base import explain

    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=4096))
    error = explain(sqlite3.OperationalError("disk I/O error"), tmp_path / "x.db")
    assert str(error).startswith("the disk is full")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=10**10))
    error = explain(sqlite3.OperationalError("disk I/O error"), tmp_path / "x.db")
    assert str(error).startswith("disk I/O error") and "failing" in str(error)


def test_pdf_on_a_full_disk_does_not_advise_pango():
    from certcli.letters import pdf

    with pytest.raises(CertcliError) as caught:
        pdf.write_pdf("<p>Lettre</p>", Path("/dev/full"))
    assert "No space left on device" in str(caught.value)
    assert "pango" not in str(caught.value).lower()


# -- the causes of "internal error"
@pytest.mark.parametrize(
    "args",
    [
        ("candidate", "list", "--search", "caf\udce9"),
        ("candidate", "add", "--first-name", "L\udce9a", "--last-name", "Martin"),
        ("dossier", "show", "2026-\udcff"),
        ("--db", "/tmp/\udce9.db", "info"),
        ("candidate", "list", "--search=caf\udce9"),
    ],
)
def test_undecodable_arguments_are_refused_in_one_line(cli, db_path, args):
    before = snapshot(db_path)
    line = one_error_line(cli.fails(*args).stderr)
    assert "is not valid UTF-8" in line and "\\x" in line
    assert snapshot(db_path) == before


def test_undecodable_bytes_from_the_shell(cli, db_path):
    done = run_certcli(
        b"candidate", b"add", b"--first-name", b"L\xe9a", b"--last-name", b"Martin", db=db_path
    )
    assert done.returncode == 1
    line = one_error_line(done.stderr.decode())
    assert "the value of --first-name is not valid UTF-8 (L\\xe9a)" in line


def test_error_line_is_one_printable_line(cli, tmp_path):
    # An argument with a control character is refused before any command; bytes read
    # from a file (an unknown column of a binary-ish header) reach the error line too.
    line = one_error_line(cli.fails("candidate", "list", "--search", "a\x1b[2Jb").stderr)
    assert "\x1b" not in line
    path = tmp_path / "a.csv"
    path.write_bytes(b"first_name,last_name,\x1b]0;pwned\x07\x9bcol\n")
    line = one_error_line(cli.fails("candidate", "import", path).stderr)
    assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line
    assert "\\x1b]0;pwned\\x07" in line


def test_printable_escapes_what_a_terminal_would_obey():
    from certcli.cli.output import printable

    assert printable("a\tb\r\n\x1b]0;x\x07 \u202e\udcff é") == (
        "a\\x09b\\x0d\\x0a\\x1b]0;x\\x07 \\u202e\\xff é"
    )
    assert len(printable("x" * 5000, limit=100)) == 100


@pytest.mark.parametrize(
    "args",
    [
        ("stats", "--as-of", "9999-12-31"),
        ("stats", "--as-of", "0001-01-01"),
        ("commission", "plan", "--year", "9999"),
        ("dues", "call", "--year", "9999"),
        ("renewals", "due", "--as-of", "31/12/9999"),
    ],
)
def test_calendar_ends_are_usage_errors(cli, args):
    result = cli.fails(*args, code=2)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "2199" in result.stderr


def test_dates_are_bounded_in_the_one_parser():
    assert dates.parse_date("2199-12-31") == dt.date(2199, 12, 31)
    assert dates.parse_date("01/01/1900") == dt.date(1900, 1, 1)
    for text in ("9999-12-31", "0001-01-01", "31/12/1899", "01/01/2200"):
        with pytest.raises(ValidationError, match="out of range"):
            dates.parse_date(text)
    # The rules add years to the last day: still inside Python's calendar.
    assert dates.validity_end(dt.date(2199, 12, 31), 10).year == 2209


def test_stats_at_the_range_ends(cli):
    assert cli.json("stats", "--as-of", "2199-12-31")["as_of"] == "2199-12-31"
    assert cli.json("stats", "--as-of", "1900-01-01")["as_of"] == "1900-01-01"
    cli.ok("commission", "plan", "--year", "2199", "--date", "2199-01-01")


@pytest.mark.parametrize(
    "text", ["1" * 28, "9" * 27 + ".99", "1000000000", "-1e400", "0." + "1" * 60]
)
def test_huge_amounts_are_refused(text):
    with pytest.raises(ValidationError, match="invalid amount"):
        money.parse_amount(text)


def test_largest_amount_and_cli(cli):
    assert money.parse_amount("999 999 999,99") == Decimal("999999999.99")
    line = one_error_line(
        cli.fails("dues", "prorata", "--amount", "1" * 28, "--date", "2026-06-15").stderr
    )
    assert "too large" in line


def test_demo_size_is_bounded(cli):
    assert "1000000" in cli.fails("demo", "--size", "2147483648", code=2).stderr


# -- candidate import: files that are not a register
@pytest.mark.parametrize("encoding", ["idna", "punycode", "undefined", "base64", "rot13"])
def test_codecs_that_are_not_file_encodings(cli, tmp_path, encoding):
    path = tmp_path / "a.csv"
    path.write_text("first_name,last_name\nLéa,Martin\n", encoding="utf-8")
    line = one_error_line(cli.fails("candidate", "import", path, "--encoding", encoding).stderr)
    assert encoding in line


def test_utf16_on_a_file_that_is_not(cli, tmp_path, unchanged):
    path = tmp_path / "a.csv"
    path.write_text("first_name,last_name\nLéa,Martin\n", encoding="utf-8")
    with unchanged():
        line = one_error_line(cli.fails("candidate", "import", path, "--encoding", "utf-16").stderr)
    assert "cannot be read as utf-16" in line
    # A real UTF-16 file is read.
    path.write_text("first_name,last_name\nLéa,Martin\n", encoding="utf-16")
    assert cli.json("candidate", "import", path, "--encoding", "utf-16")["inserted"] == 1


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "folder"])
def test_import_refuses_what_is_not_a_regular_file(cli, tmp_path, special):
    target = tmp_path if special == "folder" else special
    line = one_error_line(cli.fails("candidate", "import", target).stderr)
    assert "not a regular file" in line or "Is a directory" in line


def test_import_size_is_capped(cli, tmp_path, monkeypatch):
    from certcli.domain import candidate_io

    monkeypatch.setattr(candidate_io, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_text("first_name,last_name\n" + "Léa,Martin\n" * 20)
    assert "larger than" in one_error_line(cli.fails("candidate", "import", path).stderr)
    assert candidate_io.MAX_FILE_BYTES < os.path.getsize(path) < 50 * 2**20


def test_binary_file_imported_as_csv(cli, tmp_path, unchanged):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    with unchanged():
        line = one_error_line(cli.fails("candidate", "import", path).stderr)
    assert "not a CSV text file" in line


def test_carriage_returns_inside_fields_are_line_ends(cli, tmp_path):
    # Read through a newline="" buffer, as the csv module wants: a lone CR ends a
    # line instead of aborting the file ("new-line character seen in unquoted field").
    path = tmp_path / "a.csv"
    path.write_bytes(b"first_name,last_name\nL\xc3\xa9a,Martin\nZo\r\xc3\xa9,Durand\n")
    data = cli.json("candidate", "import", path)
    assert data["total"] == 3 and "internal error" not in str(data)


def test_a_cell_over_128_kib_rejects_its_row_only(cli, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "first_name,last_name\nLéa,Martin\nAna," + "x" * 200_000 + "\nZoé,Durand\n",
        encoding="utf-8",
    )
    data = cli.json("candidate", "import", path)
    assert data["inserted"] == 2
    assert data["rejected"] == [
        {
            "line": 3,
            "name": ("Ana " + "x" * 200_000)[:80],
            "reason": "last_name longer than 128 KiB (is a quote left open?)",
        }
    ]


# -- odd paths
def test_out_root_and_empty_backup_name(cli):
    for args in (("candidate", "export", "--out", "/"), ("backup", ""), ("backup", "/")):
        line = one_error_line(cli.fails(*args).stderr)
        assert "internal error" not in line


@pytest.mark.parametrize("where", ["db", "backup", "import", "export"])
def test_path_component_over_255_bytes(cli, tmp_path, where):
    long = tmp_path / ("é" * 200 + ".db")
    args = {
        "db": ("--db", long, "info"),
        "backup": ("backup", long),
        "import": ("candidate", "import", long),
        "export": ("candidate", "export", "--out", long),
    }[where]
    line = one_error_line(cli.fails(*args).stderr)
    assert "File name too long" in line


def test_backup_under_a_folder_that_cannot_be_entered(cli, db_path, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    prefix = []
    if os.geteuid() == 0:
        # root enters any folder: run without the capabilities that let it.
        if not shutil.which("setpriv"):
            pytest.skip("needs setpriv to run as root without CAP_DAC_OVERRIDE")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    try:
        env = {**os.environ, "CERTCLI_DB": str(db_path)}
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "certcli", "backup", str(locked / "sub" / "b.db")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1
        line = one_error_line(done.stderr)
        assert line == f"Error: cannot write the backup to {locked}/sub/b.db: Permission denied"
    finally:
        locked.chmod(0o700)


# -- a reader that goes away
def test_piping_into_head_exits_quietly(tmp_path):
    db = tmp_path / "office.db"
    assert run_certcli("demo", "--size", "300", "--date", "2026-11-25", db=db).returncode == 0
    env = {**os.environ, "CERTCLI_DB": str(db)}
    for command in ("dossier list --limit 1000 --json", "scheme list"):
        done = subprocess.run(
            f"{sys.executable} -m certcli {command} | head -1",
            shell=True,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.stdout.count("\n") == 1
        assert done.stderr == "", done.stderr


def test_closed_stdout_exits_quietly(tmp_path):
    db = tmp_path / "office.db"
    run_certcli("init", db=db)
    reader, writer = os.pipe()
    os.close(reader)  # the reader went away before a byte was written
    env = {**os.environ, "CERTCLI_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "certcli", "scheme", "list"],
        cwd=ROOT,
        env=env,
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(writer)
    assert done.returncode == 1
    assert done.stderr == ""


def test_store_open_errors_are_database_errors(tmp_path):
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    with pytest.raises(DatabaseError, match="is not a file"):
        Store(folder)
    assert TODAY.year == 2026


def test_database_path_from_the_environment_is_checked_too(tmp_path):
    for name in (b"caf\xe9.db", b"a\x1b[2J.db"):
        env = {**os.environ, "CERTCLI_DB": os.fsdecode(bytes(tmp_path) + b"/" + name)}
        done = subprocess.run(
            [sys.executable, "-m", "certcli", "init", "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1
        assert "the database path is not valid UTF-8" in one_error_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_backup_removes_a_killed_backup_under_another_name(cli, tmp_path):
    # Backups are usually dated: yesterday's killed copy has another name than today's.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f"certcli-2026-11-24.db.{dead.pid}.part"
    left.write_bytes(b"half a copy")
    keep = tmp_path / "notes.part"  # not a certcli part file: left alone
    keep.write_text("mine")
    cli.ok("backup", tmp_path / "certcli-2026-11-25.db")
    assert not left.exists() and keep.exists()


def test_backup_to_a_full_disk_names_the_backup_not_the_database(tmp_path):
    db = tmp_path / "office.db"
    Cli().ok("--db", db, "init")
    Cli().ok("--db", db, "candidate", "add", "--first-name", "Léa", "--last-name", "Martin")
    done = _in_private_mount(
        tmp_path,
        'mount -t tmpfs -o size=600k tmpfs "$M"',
        'dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null; '
        f'"$PY" -m certcli --db {db} backup "$M/b.db"; echo "rc=$?"',
    )
    assert "rc=1" in done.stdout, (done.stdout, done.stderr)
    line = one_error_line(done.stderr)
    assert "full" in line and "b.db" in line and str(db) not in line, line


def test_every_command_closes_its_database_when_it_ends(cli, monkeypatch):
    # Left to the garbage collector, a connection kept alive by an error's traceback
    # would checkpoint the WAL into the file at some later moment.
    from certcli.cli import common

    opened = []
    real = common.store

    def recording(**kwargs):
        opened.append(real(**kwargs))
        return opened[-1]

    monkeypatch.setattr(common, "store", recording)
    cli.ok("candidate", "list")
    cli.fails("candidate", "show", "999")
    assert len(opened) == 2
    for store in opened:
        with pytest.raises((sqlite3.ProgrammingError, DatabaseError), match="(?i)closed"):
            store.conn.execute("SELECT 1")
