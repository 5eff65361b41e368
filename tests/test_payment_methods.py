"""Payment methods: one list (money.METHODS) and one check (money.payment_method) for
the instruction fee and the invoices, case and accents ignored in both."""

from __future__ import annotations

import pytest
from commission_helpers import decide_at, new_candidate
from instruction_helpers import open_dossier

from certcli.errors import ValidationError
from certcli.rules import money


def test_payment_method_rule():
    assert money.payment_method("Chèque") == "cheque"
    assert money.payment_method(" VIREMENT ") == "virement"
    with pytest.raises(
        ValidationError, match=r"invalid method 'carte' \(one of: cheque, virement\)"
    ):
        money.payment_method("carte")


def _fee(cli, store):
    ref = open_dossier(cli, new_candidate(cli))
    return ["dossier", "pay", ref, "--amount", "100.00", "--date", "2026-03-02"]


def _invoice(cli, store):
    number = decide_at(cli, store, "2026-06-15", "--grant")["invoice"]
    return ["invoice", "pay", number, "--amount", "10.00", "--date", "2026-06-20"]


@pytest.mark.parametrize("paying", [_fee, _invoice], ids=["dossier pay", "invoice pay"])
def test_both_payments_check_the_method_the_same_way(cli, store, unchanged, paying):
    args = paying(cli, store)
    with unchanged():
        err = cli.fails(*args, "--method", "carte").stderr
    assert err.strip() == "Error: invalid method 'carte' (one of: cheque, virement)"
    cli.ok(*args, "--method", "Chèque")
    methods = [r["method"] for r in store.all("SELECT method FROM payments")]
    assert methods == ["cheque"]
