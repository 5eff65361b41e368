"""Test helpers for the letters, renewals and stats tests: a candidate a letter can be
posted to, and certificates granted the way a commission grants them (every record
through the domain functions: commission_helpers)."""

from __future__ import annotations

import datetime as dt

import builders
import commission_helpers

from certcli.rules import dates


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def candidate(store, first="Hélène", last="Lefèvre-Dupré", civility="Mme", **extra) -> int:
    """A candidate a letter can be posted to, with what an OPQTECC check asks."""
    return builders.candidate(
        store,
        first,
        last,
        **{
            **builders.POSTAL,
            "civility": civility,
            "phone": "+33 6 12 34 56 78",
            "email": "helene@example.fr",
            **extra,
        },
    )


def certificate(store, candidate_id: int, granted_on: str, *, scheme="ECO", override=None) -> int:
    """A certificate granted on `granted_on` through the commission's steps
    (commission_helpers.d_granted; `override`: the reason the check accepted a
    candidate the register shows ineligible): its number is the scheme's next one
    (the sequence runs on across years), its validity the scheme's, and the grant
    brings its prorated dues invoice. Returns its id."""
    decision = commission_helpers.d_granted(store, candidate_id, granted_on, scheme, override)
    return store.certificate(decision.certificate)["id"]


def number(store, cert_id: int) -> str:
    return store.certificate_by_id(cert_id)["number"]


# -- rows written past the rules ---------------------------------------------------------
# Left for the invoice-reminder and accounting tests (test_letters_invoice_reminders.py,
# test_domain_accounting.py), which landed using them while the rest moved to the domain:
# a grant through the domain brings its own prorated dues invoice, which changes the
# invoice numbers and the ledger totals those tests assert. To be converted next.
def certificate_row(
    store, candidate_id: int, number: str, granted_on: str, *, scheme="ECO", years=4
) -> int:
    """A certificate with a chosen number and no dossier, written straight."""
    with store.transaction():
        cert_id = store.insert(
            "certificates",
            {
                "number": number,
                "candidate_id": candidate_id,
                "scheme": scheme,
                "granted_on": granted_on,
            },
        )
        store.insert(
            "certificate_periods",
            {
                "certificate_id": cert_id,
                "start": granted_on,
                "end": dates.validity_end(day(granted_on), years).isoformat() if years else None,
            },
        )
    return cert_id


def dossier(
    store,
    candidate_id: int,
    scheme="ECO",
    kind="initial",
    *,
    ref="2026-0001",
    status="submitted",
    opened_on="2026-02-01",
    **extra,
) -> int:
    """A dossier row with a chosen reference and status, written straight."""
    with store.transaction():
        return store.insert(
            "dossiers",
            {
                "ref": ref,
                "candidate_id": candidate_id,
                "scheme": scheme,
                "kind": kind,
                "status": status,
                "opened_on": opened_on,
                **extra,
            },
        )


def fee(store, dossier_id: int, amount: str, on="2026-02-03") -> None:
    """An instruction fee payment row, written straight."""
    with store.transaction():
        store.insert(
            "payments",
            {"dossier_id": dossier_id, "amount": amount, "method": "cheque", "paid_on": on},
        )
