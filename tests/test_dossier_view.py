"""`dossier show` tells a dossier's invoices and granted certificate from their rows
(issue 20: building the records cost its start-up a tenth): the same values as the
records give: its dossier and completeness too (building none, `dossier show --json`
imports no `dataclasses`, tests/test_import_graph.py)."""

import datetime as dt

from certcli.domain import certificates, completeness, dossiers, invoices
from certcli.rules.money import as_str


def test_the_dossier_view_gives_what_the_records_give(cli, store):
    cli.ok("demo", "--date", "2026-11-25")
    dossiers = [r["id"] for r in store.all("SELECT id FROM dossiers ORDER BY id")]
    listed = 0
    for dossier_id in dossiers:
        expected = [
            {
                "number": i.number,
                "label": i.label,
                "amount": i.amount,
                "paid": i.paid,
                "status": i.status,
            }
            for i in invoices.listing(store, dossier_id=dossier_id)
        ]
        assert invoices.dossier_lines(store, dossier_id) == expected
        listed += len(expected)
    assert listed
    granted = [r["id"] for r in store.all("SELECT id FROM certificates ORDER BY id")]
    assert granted
    for certificate_id in granted:
        cert = certificates.by_id(store, certificate_id, as_of=dt.date(2026, 11, 25))
        assert certificates.summary(store, certificate_id) == {
            "number": cert.number,
            "valid_until": cert.valid_until,
            "mentions": cert.mentions,
        }


def test_the_dossier_and_its_completeness_as_the_records_give_them(cli, store):
    cli.ok("demo", "--date", "2026-11-25")
    refs = [r["ref"] for r in store.all("SELECT ref FROM dossiers ORDER BY id")]
    assert refs
    incomplete = 0
    for ref in refs:
        assert dossiers.view(store, ref) == dossiers.get(store, ref).to_dict()
        row = dossiers.row(store, ref)
        state = completeness.assess(store, row)
        assert completeness.summary(store, row) == {
            "complete": state.complete,
            "missing": [m.code for m in state.missing],
            "fee_due": as_str(state.fee_due),
            "fee_paid": as_str(state.fee_paid),
        }
        incomplete += not state.complete
    assert incomplete
