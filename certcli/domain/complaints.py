"""The register of complaints (ISO/IEC 17024 §9.8): a complaint about a holder's
certificate, received, then closed once with its outcome, linked to the suspension
or the withdrawal of the certificate when that was the outcome. Each step is one
audited transaction; nothing is deleted or rewritten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from certcli.domain import certificates
from certcli.errors import NotFound, StateError, ValidationError
from certcli.rules import validators

if TYPE_CHECKING:
    from certcli.store import Store


def _to_dict(row) -> dict:
    link = None
    if row["suspension_id"] is not None:
        link = {"suspension": row["suspension_id"], "from": row["suspension_start"]}
    elif row["withdrawal"]:
        link = {"withdrawal": True}
    return {
        "id": row["id"],
        "certificate": row["certificate"],
        "scheme": row["scheme"],
        "received_on": row["received_on"],
        "from": row["complainant"],
        "text": row["text"],
        "status": "closed" if row["closed_on"] else "open",
        "closed_on": row["closed_on"],
        "outcome": row["outcome"],
        "linked_to": link,
        "recorded_by": row["recorded_by"],
        "closed_by": row["closed_by"],
    }


def _row(store: Store, complaint_id: int):
    row = store.complaint(complaint_id)
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    return row


def add(store: Store, number: str, *, complainant: str, text: str, date: dt.date) -> dict:
    """Register a complaint about certificate `number`, received on `date`."""
    complainant = validators.reason(complainant, "--from", required="a complaint needs --from")
    text = validators.reason(text, "--text", required="a complaint needs --text")
    with store.transaction():
        cert = certificates.row_by_number(store, number)
        if date.isoformat() < cert["granted_on"]:
            raise ValidationError(
                f"complaint dated {date} is before certificate {cert['number']} was "
                f"granted ({cert['granted_on']})"
            )
        complaint_id = store.insert(
            "complaints",
            {
                "certificate_id": cert["id"],
                "received_on": date.isoformat(),
                "complainant": complainant,
                "text": text,
                "recorded_by": store.actor,
            },
        )
        store.audit(
            "complaint.add",
            "complaint",
            complaint_id,
            {"certificate": cert["number"], "from": complainant, "text": text},
            date,
        )
        return _to_dict(_row(store, complaint_id))


def listing(
    store: Store, *, open_only: bool = False, limit: int | None = None, offset: int = 0
) -> list[dict]:
    """The register of complaints (`open_only`: not closed), oldest first; a page
    with `limit`."""
    sql, params = store.complaints_sql(open_only=open_only)
    rows = store.all(sql, params) if limit is None else store.page(sql, params, limit, offset)
    return [_to_dict(r) for r in rows]


def count(store: Store, *, open_only: bool = False) -> int:
    return store.count_of(*store.complaints_sql(open_only=open_only))


def stream(store: Store, *, open_only: bool = False) -> Iterator[dict]:
    """Every complaint of `listing`, as it is read (`complaint list --all`)."""
    return (_to_dict(r) for r in store.stream(*store.complaints_sql(open_only=open_only)))


def show(store: Store, complaint_id: int) -> dict:
    return _to_dict(_row(store, complaint_id))


def close(
    store: Store,
    complaint_id: int,
    *,
    outcome: str,
    date: dt.date,
    suspension: bool = False,
    withdrawal: bool = False,
) -> dict:
    """Close a complaint with its outcome; `suspension`: the outcome is the
    certificate's latest suspension, `withdrawal` its withdrawal, either recorded
    between the complaint's receipt and `date`."""
    outcome = validators.reason(
        outcome, "--outcome", required="closing a complaint needs --outcome"
    )
    if suspension and withdrawal:
        raise ValidationError("--suspension and --withdrawal cannot go together: choose one")
    with store.transaction():
        row = _row(store, complaint_id)
        if row["closed_on"]:
            raise StateError(f"complaint {complaint_id} was already closed on {row['closed_on']}")
        if date.isoformat() < row["received_on"]:
            raise ValidationError(
                f"closing dated {date} is before the complaint was received ({row['received_on']})"
            )
        changes: dict = {
            "closed_on": date.isoformat(),
            "outcome": outcome,
            "closed_by": store.actor,
        }
        window = f"between {row['received_on']} and {date.isoformat()}"
        details: dict = {"certificate": row["certificate"], "outcome": outcome}
        if suspension:
            found = [
                s
                for s in store.certificate_suspensions(row["certificate_id"])
                if row["received_on"] <= s["start"] <= date.isoformat()
            ]
            if not found:
                raise StateError(
                    f"certificate {row['certificate']} was not suspended {window}: "
                    "suspend it first (`certcli certificate suspend`)"
                )
            changes["suspension_id"] = found[-1]["id"]
            details["suspension"] = found[-1]["id"]
        if withdrawal:
            cert = store.certificate_by_id(row["certificate_id"])
            withdrawn = cert["withdrawn_on"] if cert is not None else None
            if not withdrawn or not (row["received_on"] <= withdrawn <= date.isoformat()):
                raise StateError(
                    f"certificate {row['certificate']} was not withdrawn {window}: "
                    "withdraw it first (`certcli certificate withdraw`)"
                )
            changes["withdrawal"] = 1
            details["withdrawal"] = withdrawn
        store.update("complaints", complaint_id, changes)
        store.audit("complaint.close", "complaint", complaint_id, details, date)
        return _to_dict(_row(store, complaint_id))
