"""GET /api/bookings/invoice?invoice_id=in_...: where an invoice booking lands, saying the invoice is on its way."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from adapters.content.events import event_facts
from adapters.content.fees import category_label
from adapters.payments.client import StripeUnavailable, client
from booking.record import NotABooking, from_metadata
from functions import pages
from functions.fulfilment import SessionNotFound, retrieve
from functions.http import Request, Response, html_response
from functions.settings import Settings
from pricing import format_pence

_INVOICE_ID = re.compile(r"^in_[A-Za-z0-9_]{1,250}$")


def handle_invoice_confirmation(request: Request, settings: Settings) -> Response:
    invoice_id = request.query_param("invoice_id") or ""
    not_found = html_response(
        404,
        pages.message_page(
            "We could not find that booking",
            "This link is not complete. If you booked by invoice, the invoice is on its way to the billing e-mail "
            "address you gave: quote that address when you contact us.",
            contact_email=settings.contact_email,
        ),
    )
    if not _INVOICE_ID.match(invoice_id):
        return not_found
    api = client(settings)
    try:
        invoice = retrieve(lambda: api.v1.invoices.retrieve(invoice_id), "retrieve_invoice")
    except SessionNotFound:
        return not_found
    except StripeUnavailable as exc:
        return html_response(
            exc.status,
            pages.message_page(
                "We could not show your booking just now",
                "Your booking is safe and the invoice is on its way. Reload this page in a minute to see your booking reference.",
                contact_email=settings.contact_email,
            ),
        )
    try:
        record = from_metadata(invoice.get("metadata"))
    except NotABooking:
        record = None
    if record is None or record.payment != "invoice":  # an invoice this site did not raise
        return not_found
    currency = (invoice.get("currency") or "gbp").upper()
    total = int(invoice.get("total") or 0)
    shown = record.gross_pence == total and bool(record.amounts)
    due = invoice.get("due_date")
    assert settings.events_dir is not None
    html = pages.render(
        "invoice_confirmation.html",
        title=f"Booking {record.ref}: invoice sent"
        if invoice.get("status") != "paid"
        else f"Booking {record.ref} confirmed",
        paid=invoice.get("status") == "paid",
        record=record,
        event=event_facts(record.event, settings.events_dir),
        category_label=category_label(settings.fees_path, record.event, record.category),
        amount=format_pence(total, currency),
        vat=format_pence(record.vat_pence, currency) if shown else "",
        billing_email=invoice.get("customer_email") or "",
        due=_day(int(due)) if due else "",
        number=invoice.get("number") or "",
        hosted_invoice_url=invoice.get("hosted_invoice_url") or "",
    )
    return html_response(200, html)


def _day(timestamp: int) -> str:
    day = datetime.fromtimestamp(timestamp, UTC)
    return f"{day.day} {day:%B %Y}"
