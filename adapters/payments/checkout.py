"""The card payment seam: one priced booking in, one Checkout Session (id, url) out; and reading a session back.

Every Stripe object made here carries booking.reference.stripe_metadata() and nothing else of the booking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from adapters.payments.client import StripeSettings, client, unavailable
from booking.priced import PricedBooking
from booking.record import receipt_metadata
from booking.reference import idempotency_key, stripe_metadata
from pricing import FeeTable, Quote, format_percent


class CheckoutSettings(StripeSettings, Protocol):
    """What a checkout needs of the function's settings besides the client's."""

    @property
    def site_url(self) -> str: ...

    @property
    def stripe_tax_rate_id(self) -> str | None: ...

    @property
    def vat_number(self) -> str | None: ...

    @property
    def events_dir(self) -> Path | None: ...

    @property
    def now(self) -> Callable[[], datetime]: ...


class SessionNotFound(Exception):
    """Stripe has no object with that id (a mistyped or foreign confirmation link)."""


# Stripe lets a Checkout Session expire 30 minutes to 24 hours after it is created. A session must not outlive
# booking, so card payment closes CARD_CUTOFF before booking does (invoice requests stay open to the end).
CARD_CUTOFF = timedelta(minutes=30)
# Within that, a session lasts until booking closes or 23 to 24 hours: the same for every request within one clock
# hour, so that a repeated request sends the same parameters (and so the same idempotency key).
SESSION_HOURS = 23


def card_closes(booking_closes: datetime) -> datetime:
    """When card payment stops: the last moment a session can be made that expires by the time booking closes."""
    return booking_closes - CARD_CUTOFF


def expires_at(now: datetime, booking_closes: datetime) -> int:
    """The session's expiry (a Unix time): when booking closes, or 23-24 hours from now, whichever comes first."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return int(min(booking_closes, hour + timedelta(hours=SESSION_HOURS)).timestamp())


class CheckoutSession(NamedTuple):
    id: str
    url: str


def place_name(q: Quote, fees: FeeTable, additional: bool) -> str:
    """How a delegate's place reads on Stripe's checkout and invoice: category, which delegate, early rate."""
    which = (
        f"additional delegate, {format_percent(fees.discounts.additional_delegate_percent)}% off"
        if additional
        else "first delegate"
    )
    early = q.early_booking
    rate = f", {format_percent(early.percent)}% early-booking rate" if early is not None else ""
    return f"Delegate place — {q.category_label} ({which}{rate})"


def code_line_name(q: Quote) -> str:
    """The discount code's own line, within Stripe's 40 characters for a coupon's name."""
    discount = next(d for d in q.discounts if d.kind == "code")
    name = f"Code {q.code} ({format_percent(discount.percent)}% off)"
    return name if len(name) <= 40 else f"Code {q.code}"[:40]


def line_items(priced: PricedBooking, tax_rate_id: str | None = None) -> list[dict[str, Any]]:
    """One line per distinct delegate price (first, additional), gross of VAT, before any discount code: the
    code is its own line (coupon_params), and the lines less the code add up to the quote's total."""
    q = priced.quote
    listed = q.before_code or q
    online = (
        f", {format_percent(priced.fees.discounts.online_payment_percent)}% online booking discount"
        if q.payment == "card"
        else ""
    )
    counts = Counter((line.delegate > 1, line.gross_pence) for line in listed.lines)
    items = []
    for (additional, gross), quantity in sorted(counts.items()):
        item: dict[str, Any] = {
            "quantity": quantity,
            "price_data": {
                "currency": q.currency.lower(),
                "unit_amount": gross,
                "product_data": {
                    "name": place_name(q, priced.fees, additional),
                    "description": f"Event: {q.event}{online}; price includes VAT at {format_percent(q.vat_percent)}%",
                },
            },
        }
        if tax_rate_id:
            item["tax_rates"] = [tax_rate_id]
        items.append(item)
    charged = sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items) - q.code_discount_pence
    assert charged == q.total_pence, f"line items less the code {charged} != quote {q.total_pence}"
    return items


def coupon_params(priced: PricedBooking) -> dict[str, Any] | None:
    """The one-off coupon that shows the discount code as its own line at Checkout (None without a saving).

    An amount off, in pence, is exactly what pricing took off; a percentage coupon would let Stripe round.
    """
    q = priced.quote
    if not q.code_discount_pence:
        return None
    return {
        "amount_off": q.code_discount_pence,
        "currency": q.currency.lower(),
        "duration": "once",
        "max_redemptions": 1,
        "name": code_line_name(q),
    }


def metadata(priced: PricedBooking) -> dict[str, str]:
    """What Stripe is told of the booking (the marker, the reference, the event), on every object made for it."""
    return stripe_metadata(priced.ref, priced.booking.event)


# Stripe's limits on an invoice's text: custom fields up to 4 (name 40, value 140 characters), description 1500.
_FIELD_VALUE_MAX = 140
_DESCRIPTION_MAX = 1500


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters as Stripe counts them (UTF-16 units), ending in "…" when cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    while len(text.encode("utf-16-le")) // 2 > limit - 1:
        text = text[:-1]
    return text + "…"


