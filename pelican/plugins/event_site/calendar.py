"""A per-event .ics file so a delegate can add the day to their calendar in one click."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from icalendar import Calendar, Event, Timezone

from pelican.plugins.event_site.metadata import EventMeta

_END = b"END:VCALENDAR\r\n"
_FOLD = 74  # characters of an ASCII line before a fold, as icalendar's _foldline(limit=75) leaves them


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
    return _calendar_head(organiser_name) + zones + _vevent(event) + _END


def _vevent(event: Event) -> bytes:
    """event.to_ical(): its content lines from icalendar, folded here when ASCII (as nearly every line is)."""
    return b"".join(
        (fold_ascii(line).encode("ascii") if line.isascii() else line.to_ical()) + b"\r\n"
        for line in event.content_lines()
        if line
    )


def fold_ascii(line: str) -> str:
    """An ASCII content line folded as icalendar folds it (RFC 5545: at most 75 octets a line): 74 characters
    before each CRLF, so a continuation line with its leading space is 75, and a backslash or caret that would
    end a line moved to the next, so no escape is split. A slice per line, not icalendar's loop over every
    character measuring each one's UTF-8 length."""
    if len(line) <= _FOLD:
        return line
    parts = []
    start = 0
    while len(line) - start > _FOLD:
        end = start + _FOLD
        if line[end - 1] in "\\^":
            end -= 1
        parts.append(line[start:end])
        start = end
    parts.append(line[start:])
    return "\r\n ".join(parts)


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
