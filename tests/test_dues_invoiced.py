""" "Dues already invoiced": one query (store.invoices.dues_invoiced_sql) for a grant's
prorata and the annual call, cancelled invoices counted by both."""

from __future__ import annotations

import datetime as dt

import pytest
from commission_helpers import decide_at, new_candidate

from certcli.domain import dues
from certcli.rules import schemes


@pytest.mark.today("2032-12-31")  # a story that runs years ahead
def test_a_cancelled_dues_invoice_still_counts_for_the_grant_and_the_call(cli, store):
    cid = new_candidate(cli)
    granted = decide_at(cli, store, "2026-03-12", candidate=cid)
    cert = store.one("SELECT * FROM certificates WHERE number = ?", (granted["certificate"],))
    called = cli.json("dues", "call", "--year", "2027", "--date", "2027-01-05")["invoiced"]
    for number, day in ((granted["invoice"], "2026-04-01"), (called[0]["number"], "2027-01-06")):
        cli.ok("invoice", "cancel", number, "--reason", "exonération", "--date", day)
    assert store.dues_invoiced(cert["id"], 2026) and store.dues_invoiced(cert["id"], 2027)
    assert not store.dues_invoiced(cert["id"], 2028)
    # The call and a grant's prorata answer alike: neither invoices 2027 again.
    assert cli.json("dues", "call", "--year", "2027", "--date", "2027-02-01")["invoiced"] == []
    with store.transaction():
        again = dues.invoice_grant(
            store,
            scheme=schemes.get("ECO"),
            candidate_id=cid,
            certificate_id=cert["id"],
            dossier_id=store.dossier(granted["ref"])["id"],
            date=dt.date(2027, 6, 1),
        )
    assert again is None
    assert store.scalar("SELECT count(*) FROM invoices WHERE kind = 'invoice'") == 2
