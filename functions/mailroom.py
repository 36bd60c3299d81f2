"""The mail room as the function's settings configure it, for every flow alike: who messages are from, what a
message about a booking says besides the booking (its event, fee category, payment as recorded, its private
links), and the mail server (SMTP_URL or MAIL_OUTBOX)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from adapters.content.events import EventFacts, event_facts
from adapters.content.fees import category_label, fee_table
from booking.life import Booking, State
from booking.record import BookingRecord
from flows.advance import Mail
from functions.settings import Settings
from pricing import FeeTableError

# Composing and sending are imported when a message is composed or sent, not when a flow is handed its Mail: a card
# booking's start sends nothing, and its cold start need not load them.
if TYPE_CHECKING:
    from adapters.mail.compose import About, Letterhead, Payment
    from adapters.mail.send import MailSession


def mail(settings: Settings, *, links: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None) -> Mail:
    """How a flow's messages are composed and sent; `links` and `extra` add to what every message has (a
    request's confirmation link, say)."""

    def about_booking(booking: Booking) -> About:
        found = about(booking, settings)
        if booking.state == State.QUOTED and booking.record.quote_number and not (extra or {}).get("quote_pdf"):
            from functions.quotes import document, quote_pdf

            doc = document(booking, settings)
            found = replace(
                found,
                extra={**found.extra, "quote_pdf": quote_pdf(booking, settings), "quote_valid_until": doc.valid_until},
            )
        if not (links or extra):
            return found
        return replace(found, links={**found.links, **(links or {})}, extra={**found.extra, **(extra or {})})

    def session() -> MailSession:
        from adapters.mail.send import MailSession

        return MailSession(settings.smtp_url, settings.mail_outbox)

    return Mail(about=about_booking, letterhead=cache(lambda: letterhead(settings)), session=session)


def about(booking: Booking, settings: Settings) -> About:
    """What every message about `booking` needs: the event, the payment as recorded, and its links (the booker's
    manage link and each delegate's access-needs link, made for the booking as it is now stored)."""
    from adapters.mail.compose import About
    from flows import manage as flow

    record = booking.record
    assert settings.events_dir is not None
    facts = event_facts(record.event, settings.events_dir)
    expires = link_expiry(facts, settings)
    found = (
        flow.booking_links(record, site_url=settings.site_url, secret=settings.link_secret, expires=expires)
        if settings.link_secret and expires
        else {}
    )
    return About(
        record=record,
        event=facts,
        category_label=category_label(settings.fees_path, record.event, record.category),
        payment=payment_of(record),
        links={**found, **purchase_links(record, settings)},
    )


def purchase_links(record: BookingRecord, settings: Settings) -> dict[str, str]:
    """A quotation's private link (until it expires) and a PO-to-follow booking's PO link (until its hold ends),
    under the names of the messages that carry them."""
    from flows.purchase import po_url, quote_url

    if not settings.link_secret:
        return {}
    links = {}
    if record.is_quote and record.quote_expires:
        expires = datetime.fromisoformat(record.quote_expires)
        links["quote"] = quote_url(settings.site_url, record.ref, secret=settings.link_secret, expires=expires)
    if record.po_to_follow and record.po_hold_until:
        expires = datetime.fromisoformat(record.po_hold_until)
        url = po_url(settings.site_url, record.ref, secret=settings.link_secret, expires=expires)
        links.update({"po_link": url, "po_reminder": url})
    return links


def letterhead(settings: Settings) -> Letterhead:
    from adapters.mail.compose import DEFAULT_FROM, Letterhead, organiser_details

    return Letterhead(
        sender=settings.mail_from or DEFAULT_FROM,
        organisers=organisers_address(settings),
        site_url=settings.site_url,
        organiser=organiser_details(settings.organiser_path),
    )


def link_expiry(facts: EventFacts, settings: Settings) -> datetime | None:
    from flows import manage as flow

    try:
        fees = fee_table(settings.fees_path)
    except (FeeTableError, OSError):
        return None
    return flow.link_expiry(facts, fees) if facts.slug in fees.events else None


def payment_of(record: BookingRecord) -> Payment:
    """How the booking was paid, as its record says (Stripe's facts were written into it as they happened)."""
    from adapters.mail.compose import Payment

    method = "free" if record.amounts and record.gross_pence == 0 else record.payment
    return Payment(method, record.gross_pence, "GBP", record.invoice_number, record.invoice_url, record.invoice_pdf)


def organisers_address(settings: Settings) -> str | None:
    """Whom bookers write to, and where the organisers' copy goes: CONTACT_EMAIL, else content/organiser.yaml's."""
    from adapters.mail.compose import organiser_details

    if settings.contact_email:
        return settings.contact_email
    organiser = organiser_details(settings.organiser_path)
    return str(organiser.bookings.email) if organiser else None
