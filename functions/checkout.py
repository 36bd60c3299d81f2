"""The Stripe seam: one priced booking in, one Checkout Session (id, url) out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from functions.booking_models import BookingRequest, Delegate
from functions.settings import Settings
from functions.stripe_api import client, unavailable
from pricing import FeeTable, Quote, format_percent

METADATA_VALUE_MAX = 500
# Stripe allows 50 keys: 7 of ours, purchase_order on invoices, and fulfilled_at and confirmation_sent
# set after fulfilment leave room for 38 delegate keys.
_DELEGATE_KEYS_MAX = 38


@dataclass(frozen=True)
class PricedBooking:
    """A validated booking with its quote and reference: everything the checkout needs."""

    booking: BookingRequest
    quote: Quote
    ref: str
    idempotency_key: str
    fees: FeeTable


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def line_items(priced: PricedBooking, tax_rate_id: str | None = None) -> list[dict]:
    """One line per distinct delegate price (first, additional), gross of VAT, summing to the quote's total."""
    q = priced.quote
    discounts = priced.fees.discounts
    online = (
        f", {format_percent(discounts.online_payment_percent)}% online booking discount" if q.payment == "card" else ""
    )
    counts = Counter((line.delegate > 1, line.gross_pence) for line in q.lines)
    items = []
    for (additional, gross), quantity in sorted(counts.items()):
        which = (
            f"additional delegate, {format_percent(discounts.additional_delegate_percent)}% off"
            if additional
            else "first delegate"
        )
        item: dict = {
            "quantity": quantity,
            "price_data": {
                "currency": q.currency.lower(),
                "unit_amount": gross,
                "product_data": {
                    "name": f"Delegate place — {q.category_label} ({which})",
                    "description": f"Event: {q.event}{online}; price includes VAT at {format_percent(q.vat_percent)}%",
                },
            },
        }
        if tax_rate_id:
            item["tax_rates"] = [tax_rate_id]
        items.append(item)
    charged = sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items)
    assert charged == q.total_pence, f"line items {charged} != quote {q.total_pence}"
    return items


def _compact(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _delegate_entry(d: Delegate) -> str:
    # "Name <email> | job title | organisation", both slots always present (empty as "-") so that
    # functions/booking_record.py reads them back. Name and e-mail always fit; the rest may be cut.
    return _compact(f"{d.name} <{d.email}> | {d.job_title or '-'} | {d.organisation or '-'}", METADATA_VALUE_MAX)


def amounts_entry(q: Quote) -> str:
    """The quote's per-delegate net+VAT in pence, first delegate then each additional: "26550+5310;22568+4514".

    Recorded so that e-mails and the delegate list show what was charged even after the fee table changes.
    """
    first = q.lines[0]
    assert len({(line.net_pence, line.vat_pence) for line in q.lines[1:]}) <= 1, (
        "additional delegates priced differently"
    )
    entry = f"{first.net_pence}+{first.vat_pence}"
    if len(q.lines) > 1:
        entry += f";{q.lines[1].net_pence}+{q.lines[1].vat_pence}"
    return entry


def metadata(priced: PricedBooking) -> dict[str, str]:
    """What fulfilment (and a person reading the Stripe dashboard) needs, within Stripe's limits."""
    b = priced.booking
    data = {
        "booking_ref": priced.ref,
        "event": b.event,
        "category": b.category,
        "payment": b.payment,
        "delegates": str(len(b.delegates)),
        "amounts": amounts_entry(priced.quote),
        "contact": _compact(f"{b.contact.name} <{b.contact.email}> | {b.contact.organisation}", METADATA_VALUE_MAX),
    }
    if len(b.delegates) <= _DELEGATE_KEYS_MAX:
        data.update({f"delegate_{n:02d}": _delegate_entry(d) for n, d in enumerate(b.delegates, start=1)})
    else:
        # More delegates than keys (an event allowing over 40): shorter entries, e-mail first, packed
        # one per line into as few values as fit. Fulfilment reads both shapes.
        per_value = -(-len(b.delegates) // _DELEGATE_KEYS_MAX)
        budget = (METADATA_VALUE_MAX - (per_value - 1)) // per_value
        entries = [_compact(f"{d.email} ({d.name})", budget) for d in b.delegates]
        packs = ["\n".join(entries[i : i + per_value]) for i in range(0, len(entries), per_value)]
        data.update({f"delegates_{n:02d}": pack for n, pack in enumerate(packs, start=1)})
    return data


def session_params(priced: PricedBooking, settings: Settings) -> dict:
    b = priced.booking
    meta = metadata(priced)
    return {
        "mode": "payment",
        "currency": priced.quote.currency.lower(),
        "line_items": line_items(priced, settings.stripe_tax_rate_id),
        "customer_email": b.contact.email,
        "client_reference_id": priced.ref,
        "metadata": meta,
        "payment_intent_data": {"metadata": meta, "description": f"Booking {priced.ref} for {b.event}"},
        "success_url": f"{settings.site_url}/api/bookings/confirmation?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.site_url}/events/{b.event}/?booking=cancelled#book",
    }


def create_checkout_session(priced: PricedBooking, settings: Settings) -> CheckoutSession:
    """Create the booking's one Checkout Session; StripeUnavailable (502/503) if Stripe fails."""
    import stripe

    params = session_params(priced, settings)
    try:
        session = client(settings).v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": priced.idempotency_key},
        )
    except stripe.StripeError as exc:
        raise unavailable(exc, "create_checkout_session") from None
    if not session.id or not session.url:
        raise unavailable(ValueError(f"session without id or url: {session.id!r}"), "create_checkout_session")
    return CheckoutSession(session.id, session.url)
