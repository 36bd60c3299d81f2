"""Reading back Stripe's current state of the objects a booking's money lives in (never an event's copy).

Each read returns the object as a plain dict; NotFound when Stripe has no such object, StripeUnavailable
(adapters.payments.client) when Stripe could not be asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapters.payments.client import unavailable

if TYPE_CHECKING:
    import stripe


class NotFound(Exception):
    """Stripe has no object with that id (a mistyped link, or an object deleted in the Dashboard)."""


def _read(call: Callable[[], Any], action: str) -> dict[str, Any]:
    import stripe

    try:
        found: dict[str, Any] = call().to_dict()
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise NotFound(action) from None
        raise unavailable(exc, action) from None
    except stripe.StripeError as exc:
        raise unavailable(exc, action) from None
    return found


def checkout_session(api: stripe.StripeClient, session_id: str) -> dict[str, Any]:
    """A Checkout Session with its PaymentIntent and its invoice (a card payment's VAT receipt) expanded."""
    return _read(
        lambda: api.v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent", "invoice"]}),
        "retrieve_checkout_session",
    )


def invoice(api: stripe.StripeClient, invoice_id: str) -> dict[str, Any]:
    return _read(lambda: api.v1.invoices.retrieve(invoice_id), "retrieve_invoice")


def payment_intent(api: stripe.StripeClient, intent_id: str) -> dict[str, Any]:
    """A PaymentIntent with its latest charge expanded (what was charged and what has been refunded of it)."""
    return _read(
        lambda: api.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]}),
        "retrieve_payment_intent",
    )


def credit_note(api: stripe.StripeClient, credit_note_id: str) -> dict[str, Any]:
    return _read(lambda: api.v1.credit_notes.retrieve(credit_note_id), "retrieve_credit_note")


def credit_notes_of(api: stripe.StripeClient, invoice_id: str) -> list[dict[str, Any]]:
    """Every credit note issued against the invoice (an invoice holds a handful at most: one page of 100)."""
    page = _read(lambda: api.v1.credit_notes.list(params={"invoice": invoice_id, "limit": 100}), "list_credit_notes")
    return list(page.get("data") or [])
