"""The Stripe Invoicing seam: one priced invoice booking in, one finalised invoice out (sent once the booking has
its places), voided if it cannot have them; a £0 booking's paid £0 invoice; reading an invoice back.

Steps, each a single SDK call with an idempotency key derived from the booking (so a retried
request, or the SDK's own retries, never make a second customer, invoice or line):
find the customer by e-mail (or create one) -> look for this booking's invoice on that customer
-> create a draft invoice -> add the invoice items -> finalise; then send (or void).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.payments.checkout import CheckoutSettings, code_line_name, metadata, place_name, retrieve
from adapters.payments.client import StripeSettings, client, unavailable
from booking.priced import PricedBooking
from booking.reference import idempotency_key, ref_in
from pricing import format_pence, format_percent

PO_FIELD_NAME = "PO number"
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)
_ADDRESS_LINE_MAX = 200


@dataclass(frozen=True)
class InvoiceFacts:
    """An invoice as Stripe reports it now; `ref` is the booking it was made for (None: not one of ours)."""

    id: str
    ref: str | None
    number: str
    hosted_invoice_url: str
    amount_due: int
    total: int
    currency: str
    status: str
    due: str  # ISO date, "" when it has none
    customer_email: str


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


def _event_title(priced: PricedBooking, settings: CheckoutSettings) -> str:
    from adapters.content.events import event_facts

    assert settings.events_dir is not None
    return event_facts(priced.booking.event, settings.events_dir).title


def _key(step: str, params: dict[str, Any]) -> str:
    return idempotency_key(f"invoice-{step}", params)


def _existing_invoice(api: Any, customer_id: str, ref: str) -> tuple[dict[str, Any] | None, int]:
    """This booking's invoice if an earlier request made one (even beyond Stripe's 24-hour key window), and how
    many of its invoices were voided (a request refused for want of places, confirmed again later).

    Only the customer's newest 100 invoices are looked at: a retry comes soon after the first attempt.
    """
    page = api.v1.invoices.list(params={"customer": customer_id, "limit": 100})
    mine = [i for i in (i.to_dict() for i in page.data) if _ref(i) == ref]
    live = next((i for i in mine if i.get("status") in ("draft", "open", "paid")), None)
    return live, sum(1 for i in mine if i.get("status") == "void")


def _ref(invoice: dict[str, Any]) -> str:
    return ref_in(invoice.get("metadata")) or ""


def _find_customer(api: Any, email: str) -> Any | None:
    # List (not Search): list results are consistent at once, Search may lag by a minute.
    page = api.v1.customers.list(params={"email": email, "limit": 1})
    return page.data[0].to_dict() if page.data else None


def facts(invoice: dict[str, Any]) -> InvoiceFacts:
    """What the booking needs to know of an invoice (a plain dict as Stripe returned it)."""
    due = invoice.get("due_date")
    return InvoiceFacts(
        id=invoice["id"],
        ref=ref_in(invoice.get("metadata")),
        number=invoice.get("number") or "",
        hosted_invoice_url=invoice.get("hosted_invoice_url") or "",
        amount_due=int(invoice.get("amount_due") or 0),
        total=int(invoice.get("total") or 0),
        currency=(invoice.get("currency") or "gbp").upper(),
        status=invoice.get("status") or "",
        due=datetime.fromtimestamp(int(due), UTC).date().isoformat() if due else "",
        customer_email=invoice.get("customer_email") or "",
    )


def read_invoice(invoice_id: str, settings: StripeSettings) -> InvoiceFacts:
    """Stripe's current state of an invoice; SessionNotFound or StripeUnavailable."""
    api = client(settings)
    return facts(retrieve(lambda: api.v1.invoices.retrieve(invoice_id), "retrieve_invoice"))


def _customer(api: Any, email: str, new_customer: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] | None = _find_customer(api, email)
    if found is not None:
        return found
    made: dict[str, Any] = api.v1.customers.create(
        params=new_customer,
        options={"idempotency_key": _key("customer", new_customer)},
    ).to_dict()
    return made


