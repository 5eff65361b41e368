"""What an issued invoice keeps: its issue day (never after today without --future)
and its buyer, label and amounts as they were at issue (every reprint shows them)."""

import json
from pathlib import Path

from commission_helpers import decide_at, new_candidate, report_ready, session

from certcli.store import Store

# conftest's today is 2026-11-25.


def _audit(store, action):
    return [
        json.loads(r["details"])
        for r in store.all("SELECT details FROM audit_log WHERE action = ? ORDER BY id", (action,))
    ]


def test_a_decision_dated_after_today_issues_no_invoice_without_future(cli, store, unchanged):
    ref = report_ready(cli, store, report_on="2026-10-20")
    sid = session(cli, "2026-11-20")
    cli.ok("commission", "agenda", sid, "--date", "2026-11-20")
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date", "2026-12-31").stderr
    assert "2026-12-31 is after today (2026-11-25)" in err and "--future" in err
    # The day's decision goes through, and the next invoice is not blocked.
    done = cli.json("commission", "decide", sid, ref, "--grant", "--date", "2026-11-25")
    assert done["invoice"] == "F-2026-00001"
    assert "future" not in _audit(store, "invoice.issue")[0]


def test_future_allows_a_later_date_and_the_audit_trail_says_so(cli, store):
    done = decide_at(cli, store, "2026-11-20", "--grant", "--date", "2026-12-31", "--future")
    assert cli.json("invoice", "show", done["invoice"])["issued_on"] == "2026-12-31"
    assert "--future" in _audit(store, "invoice.issue")[0]["future"]


def test_dues_call_and_credit_notes_follow_the_same_rule(cli, store, unchanged):
    number = decide_at(cli, store, "2026-11-20")["invoice"]
    with unchanged():
        assert (
            "is after today"
            in cli.fails("dues", "call", "--year", "2027", "--date", "2026-12-15").stderr
        )
        err = cli.fails(
            "invoice", "cancel", number, "--reason", "erreur", "--date", "2026-11-30"
        ).stderr
        assert "credit notes are dated on the day they are issued" in err
    assert (
        cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15", "--future")["count"] == 1
    )
    credit = cli.json(
        "invoice", "cancel", number, "--reason", "erreur", "--date", "2026-11-30", "--future"
    )["credit_note"]
    assert credit["issued_on"] == "2026-11-30"
    assert "future" in _audit(store, "credit.issue")[0]


def _granted_to_someone_who_moves(cli, store):
    cid = new_candidate(
        cli,
        first="Hélène",
        last="Lefèvre",
        civility="Mme",
        address="12 rue des Lilas",
        postcode="69003",
        city="Lyon",
    )
    done = decide_at(cli, store, "2026-06-15", candidate=cid)
    cli.ok(
        "candidate",
        "edit",
        cid,
        "--last-name",
        "Martin-Roux",
        "--address",
        "3 avenue Foch",
        "--postcode",
        "75016",
        "--city",
        "Paris",
        "--civility",
        "M.",
    )
    return done


def _html(cli, tmp_path, template, *record):
    out = tmp_path / template
    path = cli.json(
        "letters", "render", template, *record, "--format", "html", "--out", out, "--dry-run"
    )["path"]
    return Path(path).read_text(encoding="utf-8")


def test_an_issued_invoice_keeps_its_buyer_when_the_candidate_is_edited(cli, store, tmp_path):
    done = _granted_to_someone_who_moves(cli, store)
    number = done["invoice"]
    shown = cli.json("invoice", "show", number)
    assert shown["holder"] == "Hélène Lefèvre"
    assert shown["address"] == "12 rue des Lilas, 69003 Lyon"
    assert shown["label"].startswith("Cotisation annuelle ECO 2026") and shown["amount"] == "210.00"
    assert [i["holder"] for i in cli.json("invoice", "list")] == ["Hélène Lefèvre"]
    for template in ("facture", "appel-cotisation"):
        html = _html(cli, tmp_path, template, "--invoice", number)
        assert "Mme Hélène Lefèvre" in html and "12 rue des Lilas" in html, template
        assert "Madame," in html and "Martin-Roux" not in html and "Foch" not in html
    # The notification's invoice part quotes the invoice as issued.
    html = _html(cli, tmp_path, "notification", "--dossier", done["ref"])
    assert shown["label"] in html and "210,00" in html
    # A credit note names the buyer of the invoice it cancels, as on that invoice.
    credit = cli.json("invoice", "cancel", number, "--reason", "erreur", "--date", "2026-07-01")[
        "credit_note"
    ]
    assert (credit["holder"], credit["address"]) == (shown["holder"], shown["address"])
    html = _html(cli, tmp_path, "facture", "--invoice", credit["number"])
    assert "12 rue des Lilas" in html and "Foch" not in html


def test_the_migration_fills_the_buyer_of_existing_invoices(cli, store, db_path):
    number = _granted_to_someone_who_moves(cli, store)["invoice"]
    # The database as certcli 0.2 before m004 left it: no buyer columns.
    columns = [
        r["name"]
        for r in store.all("PRAGMA table_info(invoices)")
        if r["name"].startswith("buyer_")
    ]
    assert len(columns) == 6
    for column in columns:
        store.execute(f"ALTER TABLE invoices DROP COLUMN {column}")
    store.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_invoice_buyer'")
    store.close()
    reopened = Store(db_path)
    row = reopened.one("SELECT * FROM invoices WHERE number = ?", (number,))
    # Backfilled from the candidate as they are now: the best that is known.
    assert (row["buyer_last_name"], row["buyer_city"]) == ("Martin-Roux", "Paris")
