"""A booking whose total is £0 (a 100% discount code): nothing to pay, so it is recorded in Stripe as a finalised
£0 invoice, which Stripe marks paid at once, and confirmed without a payment step."""

from __future__ import annotations

from typing import Any

from adapters.payments.client import client, unavailable
from functions.checkout import PricedBooking
from functions.invoicing import (
    _event_title,
    _existing_invoice,
    _find_customer,
    _key,
    customer_params,
    invoice_items,
    invoice_params,
)
from functions.settings import Settings


def _customer(priced: PricedBooking) -> tuple[str, dict[str, Any]]:
    """Whom the £0 invoice is made out to: the invoice contact if they gave one, else the booker."""
    if priced.booking.billing is not None:
        return priced.booking.billing.email, customer_params(priced)
    contact = priced.booking.contact
    return contact.email, {
        "email": contact.email,
        "name": contact.name,
        "business_name": contact.organisation,
        "preferred_locales": ["en-GB"],
        "metadata": {"created_for_booking": priced.ref},
    }


def record_free_booking(priced: PricedBooking, settings: Settings) -> str:
    """Make (or find, on a retry) the booking's finalised £0 invoice; its id. StripeUnavailable if Stripe fails.

    Why an invoice: Checkout in payment mode refuses a total below Stripe's minimum charge, and a PaymentIntent
    cannot be for £0. A £0 invoice needs no payment method, holds the booking record like any invoice booking
    (so the webhook, the delegate list and the back office find it) and lists the places with the code's
    credit line: a VAT document for the booker's finance team. It is never sent, so Stripe e-mails nothing.
    """
    import stripe

    assert priced.quote.total_pence == 0, "only a £0 booking is recorded without a payment"
    api = client(settings)
    email, new_customer = _customer(priced)
    action = "find_customer"
    try:
        customer = _find_customer(api, email)
        if customer is None:
            action = "create_customer"
            customer = api.v1.customers.create(
                params=new_customer,  # type: ignore[arg-type]
                options={"idempotency_key": _key("customer", new_customer)},
            ).to_dict()
        action = "find_invoice"
        invoice = _existing_invoice(api, customer["id"], priced.ref)
        if invoice is None:
            action = "create_invoice"
            params = invoice_params(priced, customer["id"], _event_title(priced, settings))
            params["footer"] = f"No payment is due: discount code {priced.quote.code} covers booking {priced.ref}."
            invoice = api.v1.invoices.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": _key("draft", params)},
            ).to_dict()
        if invoice["status"] == "draft":
            if not invoice.get("lines", {}).get("data"):  # a draft left by an interrupted request may hold its items
                action = "create_invoice_item"
                items = invoice_items(priced, invoice["id"], customer["id"], settings.stripe_tax_rate_id)
                for number, item in enumerate(items, start=1):
                    api.v1.invoice_items.create(
                        params=item,  # type: ignore[arg-type]
                        options={"idempotency_key": _key(f"item-{number}", item)},
                    )
            action = "finalize_invoice"
            finalize = {"invoice": invoice["id"], "auto_advance": False}
            invoice = api.v1.invoices.finalize_invoice(
                invoice["id"], params={"auto_advance": False}, options={"idempotency_key": _key("finalize", finalize)}
            ).to_dict()
    except stripe.StripeError as exc:
        raise unavailable(exc, action) from None
    if invoice["status"] != "paid" or invoice.get("total") != 0:
        raise unavailable(ValueError(f"£0 invoice {invoice['id']} is {invoice['status']}"), "check_invoice")
    return str(invoice["id"])
