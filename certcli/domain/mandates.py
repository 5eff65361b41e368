"""SEPA direct-debit mandates (issue 13): who authorised the body to collect their
dues from which account.

A mandate names the debtor (the holder, or with `payer` employer the company the
holder is linked to, which then pays the holder's invoices billed to it), the
debtor's IBAN (checked by schwifty: country, length, ISO 7064 check digits) and BIC
(given, else the one schwifty derives from the IBAN when it can), the date it was
signed, and its unique mandate reference (RUM): `{PREFIX}-{YEAR}-{NNNNNN}`, the
body's `[sepa] rum_prefix`, the year it was signed and a gapless sequence per body
and year (35 characters at most, the SEPA limit). A mandate is never edited: it is
revoked (once, dated) and a new one added.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certcli.errors import NotFound, StateError, ValidationError
from certcli.records import asdict, dataclass
from certcli.rules import validators

if TYPE_CHECKING:
    from collections.abc import Iterator

    from certcli.rules.bodies import Body
    from certcli.store import Store

PAYERS = ("candidate", "employer")


@dataclass
class Mandate:
    id: int
    rum: str
    body: str
    candidate_id: int
    holder: str
    payer: str
    company: str | None
    debtor: str
    iban: str
    bic: str | None
    signed_on: str
    revoked_on: str | None
    status: str  # valid, or revoked
    debits: int  # collections asked for on it (the next is RCUR once one went through)
    last_collection: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def _from_row(row, as_of: str | None = None) -> Mandate:
    revoked = row["revoked_on"] is not None and (as_of is None or row["revoked_on"] <= as_of)
    return Mandate(
        id=row["id"],
        rum=row["rum"],
        body=row["body"],
        candidate_id=row["candidate_id"],
        holder=f"{row['first_name']} {row['last_name']}",
        payer=row["payer"],
        company=row["company"],
        debtor=row["debtor"],
        iban=row["iban"],
        bic=row["bic"],
        signed_on=row["signed_on"],
        revoked_on=row["revoked_on"],
        status="revoked" if revoked else "valid",
        debits=int(row["debits"] or 0),
        last_collection=row["last_collection"],
    )


def sepa_bodies() -> dict[str, Body]:
    """The bodies whose file has a [sepa] table (a creditor identifier), by code."""
    from certcli.rules import schemes

    found: dict[str, Body] = {}
    for scheme in schemes.catalog().values():
        if scheme.body.sepa is not None:
            found.setdefault(scheme.body.code, scheme.body)
    return found


def creditor(code: str | None) -> Body:
    """The body collecting by direct debit: `code`, else the only one with a [sepa]
    table; its creditor identifier checked (stdnum's eu.at_02)."""
    from certcli.rules import bodies

    found = sepa_bodies()
    if code is None:
        if not found:
            raise ValidationError(
                "no body collects by direct debit: add a [sepa] table with creditor_id "
                "(the ICS) to its file in data/bodies/"
            )
        if len(found) > 1:
            raise ValidationError(
                f"several bodies collect by direct debit ({', '.join(sorted(found))}): "
                "choose one with --body"
            )
        body = next(iter(found.values()))
    else:
        code = validators.text(code, "body") or ""
        if code.strip().lower() not in found:
            known = ", ".join(sorted(found)) or "none"
            raise ValidationError(
                f"body {code!r} does not collect by direct debit (bodies with a [sepa] "
                f"table: {known})"
            )
        body = found[code.strip().lower()]
    bodies.check_creditor_id(body)
    return body


def check_iban(value: str) -> str:
    """The IBAN, compact, checked by schwifty (country, length, check digits);
    ValidationError naming the problem."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    raw = validators.text(value, "IBAN") or ""
    try:
        return str(IBAN(raw).compact)
    except SchwiftyException as exc:
        raise ValidationError(f"IBAN {raw!r} is not valid: {exc}") from None


def check_bic(value: str | None, iban: str) -> str | None:
    """The BIC given (checked by schwifty), else the one schwifty finds for the IBAN's
    bank, else None (the file says NOTPROVIDED, which SEPA allows)."""
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    if value is None or not value.strip():
        try:
            found = IBAN(iban).bic
        except SchwiftyException:
            return None
        return str(found) if found is not None else None
    raw = (validators.text(value, "BIC") or "").replace(" ", "").upper()
    try:
        return str(BIC(raw, allow_invalid=False))
    except SchwiftyException as exc:
        raise ValidationError(f"BIC {raw!r} is not valid: {exc}") from None


def add(
    store: Store,
    candidate_id: int,
    *,
    iban: str,
    bic: str | None = None,
    signed_on: dt.date,
    payer: str = "candidate",
    body: str | None = None,
    date: dt.date,
) -> Mandate:
    payer = validators.choice(payer, PAYERS, "payer")
    creditor_body = creditor(body)
    iban = check_iban(iban)
    bic = check_bic(bic, iban)
    if signed_on > date:
        raise ValidationError(f"a mandate signed on {signed_on} is after today ({date})")
    sepa = creditor_body.sepa
    assert sepa is not None
    with store.transaction():
        person = store.candidate(candidate_id)
        if person is None:
            raise NotFound(f"no candidate with id {candidate_id}")
        company_id = None
        if payer == "employer":
            company_id = person["employer_id"]
            if company_id is None:
                raise ValidationError(
                    f"payer employer: candidate {candidate_id} is linked to no company; link "
                    f"them with `certcli candidate edit {candidate_id} --employer-id ID`"
                )
            company = store.company(company_id)
            assert company is not None
            debtor = company["name"]
        else:
            debtor = f"{person['first_name']} {person['last_name']}"
        year = signed_on.year
        seq = store.next_counter(f"mandate:{creditor_body.code}:{year}")
        rum = f"{sepa.rum_prefix}-{year}-{seq:06d}"
        mandate_id = store.insert(
            "mandates",
            {
                "rum": rum,
                "body": creditor_body.code,
                "candidate_id": candidate_id,
                "payer": payer,
                "company_id": company_id,
                "debtor": debtor,
                "iban": iban,
                "bic": bic,
                "signed_on": signed_on.isoformat(),
                "created_on": date.isoformat(),
                "actor": store.actor,
            },
        )
        store.audit(
            "mandate.add",
            "candidate",
            candidate_id,
            {"rum": rum, "candidate_id": candidate_id, "payer": payer, "iban": iban, "bic": bic},
            date,
        )
        return _from_row(store.mandate(mandate_id))


def _get_row(store: Store, ref: str):
    """A mandate by id or by its RUM."""
    ref = (validators.text(ref, "mandate") or "").strip()
    row = None
    if ref.isdigit():
        row = store.mandate(int(ref))
    if row is None:
        row = store.mandate_by_rum(ref.upper())
    if row is None:
        raise NotFound(f"no mandate {ref!r} (mandate list shows them)")
    return row


def get(store: Store, ref: str) -> Mandate:
    return _from_row(_get_row(store, ref))


def listing(
    store: Store, *, candidate_id: int | None = None, as_of: dt.date, limit: int, offset: int = 0
) -> tuple[list[Mandate], int]:
    """A page of the mandates (every one, or a holder's) by id, with their status on
    `as_of`, and how many there are."""
    sql, params = store.mandates_sql(candidate_id)
    rows = store.page(sql, params, limit, offset)
    return [_from_row(r, as_of.isoformat()) for r in rows], store.count_of(sql, params)


def stream(store: Store, *, candidate_id: int | None = None, as_of: dt.date) -> Iterator[Mandate]:
    """Every mandate of `listing`, built as it is read (`mandate list --all`)."""
    return (
        _from_row(r, as_of.isoformat()) for r in store.stream(*store.mandates_sql(candidate_id))
    )


def revoke(store: Store, ref: str, *, date: dt.date) -> Mandate:
    """The mandate ends on `date` (once: a revoked mandate stays revoked); debits
    already in a batch stand, no new one is asked for on it."""
    with store.transaction():
        row = _get_row(store, ref)
        if row["revoked_on"] is not None:
            raise StateError(f"mandate {row['rum']} was revoked on {row['revoked_on']} already")
        if date.isoformat() < row["signed_on"]:
            raise ValidationError(
                f"mandate {row['rum']} was signed on {row['signed_on']}, after {date}"
            )
        store.update("mandates", row["id"], {"revoked_on": date.isoformat()})
        store.audit("mandate.revoke", "candidate", row["candidate_id"], {"rum": row["rum"]}, date)
        return _from_row(store.mandate(row["id"]))
