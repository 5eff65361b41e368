"""The candidate register: add, edit, search, import and export."""

from __future__ import annotations

import _json
import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from certcli.errors import DuplicateError, NotFound, StateError, ValidationError
from certcli.records import dataclass, field, fields
from certcli.rules import fastjson as json
from certcli.rules import validators
from certcli.rules.dates import parse_date

if TYPE_CHECKING:
    from certcli.store import Store


# Editable fields, in the order of the CSV export/import columns.
FIELDS = (
    "civility",
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "status",
    "specialties",
    "employer",
    "siret",
    "directory_consent",
    "member_space_issued_on",
)


@dataclass
class Candidate:
    id: int
    first_name: str
    last_name: str
    civility: str | None = None
    birth_date: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    status: str | None = None
    specialties: list[str] = field(default_factory=list)
    employer: str | None = None
    siret: str | None = None
    employer_id: int | None = None  # the company linked (issue 12); `employer` stays as typed
    directory_consent: bool = False
    member_space_issued_on: str | None = None
    created_on: str | None = None
    # A duplicate merged into another candidate (`candidate merge`): a tombstone.
    merged_into: int | None = None
    merged_on: str | None = None
    merge_reason: str | None = None
    merged_by: str | None = None
    # A person forgotten (`candidate forget`): the record is a pseudonym.
    forgotten_on: str | None = None
    forget_reason: str | None = None
    forgotten_by: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return f"{self.civility} {self.full_name}" if self.civility else self.full_name

    def to_dict(self) -> dict:
        # Not asdict(), which deep-copies field by field: plain values, and one list
        # of strings, copied.
        return {**vars(self), "specialties": list(self.specialties)}

    @classmethod
    def from_row(cls, row) -> Candidate:
        names = {f.name for f in fields(cls)}
        data = {k: row[k] for k in row.keys() if k in names}
        data["specialties"] = json.loads(data.get("specialties") or "[]")
        data["directory_consent"] = bool(data.get("directory_consent"))
        return cls(**data)


def _clean_value(key: str, raw):
    """One field validated and normalised (clean() for one key): a pure function of
    its arguments, so a typed value is cached (_clean_text)."""
    if isinstance(raw, str) and not raw.strip() and key not in ("first_name", "last_name"):
        return None  # an empty value clears an optional field
    check = _CHECKS.get(key)
    if check is None:
        raise ValidationError(f"unknown candidate field {validators.quoted(key)}")
    return check(raw)


def _date_value(raw):
    return parse_date(raw).isoformat() if isinstance(raw, str) else raw.isoformat()


def _specialties_value(raw):
    items = raw.replace("|", ";").split(";") if isinstance(raw, str) else raw
    return tuple(
        sorted(
            {validators.choice(s, validators.SPECIALTIES, "specialty") for s in items if s.strip()}
        )
    )


# How each field is checked, one function a field (clean(), _clean_value()).
_CHECKS = {
    "first_name": lambda raw: validators.name(raw, "first name"),
    "last_name": lambda raw: validators.name(raw, "last name"),
    "civility": validators.civility,
    "birth_date": _date_value,
    "member_space_issued_on": _date_value,
    "email": validators.email,
    "phone": validators.phone,
    "siret": validators.siret,
    "postcode": validators.postcode,
    "status": lambda raw: validators.choice(raw, validators.STATUSES, "status"),
    "specialties": _specialties_value,
    "directory_consent": lambda raw: _truthy(raw),
    "address": lambda raw: validators.text(raw, "address", validators.MAX_LINE),
    "city": lambda raw: validators.text(raw, "city", validators.MAX_NAME),
    "employer": lambda raw: validators.text(raw, "employer", validators.MAX_NAME),
}


# The values of an import repeat (first names, cities, employers, birth dates,
# specialties, status): each distinct one is checked once, the answer kept per
# field. Refusals are not kept, so each refused row gets its own message. Values
# that are nearly always different (names, e-mails, phones, postcodes) skip it.
_UNCACHED = frozenset({"last_name", "email", "phone", "address", "siret", "postcode"})
_CACHE_SIZE = 50_000  # values per field; the field's cache starts again when full
_checked: dict[str, dict] = {}


