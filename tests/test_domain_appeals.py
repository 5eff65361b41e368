"""Appeals (certcli/domain/appeals.py): the deadline to the day, from the notification
or the decision, who can appeal, the appeal session and its decision."""

import re

import letter_records as R
import pytest
from commission_helpers import report_ready, session
from letter_office import dry_run


def _refused(cli, store, date="2026-06-15"):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, date)
    cli.ok("commission", "agenda", sid, "--date", date)
    result = cli.json(
        "commission", "decide", sid, ref, "--refuse", "--reason", "insuffisant", "--date", date
    )
    return ref, result


@pytest.mark.parametrize(
    "decided, last_day, day_after",
    [
        ("2026-06-15", "2026-08-15", "2026-08-16"),
        ("2026-12-31", "2027-02-28", "2027-03-01"),  # month end clamps
        ("2027-12-31", "2028-02-29", "2028-03-01"),  # leap year
    ],
)
def test_appeal_deadline_to_the_day(cli, store, unchanged, decided, last_day, day_after):
    ref, result = _refused(cli, store, decided)
    assert result["appeal_deadline"] == last_day
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", day_after).stderr
        assert f"the appeal deadline was {last_day}" in err
    filed = cli.json("appeal", "file", ref, "--date", last_day, "--reason", "pièces omises")
    assert filed["deadline"] == last_day and filed["status"] == "appealed"
    assert cli.json("dossier", "show", ref)["status"] == "appealed"


def test_only_a_refused_dossier_can_be_appealed(cli, store, unchanged):
    ready = report_ready(cli, store)
    with unchanged():
        assert "cannot appeal" in cli.fails("appeal", "file", ready, "--date", "2026-06-20").stderr
        assert "no dossier" in cli.fails("appeal", "file", "2026-9999").stderr
    ref, _ = _refused(cli, store)
    with unchanged():
        assert (
            "before the refusal" in cli.fails("appeal", "file", ref, "--date", "2026-06-01").stderr
        )


def test_appeal_session_hears_appeals_filed_before_it(cli, store, unchanged):
    granted_ref, _ = _refused(cli, store)
    confirmed_ref, _ = _refused(cli, store)
    on_day_ref, _ = _refused(cli, store)
    cli.ok("appeal", "file", granted_ref, "--date", "2026-07-01")
    cli.ok("appeal", "file", confirmed_ref, "--date", "2026-07-02")
    cli.ok("appeal", "file", on_day_ref, "--date", "2026-08-10")
    hearing = session(cli, "2026-08-10", "appeal")
    built = cli.json("commission", "agenda", hearing, "--date", "2026-08-10")
    assert built["agenda"] == [granted_ref, confirmed_ref]
    assert built["postponed"] == [
        {
            "ref": on_day_ref,
            "reason": "too late: appeal filed on 2026-08-10, not before the session",
        }
    ]
    assert cli.json("dossier", "show", granted_ref)["status"] == "appealed"
    with unchanged():
        assert (
            "only an award commission adjourns"
            in cli.fails("commission", "decide", hearing, granted_ref, "--adjourn").stderr
        )
    granted = cli.json("commission", "decide", hearing, granted_ref, "--grant")
    assert granted["appeal_outcome"] == "granted"
    assert (granted["certificate"], granted["valid_until"]) == ("ECO-2026-0001", "2030-08-09")
    # after the three dossiers' fee invoices
    assert (granted["invoice"], granted["amount"]) == ("F-2026-00004", "150.00")
    confirmed = cli.json(
        "commission", "decide", hearing, confirmed_ref, "--refuse", "--reason", "refus confirmé"
    )
    assert confirmed["appeal_outcome"] == "confirmed" and confirmed["appeal_deadline"] is None
    assert cli.json("dossier", "show", confirmed_ref)["status"] == "refused"
    listed = {a["ref"]: a for a in cli.json("appeal", "list")}
    assert listed[granted_ref]["outcome"] == "granted"
    assert listed[confirmed_ref]["outcome"] == "confirmed"
    assert listed[confirmed_ref]["session_date"] == "2026-08-10"
    assert [a["ref"] for a in cli.json("appeal", "list", "--pending")] == [on_day_ref]
    with unchanged():
        assert (
            "the refusal is final"
            in cli.fails("appeal", "file", confirmed_ref, "--date", "2026-08-11").stderr
        )
    # The later appeals session takes the one filed on the day of the first.
    later = session(cli, "2026-10-05", "appeal")
    assert cli.json("commission", "agenda", later, "--date", "2026-10-05")["agenda"] == [on_day_ref]
    assert cli.json("dossier", "show", on_day_ref)["appeals"][0]["session"] == later


