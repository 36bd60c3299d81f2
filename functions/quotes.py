"""Purchase to pay's pages: a quotation (HTML, or PDF with `format=pdf`) with its form to book from it, and the PO
page of a booking whose PO is to follow. Both open only with a private link signed for one booking and one
purpose (flows.purchase: "quote" until the quotation expires, "po" until the hold ends).

Making the quotation and holding a PO-to-follow booking's places happen when the buyer confirms their address
(functions/invoice_request.py calls `confirm_quote` / `confirm_po_to_follow`), so a script with the form can
neither mail strangers nor take places.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from adapters.content.events import event_facts
from adapters.content.fees import category_label, fee_table
from adapters.documents.quotation import Quotation, quotation
from adapters.payments.client import StripeUnavailable
from booking.life import Booking, InvoiceDetails, State, StripeFacts
from booking.links import LinkExpired, LinkInvalid, open_link
from booking.record import BillingDetails
from booking.request import Email, FieldError, Organisation, PostalAddress, PurchaseOrder
from booking.text import SMTPUTF8_CONTEXT
from functions import pages
from functions.http import Request, Response, html_response, redirect
from functions.settings import Settings
from pricing import format_percent

log = logging.getLogger("booking.functions.quotes")
_REF = re.compile(r"^CP-[2-9A-HJKMNP-TV-Z]{6}$")
MAX_FORM_BYTES = 8_000


class PoForm(BaseModel):
    """The PO and the invoice's name and address exactly as the PO states them (Stripe keeps the PO in an invoice
    custom field: at most 140 characters)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_max_length=1000, hide_input_in_errors=True)

    purchase_order: PurchaseOrder
    name: Organisation
    email: Email
    address: PostalAddress

    @field_validator("purchase_order")
    @classmethod
    def _given(cls, value: str) -> str:
        if not value:
            raise PydanticCustomError("po_missing", "po")
        return value

    def details(self) -> InvoiceDetails:
        return InvoiceDetails(
            self.purchase_order, BillingDetails(name=self.name, email=self.email, address=self.address)
        )


_MESSAGES = {
    "purchase_order": "Enter the purchase order number as it is on the PO",
    "name": "Enter the name the invoice is made out to, as on the PO (a person or a team, up to 150 characters)",
    "email": "Enter the e-mail address the invoice goes to, like accounts@nhs.net",
    "address": "Enter the invoice address as on the PO: at most 6 lines and 500 characters",
}
_TOO_LONG = {"purchase_order": "The purchase order number is too long: use at most 140 characters"}


def po_errors(exc: ValidationError) -> list[FieldError]:
    """One plain sentence per field, in the form's order."""
    found: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False, include_input=False):
        name = str(error["loc"][0]) if error["loc"] else "purchase_order"
        message = _TOO_LONG.get(name) if error["type"] == "string_too_long" else None
        if error["type"] in ("control_characters", "bidi_characters"):
            message = "Type this on one line, with letters, numbers and punctuation only"
        found.setdefault(name, FieldError(name, message or _MESSAGES.get(name, "This is not valid")))
    order = list(_MESSAGES)
    return sorted(found.values(), key=lambda e: order.index(e.field) if e.field in order else 99)


def read_po_form(body: bytes, smtputf8: bool) -> tuple[dict[str, str], PoForm | list[FieldError]]:
    values = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    try:
        return values, PoForm.model_validate(values, context={SMTPUTF8_CONTEXT: smtputf8})
    except ValidationError as exc:
        return values, po_errors(exc)


# --- shared ---------------------------------------------------------------------------------------------------


def document(booking: Booking, settings: Settings) -> Quotation:
    """The stored quotation as its page and PDF show it."""
    from functions.mailroom import letterhead, organisers_address

    record = booking.record
    assert settings.events_dir is not None
    facts = event_facts(record.event, settings.events_dir)
    organiser = letterhead(settings).organiser
    assert organiser is not None, "a quotation needs the organiser's details (content/organiser.yaml)"
    fees = fee_table(settings.fees_path)
    return quotation(
        record,
        event_title=facts.title,
        event_when=facts.when,
        category_label=category_label(settings.fees_path, record.event, record.category),
        vat_percent=format_percent(fees.vat_percent),
        organiser=organiser,
        po_to=organisers_address(settings) or str(organiser.bookings.email),
    )