def clean(values: dict) -> dict:
    """Validate and normalise user-typed values; only the keys given are returned."""
    out: dict[str, Any] = {}
    for key, raw in values.items():
        if raw is None:
            continue
        if key in _UNCACHED or type(raw) is not str:
            value = _clean_value(key, raw)
        else:
            known = _checked.get(key)
            if known is None:
                known = _checked[key] = {}
            value = known.get(raw, known)
            if value is known:
                value = _clean_value(key, raw)
                if len(known) >= _CACHE_SIZE:
                    known.clear()
                known[raw] = value
        out[key] = list(value) if key == "specialties" and value is not None else value
    if "birth_date" in out and out["birth_date"]:
        born = dt.date.fromisoformat(out["birth_date"])
        if born.year < 1900 or born > dt.date(dt.MAXYEAR, 1, 1):
            raise ValidationError(f"implausible birth date {out['birth_date']}")
    return out


MIN_AGE = 16  # the minimum working age in France: both schemes certify people at work


def _check_birth_date(birth_date: str | None, date: dt.date) -> None:
    """Refuse a birth date after the day of entry, or one making the candidate
    younger than MIN_AGE on that day (a typo of the year, most likely)."""
    if not birth_date:
        return
    born = dt.date.fromisoformat(birth_date)
    if born > date:
        raise ValidationError(
            f"birth date {birth_date} is after the date of this entry ({date.isoformat()})"
        )
    age = date.year - born.year - ((date.month, date.day) < (born.month, born.day))
    if age < MIN_AGE:
        raise ValidationError(
            f"implausible birth date {birth_date}: the candidate would be "
            f"{age} on {date.isoformat()} (at least {MIN_AGE} expected)"
        )


