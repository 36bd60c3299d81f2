"""`python -m bookings certificates EVENT --output DIR [--attended CSV] [--send]`: one CPD certificate (PDF) per delegate.

With --attended, only delegates whose e-mail address is in the Zoom or Teams attendance report get one;
with --send, each delegate is e-mailed theirs once (recorded in the booking record's `certificate_sent`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TextIO

from adapters.content.events import EventFacts
from bookings.attendance import AttendanceError, Attendee, normalise_email, read_attendance
from bookings.certificate_pdf import Certificate, Uncovered, hours_text, render, uncovered
from bookings.context import CliError, MailSettings, Organiser, known_event, stripe_client, stripe_errors, uk_now
from bookings.delivery import Place, deliver, event_bookings, plan
from bookings.joining import is_over

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
    api, where = stripe_client(environ, "certificates")
    found = event_bookings(api, where, event_slug, stderr)
    todo = plan(found, "certificate_sent")
    places = todo.places if attendees is None else _attending(todo.places, attendees, event_slug, stderr)
    pdfs, problems = _write(places, event, organiser, output, stderr)
    print(f"wrote {len(pdfs)} certificates to {output}", file=stdout)
    if send:
        assert mail is not None
        problems += _send(api, where, places, pdfs, event, mail, organiser, stdout, stderr, todo.cancelled)
    for problem in problems:
        print(f"bookings: {problem}", file=stderr)
    return 1 if problems else 0


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


Written = dict[tuple[str, int], tuple[str, bytes]]  # (Stripe id, position) -> (file name, PDF)


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
        written[(place.booking.stripe_id, place.position)] = (filename, pdf)
        if done % PROGRESS_EVERY == 0:
            print(f"bookings: certificates {done} of {len(places)}", file=stderr, flush=True)
    return written, problems


def _send(
    api: Any,
    where: str,
    places: list[Place],
    pdfs: Written,
    event: EventFacts,
    mail: MailSettings,
    organiser: Organiser,
    stdout: TextIO,
    stderr: TextIO,
    cancelled: int,
) -> list[str]:
    """E-mail each written certificate not sent before; the summary line on stdout, failures returned."""
    from adapters.mail.send import MailSession
    from bookings.messages import certificate_message

    already = sum(1 for p in places if p.position in p.record.certificate_sent)
    due = [
        p for p in places if p.position not in p.record.certificate_sent and (p.booking.stripe_id, p.position) in pdfs
    ]

    def message(place: Place) -> EmailMessage:
        filename, pdf = pdfs[(place.booking.stripe_id, place.position)]
        number = certificate_number(place.record.ref, place.number)
        return certificate_message(place, event, number, hours_text(event.cpd_hours), pdf, filename, mail, organiser)

    def progress(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0:
            print(f"bookings: certificates e-mailed {done} of {total}", file=stderr, flush=True)

    with MailSession(mail.smtp_url, mail.outbox) as session:
        outcome = stripe_errors(where, lambda: deliver(api, due, "certificate_sent", message, session, progress))
    print(f"sent {outcome.sent}, already had them {already}, skipped (cancelled) {cancelled}", file=stdout)
    return [f"not sent: {failure}" for failure in outcome.failures]
