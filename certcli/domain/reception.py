"""A dossier arrives: pieces received by post, the instruction fee, and the
completeness check that sends it on to instruction (or keeps it incomplete).

Piece codes come from the scheme file for the dossier's kind. A piece needed
several times (two `technique` for ECO) is given several times
(`technique technique`) or with a count (`technique:2`).

Receiving while the dossier is `waiting` (complementary elements asked) closes
every open request on that date and returns the dossier to `instruction`:
the complement may be pieces of the scheme or, as often, free documents that
answer the request, so no piece code is needed then. `--partial` records
pieces without closing the request (the dossier keeps waiting).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from certcli.domain import completeness, dossiers, eligibility, fee_invoices
from certcli.domain.completeness import Completeness
from certcli.domain.eligibility import Verdict
from certcli.errors import StateError, ValidationError
from certcli.records import dataclass, field
from certcli.rules import schemes, validators, workflow
from certcli.rules.money import ZERO, as_str, parse_amount, payment_method, to_decimal

if TYPE_CHECKING:
    from certcli.store import Store


MAX_COUNT = 20  # a typo like technique:200 should not fill the table


@dataclass
class Reception:
    ref: str
    received: list[str]
    status: str
    requests_satisfied: list[int] = field(default_factory=list)
    completeness: Completeness | None = None

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "ref": self.ref,
            "received": self.received,
            "status": self.status,
            "requests_satisfied": self.requests_satisfied,
        }
        if self.completeness is not None:
            data.update(
                complete=self.completeness.complete,
                missing=[m.code for m in self.completeness.missing],
            )
        return data


@dataclass
class Unreception:
    """A piece taken back (`dossier unreceive`) and where that leaves the dossier."""

    ref: str
    unreceived: list[str]
    received_on: list[str]  # the day each piece taken back had been recorded
    reason: str
    unreceived_on: str
    status: str
    previous_status: str
    completeness: Completeness

    @property
    def sent_back(self) -> bool:
        """The correction sent the dossier back to `incomplete`."""
        return self.status == "incomplete" and self.previous_status != "incomplete"

    def to_dict(self) -> dict:
        return {
            "ref": self.ref,
            "unreceived": self.unreceived,
            "received_on": self.received_on,
            "reason": self.reason,
            "unreceived_on": self.unreceived_on,
            "status": self.status,
            "previous_status": self.previous_status,
            "sent_back": self.sent_back,
            "complete": self.completeness.complete,
            "missing": [m.code for m in self.completeness.missing],
        }


@dataclass
class Payment:
    ref: str
    amount: Decimal
    method: str
    reference: str | None
    paid_on: str
    fee_due: Decimal
    fee_paid: Decimal
    invoice: str | None = None  # the fee's invoice it settles (scheme's fee_invoice)
    invoice_status: str | None = None

    @property
    def balance(self) -> Decimal:
        return self.fee_due - self.fee_paid

    def to_dict(self) -> dict:
        return {
            "ref": self.ref,
            "amount": as_str(self.amount),
            "method": self.method,
            "reference": self.reference,
            "paid_on": self.paid_on,
            "fee_due": as_str(self.fee_due),
            "fee_paid": as_str(self.fee_paid),
            "balance": as_str(self.balance),
            "invoice": self.invoice,
            "invoice_status": self.invoice_status,
        }


@dataclass
class Check:
    result: Completeness
    status: str
    verdict: Verdict | None = None  # None: eligibility not applied at this check
    override: str | None = None

    def to_dict(self) -> dict:
        """The `dossier check --json` contract, plus the status it led to and the
        eligibility verdict ("eligible" null when the check does not apply it)."""
        return {
            **self.result.to_dict(),
            "status": self.status,
            "eligible": None if self.verdict is None else self.verdict.eligible,
            "failures": [] if self.verdict is None else list(self.verdict.failures),
            "override": self.override,
        }


def parse_pieces(tokens: list[str], scheme, kind: str) -> list[str]:
    """['technique:2', 'contrats'] -> ['technique', 'technique', 'contrats']."""
    valid = scheme.required_pieces(kind)
    codes = []
    for token in tokens:
        raw, sep, count = token.strip().partition(":")
        code = raw.strip().lower()
        if code == completeness.FEE_CODE:
            raise ValidationError(
                "the instruction fee is a payment, not a piece: use "
                "`certcli dossier pay REF --amount A --method cheque`"
            )
        if code not in valid:
            raise ValidationError(
                f"unknown piece {raw.strip()!r} for {scheme.code} {kind} "
                f"dossiers (valid: {', '.join(valid)})"
            )
        n = 1
        if sep:
            if not count.strip().isdigit() or not 1 <= int(count) <= MAX_COUNT:
                raise ValidationError(
                    f"invalid count in {token!r}: use CODE:N with N from 1 to {MAX_COUNT}"
                )
            n = int(count)
        codes += [code] * n
    return codes


def receive(
    store: Store, ref: str, tokens: list[str], *, partial: bool = False, date: dt.date
) -> Reception:
    """Record pieces received (and, for a waiting dossier, the complement)."""
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "receive", scheme.workflow)
        codes = parse_pieces(tokens, scheme, row["kind"])
        waiting = row["status"] == "waiting"
        if partial and not waiting:
            raise ValidationError(
                f"--partial is for a dossier waiting for complementary "
                f"elements; {row['ref']} is '{row['status']}'"
            )
        if not codes and (partial or not waiting):
            raise ValidationError(
                f"give at least one piece code (valid: "
                f"{', '.join(scheme.required_pieces(row['kind']))})"
            )
        for code in codes:
            store.insert(
                "pieces", {"dossier_id": row["id"], "code": code, "received_on": date.isoformat()}
            )
        details: dict = {"pieces": codes}
        status, satisfied = row["status"], []
        if waiting and not partial:
            satisfied = [r["id"] for r in store.open_requests(row["id"])]
            store.satisfy_requests(row["id"], date.isoformat())
            details["requests_satisfied"] = satisfied
            status = "instruction"
        dossiers.record_event(store, row, "received", details, date, status=status)
        result = completeness.assess(store, row)
    return Reception(row["ref"], codes, status, satisfied, result)


# Checked statuses: a dossier in one of them was found complete; a correction that
# leaves it incomplete sends it back to `incomplete` (to be checked again).
CHECKED = frozenset({"complete", "instruction", "waiting", "adjourned"})


def _after_correction(row, before: Completeness, after: Completeness) -> str:
    """The status a correction (a piece unreceived, the fee refunded) leaves: a checked
    dossier no longer complete goes back to `incomplete`; any other keeps its status."""
    if row["status"] in CHECKED and not after.complete:
        return "incomplete"
    return row["status"]


def _state(status: str, result: Completeness) -> dict:
    """What the audit trail keeps of a dossier before and after a correction."""
    return {
        "status": status,
        "complete": result.complete,
        "missing": [m.code for m in result.missing],
        "fee_paid": as_str(result.fee_paid),
    }


def unreceive(store: Store, ref: str, token: str, *, reason: str, date: dt.date) -> Unreception:
    """Take back a piece recorded by mistake (CODE, or CODE:N for several copies): the
    latest copies received are marked unreceived, never deleted; the completeness
    check follows, and a checked dossier left incomplete goes back to `incomplete`.
    Refused for a piece the dossier does not hold (never received, or unreceived
    already), and once the report is in (the state machine)."""
    reason = validators.reason(reason, required="an unreceive needs --reason")
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "unreceive", scheme.workflow)
        codes = parse_pieces([token], scheme, row["kind"])
        code = codes[0]
        held = [p for p in store.pieces(row["id"]) if p["code"] == code]
        if len(held) < len(codes):
            has = f"only {len(held)}" if held else "no"
            raise StateError(
                f"dossier {row['ref']} has {has} piece {code!r} received: "
                f"cannot unreceive {len(codes)}"
            )
        taken = held[-len(codes) :]
        if date.isoformat() < taken[-1]["received_on"]:
            raise ValidationError(
                f"unreceive dated {date.isoformat()} is before the piece was received "
                f"({taken[-1]['received_on']})"
            )
        before = completeness.assess(store, row)
        for piece in taken:
            store.update(
                "pieces",
                piece["id"],
                {"unreceived_on": date.isoformat(), "unreceived_reason": reason},
            )
        after = completeness.assess(store, row)
        status = _after_correction(row, before, after)
        received_on = [p["received_on"] for p in taken]
        details = {
            "pieces": codes,
            "received_on": received_on,
            "reason": reason,
            "before": _state(row["status"], before),
            "after": _state(status, after),
        }
        dossiers.record_event(store, row, "unreceived", details, date, status=status)
    return Unreception(
        row["ref"], codes, received_on, reason, date.isoformat(), status, row["status"], after
    )


def pay(
    store: Store, ref: str, *, amount: str, method: str, reference: str | None = None, date: dt.date
) -> Payment:
    """Record (part of) the instruction fee; more than the balance is refused."""
    value = parse_amount(amount)
    method = payment_method(method)
    reference = validators.text(reference, "reference")
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "pay", scheme.workflow)
        before = completeness.assess(store, row)
        due, paid = before.fee_due, before.fee_paid
        if due == 0:
            raise ValidationError(
                f"no instruction fee is due for a {scheme.code} {row['kind']} dossier"
            )
        if paid >= due:
            raise ValidationError(
                f"the instruction fee of {as_str(due)} for {row['ref']} is already paid in full"
            )
        if value > due - paid:
            raise ValidationError(
                f"overpayment: {as_str(value)} is more than the {as_str(due - paid)} still due "
                f"for {row['ref']} (fee {as_str(due)}, already paid {as_str(paid)})"
            )
        # The fee's invoice, issued with the first payment (or at the opening).
        invoice = (
            fee_invoices.ensure(store, row, scheme, date)
            if scheme.fee_invoice != "none"
            else store.fee_invoice(row["id"])
        )
        store.insert(
            "payments",
            {
                "dossier_id": row["id"],
                "invoice_id": invoice["id"] if invoice else None,
                "amount": as_str(value),
                "method": method,
                "reference": reference,
                "paid_on": date.isoformat(),
            },
        )
        status = fee_invoices.settle(store, invoice, paid + value)
        details = {"amount": as_str(value), "method": method}
        if reference:
            details["reference"] = reference
        if invoice:
            details["invoice"] = invoice["number"]
        dossiers.record_event(store, row, "paid", details, date)
    return Payment(
        row["ref"],
        value,
        method,
        reference,
        date.isoformat(),
        due,
        paid + value,
        invoice["number"] if invoice else None,
        status,
    )


@dataclass
class Refund:
    """The instruction fee paid back (`dossier refund`) and where it leaves the dossier."""

    ref: str
    amount: Decimal
    method: str
    reference: str | None
    reason: str
    refunded_on: str
    status: str
    previous_status: str
    completeness: Completeness

    @property
    def sent_back(self) -> bool:
        return self.status == "incomplete" and self.previous_status != "incomplete"

    def to_dict(self) -> dict:
        fee = self.completeness
        return {
            "ref": self.ref,
            "amount": as_str(self.amount),
            "method": self.method,
            "reference": self.reference,
            "reason": self.reason,
            "refunded_on": self.refunded_on,
            "fee_due": as_str(fee.fee_due),
            "fee_paid": as_str(fee.fee_paid),
            "balance": as_str(fee.fee_due - fee.fee_paid),
            "status": self.status,
            "previous_status": self.previous_status,
            "sent_back": self.sent_back,
            "complete": fee.complete,
            "missing": [m.code for m in fee.missing],
        }


def refund(
    store: Store,
    ref: str,
    *,
    amount: str,
    method: str,
    reason: str,
    reference: str | None = None,
    date: dt.date,
) -> Refund:
    """Pay back (part of) the instruction fee: a new payment row of kind 'refund',
    stored negative, so the fee paid is what was kept. More than was paid by `date`
    is refused. A checked dossier whose fee is then no longer paid in full goes back
    to `incomplete`."""
    value = parse_amount(amount)
    method = payment_method(method)
    reason = validators.reason(reason, required="a refund needs --reason")
    reference = validators.text(reference, "reference")
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "refund", scheme.workflow)
        before = completeness.assess(store, row)
        kept = sum(
            (
                to_decimal(p["amount"])
                for p in store.dossier_payments(row["id"])
                if p["paid_on"] <= date.isoformat()
            ),
            ZERO,
        )
        if value > kept:
            raise ValidationError(
                f"refund refused: {as_str(value)} is more than the {as_str(kept)} paid for "
                f"{row['ref']} by {date.isoformat()} (fee {as_str(before.fee_due)})"
            )
        invoice = store.fee_invoice(row["id"])
        store.insert(
            "payments",
            {
                "dossier_id": row["id"],
                "invoice_id": invoice["id"] if invoice else None,
                "amount": as_str(-value),
                "method": method,
                "reference": reference,
                "paid_on": date.isoformat(),
                "kind": "refund",
                "reason": reason,
            },
        )
        after = completeness.assess(store, row)
        fee_invoices.settle(store, invoice, after.fee_paid)
        status = _after_correction(row, before, after)
        details: dict[str, Any] = {"amount": as_str(value), "method": method, "reason": reason}
        if reference:
            details["reference"] = reference
        details.update(before=_state(row["status"], before), after=_state(status, after))
        dossiers.record_event(store, row, "refunded", details, date, status=status)
    return Refund(
        row["ref"], value, method, reference, reason, date.isoformat(), status, row["status"], after
    )


def check(store: Store, ref: str, *, override: str | None = None, date: dt.date) -> Check:
    """Check completeness and eligibility, and record it: complete and eligible ->
    instruction (OPQTECC) or complete (CQPT, awaiting admissibility, where the
    funding body applies the eligibility rules); otherwise incomplete.

    A complete dossier whose candidate is not eligible on `date` (the verdict of
    `eligibility check`, where `eligibility.applies_at_check`) is refused with the
    failed rules, nothing written, unless `override` gives the reason to accept it
    anyway: the reason and the failed rules are then recorded with the check."""
    if override is not None:
        override = validators.reason(
            override,
            "override reason",
            required='--override needs a reason, e.g. --override "experience '
            "attested by the employer's letter\"",
        )
    with store.transaction():
        row = dossiers.row(store, ref)
        scheme = schemes.get(row["scheme"])
        workflow.require(row, "check", scheme.workflow)
        result = completeness.assess(store, row)
        applies = eligibility.applies_at_check(store, row)
        # An incomplete dossier is not judged on eligibility yet.
        verdict = (
            eligibility.evaluate_dossier(store, row, date) if applies and result.complete else None
        )
        _eligible_or_overridden(row, result, applies, verdict, override)
        if not result.complete:
            status = "incomplete"
        elif scheme.workflow == "cqpt":
            status = "complete"
        else:
            status = "instruction"
        details = {
            "complete": result.complete,
            "missing": [m.code for m in result.missing],
            "fee_due": as_str(result.fee_due),
            "fee_paid": as_str(result.fee_paid),
        }
        if verdict is not None:
            details["eligible"] = verdict.eligible
            if not verdict.eligible:
                details.update(failures=verdict.failures, override=override)
        dossiers.record_event(store, row, "checked", details, date, status=status)
    return Check(result, status, verdict, override)


def _eligible_or_overridden(
    row, result: Completeness, applies: bool, verdict: Verdict | None, override: str | None
) -> None:
    """Refuse an ineligible complete dossier without --override, and an --override
    that overrides nothing."""
    if override is not None:
        if not applies:
            if schemes.get(row["scheme"]).workflow == "cqpt":
                raise ValidationError(
                    "--override is not for a CQPT check: the funding body "
                    "applies the eligibility rules at `cqpt admissibility` "
                    "(which takes its own --override)"
                )
            raise ValidationError(
                f"--override accepts an ineligible candidate, and the check "
                f"of {row['kind']} dossier {row['ref']} applies no "
                "eligibility rule (the holder was found eligible for the "
                "certificate it continues)"
            )
        if not result.complete:
            raise ValidationError(
                f"dossier {row['ref']} is incomplete: --override accepts "
                "an ineligible candidate, not missing pieces"
            )
        if verdict is not None and verdict.eligible:
            raise ValidationError(
                f"candidate {row['candidate_id']} is eligible for "
                f"{verdict.scheme} on {verdict.as_of}: --override is not "
                "needed"
            )
    elif verdict is not None and result.complete and not verdict.eligible:
        raise StateError(eligibility.refusal(row, verdict))
