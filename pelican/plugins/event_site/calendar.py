"""A per-event .ics file so a delegate can add the day to their calendar in one click."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from icalendar import Calendar, Event, Timezone

from pelican.plugins.event_site.metadata import EventMeta


def event_calendar(
    meta: EventMeta, slug: str, url: str, organiser_name: str, organiser_email: str, stamp: datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{organiser_name}//Event site//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
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
    calendar.add_component(event)
    # What add_missing_timezones() does, but each VTIMEZONE is built once per build, not per event.
    zones = [_vtimezone(tzid, meta.date.year) for tzid in sorted(calendar.get_missing_tzids())]
    calendar.subcomponents[:0] = [zone for zone in zones if zone is not None]
    return calendar.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, year: int) -> Timezone | None:
    """The zone's rules for the year around the event only, so the file stays a few hundred bytes."""
    try:
        return Timezone.from_tzid(tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31))
    except ValueError:  # a zone icalendar does not know is left out, as add_missing_timezones() does
        return None
