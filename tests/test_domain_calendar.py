"""The office's calendar (certcli/domain/calendar.py): every session and interview
as iCalendar events, read back with the icalendar library."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
from commission_helpers import session
from instruction_helpers import d_candidate, d_complete, d_instructor

from certcli.domain import assignment, instruction

DAY = dt.date(2026, 5, 4)
PARIS = ZoneInfo("Europe/Paris")


def _office(cli, store):
    """Three sessions (one cancelled) and two interviews (one cancelled, one moved)."""
    paul = d_instructor(store, "Paul Girard")
    refs = []
    for first in ("Léa", "Marc"):
        ref = d_complete(store, d_candidate(store, first, "Martin"))
        assignment.assign(store, ref, instructor_id=paul, date=DAY)
        refs.append(ref)
    instruction.interview(store, refs[0], at="2026-05-12 14:30", date=DAY)
    instruction.interview(store, refs[1], at="2026-05-13 10:00", minutes=45, date=DAY)
    award = session(cli, "2026-06-15")
    cpne = session(cli, "2026-07-07", "cpne")
    late = session(cli, "2026-12-08")
    return {"refs": refs, "award": award, "cpne": cpne, "late": late}


def _export(cli, path, *extra):
    cli.ok("calendar", "export", "--out", path, "--force", *extra)
    return icalendar.Calendar.from_ical(path.read_bytes())


def test_sessions_and_interviews_as_icalendar(cli, store, tmp_path):
    office = _office(cli, store)
    first = _export(cli, tmp_path / "a.ics")
    events = first.walk("VEVENT")
    assert len(events) == 5
    assert [tz["TZID"] for tz in first.walk("VTIMEZONE")] == ["Europe/Paris"]
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {
        f"session-{office['award']}@opqtecc.org",
        f"session-{office['cpne']}@example.org",
        f"session-{office['late']}@opqtecc.org",
        "interview-1@opqtecc.org",
        "interview-2@opqtecc.org",
    }
    award = by_uid[f"session-{office['award']}@opqtecc.org"]
    start = award.decoded("DTSTART")
    assert start == dt.datetime(2026, 6, 15, 14, 0, tzinfo=PARIS)
    assert str(start.tzinfo) == "Europe/Paris" and award["DTSTART"].params["TZID"] == "Europe/Paris"
    assert start.utcoffset() == dt.timedelta(hours=2)  # summer time
    assert award.decoded("DTEND") - start == dt.timedelta(minutes=180)
    assert "Commission d'attribution" in str(award["SUMMARY"])
    assert "8 avenue Exemple" in str(award["LOCATION"])
    late = by_uid[f"session-{office['late']}@opqtecc.org"].decoded("DTSTART")
    assert late.utcoffset() == dt.timedelta(hours=1)  # winter time
    interview = by_uid["interview-1@opqtecc.org"]
    assert interview.decoded("DTSTART") == dt.datetime(2026, 5, 12, 14, 30, tzinfo=PARIS)
    assert office["refs"][0] in str(interview["SUMMARY"])
    assert {str(e["STATUS"]) for e in events} == {"CONFIRMED"}

    # Corrections: a session cancelled, an interview cancelled, one moved.
    cli.ok("commission", "cancel", office["late"], "--reason", "salle indisponible")
    cli.ok("dossier", "interview-cancel", office["refs"][0], "--interview", 1,
           "--reason", "candidat indisponible", "--date", "2026-05-05")  # fmt: skip
    cli.ok("dossier", "interview-move", office["refs"][1], "--interview", 2, "--at",
           "2026-05-15 11:00", "--reason", "à sa demande", "--date", "2026-05-05")  # fmt: skip
    second = _export(cli, tmp_path / "b.ics")
    again = {str(e["UID"]): e for e in second.walk("VEVENT")}
    assert set(again) == set(by_uid)  # stable UIDs: re-importing updates
    assert str(again[f"session-{office['late']}@opqtecc.org"]["STATUS"]) == "CANCELLED"
    assert str(again["interview-1@opqtecc.org"]["STATUS"]) == "CANCELLED"
    moved = again["interview-2@opqtecc.org"]
    assert moved.decoded("DTSTART") == dt.datetime(2026, 5, 15, 11, 0, tzinfo=PARIS)
    assert moved.decoded("DTEND") - moved.decoded("DTSTART") == dt.timedelta(minutes=45)
    assert int(moved["SEQUENCE"]) > int(by_uid["interview-2@opqtecc.org"]["SEQUENCE"])
    assert str(again[f"session-{office['award']}@opqtecc.org"]["STATUS"]) == "CONFIRMED"


def test_export_range_and_json(cli, store, tmp_path):
    office = _office(cli, store)
    cal = _export(cli, tmp_path / "june.ics", "--from", "2026-06-01", "--to", "2026-07-31")
    assert sorted(str(e["UID"]) for e in cal.walk("VEVENT")) == [
        f"session-{office['award']}@opqtecc.org",
        f"session-{office['cpne']}@example.org",
    ]
    listed = cli.json("calendar", "export", "--from", "2026-05-13", "--to", "2026-05-13")
    assert [(e["uid"], e["start"], e["status"]) for e in listed] == [
        ("interview-2@opqtecc.org", "2026-05-13T10:00", "CONFIRMED")
    ]
    assert (
        "before --from"
        in cli.fails("calendar", "export", "--from", "2026-06-01", "--to", "2026-05-01").stderr
    )
    text = cli.ok("calendar", "export").stdout
    assert text.startswith("BEGIN:VCALENDAR") and text.count("BEGIN:VEVENT") == 5
