"""One letter by hand (certcli/letters/send.py): a renewal reminder sent this way is the
period's reminder, recorded, and never sent twice."""

from commission_helpers import holder


def _remind(cli, tmp_path, *extra):
    return ["renewals", "remind", "--months", "9", "--format", "html", "--out", tmp_path, *extra]


# -- a reminder sent by hand is the period's reminder ----------------------------------------
def test_manual_reminder_is_recorded_and_never_sent_twice(cli, store, tmp_path, unchanged):
    _, number = holder(cli, store, "2026-03-12")
    args = [
        "letters",
        "render",
        "rappel-renouvellement",
        "--certificate",
        number,
        "--format",
        "html",
        "--out",
        tmp_path,
    ]
    with unchanged():
        cli.ok(*args, "--date", "2029-08-01", "--dry-run")
    cli.ok(*args, "--date", "2029-08-02")
    due = cli.json("renewals", "due", "--as-of", "2029-09-01")
    assert [(d["certificate"], d["reminded_on"]) for d in due] == [(number, "2029-08-02")]
    reminder = store.one("SELECT * FROM reminders")
    assert reminder["letter_id"] == store.scalar("SELECT id FROM letters")
    assert cli.json(*_remind(cli, tmp_path, "--date", "2029-09-01")) == {
        "reminded": [],
        "files": [],
        "skipped": [],
    }
    with unchanged():
        err = cli.fails(*args, "--date", "2029-09-05").stderr
    assert err.strip() == (
        f"Error: certificate {number}: the renewal reminder for the period "
        "ending 2030-03-11 was already sent on 2029-08-02; it is never "
        "sent twice"
    )
