"""fulfil_checkout(): the one idempotent function that turns a paid Checkout Session into a confirmed booking.

The webhook and the success page both call it, as often as they like; the work happens once.
There is no database: Stripe is the record. After fulfilling, `fulfilled_at` is written into the
PaymentIntent's metadata, and every call checks it first.

Remaining race: two calls for the same session arriving at the same moment (the webhook and the
visitor's success page) can both read "not fulfilled" before either writes `fulfilled_at`, and
both fulfil. Today that means a duplicate log line; when e-mails are added here it would mean a
duplicate e-mail. Stripe offers no compare-and-set on metadata, so closing the window fully needs
a store with a conditional write (e.g. a DynamoDB item keyed by session id).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from functions.settings import Settings
from functions.stripe_api import client, unavailable

log = logging.getLogger("bookings")


class SessionNotFound(Exception):
    """Stripe has no Checkout Session with that id (a mistyped or foreign confirmation link)."""


@dataclass(frozen=True)
class Booking:
    """A Checkout Session seen as a booking, for the confirmation page and the log."""

    session_id: str
    ref: str
    event: str
    category: str
    payment: str
    delegates: tuple[str, ...]
    contact: str
    amount_total: int
    currency: str
    payment_status: str


@dataclass(frozen=True)
class Fulfilment:
    """What fulfil_checkout found: `state` is fulfilled (now), already_fulfilled or unpaid."""

    state: str
    booking: Booking


def _booking(session: dict[str, Any]) -> Booking:
    meta = dict(session.get("metadata") or {})
    entries = [meta[k] for k in sorted(meta) if k.startswith("delegate_")]
    for key in sorted(k for k in meta if k.startswith("delegates_")):
        entries.extend(meta[key].split("\n"))
    return Booking(
        session_id=session["id"],
        ref=session.get("client_reference_id") or meta.get("booking_ref", ""),
        event=meta.get("event", ""),
        category=meta.get("category", ""),
        payment=meta.get("payment", ""),
        delegates=tuple(entries),
        contact=meta.get("contact", ""),
        amount_total=int(session.get("amount_total") or 0),
        currency=(session.get("currency") or "gbp").upper(),
        payment_status=session.get("payment_status") or "",
    )


def fulfil_checkout(session_id: str, settings: Settings) -> Fulfilment:
    """Confirm the booking behind `session_id` once; raise StripeUnavailable if Stripe cannot be asked."""
    import stripe

    api = client(settings)
    try:
        session = api.v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent"]}).to_dict()
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise SessionNotFound(session_id) from None
        raise unavailable(exc, "retrieve_checkout_session") from None
    except stripe.StripeError as exc:
        raise unavailable(exc, "retrieve_checkout_session") from None
    booking = _booking(session)
    if booking.payment_status != "paid":
        return Fulfilment("unpaid", booking)
    intent = session.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    if isinstance(intent, dict) and (intent.get("metadata") or {}).get("fulfilled_at"):
        return Fulfilment("already_fulfilled", booking)

    # The work of fulfilment. A later issue adds the confirmation e-mails here, before the mark.
    log.info(json.dumps({
        "msg": "booking_confirmed",
        "booking_ref": booking.ref,
        "session_id": booking.session_id,
        "payment_intent": intent_id,
        "event": booking.event,
        "category": booking.category,
        "payment": booking.payment,
        "amount_total": booking.amount_total,
        "currency": booking.currency,
        "customer_email": session.get("customer_email"),
        "contact": booking.contact,
        "delegates": list(booking.delegates),
    }, ensure_ascii=False))

    if intent_id:
        try:
            api.v1.payment_intents.update(
                intent_id,
                params={"metadata": {"fulfilled_at": settings.now().isoformat(timespec="seconds")}},
            )
        except stripe.StripeError as exc:
            # Fulfilled but not marked: a retry may fulfil again (at least once beats not at all).
            raise unavailable(exc, "mark_fulfilled") from None
    return Fulfilment("fulfilled", booking)
