"""A certificate anyone can verify: the public status of a number, and its code.

The verification code printed on an attestation is an HMAC-SHA256 of the
certificate number and one validity period, keyed with a secret kept OUTSIDE the
database (a file created by `certcli init`, mode 0600): a copy of the database, a
backup or an export never lets anyone make a code for a number they invent.

Where the key lives: CERTCLI_KEY_FILE if set; else, for an SQLite office, beside
the database file (`office.db` -> `office.db.key`); for a PostgreSQL office, in
the per-user data folder (`verification.key`), to be copied to each desk.

The status comes from the one validity rule (certificates.status_on: periods,
suspensions, withdrawal); nothing personal is ever part of the answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import CertcliError, ValidationError
from certcli.records import asdict, dataclass

if TYPE_CHECKING:
    from certcli.store import Store

KEY_BYTES = 32
# Crockford's base32: no I, L, O, U, so a code read aloud or typed is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 10  # 50 bits, printed as two groups of five: 7K2QF-M9XRT
SITE_DIGEST_CHARS = 32  # 128 bits of SHA-256 in status.json
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
# What certificates.status_on says -> the public word.
PUBLIC_STATUS = {
    "valid": "valid",
    "suspended": "suspended",
    "expired": "lapsed",
    "withdrawn": "withdrawn",
    "not_yet_valid": "unknown",  # not granted yet on that day
}


def key_file(db: Path | str) -> Path:
    """Where the verification key of the office at `db` (a file or a PostgreSQL URL)
    is, whether or not it exists yet."""
    env = os.environ.get("CERTCLI_KEY_FILE")
    if env:
        return Path(env)
    if "://" in str(db):
        from platformdirs import user_data_dir

        return Path(user_data_dir("certcli", appauthor=False)) / "verification.key"
    db = Path(db)
    return db.with_name(db.name + ".key")


def key_path(store: Store) -> Path:
    return key_file(store.url or store.path)


def ensure_key(store: Store) -> tuple[Path, bool]:
    """The key file, created (0600) if absent: `init` and `demo` call it. Returns the
    path and whether it was created now."""
    if str(store.path) == ":memory:" and not os.environ.get("CERTCLI_KEY_FILE"):
        raise CertcliError("an in-memory database has no folder for its verification key")
    from certcli.store import files

    path = key_path(store)
    created = files.create_once(path, (secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
    _read_key(path)  # an existing file must be a key
    return path, created


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError:
        raise CertcliError(
            f"no verification key at {path}: run `certcli init` (it creates one), or set "
            "CERTCLI_KEY_FILE to the office's key file"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CertcliError(f"{path} is not a certcli verification key ({exc})") from None
    if len(key) != KEY_BYTES:
        raise CertcliError(f"{path} is not a certcli verification key ({len(key)} bytes)")
    return key


def load_key(store: Store) -> bytes:
    return _read_key(key_path(store))


def has_key(store: Store) -> bool:
    return key_path(store).is_file()


def code(key: bytes, number: str, start: str, end: str | None) -> str:
    """The verification code of one validity period of a certificate."""
    message = f"certcli-verify-v1|{number}|{start}|{end or ''}".encode()
    digest = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    value = digest >> (64 - 5 * CODE_CHARS)
    chars = "".join(ALPHABET[(value >> (5 * (CODE_CHARS - 1 - i))) & 31] for i in range(CODE_CHARS))
    return f"{chars[:5]}-{chars[5:]}"


def normalise_code(typed: str) -> str:
    """A code as typed ('7k2qf m9xrt', '7K2QFM9XRT', O for 0) in its printed form."""
    chars = "".join(c for c in typed.upper() if c.isalnum()).translate(_TYPED)
    if len(chars) != CODE_CHARS or any(c not in ALPHABET for c in chars):
        raise ValidationError(
            f"--code {typed!r} is not a verification code (10 letters and digits, "
            "as printed under the QR code: 7K2QF-M9XRT)"
        )
    return f"{chars[:5]}-{chars[5:]}"


def _period_on(periods, day: dt.date):
    """The period covering `day`, else the last one begun by then (None before the
    first)."""
    iso = day.isoformat()
    begun = [p for p in periods if p["start"] <= iso]
    covering = [p for p in begun if p["end"] is None or p["end"] >= iso]
    return (covering or begun or [None])[-1]


def current_code(store: Store, number: str, *, as_of: dt.date) -> str | None:
    """The code of the period a certificate is in on `as_of` (or last was), for
    `certificate show` and the attestation; None when the office has no key yet or
    the certificate is not granted by then."""
    from certcli.domain import certificates

    row = certificates.row_by_number(store, number)
    period = _period_on(store.certificate_periods(row["id"]), as_of)
    if period is None or not has_key(store):
        return None
    return code(load_key(store), row["number"], period["start"], period["end"])


def public_status(row, periods, suspensions, as_of: dt.date):
    """(public status word, period shown) of a certificate on `as_of`: the one rule
    of `certificate verify` and of the site's status.json. The period is None (and
    the status `unknown`) when the certificate is not granted yet on that day."""
    from certcli.domain import certificates

    period = _period_on(periods, as_of)
    if period is None:
        return "unknown", None
    return PUBLIC_STATUS[certificates.status_on(row, periods, as_of, suspensions)], period


def site_digest(number: str, code_text: str) -> str:
    """What the public site's status.json publishes for one verification code: a
    SHA-256 of the number and the code (hex, first 32 characters), so that
    verify.html can check a code typed by a visitor without the file revealing it.
    verify.html computes the same digest in JavaScript (templates/_site-verify.js)."""
    message = f"certcli-site-v1|{number}|{code_text}".encode()
    return hashlib.sha256(message).hexdigest()[:SITE_DIGEST_CHARS]


@dataclass
class Verification:
    number: str
    scheme: str | None
    status: str
    valid_from: str | None
    valid_until: str | None
    code_ok: bool | None

    def to_dict(self) -> dict:
        return asdict(self)


def verify(store: Store, number: str, *, as_of: dt.date, typed_code: str | None = None):
    """The public answer for a number on `as_of`: only the number, the scheme, the
    status and the dates, whatever the holder's directory consent. An unknown number
    is status `unknown` (not an error). With a code: code_ok says whether it is the
    code of one of the certificate's validity periods (an attestation printed for an
    earlier period still proves it was genuine; the status says what holds now)."""
    from certcli.domain import certificates

    wanted = normalise_code(typed_code) if typed_code is not None else None
    shown = certificates.normalise_number(number)
    row = store.certificate(shown)
    if row is None:
        return Verification(shown, None, "unknown", None, None, False if wanted else None)
    periods = store.certificate_periods(row["id"])
    status, period = public_status(row, periods, store.certificate_suspensions(row["id"]), as_of)
    code_ok = None
    if wanted is not None:
        key = load_key(store)
        code_ok = any(
            hmac.compare_digest(code(key, row["number"], p["start"], p["end"]), wanted)
            for p in periods
        )
    if period is None:  # not granted yet on that day: nothing to say about it
        return Verification(row["number"], None, status, None, None, code_ok)
    return Verification(
        row["number"], row["scheme"], status, period["start"], period["end"], code_ok
    )


def published_statuses(store: Store, *, as_of: dt.date) -> dict[str, dict]:
    """number -> {scheme, status, valid_from, valid_until, codes} for every certificate
    granted by `as_of`, whatever the holder's consent, as `verify` answers for each
    (public_status); `codes` holds site_digest() of each validity period's code (any
    period's code proves an attestation genuine, as in verify), empty when the office
    has no key. Nothing about the holder. Read in three queries, not three per
    certificate."""
    rows = store.certificates()
    ids = [r["id"] for r in rows]
    periods, suspensions = store.periods_of(ids), store.suspensions_of(ids)
    key = load_key(store) if has_key(store) else None
    found = {}
    for row in rows:
        status, period = public_status(row, periods[row["id"]], suspensions[row["id"]], as_of)
        if period is None:
            continue  # not granted yet on that day: unknown, as verify says
        number = row["number"]
        found[number] = {
            "scheme": row["scheme"],
            "status": status,
            "valid_from": period["start"],
            "valid_until": period["end"],
            "codes": []
            if key is None
            else [
                site_digest(number, code(key, number, p["start"], p["end"]))
                for p in periods[row["id"]]
            ],
        }
    return dict(sorted(found.items()))
