"""GET /api/bookings/confirmation?session_id=cs_...: Stripe's success_url, confirming the booking to the visitor;
?invoice_id=in_... for a £0 booking (functions.free_booking), which has no Checkout Session.

It fulfils through the same idempotent function as the webhook, so a booking is confirmed even
if the webhook is late.
"""

from __future__ import annotations

import re

from adapters.content.fees import category_label
from adapters.payments.client import StripeUnavailable
from functions import pages
from functions.fulfilment import SessionNotFound, fulfil_checkout, fulfil_invoice
from functions.http import Request, Response, html_response
from functions.settings import Settings
from pricing import format_pence

_SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
_INVOICE_ID = re.compile(r"^in_[A-Za-z0-9_]{1,250}$")  # a £0 booking (100% discount code) is a paid £0 invoice


def handle_confirmation(request: Request, settings: Settings) -> Response:
    session_id = request.query_param("session_id") or ""
    invoice_id = request.query_param("invoice_id") or ""
    not_found = html_response(
        404,
        pages.message_page(
            "We could not find that booking",
            "This confirmation link is not complete or has expired. If you have paid, your booking is safe: quote the e-mail address you booked with when you contact us.",
            contact_email=settings.contact_email,
        ),
    )
    if not (_SESSION_ID.match(session_id) or (_INVOICE_ID.match(invoice_id) and not session_id)):
        return not_found
    try:
        # The success page confirms but never sends e-mail: only the webhook (or, for a £0 booking, the
        # booking itself) does, so the two cannot both send.
        if session_id:
            result = fulfil_checkout(session_id, settings, send_mail=False)
        else:
            result = fulfil_invoice(invoice_id, settings, send_mail=False)
    except SessionNotFound:
        return not_found
    except StripeUnavailable as exc:
        return html_response(
            exc.status,
            pages.message_page(
                "We could not show your booking just now",
                "If you have paid, your booking is safe. Reload this page in a minute to see your booking reference.",
                contact_email=settings.contact_email,
            ),
        )
    booking = result.booking
    if booking is None or (invoice_id and booking.amount_total != 0):
        return not_found  # a Checkout Session this site did not create; an invoice booking has its own page
    record = booking.record
    html = pages.render(
        "confirmation.html",
        title=f"Booking {record.ref} confirmed"
        if result.state != "unpaid"
        else f"Booking {record.ref}: payment pending",
        paid=result.state != "unpaid",
        free=bool(invoice_id),
        record=record,
        event_title=record.event,
        category_label=category_label(settings.fees_path, record.event, record.category),
        amount=format_pence(booking.amount_total, booking.currency),
        receipt=booking.receipt if result.state != "unpaid" else None,
    )
    return html_response(200, html)
