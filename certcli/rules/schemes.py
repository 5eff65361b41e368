"""The scheme catalog: data/schemes/*.toml and data/bodies/*.toml, validated.

A malformed file is a SchemeError naming the file and the field, so a
secretariat editing its fee grid learns at once what it broke.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from certcli.errors import NotFound, SchemeError
from certcli.records import dataclass
from certcli.rules import bodies as body_files
from certcli.rules.bodies import Body
from certcli.rules.money import as_str, to_decimal

KINDS = ("initial", "renewal", "extension")
WORKFLOWS = ("opqtecc", "cqpt")
PAYERS = ("candidate", "employer")
# When the instruction fee's invoice is issued: when the dossier is opened, with the
# first payment of the fee, or never (the fee is a payment on the dossier only).
FEE_INVOICE = ("opening", "payment", "none")


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    body: Body
    workflow: str
    validity_years: int
    renewal_lead_months: int
    appeal_delay_months: int
    agenda_cutoff_days: int
    prorata: str
    certificate_format: str
    annual_dues: Decimal
    fees: dict[str, Decimal]
    pieces: dict[str, tuple[str, ...]]
    piece_counts: dict[str, int]
    piece_labels: dict[str, str]
    eligibility: dict
    mentions: tuple[str, ...]
    specialty: str | None
    cqpt: dict
    path: Path
    payer: str = "candidate"  # who pays a dossier's invoices unless `dossier add --payer`
    # the instruction fee's invoice: at "opening", with the first "payment", or "none"
    fee_invoice: str = "none"

    def default_payer(self, financing: str | None = None) -> str:
        """Who pays a new dossier's invoices: the scheme's `payer`, except a CQPT
        dossier financed by the employer's training plan (the employer)."""
        if financing and financing in self.cqpt.get("employer_financings", ()):
            return "employer"
        return self.payer

    @property
    def expires(self) -> bool:
        return self.validity_years > 0

    def fee(self, kind: str) -> Decimal:
        return self.fees.get(kind, Decimal("0.00"))

    def required_pieces(self, kind: str) -> tuple[str, ...]:
        return self.pieces.get(kind, ())

    def piece_count(self, code: str) -> int:
        return self.piece_counts.get(code, 1)

    def label(self, code: str) -> str:
        return self.piece_labels.get(code, code)

    def certificate_number(self, year: int, seq: int) -> str:
        return self.certificate_format.format(year=year, seq=seq, code=self.code)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "body": self.body.name,
            "body_identity": self.body.to_dict(),
            "workflow": self.workflow,
            "validity_years": self.validity_years,
            "expires": self.expires,
            "renewal_lead_months": self.renewal_lead_months,
            "appeal_delay_months": self.appeal_delay_months,
            "agenda_cutoff_days": self.agenda_cutoff_days,
            "prorata": self.prorata,
            "certificate_format": self.certificate_format,
            "pieces": {kind: list(codes) for kind, codes in self.pieces.items()},
            "piece_counts": {
                code: self.piece_count(code) for codes in self.pieces.values() for code in codes
            },
            "piece_labels": dict(self.piece_labels),
            "fees": {kind: as_str(amount) for kind, amount in self.fees.items()},
            "annual_dues": as_str(self.annual_dues),
            "eligibility": self.eligibility,
            "mentions": list(self.mentions),
            "specialty": self.specialty,
            "cqpt": self.cqpt,
            "payer": self.payer,
            "fee_invoice": self.fee_invoice,
            "file": str(self.path),
        }


