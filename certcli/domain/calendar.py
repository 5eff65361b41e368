"""Every commission session and every phone interview as iCalendar events, for
Outlook or Thunderbird (`certcli calendar export`).

Each event's UID is its record's (`session-12@opqtecc.org`, `interview-7@…`), so a
second export imported again updates the events rather than duplicating them; its
SEQUENCE counts the corrections (moves, cancellation) so that the calendar takes
the newer one. Times are Europe/Paris wall-clock times, with their VTIMEZONE; a
cancelled session or interview is exported with STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certcli.domain import attendance
from certcli.errors import ValidationError
from certcli.records import dataclass
from certcli.rules import dates, schemes

if TYPE_CHECKING:
    from certcli.rules.schemes import Body
    from certcli.store import Store

TIME_ZONE = "Europe/Paris"
KIND_TITLES = {"award": "award", "appeal": "appeal", "cpne": "cpne"}
PRODID = "-//certcli//commission sessions and interviews//FR"


@dataclass
class Event:
    uid: str
    summary: str
    start: dt.datetime  # naive, Europe/Paris wall-clock time
    minutes: int
    location: str | None
    description: str
    cancelled: bool
    sequence: int
    kind: str  # session | interview

    def to_dict(self) -> dict:
        return {
            "uid": self.uid,
            "summary": self.summary,
            "start": self.start.isoformat(timespec="minutes"),
            "minutes": self.minutes,
            "location": self.location,
            "description": self.description,
            "status": "CANCELLED" if self.cancelled else "CONFIRMED",
            "sequence": self.sequence,
            "kind": self.kind,
        }


def _domain(body: Body) -> str:
    """The right-hand side of the UIDs: the body's e-mail domain, else its code."""
    if body.email and "@" in body.email:
        return body.email.rsplit("@", 1)[1].lower()
    return f"{body.code}.certcli.invalid"


def _time(text: str) -> dt.time:
    hour, minute = (int(p) for p in text.split(":"))
    return dt.time(hour, minute)


def events(
    store: Store, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[Event]:
    """The sessions and interviews from `start` to `end` (both included), in time order."""
    if start is not None and end is not None and end < start:
        raise ValidationError(
            f"--to {end.isoformat()} is before --from {start.isoformat()}: nothing to export"
        )
    low = start.isoformat() if start else None
    high = end.isoformat() if end else None
    found: list[Event] = []
    for row in store.calendar_sessions(low, high):
        settings = attendance.settings(row["kind"])
        day = dates.from_iso(row["date"])
        found.append(
            Event(
                uid=f"session-{row['id']}@{_domain(settings.body)}",
                summary=f"{settings.title} – séance du {dates.format_fr(day)}",
                start=dt.datetime.combine(day, _time(settings.start)),
                minutes=settings.minutes,
                location=settings.place,
                description=(
                    f"certcli session {row['id']} ({row['kind']}): "
                    f"{row['on_agenda']} dossier(s) à l'ordre du jour"
                ),
                cancelled=row["status"] == "cancelled",
                sequence=row["corrections"],
                kind="session",
            )
        )
    for row in store.calendar_interviews(low, high):
        body = schemes.get(row["scheme"]).body
        who = f"{row['first_name']} {row['last_name']}"
        with_whom = f" avec {row['instructor_name']}" if row["instructor_name"] else ""
        phone = f", tél. {row['phone']}" if row["phone"] else ""
        found.append(
            Event(
                uid=f"interview-{row['id']}@{_domain(body)}",
                summary=f"Entretien téléphonique – {who} (dossier {row['ref']})",
                start=dt.datetime.strptime(row["at"], "%Y-%m-%d %H:%M"),
                minutes=row["minutes"],
                location=None,
                description=f"Dossier {row['ref']}{with_whom}{phone} ({row['status']})",
                cancelled=row["status"] == "cancelled",
                sequence=row["corrections"],
                kind="interview",
            )
        )
    return sorted(found, key=lambda e: (e.start, e.uid))


def ics(found: list[Event], *, stamp: dt.datetime) -> bytes:
    """The iCalendar file of `found` (RFC 5545), with the Europe/Paris VTIMEZONE;
    `stamp` is the DTSTAMP of every event (when the file was made, UTC)."""
    from zoneinfo import ZoneInfo

    import icalendar

    paris = ZoneInfo(TIME_ZONE)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", TIME_ZONE)
    for event in found:
        item = icalendar.Event()
        item.add("uid", event.uid)
        item.add("dtstamp", stamp)
        item.add("summary", event.summary)
        starts = event.start.replace(tzinfo=paris)
        item.add("dtstart", starts)
        item.add("dtend", starts + dt.timedelta(minutes=event.minutes))
        if event.location:
            item.add("location", event.location)
        item.add("description", event.description)
        item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        item.add("sequence", event.sequence)
        item.add("categories", [event.kind])
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()