def quote_pdf(booking: Booking, settings: Settings) -> tuple[str, bytes]:
    from adapters.documents.quotation import pdf

    return f"quotation-{booking.record.quote_number}.pdf", pdf(document(booking, settings))


def _page(status: int, title: str, message: str, settings: Settings) -> Response:
    return html_response(status, pages.message_page(title, message, contact_email=settings.contact_email))


def _opened(request: Request, purpose: str, settings: Settings) -> tuple[str, Booking] | Response:
    """The booking a link of `purpose` opens, or the page saying why it does not."""
    from adapters.store import StoreUnavailable

    token = _field(request, "token")
    if not settings.link_secret:
        return _page(503, "This page is not available just now", "Please try the link again later.", settings)
    try:
        payload = open_link(token, purpose=purpose, secret=settings.link_secret, now=settings.now().timestamp())
    except LinkExpired:
        what = "quotation has expired" if purpose == "quote" else "link has expired"
        return _page(410, f"This {what}", "Its places are no longer held. To book, fill in the booking form.", settings)
    except LinkInvalid:
        return _page(400, "This link does not work", "Open it straight from the e-mail we sent.", settings)
    ref = str(payload.get("ref", ""))
    try:
        stored = settings.store().get(ref) if _REF.match(ref) else None
    except StoreUnavailable:
        return _page(
            503, "We could not open this just now", "Nothing has changed. Try again in a few minutes.", settings
        )
    if stored is None:
        return _page(400, "This link does not work", "Open it straight from the e-mail we sent.", settings)
    return token, Booking(stored.record, State(stored.state), stored.version)


def _field(request: Request, name: str) -> str:
    if request.method == "POST" and len(request.body) <= MAX_FORM_BYTES:
        values = parse_qs(request.body.decode("utf-8", "replace"))
        if name in values:
            return values[name][0]
    return request.query_param(name) or ""


def issue_invoice(booking: Booking, settings: Settings) -> Response:
    """Make and send the VAT invoice of an invoice booking stored without one (a quote booked with its PO, or a
    PO added), record it, and show the invoice page. Twice is once (Stripe's keys come from the booking)."""
    from adapters.payments.invoices import finalise_invoice, send_invoice
    from booking.priced import PricesChanged, priced_again
    from flows.purchase import invoice_issued
    from functions.invoice_request import invoice_confirmation_url
    from functions.mailroom import mail
    from pricing import QuoteError

    record = booking.record
    try:
        priced = priced_again(record, fee_table(settings.fees_path))
    except (QuoteError, PricesChanged):
        return _page(409, "The invoice could not be made", "The prices have changed: please contact us.", settings)
    try:
        invoice_id = record.invoice_id
        if not invoice_id:
            invoice = finalise_invoice(priced, settings)
            invoice_id = invoice.id
            facts = StripeFacts(
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                invoice_due=invoice.due,
                invoice_url=invoice.hosted_invoice_url,
            )
            invoice_issued(settings.store(), record.ref, facts, mail(settings))
        sent = send_invoice(invoice_id, settings)
    except StripeUnavailable as exc:
        return _page(
            exc.status,
            "Your invoice could not be sent just now",
            f"{exc.message} Your PO is recorded and your places are held: open the link again in a few minutes.",
            settings,
        )
    log.info("booking %s: invoice %s sent with its PO", record.ref, sent.id)
    return redirect(invoice_confirmation_url(settings, sent.id))


def confirm_held(booking: Booking, fees: Any, settings: Settings) -> Response:
    """The buyer confirmed a quote request (it becomes a numbered quotation, e-mailed) or a PO-to-follow booking
    (the PO link is e-mailed); either takes its places (sold out: nothing held). Nothing reaches Stripe."""
    from adapters.store import LimitReached
    from flows.booking import confirm_request
    from flows.purchase import confirm_quote, po_url, quote_url
    from functions.bookings import sold_out
    from functions.mailroom import mail

    record = booking.record
    store = settings.store()
    try:
        if record.is_quote:
            step = confirm_quote(store, record.ref, settings.now(), fees, mail(settings))
        else:
            capacity = fees.events[record.event].places
            step = confirm_request(store, record.ref, settings.now(), capacity=capacity, mail=mail(settings))
    except LimitReached:
        message = " ".join(e.message for e in sold_out().errors)
        return _page(409, "This event is sold out", f"{message} Nothing was held.", settings)
    held = step.booking or booking
    secret = settings.link_secret or ""
    if held.state == State.QUOTED and held.record.quote_expires:
        expires = datetime.fromisoformat(held.record.quote_expires)
        return redirect(quote_url(settings.site_url, record.ref, secret=secret, expires=expires))
    if held.state == State.AWAITING_PO and held.record.po_hold_until:
        expires = datetime.fromisoformat(held.record.po_hold_until)
        return redirect(po_url(settings.site_url, record.ref, secret=secret, expires=expires))
    return _page(409, "This can no longer be confirmed", "It was confirmed already, or it has lapsed.", settings)


