"""The .ics the plugin writes is byte for byte what icalendar writes for the whole calendar, though it serialises less."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from pelican.plugins.event_site.calendar import event_calendar
from pelican.plugins.event_site.metadata import EventMeta

STAMP = datetime(2026, 11, 25, 9, tzinfo=UTC)


def whole_calendar(meta: EventMeta, slug: str, url: str, name: str, email: str) -> bytes:
    """The file as icalendar makes it in one piece: every component added, then to_ical()."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{name}//Event site//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{slug}@{email.split('@')[-1]}")
    event.add("dtstamp", STAMP)
    event.add("dtstart", meta.start)
    event.add("dtend", meta.end)
    event.add("summary", meta.title)
    event.add("location", "Online" if meta.format == "virtual" else meta.venue)
    event.add("url", url)
    event.add("description", f"{meta.title}\n{url}")
    event.add("organizer", f"mailto:{email}", parameters={"CN": name})
    calendar.add_component(event)
    year = meta.date.year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31))
    ical: bytes = calendar.to_ical()
    return ical


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=160).filter(
    str.strip
)


@settings(max_examples=60, deadline=None)
@given(
    title=text,
    venue=text,
    name=text,
    in_person=st.booleans(),
    day=st.dates(date(2025, 1, 1), date(2035, 12, 31)),
)
def test_the_ics_is_what_icalendar_writes_for_the_whole_calendar(
    title: str, venue: str, name: str, in_person: bool, day: date
) -> None:
    meta = EventMeta.model_validate(
        {
            "title": title[:200],
            "date": day.isoformat(),
            "starts": "09:30",
            "ends": "16:00",
            "format": "in-person" if in_person else "virtual",
            "venue": venue,
        }
    )
    url = "https://example.org/events/an-event/"
    expected = whole_calendar(meta, "an-event", url, name, "bookings@example.org")
    assert event_calendar(meta, "an-event", url, name, "bookings@example.org", STAMP) == expected