class _Reader:
    """Typed access to one TOML table, with errors naming file and field."""

    def __init__(self, path: Path, table: dict, prefix: str = ""):
        self.path, self.table, self.prefix = path, table, prefix

    def fail(self, key: str, problem: str):
        raise SchemeError(f"{self.path.name}: field '{self.prefix}{key}' {problem}")

    def get(self, key: str, kind: type, default=...):
        if key not in self.table:
            if default is ...:
                self.fail(key, "is missing")
            return default
        value = self.table[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(key, f"must be an integer, not {value!r}")
        if kind is not int and not isinstance(value, kind):
            self.fail(key, f"must be a {kind.__name__}, not {value!r}")
        return value

    def amount(self, key: str, default=...) -> Decimal:
        raw = self.get(key, str, default)
        if isinstance(raw, Decimal):
            return raw
        try:
            value = to_decimal(raw)
        except Exception:
            self.fail(key, f'must be an amount like "360.00", not {raw!r}')
        if value < 0:
            self.fail(key, "must not be negative")
        return value.quantize(Decimal("0.01"))

    def sub(self, key: str) -> _Reader:
        return _Reader(self.path, self.get(key, dict, {}), f"{self.prefix}{key}.")


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"{path.name}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise SchemeError(f"{path}: cannot read ({exc.strerror})") from None


def _load_body(path: Path) -> Body:
    return body_files.load(path, _read_toml(path))


# What a CQPT scheme's [cqpt] table falls back to: the branch's funder, its flat
# amount per evaluation and the body financing a CIF.
CQPT_DEFAULTS = {
    "funder": "AUVICOM",
    "flat_amount": "300.00",
    "cif_body": "Fongecif",
    # The financings by which the employer pays: its dossiers bill the employer.
    "employer_financings": ["plan-formation"],
}


def _cqpt_rules(r: _Reader) -> dict:
    """The [cqpt] table with its defaults applied once; flat_amount checked and
    normalised ("300.00")."""
    cr = r.sub("cqpt")
    rules = {**CQPT_DEFAULTS, **cr.table}
    rules["flat_amount"] = as_str(
        cr.amount("flat_amount", Decimal(str(CQPT_DEFAULTS["flat_amount"])))
    )
    for key in ("funder", "cif_body"):
        if not isinstance(rules[key], str) or not rules[key].strip():
            cr.fail(key, f"must be a non-empty string, not {rules[key]!r}")
    paid_by_employer = rules["employer_financings"]
    if not isinstance(paid_by_employer, list) or not all(
        isinstance(f, str) for f in paid_by_employer
    ):
        cr.fail("employer_financings", "must be a list of financing codes")
    return rules


def _load_scheme(path: Path, bodies: dict[str, Body]) -> Scheme:
    r = _Reader(path, _read_toml(path))
    code = r.get("code", str)
    if code != path.stem:
        r.fail("code", f"is {code!r} but the file is named {path.name}")
    body_code = r.get("body", str)
    if body_code not in bodies:
        r.fail("body", f"names an unknown body {body_code!r} (known: {', '.join(sorted(bodies))})")
    workflow = r.get("workflow", str)
    if workflow not in WORKFLOWS:
        r.fail("workflow", f"must be one of {', '.join(WORKFLOWS)}")
    prorata_mode = r.get("prorata", str, "current_month")
    if prorata_mode not in ("current_month", "next_month"):
        r.fail("prorata", "must be current_month or next_month")
    fmt = r.get("certificate_format", str)
    try:
        fmt.format(year=2026, seq=1, code=code)
    except (KeyError, ValueError, IndexError) as exc:
        r.fail("certificate_format", f"is not a valid format ({exc}); use {{year}} and {{seq}}")
    fees_r = r.sub("fees")
    fees = {kind: fees_r.amount(kind) for kind in fees_r.table}
    pieces_r = r.sub("pieces")
    pieces = {}
    for kind in pieces_r.table:
        if kind not in KINDS:
            pieces_r.fail(kind, f"is not a dossier kind ({', '.join(KINDS)})")
        codes = pieces_r.get(kind, list)
        if not all(isinstance(c, str) and c for c in codes):
            pieces_r.fail(kind, "must be a list of piece codes")
        pieces[kind] = tuple(codes)
    counts_r = r.sub("piece_counts")
    counts = {c: counts_r.get(c, int) for c in counts_r.table}
    for piece, count in counts.items():
        if count < 1:
            counts_r.fail(piece, "must be at least 1")
    labels = r.get("piece_labels", dict, {})
    mentions = r.get("mentions", list, [])
    validity = r.get("validity_years", int)
    cqpt = _cqpt_rules(r) if workflow == "cqpt" else r.get("cqpt", dict, {})
    if validity < 0:
        r.fail("validity_years", "must be 0 (no expiry) or more")
    payer = r.get("payer", str, "candidate")
    if payer not in PAYERS:
        r.fail("payer", f"must be one of {', '.join(PAYERS)}, not {payer!r}")
    fee_invoice = r.get("fee_invoice", str, "none")
    if fee_invoice not in FEE_INVOICE:
        r.fail("fee_invoice", f"must be one of {', '.join(FEE_INVOICE)}, not {fee_invoice!r}")
    return Scheme(
        code=code,
        name=r.get("name", str),
        body=bodies[body_code],
        workflow=workflow,
        validity_years=validity,
        renewal_lead_months=r.get("renewal_lead_months", int, 9),
        appeal_delay_months=r.get("appeal_delay_months", int, 2),
        agenda_cutoff_days=r.get("agenda_cutoff_days", int, 15),
        prorata=prorata_mode,
        certificate_format=fmt,
        annual_dues=r.amount("annual_dues", Decimal("0.00")),
        fees=fees,
        pieces=pieces,
        piece_counts=counts,
        piece_labels=labels,
        eligibility=r.get("eligibility", dict, {}),
        mentions=tuple(mentions),
        specialty=r.get("specialty", str, None),
        cqpt=cqpt,
        path=path,
        payer=payer,
        fee_invoice=fee_invoice,
    )


@cache
def _catalog(folder: str) -> dict[str, Scheme]:
    root = Path(folder)
    schemes_dir = root / "schemes"
    if not schemes_dir.is_dir():
        raise SchemeError(f"no scheme folder at {schemes_dir}")
    key = _cache_key(root)
    cached = _cache_read(root, key)
    if cached is not None:
        return cached
    catalog = _parse_catalog(root)
    _cache_write(root, key, catalog)
    return catalog


def _parse_catalog(root: Path) -> dict[str, Scheme]:
    schemes_dir = root / "schemes"
    bodies = {}
    for path in sorted((root / "bodies").glob("*.toml")):
        body = _load_body(path)
        bodies[body.code] = body
    catalog = {}
    for path in sorted(schemes_dir.glob("*.toml")):
        scheme = _load_scheme(path, bodies)
        catalog[scheme.code] = scheme
    if not catalog:
        raise SchemeError(f"no scheme file (*.toml) in {schemes_dir}")
    return catalog


# The parsed catalog is cached between runs: parsing the TOML files and checking them
# (tomllib, the body's e-mail address through email_validator) costs more than a whole
# `dossier list --json`. The cache is keyed on the files' exact contents and the
# folders' listings (so it is never stale, however quickly a file is edited, added or
# removed), certcli's version, Python's and the loader modules' own stamps (the
# modification time and size Python itself trusts for their bytecode); a missing,
# unreadable, corrupt or unwritable cache only means parsing again. A catalog with an
# error is never cached: the error is raised each time.
#
# The file is written by `marshal` (built into Python, nothing to import), the records
# and the few other values marshal does not know (Decimal, Path, dates) tagged as
# (..., tag, value) tuples: reading it back costs about 0.5 M instructions, where pickle
# cost 7 M, 6 of them importing pickle. Only the catalog's own record classes are
# rebuilt from it, and the way pickle rebuilds them (their state set, no __init__ run).
_LOADER_MODULES = ("schemes.py", "bodies.py", "validators.py", "money.py")
_CACHE_FORMAT = 2  # 1 was pickle


def _cache_path(root: Path) -> Path:
    import zlib

    from certcli.rules.paths import cache_dir

    name = f"catalog-{zlib.crc32(str(root.absolute()).encode()):08x}.marshal"
    return cache_dir() / name


def _catalog_files(root: Path) -> list[Path]:
    """The TOML files the catalog is parsed from, bodies first, as _parse_catalog
    reads them (`glob("*.toml")`, sorted): the key's listing, without the regular
    expression glob compiles."""
    return [
        root / folder / name
        for folder in ("bodies", "schemes")
        for name in sorted(os.listdir(root / folder))
        if name.endswith(".toml")
    ]


def _cache_key(root: Path) -> tuple | None:
    from certcli import __version__

    here = os.path.dirname(__file__)
    try:
        code = tuple(
            (st.st_mtime_ns, st.st_size)
            for st in (os.stat(os.path.join(here, m)) for m in _LOADER_MODULES)
        )
        files = []
        for path in _catalog_files(root):
            with open(path, "rb") as handle:
                files.append((str(path), handle.read()))
    except OSError:
        return None  # the parser says which file cannot be read
    return (_CACHE_FORMAT, __version__, sys.version, str(root.absolute()), code, tuple(files))


def _cache_read(root: Path, key: tuple | None) -> dict[str, Scheme] | None:
    if key is None:
        return None
    import marshal

    try:
        with _cache_path(root).open("rb") as handle:
            stored_key, stored = marshal.loads(handle.read())
        if stored_key != key:
            return None
        return _decode(stored, {})
    except Exception:  # absent, unreadable, truncated, from another version: parse again
        return None


def _cache_write(root: Path, key: tuple | None, catalog: dict[str, Scheme]) -> None:
    if key is None:
        return
    import marshal

    target = _cache_path(root)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        data = marshal.dumps((key, _encode(catalog, {})))
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)  # readers see the old file or the new, never half
    except Exception:  # a value marshal cannot hold, a read-only or full disk: parsed
        try:  # next time too
            temporary.unlink(missing_ok=True)
        except OSError:
            pass


