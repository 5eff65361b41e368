"""What an issued invoice keeps: its issue day (never after today without --future)
and its buyer, label and amounts as they were at issue (every reprint shows them)."""

import json

from commission_helpers import decide_at, report_ready, session

# conftest's today is 2026-11-25.


def _audit(store, action):
    return [json.loads(r["details"]) for r in store.all(
        "SELECT details FROM audit_log WHERE action = ? ORDER BY id", (action,))]


def test_a_decision_dated_after_today_issues_no_invoice_without_future(cli, store, unchanged):
    ref = report_ready(cli, store, report_on="2026-10-20")
    sid = session(cli, "2026-11-20")
    cli.ok("commission", "agenda", sid, "--date", "2026-11-20")
    with unchanged():
        err = cli.fails("commission", "decide", sid, ref, "--grant", "--date",
                        "2026-12-31").stderr
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
        assert "is after today" in cli.fails("dues", "call", "--year", "2027", "--date",
                                             "2026-12-15").stderr
        err = cli.fails("invoice", "cancel", number, "--reason", "erreur", "--date",
                        "2026-11-30").stderr
        assert "credit notes are dated on the day they are issued" in err
    assert cli.json("dues", "call", "--year", "2027", "--date", "2026-12-15",
                    "--future")["count"] == 1
    credit = cli.json("invoice", "cancel", number, "--reason", "erreur", "--date",
                      "2026-11-30", "--future")["credit_note"]
    assert credit["issued_on"] == "2026-11-30"
    assert "future" in _audit(store, "credit.issue")[0]
