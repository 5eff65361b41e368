"""The GDPR rights of a person (issue 16): access, erasure, retention.

`export_person` (the right of access, art. 15): everything held on one person,
their record, work periods, dossiers with their timeline, pieces, requests,
interviews, appeals and payments, their certificates, invoices and credit notes,
letters (the files copied), e-mails, and the audit entries about them, as one
`person.json` plus a `letters/` folder.

`forget` (the right to erasure, art. 17): in one transaction, the person's name,
address, e-mail, phone, birth date, employer and the free texts written about them
(reports, reasons, notes, opinions) are replaced by a pseudonym ("Personne effacée
N") or "[effacé]" everywhere, the audit trail's details included. What the law
makes the body keep for 10 years (C. com. L123-22, CGI L102 B) stays: the issued
invoices and credit notes with their frozen buyer name and address, numbers,
amounts and dates. The rows stay (ids, dates, statuses, numbers: the register's
statistics and the certificate numbers still add up), the letter files are
removed, the erasure is recorded (dated, with its reason, in the audit trail), and
the SQLite file is then vacuumed and its WAL emptied so the erased text is in no
page of the file, the WAL or a later backup.

Refused, writing nothing: an unknown or merged id, a person already forgotten, one
with a dossier still in progress or a certificate valid or suspended on the day
(the data is needed to carry out the certification contract, art. 17(3)(b) and
6(1)(b): withdraw the dossier or the certificate first), no reason.

`retention_run`: the body file's `[retention]` rules (rules.bodies.Retention)
forget, through the same erasure, the people whose data the body no longer needs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certcli.domain import candidates, certificates
from certcli.errors import StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import dates, validators, workflow

if TYPE_CHECKING:
    from certcli.rules.bodies import Body
    from certcli.store import Store

ERASED = "[effacé]"
PSEUDONYM_FIRST = "Personne"
EXPORT_FILE = "person.json"
EXPORT_FORMAT = 1

# Keys of an audit entry on the person whose value is who they are.
_IDENTITY_KEYS = frozenset(
    {
        "civility",
        "first_name",
        "last_name",
        "name",
        "full_name",
        "holder",
        "birth_date",
        "email",
        "phone",
        "address",
        "postcode",
        "city",
        "employer",
        "siret",
        "to",
        "to_addr",
        "buyer",
        "debtor",
    }
)
# Keys of any entry about the person whose value is a free text about them.
_FREE_TEXT_KEYS = frozenset(
    {"reason", "text", "notes", "report_text", "decision_reason", "comment", "remittance"}
)
# Statuses of a dossier that ended without a certificate (retention rule 1).
ENDED_WITHOUT_CERTIFICATE = frozenset({"refused", "withdrawn", "inadmissible"})


def pseudonym(candidate_id: int) -> str:
    return f"{PSEUDONYM_FIRST} effacée {candidate_id}"


# -- access --------------------------------------------------------------------------
def _prepare_out(out: Path) -> None:
    """The export's folder: new, or empty."""
    if out.exists():
        if not out.is_dir():
            raise ValidationError(f"{out} exists and is not a folder: choose a new --out folder")
        if any(out.iterdir()):
            raise ValidationError(
                f"{out} is not empty: choose a new or empty --out folder "
                "(an export never mixes with other files)"
            )


def _audit_dicts(rows) -> list[dict]:
    out = []
    for row in rows:
        entry = dict(row)
        try:
            entry["details"] = json.loads(entry["details"] or "{}")
        except ValueError:
            pass
        out.append(entry)
    return out


def _audit_keys(held: dict[str, list[dict]]) -> dict[str, list[str]]:
    """entity -> entity ids of the audit entries about the person."""
    return {
        "candidate": [str(c["id"]) for c in held["candidates"]],
        "dossier": [d["ref"] for d in held["dossiers"]],
        "certificate": [c["number"] for c in held["certificates"]],
        "invoice": [i["number"] for i in held["invoices"]],
        "letter": [str(ltr["id"]) for ltr in held["letters"]],
        "outbox": [str(m["id"]) for m in held["outbox"]]
        + [m["message_id"] for m in held["outbox"]],
        "bank": [b["reference"] for b in held["bank_entries"]],
    }


