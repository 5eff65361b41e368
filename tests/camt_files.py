"""CAMT.053 statements built in the shape a French bank exports them (a GrpHdr, one
Stmt with its account, balances, then the entries: AcctSvcrRef, BkTxCd with the
CFONB code, NtryDtls/TxDtls with Refs, amount, related parties and remittance),
for tests/test_bank.py and benchmarks/bench_bank.py."""

from __future__ import annotations

from xml.sax.saxutils import escape

ACCOUNT = "FR7630006000011234567890189"


def tx(
    amount: str,
    *,
    debtor: str | None = None,
    remittance: str | None = None,
    ref: str | None = None,
    end_to_end: str = "NOTPROVIDED",
    return_code: str | None = None,
) -> dict:
    return {
        "amount": amount,
        "debtor": debtor,
        "remittance": remittance,
        "ref": ref,
        "end_to_end": end_to_end,
        "return_code": return_code,
    }


def entry(ref: str, *txs: dict, booked="2026-03-12", debit=False, amount=None, status="BOOK"):
    """An entry (Ntry) with its transactions; its amount is theirs summed."""
    total = amount or f"{sum(float(t['amount']) for t in txs):.2f}"
    return {"ref": ref, "txs": txs, "booked": booked, "debit": debit, "amount": total,
            "status": status}  # fmt: skip


def _tx_xml(t: dict, version: str, batched: bool) -> str:
    v08 = version >= "08"
    refs = f"<AcctSvcrRef>{t['ref']}</AcctSvcrRef>" if t["ref"] else ""
    refs += f"<EndToEndId>{escape(t['end_to_end'])}</EndToEndId>"
    amount = f'<Amt Ccy="EUR">{t["amount"]}</Amt>' if v08 else (
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{t["amount"]}</Amt></TxAmt></AmtDtls>'
    )  # fmt: skip
    parties = ""
    if t["debtor"]:
        name = f"<Nm>{escape(t['debtor'])}</Nm>"
        who = f"<Pty>{name}</Pty>" if v08 else name
        parties = (
            f"<RltdPties><Dbtr>{who}</Dbtr><DbtrAcct><Id><IBAN>FR7610107001011234567890129"
            "</IBAN></Id></DbtrAcct></RltdPties>"
        )
    rmt = f"<RmtInf><Ustrd>{escape(t['remittance'])}</Ustrd></RmtInf>" if t["remittance"] else ""
    rtr = ""
    if t["return_code"]:
        rtr = f"<RtrInf><Rsn><Cd>{t['return_code']}</Cd></Rsn></RtrInf>"
    return (
        f"<TxDtls><Refs>{refs}</Refs>{amount}<BkTxCd><Prtry><Cd>05</Cd><Issr>CFONB</Issr>"
        f"</Prtry></BkTxCd>{parties}{rmt}{rtr}</TxDtls>"
    )


def _entry_xml(e: dict, version: str) -> str:
    v08 = version >= "08"
    status = f"<Sts><Cd>{e['status']}</Cd></Sts>" if v08 else f"<Sts>{e['status']}</Sts>"
    batch = ""
    if len(e["txs"]) > 1:
        batch = f"<Btch><NbOfTxs>{len(e['txs'])}</NbOfTxs></Btch>"
    details = "".join(_tx_xml(t, version, len(e["txs"]) > 1) for t in e["txs"])
    family = "ICDT" if e["debit"] else "RCDT"
    return (
        f'<Ntry><Amt Ccy="EUR">{e["amount"]}</Amt>'
        f"<CdtDbtInd>{'DBIT' if e['debit'] else 'CRDT'}</CdtDbtInd>{status}"
        f"<BookgDt><Dt>{e['booked']}</Dt></BookgDt><ValDt><Dt>{e['booked']}</Dt></ValDt>"
        f"<AcctSvcrRef>{e['ref']}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
        f"</Fmly></Domn><Prtry><Cd>05</Cd><Issr>CFONB</Issr></Prtry></BkTxCd>"
        f"<NtryDtls>{batch}{details}</NtryDtls></Ntry>"
    )


def statement(entries: list[dict], version: str = "02") -> str:
    body = "".join(_entry_xml(e, version) for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<BkToCstmrStmt><GrpHdr><MsgId>CAMT053RIBFR2026031306120001</MsgId>"
        "<CreDtTm>2026-03-13T06:12:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>2026031300052</Id><ElctrncSeqNb>52</ElctrncSeqNb>"
        "<CreDtTm>2026-03-13T06:12:00</CreDtTm>"
        "<FrToDt><FrDtTm>2026-03-12T00:00:00</FrDtTm><ToDtTm>2026-03-12T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>OPQTECC</Nm></Ownr>"
        "<Svcr><FinInstnId><BIC>AGRIFRPP</BIC></FinInstnId></Svcr></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">12000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-11</Dt></Dt></Bal>"
        f"{body}</Stmt></BkToCstmrStmt></Document>\n"
    )
