"""The tamper-evident journal's rules (issue 16): what an entry holds, and its hash.

Each issued number (certificate, invoice, credit note), each decision, suspension,
withdrawal and each payment is one entry, and so is each GDPR erasure (`candidate
forget`, `retention run`): the erasure is journalled so that it cannot be denied
nor silently undone, and the entry says only which record (the candidate id, now a
pseudonym's), the day, and its basis: `request` (the person's, art. 17) or the
retention rule applied. Never the reason's free text: staff type it, and it may
name the person or someone else ("demande de Mme X du ..."), and a hash of a short
text is no erasure (it can be guessed back); it stays on the candidate's row and
in the audit trail, where an erasure can reach it. An entry holds the SHA-256 of a canonical
serialisation of the event's *content* (the fields below, read from its row), and
the entry's own hash covers its fields and the hash of the entry before it, so that
an edited event, an edited or deleted entry, or a rewritten chain is found by
`audit verify`. The content holds no personal data (no name, address, e-mail,
phone, free text, nor the candidate id, which a merge re-homes): a lawful erasure
(`candidate forget`) leaves every entry true. Pure functions, no SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certcli.rules import fastjson as json

GENESIS = "0" * 64  # the "previous hash" of the first entry

# The kinds of entries, in the order an upgraded office's journal is seeded.
KINDS = (
    "certificate",
    "invoice",
    "credit",
    "decision",
    "suspension",
    "withdrawal",
    "payment",
    "erasure",
)
# The basis of an erasure done at the person's request (else: the retention rule).
ON_REQUEST = "request"

# The fields of each kind's content, as read from its row (store/journal.py).
CONTENT = {
    "certificate": ("number", "scheme", "granted_on"),
    "invoice": (
        "number",
        "kind",
        "purpose",
        "year",
        "seq",
        "amount",
        "issued_on",
        "due_on",
        "certificate_id",
        "dossier_id",
        "dues_year",
        "credit_for",
    ),
    "decision": ("dossier_id", "date", "decision", "session", "certificate", "invoice", "amount"),
    "suspension": ("certificate_id", "start", "until"),
    "withdrawal": ("number", "withdrawn_on"),
    "payment": ("invoice_id", "dossier_id", "amount", "method", "paid_on"),
    "erasure": ("forgotten_on", "basis"),
}
CONTENT["credit"] = CONTENT["invoice"]


def canonical(value: Mapping[str, Any]) -> str:
    """One text for one value: keys sorted, no spaces, numbers and texts as JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    import hashlib  # OpenSSL's bindings: only when an entry is written or checked

    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(kind: str, row: Mapping[str, Any]) -> str:
    """The hash of an event's content: its row's fields of CONTENT[kind] (a
    decision's are in its timeline details, already unpacked into `row`)."""
    return sha256(canonical({"kind": kind, **{f: row.get(f) for f in CONTENT[kind]}}))


def entry_hash(entry: Mapping[str, Any], prev: str) -> str:
    """The hash of one entry: its sequence number, kind, row id, record (number or
    id), date and content hash, after the hash of the entry before it."""
    fields = {k: entry[k] for k in ("seq", "kind", "ref", "record", "date", "content")}
    return sha256(prev + "\n" + canonical(fields))
