"""Reading a CAMT.053 bank statement (ISO 20022 BankToCustomerStatement).

The version is read from the document's namespace
(urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN); versions .02 to .08 are read
(the layouts French banks export), any other is refused. The file is parsed with
defusedxml (no DTD, no entity expansion: a statement comes from outside).

Each booked entry (Ntry) gives one line per transaction (TxDtls; an entry without
details is one line): a batched entry (several TxDtls) gives one line each, with its
own reference. A line's reference is the transaction's bank reference
(TxDtls/Refs/AcctSvcrRef), else the entry's (Ntry/AcctSvcrRef, else NtryRef) with
`/N` for the Nth transaction of a batch, else the transaction id (Refs/TxId); a
line without any is refused with the file.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from certcli.errors import ValidationError
from certcli.records import dataclass

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3})\.001\.(\d{2})$")
VERSIONS = ("02", "03", "04", "05", "06", "07", "08")
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    """One transaction of a statement, as `bank import` reads it."""

    reference: str  # the bank's reference, unique (what `entry` names)
    booked_on: str  # the entry's booking date, YYYY-MM-DD
    amount: Decimal  # positive; `credit` says the direction
    currency: str
    credit: bool  # CdtDbtInd CRDT
    booked: bool  # Sts BOOK
    debtor: str | None  # RltdPties/Dbtr name (or the ultimate debtor's)
    names: tuple[str, ...]  # every payer name given (debtor, ultimate debtor)
    remittance: str | None  # RmtInf/Ustrd and structured references, one line
    end_to_end: str | None
    return_code: str | None  # RtrInf/Rsn/Cd: the entry is a return
    account: str | None  # the statement's account (IBAN)


def read_bytes(path: Path) -> bytes:
    """The bytes of the statement file at `path`, whatever its format; ValidationError
    for a folder, a missing file or one larger than any bank statement."""
    shown = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValidationError(f"{shown}: larger than a bank statement can be (200 MB)")
        return path.read_bytes()
    except IsADirectoryError:
        raise ValidationError(f"{shown} is a folder, not a bank statement file") from None
    except FileNotFoundError:
        raise ValidationError(f"no file {path}") from None


def read(path: Path) -> tuple[str, list[Line]]:
    """(version, lines) of the CAMT.053 statement at `path`; ValidationError names
    what is wrong with a file that is not one."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeTree

    shown = path.name
    data = read_bytes(path)
    try:
        root = SafeTree.fromstring(data)
    except DefusedXmlException:
        raise ValidationError(
            f"{shown}: XML with a DTD or entity declarations is refused (a bank statement has none)"
        ) from None
    except Exception as exc:  # xml.etree.ElementTree.ParseError, defusedxml's own
        position = getattr(exc, "position", None)
        where = f" (line {position[0]}, column {position[1]})" if position else ""
        raise ValidationError(
            f"{shown} is not a CAMT.053 bank statement: not well-formed XML{where}, "
            "a truncated or damaged file?"
        ) from None
    ns, message, version = _namespace(root.tag)
    if root.tag != f"{{{ns}}}Document" or message is None:
        raise ValidationError(
            f"{shown} is not a CAMT.053 bank statement (ISO 20022 Document in the "
            "camt.053.001.NN namespace)"
        )
    if message != "camt.053":
        raise ValidationError(
            f"{shown} is a {message} message, not a CAMT.053 bank statement (export the "
            "statement, camt.053, from the bank)"
        )
    if version not in VERSIONS:
        raise ValidationError(
            f"{shown}: camt.053.001.{version} is a CAMT.053 version certcli does not read "
            f"(camt.053.001.{VERSIONS[0]} to .001.{VERSIONS[-1]})"
        )
    reader = _Reader(ns, shown)
    statement = root.find("c:BkToCstmrStmt", reader.ns)
    if statement is None:
        raise ValidationError(f"{shown}: no BkToCstmrStmt in the document, not a statement")
    lines = []
    for stmt in statement.findall("c:Stmt", reader.ns):
        account = reader.text(stmt, "c:Acct/c:Id/c:IBAN") or reader.text(
            stmt, "c:Acct/c:Id/c:Othr/c:Id"
        )
        for number, entry in enumerate(stmt.findall("c:Ntry", reader.ns), 1):
            lines.extend(reader.entry(entry, number, account))
    return f"camt.053.001.{version}", lines


def _namespace(tag: str) -> tuple[str, str | None, str | None]:
    if not tag.startswith("{"):
        return "", None, None
    ns = tag[1:].split("}", 1)[0]
    found = NAMESPACE.match(ns)
    return (ns, found.group(1), found.group(2)) if found else (ns, None, None)