def export_person(store: Store, candidate_id: int, out: Path, *, date: dt.date) -> dict:
    """Write everything held on one person into `out` (new or empty): person.json
    and letters/ (each letter's file, named by its id). Returns {"files": [...],
    "counts": {table: rows}, "missing_letters": [...]}; a letter whose file is gone
    is listed, not an error."""
    candidates.get(store, candidate_id)  # unknown or merged: refused
    _prepare_out(out)
    held = store.person_tables(candidate_id)
    audit = _audit_dicts(store.person_audit(candidate_id, _audit_keys(held)))
    files: list[Path] = []
    missing: list[str] = []
    copies: list[tuple[Path, Path]] = []
    for letter in held["letters"]:
        source = Path(letter["path"]) if letter["path"] else None
        if source is None or not source.is_file():
            missing.append(letter["path"] or f"letter {letter['id']} (file removed)")
            letter["file"] = None
            continue
        name = f"{letter['id']}-{source.name}"
        copies.append((source, out / "letters" / name))
        letter["file"] = f"letters/{name}"
    document = {
        "format": EXPORT_FORMAT,
        "exported_on": date.isoformat(),
        "candidate_id": candidate_id,
        "what": "Everything certcli holds on this person (GDPR art. 15).",
        **held,
        "audit_log": audit,
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = out / EXPORT_FILE
        target.write_text(
            json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
        files.append(target)
        for source, dest in copies:
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, dest)
            files.append(dest)
    except OSError as exc:
        shutil.rmtree(out, ignore_errors=True)
        raise ValidationError(f"cannot write the export to {out}: {exc.strerror or exc}") from None
    with store.transaction():
        store.audit(
            "candidate.export_person",
            "candidate",
            candidate_id,
            {"files": len(files)},
            date,
        )
    return {
        "candidate_id": candidate_id,
        "files": [str(f) for f in files],
        "counts": {table: len(rows) for table, rows in held.items()} | {"audit_log": len(audit)},
        "missing_letters": missing,
    }


# -- erasure -------------------------------------------------------------------------
def refusal(store: Store, candidate_id: int, date: dt.date) -> str | None:
    """Why this person may not be forgotten on `date` (None: they may): a dossier in
    progress or a certificate valid or suspended that day needs their data."""
    held = store.person_tables(candidate_id)
    for dossier in held["dossiers"]:
        if dossier["status"] in workflow.OPEN:
            return (
                f"candidate {candidate_id} has dossier {dossier['ref']} in progress "
                f"({dossier['status']}): the certification needs their data; withdraw it "
                "or let it be decided first"
            )
    for cert in held["certificates"]:
        periods = [p for p in held["certificate_periods"] if p["certificate_id"] == cert["id"]]
        suspensions = [
            s for s in held["certificate_suspensions"] if s["certificate_id"] == cert["id"]
        ]
        status = certificates.status_on(cert, periods, date, suspensions)
        if status in ("valid", "suspended", "not_yet_valid"):
            return (
                f"candidate {candidate_id} holds certificate {cert['number']}, {status} on "
                f"{date.isoformat()}: the directory and its verification need the holder; "
                "withdraw the certificate first (`certificate withdraw`)"
            )
    return None


def _words_of(value: Any, key: str | None, into: dict[str, set[str]]) -> None:
    """Collect the identity values found under identity keys of an audit entry's
    details (its `before`/`after` too): the person's earlier e-mails and names."""
    if isinstance(value, dict):
        for k, v in value.items():
            _words_of(v, k, into)
    elif isinstance(value, list):
        for v in value:
            _words_of(v, key, into)
    elif isinstance(value, str) and key in _IDENTITY_KEYS and value.strip():
        into.setdefault(key, set()).add(value.strip())


@dataclass
class _Scrubber:
    """Takes the person's words out of a text: their names become the pseudonym,
    their e-mail, phone, address and birth date "[effacé]"."""

    names: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)
    replacement: str = ERASED
    pattern: re.Pattern | None = None

    def compile(self) -> _Scrubber:
        words = sorted({w for w in self.names | self.others if len(w) >= 2}, key=len, reverse=True)
        if words:
            self.pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        self._names = {n.casefold() for n in self.names}
        return self

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(
            lambda m: self.replacement if m.group().casefold() in self._names else ERASED, value
        )

    def words(self) -> list[str]:
        return sorted(self.names | self.others)


