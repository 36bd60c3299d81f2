"""Booking references, derived from the booking itself so a double submit repeats them, and Stripe idempotency keys,
derived from exactly what is sent."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from booking.request import BookingRequest

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
    if booking.intent == "quote":
        data["intent"] = "quote"  # a quotation is not the booking with the same people
    if booking.po_to_follow:
        data["po_to_follow"] = "yes"
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


def idempotency_key(purpose: str, params: Mapping[str, Any]) -> str:
    """Stripe's idempotency key for one request: a digest of exactly the parameters sent (and what they are for).

    The same request repeated (a double click, the SDK's own retry) repeats the key, so Stripe makes one object;
    anything different (a name's letter case fixed, a new price) is a new key, never a reused key with other
    parameters, which Stripe refuses for 24 hours.
    """
    text = json.dumps([purpose, params], ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    return f"{purpose}-{hashlib.sha256(text.encode()).hexdigest()[:48]}"


# What a Stripe object of this site carries, and nothing more: the marker, the reference and the event (so the
# Dashboard's search finds them). The booking itself lives in the store (adapters.store).
MARKER_KEY = "booking_site"
MARKER_VALUE = "1"
REF_KEY = "booking_ref"
EVENT_KEY = "event"
REF_PATTERN = re.compile(r"^CP-[2-9A-HJKMNP-TV-Z]{6}$")


def stripe_metadata(ref: str, event: str) -> dict[str, str]:
    """The metadata of every Stripe object made for booking `ref`."""
    return {MARKER_KEY: MARKER_VALUE, REF_KEY: ref, EVENT_KEY: event}


def ref_in(metadata: Mapping[str, Any] | None) -> str | None:
    """The booking reference on a Stripe object of this site; None for anything else (a payment made another
    way on the same account, or metadata edited by hand into something that is not ours)."""
    if not metadata or metadata.get(MARKER_KEY) != MARKER_VALUE:
        return None
    ref = str(metadata.get(REF_KEY, ""))
    return ref if REF_PATTERN.match(ref) else None
