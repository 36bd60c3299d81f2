"""Bookings and messages for the store's tests."""

from __future__ import annotations

from typing import Any

from adapters.store import Outgoing
from booking.record import Amount, Attendee, BookingRecord, Contact

EVENT = "caldicott-police-2027"


def booking_record(ref: str = "CP-ABCDEF", event: str = EVENT, **changes: Any) -> BookingRecord:
    return BookingRecord(
        ref=ref,
        event=event,
        category="nhs",
        payment="card",
        contact=Contact(name="Sam Lee", email="sam@example.org", organisation="Leeds NHS"),
        delegates=(Attendee(name="Delegate 0", email="d0@example.org"),),
        amounts=(Amount(net_pence=26550, vat_pence=5310),),
    ).model_copy(update=changes)


def outgoing(message_id: str, to: str = "sam@example.org") -> Outgoing:
    return Outgoing(message_id=message_id, to=to, raw=f"Message-ID: <{message_id}@example.org>\r\n\r\nHi\r\n".encode())
