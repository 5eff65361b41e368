"""Every file certcli writes (exports, backups, letters) goes through here.

The files hold personal data, so they are created 0600 in folders created 0700,
whatever the umask. A file appears whole or not at all: it is written to a
temporary `NAME.PID.part` beside the target, created with O_EXCL|O_NOFOLLOW (never
through a symlink someone planted), then renamed over the target; a failure
removes it, and a part file left by a killed run (its process is gone) is removed
by the next write of the same target. Nothing is ever written over the database or
its -wal/-shm/-journal, nor over an existing file unless `force` is given; a
symlink at the target is replaced, never followed.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from certcli.errors import CertcliError

FILE_MODE = 0o600
DIR_MODE = 0o700
_SIDECARS = ("", "-wal", "-shm", "-journal")
_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def database_files(db: Path | str | None) -> list[Path]:
    """The database and the files SQLite keeps beside it."""
    if db is None or str(db) == ":memory:" or "://" in str(db):
        return []  # in memory, or on a database server
    db = Path(db)
    return [db.with_name(db.name + suffix) for suffix in _SIDECARS]


@functools.lru_cache(maxsize=32)
def _guarded_realpath(path: str, cwd: str) -> str:
    # The database's files resolved once per run (a batch of letters checks each
    # target twice against all four: eight resolutions a file otherwise).
    return os.path.realpath(path)


def _same_file(real: str, found: os.stat_result | None, guarded: Path, cwd: str) -> bool:
    """Whether the target (`real`: its resolved path, `found`: its stat, None when
    it does not exist) is the file `guarded`."""
    if real == _guarded_realpath(str(guarded), cwd):
        return True
    if found is None:
        return False
    try:
        return os.path.samestat(found, os.stat(guarded))  # a hard link to the database
    except OSError:
        return False


def check_target(path: Path, *, force: bool = False, protect: Path | str | None = None) -> Path:
    """Refuse a target that is the database (or one of its files), a folder, or an
    existing file when `force` is not given. Returns the path."""
    path = Path(path)
    if str(path) in ("", "."):
        raise CertcliError("no file name given")
    try:
        here = os.lstat(path)  # one look at the target (a batch checks each file twice)
    except OSError:
        here = None
    link = here is not None and stat.S_ISLNK(here.st_mode)
    guarded_files = database_files(protect)
    if guarded_files:
        cwd = os.getcwd()
        names = {os.path.basename(_guarded_realpath(str(g), cwd)) for g in guarded_files}
        # A target that is no link resolves to a path ending with its own name: only
        # one named like a database file can be one (a letters folder has none).
        resolve = link or path.name in ("", ".", "..") or path.name in names
        real = os.path.realpath(path) if resolve else ""
        found = here if not link else None
        if link:
            try:
                found = os.stat(path)
            except OSError:
                found = None
        for guarded in guarded_files:
            if _same_file(real, found, guarded, cwd):
                raise CertcliError(
                    f"refusing to write over the database file {guarded}: choose another file name"
                )
    if here is not None:
        if not link and stat.S_ISDIR(here.st_mode):
            raise CertcliError(f"{path} is a folder: give a file name")
        if not force:
            raise CertcliError(f"{path} exists; use --force to overwrite it")
        if not link and not stat.S_ISREG(here.st_mode):
            # A device or a pipe (/dev/null, a FIFO): --force must never swap it for
            # a regular file holding personal data.
            raise CertcliError(f"{path} is not a regular file: give a file name")
    return path


def ensure_dir(folder: Path | str) -> Path:
    """Create `folder` and its missing parents 0700 (existing ones are left as they
    are)."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for level in reversed(missing):
        try:
            level.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        else:
            os.chmod(level, DIR_MODE)  # mkdir's mode is masked by the umask
    return folder