def _finalised(
    api: Any,
    priced: PricedBooking,
    settings: CheckoutSettings,
    email: str,
    new_customer: dict[str, Any],
    footer: str = "",
) -> tuple[dict[str, Any], bool]:
    """The booking's invoice, made (or found, from an earlier attempt) and finalised; whether it was built now.
    Raises stripe.StripeError."""
    customer = _customer(api, email, new_customer)
    invoice, voided = _existing_invoice(api, customer["id"], priced.ref)
    if invoice is None:
        draft = invoice_params(priced, customer["id"], _event_title(priced, settings))
        if footer:
            draft["footer"] = footer
        # After a voided one, a new key: the old key would answer with the voided invoice for 24 hours.
        invoice = api.v1.invoices.create(
            params=draft,
            options={"idempotency_key": _key(f"draft-{voided}" if voided else "draft", draft)},
        ).to_dict()
    built = invoice["status"] == "draft"
    if built:
        if not invoice.get("total") and not invoice.get("lines", {}).get("data"):
            # A draft left by an interrupted request may already hold its items.
            items = invoice_items(priced, invoice["id"], customer["id"], settings.stripe_tax_rate_id)
            for number, item in enumerate(items, start=1):
                api.v1.invoice_items.create(
                    params=item,
                    options={"idempotency_key": _key(f"item-{number}", item)},
                )
        invoice = api.v1.invoices.finalize_invoice(
            invoice["id"],
            params={"auto_advance": False},
            options={"idempotency_key": _key("finalize", {"invoice": invoice["id"], "auto_advance": False})},
        ).to_dict()
    return invoice, built


def finalise_invoice(priced: PricedBooking, settings: CheckoutSettings) -> InvoiceFacts:
    """Make (or find) the booking's invoice and finalise it, not yet sent: send_invoice() once the booking has
    its places, void_invoice() if it cannot. StripeUnavailable (502/503) if Stripe fails."""
    import stripe

    assert priced.booking.billing is not None  # validation requires billing on an invoice booking
    api = client(settings)
    try:
        invoice, built = _finalised(api, priced, settings, priced.booking.billing.email, customer_params(priced))
    except stripe.StripeError as exc:
        raise unavailable(exc, "finalise_invoice") from None
    result = facts(invoice)
    # An invoice made now must match the quote; one found from an earlier request keeps its own amount.
    if (built and result.amount_due != priced.quote.total_pence) or not result.hosted_invoice_url:
        raise unavailable(
            ValueError(f"invoice {result.id} is due {result.amount_due}, quote is {priced.quote.total_pence}"),
            "check_invoice",
        )
    return result


def send_invoice(invoice_id: str, settings: StripeSettings) -> InvoiceFacts:
    """Have Stripe e-mail the (open) invoice to its customer; the same key every time, so twice is once."""
    import stripe

    api = client(settings)
    try:
        invoice = api.v1.invoices.retrieve(invoice_id).to_dict()
        if invoice["status"] == "open":
            invoice = api.v1.invoices.send_invoice(
                invoice_id, options={"idempotency_key": _key("send", {"invoice": invoice_id})}
            ).to_dict()
    except stripe.StripeError as exc:
        raise unavailable(exc, "send_invoice") from None
    return facts(invoice)


def void_invoice(invoice_id: str, settings: StripeSettings) -> None:
    """Void an invoice that was finalised for places the booking could not have (never sent)."""
    import stripe

    api = client(settings)
    try:
        invoice = api.v1.invoices.retrieve(invoice_id).to_dict()
        if invoice["status"] == "open":
            api.v1.invoices.void_invoice(invoice_id, options={"idempotency_key": _key("void", {"invoice": invoice_id})})
    except stripe.StripeError as exc:
        raise unavailable(exc, "void_invoice") from None


def _free_customer(priced: PricedBooking) -> tuple[str, dict[str, Any]]:
    """Whom a £0 invoice is made out to: the invoice contact if they gave one, else the booker."""
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


def record_free_booking(priced: PricedBooking, settings: CheckoutSettings) -> InvoiceFacts:
    """Make (or find, on a retry) a £0 booking's finalised £0 invoice. StripeUnavailable if Stripe fails.

    Why an invoice: Checkout in payment mode refuses a total below Stripe's minimum charge, and a PaymentIntent
    cannot be for £0. A £0 invoice needs no payment method and lists the places with the code's credit line: a
    VAT document for the booker's finance team. It is never sent, so Stripe e-mails nothing.
    """
    import stripe

    assert priced.quote.total_pence == 0, "only a £0 booking is recorded without a payment"
    api = client(settings)
    email, new_customer = _free_customer(priced)
    footer = f"No payment is due: discount code {priced.quote.code} covers booking {priced.ref}."
    try:
        invoice, _ = _finalised(api, priced, settings, email, new_customer, footer)
    except stripe.StripeError as exc:
        raise unavailable(exc, "record_free_booking") from None
    if invoice["status"] != "paid" or invoice.get("total") != 0:
        raise unavailable(ValueError(f"£0 invoice {invoice['id']} is {invoice['status']}"), "check_invoice")
    return facts(invoice)
