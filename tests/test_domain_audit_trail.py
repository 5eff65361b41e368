"""The audit trail and a dossier's history told in sentences (audit_trail.describe)."""

from __future__ import annotations

from instruction_helpers import add_instructor, candidate, complete_dossier

from certcli.domain import audit_trail

LONG = (
    "Attestation du maître d'ouvrage pour la deuxième référence, avec le montant des "
    "travaux et les dates de début et de fin du chantier"
)


def test_dossier_show_and_log_print_sentences_and_json_keeps_the_data(cli):
    cid = candidate(cli)
    ref = complete_dossier(cli, cid)
    add_instructor(cli, "Paul Durand", capacity=4)
    cli.ok("dossier", "assign", ref, "--auto", "--date", "2026-03-02")
    cli.ok(
        "dossier", "request", ref, "--items", LONG, "--due", "2026-04-15", "--date", "2026-03-03"
    )
    shown = cli.ok("dossier", "show", ref).stdout
    for said in (
        "pieces received: administratif, contrats, technique ×2, demande-signee",
        "fee paid: 480,00 € by cheque",
        "checked: complete",
        "assigned to Paul Durand (auto: lightest load)",
        "complementary elements requested, due 2026-04-15",
    ):
        assert said in shown.replace("\u00a0", " ")
    assert "{" not in shown and '"' not in shown  # no raw JSON
    # The long text is folded by the table, never cut: every word is there.
    words = " ".join(shown.split())
    assert all(word in words for word in LONG.split())
    history = cli.json("dossier", "show", ref)["history"]
    received = next(e for e in history if e["event"] == "received")
    assert received["details"] == {
        "pieces": ["administratif", "contrats", "technique", "technique", "demande-signee"]
    }
    assigned = next(e for e in history if e["event"] == "assigned")
    assert assigned["details"]["mode"] == "auto" and "0/4" in assigned["details"]["reason"]

    log = cli.ok("log", "--entity", "dossier", "--record", ref).stdout
    assert "assigned to Paul Durand (auto: lightest load)" in log and "{" not in log
    assert all(word in " ".join(log.split()) for word in LONG.split())
    entries = cli.json("log", "--entity", "dossier", "--record", ref)
    assert entries[0]["details"]["items"] == LONG


def test_every_kind_the_demo_writes_has_its_sentence(cli):
    """One function per kind of entry: the demo office writes nearly all of them."""
    cli.ok("demo", "--date", "2026-11-25")
    entries = cli.json("log", "--limit", "1000")
    kinds = {e["action"] for e in entries}
    assert len(kinds) > 25
    assert sorted(kinds - set(audit_trail._SENTENCES)) == []
    for entry in entries:
        text = audit_trail.describe(entry["action"], entry["details"])
        assert text and not set("{}[]") & set(text), (entry, text)  # no Python or JSON
    history = cli.json("dossier", "show", "2026-0001")["history"]
    assert {f"dossier.{e['event']}" for e in history} <= set(audit_trail._SENTENCES)


def test_a_kind_without_its_sentence_is_still_printed_whole():
    said = audit_trail.describe(
        "dossier.something_new",
        {
            "reason_given": "une raison longue",
            "count": 2,
            "who": {"id": 1, "name": "Anne"},
            "codes": ["a", "b"],
            "empty": None,
        },
    )
    assert said == "reason given: une raison longue; count: 2; who: Anne; codes: a, b"
    # An entry of another version, missing a key its sentence reads, falls back too.
    assert audit_trail.describe("dossier.paid", {"amount": "10.00"}) == "amount: 10.00"
    assert (
        audit_trail.describe("dossier.received", {"pieces": ["technique"] * 3})
        == "pieces received: technique ×3"
    )


def test_sentences_of_a_check_with_eligibility_and_of_a_notified_letter():
    checked = {"complete": True, "missing": [], "fee_due": "480.00", "fee_paid": "480.00"}
    assert audit_trail.describe("dossier.checked", checked) == "checked: complete"
    assert (
        audit_trail.describe("dossier.checked", {**checked, "eligible": True})
        == "checked: complete and eligible"
    )
    assert audit_trail.describe(
        "dossier.checked",
        {
            **checked,
            "eligible": False,
            "failures": ["2.1 years of related experience"],
            "override": "dérogation du jury",
        },
    ) == (
        "checked: complete, not eligible (2.1 years of related experience), accepted with "
        "override: dérogation du jury"
    )
    assert audit_trail.describe(
        "letter.notified",
        {
            "template": "refus",
            "notified_on": "2026-10-05",
            "registered": "1A 234 567 8901 2",
            "dossier": "2026-0003",
            "certificate": None,
        },
    ) == ("letter refus for 2026-0003 notified on 2026-10-05, registered letter 1A 234 567 8901 2")
