"""`python -m bookings joining EVENT --link URL [--dry-run]`: e-mail each confirmed delegate the joining details, once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time
from typing import TextIO
from urllib.parse import urlsplit

from adapters.content.events import EventFacts
from bookings.context import CliError, MailSettings, Organiser, known_event, stripe_client, stripe_errors, uk_now
from bookings.delivery import deliver, event_bookings, plan

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
    api, where = stripe_client(environ, "joining")
    found = event_bookings(api, where, event_slug, stderr)
    todo = plan(found, "joining_sent")
    if dry_run:
        for place in todo.due:
            print(f"would send to {place.label}", file=stdout)
        print(
            f"would send {len(todo.due)}, already had them {todo.already}, skipped (cancelled) {todo.cancelled}",
            file=stdout,
        )
        return 0
    assert mail is not None
    from adapters.mail.send import MailSession
    from bookings.messages import joining_message

    def progress(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or (done == total and total > PROGRESS_EVERY):
            print(f"bookings: joining instructions {done} of {total}", file=stderr, flush=True)

    with MailSession(mail.smtp_url, mail.outbox) as session:
        outcome = stripe_errors(
            where,
            lambda: deliver(
                api,
                todo.due,
                "joining_sent",
                lambda place: joining_message(place, event, link, mail, organiser),
                session,
                progress,
            ),
        )
    print(f"sent {outcome.sent}, already had them {todo.already}, skipped (cancelled) {todo.cancelled}", file=stdout)
    for failure in outcome.failures:
        print(f"bookings: not sent: {failure}", file=stderr)
    if outcome.failures:
        print(f"bookings: {len(outcome.failures)} not sent; run the same command again to retry them", file=stderr)
        return 1
    return 0
