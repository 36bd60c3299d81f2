"""A per-event .ics file so a delegate can add the day to their calendar in one click."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from icalendar import Calendar, Event, Timezone

from pelican.plugins.event_site.metadata import EventMeta

_END = b"END:VCALENDAR\r\n"


def event_calendar(
    meta: EventMeta, slug: str, url: str, organiser_name: str, organiser_email: str, stamp: datetime
) -> bytes:
    """The bytes icalendar's Calendar.to_ical() gives for the event with its VTIMEZONEs added.

    Only the VEVENT is serialised per event: the calendar's own lines and each VTIMEZONE (over half
    the file) are serialised once per build and spliced in, as to_ical() concatenates components.
    """
    event = Event()
    event.add("uid", f"{slug}@{organiser_email.split('@')[-1]}")
    event.add("dtstamp", stamp)
    event.add("dtstart", meta.start)
    event.add("dtend", meta.end)
    event.add("summary", meta.title)
    event.add("location", "Online" if meta.format == "virtual" else meta.venue)
    event.add("url", url)
    event.add("description", f"{meta.title}\n{url}")
    event.add("organizer", f"mailto:{organiser_email}", parameters={"CN": organiser_name})
    zones = b"".join(_vtimezone(tzid, meta.date.year) for tzid in sorted(_tzids(event)))
    return _calendar_head(organiser_name) + zones + event.to_ical() + _END


def _tzids(event: Event) -> set[str]:
    """The zones the event refers to that need a VTIMEZONE, as Calendar.get_missing_tzids() finds them."""
    calendar = Calendar()
    calendar.add_component(event)
    return calendar.get_missing_tzids()


@lru_cache(maxsize=16)
def _calendar_head(organiser_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{organiser_name}//Event site//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    ical: bytes = calendar.to_ical()
    return ical.removesuffix(_END)


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, year: int) -> bytes:
    """The zone's rules for the year around the event only, so the file stays a few hundred bytes."""
    try:
        zone = Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31))
    except ValueError:  # a zone icalendar does not know is left out, as add_missing_timezones() does
        return b""
    ical: bytes = zone.to_ical()
    return ical
