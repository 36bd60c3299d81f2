"""GET /api/bookings/confirmation?session_id=cs_...: Stripe's success_url, confirming the booking to the visitor;
?invoice_id=in_... for a £0 booking, whose VAT document is a paid £0 invoice and which has no Checkout Session.

The page reads Stripe's object for its booking reference (and nothing else of the booking), then the booking
from the store. When Stripe says the session is paid it applies Paid, as the webhook does: whichever comes
first confirms the booking, and the outbox sends each message once.
"""

from __future__ import annotations

import logging
import re

from adapters.content.fees import category_label
from adapters.payments.checkout import Receipt, SessionNotFound, read_session
from adapters.payments.client import StripeUnavailable
from adapters.payments.invoices import read_invoice
from booking.life import State, StripeFacts
from booking.record import BookingRecord
from functions import pages
from functions.http import Request, Response, html_response
from functions.settings import Settings
from pricing import format_pence

_SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
_INVOICE_ID = re.compile(r"^in_[A-Za-z0-9_]{1,250}$")  # a £0 booking (100% discount code) is a paid £0 invoice
log = logging.getLogger("booking.functions.confirmation")


def handle_confirmation(request: Request, settings: Settings) -> Response:
    from adapters.store import Conflict, StoreUnavailable

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
        found = _card(session_id, settings) if session_id else _free(invoice_id, settings)
    except SessionNotFound:
        return not_found
    except (StripeUnavailable, StoreUnavailable, Conflict):
        return html_response(
            503,
            pages.message_page(
                "We could not show your booking just now",
                "If you have paid, your booking is safe. Reload this page in a minute to see your booking reference.",
                contact_email=settings.contact_email,
            ),
        )
    if found is None:
        return not_found  # a Stripe object this site did not make, or one whose booking is not stored
    record, paid, amount, currency, receipt = found
    html = pages.render(
        "confirmation.html",
        title=f"Booking {record.ref} confirmed" if paid else f"Booking {record.ref}: payment pending",
        paid=paid,
        free=bool(invoice_id),
        record=record,
        event_title=record.event,
        category_label=category_label(settings.fees_path, record.event, record.category),
        amount=format_pence(amount, currency),
        receipt=receipt if paid else None,
    )
    return html_response(200, html)


# The booking, whether it is paid (or, for £0, confirmed), the amount, its currency, the card's VAT receipt.
Found = tuple[BookingRecord, bool, int, str, Receipt | None]


def _card(session_id: str, settings: Settings) -> Found | None:
    from flows.booking import paid
    from functions.mailroom import mail

    session = read_session(session_id, settings)
    if session.ref is None:
        return None
    store = settings.store()
    stored = store.get(session.ref)
    if stored is None:
        log.warning("booking %s: session %s has no stored booking", session.ref, session.id)
        return None
    record = stored.record
    if session.paid and stored.state == State.AWAITING_PAYMENT:
        receipt = session.receipt
        facts = StripeFacts(
            payment_intent=session.payment_intent,
            invoice_number=receipt.number if receipt else "",
            invoice_url=receipt.url if receipt else "",
            invoice_pdf=receipt.pdf if receipt else "",
        )
        letters = mail(settings)
        step = paid(store, session.ref, settings.now(), facts, letters)
        if step.booking is not None:
            record = step.booking.record
    return record, session.paid, session.amount_total, session.currency, session.receipt


def _free(invoice_id: str, settings: Settings) -> Found | None:
    invoice = read_invoice(invoice_id, settings)
    if invoice.ref is None or invoice.total != 0:
        return None  # an invoice booking has its own page
    stored = settings.store().get(invoice.ref)
    if stored is None or stored.record.gross_pence != 0:
        return None
    return stored.record, stored.state == State.CONFIRMED, 0, invoice.currency, None
