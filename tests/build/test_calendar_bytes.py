"""The .ics the plugin writes is byte for byte what icalendar writes for the whole calendar, though it serialises less."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event
from icalendar.parser import Contentline

from pelican.plugins.event_site.calendar import event_calendar, fold_ascii
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
    _same_bytes(title, venue, name, in_person, day)


def _same_bytes(title: str, venue: str, name: str, in_person: bool, day: date) -> None:
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


ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=200).filter(str.strip)
# Lines dense in what folding must not split (escapes), around the fold's 74-character boundaries.
escapes = st.text(st.sampled_from(["a", "\\", "^", ";", ",", ":", " ", '"']), min_size=60, max_size=320)


@settings(max_examples=300, deadline=None)
@given(line=st.one_of(ascii_text, escapes))
def test_an_ascii_line_is_folded_as_icalendar_folds_it(line: str) -> None:
    assert fold_ascii(line).encode("ascii") == Contentline(line).to_ical()


@settings(max_examples=60, deadline=None)
@given(
    title=ascii_text,
    venue=ascii_text,
    name=ascii_text,
    in_person=st.booleans(),
    day=st.dates(date(2025, 1, 1), date(2035, 12, 31)),
)
def test_an_ascii_ics_is_what_icalendar_writes_for_the_whole_calendar(
    title: str, venue: str, name: str, in_person: bool, day: date
) -> None:
    """Every line ASCII, so every line goes through fold_ascii, titles and names long enough to fold."""
    _same_bytes(title, venue, name, in_person, day)