def _walk(value: Any, key: str | None, scrub: _Scrubber, identity: bool, pseudo: str) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, k, scrub, identity, pseudo) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, key, scrub, identity, pseudo) for v in value]
    if isinstance(value, str):
        if identity and key in _IDENTITY_KEYS:
            return pseudo if key in ("name", "full_name", "holder", "buyer") else ERASED
        if key in _FREE_TEXT_KEYS:
            return ERASED
        return scrub.text(value)
    return value


def _json_text(text: str, scrub: _Scrubber, *, identity: bool, free: bool, pseudo: str) -> str:
    """A JSON text (audit details, a timeline's details) with the person taken out;
    a text that is not JSON is scrubbed as text."""
    try:
        data = json.loads(text)
    except ValueError:
        return scrub.text(text)
    walked = _walk(data, None, scrub, identity, pseudo) if free else _scrub_only(data, scrub)
    return json.dumps(walked, ensure_ascii=False, default=str)


def _scrub_only(value: Any, scrub: _Scrubber) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_only(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_only(v, scrub) for v in value]
    if isinstance(value, str):
        return scrub.text(value)
    return value


@dataclass
class Erasure:
    """One person forgotten (`candidate forget`, or a retention rule)."""

    candidate_id: int
    pseudonym: str
    date: str
    reason: str
    rule: str | None = None
    changed: dict[str, int] = field(default_factory=dict)
    letter_files: list[str] = field(default_factory=list)
    kept_invoices: list[str] = field(default_factory=list)
    merged_duplicates: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.candidate_id,
            "pseudonym": self.pseudonym,
            "forgotten_on": self.date,
            "reason": self.reason,
            "rule": self.rule,
            "changed": self.changed,
            "letter_files_removed": self.letter_files,
            "kept_invoices": self.kept_invoices,
            "merged_duplicates": self.merged_duplicates,
            "warnings": self.warnings,
        }


