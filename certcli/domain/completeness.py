"""Is a dossier complete? The pieces the scheme requires (with their counts)
and the instruction fee, against what was received and paid.

The same `assess()` feeds `dossier check` and the incomplete-dossier letter,
so the letter always lists exactly what the check found missing.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from certcli.records import dataclass, field
from certcli.rules import schemes
from certcli.rules.money import ZERO, as_str, format_eur, to_decimal

if TYPE_CHECKING:
    from certcli.store import Store


FEE_CODE = "frais-instruction"


@dataclass
class Missing:
    code: str
    label: str
    needed: int = 1
    received: int = 0
    amount: Decimal | None = None  # the balance, for the fee

    def to_dict(self) -> dict:
        data = {
            "code": self.code,
            "label": self.label,
            "needed": self.needed,
            "received": self.received,
        }
        if self.amount is not None:
            data["amount"] = as_str(self.amount)
        return data


@dataclass
class Completeness:
    ref: str
    complete: bool
    missing: list[Missing] = field(default_factory=list)
    fee_due: Decimal = ZERO
    fee_paid: Decimal = ZERO

    def to_dict(self) -> dict:
        """The `dossier check --json` contract: missing is a list of codes."""
        return {
            "ref": self.ref,
            "complete": self.complete,
            "missing": [m.code for m in self.missing],
            "missing_details": [m.to_dict() for m in self.missing],
            "fee_due": as_str(self.fee_due),
            "fee_paid": as_str(self.fee_paid),
        }


def assess(store: Store, dossier_row) -> Completeness:
    missing, fee_due, fee_paid = _assessed(store, dossier_row)
    found = [Missing(*m) for m in missing]
    return Completeness(dossier_row["ref"], not found, found, fee_due, fee_paid)


def summary(store: Store, dossier_row) -> dict:
    """`dossier show`'s completeness (complete, the missing codes, the fee due and paid),
    as `assess` gives it, without building the record (issue 20, start-up)."""
    missing, fee_due, fee_paid = _assessed(store, dossier_row)
    return {
        "complete": not missing,
        "missing": [m[0] for m in missing],
        "fee_due": as_str(fee_due),
        "fee_paid": as_str(fee_paid),
    }


def _assessed(store: Store, dossier_row) -> tuple[list[tuple], Decimal, Decimal]:
    """What is missing, as Missing's fields (code, label, needed, received, amount:
    the record is built by `assess` only), the fee due and the fee paid."""
    scheme = schemes.get(dossier_row["scheme"])
    received = Counter(p["code"] for p in store.pieces(dossier_row["id"]))
    missing: list[tuple] = []
    for code in scheme.required_pieces(dossier_row["kind"]):
        needed = scheme.piece_count(code)
        if received[code] < needed:
            missing.append((code, scheme.label(code), needed, received[code], None))
    fee_due = scheme.fee(dossier_row["kind"])
    fee_paid = sum(
        (to_decimal(p["amount"]) for p in store.dossier_payments(dossier_row["id"])), ZERO
    )
    if fee_paid < fee_due:
        balance = fee_due - fee_paid
        label = (
            f"Règlement des frais d'instruction ({format_eur(fee_due)})"
            if fee_paid == 0
            else f"Solde des frais d'instruction ({format_eur(balance)} restant dus)"
        )
        missing.append((FEE_CODE, label, 1, 0, balance))
    return missing, fee_due, fee_paid
