"""Reception (certcli/domain/reception.py): receiving pieces, paying the fee and the
completeness check."""

from instruction_helpers import d_candidate, d_open


def _statuses(store, ref):
    return store.dossier(ref)["status"]


# -- receive -----------------------------------------------------------------------
def test_receive_counts_repeated_codes_and_code_n(cli, store):
    ref = d_open(store, d_candidate(store))
    out = cli.ok(
        "dossier", "receive", ref, "administratif", "technique", "--date", "2026-03-02"
    ).stdout.replace("\xa0", " ")  # Babel's € spacing
    assert "Dossier technique (1 of 2 received)" in out
    assert "Règlement des frais d'instruction (480,00 €)" in out
    data = cli.json("dossier", "receive", ref, "technique", "contrats:1", "--date", "2026-03-03")
    assert data["received"] == ["technique", "contrats"]
    assert data["missing"] == ["demande-signee", "frais-instruction"]
    data = cli.json(
        "dossier", "receive", ref, "DEMANDE-SIGNEE", "technique:2", "--date", "2026-03-04"
    )
    assert data["received"] == ["demande-signee", "technique", "technique"]
    codes = [p["code"] for p in store.pieces(store.dossier(ref)["id"])]
    assert codes.count("technique") == 4 and len(codes) == 7
    assert data["status"] == "submitted"  # receiving never checks by itself


def test_receive_refusals_write_nothing(cli, store, unchanged):
    ref = d_open(store, d_candidate(store))
    with unchanged():
        err = cli.fails("dossier", "receive", ref, "administratif", "cv").stderr
        assert err.strip() == (
            "Error: unknown piece 'cv' for ECO initial dossiers (valid: "
            "administratif, contrats, technique, demande-signee)"
        )
        assert "CODE:N" in cli.fails("dossier", "receive", ref, "technique:0").stderr
        assert "CODE:N" in cli.fails("dossier", "receive", ref, "technique:deux").stderr
        assert "dossier pay" in cli.fails("dossier", "receive", ref, "frais-instruction").stderr
        assert "at least one piece" in cli.fails("dossier", "receive", ref).stderr
        assert (
            "--partial is for a dossier waiting"
            in cli.fails("dossier", "receive", ref, "contrats", "--partial").stderr
        )
        assert "no dossier" in cli.fails("dossier", "receive", "2026-0099", "contrats").stderr
    renewal_only = "certificats-capacite"
    assert "unknown piece" in cli.fails("dossier", "receive", ref, renewal_only).stderr


# -- pay -----------------------------------------------------------------------------
def test_pay_balance_and_overpayment(cli, store, unchanged):
    ref = d_open(store, d_candidate(store))
    first = cli.json(
        "dossier",
        "pay",
        ref,
        "--amount",
        "200",
        "--method",
        "chèque",
        "--reference",
        "1234567",
        "--date",
        "2026-03-02",
    )
    assert first == {
        "ref": ref,
        "amount": "200.00",
        "method": "cheque",
        "reference": "1234567",
        "paid_on": "2026-03-02",
        "fee_due": "480.00",
        "fee_paid": "200.00",
        "balance": "280.00",
        "invoice": "F-2026-00001",  # the fee's invoice, issued with this first payment
        "invoice_status": "open",
    }
    with unchanged():
        err = cli.fails("dossier", "pay", ref, "--amount", "280,01", "--method", "virement").stderr
        assert err.strip() == (
            f"Error: overpayment: 280.01 is more than the 280.00 still due "
            f"for {ref} (fee 480.00, already paid 200.00)"
        )
        assert (
            "invalid method"
            in cli.fails("dossier", "pay", ref, "--amount", "10", "--method", "especes").stderr
        )
        assert (
            "positive"
            in cli.fails("dossier", "pay", ref, "--amount", "-5", "--method", "cheque").stderr
        )
        assert (
            "two decimals"
            in cli.fails("dossier", "pay", ref, "--amount", "1.234", "--method", "cheque").stderr
        )
    out = cli.ok(
        "dossier", "pay", ref, "--amount", "280,00", "--method", "virement", "--date", "2026-03-05"
    ).stdout.replace("\xa0", " ")
    assert "480,00 € paid of 480,00 €, balance 0,00 €" in out
    with unchanged():
        assert (
            "already paid in full"
            in cli.fails("dossier", "pay", ref, "--amount", "1", "--method", "cheque").stderr
        )
    cqpt = d_open(
        store,
        d_candidate(store, "Jean", "Durand"),
        "CQPT",
        route="libre",
        financing="plan-formation",
    )
    with unchanged():
        assert (
            "no instruction fee is due for a CQPT initial dossier"
            in cli.fails("dossier", "pay", cqpt, "--amount", "10", "--method", "cheque").stderr
        )


# -- check ---------------------------------------------------------------------------
def test_check_incomplete_then_complete_opqtecc(cli, store):
    ref = d_open(store, d_candidate(store))
    cli.ok(
        "dossier", "receive", ref, "administratif", "contrats", "technique", "--date", "2026-03-02"
    )
    cli.ok("dossier", "pay", ref, "--amount", "100", "--method", "cheque", "--date", "2026-03-02")
    out = cli.ok("dossier", "check", ref, "--date", "2026-03-03").stdout.replace("\xa0", " ")
    assert out.splitlines() == [
        f"Dossier {ref} is incomplete: status incomplete.",
        "Missing:",
        "  - Dossier technique (1 of 2 received)",
        "  - Demande signée (courrier)",
        "  - Solde des frais d'instruction (380,00 € restant dus)",
    ]
    event = store.dossier_events(store.dossier(ref)["id"])[-1]
    assert event["event"] == "checked" and event["date"] == "2026-03-03"
    assert '"missing": ["technique", "demande-signee", "frais-instruction"]' in event["details"]
    assert '"status": ["submitted", "incomplete"]' in event["details"]
    # Checked again while still incomplete: recorded again, status stays.
    data = cli.json("dossier", "check", ref, "--date", "2026-03-04")
    assert data["status"] == "incomplete" and data["missing"] == [
        "technique",
        "demande-signee",
        "frais-instruction",
    ]
    cli.ok("dossier", "receive", ref, "technique", "demande-signee", "--date", "2026-03-10")
    cli.ok("dossier", "pay", ref, "--amount", "380", "--method", "virement", "--date", "2026-03-10")
    data = cli.json("dossier", "check", ref, "--date", "2026-03-11")
    assert {"ref", "complete", "missing", "fee_due", "fee_paid"} <= data.keys()
    assert (
        data["ref"],
        data["complete"],
        data["missing"],
        data["fee_due"],
        data["fee_paid"],
        data["status"],
    ) == (ref, True, [], "480.00", "480.00", "instruction")
    log = cli.json("log", "--entity", "dossier", "--record", ref, "--action", "dossier.checked")
    assert [e["details"]["complete"] for e in log] == [True, False, False]


def test_check_complete_cqpt_awaits_admissibility(cli, store):
    ref = d_open(store, d_candidate(store), "CQPT", route="libre", financing="plan-formation")
    assert cli.json("dossier", "check", ref, "--date", "2026-03-02")["missing"] == [
        "candidature",
        "piece-identite",
        "attestation-employeur",
    ]
    cli.ok(
        "dossier",
        "receive",
        ref,
        "candidature",
        "piece-identite",
        "attestation-employeur",
        "--date",
        "2026-03-05",
    )
    data = cli.json("dossier", "check", ref, "--date", "2026-03-06")
    assert data["complete"] is True and data["fee_due"] == "0.00"
    assert data["status"] == "complete" and _statuses(store, ref) == "complete"
