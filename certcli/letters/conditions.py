"""What must be true before a letter goes out: its recipient's postal address,
the state its record is in (a template's `when` header), the scheme route it is
written for, and no date before the invoice it encloses. Each check reads only
the built context (certcli.letters.context), never the database."""

from __future__ import annotations

import datetime as dt

from certcli.errors import TemplateError
from certcli.letters.context import LetterContext
from certcli.rules import postal


class NoPostalAddress(TemplateError):
    """The recipient has no full postal address (a batch skips them)."""


def check_address(context: LetterContext) -> None:
    """Every letter is posted: no letter with a blank address block."""
    candidate = context.data["candidate"]
    missing = postal.missing(candidate)
    if missing:
        cid = candidate["id"]
        raise NoPostalAddress(
            f"candidate {cid} ({candidate['full_name']}) has no postal address "
            f"({', '.join(missing)}): add it with `certcli candidate edit {cid} "
            f"{' '.join(f'--{f} …' for f in missing)}`"
        )


def _granted(context: LetterContext) -> str | None:
    dossier = context.data["dossier"]
    if not dossier["granted"]:
        return f"dossier {dossier['ref']} is '{dossier['status']}', not granted"
    return None


def _refused(context: LetterContext) -> str | None:
    dossier = context.data["dossier"]
    if not dossier["refused"]:
        return (
            f"dossier {dossier['ref']} is '{dossier['status']}': a refusal letter goes "
            "to a refused dossier (or one whose appeal confirmed the refusal)"
        )
    if "refusal" not in context.data:
        return f"dossier {dossier['ref']} has no recorded refusal"
    return None


def _appeal_decided(context: LetterContext) -> str | None:
    ref = context.data["dossier"]["ref"]
    appeal = context.data.get("appeal")
    if appeal is None:
        return f"dossier {ref} has no appeal"
    if not appeal["decided"]:
        return (
            f"the appeal of dossier {ref} (filed on {appeal['filed_on'].isoformat()}) "
            f"has no outcome yet: record it with `certcli appeal decide {ref}` first"
        )
    return None


def _decided(context: LetterContext) -> str | None:
    dossier = context.data["dossier"]
    if dossier["decision"] not in ("granted", "refused"):
        return f"dossier {dossier['ref']} is '{dossier['status']}': it has no decision yet"
    return None


def _payable(context: LetterContext) -> str | None:
    invoice = context.data["invoice"]
    number = invoice["number"]
    if invoice["kind"] == "credit":
        cancels = invoice["credit_for"]["number"] if invoice["credit_for"] else "an invoice"
        return (
            f"{number} is a credit note (it cancels {cancels}): no payment is asked on "
            f"it; print it with `certcli letters render facture --invoice {number}`"
        )
    if invoice["status"] == "cancelled":
        by = invoice["credited_by"]["number"] if invoice["credited_by"] else "a credit note"
        return (
            f"invoice {number} was cancelled by {by}: nothing to pay; reprint it with "
            f"`certcli letters render facture --invoice {number}`"
        )
    if not invoice["payable"]:
        return (
            f"invoice {number} is paid in full: nothing to ask for; reprint it with "
            f"`certcli letters render facture --invoice {number}`"
        )
    return None


def _too_early(context: LetterContext, day: dt.date, what: str) -> str | None:
    """A letter about a step is not dated before the step."""
    if context.data["date"] < day:
        return (
            f"the letter cannot be dated {context.data['date'].isoformat()}, before "
            f"{what} ({day.isoformat()})"
        )
    return None


def _adjourned(context: LetterContext) -> str | None:
    dossier = context.data["dossier"]
    if dossier["decision"] != "adjourned" or "adjournment" not in context.data:
        return (
            f"dossier {dossier['ref']} is '{dossier['status']}': an adjournment letter "
            "goes to a dossier whose latest decision is an adjournment"
        )
    return _too_early(context, context.data["adjournment"]["date"], "the adjournment")


def _withdrawn(context: LetterContext) -> str | None:
    dossier = context.data["dossier"]
    if "withdrawal" not in context.data:
        return (
            f"dossier {dossier['ref']} is '{dossier['status']}', not withdrawn: record "
            f"it with `certcli dossier withdraw {dossier['ref']}` first"
        )
    return _too_early(context, context.data["withdrawal"]["date"], "the withdrawal")


