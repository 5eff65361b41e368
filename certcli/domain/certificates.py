"""Certificates: issuing, renewing, extending, withdrawing, and their status on a day.

A certificate keeps its number for life; each grant (first or renewal) adds a
validity period. A renewal granted on or before `valid_until` starts the day
after it (no gap); granted later, it starts on the decision date and the gap
shows as a lapse.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING

from certcli.domain.candidates import search_key
from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass, field
from certcli.rules import dates, schemes, validators
from certcli.rules import fastjson as json

if TYPE_CHECKING:
    import sqlite3

    from certcli.store import Store


@dataclass
class Certificate:
    number: str
    candidate_id: int
    holder: str
    scheme: str
    status: str
    granted_on: str
    valid_until: str | None
    periods: list[dict]
    mentions: list[str]
    lapses: list[dict] = field(default_factory=list)
    withdrawn_on: str | None = None
    withdraw_reason: str | None = None
    suspensions: list[dict] = field(default_factory=list)
    as_of: str | None = None
    payer: str = "candidate"  # who its dues are billed to: the holder or their employer
    id: int | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("id")
        return data


def suspension_on(suspensions, day: dt.date):
    """The suspension covering `day`, if any: from its start to its `until` (both
    included; none: until reinstated), ended by a reinstatement on or before `day`.
    The store's suspended_on() says the same in SQL."""
    iso = day.isoformat()
    return next(
        (
            s
            for s in suspensions
            if s["start"] <= iso
            and (s["until"] is None or s["until"] >= iso)
            and (s["reinstated_on"] is None or s["reinstated_on"] > iso)
        ),
        None,
    )


def valid_on(periods, day: dt.date, withdrawn_on: str | None = None, suspensions=()) -> bool:
    """Whether a certificate with these validity periods is valid on `day`: a period
    covers it (both ends included, an open end runs on), it was not withdrawn by
    then and no suspension covers it. The store's _VALID_ON and _VALID_ON_JAN1 say the
    same in SQL (the directory, renewals due and the dues call read them)."""
    iso = day.isoformat()
    if withdrawn_on and withdrawn_on <= iso:
        return False
    if suspension_on(suspensions, day) is not None:
        return False
    return any(p["start"] <= iso and (p["end"] is None or p["end"] >= iso) for p in periods)


def status_on(row, periods, day: dt.date, suspensions=()) -> str:
    """valid / suspended / expired / withdrawn on `day` (not_yet_valid before the first
    period); suspended only while a period covers the day."""
    iso = day.isoformat()
    if row["withdrawn_on"] and row["withdrawn_on"] <= iso:
        return "withdrawn"
    if valid_on(periods, day):
        return "suspended" if suspension_on(suspensions, day) is not None else "valid"
    if periods and iso < periods[0]["start"]:
        return "not_yet_valid"
    return "expired"


def lapses(periods) -> list[dict]:
    """Gaps between consecutive validity periods (both ends included)."""
    gaps = []
    for before, after in zip(periods, periods[1:], strict=False):
        if before["end"] is None:
            continue
        first = dates.from_iso(before["end"]) + dt.timedelta(days=1)
        last = dates.from_iso(after["start"]) - dt.timedelta(days=1)
        if first <= last:
            gaps.append(
                {
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "days": dates.days_inclusive(first, last),
                }
            )
    return gaps


def _from_row(store: Store, row, as_of: dt.date, periods=None, suspended=None) -> Certificate:
    """A certificate from its row; `periods` and `suspended` when the caller fetched
    them already (a listing reads every listed certificate's in one query each)."""
    if periods is None:
        periods = store.certificate_periods(row["id"])
    if suspended is None:
        suspended = store.certificate_suspensions(row["id"])
    return Certificate(
        id=row["id"],
        number=row["number"],
        candidate_id=row["candidate_id"],
        holder=f"{row['first_name']} {row['last_name']}",
        scheme=row["scheme"],
        status=status_on(row, periods, as_of, suspended),
        granted_on=row["granted_on"],
        valid_until=periods[-1]["end"] if periods else None,
        periods=[{"start": p["start"], "end": p["end"]} for p in periods],
        mentions=json.loads(row["mentions"] or "[]"),
        lapses=lapses(periods),
        withdrawn_on=row["withdrawn_on"],
        withdraw_reason=row["withdraw_reason"],
        suspensions=[_suspension(s) for s in suspended],
        as_of=as_of.isoformat(),
        payer=row["payer"],
    )


