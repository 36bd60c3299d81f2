"""Requests confirmed by e-mail (an invoice booking, or one a discount code makes free): nothing reaches Stripe and
no one else is e-mailed until the booker follows a signed link.

POST /api/bookings stores the request (state requested: it holds no places and is not a booking) and sends the
booker one e-mail with a link signed (booking.links) for this one booking and this one purpose, carrying only
its reference, expiring with the request. GET on the link shows the booking as stored, with one button; POST
(the button) takes the places and creates and sends the Stripe invoice, or, for a £0 booking, confirms it
(the confirmations go) and records its £0 invoice; twice is once. The button is a POST so that mail scanners,
which open links to check them, cannot confirm a request on the booker's behalf.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote
from zoneinfo import ZoneInfo

from adapters.content.events import event_facts
from adapters.payments.client import StripeUnavailable
from booking.life import Booking, State, StripeFacts
from booking.links import LinkExpired, LinkInvalid, open_link, sign
from booking.priced import PricedBooking
from booking.record import BookingRecord
from booking.request import FieldError
from functions import pages
from functions.errors import BookingProblem, Unavailable
from functions.http import Request, Response, html_response, redirect
from functions.settings import Settings
from pricing import format_pence

PURPOSE = "confirm-invoice-request"
LINK_LIFETIME = timedelta(hours=48)
_REF = re.compile(r"^CP-[2-9A-HJKMNP-TV-Z]{6}$")
MAX_CONFIRM_BYTES = 70_000
# A stored request whose fee table entry or code was edited (or removed) before it was confirmed.
PRICES_CHANGED = "The prices or discount codes for this event have changed since you asked. Please book again."
UK = ZoneInfo("Europe/London")
log = logging.getLogger("booking.functions.invoice_request")


def requested_url(settings: Settings, ref: str, free: bool, is_quote: bool = False) -> str:
    """The page after submitting a request: check your e-mail."""
    flags = ("&free=1" if free else "") + ("&quote=1" if is_quote else "")
    return f"{settings.site_url}/api/bookings/invoice/requested?booking_ref={quote(ref)}{flags}"


def invoice_confirmation_url(settings: Settings, invoice_id: str) -> str:
    return f"{settings.site_url}/api/bookings/invoice?invoice_id={invoice_id}"


def free_confirmation_url(settings: Settings, invoice_id: str) -> str:
    return f"{settings.site_url}/api/bookings/confirmation?invoice_id={invoice_id}"


def request_confirmation(priced: PricedBooking, record: BookingRecord, settings: Settings) -> str:
    """Store the request and e-mail the booker the link that confirms it; the address of the page saying so."""
    from adapters.store import Conflict, LimitReached, StoreUnavailable
    from flows.booking import request, stamp
    from functions.bookings import code_limit, code_refused
    from functions.mailroom import mail

    free = priced.quote.total_pence == 0
    if not settings.link_secret:
        log.error("booking %s: request refused: BOOKING_LINK_SECRET is not set", priced.ref)
        if free:
            raise Unavailable("Booking with this discount code is not available just now. Please try later.")
        raise Unavailable("Booking by invoice is not available just now. Please pay by card, or try later.")
    now = settings.now()
    closes = priced.fees.events[record.event].booking_closes
    expires = min(now + LINK_LIFETIME, closes)
    record = record.model_copy(update={"request_expires": stamp(expires)})
    if record.po_to_follow:  # held from the booking for the fee table's days, never past booking close
        record = record.model_copy(update={"po_hold_until": stamp(priced.fees.po_hold_ends(record.event, now))})
    token = sign({"ref": priced.ref}, purpose=PURPOSE, secret=settings.link_secret, expires_at=int(expires.timestamp()))
    link = f"{settings.site_url}/api/bookings/invoice/confirm?token={token}"
    letters = mail(
        settings,
        links={"request": link},
        extra={"expires": f"{expires.astimezone(UK):%H:%M on %A %-d %B %Y}", "free": free},
    )
    try:
        step, delivery = request(settings.store(), record, letters, code_limit=code_limit(priced))
    except LimitReached:  # the code's last use went a moment ago
        raise code_refused() from None
    except (StoreUnavailable, Conflict) as exc:
        log.error("booking %s: request not stored: %s", priced.ref, type(exc).__name__)
        raise Unavailable("Online booking is not available just now. Please try again in a few minutes.") from None
    if delivery is not None and delivery.refused:
        # The booker's own address refused it for good: they must give another (a new request, a new reference).
        raise BookingProblem(
            422,
            [
                FieldError(
                    "contact.email",
                    "Our mail server could not deliver to your e-mail address: check it, or give another one",
                )
            ],
        )
    log.info(
        "booking %s: request %s for %d delegate(s), %d pence",
        priced.ref,
        "stored" if step.changed else "repeated",
        len(record.delegates),
        priced.quote.total_pence,
    )
    return requested_url(settings, priced.ref, free, record.is_quote)


def handle_requested(request: Request, settings: Settings) -> Response:
    """GET /api/bookings/invoice/requested: the page after submitting, saying plainly what to do next."""
    ref = request.query_param("booking_ref") or ""
    return html_response(
        200,
        pages.render(
            "invoice_requested.html",
            title="Check your e-mail to get your quotation"
            if request.query_param("quote") == "1"
            else "Check your e-mail to confirm your booking",
            ref=ref if _REF.match(ref) else "",
            free=request.query_param("free") == "1",
            is_quote=request.query_param("quote") == "1",
            hours=int(LINK_LIFETIME.total_seconds() // 3600),
        ),
    )


def handle_confirm(request: Request, settings: Settings) -> Response:
    """GET shows what the link will book, with one button; POST (the button) confirms it."""
    from adapters.store import StoreUnavailable

    token = _token(request)
    opened = _link_problem(token, settings)
    if isinstance(opened, Response):
        return opened
    ref = str(opened.get("ref", ""))
    if not _REF.match(ref):
        return _bad_link(settings)
    try:
        stored = settings.store().get(ref)
    except StoreUnavailable:
        return _try_later(settings)
    if stored is None:
        return _bad_link(settings)
    booking = Booking(stored.record, State(stored.state), stored.version)
    if booking.state == State.EXPIRED:
        return _expired(settings)
    if booking.state == State.CANCELLED:
        return html_response(
            409,
            pages.message_page(
                "This booking was cancelled",
                f"Booking {ref} was cancelled after it was confirmed. To book again, fill in the booking form.",
                contact_email=settings.contact_email,
            ),
        )
    record = booking.record
    free = record.gross_pence == 0
    if request.method == "GET" and booking.state == State.REQUESTED:
        assert settings.events_dir is not None
        return html_response(
            200,
            pages.render(
                "invoice_confirm.html",
                title=f"Confirm your booking {ref}",
                record=record,
                free=free,
                event=event_facts(record.event, settings.events_dir),
                total=format_pence(record.gross_pence),
                token=token,
            ),
        )
    if request.method == "GET":
        # Confirmed already: opening the link again (or a mail scanner opening it) changes nothing at Stripe.
        if record.invoice_id and not free:
            return redirect(invoice_confirmation_url(settings, record.invoice_id))
        return html_response(
            200,
            pages.message_page(
                f"Booking {ref} is confirmed",
                "This booking was confirmed from this link already: the confirmation e-mail has its details.",
                contact_email=settings.contact_email,
            ),
        )
    try:
        return _confirm(booking, settings)
    except StoreUnavailable:
        return _try_later(settings)


def _confirm(booking: Booking, settings: Settings) -> Response:
    """Confirm the request (or, when it is confirmed already, finish what the first confirmation started)."""
    from adapters.content.fees import fee_table
    from adapters.payments.invoices import finalise_invoice, record_free_booking, send_invoice, void_invoice
    from adapters.store import LimitReached
    from booking.priced import PricesChanged, priced_again
    from flows.booking import confirm_request
    from functions.bookings import check_open, sold_out
    from functions.mailroom import mail
    from pricing import QuoteError

    record = booking.record
    fees = fee_table(settings.fees_path)
    try:
        priced = priced_again(record, fees)
        if booking.state == State.REQUESTED:
            check_open(priced.booking, fees, settings)
    except (BookingProblem, QuoteError, PricesChanged) as exc:
        reason = " ".join(e.message for e in exc.errors) if isinstance(exc, BookingProblem) else PRICES_CHANGED
        return html_response(409, pages.message_page("This booking can no longer be made", reason))
    capacity = fees.events[record.event].places
    if record.is_quote or record.po_to_follow:
        from functions.quotes import confirm_held

        return confirm_held(booking, fees, settings)
    try:
        if record.gross_pence == 0:
            if booking.state == State.REQUESTED:
                letters = mail(settings)
                confirm_request(
                    settings.store(), record.ref, settings.now(), capacity=capacity, mail=letters, free=True
                )
            # Confirmed (now, or by the first press): its £0 invoice is the booker's VAT document.
            invoice = record_free_booking(priced, settings)
            log.info("booking %s: free booking confirmed, invoice %s", record.ref, invoice.id)
            return redirect(free_confirmation_url(settings, invoice.id))
        invoice_id = record.invoice_id
        if booking.state == State.REQUESTED or not invoice_id:
            invoice = finalise_invoice(priced, settings)
            invoice_id = invoice.id
        if booking.state == State.REQUESTED:
            facts = StripeFacts(
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                invoice_due=invoice.due,
                invoice_url=invoice.hosted_invoice_url,
            )
            store = settings.store()
            try:
                confirm_request(store, record.ref, settings.now(), capacity=capacity, mail=mail(settings), stripe=facts)
            except LimitReached:
                void_invoice(invoice.id, settings)  # finalised, never sent: no open invoice is left behind
                raise
        sent = send_invoice(invoice_id, settings)  # twice is once (the same idempotency key)
    except LimitReached:
        log.info("booking %s: sold out when confirmed", record.ref)
        message = " ".join(e.message for e in sold_out().errors)
        return html_response(409, pages.message_page("This event is sold out", f"{message} Nothing was booked."))
    except StripeUnavailable as exc:
        done = (
            "Your booking is confirmed and the e-mails are on their way, but its" if record.gross_pence == 0 else "Your"
        )
        return html_response(
            exc.status,
            pages.message_page(
                "Your invoice could not be sent just now"
                if record.gross_pence
                else "Your booking could not be finished",
                f"{exc.message} {done} invoice could not be made yet: follow the link in the e-mail again in a few minutes.",
                contact_email=settings.contact_email,
            ),
        )
    log.info("booking %s: invoice %s sent, %d pence due", record.ref, sent.id, sent.amount_due)
    return redirect(invoice_confirmation_url(settings, sent.id))


def _token(request: Request) -> str:
    if request.method == "POST":
        if len(request.body) > MAX_CONFIRM_BYTES:
            return ""
        values = parse_qs(request.body.decode("utf-8", "replace"))
        return (values.get("token") or [""])[0]
    return request.query_param("token") or ""


def _link_problem(token: str, settings: Settings) -> dict[str, Any] | Response:
    if not settings.link_secret:
        return html_response(
            503,
            pages.message_page(
                "Booking by invoice is not available just now",
                "Please try the link again later.",
                contact_email=settings.contact_email,
            ),
        )
    try:
        return open_link(token, purpose=PURPOSE, secret=settings.link_secret, now=settings.now().timestamp())
    except LinkExpired:
        return _expired(settings)
    except LinkInvalid:
        return _bad_link(settings)


def _expired(settings: Settings) -> Response:
    return html_response(
        410,
        pages.message_page(
            "This link has expired",
            "Nothing was booked and no invoice was sent. To book, fill in the booking form again.",
            contact_email=settings.contact_email,
        ),
    )


def _try_later(settings: Settings) -> Response:
    return html_response(
        503,
        pages.message_page(
            "We could not confirm your booking just now",
            "Nothing has changed yet. Please follow the link in the e-mail again in a few minutes.",
            contact_email=settings.contact_email,
        ),
    )


def _bad_link(settings: Settings) -> Response:
    return html_response(
        400,
        pages.message_page(
            "This link does not work",
            "It may have been cut short when it was copied: open it straight from the e-mail we sent. "
            "Nothing was booked and no invoice was sent.",
            contact_email=settings.contact_email,
        ),
    )