class _Reader:
    def __init__(self, ns: str, shown: str):
        self.ns = {"c": ns}
        self.shown = shown

    def text(self, node, path: str) -> str | None:
        found = node.find(path, self.ns)
        if found is None or found.text is None:
            return None
        return " ".join(found.text.split()) or None

    def texts(self, node, path: str) -> list[str]:
        return [
            " ".join(f.text.split())
            for f in node.findall(path, self.ns)
            if f.text and f.text.strip()
        ]

    def amount(self, node, path: str, what: str) -> tuple[Decimal, str] | None:
        found = node.find(path, self.ns)
        if found is None:
            return None
        try:
            value = Decimal((found.text or "").strip())
        except InvalidOperation:
            raise ValidationError(
                f"{self.shown}: {what} has the amount {found.text!r}, not a number"
            ) from None
        if not value.is_finite() or value < 0:
            raise ValidationError(f"{self.shown}: {what} has the amount {found.text!r}")
        return value, (found.get("Ccy") or "").upper()

    def date(self, entry, what: str) -> str:
        raw = self.text(entry, "c:BookgDt/c:Dt") or self.text(entry, "c:BookgDt/c:DtTm")
        if raw is None:
            raise ValidationError(f"{self.shown}: {what} has no booking date (BookgDt)")
        try:
            return dt.date.fromisoformat(raw[:10]).isoformat()
        except ValueError:
            raise ValidationError(f"{self.shown}: {what} has the booking date {raw!r}") from None

    def entry(self, entry, number: int, account: str | None) -> list[Line]:
        what = f"entry {number}"
        entry_ref = self.text(entry, "c:AcctSvcrRef") or self.text(entry, "c:NtryRef")
        if entry_ref:
            what = f"entry {number} ({entry_ref})"
        total = self.amount(entry, "c:Amt", what)
        if total is None:
            raise ValidationError(f"{self.shown}: {what} has no amount (Amt)")
        indicator = self.text(entry, "c:CdtDbtInd")
        if indicator not in ("CRDT", "DBIT"):
            raise ValidationError(
                f"{self.shown}: {what} is neither a credit nor a debit (CdtDbtInd {indicator!r})"
            )
        status = self.text(entry, "c:Sts/c:Cd") or self.text(entry, "c:Sts")
        booked_on = self.date(entry, what)
        details = entry.findall("c:NtryDtls/c:TxDtls", self.ns)
        lines = []
        for index, tx in enumerate(details or [None], 1):
            reference = (tx is not None and self.text(tx, "c:Refs/c:AcctSvcrRef")) or None
            if reference is None and entry_ref:
                reference = entry_ref if len(details) <= 1 else f"{entry_ref}/{index}"
            if reference is None and tx is not None:
                reference = self.text(tx, "c:Refs/c:TxId")
            if reference is None:
                raise ValidationError(
                    f"{self.shown}: {what} has no bank reference (AcctSvcrRef, NtryRef): "
                    "without one a second import could not tell it was already imported"
                )
            amount: tuple[Decimal, str] | None = total
            if tx is not None and len(details) > 1:
                amount = (
                    self.amount(tx, "c:Amt", what)
                    or self.amount(tx, "c:AmtDtls/c:TxAmt/c:Amt", what)
                    or self.amount(tx, "c:AmtDtls/c:InstdAmt/c:Amt", what)
                )
                if amount is None:
                    raise ValidationError(
                        f"{self.shown}: transaction {index} of the batched {what} has no amount"
                    )
            names: list[str] = []
            remittance: list[str] = []
            end_to_end = return_code = None
            if tx is not None:
                for party in ("c:Dbtr", "c:UltmtDbtr"):
                    base = f"c:RltdPties/{party}"
                    names += self.texts(tx, f"{base}/c:Nm") + self.texts(tx, f"{base}/c:Pty/c:Nm")
                remittance = self.texts(tx, "c:RmtInf/c:Ustrd") + self.texts(
                    tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref"
                )
                end_to_end = self.text(tx, "c:Refs/c:EndToEndId")
                if tx.find("c:RtrInf", self.ns) is not None:
                    return_code = (
                        self.text(tx, "c:RtrInf/c:Rsn/c:Cd")
                        or self.text(tx, "c:RtrInf/c:Rsn/c:Prtry")
                        or "unknown reason"
                    )
            if not remittance:
                remittance = self.texts(entry, "c:AddtlNtryInf")
            assert amount is not None
            lines.append(
                Line(
                    reference=reference,
                    booked_on=booked_on,
                    amount=amount[0],
                    currency=amount[1] or total[1],
                    credit=indicator == "CRDT",
                    booked=status in (None, "BOOK"),
                    debtor=names[0] if names else None,
                    names=tuple(names),
                    remittance=" ".join(remittance) or None,
                    end_to_end=end_to_end if end_to_end != "NOTPROVIDED" else None,
                    return_code=return_code,
                    account=account,
                )
            )
        return lines