@cache
def _record_classes() -> dict[str, type]:
    """The record classes a catalog is made of, by name: the only classes its cache
    may rebuild."""
    return {
        cls.__name__: cls
        for cls in (
            Scheme,
            Body,
            body_files.LegalIdentity,
            body_files.Vat,
            body_files.Invoicing,
            body_files.Sepa,
            body_files.ReminderLevel,
            body_files.Accounts,
            body_files.Retention,
            body_files.MailSender,
        )
    }


_PLAIN = (str, int, float, bool, type(None), bytes)
_DATES: dict[str, Any] = {"date": dt.date, "datetime": dt.datetime, "time": dt.time}


def _encode(value, memo: dict):
    """value as marshal can write it. Plain values, and containers holding nothing
    else, stay as they are (read back as they were, with nothing to do); the others
    become (..., tag, contents) tuples: a record's class and state, a Decimal's, a
    Path's or a date's text, a container holding any of them. A value met twice (the
    body every scheme of it shares) is encoded once, so marshal writes it once and it
    is read back shared. Any other kind of value is a TypeError: that catalog is not
    cached."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    done = memo.get(id(value))
    if done is not None:
        return done[1]
    out: object
    if kind is tuple or kind is list:
        items = [_encode(item, memo) for item in value]
        out = (..., kind.__name__, items) if any(map(_is_tag, items)) else value
    elif kind is dict:
        fields = {}
        for name, item in value.items():
            if type(name) not in _PLAIN:
                raise TypeError(f"cannot cache a key {name!r}")
            fields[name] = _encode(item, memo)
        out = (..., "dict", fields) if any(map(_is_tag, fields.values())) else value
    elif kind is Decimal:
        out = (..., "decimal", str(value))
    elif kind is type(Path()):
        out = (..., "path", str(value))
    elif kind is dt.date or (kind in (dt.datetime, dt.time) and value.tzinfo is None):
        out = (..., kind.__name__, value.isoformat())  # read back exactly
    elif _record_classes().get(kind.__name__) is kind:
        out = (..., "record", kind.__name__, _encode(vars(value), memo))
    else:
        raise TypeError(f"cannot cache a {kind.__name__}")
    memo[id(value)] = (value, out)  # value kept alive: its id is not reused meanwhile
    return out


def _is_tag(value) -> bool:
    # A plain tuple never starts with ... (Ellipsis is not a plain value).
    return type(value) is tuple and bool(value) and value[0] is Ellipsis


def _decode(value, memo: dict):
    """What _encode was given, back from what it made."""
    if type(value) is not tuple or not value or value[0] is not Ellipsis:
        return value  # plain, or a container of plain values
    done = memo.get(id(value))
    if done is not None:
        return done
    tag, contents = value[1], value[2]
    out: object
    if tag == "record":
        out = object.__new__(_record_classes()[contents])
        out.__dict__.update(_decode(value[3], memo))
    elif tag == "dict":
        out = {name: _decode(item, memo) for name, item in contents.items()}
    elif tag == "list":
        out = [_decode(item, memo) for item in contents]
    elif tag == "tuple":
        out = tuple([_decode(item, memo) for item in contents])
    elif tag == "decimal":
        out = Decimal(contents)
    elif tag == "path":
        out = Path(contents)
    else:
        out = _DATES[tag].fromisoformat(contents)
    memo[id(value)] = out
    return out


def catalog() -> dict[str, Scheme]:
    """Every scheme, by code."""
    from certcli.rules.paths import data_dir

    return _catalog(str(data_dir()))


def get(code: str) -> Scheme:
    schemes = catalog()
    scheme = schemes.get(code.upper())
    if scheme is None:
        raise NotFound(f"unknown scheme {code!r} (known: {', '.join(sorted(schemes))})")
    return scheme
