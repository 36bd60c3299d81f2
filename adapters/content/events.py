"""An event's title, date, times and format for e-mails and pages, read from the header of its Markdown file.

The function has no Pelican, but the organiser's content/events/<slug>.md starts with plain
`Key: value` lines (Title, Date, Starts, Ends, Format, CPD_hours); reading those keeps one source of truth.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

_MAX_HEADER_LINES = 60


class EventFacts(NamedTuple):
    """What a confirmation says about the event; `day` is None when the file gives no usable date."""

    slug: str
    title: str
    day: date | None = None
    starts: str = ""
    ends: str = ""
    format: str = ""
    cpd_hours: str = ""  # as the organiser wrote it ("5", "5.5"); the build has checked it is a number

    @property
    def date_text(self) -> str:
        """'Tuesday 14 September 2027', or '' if the date is unknown."""
        return f"{self.day:%A} {self.day.day} {self.day:%B %Y}" if self.day else ""

    @property
    def when(self) -> str:
        """'Tuesday 14 September 2027, 09:30 to 16:00 (UK time)', or '' if the date is unknown."""
        text = self.date_text
        if not text:
            return ""
        if self.starts and self.ends:
            text += f", {self.starts} to {self.ends} (UK time)"
        elif self.starts:
            text += f", from {self.starts} (UK time)"
        return text

    @property
    def is_virtual(self) -> bool:
        return self.format.lower() in ("virtual", "online")


def event_facts(slug: str, events_dir: Path) -> EventFacts:
    """The facts for `slug`; a missing or unreadable file gives the slug as title (a booking is never refused for it)."""
    path = events_dir / f"{slug}.md"
    try:
        stat = path.stat()
    except OSError:
        return EventFacts(slug=slug, title=slug)
    return _read(str(path), slug, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _read(path: str, slug: str, _mtime_ns: int) -> EventFacts:
    header: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number >= _MAX_HEADER_LINES or not line.strip():
                    break
                key, sep, value = line.partition(":")
                if not sep:
                    break
                header[key.strip().lower()] = value.strip()
    except (OSError, UnicodeDecodeError):
        return EventFacts(slug=slug, title=slug)
    try:
        day = date.fromisoformat(header.get("date", "")[:10])
    except ValueError:
        day = None
    return EventFacts(
        slug=slug,
        title=header.get("title") or slug,
        day=day,
        starts=header.get("starts", ""),
        ends=header.get("ends", ""),
        format=header.get("format", ""),
        cpd_hours=header.get("cpd_hours", ""),
    )
