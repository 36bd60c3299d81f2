"""`python -m bookings certificates EVENT --output DIR [--attended CSV] [--send]`: one CPD certificate (PDF) per delegate.

With --attended, only delegates whose e-mail address is in the Zoom or Teams attendance report get one;
with --send, each delegate is e-mailed theirs once: the booking records it (`certificate_sent`) in the same
write that puts the message, PDF attached, in the outbox (bookings.delivery).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from adapters.content.events import EventFacts
from booking.life import Booking, Kind
from bookings.attendance import AttendanceError, Attendee, normalise_email, read_attendance
from bookings.certificate_pdf import Certificate, Uncovered, hours_text, render, uncovered
from bookings.context import CliError, MailSettings, Organiser, known_event, open_store, store_errors, uk_now
from bookings.delivery import Place, Plan, event_bookings, plan, progress_printer, report
from bookings.delivery import send as send_due
from bookings.joining import is_over

if TYPE_CHECKING:
    from adapters.store import BookingStore

PROGRESS_EVERY = 25


def certificate_number(ref: str, number: int) -> str:
    """The booking reference and the delegate's number: CP-A8TDSP-02. Stable across reruns and substitutions."""
    return f"{ref}-{number:02d}"


def certificates(
    event_slug: str,
    output: Path,
    attended: Path | None,
    send: bool,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    now: Callable[[], datetime],
) -> int:
    event = known_event(environ, event_slug)
    assert event.day is not None
    if not event.cpd_hours:
        raise CliError(f"content/events/{event_slug}.md has no CPD_hours: add a line like CPD_hours: 5 to its header")
    organiser = Organiser.from_env(environ)
    for what, text in (
        (f"content/events/{event_slug}.md: Title", event.title),
        ("the organiser's name", organiser.name),
    ):
        if missing := uncovered(text):
            raise CliError(f"{what} {text!r} has characters the certificate's fonts lack: {' '.join(missing)}")
    if send and not is_over(event, uk_now(now)):
        raise CliError(f"{event_slug} has not taken place yet ({event.when}): send certificates after the event")
    attendees = None
    if attended is not None:
        try:
            attendees = read_attendance(attended)
        except AttendanceError as exc:
            raise CliError(str(exc)) from None
    mail = MailSettings.from_env(environ) if send else None
    store = open_store(environ)
    with store_errors(store):
        todo = plan(event_bookings(store, event_slug, stderr), Kind.CERTIFICATE)
        places = todo.places if attendees is None else _attending(todo.places, attendees, event_slug, stderr)
        pdfs, problems = _write(places, event, organiser, output, stderr)
        print(f"wrote {len(pdfs)} certificates to {output}", file=stdout)
        status = 0
        if mail is not None:
            status = _send(store, places, todo.places, pdfs, event, mail, organiser, stdout, stderr, todo)
    for problem in problems:
        print(f"bookings: {problem}", file=stderr)
    return 1 if problems else status


def _attending(places: list[Place], attendees: list[Attendee], event_slug: str, stderr: TextIO) -> list[Place]:
    """The places whose delegate is in the attendance report; who attended without a place is listed."""
    present = {normalise_email(a.email) for a in attendees}
    came = [p for p in places if normalise_email(p.delegate.email) in present]
    booked = {normalise_email(p.delegate.email) for p in places}
    print(
        f"bookings: {len(came)} delegates attended, {len(places) - len(came)} booked but not in the attendance report",
        file=stderr,
    )
    for stranger in (a for a in attendees if normalise_email(a.email) not in booked):
        who = f"{stranger.name} <{stranger.email}>" if stranger.name else stranger.email
        print(f"bookings: attended but not a delegate of {event_slug}: {who}", file=stderr)
    return came


Written = dict[tuple[str, int], tuple[str, bytes]]  # (booking reference, position) -> (file name, PDF)


def _write(
    places: list[Place], event: EventFacts, organiser: Organiser, output: Path, stderr: TextIO
) -> tuple[Written, list[str]]:
    """One PDF per place in `output`; the ones written, and a line for each that could not be."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create {output}: {exc.strerror}") from None
    written: Written = {}
    problems: list[str] = []
    for done, place in enumerate(places, start=1):
        number = certificate_number(place.record.ref, place.number)
        facts = Certificate(number, place.delegate.name, event.title, event.date_text, event.cpd_hours, organiser.name)
        try:
            pdf = render(facts)
        except Uncovered as exc:
            problems.append(f"no certificate for {place.label}: {exc}; make this one by hand")
            continue
        filename = f"certificate-{number}.pdf"
        (output / filename).write_bytes(pdf)
        written[(place.record.ref, place.position)] = (filename, pdf)
        if done % PROGRESS_EVERY == 0:
            print(f"bookings: certificates {done} of {len(places)}", file=stderr, flush=True)
    return written, problems


def _send(
    store: BookingStore,
    places: list[Place],
    attending: list[Place],
    pdfs: Written,
    event: EventFacts,
    mail: MailSettings,
    organiser: Organiser,
    stdout: TextIO,
    stderr: TextIO,
    todo: Plan,
) -> int:
    """E-mail each written certificate not sent before; the summary on stdout, what did not go on stderr."""
    from adapters.mail.compose import About

    done = {(p.record.ref, p.position) for p in todo.places} - {(p.record.ref, p.position) for p in todo.due}
    due = [p for p in places if (p.record.ref, p.position) in pdfs and (p.record.ref, p.position) not in done]
    already = sum(1 for p in places if (p.record.ref, p.position) in done)
    hours = hours_text(event.cpd_hours)

    def about(booking: Booking) -> About:
        ref = booking.record.ref
        mine = {position: pdf for (owner, position), pdf in pdfs.items() if owner == ref}
        return About(
            record=booking.record,
            event=event,
            extra={
                "organiser": organiser,
                "hours": hours,
                "attachments": mine,
                "per_delegate": {p: {"number": certificate_number(ref, p + 1)} for p in mine},
            },
        )

    def size(place: Place) -> int:
        return len(pdfs[(place.record.ref, place.position)][1]) * 4 // 3  # base64 in the message

    progress = progress_printer("certificates e-mailed", lambda: PROGRESS_EVERY, stderr)
    with mail.session() as session:
        outcome = send_due(
            store, Kind.CERTIFICATE, due, attending, about, mail.letterhead(organiser), session, progress, size
        )
    return report(outcome, already, todo.cancelled, stdout, stderr)
