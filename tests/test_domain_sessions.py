"""Commission sessions (certcli/domain/sessions.py): kinds and capacity, working days
and public holidays, the planned calendar."""

import datetime as dt

import holidays
from commission_helpers import report_ready, session

_COMMANDS = {
    "commission": ["add", "plan", "list", "agenda", "decide"],
    "certificate": ["list", "show", "withdraw"],
    "dues": ["prorata", "call"],
    "invoice": ["list", "show", "pay", "cancel"],
    "appeal": ["file", "decide", "list"],
    "directory": ["search", "export"],
}


def test_add_and_list_with_agenda_counts(cli, store):
    first = cli.json(
        "commission", "add", "--date", "2026-06-30", "--kind", "award", "--capacity", "2"
    )
    assert first == {
        "id": 1,
        "date": "2026-06-30",
        "kind": "award",
        "capacity": 2,
        "status": "planned",
    }
    session(cli, "2026-09-15", "appeal")
    session(cli, "2027-01-20")
    ref = report_ready(cli, store, report_on="2026-06-01")
    cli.ok("commission", "agenda", 1, "--date", "2026-06-30")
    listed = cli.json("commission", "list", "--year", "2026")
    assert [(s["id"], s["kind"], s["on_agenda"]) for s in listed] == [
        (1, "award", 1),
        (2, "appeal", 0),
    ]
    assert [s["id"] for s in cli.json("commission", "list", "--kind", "award")] == [1, 3]
    assert ref in cli.ok("commission", "agenda", 1, "--date", "2026-06-30").stdout


def test_add_refuses_bad_kind_and_capacity(cli, unchanged):
    with unchanged():
        assert (
            "invalid session kind"
            in cli.fails("commission", "add", "--date", "2026-06-30", "--kind", "jury").stderr
        )
        cli.fails("commission", "add", "--date", "2026-06-30", "--capacity", "0", code=2)
        assert (
            "no commission session 9"
            in cli.fails("commission", "agenda", 9, "--date", "2026-06-30").stderr
        )


def test_add_refuses_a_weekend_or_a_public_holiday_unless_forced(cli, unchanged):
    with unchanged():
        christmas = cli.fails("commission", "add", "--date", "2026-12-25").stderr
        saturday = cli.fails("commission", "add", "--date", "2026-11-28", "--kind", "appeal").stderr
        sunday = cli.fails("commission", "add", "--date", "29/11/2026").stderr
    assert christmas == (
        "Error: 2026-12-25 is a public holiday (Noël): use --force to hold it anyway\n"
    )
    assert saturday == "Error: 2026-11-28 is a Saturday: use --force to hold it anyway\n"
    assert "2026-11-29 is a Sunday" in sunday
    # Whit Monday moves every year: the rule is the holidays calendar, not a fixed list.
    assert "(Lundi de Pentecôte)" in cli.fails("commission", "add", "--date", "2027-05-17").stderr
    forced = cli.json("commission", "add", "--date", "2026-12-25", "--force")
    assert forced["date"] == "2026-12-25"
    assert cli.json("commission", "add", "--date", "2026-12-24")["date"] == "2026-12-24"
    later, first = cli.json("log", "--action", "commission.add")  # newest first
    assert first["details"]["forced"] == "2026-12-25 is a public holiday (Noël)"
    assert "forced" not in later["details"]


def test_plan_avoids_weekends_and_french_holidays(cli):
    closed = holidays.France(years=2027)
    for count in range(1, 13):
        proposed = cli.json("commission", "plan", "--year", "2027", "--count", count)
        days = [dt.date.fromisoformat(p["date"]) for p in proposed]
        assert len(days) == count and days == sorted(set(days))
        assert all(d.year == 2027 and d.weekday() < 5 and d not in closed for d in days)
        assert dt.date(2027, 5, 8) not in days
    # Ten sessions: the one that would fall on 8 May 2027 (a Saturday and Victory Day)
    # moves to Monday 10 May.
    ten = cli.json("commission", "plan", "--year", "2027", "--count", "10")
    moved = [p for p in ten if p["shifted_from"] == "2027-05-08"]
    assert moved[0]["date"] == "2027-05-10" and moved[0]["holiday"] == "Fête de la Victoire"
    # Five: 6 February 2027 is a Saturday -> Monday 8 February.
    five = [p["date"] for p in cli.json("commission", "plan", "--year", "2027")]
    assert five == ["2027-02-08", "2027-04-20", "2027-07-02", "2027-09-13", "2027-11-25"]
    assert cli.json("commission", "list") == []  # a plan alone creates nothing


def test_plan_apply_creates_once(cli, unchanged):
    applied = cli.json(
        "commission", "plan", "--year", "2027", "--count", "4", "--apply", "--capacity", "10"
    )
    assert [p["id"] for p in applied] == [1, 2, 3, 4]
    listed = cli.json("commission", "list", "--year", "2027")
    assert [s["date"] for s in listed] == [p["date"] for p in applied]
    assert {s["capacity"] for s in listed} == {10}
    with unchanged():
        err = cli.fails("commission", "plan", "--year", "2027", "--count", "4", "--apply").stderr
        assert "already exists" in err


def test_every_command_has_help_with_an_example(cli):
    for noun, verbs in _COMMANDS.items():
        for verb in verbs:
            assert "Example:" in cli.ok(noun, verb, "--help").stdout, (noun, verb)