def test_appeal_decide_uses_the_session_it_is_on(cli, store, unchanged):
    ref, _ = _refused(cli, store)
    with unchanged():
        assert "no pending appeal" in cli.fails("appeal", "decide", ref, "--grant").stderr
    cli.ok("appeal", "file", ref, "--date", "2026-07-01")
    with unchanged():
        assert "on no appeals session yet" in cli.fails("appeal", "decide", ref, "--grant").stderr
    hearing = session(cli, "2026-09-14", "appeal")
    cli.ok("commission", "agenda", hearing, "--date", "2026-09-14")
    with unchanged():
        assert "exactly one of" in cli.fails("appeal", "decide", ref).stderr
        assert "needs --reason" in cli.fails("appeal", "decide", ref, "--refuse").stderr
    out = cli.ok("appeal", "decide", ref, "--refuse", "--reason", "confirmé").stdout
    assert "confirmed on 2026-09-14" in out
    assert cli.json("dossier", "show", ref)["appeals"][0]["outcome"] == "confirmed"


# -- appeal messages ----------------------------------------------------------------------------
def test_second_appeal_message_says_where_the_first_one_is(cli, store, unchanged):
    ref = report_ready(cli, store, report_on="2026-05-01")
    sid = session(cli, "2026-06-15")
    cli.ok("commission", "agenda", sid, "--date", "2026-06-15")
    cli.ok("commission", "decide", sid, ref, "--refuse", "--reason", "x", "--date", "2026-06-15")
    cli.ok("appeal", "file", ref, "--date", "2026-07-01")
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", "2026-07-02").stderr
    assert err.strip() == (
        f"Error: dossier {ref}: an appeal was already filed on 2026-07-01; "
        "it is not yet heard (place it with `certcli commission agenda ID` "
        "of an appeal session)"
    )
    hearing = session(cli, "2026-09-14", "appeal")
    cli.ok("commission", "agenda", hearing, "--date", "2026-09-01")
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", "2026-07-02").stderr
    assert err.strip() == (
        f"Error: dossier {ref}: an appeal was already filed on 2026-07-01; "
        f"it is heard at session {hearing} (2026-09-14)"
    )
    cli.ok(
        "commission", "decide", hearing, ref, "--refuse", "--reason", "y", "--date", "2026-09-14"
    )
    with unchanged():
        err = cli.fails("appeal", "file", ref, "--date", "2026-09-15").stderr
    assert err.strip() == (
        f"Error: dossier {ref}: an appeal was already heard (filed on "
        "2026-07-01, confirmed on 2026-09-14); the refusal is final"
    )


@pytest.fixture
def cid(store):
    return R.candidate(store)


HTML = ("--letter", "--format", "html")


def on_agenda(cli, store, cid, day="2026-06-15") -> tuple[int, str]:
    ref = report_ready(cli, store, report_on="2026-05-01", candidate=cid)
    sid = session(cli, day)
    cli.ok("commission", "agenda", sid, "--date", day)
    return sid, ref


# -- the appeal deadline runs from the notification ----------------------------------------
def refused_with_letter(cli, store, cid, tmp_path, day="2026-06-15") -> tuple[str, int]:
    sid, ref = on_agenda(cli, store, cid, day)
    cli.ok(
        "commission",
        "decide",
        sid,
        ref,
        "--refuse",
        "--reason",
        "expérience insuffisante",
        "--date",
        day,
        *HTML,
        "--out",
        tmp_path,
    )
    [row] = cli.json("letters", "log", "--dossier", ref)
    assert row["template"] == "refus" and row["date"] == day and row["notified_on"] is None
    return ref, row["id"]


