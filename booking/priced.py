"""A validated booking with its quote and reference: what the store keeps and what Stripe is asked to charge.

Pure: the quote comes from pricing, the record from booking.record. A stored booking is priced again for its
invoice at the moment it was made (`booked_at`), so the invoice says what the booker was told.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from booking.record import BookingRecord
from booking.request import BookingRequest, amounts
from booking.text import SMTPUTF8_CONTEXT
from pricing import FeeTable, Quote, quote


class PricedBooking(NamedTuple):
    """A validated booking with its quote and reference: everything the checkout or the invoice needs."""

    booking: BookingRequest
    quote: Quote
    ref: str
    fees: FeeTable

    @property
    def record(self) -> BookingRecord:
        """The booking as the store keeps it, with the code as the fee table spells it."""
        record = self.booking.to_record(self.ref, amounts(self.quote))
        return record.model_copy(update={"code": self.quote.code or ""})


class PricesChanged(ValueError):
    """A stored booking priced again does not come to what it was booked at (the fee table was edited since)."""


def request_of(record: BookingRecord) -> BookingRequest:
    """The booking request a stored record was made from (checked when it was made, so not refused now)."""
    data = {
        "event": record.event,
        "category": record.category,
        "payment": record.payment,
        "contact": record.contact.model_dump(),
        "delegates": [d.model_dump() for d in record.delegates],
        "accept_terms": True,
        "billing": record.billing.model_dump() if record.billing is not None else None,
        "purchase_order": record.purchase_order,
        "code": record.code,
        "intent": "quote" if record.is_quote and not record.quote_accepted_at else "book",
        "po_to_follow": record.po_to_follow and not record.purchase_order,
    }
    return BookingRequest.model_validate(data, context={SMTPUTF8_CONTEXT: True})


def priced_again(record: BookingRecord, fees: FeeTable) -> PricedBooking:
    """A stored booking priced as it was when it was made; QuoteError if its code or event is gone, and
    PricesChanged if it no longer comes to the amounts recorded."""
    booking = request_of(record)
    at = datetime.fromisoformat(record.booked_at) if record.booked_at else None
    priced = quote(
        fees, record.event, record.category, len(record.delegates), record.payment, at=at, code=record.code or None
    )
    if amounts(priced) != record.amounts:
        raise PricesChanged(
            f"booking {record.ref}: priced again at {priced.total_pence}, booked at {record.gross_pence}"
        )
    return PricedBooking(booking, priced, record.ref, fees)
