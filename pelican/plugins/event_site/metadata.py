"""The spec of an event's Markdown header, checked from the raw text so Pelican cannot skip a file silently."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import markdown
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from pricing import Problem
from pricing.models import SLUG_PATTERN, UK

FORMATS = ("virtual", "in-person", "hybrid")
# Pelican's own header fields an organiser may also write.
_PELICAN_FIELDS = {"slug", "summary", "status", "modified"}


def _time(value: Any) -> time:
    try:
        parsed = time.fromisoformat(value.strip())
        if len(value.strip()) != 5:
            raise ValueError
    except (ValueError, AttributeError):
        raise PydanticCustomError(
            "time_format", 'must be a 24-hour UK time like 09:30, not "{value}"', {"value": value}
        ) from None
    return parsed


class EventMeta(BaseModel):
    """What an event page needs besides its prose; one field per header line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200)
    date: date
    starts: time
    ends: time
    format: str
    venue: str = ""
    hashtag: str = ""
    cpd_hours: Decimal | None = None
    also_of_interest: tuple[str, ...] = ()
    supporters: tuple[str, ...] = ()
    slug: str = ""
    summary: str = ""
    status: Literal["published", "draft", "hidden"] = "published"
    modified: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> dt.date:  # `date` here would be the field
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise PydanticCustomError(
                "date_format", 'must be the day of the event like 2027-09-14, not "{value}"', {"value": value}
            ) from None

    @field_validator("starts", "ends", mode="before")
    @classmethod
    def _hhmm(cls, value: Any) -> time:
        return _time(value)

    @field_validator("format", mode="before")
    @classmethod
    def _known_format(cls, value: Any) -> str:
        text = str(value).strip().lower()
        if text not in FORMATS:
            raise PydanticCustomError(
                "format_unknown", 'must be one of {known}, not "{value}"', {"known": ", ".join(FORMATS), "value": value}
            )
        return text

    @field_validator("hashtag", mode="before")
    @classmethod
    def _hashtag(cls, value: Any) -> str:
        text = str(value).strip().lstrip("#")
        if not text.replace("_", "").isalnum():
            raise PydanticCustomError(
                "hashtag_format",
                'must be one word of letters and digits like #CaldicottPolice, not "{value}"',
                {"value": value},
            )
        return text

    @field_validator("cpd_hours", mode="before")
    @classmethod
    def _cpd(cls, value: Any) -> Decimal:
        try:
            hours = Decimal(str(value).strip())
        except InvalidOperation:
            hours = Decimal(-1)
        if not hours.is_finite() or not 0 < hours <= 24:
            raise PydanticCustomError(
                "cpd_format",
                'must be a number of hours between 0 and 24 like 5 or 5.5, not "{value}"',
                {"value": value},
            )
        return hours

    @field_validator("also_of_interest", "supporters", mode="before")
    @classmethod
    def _list(cls, value: Any) -> tuple[str, ...]:
        separator = ";" if ";" in str(value) else ","
        return tuple(part.strip() for part in str(value).split(separator) if part.strip())

    @field_validator("also_of_interest")
    @classmethod
    def _slugs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for slug in value:
            if not re.match(SLUG_PATTERN, slug):
                raise PydanticCustomError(
                    "slug_format",
                    'must list event file names without .md, like records-retention-2027, not "{value}"',
                    {"value": slug},
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EventMeta:
        for field, message in consistency(self.starts, self.ends, self.format, self.venue):
            raise PydanticCustomError("inconsistent", "{field}: {message}", {"field": field, "message": message})
        return self

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date, self.starts, tzinfo=UK)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.date, self.ends, tzinfo=UK)


def consistency(starts: time, ends: time, format: str, venue: str) -> list[tuple[str, str]]:
    """Checks across fields, as (field, message); run even when other fields have problems."""
    found = []
    if ends <= starts:
        found.append(("ends", f"must be later than starts ({starts.strftime('%H:%M')})"))
    if format != "virtual" and not venue.strip():
        found.append(("venue", f"is required for an event that is {format}"))
    return found


_MESSAGES = {
    "missing": "is required but missing",
    "string_too_short": "must not be empty",
    "literal_error": "must be one of published, draft, hidden",
}


@lru_cache(maxsize=1)
def _header_reader() -> markdown.Markdown:
    """One Markdown instance for every event's header: making one costs more than reading a header."""
    return markdown.Markdown(extensions=["markdown.extensions.meta"])


def header_block(text: str) -> str:
    """The lines before the first blank one: all the meta extension reads, so the prose is not converted twice."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # Markdown's own line breaks
    blank = next((i for i, line in enumerate(lines) if line.strip() == ""), len(lines))
    return "\n".join(lines[:blank])


def read_header(path: Path) -> dict[str, str]:
    """The header lines of a Markdown file as Python-Markdown (and so Pelican) reads them."""
    md = _header_reader()
    md.reset()
    md.convert(header_block(path.read_text(encoding="utf-8")))
    return {key: " ".join(lines).strip() for key, lines in md.Meta.items()}


def check_event_file(
    path: Path, display: str, header: dict[str, str] | None = None
) -> tuple[EventMeta | None, list[Problem]]:
    """Check one event file's header (as Pelican's reader kept it, else read here); return the model or every problem."""
    if header is None:
        try:
            header = read_header(path)
        except (OSError, UnicodeDecodeError) as exc:
            return None, [Problem(display, "(file)", f"cannot be read: {exc}")]
    problems: list[Problem] = []
    if header.get("slug") and header["slug"] != path.stem:
        problems.append(
            Problem(display, "slug", f'must match the file name "{path.stem}" (or be left out), not "{header["slug"]}"')
        )
    known = sorted(set(EventMeta.model_fields) - _PELICAN_FIELDS)
    for key in header.keys() - EventMeta.model_fields.keys():
        problems.append(
            Problem(display, key, f"is not a field an event knows (check the spelling; known: {', '.join(known)})")
        )
    try:
        meta = EventMeta.model_validate({k: v for k, v in header.items() if k in EventMeta.model_fields})
    except ValidationError as exc:
        failed = set()
        for error in exc.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"])
            failed.add(field)
            message = _MESSAGES.get(error["type"], error["msg"])
            if not field and ": " in message:  # the cross-field checks name their own field
                field, message = message.split(": ", 1)
            problems.append(Problem(display, field or "(header)", message))
        if not failed & {"starts", "ends", "format", ""}:
            starts, ends = _time(header["starts"]), _time(header["ends"])
            fmt = EventMeta._known_format(header["format"])
            problems.extend(Problem(display, f, m) for f, m in consistency(starts, ends, fmt, header.get("venue", "")))
        return None, problems
    return (None if problems else meta), problems
