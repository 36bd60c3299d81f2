"""An event's bookings read from the bookings table (its by_event index), flattened into one row per delegate.

A booking is listed when its delegates count as coming (booking.life.attending: paid or free, or invoiced and
not yet paid), or when its places are held for a PO to follow (listed as such, not attending: no joining
instructions or certificates until its PO makes it invoiced); a cancelled one only when asked. Requests never
confirmed, checkouts never paid and lapsed ones are never listed, nor quotations (a quote is not a booking:
the summary says how many places they hold). Amounts are the ones recorded at booking time; invoice number and due date are what
the record says of the booking's invoice; a delegate's mail failures are the messages the mail server
refused, from the booking's outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from booking.life import Booking, State, attending, days_overdue
from booking.record import BookingRecord
from bookings.attendance import normalise_email
from pricing import FeeTable, format_pence, pence_to_decimal_text

if TYPE_CHECKING:
    from adapters.store import BookingStore, MessageState, Stored

COLUMNS = (
    "booking_ref",
    "booked_on",
    "delegate_number",
    "delegate_name",
    "delegate_email",
    "email_refused",
    "job_title",
    "organisation",
    "access_needs",
    "category",
    "category_label",
    "payment_method",
    "payment_status",
    "invoice_number",
    "invoice_due",
    "purchase_order",
    "code",
    "booker_name",
    "booker_email",
    "booker_email_refused",
    "booker_organisation",
    "net_pence",
    "vat_pence",
    "gross_pence",
    "net_gbp",
    "vat_gbp",
    "gross_gbp",
)
PENCE_COLUMNS = ("net_pence", "vat_pence", "gross_pence")
POUND_COLUMNS = ("net_gbp", "vat_gbp", "gross_gbp")
CANCELLED = "cancelled"
FREE = "none (discount code)"


@dataclass(frozen=True)
class ListedBooking:
    """One booking as the store holds it, with when it was made and the addresses its mail bounced from."""

    booking: Booking
    created: str = ""  # ISO 8601, UTC
    refused: frozenset[str] = frozenset()  # normalised addresses the mail server refused for this booking
    today: str = ""  # the UK date the list is made on (ISO): an unpaid invoice past its due date says how late

    @property
    def record(self) -> BookingRecord:
        return self.booking.record

    @property
    def cancelled(self) -> bool:
        return self.booking.state == State.CANCELLED

    @property
    def held(self) -> bool:
        """Its places are held for a PO to follow: listed, but not (yet) coming."""
        return self.booking.state == State.AWAITING_PO

    @property
    def method(self) -> str:
        """card, invoice, or none for a place a discount code made free."""
        record = self.booking.record
        return FREE if record.amounts and record.gross_pence == 0 else record.payment

    @property
    def status(self) -> str:
        return payment_status(self.booking, self.today)


def payment_status(booking: Booking, today: str = "") -> str:
    """What the list says of a booking's payment: cancelled, "refunded £50.00", paid, invoiced and unpaid (and
    "overdue N days" past the due date on `today`), with any credit note's total ("credited £177.00"); or, its
    places held with no invoice yet, "PO to follow, held until 12 Oct 2027"."""
    record = booking.record
    if booking.state == State.CANCELLED:
        return CANCELLED
    if booking.state == State.AWAITING_PO:
        return f"PO to follow, held until {uk_date(record.po_hold_until)}" if record.po_hold_until else "PO to follow"
    credited = f", credited {format_pence(record.credited_pence)}" if record.credited_pence else ""
    if record.refunded_pence:
        return f"refunded {format_pence(record.refunded_pence)}{credited}"
    if booking.state == State.AWAITING_PAYMENT:
        late = days_overdue(record, today) if today else None
        if late is not None and late > 0:
            return f"invoiced, overdue {late} day{'s' if late != 1 else ''}{credited}"
        return f"invoiced, awaiting payment{credited}"
    return f"paid{credited}"


def uk_date(stamp: str) -> str:
    """An ISO 8601 moment as the UK day it falls on: "12 Oct 2027"."""
    moment = datetime.fromisoformat(stamp).astimezone(ZoneInfo("Europe/London"))
    return f"{moment.day} {moment:%b %Y}"


def listed(stored: Stored) -> Booking:
    return Booking(stored.record, State(stored.state), stored.version)


def refused_addresses(messages: Iterable[MessageState]) -> frozenset[str]:
    return frozenset(normalise_email(m.to) for m in messages if m.status == "refused")


@dataclass
class Found:
    """An event's bookings as the list shows them, and the quotations it leaves out (with the places they hold)."""

    bookings: list[ListedBooking] = field(default_factory=list)
    quotations: int = 0
    quoted_places: int = 0


def find_bookings(store: BookingStore, event: str, today: str = "") -> Found:
    """The event's attending bookings, those holding places for a PO to follow, and its cancelled ones (for the
    caller to show or leave out), oldest first, each with the addresses its mail was refused at; `today` (UK
    date, ISO) dates the overdue ones. Quotations are only counted."""
    found = Found()
    for stored in store.by_event(event):
        booking = listed(stored)
        if booking.state == State.QUOTED:
            found.quotations += 1
            found.quoted_places += len(booking.record.delegates)
        elif attending(booking) or booking.state in (State.AWAITING_PO, State.CANCELLED):
            refused = refused_addresses(store.messages(booking.record.ref))
            found.bookings.append(ListedBooking(booking, stored.created, refused, today))
    return found


pounds = pence_to_decimal_text  # 29500 -> '295.00' in the spreadsheet's pounds columns


def rows(bookings: list[ListedBooking], fees: FeeTable | None) -> list[dict[str, Any]]:
    """One dict per delegate with every COLUMNS key; amounts blank when the record does not hold them."""
    result = []
    for listed_booking in bookings:
        record = listed_booking.record
        amounts = record.amounts if len(record.amounts) == len(record.delegates) else ()
        label = ""
        if fees is not None and record.event in fees.events:
            category = fees.tariff_for(record.event).categories.get(record.category)
            label = category.label if category else ""

        def refused(address: str, booking: ListedBooking = listed_booking) -> str:
            # The mail server refused a message to this address: the organiser should call.
            return "yes" if normalise_email(address) in booking.refused else ""

        for number, delegate in enumerate(record.delegates, start=1):
            row: dict[str, Any] = {
                "booking_ref": record.ref,
                "booked_on": listed_booking.created[:10],
                "delegate_number": number,
                "delegate_name": delegate.name,
                "delegate_email": delegate.email,
                "email_refused": refused(delegate.email),
                "job_title": delegate.job_title,
                "organisation": delegate.organisation or record.contact.organisation,
                "access_needs": delegate.access_needs,
                "category": record.category,
                "category_label": label,
                "payment_method": listed_booking.method,
                "payment_status": listed_booking.status,
                "invoice_number": record.invoice_number,
                "invoice_due": record.invoice_due,
                "purchase_order": record.purchase_order,
                "code": record.code,
                "booker_name": record.contact.name,
                "booker_email": record.contact.email,
                "booker_email_refused": refused(record.contact.email),
                "booker_organisation": record.contact.organisation,
            }
            if amounts:
                amount = amounts[number - 1]
                row.update(
                    net_pence=amount.net_pence,
                    vat_pence=amount.vat_pence,
                    gross_pence=amount.gross_pence,
                    net_gbp=pounds(amount.net_pence),
                    vat_gbp=pounds(amount.vat_pence),
                    gross_gbp=pounds(amount.gross_pence),
                )
            else:
                row.update({name: "" for name in PENCE_COLUMNS + POUND_COLUMNS})
            result.append(row)
    return result
