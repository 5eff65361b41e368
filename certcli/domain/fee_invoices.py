"""The instruction fee's invoice (issue 12): an F- invoice of the same gapless series,
issued when the dossier is opened or with the fee's first payment (the scheme file's
`fee_invoice`), billed to the dossier's payer. The fee's payments and refunds are
recorded against both the dossier and that invoice, so `dossier check` and
`invoice show` say the same."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certcli.domain import invoices
from certcli.errors import ValidationError
from certcli.rules import money, postal

if TYPE_CHECKING:
    from certcli.store import Store

PURPOSE = "instruction-fee"
KIND_LABELS = {"initial": "demande initiale", "renewal": "renouvellement", "extension": "extension"}


def ensure(store: Store, dossier_row, scheme, date: dt.date):
    """The dossier's fee invoice (its row), issued on `date` if it has none yet; None
    when the dossier owes no fee. Call inside the transaction. A dossier opened or a
    fee paid on a day before the series' latest invoice is invoiced on that latest
    day (`invoices.next_issue_date`): recording a cheque that came last week is never
    refused for the numbering's sake."""
    fee = scheme.fee(dossier_row["kind"])
    if fee <= 0:
        return None
    found = store.fee_invoice(dossier_row["id"])
    if found is not None:
        return found
    _require_postal_address(store, dossier_row)
    kind = KIND_LABELS.get(dossier_row["kind"], dossier_row["kind"])
    date = invoices.next_issue_date(store, date)
    invoices.issue(
        store,
        candidate_id=dossier_row["candidate_id"],
        amount=fee,
        label=f"Frais d'instruction {scheme.code} ({kind})",
        purpose=PURPOSE,
        date=date,
        body=scheme.body,
        dossier_id=dossier_row["id"],
        payer=dossier_row["payer"],
    )
    return store.fee_invoice(dossier_row["id"])


def _require_postal_address(store: Store, dossier_row) -> None:
    """An invoice must name its buyer's address on the day it is issued, and keeps the
    buyer as issued: the payment or opening that would issue the fee invoice of a
    candidate with no postal address is refused until the address is in. A company
    buyer's address is checked where its columns are read (companies.billable)."""
    if dossier_row["payer"] != "candidate":
        return
    cid = dossier_row["candidate_id"]
    lacking = postal.missing(store.invoice_buyer(cid) or {}, prefix="buyer_")
    if lacking:
        raise ValidationError(
            f"the instruction fee invoice of {dossier_row['ref']} must name the buyer's "
            f"postal address, and candidate {cid} has no {', '.join(lacking)}: add it with "
            f"`certcli candidate edit {cid} --address … --postcode … --city …`"
        )


def settle(store: Store, invoice_row, paid_after) -> str | None:
    """The fee invoice's status once the fee's payments add up to `paid_after`: paid
    when they cover it, open again when a refund leaves some owed; None without one."""
    if invoice_row is None:
        return None
    covered = money.to_decimal(paid_after) >= money.to_decimal(invoice_row["amount"])
    status = "paid" if covered else "open"
    if status != invoice_row["status"]:
        store.update("invoices", invoice_row["id"], {"status": status})
    return status