def _erase(
    store: Store, candidate_id: int, *, reason: str, date: dt.date, rule: str | None = None
) -> Erasure:
    """The erasure's writes, inside the caller's transaction (forget, retention_run):
    the one rule of what is replaced and what is kept. The letter files are removed
    by the caller once committed (`letter_files`)."""
    row = candidates.require(store, candidate_id)
    if row["forgotten_on"]:
        raise StateError(
            f"candidate {candidate_id} was already forgotten on {row['forgotten_on']} "
            f"({row['forget_reason']})"
        )
    if row["created_on"] and date.isoformat() < row["created_on"]:
        raise ValidationError(
            f"the erasure dated {date.isoformat()} is before candidate {candidate_id} was "
            f"registered ({row['created_on']})"
        )
    why_not = refusal(store, candidate_id, date)
    if why_not:
        raise StateError(why_not)
    held = store.person_tables(candidate_id)
    pseudo = pseudonym(candidate_id)
    audit_linked = store.person_audit(candidate_id, _audit_keys(held))

    # Who they are, now and before (edits, merged duplicates, addresses e-mailed).
    found: dict[str, set[str]] = {}
    for person in held["candidates"]:
        for key in (
            "first_name",
            "last_name",
            "email",
            "phone",
            "address",
            "birth_date",
            "siret",
        ):
            if person[key]:
                found.setdefault(key, set()).add(str(person[key]))
        found.setdefault("name", set()).update(
            {
                f"{person['first_name']} {person['last_name']}",
                f"{person['last_name']} {person['first_name']}",
            }
        )
    for entry in audit_linked:
        if entry["entity"] == "candidate":
            try:
                _words_of(json.loads(entry["details"] or "{}"), None, found)
            except ValueError:
                pass
    for message in held["outbox"]:
        if message["to_addr"]:
            found.setdefault("email", set()).add(message["to_addr"])
    names = (
        found.get("first_name", set()) | found.get("last_name", set()) | found.get("name", set())
    )
    names |= found.get("full_name", set()) | found.get("holder", set())
    others = set().union(
        *(found.get(k, set()) for k in ("email", "phone", "address", "birth_date", "siret", "to"))
    )
    # Birth dates also as typed (DD/MM/YYYY).
    for value in list(found.get("birth_date", ())):
        try:
            others.add(dt.date.fromisoformat(value).strftime("%d/%m/%Y"))
        except ValueError:
            pass
    others = {o for o in others if len(o) >= 4}
    linked = _Scrubber(names=set(names), others=others, replacement=pseudo).compile()
    # Outside the person's own records, only what names them alone: e-mail, phone,
    # the full name, the address (a first name alone is someone else's too).
    strong_names = {n for n in names if " " in n}
    strong = _Scrubber(
        names=strong_names,
        others={o for o in others if "@" in o or o in found.get("phone", set())}
        | {a for a in found.get("address", set()) if len(a) >= 8},
        replacement=pseudo,
    ).compile()

    audit_rows: dict[int, str] = {}
    for entry in audit_linked:
        new = _json_text(
            entry["details"] or "{}",
            linked,
            identity=entry["entity"] == "candidate",
            free=True,
            pseudo=pseudo,
        )
        if new != entry["details"]:
            audit_rows[entry["id"]] = new
    for entry in store.audit_mentioning(strong.words()):
        if entry["id"] in audit_rows or any(e["id"] == entry["id"] for e in audit_linked):
            continue
        new = _json_text(entry["details"], strong, identity=False, free=False, pseudo=pseudo)
        if new != entry["details"]:
            audit_rows[entry["id"]] = new

    columns_of = {}
    for person in held["candidates"]:
        name = pseudonym(person["id"])
        columns_of[person["id"]] = {
            "civility": None,
            "first_name": PSEUDONYM_FIRST,
            "last_name": name.removeprefix(PSEUDONYM_FIRST + " "),
            "birth_date": None,
            "email": None,
            "phone": None,
            "address": None,
            "postcode": None,
            "city": None,
            "employer": None,
            "siret": None,
            "employer_id": None,
            "directory_consent": 0,
            "search_key": validators.fold(name),
            "name_key": validators.name_key(PSEUDONYM_FIRST, name.split(" ", 1)[1]),
            "email_key": None,
            "forgotten_on": date.isoformat(),
            "forget_reason": strong.text(reason),
            "forget_rule": rule,
            "forgotten_by": store.actor,
        }

    def mixed(text: str) -> str:
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            return _json_text(text, linked, identity=False, free=True, pseudo=pseudo)
        return linked.text(text)

    changed = store.erase_person(
        candidate_id,
        pseudonyms=columns_of,
        scrub=mixed,
        audit_rows=audit_rows,
        erased=ERASED,
    )
    kept = [i["number"] for i in held["invoices"]]
    done = Erasure(
        candidate_id=candidate_id,
        pseudonym=pseudo,
        date=date.isoformat(),
        reason=strong.text(reason),
        rule=rule,
        changed=changed,
        letter_files=[ltr["path"] for ltr in held["letters"] if ltr["path"]],
        kept_invoices=kept,
        merged_duplicates=[c["id"] for c in held["candidates"] if c["id"] != candidate_id],
    )
    store.audit(
        "candidate.forget",
        "candidate",
        candidate_id,
        {
            "reason": done.reason,
            "rule": rule,
            "changed": changed,
            "letter_files_removed": len(done.letter_files),
            "kept_invoices": kept,
        },
        date,
    )
    return done


