"""The Stripe Invoicing seam: one priced invoice booking in, one finalised and sent invoice out.

Steps, each a single SDK call with an idempotency key derived from the booking (so a retried
request, or the SDK's own retries, never make a second customer, invoice or line):
find the customer by e-mail (or create one) -> look for this booking's invoice on that customer
-> create a draft invoice -> add the invoice items -> finalise -> send.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from adapters.payments.client import client, unavailable
from booking.record import NotABooking, from_metadata
from booking.reference import idempotency_key
from functions.checkout import PricedBooking, code_line_name, metadata, place_name
from functions.settings import Settings
from pricing import format_pence, format_percent

PO_FIELD_NAME = "PO number"
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
_ADDRESS_LINE_MAX = 200


@dataclass(frozen=True)
class SentInvoice:
    id: str
    number: str
    hosted_invoice_url: str
    amount_due: int
    status: str


def customer_params(priced: PricedBooking) -> dict[str, Any]:
    billing = priced.booking.billing
    assert billing is not None, "an invoice booking always has billing details"
    lines = billing.address_lines
    postcode = lines[-1].upper() if len(lines) > 1 and _UK_POSTCODE.match(lines[-1]) else ""
    street = lines[:-1] if postcode else lines
    address: dict[str, str] = {"line1": street[0][:_ADDRESS_LINE_MAX], "country": "GB"}
    if len(street) > 1:
        address["line2"] = ", ".join(street[1:])[:_ADDRESS_LINE_MAX]
    if postcode:
        address["postal_code"] = postcode
    return {
        "email": billing.email,
        "name": billing.name,
        "business_name": priced.booking.contact.organisation,
        "address": address,
        "preferred_locales": ["en-GB"],
    }


def invoice_params(priced: PricedBooking, customer_id: str, event_title: str = "") -> dict[str, Any]:
    b = priced.booking
    params: dict[str, Any] = {
        "customer": customer_id,
        "collection_method": "send_invoice",
        "days_until_due": priced.fees.invoice_due_days,
        "currency": priced.quote.currency.lower(),
        "auto_advance": False,  # we finalise and send ourselves; Stripe must not finalise a half-built draft
        "pending_invoice_items_behavior": "exclude",
        "description": f"Booking {priced.ref}: {len(b.delegates)} delegate place(s) at {event_title or b.event}"[:1500],
        "footer": f"Please quote booking reference {priced.ref} with your payment.",
        "metadata": metadata(priced),
    }
    if b.purchase_order:
        params["custom_fields"] = [{"name": PO_FIELD_NAME, "value": b.purchase_order}]
    return params


def invoice_items(
    priced: PricedBooking, invoice_id: str, customer_id: str, tax_rate_id: str | None = None
) -> list[dict[str, Any]]:
    """One item per distinct delegate price (gross of VAT) before any discount code, then the code as a
    credit line of its own: together they add up to the quote's total to the penny."""
    q = priced.quote
    listed = q.before_code or q
    counts = Counter((line.delegate > 1, line.gross_pence) for line in listed.lines)
    vat = f"including VAT at {format_percent(q.vat_percent)}%"
    items = []

    def item(amount: int, description: str) -> dict[str, Any]:
        made: dict[str, Any] = {
            "customer": customer_id,
            "invoice": invoice_id,
            "currency": q.currency.lower(),
            "amount": amount,
            "description": description,
        }
        if tax_rate_id:
            made["tax_rates"] = [tax_rate_id]
        return made

    for (additional, gross), quantity in sorted(counts.items()):
        name = place_name(q, priced.fees, additional)
        items.append(item(gross * quantity, f"{name}: {quantity} × {format_pence(gross, q.currency)} {vat}"))
    if q.code_discount_pence:
        items.append(item(-q.code_discount_pence, f"Discount {code_line_name(q)}, {vat}"))
    charged = sum(i["amount"] for i in items)
    assert charged == q.total_pence, f"invoice items {charged} != quote {q.total_pence}"
    return items


