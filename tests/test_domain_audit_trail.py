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
        "fee paid: 480,00 € by cheque, on invoice F-2026-00001",  # the fee's own invoice
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
    assert sorted(kinds - audit_trail.told_kinds()) == []
    for entry in entries:
        text = audit_trail.describe(
            entry["action"], entry["details"], date=entry["date"], by=entry["by"]
        )
        assert text and not set("{}[]") & set(text), (entry, text)  # no Python or JSON
    history = cli.json("dossier", "show", "2026-0001")["history"]
    assert {f"dossier.{e['event']}" for e in history} <= audit_trail.told_kinds()


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


# -- corrections: told as what they correct, listed next to it --------------------------


def test_a_correction_says_what_it_corrects_when_by_whom_and_why():
    said = audit_trail.describe(
        "experience.remove",
        {
            "experience": 3,
            "employer": "Orange",
            "start": "2020-01-01",
            "end": "2020-12-31",
            "reason": "entered for the wrong person",
        },
        date="2026-02-20",
        by="marie",
    )
    assert said == (
        "work period 3 (Orange, 2020-01-01 to 2020-12-31) removed on 20 Feb 2026 by marie: "
        "entered for the wrong person"
    )


def test_arrange_puts_each_correction_right_after_the_entry_it_corrects():
    def entry(n, action, **details):
        return {"n": n, "action": action, "details": details}

    entries = [
        entry(1, "experience.add", experience=1),
        entry(2, "experience.add", experience=2),
        entry(3, "candidate.edit"),
        entry(4, "experience.remove", experience=1, reason="typo"),
        entry(5, "experience.remove", experience=9, reason="not in this list"),
    ]
    action, details = (lambda e: e["action"]), (lambda e: e["details"])
    order = [e["n"] for e in audit_trail.arrange(entries, action, details)]
    assert order == [1, 4, 2, 3, 5]
    newest_first = [
        e["n"]
        for e in audit_trail.arrange(list(reversed(entries)), action, details, newest_first=True)
    ]
    assert newest_first == [5, 3, 2, 4, 1]


def test_log_of_one_record_shows_the_correction_next_to_what_it_corrects(cli):
    from builders import add_candidate

    cid = add_candidate(cli)
    for employer, start, end in (
        ("Orange", "2018-01-01", "2018-12-31"),
        ("Vinci", "2019-01-01", "2019-12-31"),
    ):
        cli.ok(
            "experience", "add", "--candidate", cid, "--employer", employer, "--start", start,
            "--end", end, "--hours", "1607", "--date", "2026-02-19",
        )  # fmt: skip
    first = cli.json("experience", "list", "--candidate", cid)[0]["id"]
    cli.ok(
        "experience", "remove", first, "--reason", "candidate ill", "--date", "2026-02-20",
        "--as", "marie",
    )  # fmt: skip
    lines = [
        line
        for line in cli.ok("log", "--entity", "candidate", "--record", cid).stdout.splitlines()
        if "work period" in line or "removed" in line
    ]
    text = [" ".join(line.split()) for line in lines]
    removed = next(i for i, line in enumerate(text) if "removed on 20 Feb 2026 by marie" in line)
    # newest first: the removal right above the period it removes, the other period apart
    assert f"work period {first}: Orange" in text[removed + 1]
    assert "Vinci" not in text[removed + 1] and "candidate ill" in text[removed]