# --- the quotation ----------------------------------------------------------------------------------------------


def handle_quote(request: Request, settings: Settings) -> Response:
    """GET: the quotation (format=pdf: its PDF) with the form to book from it; POST: book it, with the PO now
    (the invoice is sent) or with the PO to follow (the places stay held; the PO link is e-mailed)."""
    from adapters.store import StoreUnavailable

    opened = _opened(request, "quote", settings)
    if isinstance(opened, Response):
        return opened
    token, booking = opened
    if booking.state == State.EXPIRED or not booking.record.is_quote or not booking.record.quote_number:
        return _page(410, "This quotation has expired", "Its places are no longer held. Ask for a new quote.", settings)
    if _invoice_due(booking) and not _finishing(request):
        return _finish_page(booking, token, "/api/bookings/quote", request)
    if booking.state != State.QUOTED:
        return _booked_already(booking, settings)
    if request.method == "GET" and request.query_param("format") == "pdf":
        filename, body = quote_pdf(booking, settings)
        headers = {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        }
        return Response(200, body, headers)
    if request.method == "GET":
        return _quote_page(booking, token, settings, {}, [])
    values, form = read_po_form(request.body, settings.mail_smtputf8)
    chosen: PoForm | None = None  # None: the PO to follow
    if values.get("intent") != "po_to_follow":
        if isinstance(form, list):
            return _quote_page(booking, token, settings, values, form, 422)
        chosen = form
    try:
        return _accept(booking, settings, chosen)
    except StoreUnavailable:
        return _page(
            503, "We could not book this just now", "Nothing has changed. Try again in a few minutes.", settings
        )


def _accept(booking: Booking, settings: Settings, form: PoForm | None) -> Response:
    from flows.purchase import accept_quote
    from functions.mailroom import mail

    fees = fee_table(settings.fees_path)
    details = form.details() if form is not None else None
    step = accept_quote(settings.store(), booking.record.ref, settings.now(), fees, details, mail(settings))
    if not step.changed or step.booking is None:
        # Another press came first, since this one opened the link (two at once): that request makes the invoice.
        # Making it here too would race it at Stripe, and both would fail; this press changes nothing.
        return _quote_booked_page(step.booking or booking, settings)
    if details is None:
        return _page(
            200,
            f"Booked: {booking.record.ref}, with the PO to follow",
            "Your places are held. We have e-mailed you a private link to add the purchase order; the VAT invoice is "
            "sent as soon as you do.",
            settings,
        )
    return issue_invoice(step.booking, settings)


def _invoice_due(booking: Booking) -> bool:
    """The PO is recorded but its VAT invoice was not made (Stripe failed at that moment)."""
    record = booking.record
    return booking.state == State.AWAITING_PAYMENT and record.payment == "invoice" and not record.invoice_id


def _finish_page(booking: Booking, token: str, action: str, request: Request) -> Response:
    """The PO is recorded and its invoice is not made yet: one button makes it. Opening the link shows this (a mail
    scanner's GET makes nothing), and so does a PO form sent again (409): while another press is making the
    invoice, a second request making it at the same moment would collide with it at Stripe."""
    title = "Your purchase order is recorded"
    html = pages.render("finish_invoice.html", title=title, ref=booking.record.ref, token=token, action=action)
    return html_response(200 if request.method == "GET" else 409, html, {"Cache-Control": "no-store"})


def _finishing(request: Request) -> bool:
    """The finish page's button was pressed (it alone makes an invoice for a PO already recorded)."""
    return request.method == "POST" and _field(request, "finish") == "invoice"


def _booked_already(booking: Booking, settings: Settings) -> Response:
    if _invoice_due(booking):
        return issue_invoice(booking, settings)  # the first press recorded the PO and Stripe failed: finish it
    return _quote_booked_page(booking, settings)