def _event_title(priced: PricedBooking, settings: Settings) -> str:
    from adapters.content.events import event_facts

    assert settings.events_dir is not None
    return event_facts(priced.booking.event, settings.events_dir).title


def _key(step: str, params: dict[str, Any]) -> str:
    return idempotency_key(f"invoice-{step}", params)


def _existing_invoice(api: Any, customer_id: str, ref: str) -> Any | None:
    """This booking's invoice if an earlier request made one (even beyond Stripe's 24-hour key window).

    Only the customer's newest 100 invoices are looked at: a retry comes soon after the first attempt.
    """
    page = api.v1.invoices.list(params={"customer": customer_id, "limit": 100})
    for invoice in (i.to_dict() for i in page.data):
        if invoice.get("status") in ("draft", "open", "paid") and _ref(invoice) == ref:
            return invoice
    return None


def _ref(invoice: dict[str, Any]) -> str:
    try:
        record = from_metadata(invoice.get("metadata"))
    except NotABooking:
        return ""
    return record.ref if record is not None else ""


def _find_customer(api: Any, email: str) -> Any | None:
    # List (not Search): list results are consistent at once, Search may lag by a minute.
    page = api.v1.customers.list(params={"email": email, "limit": 1})
    return page.data[0].to_dict() if page.data else None


def _sent(invoice: dict[str, Any]) -> SentInvoice:
    return SentInvoice(
        id=invoice["id"],
        number=invoice.get("number") or "",
        hosted_invoice_url=invoice.get("hosted_invoice_url") or "",
        amount_due=int(invoice.get("amount_due") or 0),
        status=invoice.get("status") or "",
    )


def create_invoice(priced: PricedBooking, settings: Settings) -> SentInvoice:
    """Create, finalise and send the booking's invoice; StripeUnavailable (502/503) if Stripe fails."""
    import stripe

    api = client(settings)
    action = "find_customer"
    try:
        assert priced.booking.billing is not None  # validation requires billing on an invoice booking
        customer = _find_customer(api, priced.booking.billing.email)
        if customer is None:
            action = "create_customer"
            new_customer = customer_params(priced)
            customer = api.v1.customers.create(
                params=new_customer,  # type: ignore[arg-type]
                options={"idempotency_key": _key("customer", new_customer)},
            ).to_dict()
        action = "find_invoice"
        invoice = _existing_invoice(api, customer["id"], priced.ref)
        if invoice is None:
            action = "create_invoice"
            draft = invoice_params(priced, customer["id"], _event_title(priced, settings))
            invoice = api.v1.invoices.create(
                params=draft,  # type: ignore[arg-type]
                options={"idempotency_key": _key("draft", draft)},
            ).to_dict()
        built = invoice["status"] == "draft"
        if built:
            if not invoice.get("total"):  # a draft left by an interrupted request may already hold its items
                action = "create_invoice_item"
                items = invoice_items(priced, invoice["id"], customer["id"], settings.stripe_tax_rate_id)
                for number, item in enumerate(items, start=1):
                    api.v1.invoice_items.create(
                        params=item,  # type: ignore[arg-type]
                        options={"idempotency_key": _key(f"item-{number}", item)},
                    )
            action = "finalize_invoice"
            invoice = api.v1.invoices.finalize_invoice(
                invoice["id"],
                params={"auto_advance": False},
                options={"idempotency_key": _key("finalize", {"invoice": invoice["id"], "auto_advance": False})},
            ).to_dict()
        if invoice["status"] == "open":
            action = "send_invoice"
            invoice = api.v1.invoices.send_invoice(
                invoice["id"], options={"idempotency_key": _key("send", {"invoice": invoice["id"]})}
            ).to_dict()
    except stripe.StripeError as exc:
        raise unavailable(exc, action) from None
    result = _sent(invoice)
    # An invoice made now must match the quote; one found from an earlier request keeps its own amount.
    if (built and result.amount_due != priced.quote.total_pence) or not result.hosted_invoice_url:
        raise unavailable(
            ValueError(f"invoice {result.id} is due {result.amount_due}, quote is {priced.quote.total_pence}"),
            "check_invoice",
        )
    return result