def _suspension(row) -> dict:
    return {
        "from": row["start"],
        "until": row["until"],
        "reason": row["reason"],
        "by": row["suspended_by"],
        "reinstated_on": row["reinstated_on"],
        "reinstate_reason": row["reinstate_reason"],
    }


def normalise_number(number: str) -> str:
    """The stored form of a certificate number typed by a user: numbers are upper
    case (ECO-2026-0001), so 'eco-2026-0001 ' finds it everywhere."""
    return number.strip().upper()


def row_by_number(store: Store, number: str):
    """The certificate row for a number as typed, or NotFound."""
    found = store.certificate(normalise_number(number))
    if found is None:
        raise NotFound(f"no certificate {number!r}")
    return found


def get(store: Store, number: str, *, as_of: dt.date) -> Certificate:
    return _from_row(store, row_by_number(store, number), as_of)


def by_id(store: Store, certificate_id: int, *, as_of: dt.date) -> Certificate:
    return _from_row(store, _certificate_row(store, certificate_id), as_of)


def summary(store: Store, certificate_id: int) -> dict:
    """A certificate's number, the end of its last period and its mentions, as `by_id`
    gives them, without building the certificate (`dossier show`, issue 20)."""
    row = _certificate_row(store, certificate_id)
    periods = store.certificate_periods(row["id"])
    return {
        "number": row["number"],
        "valid_until": periods[-1]["end"] if periods else None,
        "mentions": json.loads(row["mentions"] or "[]"),
    }


CHUNK = 1000  # rows built at a time when a listing streams


def _filters(valid_on, scheme, candidate_id, search=None) -> dict:
    return {
        "valid_on": dates.iso(valid_on),
        "scheme": schemes.get(scheme).code if scheme else None,
        "candidate_id": candidate_id,
        "search_key": search_key(search),
    }


def built(store: Store, rows, as_of: dt.date) -> list[Certificate]:
    """Certificates from rows, their periods read in one query."""
    ids = [r["id"] for r in rows]
    periods, suspended = store.periods_of(ids), store.suspensions_of(ids)
    return [_from_row(store, r, as_of, periods[r["id"]], suspended[r["id"]]) for r in rows]


def listing(
    store: Store,
    *,
    as_of: dt.date,
    valid_on: dt.date | None = None,
    scheme: str | None = None,
    candidate_id: int | None = None,
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Certificate], int]:
    """One page of certificates (all of them without `limit`) and how many match,
    whatever the holder's directory consent (staff's view); `search`: words of the
    holder's name, as candidate search finds them."""
    filters = _filters(valid_on, scheme, candidate_id, search)
    rows = store.certificates(**filters, limit=limit, offset=offset)
    return built(store, rows, as_of), store.count_certificates(**filters)


def stream(
    store: Store,
    *,
    as_of: dt.date,
    valid_on: dt.date | None = None,
    scheme: str | None = None,
    candidate_id: int | None = None,
    search: str | None = None,
):
    """Every matching certificate, built a chunk at a time as the rows come."""
    rows = store.iter_certificates(**_filters(valid_on, scheme, candidate_id, search))
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield from built(store, chunk, as_of)


EXPORT_COLUMNS = (
    "number",
    "candidate_id",
    "holder",
    "scheme",
    "status",
    "granted_on",
    "valid_until",
    "mentions",
    "withdrawn_on",
    "withdraw_reason",
)


def export_table(store: Store, *, as_of: dt.date):
    """Every certificate with its status on `as_of`, for `certificate export`."""
    from certcli.domain import exports

    found = stream(store, as_of=as_of)
    return exports.Table(
        EXPORT_COLUMNS,
        ([getattr(c, k) for k in EXPORT_COLUMNS] for c in found),
        title="certificats",
    )


def _mention_key(text: str) -> str:
    # NFKD leaves the ligatures alone: "Maîtrise d'oeuvre" must find "d'œuvre".
    return validators.fold(text).replace("œ", "oe").replace("æ", "ae")


def check_mentions(scheme, mentions: list[str]) -> list[str]:
    """The scheme's spelling of each mention given, once each, in the order given;
    case, accents and ligatures are ignored ('opc' is OPC). The one matching rule of
    the instructor's report, the dossier's --mention and the commission's decision."""
    offered = {_mention_key(m): m for m in scheme.mentions}
    found = []
    for mention in mentions:
        canonical = offered.get(_mention_key(mention))
        if canonical is None:
            raise ValidationError(
                f"unknown mention {mention!r} for {scheme.code} (one of: "
                f"{', '.join(scheme.mentions) if scheme.mentions else 'none offered'})"
            )
        if canonical not in found:
            found.append(canonical)
    return found


