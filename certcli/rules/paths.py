"""Where things live: the database, the scheme catalog and the templates.

data/ and templates/ sit at the top of a checkout for the secretariat to edit;
an installed wheel carries them inside the package, as certcli/data and
certcli/templates.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # certcli/, above rules/


def _bundled(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def data_dir() -> Path:
    """The scheme catalog: CERTCLI_DATA, else the bundled data/."""
    env = os.environ.get("CERTCLI_DATA")
    return Path(env) if env else _bundled("data")


def cache_dir() -> Path:
    """certcli's folder in the user's cache (XDG_CACHE_HOME, else ~/.cache): the parsed
    scheme catalog and the record classes' compiled methods, each rebuilt if missing."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "certcli"


def builtin_templates_dir() -> Path:
    return _bundled("templates")


def default_db_path() -> Path:
    """CERTCLI_DB, else certcli.db in the per-user data folder (platformdirs)."""
    env = os.environ.get("CERTCLI_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("certcli", appauthor=False)) / "certcli.db"


def current_user() -> str:
    """Who is acting when --as is not given: the OS user."""
    # What getpass.getuser() reads, without importing getpass (and termios) on every
    # command: the environment, then the password database.
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if user := os.environ.get(name):
            return user
    try:
        import pwd

        return pwd.getpwuid(os.getuid())[0]
    except Exception:  # no passwd entry in some containers (or no pwd module)
        return os.environ.get("USER") or "unknown"