def _remove_files(done: Erasure) -> None:
    for path in done.letter_files:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError as exc:
            done.warnings.append(f"could not remove the letter file {path}: {exc.strerror}")


def _compact(store: Store, done: list[Erasure]) -> None:
    if not done:
        return
    if not store.compact_after_erasure():
        done[-1].warnings.append(
            "another certcli holds the database open: its WAL file still holds the erased "
            "pages until it closes (run `certcli check` then, or forget again is not needed)"
        )


def forget(store: Store, candidate_id: int, *, reason: str | None, date: dt.date) -> Erasure:
    """Forget one person (see the module's docstring)."""
    cleaned = validators.reason(reason, required="forgetting a person needs --reason")
    with store.transaction():
        done = _erase(store, candidate_id, reason=cleaned, date=date)
    _remove_files(done)
    _compact(store, [done])
    return done


# -- retention -----------------------------------------------------------------------
@dataclass
class Due:
    candidate_id: int
    rule: str
    years: int
    since: str
    until: str

    def to_dict(self) -> dict:
        return {
            "candidate_id": self.candidate_id,
            "rule": self.rule,
            "years": self.years,
            "since": self.since,
            "due_on": self.until,
        }


def _latest(*values: str | None) -> str | None:
    present = [v for v in values if v]
    return max(present) if present else None


def due(store: Store, date: dt.date) -> list[Due]:
    """The people a retention rule forgets on `date`, with the rule and its dates."""
    from certcli.rules import schemes

    people = store.retention_people(workflow.OPEN)
    dossiers_of = store.dossier_schemes_of([p["id"] for p in people])
    catalog = schemes.catalog()
    found: list[Due] = []
    for person in people:
        rows = dossiers_of[person["id"]]
        bodies: list[Body] = []
        for row in rows:
            scheme = catalog.get(row["scheme"])
            if scheme is None:
                bodies = []
                break
            bodies.append(scheme.body)
        if not bodies:
            continue
        if person["certificates"] == 0:
            if not all(r["status"] in ENDED_WITHOUT_CERTIFICATE for r in rows):
                continue
            rule = "refused_or_withdrawn_dossier_years"
            since = _latest(person["last_event"], person["last_dossier_day"])
        else:
            rule = "lapsed_holder_years"
            if person["open_ended"]:
                continue  # a certificate that never expires, never withdrawn
            since = _latest(person["last_valid"], person["last_event"], person["last_dossier_day"])
        years_each = [getattr(b.retention, rule) for b in bodies]
        if since is None or any(y is None for y in years_each):
            continue
        years = max(y for y in years_each if y is not None)
        until = dates.add_years(dates.from_iso(since[:10]), years)
        if until > date:
            continue
        if refusal(store, person["id"], date):
            continue
        found.append(Due(person["id"], rule, years, since[:10], until.isoformat()))
    return found


def retention_run(store: Store, *, date: dt.date, dry_run: bool) -> dict:
    """Apply the retention rules on `date`: forget every person due (one
    transaction), or with `dry_run` only say who would be, writing nothing."""
    concerned = due(store, date)
    erased: list[Erasure] = []
    if not dry_run and concerned:
        with store.transaction():
            for item in concerned:
                reason = (
                    f"retention rule {item.rule} = {item.years} "
                    f"(since {item.since}, due on {item.until})"
                )
                erased.append(
                    _erase(store, item.candidate_id, reason=reason, date=date, rule=item.rule)
                )
        for done in erased:
            _remove_files(done)
        _compact(store, erased)
    return {
        "date": date.isoformat(),
        "dry_run": dry_run,
        "count": len(concerned),
        "people": [
            {**item.to_dict(), **({"erasure": erased[i].to_dict()} if erased else {})}
            for i, item in enumerate(concerned)
        ],
        "warnings": [w for e in erased for w in e.warnings],
    }
