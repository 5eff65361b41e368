"""A certification body's legal identity (data/bodies/NAME.toml), as an invoice needs it.

French invoicing law wants on every invoice the issuer's legal name and form, its
SIREN/SIRET and registered address, its VAT regime (the exemption mention of a
body in franchise, or its VAT number and the rate of each fee), the payment terms,
the late-payment penalty rate and, for a company buyer, the fixed 40 € recovery
indemnity. Each lives in the body file, checked when it is loaded; a missing or
invalid field is a SchemeError naming the file and the field.

The numbers an invoice carries are checked by their libraries: SIREN, SIRET and VAT
number by python-stdnum, IBAN and BIC by schwifty (checksum and length, format).
Loading both costs more than a whole `certcli dossier list` (stdnum alone is 170
million instructions, schwifty loads its bank registry), so `Body.check_numbers()`
runs them when an invoice is issued or rendered and when `scheme show` prints the
body, not on every command that reads the scheme catalog.

The body file also holds what the follow-up of unpaid invoices and the accounting
exports read (`[reminders]` levels, `[accounts]` codes); their shapes and defaults
are defined here so that every consumer reads one loader.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from certcli.errors import SchemeError, ValidationError
from certcli.records import dataclass, field

VAT_REGIMES = ("franchise", "assujetti")
# The fee kinds a VAT rate is given for: each invoice purpose maps to one.
FEE_KINDS = ("instruction", "dues")
FEE_KIND_OF_PURPOSE = {
    "dues-prorata": "dues",
    "dues-call": "dues",
    "instruction-fee": "instruction",
}
RECOVERY_INDEMNITY = Decimal("40.00")  # C. com. art. D441-5: fixed, per invoice paid late


@dataclass(frozen=True)
class LegalIdentity:
    """Who issues the invoices: [legal]."""

    name: str  # the legal name (raison sociale)
    form: str  # e.g. "Association déclarée (loi 1901)"
    siren: str
    siret: str
    address: tuple[str, ...]  # the registered address (siège social), one line each


@dataclass(frozen=True)
class Vat:
    """[vat]: `franchise` (no VAT, `exemption` printed on every invoice) or `assujetti`
    (a VAT `number` and a rate per fee kind, in percent)."""

    regime: str
    exemption: str | None = None
    number: str | None = None
    rates: dict[str, Decimal] = field(default_factory=dict)

    def rate(self, fee_kind: str) -> Decimal:
        """The VAT rate (percent) of a fee kind: 0 in franchise."""
        if self.regime == "franchise":
            return Decimal("0")
        return self.rates[fee_kind]


@dataclass(frozen=True)
class Invoicing:
    """[invoicing]: how an invoice is paid and what a late payment costs."""

    terms_days: int  # the due date is the issue date plus this many days
    late_penalty: str  # the penalty rate as printed, e.g. "trois fois le taux d'intérêt légal"
    recovery_indemnity: bool  # the fixed 40 € indemnity, for buyers that are companies
    iban: str  # stored compact, as schwifty gives it back
    bic: str
    cheque_payee: str
    facturx: bool = False  # `invoice render` embeds the Factur-X XML by default

    @property
    def iban_formatted(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


@dataclass(frozen=True)
class Sepa:
    """[sepa]: SEPA direct debit of the dues (`mandate add`, `dues debit`)."""

    creditor_id: str  # the ICS (SEPA creditor identifier), stored compact: FR72ZZZ123456
    rum_prefix: str  # the mandate references begin with it: {prefix}-{year}-{seq}
    pre_notification_days: int = 14  # the debtor is told this many days before at least


@dataclass(frozen=True)
class ReminderLevel:
    """One level of the follow-up of an unpaid invoice ([[reminders.levels]]): sent
    `days` days after the due date, with its own letter template."""

    level: int
    days: int
    template: str
    label: str


@functools.cache
def default_reminders() -> tuple[ReminderLevel, ...]:
    """The levels a body file that says nothing gets: relance at due + 15 days, second
    relance at + 45, mise en demeure at + 75 (issue 12). Built when first needed (as
    the body's other defaults): a record built at import is made at import
    (certcli.records), for every command that reads the catalog."""
    return (
        ReminderLevel(1, 15, "relance", "Relance"),
        ReminderLevel(2, 45, "relance-2", "Deuxième relance"),
        ReminderLevel(3, 75, "mise-en-demeure", "Mise en demeure"),
    )


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_REMINDERS":  # the module's constant, as it was
        return default_reminders()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Accounts:
    """[accounts]: the account codes and journals of the FEC export (Plan comptable
    général); each has a default a body file may override."""

    customers: str = "411000"  # clients
    bank: str = "512000"  # banque (transfers and cheques cashed)
    revenue_instruction: str = "706000"  # prestations de services: instruction fees
    revenue_dues: str = "756000"  # cotisations
    vat_collected: str = "445710"  # TVA collectée
    sales_journal: str = "VT"
    sales_journal_label: str = "Ventes"
    bank_journal: str = "BQ"
    bank_journal_label: str = "Banque"


# Its fields' names, read from the class's annotations: asking the dataclass for its
# fields would make it at import (certcli.records), for every command.
ACCOUNT_FIELDS = tuple(Accounts.__annotations__)


@dataclass(frozen=True)
class Retention:
    """[retention] (GDPR, issue 16): how long the body keeps a person's data once it
    no longer needs it, in years; `retention run` forgets them after that. None (the
    key absent): that rule is not applied. refused_or_withdrawn_dossier_years: a
    person whose every dossier ended refused, withdrawn or inadmissible and who never
    held a certificate, counted from the last event of their dossiers;
    lapsed_holder_years: a former holder (no certificate valid or suspended, no
    dossier open), counted from the last day a certificate of theirs was valid (or
    its withdrawal), or their dossiers' last event if later."""

    refused_or_withdrawn_dossier_years: int | None = None
    lapsed_holder_years: int | None = None


RETENTION_FIELDS = tuple(Retention.__annotations__)


@dataclass(frozen=True)
class MailSender:
    """The `[mail]` section: who the body's e-mails come from (certcli.letters.mail)."""

    from_name: str
    from_address: str


@dataclass(frozen=True)
class Body:
    code: str
    name: str
    long_name: str
    address: tuple[str, ...]
    city: str
    phone: str
    email: str
    signatory: str
    legal: LegalIdentity
    vat: Vat
    invoicing: Invoicing
    reminders: tuple[ReminderLevel, ...] = field(default_factory=default_reminders)
    accounts: Accounts = field(default_factory=Accounts)
    mail: MailSender | None = None
    retention: Retention = field(default_factory=Retention)
    sepa: Sepa | None = None
    path: Path | None = None
    extra: dict = field(default_factory=dict)

    def check_numbers(self) -> None:
        """SIREN, SIRET and VAT number through python-stdnum, IBAN and BIC through
        schwifty (checksum, length, format): a SchemeError naming the file and the
        field."""
        _check_numbers(self)

    def to_dict(self) -> dict:
        """`scheme show --json`'s "body_identity" and `info --json`'s "bodies"."""
        return {
            "code": self.code,
            "name": self.name,
            "legal_name": self.legal.name,
            "legal_form": self.legal.form,
            "siren": self.legal.siren,
            "siret": self.legal.siret,
            "registered_address": list(self.legal.address),
            "vat_regime": self.vat.regime,
            "vat_exemption": self.vat.exemption,
            "vat_number": self.vat.number,
            "vat_rates": {k: str(v) for k, v in self.vat.rates.items()},
            "payment_terms_days": self.invoicing.terms_days,
            "late_penalty": self.invoicing.late_penalty,
            "recovery_indemnity": self.invoicing.recovery_indemnity,
            "iban": self.invoicing.iban,
            "bic": self.invoicing.bic,
            "cheque_payee": self.invoicing.cheque_payee,
            "facturx": self.invoicing.facturx,
            "reminders": [
                {"level": r.level, "days": r.days, "template": r.template, "label": r.label}
                for r in self.reminders
            ],
            "accounts": {k: getattr(self.accounts, k) for k in ACCOUNT_FIELDS},
            "retention": {k: getattr(self.retention, k) for k in RETENTION_FIELDS},
            "file": str(self.path) if self.path else None,
        }


_checked: set[tuple] = set()


def _check_numbers(body: Body) -> None:
    key = (
        str(body.path),
        body.legal.siren,
        body.legal.siret,
        body.vat.number,
        body.invoicing.iban,
        body.invoicing.bic,
        body.sepa,
    )
    if key in _checked:
        return
    _check_legal_numbers(body)
    if body.sepa is not None:
        check_creditor_id(body)
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    where = body.path.name if body.path else body.code
    try:
        IBAN(body.invoicing.iban)
    except SchwiftyException as exc:
        raise SchemeError(f"{where}: field 'invoicing.iban' is not a valid IBAN ({exc})") from None
    try:
        BIC(body.invoicing.bic, allow_invalid=False)
    except SchwiftyException as exc:
        raise SchemeError(f"{where}: field 'invoicing.bic' is not a valid BIC ({exc})") from None
    _checked.add(key)


def check_creditor_id(body: Body) -> str:
    """The body's SEPA creditor identifier (ICS), checked by python-stdnum (eu.at_02:
    the ISO 7064 mod 97-10 check digits, as an IBAN's): a SchemeError naming the file
    and the field when it fails; the compact identifier otherwise."""
    from stdnum.eu import at_02
    from stdnum.exceptions import ValidationError as StdnumError

    where = body.path.name if body.path else body.code
    if body.sepa is None:
        raise SchemeError(
            f"{where}: no [sepa] table (creditor_id, the ICS): this body does not collect "
            "by direct debit"
        )
    try:
        return at_02.validate(body.sepa.creditor_id)
    except StdnumError as exc:
        raise SchemeError(
            f"{where}: field 'sepa.creditor_id' is not a valid SEPA creditor identifier "
            f"({body.sepa.creditor_id!r}: {exc})"
        ) from None


def _check_legal_numbers(body: Body) -> None:
    from stdnum.exceptions import ValidationError as StdnumError
    from stdnum.fr import siren, siret

    where = body.path.name if body.path else body.code
    for key, module in (("siren", siren), ("siret", siret)):
        raw = getattr(body.legal, key)
        try:
            module.validate(raw)
        except StdnumError as exc:
            raise SchemeError(
                f"{where}: field 'legal.{key}' is not a valid {key.upper()} ({raw!r}: {exc})"
            ) from None
    if not body.legal.siret.startswith(body.legal.siren):
        raise SchemeError(
            f"{where}: field 'legal.siret' must begin with the SIREN {body.legal.siren}"
        )
    if body.vat.number is not None:
        from stdnum.eu import vat as eu_vat

        try:
            eu_vat.validate(body.vat.number)
        except StdnumError as exc:
            raise SchemeError(
                f"{where}: field 'vat.number' is not a valid VAT number "
                f"({body.vat.number!r}: {exc})"
            ) from None


class _Table:
    """Typed access to one TOML table, with errors naming file and field."""

    def __init__(self, path: Path, table: Any, prefix: str = ""):
        self.path, self.prefix = path, prefix
        if not isinstance(table, dict):
            raise SchemeError(f"{path.name}: field '{prefix.rstrip('.')}' must be a table")
        self.table = table

    def fail(self, key: str, problem: str) -> NoReturn:
        raise SchemeError(f"{self.path.name}: field '{self.prefix}{key}' {problem}")

    def text(self, key: str, default: Any = ...) -> str:
        if key not in self.table:
            if default is ...:
                self.fail(key, "is missing")
            return default
        value = self.table[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string, not {value!r}")
        return " ".join(value.split())

    def integer(self, key: str, default: Any = ..., minimum: int = 0) -> int:
        if key not in self.table:
            if default is ...:
                self.fail(key, "is missing")
            return default
        value = self.table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be an integer, not {value!r}")
        if value < minimum:
            self.fail(key, f"must be at least {minimum}")
        return value

    def flag(self, key: str, default: Any = ...) -> bool:
        if key not in self.table:
            if default is ...:
                self.fail(key, "is missing")
            return default
        value = self.table[key]
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {value!r}")
        return value

    def lines(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None:
            self.fail(key, "is missing")
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            self.fail(key, "must be a list of non-empty lines")
        return tuple(" ".join(v.split()) for v in value)

    def sub(self, key: str, required: bool = True) -> _Table:
        if key not in self.table:
            if required:
                raise SchemeError(f"{self.path.name}: table '[{self.prefix}{key}]' is missing")
            return _Table(self.path, {}, f"{self.prefix}{key}.")
        return _Table(self.path, self.table[key], f"{self.prefix}{key}.")


def _legal(t: _Table) -> LegalIdentity:
    # The checksums are Body.check_numbers()'s; here only what needs no library.
    values = {key: "".join(t.text(key).split()).replace(".", "") for key in ("siren", "siret")}
    return LegalIdentity(
        name=t.text("name"),
        form=t.text("form"),
        siren=values["siren"],
        siret=values["siret"],
        address=t.lines("address"),
    )


def _rate(t: _Table, key: str) -> Decimal:
    from decimal import InvalidOperation

    raw = t.table.get(key)
    if raw is None:
        t.fail(key, 'is missing (a VAT rate in percent, e.g. "20.0")')
    try:
        rate = Decimal(str(raw))
    except InvalidOperation:
        t.fail(key, f'must be a rate in percent like "20.0", not {raw!r}')
    if isinstance(raw, bool) or not rate.is_finite() or not (0 <= rate < 100):
        t.fail(key, f"must be a rate in percent between 0 and 100, not {raw!r}")
    return rate


def _vat(t: _Table) -> Vat:
    regime = t.text("regime")
    if regime not in VAT_REGIMES:
        t.fail("regime", f"must be one of {', '.join(VAT_REGIMES)}, not {regime!r}")
    if regime == "franchise":
        return Vat(regime, exemption=t.text("exemption"))
    number = "".join(t.text("number").split()).replace(".", "").replace("-", "").upper()
    rates_t = t.sub("rates")
    unknown = sorted(set(rates_t.table) - set(FEE_KINDS))
    if unknown:
        rates_t.fail(unknown[0], f"is not a fee kind ({', '.join(FEE_KINDS)})")
    return Vat(regime, number=number, rates={k: _rate(rates_t, k) for k in FEE_KINDS})


def _invoicing(t: _Table) -> Invoicing:
    iban = t.text("iban").replace(" ", "").upper()
    bic = t.text("bic").replace(" ", "").upper()
    return Invoicing(
        terms_days=t.integer("terms_days"),
        late_penalty=t.text("late_penalty"),
        recovery_indemnity=t.flag("recovery_indemnity"),
        iban=iban,
        bic=bic,
        cheque_payee=t.text("cheque_payee"),
        facturx=t.flag("facturx", False),
    )


def _reminders(t: _Table) -> tuple[ReminderLevel, ...]:
    if "levels" not in t.table:
        return default_reminders()
    raw = t.table["levels"]
    if not isinstance(raw, list) or not raw:
        t.fail("levels", "must be a list of levels ([[reminders.levels]])")
    levels: list[ReminderLevel] = []
    for index, item in enumerate(raw, start=1):
        lt = _Table(t.path, item, f"{t.prefix}levels[{index}].")
        level = lt.integer("level", index, minimum=1)
        if level != index:
            lt.fail("level", f"must be {index}: levels are numbered 1, 2, 3… in order")
        days = lt.integer("days")
        if levels and days <= levels[-1].days:
            lt.fail("days", f"must be more than the previous level's {levels[-1].days}")
        default_label = default_reminders()[index - 1].label if index <= 3 else f"Relance {index}"
        template, label = lt.text("template"), lt.text("label", default_label)
        levels.append(ReminderLevel(level, days, template, label))
    return tuple(levels)


def _mail(t: _Table) -> MailSender | None:
    """[mail] from_name, from_address; None without the section (the config file's
    mail.from_* or the body's own name and e-mail then)."""
    if not t.table:
        return None
    unknown = sorted(set(t.table) - {"from_name", "from_address"})
    if unknown:
        t.fail(unknown[0], "is not a mail setting (from_name, from_address)")
    from certcli.rules import validators

    address = t.text("from_address")
    try:
        address = validators.email(address)
    except ValidationError as exc:
        t.fail("from_address", f"is not a valid e-mail address ({exc})")
    return MailSender(from_name=t.text("from_name", ""), from_address=address)


def _sepa(t: _Table, code: str) -> Sepa | None:
    """[sepa] creditor_id, rum_prefix (default: the body code in capitals),
    pre_notification_days (default 14); None without the section."""
    if not t.table:
        return None
    unknown = sorted(set(t.table) - {"creditor_id", "rum_prefix", "pre_notification_days"})
    if unknown:
        t.fail(unknown[0], "is not a SEPA setting (creditor_id, rum_prefix, pre_notification_days)")
    import re

    prefix = t.text("rum_prefix", code.upper())
    if not re.fullmatch(r"[A-Z0-9]{1,20}", prefix):
        t.fail("rum_prefix", "must be 1 to 20 capital letters or digits")
    return Sepa(
        creditor_id=t.text("creditor_id").replace(" ", "").upper(),
        rum_prefix=prefix,
        pre_notification_days=t.integer("pre_notification_days", 14, minimum=1),
    )


def _accounts(t: _Table) -> Accounts:
    unknown = sorted(set(t.table) - set(ACCOUNT_FIELDS))
    if unknown:
        t.fail(unknown[0], f"is not an account setting ({', '.join(ACCOUNT_FIELDS)})")
    return Accounts(**{k: t.text(k) for k in t.table})


def _retention(t: _Table) -> Retention:
    unknown = sorted(set(t.table) - set(RETENTION_FIELDS))
    if unknown:
        t.fail(unknown[0], f"is not a retention rule ({', '.join(RETENTION_FIELDS)})")
    return Retention(**{k: t.integer(k, minimum=1) for k in t.table})


KNOWN = {
    "code",
    "name",
    "long_name",
    "address",
    "city",
    "phone",
    "email",
    "signatory",
    "legal",
    "vat",
    "invoicing",
    "reminders",
    "accounts",
    "mail",
    "retention",
    "sepa",
}


def load(path: Path, table: dict) -> Body:
    """The body of one data/bodies/*.toml file (already parsed)."""
    t = _Table(path, table)
    return Body(
        code=t.text("code"),
        name=t.text("name"),
        long_name=t.text("long_name", t.text("name")),
        address=t.lines("address"),
        city=t.text("city"),
        phone=t.text("phone", ""),
        email=t.text("email", ""),
        signatory=t.text("signatory", ""),
        legal=_legal(t.sub("legal")),
        vat=_vat(t.sub("vat")),
        invoicing=_invoicing(t.sub("invoicing")),
        reminders=_reminders(t.sub("reminders", required=False)),
        accounts=_accounts(t.sub("accounts", required=False)),
        mail=_mail(t.sub("mail", required=False)),
        retention=_retention(t.sub("retention", required=False)),
        sepa=_sepa(t.sub("sepa", required=False), t.text("code")),
        path=path,
        extra={k: v for k, v in table.items() if k not in KNOWN},
    )
