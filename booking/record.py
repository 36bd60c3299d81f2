"""The booking record: the one schema of a booking, as the booking store keeps it (adapters.store).

The record is one JSON document (`document()`), kept in the store's booking item beside its state and version.
Stripe objects carry only the marker, the reference and the event (booking.reference.stripe_metadata).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

RECORD_VERSION = 2
RECEIPT_KEY = "receipt_for"  # on a card booking's VAT receipt: the booking reference it is for

Pence = Annotated[int, Field(ge=0)]
Timestamp = str  # ISO 8601 in UTC, seconds; "" when it has not happened


class _Part(BaseModel):
    # defer_build: validators are built at first use, so a cold start builds only the models its request needs.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class Contact(_Part):
    """The booker: receipts, questions and the private manage link go to them."""

    name: str
    email: str
    organisation: str = ""


class Attendee(_Part):
    """One delegate as recorded. `access_needs` is shown to the organiser only, never to other delegates."""

    name: str
    email: str
    job_title: str = ""
    organisation: str = ""
    access_needs: str = ""


class BillingDetails(_Part):
    """Who an invoice booking's invoice goes to and the address printed on it (lines separated by newlines)."""

    name: str
    email: str
    address: str

    @property
    def address_lines(self) -> list[str]:
        return self.address.split("\n")


class Amount(_Part):
    """One delegate's place as charged, net + VAT = gross, in pence; stored as the pair [net, vat]."""

    net_pence: Pence
    vat_pence: Pence

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"net_pence": value[0], "vat_pence": value[1]}
        return value

    @model_serializer
    def _as_pair(self) -> list[int]:
        return [self.net_pence, self.vat_pence]

    @property
    def gross_pence(self) -> int:
        return self.net_pence + self.vat_pence


class BookingRecord(_Part):
    """Everything Stripe holds about one booking: what was booked and what has happened to it since.

    `amounts` is per delegate, in delegate order ([] only for a first-format record that did not say).
    Per-delegate flags are sets of delegate positions (0-based): a substitution clears the position, so the
    new delegate gets the joining instructions and certificate the old one had.
    """

    version: Literal[2] = 2
    ref: str
    event: str
    category: str
    payment: Literal["card", "invoice"]
    contact: Contact
    delegates: tuple[Attendee, ...]
    amounts: tuple[Amount, ...] = ()
    purchase_order: str = ""
    code: str = ""
    billing: BillingDetails | None = None  # an invoice booking's invoice contact and address
    booked_at: Timestamp = ""  # when the booking was made: the moment its prices were worked out for
    request_expires: Timestamp = ""  # a request (invoice, £0) not confirmed by then lapses (state expired)
    # What happened after the booking was made.
    fulfilled_at: Timestamp = ""
    confirmation_sent: Timestamp = ""
    cancelled_at: Timestamp = ""
    refunded_pence: Pence = 0
    refund_notice_pence: Pence = 0  # the refund total the booker has been told about
    joining_sent: frozenset[int] = frozenset()
    certificate_sent: frozenset[int] = frozenset()
    substitutions: int = 0
    mail_failures: tuple[str, ...] = ()  # addresses the mail server refused, for the organiser to see
    # Where the money is at Stripe, filled in as it happens (booking.life.StripeFacts).
    payment_intent: str = ""  # a card booking's PaymentIntent
    invoice_id: str = ""  # the invoice (an invoice booking's; a card booking's VAT receipt)
    invoice_number: str = ""
    invoice_due: str = ""  # ISO date
    invoice_url: str = ""  # Stripe's page for the invoice
    invoice_pdf: str = ""  # Stripe's PDF of the invoice
    # Chasing and credit notes (an invoice booking's, booking.life): the reminders the booker has had (each a day
    # of the fee table's schedule, counted from the due date: -7 a week before, 14 a fortnight after), the total
    # of the invoice's credit notes and the credit notes (Stripe ids) the booker has been sent.
    reminders_sent: frozenset[int] = frozenset()
    credited_pence: Pence = 0
    credit_notes: tuple[str, ...] = ()
    # The booker's private link: only a link made for this version opens the booking (a new link revokes the old).
    link_version: int = Field(default=0, ge=0)
    # Purchase to pay (DESIGN.md): a quotation whose places are held until it expires, and an invoice booking
    # whose PO is to follow (no VAT invoice until it is added; its places held until `po_hold_until`).
    is_quote: bool = False  # asked for as a quote: confirmed, it is a quotation, not a booking
    quote_number: str = ""
    quoted_at: Timestamp = ""  # the quotation's date (the buyer confirmed their address)
    quote_expires: Timestamp = ""  # valid until (the places go back then, unless it was turned into a booking)
    quote_accepted_at: Timestamp = ""  # turned into a booking from its link
    po_to_follow: bool = False
    po_hold_until: Timestamp = ""
    po_reminders: frozenset[int] = frozenset()  # the reminder points (days after booking) already sent
    po_added_at: Timestamp = ""
    # Personal data removed by the retention schedule (booking.retention.Stage values) or erased at a person's
    # request (`erasures`: how many times); what stays is what the delegate list and the invoice need.
    anonymised: frozenset[str] = frozenset()
    erasures: int = Field(default=0, ge=0)

    @property
    def net_pence(self) -> int:
        return sum(a.net_pence for a in self.amounts)

    @property
    def vat_pence(self) -> int:
        return sum(a.vat_pence for a in self.amounts)

    @property
    def gross_pence(self) -> int:
        return sum(a.gross_pence for a in self.amounts)

    @property
    def cancelled(self) -> bool:
        return bool(self.cancelled_at)

    def substitute(self, position: int, attendee: Attendee) -> BookingRecord:
        """The record with delegate `position` replaced; what was sent to the old delegate is due to the new one."""
        delegates = list(self.delegates)
        delegates[position] = attendee
        return self.model_copy(
            update={
                "delegates": tuple(delegates),
                "joining_sent": self.joining_sent - {position},
                "certificate_sent": self.certificate_sent - {position},
                "substitutions": self.substitutions + 1,
            }
        )

    def amend(self, position: int, attendee: Attendee) -> BookingRecord:
        """The record with delegate `position`'s details corrected (same person: what was sent stays sent)."""
        delegates = list(self.delegates)
        delegates[position] = attendee
        return self.model_copy(update={"delegates": tuple(delegates)})


def document(record: BookingRecord) -> str:
    """The record as compact JSON (defaults left out), the text that is split over the metadata values."""
    data = record.model_dump(mode="json", exclude_defaults=True)
    data["version"] = RECORD_VERSION
    for key in ("joining_sent", "certificate_sent", "reminders_sent", "po_reminders", "anonymised"):
        if key in data:
            data[key] = sorted(data[key])
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def receipt_metadata(record: BookingRecord) -> dict[str, str]:
    """The metadata of a card booking's VAT receipt (the paid invoice Checkout makes): the reference to find it
    by, under its own key. It carries no marker and no event, so it is never read as a second booking."""
    return {RECEIPT_KEY: record.ref}