def _quote_booked_page(booking: Booking, settings: Settings) -> Response:
    return _page(
        409,
        f"Quotation {booking.record.quote_number or booking.record.ref} is booked already",
        "This quotation has been turned into a booking: the e-mails we sent have its details.",
        settings,
    )


def _quote_page(
    booking: Booking,
    token: str,
    settings: Settings,
    values: dict[str, str],
    errors: list[FieldError],
    status: int = 200,
) -> Response:
    billing = booking.record.billing
    shown = {
        "purchase_order": values.get("purchase_order", ""),
        "name": values.get("name", billing.name if billing else ""),
        "email": values.get("email", billing.email if billing else ""),
        "address": values.get("address", billing.address if billing else ""),
    }
    doc = document(booking, settings)
    html = pages.render(
        "quote.html",
        title=f"{'Error: ' if errors else ''}Quotation {doc.number}",
        doc=doc,
        token=token,
        values=shown,
        errors=errors,
        error_for={e.field: e.message for e in errors},
    )
    return html_response(status, html, {"Cache-Control": "no-store"})


# --- the PO page ------------------------------------------------------------------------------------------------


def handle_po(request: Request, settings: Settings) -> Response:
    """GET: the form to add the PO; POST: add it (the first PO counts) and issue the VAT invoice."""
    from adapters.store import StoreUnavailable

    opened = _opened(request, "po", settings)
    if isinstance(opened, Response):
        return opened
    token, booking = opened
    if booking.state == State.EXPIRED:
        return _page(410, "The places were released", "No PO came before the hold ended. Book again.", settings)
    if _invoice_due(booking) and not _finishing(request):
        return _finish_page(booking, token, "/api/bookings/po", request)
    if booking.state != State.AWAITING_PO:
        return _po_added_already(booking, settings)
    if request.method == "GET":
        return _po_page(booking, token, settings, {}, [])
    values, form = read_po_form(request.body, settings.mail_smtputf8)
    if isinstance(form, list):
        return _po_page(booking, token, settings, values, form, 422)
    from flows.purchase import add_po
    from functions.mailroom import mail

    try:
        step = add_po(settings.store(), booking.record.ref, settings.now(), form.details(), mail(settings))
    except StoreUnavailable:
        return _page(
            503, "We could not add the PO just now", "Nothing has changed. Try again in a few minutes.", settings
        )
    if not step.changed or step.booking is None:
        # Another PO came first, since this form was opened (two presses at once): its request makes the invoice.
        # Making it here too would race it at Stripe, and both would fail; this PO changes nothing.
        return _po_added_page(step.booking or booking, settings)
    return issue_invoice(step.booking, settings)


def _po_added_already(booking: Booking, settings: Settings) -> Response:
    if _invoice_due(booking):
        return issue_invoice(booking, settings)  # the PO was recorded and Stripe failed: finish it
    return _po_added_page(booking, settings)


def _po_added_page(booking: Booking, settings: Settings) -> Response:
    record = booking.record
    return _page(
        409,
        f"A purchase order was added to booking {record.ref} already",
        "Only one PO can be added, and the VAT invoice goes with it. To change it, contact us.",
        settings,
    )


def _po_page(
    booking: Booking,
    token: str,
    settings: Settings,
    values: dict[str, str],
    errors: list[FieldError],
    status: int = 200,
) -> Response:
    record = booking.record
    billing = record.billing
    shown = {
        "purchase_order": values.get("purchase_order", ""),
        "name": values.get("name", billing.name if billing else ""),
        "email": values.get("email", billing.email if billing else ""),
        "address": values.get("address", billing.address if billing else ""),
    }
    assert settings.events_dir is not None
    context: dict[str, Any] = {
        "title": f"{'Error: ' if errors else ''}Add your purchase order: {record.ref}",
        "record": record,
        "event": event_facts(record.event, settings.events_dir),
        "token": token,
        "values": shown,
        "errors": errors,
        "error_for": {e.field: e.message for e in errors},
        "hold_until": _hold_text(record.po_hold_until),
    }
    return html_response(status, pages.render("po.html", **context), {"Cache-Control": "no-store"})


def _hold_text(stamp: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp).astimezone(ZoneInfo("Europe/London"))
    return f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"
