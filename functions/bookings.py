"""POST /api/bookings: validate, price with pricing.quote(), then Stripe Checkout (card) or an e-mailed invoice request.

The steps live in `book()`, which knows nothing of HTTP encodings; `handle_booking()` reads the
request and writes the answer in the form the client asked for (JSON, or HTML for a form post).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from adapters.content.fees import fee_table
from adapters.payments.client import StripeUnavailable
from booking.reference import booking_ref
from booking.request import BookingRequest, FieldError, field_errors
from booking.text import SMTPUTF8_CONTEXT
from functions import pages
from functions.body import parse_form, parse_json
from functions.checkout import PricedBooking, card_closes, create_checkout_session
from functions.errors import BookingProblem
from functions.http import Request, Response, html_response, json_response, redirect
from functions.settings import Settings
from pricing import FeeTable, FeeTableError, QuoteError, quote

MAX_BODY_BYTES = 64 * 1024
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
log = logging.getLogger("functions.bookings")
UK = ZoneInfo("Europe/London")

_TITLES = {
    404: "We could not find that event",
    409: "Online booking for this event is closed",
    413: "The booking form sent too much",
    415: "The booking could not be read",
    422: "There is a problem with your booking",
}


def validate(data: Any, fees: FeeTable, smtputf8: bool = False) -> BookingRequest:
    """Check the booking against the model and the fee table; raise BookingProblem with every field error.

    `smtputf8`: the mail server delivers to addresses with non-ASCII local parts (MAIL_SMTPUTF8).
    """
    try:
        booking = BookingRequest.model_validate(data, context={SMTPUTF8_CONTEXT: smtputf8})
    except ValidationError as exc:
        raise BookingProblem(422, field_errors(exc)) from None
    entry = fees.events.get(booking.event)
    if entry is None:
        raise BookingProblem(
            404,
            [
                FieldError(
                    "event", "We have no event open for booking at this address. Choose an event from the home page."
                )
            ],
        )
    problems = []
    categories = fees.tariff_for(booking.event).categories
    if booking.category not in categories:
        labels = "; ".join(c.label for c in categories.values())
        problems.append(FieldError("category", f"Choose one of this event's fee categories: {labels}"))
    if len(booking.delegates) > entry.max_delegates:
        problems.append(
            FieldError(
                "delegates",
                f"One online booking can hold at most {entry.max_delegates} delegates; make a second booking for the others",
            )
        )
    if problems:
        raise BookingProblem(422, problems)
    return booking


def check_open(booking: BookingRequest, fees: FeeTable, settings: Settings) -> None:
    now = settings.now()
    entry = fees.events[booking.event]
    status = entry.booking_status(now)
    if status == "sold_out":
        raise BookingProblem(
            409,
            [
                FieldError(
                    "event",
                    "This event is sold out, so it cannot be booked online. E-mail us to join the waiting list.",
                )
            ],
        )
    if status == "closed":
        raise BookingProblem(
            409,
            [
                FieldError(
                    "event",
                    "Online booking for this event has closed. E-mail us and we will tell you if places remain.",
                )
            ],
        )
    if booking.payment == "card" and now >= card_closes(entry.booking_closes):
        closes = entry.booking_closes.astimezone(UK)
        raise BookingProblem(
            409,
            [
                FieldError(
                    "payment",
                    f"Card payment for this event closed 30 minutes before booking closes, so that no payment page "
                    f"outlives booking. Until {closes:%H:%M} (UK time) you can still book and pay by invoice.",
                )
            ],
        )


def price(booking: BookingRequest, fees: FeeTable, at: datetime | None = None) -> PricedBooking:
    """The quote for a booking made `at` (the function's clock, default now: it decides the early-booking rate,
    whatever the page showed) with its discount code; an unknown, expired or other-event code is a 422 on `code`."""
    try:
        priced = quote(
            fees,
            booking.event,
            booking.category,
            len(booking.delegates),
            booking.payment,
            at=at,
            code=booking.code or None,
        )
    except QuoteError as exc:  # a CodeError (field "code"); validate() already ruled out the rest
        raise BookingProblem(422, [FieldError(exc.field, exc.message)]) from None
    return PricedBooking(booking, priced, booking_ref(booking), fees)


@dataclass(frozen=True)
class Started:
    """Where the visitor goes next: Stripe's checkout page, or our page saying the invoice is on its way."""

    url: str
    total_pence: int
    free: bool = False  # a £0 booking: confirmed already, `url` is its confirmation page