def remove_stale_parts(
    folder: Path | str, name: str | None = None, *, restore: Callable[[Path], bool] | None = None
) -> None:
    """Part files in `folder` whose writer process is gone (a killed run): those of
    the target `name` (`NAME.PID.part`), or every one (a writer of many files sweeps
    its folder once). With `restore`, the one stale part file of a missing target
    for which restore(target) is true takes the target's name instead (a letter
    logged, then its run killed before the file was renamed: it was whole before
    the commit that logged it); every other one is removed."""
    pattern = f"{_glob_escape(name)}.*.part" if name else "*.part"
    stale: dict[Path, list[Path]] = {}
    for part in Path(folder).glob(pattern):
        stem, _, pid = part.name[: -len(".part")].rpartition(".")
        if pid.isdigit() and not _alive(int(pid)):
            stale.setdefault(part.with_name(stem), []).append(part)
    for target, parts in stale.items():
        if (
            restore is not None
            and len(parts) == 1
            and not os.path.lexists(target)
            and restore(target)
        ):
            try:
                os.replace(parts[0], target)
                continue
            except OSError:
                pass
        for part in parts:
            try:
                part.unlink()
            except OSError:
                pass


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _fail(path: Path, exc: OSError) -> CertcliError:
    return CertcliError(f"cannot write {path}: {exc.strerror or exc}")


@contextmanager
def temporary(
    path: Path | str,
    *,
    force: bool = False,
    protect: Path | str | None = None,
    make_parents: bool = False,
    sweep: bool = True,
    fill: Callable[[int], object] | None = None,
) -> Iterator[Path]:
    """A fresh private part file beside `path`, renamed to `path` when the block
    succeeds and removed when it fails. For writers that need a path of their own
    (SQLite's backup); the file exists, empty, when the block starts. Missing
    folders are created (0700) only with `make_parents`: an export into a mistyped
    folder is an error. A writer of many files in one folder passes sweep=False and
    calls `remove_stale_parts(folder)` once (a sweep reads the whole folder). `fill`,
    called with the descriptor that created the part file, writes it before the
    block starts (a writer of many small files opens each once, not twice)."""
    path = check_target(Path(path), force=force, protect=protect)
    try:
        if make_parents:
            ensure_dir(path.parent)
        if sweep:
            remove_stale_parts(path.parent, path.name)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
        fd = os.open(tmp, _FLAGS, FILE_MODE)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        os.fchmod(fd, FILE_MODE)
        if fill is not None:
            fill(fd)
    except OSError as exc:
        os.close(fd)
        _unlink(tmp)
        raise _fail(path, exc) from None
    except BaseException:
        os.close(fd)
        _unlink(tmp)
        raise
    os.close(fd)
    try:
        yield tmp
        # Checked again at the end: someone may have created it meanwhile.
        check_target(path, force=force, protect=protect)
        os.replace(tmp, path)
    except OSError as exc:
        _unlink(tmp)
        raise _fail(path, exc) from None
    except BaseException:
        _unlink(tmp)
        raise


def write_all(fd: int, data: bytes) -> None:
    """All of `data` to the descriptor `fd`."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextmanager
def open_for_write(
    path: Path | str,
    *,
    force: bool = False,
    protect: Path | str | None = None,
    make_parents: bool = False,
) -> Iterator:
    """A binary file object; the target appears, whole, when the block succeeds."""
    with temporary(path, force=force, protect=protect, make_parents=make_parents) as tmp:
        fd = os.open(tmp, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def write_bytes(
    path: Path | str,
    data: bytes,
    *,
    force: bool = False,
    protect: Path | str | None = None,
    make_parents: bool = False,
) -> Path:
    with open_for_write(path, force=force, protect=protect, make_parents=make_parents) as handle:
        handle.write(data)
    return Path(path)


def write_text(
    path: Path | str,
    text: str,
    *,
    force: bool = False,
    protect: Path | str | None = None,
    make_parents: bool = False,
    encoding: str = "utf-8",
) -> Path:
    return write_bytes(
        path, text.encode(encoding), force=force, protect=protect, make_parents=make_parents
    )


def create_private(path: Path | str) -> None:
    """Create an empty file 0600 (a new database) if nothing is there yet, so that
    SQLite's -wal and -shm, which copy its mode, are private too."""
    path = Path(path)
    ensure_dir(path.parent)
    try:
        fd = os.open(path, _FLAGS, FILE_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise _fail(path, exc) from None
    os.fchmod(fd, FILE_MODE)
    os.close(fd)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def create_once(path: Path | str, data: bytes) -> bool:
    """Write `data` to a new private file at `path`, whole, unless something is there
    already (then nothing is written and False comes back): of two runs at once,
    one creates it and the other reads the same file. The part file is linked into
    place, which never replaces an existing file."""
    path = Path(path)
    if os.path.lexists(path):
        return False
    ensure_dir(path.parent)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        fd = os.open(tmp, _FLAGS, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    except OSError as exc:
        raise _fail(path, exc) from None
    finally:
        _unlink(tmp)
