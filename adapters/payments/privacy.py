"""What Stripe holds about a person or a booking, and removing it where the law does not keep it.

Stripe lets a merchant delete a customer (DELETE /v1/customers/{id}: permanent; the id stays, retrievable as
deleted, with its name, e-mail and address gone). It does not let a merchant edit a finalised invoice (the VAT
record keeps its own copy of the customer's name, e-mail and address) or a completed Checkout Session (the
payment record); its redaction jobs, which could, are a preview outside the stable API. So: customers are deleted
once no open invoice needs them; invoices and sessions are reported as kept, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adapters.payments.client import unavailable
from adapters.payments.reads import NotFound, invoice

if TYPE_CHECKING:
    import stripe

# An invoice in one of these states may still be paid: its customer must stay until it is paid or voided.
UNSETTLED = frozenset({"draft", "open"})
KEPT_INVOICE = (
    "a VAT invoice: HMRC requires it kept for six years, and Stripe does not allow a finalised invoice to be changed"
)
KEPT_SESSION = (
    "the record of a card payment at Stripe: Stripe's API does not allow a completed payment's details to be "
    "changed; Stripe keeps it under its own legal duties"
)


@dataclass
class Held:
    """What Stripe holds: customers with the address, invoices and payments of the person's bookings."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)


def customers_with(api: stripe.StripeClient, address: str) -> list[dict[str, Any]]:
    """The customers (not deleted) whose e-mail is `address` (Stripe's filter is exact: pass it as stored)."""
    import stripe

    found: list[dict[str, Any]] = []
    after: str | None = None
    try:
        while True:
            if after is None:
                page = api.v1.customers.list(params={"email": address, "limit": 100})
            else:
                page = api.v1.customers.list(params={"email": address, "limit": 100, "starting_after": after})
            found += [c.to_dict() for c in page.data]
            if not page.has_more or not page.data:
                return found
            after = page.data[-1].id
    except stripe.StripeError as exc:
        raise unavailable(exc, "list_customers") from None


def invoices_of(api: stripe.StripeClient, invoice_ids: Iterable[str]) -> list[dict[str, Any]]:
    found = []
    for invoice_id in dict.fromkeys(i for i in invoice_ids if i):
        try:
            found.append(invoice(api, invoice_id))
        except NotFound:
            continue
    return found


def sessions_of(api: stripe.StripeClient, payment_intents: Iterable[str]) -> list[dict[str, Any]]:
    """The Checkout Sessions that took these payments."""
    import stripe

    found: list[dict[str, Any]] = []
    for intent in dict.fromkeys(i for i in payment_intents if i):
        try:
            page = api.v1.checkout.sessions.list(params={"payment_intent": intent, "limit": 10})
        except stripe.StripeError as exc:
            raise unavailable(exc, "list_checkout_sessions") from None
        found += [s.to_dict() for s in page.data]
    return found


def customer_of(api: stripe.StripeClient, customer_id: str) -> dict[str, Any] | None:
    """The customer as Stripe has it now (None: no such customer; {"deleted": True, ...} once deleted)."""
    import stripe

    try:
        return dict(api.v1.customers.retrieve(customer_id).to_dict())
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None
        raise unavailable(exc, "retrieve_customer") from None
    except stripe.StripeError as exc:
        raise unavailable(exc, "retrieve_customer") from None


def unsettled(api: stripe.StripeClient, customer_id: str) -> list[str]:
    """The customer's invoices that may still be paid (their ids): while there is one, the customer stays."""
    import stripe

    try:
        page = api.v1.invoices.list(params={"customer": customer_id, "limit": 100})
    except stripe.StripeError as exc:
        raise unavailable(exc, "list_invoices") from None
    return [i.id for i in page.data if i.status in UNSETTLED]


def delete_customer(api: stripe.StripeClient, customer_id: str) -> bool:
    """Delete the customer at Stripe: True if it was deleted now, False if it was gone already (twice is once)."""
    import stripe

    try:
        api.v1.customers.delete(customer_id)
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return False
        raise unavailable(exc, "delete_customer") from None
    except stripe.StripeError as exc:
        raise unavailable(exc, "delete_customer") from None
    return True