def book(data: Any, fees: FeeTable, settings: Settings) -> tuple[PricedBooking, Started]:
    """The whole booking: validate, check it is open, price, then a Checkout Session or an e-mailed link that
    confirms an invoice request."""
    booking = validate(data, fees, settings.mail_smtputf8)
    check_open(booking, fees, settings)
    priced = price(booking, fees, settings.now())
    if priced.quote.total_pence == 0:
        return priced, Started(confirm_free_booking(priced, settings), 0, free=True)
    if booking.payment == "invoice":
        # Nothing reaches Stripe yet: the booker confirms by e-mail first (functions/invoice_request.py).
        from functions.invoice_request import request_invoice

        return priced, Started(request_invoice(priced, settings), priced.quote.total_pence)
    session = create_checkout_session(priced, settings)
    log.info(
        json.dumps(
            {
                "msg": "checkout_session_created",
                "booking_ref": priced.ref,
                "session_id": session.id,
                "event": booking.event,
                "delegates": len(booking.delegates),
                "total_pence": priced.quote.total_pence,
            }
        )
    )
    return priced, Started(session.url, priced.quote.total_pence)


def confirm_free_booking(priced: PricedBooking, settings: Settings) -> str:
    """Record a £0 booking in Stripe and confirm it now, e-mails included; its confirmation page's URL."""
    from functions.free_booking import record_free_booking
    from functions.fulfilment import ConfirmationNotSent, fulfil_invoice

    invoice_id = record_free_booking(priced, settings)
    # Booked and confirmed even if the mail server is down: Stripe's invoice.paid webhook retries the e-mails.
    with contextlib.suppress(ConfirmationNotSent):
        fulfil_invoice(invoice_id, settings)
    log.info(
        json.dumps(
            {
                "msg": "free_booking_recorded",
                "booking_ref": priced.ref,
                "invoice_id": invoice_id,
                "code": priced.quote.code,
                "event": priced.booking.event,
                "delegates": len(priced.booking.delegates),
            }
        )
    )
    return f"{settings.site_url}/api/bookings/confirmation?invoice_id={invoice_id}"


def invoice_confirmation_url(settings: Settings, invoice_id: str) -> str:
    return f"{settings.site_url}/api/bookings/invoice?invoice_id={invoice_id}"


def _read(request: Request) -> Any:
    if len(request.body) > MAX_BODY_BYTES:
        raise BookingProblem(
            413,
            [
                FieldError(
                    "body", f"The booking is larger than {MAX_BODY_BYTES // 1024} KB; send only the form's fields."
                )
            ],
        )
    if request.content_type == "application/json":
        return parse_json(request.body)
    if request.content_type == "application/x-www-form-urlencoded":
        return parse_form(request.body)
    raise BookingProblem(
        415,
        [
            FieldError(
                "body",
                "Send the booking as JSON (application/json) or as the booking form (application/x-www-form-urlencoded).",
            )
        ],
    )


def _event_slug(data: Any) -> str | None:
    slug = data.get("event") if isinstance(data, dict) else None
    return slug if isinstance(slug, str) and _SLUG.match(slug) else None


def handle_booking(request: Request, settings: Settings) -> Response:
    data: Any = None
    try:
        data = _read(request)
        fees = fee_table(settings.fees_path)
        priced, started = book(data, fees, settings)
    except (FeeTableError, OSError) as exc:
        log.error(json.dumps({"msg": "fee_table_unreadable", "path": str(settings.fees_path), "error": str(exc)}))
        unavailable = StripeUnavailable(503, "Online booking is not available just now. Please try again later.")
        return _unavailable(request, unavailable, settings, None, "Online booking is not available")
    except BookingProblem as problem:
        return _problem_response(request, problem, _event_slug(data))
    except StripeUnavailable as exc:
        return _unavailable(request, exc, settings, _event_slug(data), "Payment could not be started")
    if request.wants_json:
        return json_response(
            201,
            {
                "booking_ref": priced.ref,
                "confirmation_url" if started.free else "checkout_url": started.url,
                "total_pence": started.total_pence,
            },
        )
    return redirect(started.url)


def _back_url(slug: str | None) -> str:
    return f"/events/{slug}/#book" if slug else "/"


def _problem_response(request: Request, problem: BookingProblem, slug: str | None) -> Response:
    if request.wants_json:
        return json_response(problem.status, {"errors": [e.to_dict() for e in problem.errors]}, problem.headers)
    title = _TITLES.get(problem.status, "There is a problem with your booking")
    back = _back_url(None if problem.status == 404 else slug)
    return html_response(problem.status, pages.errors_page(problem.errors, back, title), problem.headers)


def _unavailable(
    request: Request, exc: StripeUnavailable, settings: Settings, slug: str | None, title: str
) -> Response:
    """502/503: say plainly that nothing was charged, what to do, and how to reach us."""
    contact = (
        f" If it keeps happening, e-mail {settings.contact_email}."
        if settings.contact_email
        else " If it keeps happening, contact us using the details at the foot of our website."
    )
    message = f"{exc.message} Nothing has been charged.{contact}"
    if request.wants_json:
        return json_response(exc.status, {"errors": [{"field": "payment", "message": message}]})
    html = pages.message_page(
        title, f"{exc.message} Nothing has been charged.", _back_url(slug), settings.contact_email
    )
    return html_response(exc.status, html)