def _period_end(scheme, start: dt.date) -> str | None:
    return dates.iso(dates.validity_end(start, scheme.validity_years)) if scheme.expires else None


def issue(
    store: Store,
    *,
    scheme,
    candidate_id: int,
    dossier_id: int,
    mentions: list[str],
    date: dt.date,
    payer: str = "candidate",
) -> int:
    """A new certificate and its first period; call inside a transaction. `payer`
    (the granted dossier's) is who its dues are billed to."""
    seq = store.next_counter(f"certificate:{scheme.code}")
    number = scheme.certificate_number(date.year, seq)
    cert_id = store.insert(
        "certificates",
        {
            "number": number,
            "candidate_id": candidate_id,
            "scheme": scheme.code,
            "status": "valid",
            "granted_on": date.isoformat(),
            "mentions": json.dumps(mentions, ensure_ascii=False),
            "payer": payer,
        },
    )
    store.insert(
        "certificate_periods",
        {
            "certificate_id": cert_id,
            "start": date.isoformat(),
            "end": _period_end(scheme, date),
            "dossier_id": dossier_id,
        },
    )
    store.audit(
        "certificate.issue",
        "certificate",
        number,
        {"scheme": scheme.code, "candidate_id": candidate_id, "mentions": mentions},
        date,
    )
    return cert_id


def _certificate_row(store: Store, certificate_id: int) -> sqlite3.Row:
    row = store.certificate_by_id(certificate_id)
    if row is None:
        raise NotFound(f"no certificate with id {certificate_id}")
    return row


def renew(store: Store, *, scheme, certificate_id: int, dossier_id: int, date: dt.date) -> int:
    """A new period for the same number; call inside a transaction."""
    row = _certificate_row(store, certificate_id)
    if row["withdrawn_on"]:
        raise StateError(
            f"certificate {row['number']} was withdrawn on {row['withdrawn_on']}: "
            "it cannot be renewed"
        )
    periods = store.certificate_periods(certificate_id)
    last_end = dates.from_iso(periods[-1]["end"]) if periods else None
    if last_end is None:
        raise StateError(f"certificate {row['number']} does not expire: nothing to renew")
    start = last_end + dt.timedelta(days=1) if date <= last_end else date
    store.insert(
        "certificate_periods",
        {
            "certificate_id": certificate_id,
            "start": start.isoformat(),
            "end": _period_end(scheme, start),
            "dossier_id": dossier_id,
        },
    )
    details = {"start": start.isoformat(), "end": _period_end(scheme, start)}
    if start > last_end + dt.timedelta(days=1):
        details["lapse"] = [
            (last_end + dt.timedelta(days=1)).isoformat(),
            (start - dt.timedelta(days=1)).isoformat(),
        ]
    store.audit("certificate.renew", "certificate", row["number"], details, date)
    return certificate_id


def add_mentions(store: Store, *, certificate_id: int, mentions: list[str], date: dt.date) -> int:
    """Add an extension's mentions to a certificate valid on `date`."""
    row = _certificate_row(store, certificate_id)
    status = status_on(
        row,
        store.certificate_periods(certificate_id),
        date,
        store.certificate_suspensions(certificate_id),
    )
    if status != "valid":
        raise StateError(
            f"certificate {row['number']} is {status} on {date}: "
            "an extension needs a valid certificate"
        )
    current = json.loads(row["mentions"] or "[]")
    added = [m for m in mentions if m not in current]
    store.update(
        "certificates",
        certificate_id,
        {"mentions": json.dumps(current + added, ensure_ascii=False)},
    )
    store.audit("certificate.extend", "certificate", row["number"], {"mentions": added}, date)
    return certificate_id


def withdraw(store: Store, number: str, *, reason: str, date: dt.date) -> Certificate:
    reason = validators.reason(reason, required="a withdrawal needs --reason")
    with store.transaction():
        # Checked under the write lock: of two withdrawals at once, the second is refused.
        row = row_by_number(store, number)
        if row["withdrawn_on"]:
            raise StateError(
                f"certificate {row['number']} was already withdrawn on {row['withdrawn_on']}"
            )
        if date.isoformat() < row["granted_on"]:
            raise ValidationError(
                f"withdrawal dated {date} is before the grant ({row['granted_on']})"
            )
        store.update(
            "certificates",
            row["id"],
            {
                "status": "withdrawn",
                "withdrawn_on": date.isoformat(),
                "withdraw_reason": reason,
            },
        )
        store.audit("certificate.withdraw", "certificate", row["number"], {"reason": reason}, date)
    return get(store, row["number"], as_of=date)


