"""What goes in and out of the store: a stored booking, a counter change, a message, an outbox item; the keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from booking.record import BookingRecord


@dataclass(frozen=True)
class Stored:
    """A booking as read from (or just written to) the store; `version` is what the next write must match."""

    record: BookingRecord
    state: str
    version: int
    # When it was first stored (ISO 8601, UTC): "" on what a write returns, and no part of a booking's equality.
    created: str = field(default="", compare=False)


class Take(NamedTuple):
    """A counter change written with a booking (or on its own): `amount` > 0 takes, < 0 gives back.

    With a `limit`, a take that would bring the counter past it cancels the whole write (LimitReached); a
    give-back never brings it below zero. `expires_at` (epoch seconds) lets DynamoDB remove the counter
    later (rate-limit windows).
    """

    key: str
    amount: int
    limit: int | None = None
    expires_at: int | None = None


class Outgoing(NamedTuple):
    """A message written with the transition that causes it; `raw` is the RFC 5322 message as composed."""

    message_id: str
    to: str
    raw: bytes


@dataclass(frozen=True, kw_only=True)
class MessageState:
    """What became of one of a booking's messages, without its bytes: `status` "pending", "sent" or "refused"
    (`detail` then holds the mail server's answer)."""

    ref: str
    message_id: str
    to: str
    status: str
    created: str
    sent_at: str = ""
    detail: str = ""

    @property
    def kind(self) -> str:
        return message_kind(self.message_id)


@dataclass(frozen=True, kw_only=True)
class OutboxItem(MessageState):
    """A message in the outbox with its bytes, as the sender needs it."""

    raw: bytes


def message_kind(message_id: str) -> str:
    """A message's kind from its stable id (`<ref>.<kind>[...]`): confirmation, joining, certificate, ..."""
    parts = message_id.split(".")
    return parts[1] if len(parts) > 1 else ""


def places_key(event: str) -> str:
    """The counter of places taken at `event`."""
    return f"COUNTER#places#{event}"


def code_key(code: str) -> str:
    """The counter of uses of a discount code (codes are compared in upper case)."""
    return f"COUNTER#code#{code.upper()}"


QUOTE_NUMBERS = "COUNTER#sequence#quote"  # the quotes' numbers, one sequence for the site


def person_key(address: str) -> str:
    """The key of one person's items (the bookings that name the address, an erasure's record): a hash of the
    address as validation normalises it, so no address is ever part of a key, and an erased address, once its
    bookings no longer name it, leaves only a hash that nobody can turn back without already knowing it."""
    from booking.text import canonical_address

    digest = hashlib.sha256(b"person\x00" + canonical_address(address).encode("utf-8")).hexdigest()
    return f"PERSON#{digest[:40]}"


def people(record: BookingRecord) -> frozenset[str]:
    """Every address a booking names (booker, delegates, invoice contact), as validation normalises them."""
    from booking.text import canonical_address

    found = [record.contact.email, *(d.email for d in record.delegates)]
    if record.billing is not None:
        found.append(record.billing.email)
    return frozenset(canonical_address(address) for address in found if address)