def _admissibility(context: LetterContext, wanted: bool) -> str | None:
    ref = context.data["dossier"]["ref"]
    found = context.data.get("admissibility")
    if found is None:
        return (
            f"dossier {ref} has no admissibility recorded yet (`certcli cqpt "
            f"admissibility {ref} --accept|--reject`)"
        )
    if found["admissible"] != wanted:
        verdict, other = (
            ("admissible", "cqpt-recevabilite")
            if found["admissible"]
            else ("inadmissible", "cqpt-irrecevabilite")
        )
        on = f" on {found['date'].isoformat()}" if found["date"] else ""
        return f"dossier {ref} was declared {verdict}{on}: its letter is {other}"
    if wanted and "evaluator" not in context.data:
        return (
            f"dossier {ref} is admissible but not yet oriented: this letter names the "
            f"evaluator, send it with `certcli cqpt orient {ref} --evaluator ID --letter`"
        )
    if found["date"] is None:
        return None
    return _too_early(context, found["date"], "the admissibility decision")


def _fee_paid(context: LetterContext) -> str | None:
    if "payment" not in context.data:
        ref = context.data["dossier"]["ref"]
        return (
            f"no instruction fee payment is recorded for dossier {ref} on or before "
            f"{context.data['date'].isoformat()}"
        )
    return None


def _certificate_withdrawn(context: LetterContext) -> str | None:
    cert = context.data["certificate"]
    if cert["withdrawn_on"] is None:
        return (
            f"certificate {cert['number']} is not withdrawn: record it with `certcli "
            f"certificate withdraw {cert['number']} --reason …` first"
        )
    return _too_early(context, cert["withdrawn_on"], "the withdrawal")


def _certificate_valid(context: LetterContext) -> str | None:
    """An attestation of certification is issued only while the certificate is valid
    on the letter's date (the one validity rule: certificates.status_on)."""
    cert = context.data["certificate"]
    standing = cert["standing"]
    if standing != "valid":
        return (
            f"certificate {cert['number']} is {standing.replace('_', ' ')} on "
            f"{context.data['date'].isoformat()}: an attestation is issued only for a "
            "valid certificate"
        )
    return None


def _debit_pending(context: LetterContext) -> str | None:
    if "debit" not in context.data:
        number = context.data["invoice"]["number"]
        return (
            f"invoice {number} waits on no SEPA direct debit (not in a `dues debit` batch, "
            "or returned): no pre-notification to send"
        )
    return None


# A template's `when` header names one of these: the letter goes out only then. Each
# condition is about one kind of record.
CONDITIONS = {
    "granted": ("dossier", _granted),
    "refused": ("dossier", _refused),
    "appeal-decided": ("dossier", _appeal_decided),
    "decided": ("dossier", _decided),
    "adjourned": ("dossier", _adjourned),
    "withdrawn": ("dossier", _withdrawn),
    "admissible": ("dossier", lambda c: _admissibility(c, True)),
    "inadmissible": ("dossier", lambda c: _admissibility(c, False)),
    "fee-paid": ("dossier", _fee_paid),
    "certificate-withdrawn": ("certificate", _certificate_withdrawn),
    "certificate-valid": ("certificate", _certificate_valid),
    "payable": ("invoice", _payable),
    "debit-pending": ("invoice", _debit_pending),
}
WORKFLOWS = ("opqtecc", "cqpt")


def check_workflow(template: str, workflow: str | None, context: LetterContext) -> None:
    """A letter written for one scheme's route never goes to a record of the other."""
    own = context.data.get("workflow")
    if workflow and own and own != workflow:
        code = context.data["scheme"]["code"]
        raise TemplateError(
            f"template {template!r} is a letter of the {workflow.upper()} route; "
            f"{context.kind} {context.ref} is {code} ({own.upper()} route): see `certcli "
            "letters list` for its letters"
        )


def check_invoice_date(template: str, when: str | None, context: LetterContext) -> None:
    """A letter is never dated before the invoice it encloses: an invoice letter, or a
    grant letter (its `when` is granted or appeal-decided) with the dues invoice."""
    invoice = context.data.get("invoice")
    if invoice is None or not (context.kind == "invoice" or when in ("granted", "appeal-decided")):
        return
    issued = invoice["issued_on"]
    if context.data["date"] < issued:
        raise TemplateError(
            f"template {template!r}: the letter cannot be dated "
            f"{context.data['date'].isoformat()}, before the invoice it encloses "
            f"({invoice['number']}, issued on {issued.isoformat()}): date it "
            f"{issued.isoformat()} or later (--date)"
        )


def check_condition(template: str, when: str | None, context: LetterContext) -> None:
    if not when:
        return
    kind, condition = CONDITIONS[when]
    if context.kind != kind:
        raise TemplateError(f"template {template!r}: 'when = {when}' needs a --{kind} letter")
    problem = condition(context)
    if problem:
        raise TemplateError(f"template {template!r}: {problem}")