def test_appeal_deadline_runs_from_the_notification(cli, store, cid, tmp_path, unchanged):
    ref, letter_id = refused_with_letter(cli, store, cid, tmp_path)
    shown = cli.json("dossier", "show", ref)
    assert (shown["appeal_deadline"], shown["appeal_deadline_from"]) == ("2026-08-15", "decision")
    with unchanged():
        assert (
            "no letter with id 999 (see `certcli letters log`)"
            in cli.fails("letters", "notified", "999", "--date", "2026-06-20").stderr
        )
        assert (
            f"letter {letter_id} (refus) is dated 2026-06-15: it cannot be notified "
            "before, on 2026-06-14"
        ) in cli.fails("letters", "notified", letter_id, "--date", "2026-06-14").stderr
    done = cli.json(
        "letters",
        "notified",
        letter_id,
        "--date",
        "2026-06-22",
        "--registered",
        "1A 234 567 8901 2",
    )
    assert (done["id"], done["notified_on"], done["registered"], done["dossier"]) == (
        letter_id,
        "2026-06-22",
        "1A 234 567 8901 2",
        ref,
    )
    assert (done["appeal_deadline"], done["appeal_deadline_from"]) == ("2026-08-22", "notification")
    with unchanged():
        err = cli.fails("letters", "notified", letter_id, "--date", "2026-06-23").stderr
    assert (
        f"letter {letter_id} (refus) was already notified on 2026-06-22, registered "
        "1A 234 567 8901 2" in err
    )
    [row] = cli.json("letters", "log", "--dossier", ref)
    assert (row["notified_on"], row["registered"]) == ("2026-06-22", "1A 234 567 8901 2")
    actions = [r["action"] for r in store.all("SELECT action FROM audit_log")]
    assert actions.count("letter.notified") == 1

    shown = cli.json("dossier", "show", ref)
    assert (shown["appeal_deadline"], shown["appeal_deadline_from"]) == (
        "2026-08-22",
        "notification",
    )
    out = cli.ok("dossier", "show", ref).stdout
    assert re.search(r"appeal deadline\s+2026-08-22", out)
    assert re.search(r"appeal deadline from\s+notification", out)
    # A reprint of the refusal says where the delay runs from.
    text = dry_run(cli, tmp_path, "refus", "--dossier", ref, "2026-07-01")
    assert (
        "doit parvenir au secrétariat au plus tard le 22 août 2026 (2 mois après la "
        "notification de la décision, reçue le 22 juin 2026)"
    ) in text

    # Past the decision's two months, within the notification's: still in time.
    filed = cli.json("appeal", "file", ref, "--date", "2026-08-20")
    assert (filed["deadline"], filed["deadline_from"]) == ("2026-08-22", "notification")
    [listed] = cli.json("appeal", "list")
    assert (listed["deadline"], listed["deadline_from"]) == ("2026-08-22", "notification")
    assert re.search(r"2026-08-22\s*│\s*notification", cli.ok("appeal", "list").stdout)


def test_without_notification_the_deadline_runs_from_the_decision(cli, store, cid, tmp_path):
    ref, _ = refused_with_letter(cli, store, cid, tmp_path)
    err = cli.fails("appeal", "file", ref, "--date", "2026-08-20").stderr
    assert (
        "too late to appeal on 2026-08-20, the appeal deadline was 2026-08-15 (from the "
        "decision: no notification of the refusal letter is recorded)"
    ) in err
    text = dry_run(cli, tmp_path, "refus", "--dossier", ref, "2026-06-16")
    assert "au plus tard le 15 août 2026 (2 mois après la décision)" in text
    # The notification of another letter (not the refusal) changes nothing.
    # (its pieces came in at the opening, through `dossier receive`)
    cli.ok(
        "letters",
        "render",
        "accuse-reception",
        "--dossier",
        ref,
        "--date",
        "2026-06-16",
        "--format",
        "html",
        "--out",
        tmp_path,
    )
    other = [
        r["id"]
        for r in cli.json("letters", "log", "--dossier", ref)
        if r["template"] == "accuse-reception"
    ][0]
    done = cli.json("letters", "notified", other, "--date", "2026-06-30")
    assert done["appeal_deadline"] is None
    assert cli.json("dossier", "show", ref)["appeal_deadline_from"] == "decision"
