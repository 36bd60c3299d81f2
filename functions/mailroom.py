"""The mail room as the function's settings configure it: who messages are from, what a message about a booking
says besides the booking (its event, payment, manage link), and the mail server (SMTP_URL or MAIL_OUTBOX)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.content.events import event_facts
from adapters.content.fees import category_label
from adapters.mail.compose import DEFAULT_FROM, About, Letterhead, Payment, organiser_details
from adapters.mail.send import MailSession
from booking.life import Booking
from flows.payments import Mailroom

if TYPE_CHECKING:
    from functions.settings import Settings


def letterhead(settings: Settings) -> Letterhead:
    organiser = organiser_details(settings.organiser_path)
    organisers = settings.contact_email or (str(organiser.bookings.email) if organiser else None)
    return Letterhead(
        sender=settings.mail_from or DEFAULT_FROM,
        organisers=organisers,
        site_url=settings.site_url,
        organiser=organiser,
    )


def about(settings: Settings, booking: Booking) -> About:
    """What a message about `booking` needs: the event's facts, the category's label, how it was paid (the receipt
    or invoice Stripe made) and the booker's manage link."""
    from functions.manage import booker_link

    record = booking.record
    assert settings.events_dir is not None
    facts = event_facts(record.event, settings.events_dir)
    payment = Payment(
        "free" if record.gross_pence == 0 else record.payment,
        record.gross_pence,
        "GBP",
        record.invoice_number,
        record.invoice_url,
    )
    source = record.payment_intent or record.invoice_id
    return About(
        record=record,
        event=facts,
        category_label=category_label(settings.fees_path, record.event, record.category),
        payment=payment,
        links={"manage": booker_link(record.ref, source, facts, settings)},
    )


def mailroom(settings: Settings) -> Mailroom:
    return Mailroom(
        letterhead=letterhead(settings),
        about=lambda booking: about(settings, booking),
        session=lambda: MailSession(settings.smtp_url, settings.mail_outbox),
    )
