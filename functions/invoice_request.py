"""Invoice requests confirmed by e-mail: nothing reaches Stripe until the booker follows a signed link.

POST /api/bookings (payment=invoice) sends the booker one e-mail with a link that carries the whole request,
signed (booking.links) for this one booking and this one purpose, and expiring. GET on the link shows what
will be invoiced with one button; POST (the button) creates and sends the Stripe invoice (idempotently: twice
is once) and lands on the invoice page. The button is a POST so that mail scanners, which open links to check
them, cannot confirm a request on the booker's behalf.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import parse_qs, quote

from adapters.content.events import event_facts
from adapters.mail.compose import DEFAULT_FROM, TEMPLATES, recipient_address, template_environment
from adapters.mail.send import MailRefused, MailSession, MailUnavailable
from adapters.payments.client import StripeUnavailable
from booking.links import LinkExpired, LinkInvalid, open_link, sign
from booking.request import FieldError
from functions import pages
from functions.checkout import PricedBooking
from functions.errors import BookingProblem
from functions.http import Request, Response, html_response, redirect
from functions.settings import Settings
from pricing import format_pence

PURPOSE = "confirm-invoice-request"
LINK_LIFETIME = timedelta(hours=48)
_REF = re.compile(r"^CP-[2-9A-HJKMNP-TV-Z]{6}$")
MAX_CONFIRM_BYTES = 70_000
log = logging.getLogger("functions.invoice_request")


def request_invoice(priced: PricedBooking, settings: Settings) -> str:
    """E-mail the booker the link that confirms this invoice request; the address of the page saying so."""
    if not settings.link_secret:
        log.error(json.dumps({"msg": "invoice_request_refused", "reason": "BOOKING_LINK_SECRET is not set"}))
        raise StripeUnavailable(503, "Booking by invoice is not available just now. Please pay by card, or try later.")
    booking = priced.booking
    now = settings.now()
    closes = priced.fees.events[booking.event].booking_closes
    expires = min(now + LINK_LIFETIME, closes)
    payload = {"ref": priced.ref, "booking": booking.model_dump(mode="json", exclude={"website"})}
    token = sign(payload, purpose=PURPOSE, secret=settings.link_secret, expires_at=int(expires.timestamp()))
    link = f"{settings.site_url}/api/bookings/invoice/confirm?token={token}"
    message = _message(priced, settings, link, expires)
    try:
        with MailSession(settings.smtp_url, settings.mail_outbox) as session:
            session.send(message)
    except MailRefused as exc:
        if exc.temporary:
            raise StripeUnavailable(
                503, "We could not send the confirmation e-mail just now. Please try again."
            ) from None
        raise BookingProblem(
            422,
            [
                FieldError(
                    "contact.email",
                    "Our mail server could not deliver to your e-mail address: check it, or give another one",
                )
            ],
        ) from None
    except MailUnavailable:
        raise StripeUnavailable(503, "We could not send the confirmation e-mail just now. Please try again.") from None
    log.info(
        json.dumps(
            {
                "msg": "invoice_request_sent",
                "booking_ref": priced.ref,
                "event": booking.event,
                "delegates": len(booking.delegates),
                "total_pence": priced.quote.total_pence,
            }
        )
    )
    return f"{settings.site_url}/api/bookings/invoice/requested?booking_ref={quote(priced.ref)}"


def _message(priced: PricedBooking, settings: Settings, link: str, expires: Any) -> EmailMessage:
    booking = priced.booking
    assert booking.billing is not None and settings.events_dir is not None
    event = event_facts(booking.event, settings.events_dir)
    env = template_environment(str(TEMPLATES))
    context = {
        "booking": booking,
        "ref": priced.ref,
        "event": event,
        "total": format_pence(priced.quote.total_pence, priced.quote.currency),
        "link": link,
        "expires": f"{expires.astimezone(_uk()):%H:%M on %A %-d %B %Y}",
        "contact_email": settings.contact_email,
    }
    sender = settings.mail_from or DEFAULT_FROM
    message = EmailMessage()
    message["Subject"] = " ".join(f"Confirm your booking request: {event.title} ({priced.ref})".split())
    message["From"] = sender
    message["To"] = recipient_address(booking.contact)
    if settings.contact_email:
        message["Reply-To"] = settings.contact_email
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"{priced.ref}.request", domain=domain)
    message["X-Booking-Ref"] = priced.ref
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("invoice_request.txt").render(**context))
    message.add_alternative(env.get_template("invoice_request.html").render(**context), subtype="html")
    return message


def _uk() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


def handle_requested(request: Request, settings: Settings) -> Response:
    """GET /api/bookings/invoice/requested: the page after submitting, saying plainly what to do next."""
    ref = request.query_param("booking_ref") or ""
    return html_response(
        200,
        pages.render(
            "invoice_requested.html",
            title="Check your e-mail to confirm your booking",
            ref=ref if _REF.match(ref) else "",
            hours=int(LINK_LIFETIME.total_seconds() // 3600),
        ),
    )


def handle_confirm(request: Request, settings: Settings) -> Response:
    """GET shows what the link will book, with one button; POST (the button) sends the invoice."""
    from adapters.content.fees import fee_table
    from functions.bookings import check_open, price, validate

    token = _token(request)
    problem = _link_problem(token, settings)
    if isinstance(problem, Response):
        return problem
    payload = problem
    fees = fee_table(settings.fees_path)
    try:
        booking = validate(payload.get("booking"), fees, settings.mail_smtputf8)
        check_open(booking, fees, settings)
        priced = price(booking, fees, settings.now())  # the function's clock decides the early rate and codes
    except BookingProblem as exc:
        message = " ".join(e.message for e in exc.errors)
        return html_response(409, pages.message_page("This booking can no longer be made", message))
    if priced.ref != payload.get("ref"):
        return _bad_link(settings)
    if request.method == "GET":
        assert settings.events_dir is not None
        return html_response(
            200,
            pages.render(
                "invoice_confirm.html",
                title=f"Confirm your booking {priced.ref}",
                booking=booking,
                ref=priced.ref,
                event=event_facts(booking.event, settings.events_dir),
                total=format_pence(priced.quote.total_pence, priced.quote.currency),
                token=token,
            ),
        )
    from functions.bookings import invoice_confirmation_url
    from functions.invoicing import create_invoice

    try:
        invoice = create_invoice(priced, settings)
    except StripeUnavailable as exc:
        return html_response(
            exc.status,
            pages.message_page(
                "Your invoice could not be sent just now",
                f"{exc.message} Nothing has been booked yet: follow the link in the e-mail again in a few minutes.",
                contact_email=settings.contact_email,
            ),
        )
    log.info(
        json.dumps(
            {
                "msg": "invoice_sent",
                "booking_ref": priced.ref,
                "invoice_id": invoice.id,
                "invoice_number": invoice.number,
                "event": booking.event,
                "delegates": len(booking.delegates),
                "total_pence": invoice.amount_due,
            }
        )
    )
    return redirect(invoice_confirmation_url(settings, invoice.id))


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
        return html_response(
            410,
            pages.message_page(
                "This link has expired",
                "Nothing was booked and no invoice was sent. To book, fill in the booking form again.",
                contact_email=settings.contact_email,
            ),
        )
    except LinkInvalid:
        return _bad_link(settings)


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
