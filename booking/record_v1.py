"""The first record format, read only: hand-made text in metadata ("Name <email> | job | org").

Bookings made before the record became versioned JSON (booking.record) still carry it; `read` turns one
into today's record. (Until every caller reads booking.record, `from_metadata` here still serves them.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from booking import record

_ENTRY = re.compile(r"^(?P<name>.*?) <(?P<email>[^<>\s]+@[^<>\s]+)>(?: \| (?P<rest>.*))?$", re.DOTALL)
_PACKED = re.compile(r"^(?P<email>[^\s()]+@[^\s()]+) \((?P<name>.*)\)$", re.DOTALL)
_AMOUNT = re.compile(r"^(\d{1,9})\+(\d{1,9})$")


@dataclass(frozen=True)
class Person:
    """A delegate (or the booker) as recorded: job title and organisation may be empty."""

    name: str
    email: str
    job_title: str = ""
    organisation: str = ""

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Amount:
    """One delegate's place as charged: net + VAT = gross, in pence."""

    net_pence: int
    vat_pence: int

    @property
    def gross_pence(self) -> int:
        return self.net_pence + self.vat_pence


@dataclass(frozen=True)
class BookingRecord:
    """Everything the metadata says about one booking; `amounts` is per delegate ([] if not recorded)."""

    ref: str
    event: str
    category: str
    payment: str
    contact: Person
    delegates: tuple[Person, ...]
    amounts: tuple[Amount, ...]
    purchase_order: str = ""

    @property
    def net_pence(self) -> int:
        return sum(a.net_pence for a in self.amounts)

    @property
    def vat_pence(self) -> int:
        return sum(a.vat_pence for a in self.amounts)

    @property
    def gross_pence(self) -> int:
        return sum(a.gross_pence for a in self.amounts)


def _blank(text: str) -> str:
    return "" if text.strip() in ("", "-") else text.strip()


def parse_person(entry: str) -> Person:
    """'Name <email> | job | org' (both slots kept, '-' for empty) or the packed 'email (Name)'."""
    match = _ENTRY.match(entry)
    if match:
        rest = (match.group("rest") or "").rsplit(" | ", 1)
        job, org = (rest[0], rest[1]) if len(rest) == 2 else (rest[0], "")
        return Person(match.group("name").strip(), match.group("email").lower(), _blank(job), _blank(org))
    packed = _PACKED.match(entry.strip())
    if packed:
        return Person(packed.group("name").strip(), packed.group("email").lower())
    return Person(entry.strip(), "")


def _contact(entry: str) -> Person:
    # "Name <email> | organisation"
    match = _ENTRY.match(entry)
    if not match:
        return Person(entry.strip(), "")
    return Person(match.group("name").strip(), match.group("email").lower(), "", _blank(match.group("rest") or ""))


def parse_amounts(entry: str, delegates: int) -> tuple[Amount, ...]:
    """'26550+5310;22568+4514' -> one Amount per delegate (first, then each additional); () if absent or malformed."""
    parts = [_AMOUNT.match(p.strip()) for p in entry.split(";")] if entry else []
    if not parts or not all(parts) or len(parts) > 2 or delegates < 1:
        return ()
    first = Amount(int(parts[0].group(1)), int(parts[0].group(2)))  # type: ignore[union-attr]
    if delegates == 1:
        return (first,)
    if len(parts) < 2:
        return ()
    additional = Amount(int(parts[1].group(1)), int(parts[1].group(2)))  # type: ignore[union-attr]
    return (first,) + (additional,) * (delegates - 1)


def from_metadata(meta: Mapping[str, Any]) -> BookingRecord:
    """Read a booking from Stripe metadata written by checkout.metadata() / invoicing."""
    meta = {str(k): str(v) for k, v in (meta or {}).items()}
    entries = [meta[k] for k in sorted(meta) if k.startswith("delegate_")]
    for key in sorted(k for k in meta if k.startswith("delegates_")):
        entries.extend(meta[key].split("\n"))
    delegates = tuple(parse_person(e) for e in entries if e.strip())
    return BookingRecord(
        ref=meta.get("booking_ref", ""),
        event=meta.get("event", ""),
        category=meta.get("category", ""),
        payment=meta.get("payment", ""),
        contact=_contact(meta.get("contact", "")),
        delegates=delegates,
        amounts=parse_amounts(meta.get("amounts", ""), len(delegates)),
        purchase_order=meta.get("purchase_order", ""),
    )


def read(meta: Mapping[str, Any]) -> record.BookingRecord:
    """A first-format booking as today's record; the flags it had (fulfilled, e-mails sent) carry over."""
    old = from_metadata(meta)
    payment: Literal["card", "invoice"] = "invoice" if old.payment == "invoice" else "card"
    return record.BookingRecord(
        ref=old.ref,
        event=old.event,
        category=old.category,
        payment=payment,
        contact=record.Contact(name=old.contact.name, email=old.contact.email, organisation=old.contact.organisation),
        delegates=tuple(
            record.Attendee(name=d.name, email=d.email, job_title=d.job_title, organisation=d.organisation)
            for d in old.delegates
        ),
        amounts=tuple(record.Amount(net_pence=a.net_pence, vat_pence=a.vat_pence) for a in old.amounts),
        purchase_order=old.purchase_order,
        fulfilled_at=str(meta.get("fulfilled_at", "")),
        confirmation_sent=str(meta.get("confirmation_sent", "")),
    )
