"""Booking references and Stripe idempotency keys, derived from the booking itself so a double submit repeats them."""

from __future__ import annotations

import hashlib
import json

from booking.request import BookingRequest
from pricing import Quote

# No 0/O, 1/I/L or U: a reference read out over the phone or copied from a receipt stays unambiguous.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def canonical(booking: BookingRequest) -> str:
    """The booking as one stable string: same people, same event, same choices -> same text."""
    data = {
        "event": booking.event,
        "category": booking.category,
        "payment": booking.payment,
        "contact": [booking.contact.name.casefold(), booking.contact.email, booking.contact.organisation.casefold()],
        "delegates": [
            [d.name.casefold(), d.email, d.job_title.casefold(), d.organisation.casefold()] for d in booking.delegates
        ],
    }
    if booking.code:
        # The same code in another case is the same booking; a booking with a code is not the one without.
        data["code"] = booking.code.casefold()
    if booking.payment == "invoice" and booking.billing is not None:
        # A corrected PO number or invoice address is a different booking, not a conflicting retry.
        b = booking.billing
        data["billing"] = [b.name.casefold(), b.email, b.address.casefold(), booking.purchase_order]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def booking_ref(booking: BookingRequest) -> str:
    """A short, readable reference like CP-7K3M9Q."""
    number = int.from_bytes(hashlib.sha256(canonical(booking).encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(6):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "CP-" + "".join(chars)


def idempotency_key(booking: BookingRequest, priced: Quote) -> str:
    """Stripe's key for the Checkout Session: the booking plus what it costs.

    The total is part of the key so that a fee-table change within Stripe's 24-hour key window
    makes a new session instead of a conflict with the old parameters.
    """
    digest = hashlib.sha256(f"{canonical(booking)}|{priced.total_pence}".encode()).hexdigest()
    return f"booking-{digest[:48]}"