PAYERS = ("candidate", "employer")


def set_payer(store: Store, number: str, payer: str, *, date: dt.date) -> Certificate:
    """Who the certificate's dues are billed to from now on (`certificate edit
    --payer`): the holder, or the company they are linked to. Invoices already
    issued keep their buyer (a reissue changes one)."""
    payer = validators.choice(payer, PAYERS, "payer")
    with store.transaction():
        row = row_by_number(store, number)
        holder = store.candidate(row["candidate_id"])
        if payer == "employer" and (holder is None or holder["employer_id"] is None):
            cid = row["candidate_id"]
            raise ValidationError(
                f"payer employer: candidate {cid}, holder of {row['number']}, is linked to "
                f"no company; link them with `certcli candidate edit {cid} --employer-id ID`"
            )
        if payer != row["payer"]:
            store.update("certificates", row["id"], {"payer": payer})
            store.audit(
                "certificate.edit",
                "certificate",
                row["number"],
                {"certificate": row["number"], "payer": [row["payer"], payer]},
                date,
            )
    return get(store, row["number"], as_of=date)


def suspend(
    store: Store, number: str, *, reason: str, date: dt.date, until: dt.date | None = None
) -> Certificate:
    """Suspend a valid certificate from `date` (ISO/IEC 17024): not valid, for the
    directory, renewals due and the dues call, until `until` (its last day suspended)
    has passed or it is reinstated."""
    reason = validators.reason(reason, required="a suspension needs --reason")
    if until is not None and until < date:
        raise ValidationError(f"--until {until} is before the suspension's --date {date}")
    with store.transaction():
        row = row_by_number(store, number)
        suspended = store.certificate_suspensions(row["id"])
        status = status_on(row, store.certificate_periods(row["id"]), date, suspended)
        if status != "valid":
            raise StateError(
                f"certificate {row['number']} is {status} on {date}: only a valid "
                "certificate can be suspended"
            )
        later = [
            s for s in suspended if s["reinstated_on"] is None and s["start"] > date.isoformat()
        ]
        if later:
            raise StateError(
                f"certificate {row['number']} is already suspended from {later[0]['start']}: "
                "reinstate it first"
            )
        suspension_id = store.insert(
            "certificate_suspensions",
            {
                "certificate_id": row["id"],
                "start": date.isoformat(),
                "until": dates.iso(until),
                "reason": reason,
                "suspended_by": store.actor,
            },
        )
        store.audit(
            "certificate.suspend",
            "certificate",
            row["number"],
            {
                "certificate": row["number"],
                "suspension": suspension_id,
                "until": dates.iso(until),
                "reason": reason,
                "status": [status, "suspended"],
            },
            date,
        )
    return get(store, row["number"], as_of=date)


def reinstate(store: Store, number: str, *, reason: str, date: dt.date) -> Certificate:
    """End the suspension covering `date`: the certificate is valid again from that day."""
    reason = validators.reason(reason, required="a reinstatement needs --reason")
    with store.transaction():
        row = row_by_number(store, number)
        suspended = store.certificate_suspensions(row["id"])
        periods = store.certificate_periods(row["id"])
        current = suspension_on(suspended, date)
        status = status_on(row, periods, date, suspended)
        if current is None or status != "suspended":
            raise StateError(
                f"certificate {row['number']} is {status} on {date}, not suspended: "
                "nothing to reinstate"
            )
        store.update(
            "certificate_suspensions",
            current["id"],
            {
                "reinstated_on": date.isoformat(),
                "reinstate_reason": reason,
                "reinstated_by": store.actor,
            },
        )
        after = status_on(row, periods, date, store.certificate_suspensions(row["id"]))
        store.audit(
            "certificate.reinstate",
            "certificate",
            row["number"],
            {
                "certificate": row["number"],
                "suspension": current["id"],
                "from": current["start"],
                "until": current["until"],
                "reason": reason,
                "status": ["suspended", after],
            },
            date,
        )
    return get(store, row["number"], as_of=date)
