"""Test helpers for the letters, renewals and stats tests: a candidate a letter can be
posted to, and certificates granted the way a commission grants them (every record
through the domain functions: commission_helpers)."""

from __future__ import annotations

import datetime as dt

import builders
import commission_helpers


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
