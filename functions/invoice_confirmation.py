"""GET /api/bookings/invoice?invoice_id=in_...: where an invoice booking lands, saying the invoice is on its way.

It reads Stripe's invoice for its booking reference (and what Stripe says of it now: number, due date, status),
then the booking from the store.
"""

from __future__ import annotations

import re
from datetime import date

from adapters.content.events import event_facts
from adapters.content.fees import category_label
from adapters.payments.checkout import SessionNotFound
from adapters.payments.client import StripeUnavailable
from adapters.payments.invoices import read_invoice
from functions import pages
from functions.http import Request, Response, html_response
from functions.settings import Settings
from pricing import format_pence

_INVOICE_ID = re.compile(r"^in_[A-Za-z0-9_]{1,250}$")


def handle_invoice_confirmation(request: Request, settings: Settings) -> Response:
    from adapters.store import StoreUnavailable

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
    try:
        invoice = read_invoice(invoice_id, settings)
        stored = settings.store().get(invoice.ref) if invoice.ref else None
    except SessionNotFound:
        return not_found
    except (StripeUnavailable, StoreUnavailable):
        return html_response(
            503,
            pages.message_page(
                "We could not show your booking just now",
                "Your booking is safe and the invoice is on its way. Reload this page in a minute to see your booking reference.",
                contact_email=settings.contact_email,
            ),
        )
    if stored is None or stored.record.payment != "invoice" or stored.record.gross_pence == 0:
        return not_found  # an invoice this site did not raise (or a £0 booking's, which has its own page)
    record = stored.record
    shown = record.gross_pence == invoice.total and bool(record.amounts)
    paid = invoice.status == "paid"
    assert settings.events_dir is not None
    html = pages.render(
        "invoice_confirmation.html",
        title=f"Booking {record.ref} confirmed" if paid else f"Booking {record.ref}: invoice sent",
        paid=paid,
        record=record,
        event=event_facts(record.event, settings.events_dir),
        category_label=category_label(settings.fees_path, record.event, record.category),
        amount=format_pence(invoice.total, invoice.currency),
        vat=format_pence(record.vat_pence, invoice.currency) if shown else "",
        billing_email=invoice.customer_email,
        due=_day(invoice.due) if invoice.due else "",
        number=invoice.number,
        hosted_invoice_url=invoice.hosted_invoice_url,
    )
    return html_response(200, html)


def _day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"
