"""A per-event .ics file so a delegate can add the day to their calendar in one click."""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar, Event

from event_site.metadata import EventMeta


def event_calendar(meta: EventMeta, slug: str, url: str, organiser_name: str, organiser_email: str, stamp: datetime) -> bytes:
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
    # Only the year around the event, so the file stays a few hundred bytes.
    calendar.add_missing_timezones(first_date=date(meta.date.year - 1, 1, 1), last_date=date(meta.date.year + 1, 12, 31))
    return calendar.to_ical()