def _truthy(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = validators.fold(str(raw))
    if text in ("1", "yes", "y", "oui", "o", "true", "vrai", "x"):
        return True
    if text in ("0", "no", "n", "non", "false", "faux", ""):
        return False
    raise ValidationError(f"invalid yes/no value {validators.quoted(raw)}")


def _search_key(record: dict) -> str:
    """fold("first last email city employer"), each part folded on its own (the same
    text, see validators.fold_chars), the parts that repeat folded once."""
    get = record.get
    return " ".join(
        (
            _fold_repeated(get("first_name") or ""),
            validators.fold_chars(get("last_name") or ""),
            validators.fold_chars(get("email") or ""),
            _fold_repeated(get("city") or ""),
            _fold_repeated(get("employer") or ""),
        )
    ).strip()


_fold_repeated = functools.lru_cache(maxsize=4096)(validators.fold_chars)


@functools.lru_cache(maxsize=64)
def _specialties_json(specialties: tuple[str, ...]) -> str:
    return json.dumps(list(specialties))


def _to_row(values: dict) -> dict:
    row = dict(values)
    if "specialties" in row:
        row["specialties"] = _specialties_json(tuple(row["specialties"] or ()))
    if "directory_consent" in row:
        row["directory_consent"] = int(bool(row["directory_consent"]))
    return row


def get(store: Store, candidate_id: int, *, merged: bool = False) -> Candidate:
    """One candidate; a merged one's tombstone only with `merged` (`candidate show`):
    everything else refuses it, naming the candidate it was merged into."""
    if merged:
        row = store.candidate(candidate_id)
        if row is None:
            raise NotFound(f"no candidate with id {candidate_id}")
    else:
        row = require(store, candidate_id)
    return Candidate.from_row(row)


def require(store: Store, candidate_id: int, option: str = ""):
    """The candidate's row, for a command that names one (`option`: the option that
    did, for the message): an unknown id is refused, and so is a merged one's
    tombstone, naming the candidate it was merged into."""
    row = store.candidate(candidate_id)
    if row is None:
        raise NotFound(f"no candidate with id {candidate_id}" + (f" ({option})" if option else ""))
    if row["merged_into"] is not None:
        raise NotFound(merged_message(row))
    return row


def require_present(store: Store, candidate_id: int, option: str = ""):
    """require(), and a person forgotten (`candidate forget`) is refused too: their
    record is a pseudonym kept for the invoices and statistics, never filled again
    nor given a new dossier or work period (register them anew if they come back)."""
    row = require(store, candidate_id, option)
    if row["forgotten_on"]:
        raise StateError(
            f"candidate {candidate_id} was forgotten on {row['forgotten_on']} (GDPR "
            "erasure): register the person again (`candidate add`) if they come back"
        )
    return row


def refuse_merged(store: Store, candidate_id: int | None) -> None:
    """For a listing filtered on a candidate (`--candidate ID`): a merged one's
    tombstone holds nothing any more, so say where its records went rather than
    list nothing. An unknown id still lists nothing, as before."""
    if candidate_id is None:
        return
    row = store.candidate(candidate_id)
    if row is not None and row["merged_into"] is not None:
        raise NotFound(merged_message(row))


def merged_message(row) -> str:
    """'candidate 12 was merged into 7 on 2026-12-02: use candidate 7'."""
    keep = row["merged_into"]
    return (
        f"candidate {row['id']} was merged into {keep} on {row['merged_on']}: use candidate {keep}"
    )


def one_edit_apart(a: str, b: str) -> bool:
    """True when `b` is `a` with one letter added, removed, changed, or two
    neighbours swapped (Damerau-Levenshtein distance 1): Dupond / Dupont."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


def duplicate_reason(a, b) -> str | None:
    """Why two candidate records (rows or dicts with first_name, last_name,
    birth_date, name_key, email_key) look like one person, or None. The one rule
    of `candidate add/edit/import` and `candidate duplicates`:
    the same e-mail; or, born the same day, the same name (accents, case and
    punctuation ignored), a close spelling (one letter off), or one name holding
    every word of the other (Dupont / Dupont-Durand)."""
    if a["email_key"] and a["email_key"] == b["email_key"]:
        return f"same e-mail ({a['email_key']})"
    born = a["birth_date"]
    if not born or born != b["birth_date"]:
        return None
    ka, kb = a["name_key"], b["name_key"]
    if ka == kb:
        return f"same name and birth date ({born})"
    if one_edit_apart(ka, kb):
        return f"close spelling ({_names(a, b)}), same birth date ({born})"
    # A name holding every word of the other holds that one's first word: most
    # pairs born the same day fail this at once, without building word sets.
    if ka.partition(" ")[0] not in kb and kb.partition(" ")[0] not in ka:
        return None
    wa, wb = set(ka.split()), set(kb.split())
    if wa and wb and (wa < wb or wb < wa):
        return f"one name contains the other ({_names(a, b)}), same birth date ({born})"
    return None


def _names(a, b) -> str:
    return f"{a['first_name']} {a['last_name']} / {b['first_name']} {b['last_name']}"


def _keys(record: dict) -> dict:
    return {
        "name_key": validators.name_key(record["first_name"], record["last_name"]),
        "email_key": validators.email_key(record.get("email")),
    }


def _refuse_duplicates(
    store: Store, values: dict, keys: dict, exclude_id: int | None = None
) -> None:
    me = {**values, **keys}
    me.setdefault("birth_date", None)
    others = store.candidates_sharing(
        birth_date=me["birth_date"], email_key=me["email_key"], exclude_id=exclude_id
    )
    # The candidate edited is not a duplicate of the records merged into it.
    if exclude_id is not None:
        others = [o for o in others if o["merged_into"] != exclude_id]
    _refuse_duplicate_of(me, others)


def _refuse_duplicate_of(me: dict, others) -> None:
    """Raise DuplicateError naming the first of `others` (in id order) that looks
    like the same person as `me`."""
    for other in others:
        reason = duplicate_reason(me, other)
        if reason:
            # A merged duplicate's tombstone: the person is the candidate it went to.
            into = other["merged_into"] if "merged_into" in other.keys() else None
            raise DuplicateError(
                f"likely duplicate of candidate {other['id']} ({other['first_name']} "
                f"{other['last_name']})"
                + (f", merged into candidate {into}" if into is not None else "")
                + f": {reason}; use --force to register anyway"
            )


def likely_duplicates(store: Store) -> list[dict]:
    """Pairs of candidates in the whole register that look like one person, with
    the reason. Only candidates born the same day or sharing an e-mail are
    compared (indexed blocks), never every pair."""
    from itertools import combinations, groupby
    from operator import itemgetter

    found: dict[tuple[int, int], str] = {}
    for rows, key in (
        (store.candidates_by_birth_date(), "birth_date"),
        (store.candidates_by_shared_email(), "email_key"),
    ):
        for _, group in groupby(rows, key=itemgetter(key)):
            for a, b in combinations(list(group), 2):
                pair = (a["id"], b["id"])
                if pair not in found:
                    reason = duplicate_reason(a, b)
                    if reason:
                        found[pair] = reason
    return [{"candidates": list(pair), "reason": reason} for pair, reason in sorted(found.items())]


def prepare(values: dict, *, date: dt.date) -> dict:
    """Every check of a new candidate that needs no register: the record cleaned,
    required names, a plausible birth date; with its duplicate keys (name_key,
    email_key). Used by insert() and, row by row, by import."""
    record = clean(values)
    for required in ("first_name", "last_name"):
        if not record.get(required):
            raise ValidationError(f"{required.replace('_', ' ')} is required")
    _check_birth_date(record.get("birth_date"), date)
    record.update(_keys(record))
    record.setdefault("birth_date", None)
    return record


def _new_row(record: dict, date: dt.date) -> dict:
    row = _to_row(record)
    row["search_key"] = _search_key(record)
    row["created_on"] = date.isoformat()
    return row


def _audit_details(record: dict) -> dict:
    return {"name": f"{record['first_name']} {record['last_name']}"}


def _audit_json(record: dict) -> str:
    """json.dumps(_audit_details(record), ensure_ascii=False), for the many rows of
    an import (the encoder's own call costs more than the text)."""
    return '{"name": ' + _json_text(f"{record['first_name']} {record['last_name']}") + "}"


# json.encoder.encode_basestring (the C one), without importing json
_json_text = _json.encode_basestring


def add(store: Store, values: dict, *, date: dt.date, force: bool = False) -> Candidate:
    """Register a candidate (one transaction, audited)."""
    return get(store, insert(store, values, date=date, force=force))


def insert(store: Store, values: dict, *, date: dt.date, force: bool = False) -> int:
    """add() without reading the new record back: its id. Every check happens
    before the one INSERT, so a refused candidate writes nothing. `employer_id` in
    `values` links the candidate to a company (which must exist)."""
    values = dict(values)
    employer_id = values.pop("employer_id", None)
    record = prepare(values, date=date)
    with store.transaction():
        linked = _employer_link(store, employer_id)
        if not force:
            _refuse_duplicate_of(
                record,
                store.candidates_sharing(
                    birth_date=record["birth_date"], email_key=record["email_key"]
                ),
            )
        row = _new_row(record, date)
        if linked is not None:
            row["employer_id"] = linked
        candidate_id = store.insert("candidates", row)
        store.audit("candidate.add", "candidate", candidate_id, _audit_details(record), date)
    return candidate_id


def _employer_link(store: Store, employer_id: int | None) -> int | None:
    from certcli.domain import companies

    return companies.link(store, employer_id)


class BulkInsert:
    """insert() for the many rows of an import, in the caller's transaction, at a
    constant cost per row: the register's candidates that could be duplicates
    (born on a birth date of the file, or sharing one of its e-mails) are read in
    one query, the file's own rows are compared through the same dictionaries,
    and the rows go in with one statement (ids numbered here, as SQLite would,
    the transaction holding the write lock). The same rule as insert(): each
    record is compared, in id order, with the register and the rows of the file
    accepted before it."""

    def __init__(self, store: Store, records: list[dict], *, date: dt.date, force: bool = False):
        self.store, self.date, self.force = store, date, force
        self.created_on = date.isoformat()
        self.next_id = store.max_candidate_id() + 1
        self.rows: list[tuple] = []
        self.audits: list[tuple[int, str]] = []
        self.by_birth: dict[str, list] = {}
        self.by_email: dict[str, list] = {}
        if not force:
            births = {r["birth_date"] for r in records if r["birth_date"]}
            emails = {r["email_key"] for r in records if r["email_key"]}
            for other in store.candidates_sharing_any(births, emails):
                self._remember(other)

    def _remember(self, record) -> None:
        if record["birth_date"]:
            self.by_birth.setdefault(record["birth_date"], []).append(record)
        if record["email_key"]:
            self.by_email.setdefault(record["email_key"], []).append(record)

    def add(self, record: dict) -> int:
        """Check one prepared record against the register and the file so far
        (DuplicateError), and queue it: its id."""
        if not self.force:
            same_day = self.by_birth.get(record["birth_date"], ()) if record["birth_date"] else ()
            same_mail = self.by_email.get(record["email_key"], ()) if record["email_key"] else ()
            if same_day and same_mail:
                others = {o["id"]: o for o in (*same_day, *same_mail)}
                _refuse_duplicate_of(record, [others[i] for i in sorted(others)])
            elif same_mail:  # each list is in id order already
                _refuse_duplicate_of(record, same_mail)
            elif same_day:
                # No e-mail shared: only the name can match. Leave out at once those
                # it cannot (duplicate_reason's conditions: the same key, one letter
                # off, or one name's first word inside the other), then apply the rule.
                key = record["name_key"]
                size, first = len(key), key.partition(" ")[0]
                near = [
                    o
                    for o in same_day
                    if -1 <= len(other := o["name_key"]) - size <= 1
                    or first in other
                    or other.partition(" ")[0] in key
                ]
                if near:
                    _refuse_duplicate_of(record, near)
        candidate_id = self.next_id
        self.next_id += 1
        self.rows.append(_bulk_row(candidate_id, record, self.created_on))
        self.audits.append((candidate_id, _audit_json(record)))
        if not self.force:
            record["id"] = candidate_id
            self._remember(record)
        return candidate_id

    def write(self) -> None:
        self.store.insert_candidates(BULK_COLUMNS, self.rows)
        self.store.audit_many("candidate.add", "candidate", self.audits, self.date)


# The columns of an imported row, in order: every row of an import has them all (a
# value the file did not give is what the table's default would be), so the rows go
# in with one statement.
BULK_COLUMNS = ("id", *FIELDS, "search_key", "created_on", "name_key", "email_key")
# FIELDS from birth_date to status: plain values, taken as they are.
_PLAIN = FIELDS[FIELDS.index("birth_date") : FIELDS.index("specialties")]


def _bulk_row(candidate_id: int, record: dict, created_on: str) -> tuple:
    """_new_row() of a prepared record as a tuple in BULK_COLUMNS order."""
    get = record.get
    specialties = get("specialties")
    first, last = record["first_name"], record["last_name"]
    return (
        candidate_id,
        get("civility"),
        first,
        last,
        *[get(f) for f in _PLAIN],
        _specialties_json(tuple(specialties)) if specialties else "[]",
        get("employer"),
        get("siret"),
        int(bool(get("directory_consent"))),
        get("member_space_issued_on"),
        _search_key(record),
        created_on,
        record["name_key"],
        record["email_key"],
    )


def edit(
    store: Store, candidate_id: int, values: dict, *, date: dt.date, force: bool = False
) -> Candidate:
    """Change some fields; `employer_id` links the candidate to a company (0 unlinks)."""
    values = dict(values)
    employer_given = "employer_id" in values
    employer_id = values.pop("employer_id", None)
    changes = clean(values)
    if employer_given:
        changes["employer_id"] = _employer_link(store, employer_id)
    if not changes:
        raise ValidationError("nothing to change: give at least one option")
    _check_birth_date(changes.get("birth_date"), date)
    with store.transaction():
        require_present(store, candidate_id)
        current = get(store, candidate_id)
        merged = {**current.to_dict(), **changes}
        for required in ("first_name", "last_name"):
            if not merged.get(required):
                raise ValidationError(f"{required.replace('_', ' ')} is required")
        if not force and ({"first_name", "last_name", "birth_date", "email"} & changes.keys()):
            _refuse_duplicates(store, merged, _keys(merged), exclude_id=candidate_id)
        row = _to_row({k: v for k, v in changes.items() if k != "employer_id"})
        if employer_given:
            row["employer_id"] = changes["employer_id"]
        row["search_key"] = _search_key(merged)
        row.update(_keys(merged))
        store.update("candidates", candidate_id, row)
        before = current.to_dict()
        store.audit(
            "candidate.edit",
            "candidate",
            candidate_id,
            {k: [before.get(k), v] for k, v in changes.items()},
            date,
        )
    return get(store, candidate_id)


def search_key(text: str | None) -> str | None:
    """Search words as the candidates' search index holds them (accents and case
    folded), or None for no search: candidate, dossier and certificate search."""
    if text is None:
        return None
    validators.control_free(text, "search")
    return validators.fold(text) or None


def search(
    store: Store, text: str | None = None, *, limit: int | None = 50, offset: int = 0
) -> tuple[list[Candidate], int]:
    """Candidates whose name, e-mail, city or employer contain every word of
    `text`, accents and case ignored; with the total count for paging."""
    key = search_key(text)
    rows = store.candidates(search_key=key, limit=limit, offset=offset)
    total = store.count_candidates(search_key=key)
    return [Candidate.from_row(r) for r in rows], total
