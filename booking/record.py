"""The booking record: the one schema of what Stripe metadata says about a booking, writer and reader side by side.

There is no database. A booking is the metadata of its PaymentIntent (card; the Checkout Session carries a
copy made at creation) or of its Invoice (invoice). The record is one JSON document, split over as many
metadata values as it needs, beside three plain keys: the marker (which is also the format version), the
booking reference and the event slug (Stripe Search and the Dashboard look at those). Records written by the
first, hand-made text format (no marker) are still read, by `booking.record_v1`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_serializer, model_validator

RECORD_VERSION = 2
MARKER_KEY = "booking_record"  # present, with the version as its value, on every object this site wrote
REF_KEY = "booking_ref"
EVENT_KEY = "event"
# What booking.reference makes: no 0/O, 1/I/L or U, so a reference read out over the phone stays unambiguous.
REF_PATTERN = r"^CP-[2-9A-HJKMNP-TV-Z]{6}$"
CHUNK_PREFIX = "record_"  # record_00, record_01, ...
RECEIPT_KEY = "receipt_for"  # on a card booking's VAT receipt: the booking reference it is for

# Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500 characters.
METADATA_MAX_KEYS = 50
METADATA_VALUE_MAX = 500
CHUNK_KEYS = METADATA_MAX_KEYS - 3  # all but the marker, the reference and the event
_ESCAPE_EXTRA = 5  # "\\u3000" is six characters where the space it stands for is one
# A piece may lose a few characters at a cut (escaped spaces, a character that needs two UTF-16 units).
CAPACITY = CHUNK_KEYS * (METADATA_VALUE_MAX - 2 * _ESCAPE_EXTRA - 2)
# What a booking may grow by after it is made (timestamps, refund, the per-delegate "sent" lists for 50
# delegates); a new booking must leave this much room, so later writes always fit.
STATE_RESERVE = 1_500

Pence = Annotated[int, Field(ge=0)]
Timestamp = str  # ISO 8601 in UTC, seconds; "" when it has not happened


class RecordTooLarge(ValueError):
    """The booking holds more text than Stripe's metadata can store."""


class NotABooking(ValueError):
    """The metadata is this site's marker with a document that does not parse (never written by us)."""


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
    # The booker's private link: only a link made for this version opens the booking (a new link revokes the old).
    link_version: int = Field(default=0, ge=0)

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
    for key in ("joining_sent", "certificate_sent"):
        if key in data:
            data[key] = sorted(data[key])
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def size(record: BookingRecord) -> int:
    """How much of the metadata's capacity the record uses, in Stripe's characters (UTF-16 units, to be safe)."""
    return _units(document(record))


def fits_new(record: BookingRecord) -> bool:
    """A new booking fits with room left for everything that may happen to it later."""
    return size(record) + STATE_RESERVE <= CAPACITY


def to_metadata(record: BookingRecord, previous: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The metadata that stores `record`; with `previous`, chunk keys no longer needed (and the keys of a
    first-format record) are set to "" (Stripe deletes a key whose value is empty), so an update never leaves a
    stale piece behind."""
    chunks = _split(document(record))
    if len(chunks) > CHUNK_KEYS:
        raise RecordTooLarge(f"booking {record.ref}: {size(record)} characters, more than {CAPACITY}")
    meta = {MARKER_KEY: str(RECORD_VERSION), REF_KEY: record.ref, EVENT_KEY: record.event}
    meta.update({_chunk_key(i): chunk for i, chunk in enumerate(chunks)})
    if previous and MARKER_KEY not in previous:  # a first-format record: its keys go, today's replace them
        from booking import record_v1

        meta.update({key: "" for key in previous if record_v1.is_v1_key(key)})
    for key in previous or {}:
        if key.startswith(CHUNK_PREFIX) and key not in meta:
            meta[key] = ""
    return meta


def receipt_metadata(record: BookingRecord) -> dict[str, str]:
    """The metadata of a card booking's VAT receipt (the paid invoice Checkout makes): the reference to find it
    by, under its own key. It carries no marker and no event, so it is never read as a second booking."""
    return {RECEIPT_KEY: record.ref}


def is_booking(meta: Mapping[str, Any] | None) -> bool:
    """Whether a Stripe object's metadata carries a booking of this site (this format, or the first one)."""
    if not meta:
        return False
    if MARKER_KEY in meta:
        return True
    # The first format had no marker: it is recognised by everything it always wrote, and a reference of
    # our own shape, so that a payment that merely uses the same key names is not taken for a booking.
    return (
        re.match(REF_PATTERN, str(meta.get(REF_KEY, ""))) is not None
        and all(str(meta.get(key, "")).strip() for key in (EVENT_KEY, "contact", "category", "payment"))
        and any(key in meta for key in ("delegate_01", "delegates_01"))
    )


def from_metadata(meta: Mapping[str, Any] | None) -> BookingRecord | None:
    """The booking a Stripe object's metadata holds, or None when the object is not one of this site's bookings.

    Raises NotABooking when the marker is there but the document is damaged (say, edited by hand in the
    Dashboard): that needs a person, not a guess.
    """
    if not is_booking(meta):
        return None
    assert meta is not None
    values = {str(k): str(v) for k, v in meta.items()}
    if MARKER_KEY not in values:
        from booking import record_v1

        return record_v1.read(values)
    keys = sorted((k for k in values if k.startswith(CHUNK_PREFIX) and values[k]), key=_chunk_number)
    text = "".join(values[k] for k in keys)
    try:
        return BookingRecord.model_validate_json(text)
    except ValidationError as exc:
        raise NotABooking(
            f"booking {values.get(REF_KEY, '?')}: unreadable record: {exc.error_count()} problems"
        ) from None


def _chunk_key(i: int) -> str:
    return f"{CHUNK_PREFIX}{i:02d}"


def _chunk_number(key: str) -> int:
    digits = key[len(CHUNK_PREFIX) :]
    return int(digits) if digits.isascii() and digits.isdigit() else 1_000


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _split(text: str) -> list[str]:
    """Pieces of at most METADATA_VALUE_MAX UTF-16 units that join to `text`. No piece starts or ends with
    whitespace, in case a value is trimmed on the way: whitespace in compact JSON is always inside a string,
    so at a cut it is written as its JSON escape instead (a piece keeps room for that)."""
    room = METADATA_VALUE_MAX - _ESCAPE_EXTRA
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        token = _escape(ch) if not current and ch.isspace() else ch
        if used + _units(token) > room:
            if current[-1].isspace():
                current[-1] = _escape(current[-1])
            pieces.append("".join(current))
            current, used = [], 0
            token = _escape(ch) if ch.isspace() else ch
        current.append(token)
        used += _units(token)
    if current:
        pieces.append("".join(current))
    return pieces


def _escape(ch: str) -> str:
    return f"\\u{ord(ch):04x}"


def is_invoice_booking(record: BookingRecord, invoice_total: int) -> bool:
    """Whether an Invoice carrying `record` is the booking itself: an invoice booking, or a £0 booking of either
    payment (a 100% discount code, recorded as a paid £0 invoice); not the receipt of a card booking."""
    return record.payment == "invoice" or (record.code != "" and invoice_total == 0)
