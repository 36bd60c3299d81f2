"""`python -m bookings joining EVENT --link URL [--dry-run]`: e-mail each confirmed delegate the joining details, once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import TextIO
from urllib.parse import urlsplit

from adapters.content.events import EventFacts
from booking.life import Booking, Kind
from bookings.context import CliError, MailSettings, Organiser, known_event, open_store, store_errors, uk_now
from bookings.delivery import event_bookings, plan, progress_printer, report, send

PROGRESS_EVERY = 25


def check_link(link: str) -> str:
    """The meeting link as given, if it is an https:// address a delegate can open; else CliError."""
    text = link.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in text):
        raise CliError(f"--link must be the meeting's https:// address, like https://zoom.us/j/123, not {text[:80]!r}")
    return text


def is_over(event: EventFacts, now: datetime) -> bool:
    """Whether the event has ended, in UK time (its Ends time, or the end of its day)."""
    assert event.day is not None
    try:
        ends = time.fromisoformat(event.ends) if event.ends else time(23, 59, 59)
    except ValueError:
        ends = time(23, 59, 59)
    return (now.date(), now.time()) > (event.day, ends)


def joining(
    event_slug: str,
    link: str,
    dry_run: bool,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    now: Callable[[], datetime],
) -> int:
    link = check_link(link)
    event = known_event(environ, event_slug)
    if is_over(event, uk_now(now)):
        raise CliError(
            f"{event_slug} took place on {event.when or event.day}: joining instructions are for events to come"
        )
    mail = None if dry_run else MailSettings.from_env(environ)
    organiser = Organiser.from_env(environ)
    store = open_store(environ)
    with store_errors(store):
        todo = plan(event_bookings(store, event_slug, stderr), Kind.JOINING)
        if dry_run:
            for place in todo.due:
                print(f"would send to {place.label}", file=stdout)
            print(
                f"would send {len(todo.due)}, already had them {todo.already}, skipped (cancelled) {todo.cancelled}",
                file=stdout,
            )
            return 0
        assert mail is not None
        from adapters.mail.compose import About

        def about(booking: Booking) -> About:
            return About(record=booking.record, event=event, links={"joining": link}, extra={"organiser": organiser})

        progress = progress_printer("joining instructions", lambda: PROGRESS_EVERY, stderr)
        with mail.session() as session:
            outcome = send(
                store, Kind.JOINING, todo.due, todo.places, about, mail.letterhead(organiser), session, progress
            )
    return report(outcome, todo.already, todo.cancelled, stdout, stderr)