def receipt(priced: PricedBooking, settings: CheckoutSettings) -> dict[str, Any]:
    """`invoice_creation`: Stripe makes a paid invoice from the session's lines (its total is what was charged),
    a VAT receipt naming the booking and its delegates; the VAT number goes in the footer when there is one."""
    from adapters.content.events import event_facts

    record = priced.record
    assert settings.events_dir is not None
    title = event_facts(record.event, settings.events_dir).title
    names = ", ".join(" ".join(d.name.split()) for d in record.delegates)
    data: dict[str, Any] = {
        "description": _fit(f"Booking {record.ref} for {title}. Delegates: {names}", _DESCRIPTION_MAX),
        "custom_fields": [
            {"name": "Booking reference", "value": record.ref},
            {"name": "Event", "value": _fit(title, _FIELD_VALUE_MAX)},
            {"name": "Delegates", "value": str(len(record.delegates))},
        ],
        "metadata": receipt_metadata(record),
    }
    if settings.vat_number:
        data["footer"] = f"VAT registration number {settings.vat_number}"
    return {"enabled": True, "invoice_data": data}


def session_params(priced: PricedBooking, settings: CheckoutSettings) -> dict[str, Any]:
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
        "expires_at": expires_at(settings.now(), priced.fees.events[b.event].booking_closes),
        "invoice_creation": receipt(priced, settings),
    }


def create_checkout_session(priced: PricedBooking, settings: CheckoutSettings) -> CheckoutSession:
    """Create the booking's one Checkout Session; StripeUnavailable (502/503) if Stripe fails."""
    import stripe

    params = session_params(priced, settings)
    coupon = coupon_params(priced)
    action = "create_coupon"
    try:
        if coupon is not None:
            # One coupon per booking (it can be redeemed once): the reference is part of the key.
            made = _create(settings, "/v1/coupons", coupon, idempotency_key(f"coupon-{priced.ref}", coupon))
            params["discounts"] = [{"coupon": made.get("id")}]
        action = "create_checkout_session"
        session = _create(settings, "/v1/checkout/sessions", params, idempotency_key("checkout", params))
    except stripe.StripeError as exc:
        raise unavailable(exc, action) from None
    session_id, url = session.get("id"), session.get("url")
    if not isinstance(session_id, str) or not session_id or not isinstance(url, str) or not url:
        raise unavailable(ValueError(f"session without id or url: {session_id!r}"), "create_checkout_session")
    return CheckoutSession(session_id, url)


def _create(settings: StripeSettings, path: str, params: dict[str, Any], key: str) -> dict[str, Any]:
    """POST `params` to `path` through the client (its retries, idempotency key and errors) and return what Stripe
    made as the JSON it sent. The typed service would turn it into the resource's class, and importing Checkout's
    Session class (4,000 lines of nested types) costs a cold start more than the request does; we read two fields."""
    answer = client(settings).raw_request("post", path, **params, idempotency_key=key)
    made: dict[str, Any] = dict(answer.data)
    return made


def retrieve(call: Callable[[], Any], action: str) -> dict[str, Any]:
    """One Stripe read as a plain dict; SessionNotFound for a 404, StripeUnavailable for anything else."""
    import stripe

    try:
        found: dict[str, Any] = call().to_dict()
        return found
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise SessionNotFound(action) from None
        raise unavailable(exc, action) from None
    except stripe.StripeError as exc:
        raise unavailable(exc, action) from None


class Receipt(NamedTuple):
    """The paid invoice Stripe made for a card payment (Checkout's invoice_creation): the booker's VAT receipt."""

    number: str
    url: str
    pdf: str


class SessionFacts(NamedTuple):
    """A Checkout Session as Stripe reports it now: whose booking it is (None: not one of ours) and its money."""

    id: str
    ref: str | None
    paid: bool
    amount_total: int
    currency: str
    payment_intent: str
    receipt: Receipt | None


def read_session(session_id: str, settings: StripeSettings) -> SessionFacts:
    """Stripe's current state of a Checkout Session; SessionNotFound or StripeUnavailable."""
    from booking.reference import ref_in

    api = client(settings)
    session = retrieve(
        lambda: api.v1.checkout.sessions.retrieve(session_id, params={"expand": ["invoice"]}),
        "retrieve_checkout_session",
    )
    intent = session.get("payment_intent")
    invoice = session.get("invoice")
    receipt = (
        Receipt(invoice.get("number") or "", invoice.get("hosted_invoice_url") or "", invoice.get("invoice_pdf") or "")
        if isinstance(invoice, dict) and invoice.get("status") == "paid"
        else None
    )
    return SessionFacts(
        id=session["id"],
        ref=ref_in(session.get("metadata")),
        paid=session.get("payment_status") == "paid",
        amount_total=int(session.get("amount_total") or 0),
        currency=(session.get("currency") or "gbp").upper(),
        payment_intent=(intent.get("id") if isinstance(intent, dict) else intent) or "",
        receipt=receipt,
    )
