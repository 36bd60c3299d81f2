"""One person's data: everything held about an e-mail address (the bookings that name it, their e-mails, what
Stripe holds), and its erasure wherever no legal duty keeps it (`python -m bookings person EMAIL ...`).

A person's bookings are found through the person items written with each booking (adapters.store, bookings_of),
never by reading every booking. Only the person's own details are exported: the other delegates of a booking are
other people.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from adapters.store import OutboxItem
from booking import life
from booking.record import BookingRecord
from booking.retention import names
from booking.text import canonical_address
from flows.advance import advance
from flows.retention import NO_MAIL, Line, no_mail

if TYPE_CHECKING:
    import stripe

    from adapters.store import BookingStore, Stored

log = logging.getLogger("booking.flows.person")

KEPT_ORGANISATION = (
    "the buyer's organisation on the VAT record: HMRC requires the records of a sale to be kept for six years"
)


def _readable(raw: bytes) -> tuple[str, str]:
    """A message's subject and its text (every text part, decoded), for the export and to find mentions."""
    if not raw:
        return "", ""
    message = message_from_bytes(raw, policy=policy.default)
    parts: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() == "text" and isinstance(part, EmailMessage):
            try:
                parts.append(str(part.get_content()))
            except (LookupError, ValueError):
                continue
    headers = " ".join(f"{name}: {value}" for name, value in message.items())
    return str(message.get("Subject", "")), headers + "\n" + "\n".join(parts)


def _mentions(text: str, address: str, person_names: frozenset[str]) -> bool:
    folded = text.casefold()
    return address.casefold() in folded or any(n.casefold() in folded for n in person_names if len(n) > 2)


def _own_part(record: BookingRecord, address: str) -> dict[str, Any]:
    """What the booking holds about the person at `address` (their roles and their own details only)."""
    wanted = canonical_address(address)

    def mine(value: str) -> bool:
        return bool(value) and canonical_address(value) == wanted

    part: dict[str, Any] = {
        "booking_ref": record.ref,
        "event": record.event,
        "booked_at": record.booked_at,
        "payment": record.payment,
        "roles": [],
    }
    if mine(record.contact.email):
        part["roles"].append("booker")
        part["booker"] = record.contact.model_dump()
    for position, delegate in enumerate(record.delegates):
        if mine(delegate.email):
            part["roles"].append(f"delegate {position + 1}")
            part.setdefault("as_delegate", []).append(delegate.model_dump())
    if record.billing is not None and mine(record.billing.email):
        part["roles"].append("invoice contact")
        part["invoice_contact"] = record.billing.model_dump()
    if record.invoice_number:
        part["invoice_number"] = record.invoice_number
    others = sum(1 for d in record.delegates if not mine(d.email))
    if others:
        part["other_delegates"] = f"{others} (other people: not part of this export)"
    return part


@dataclass
class Held:
    """Everything held about one address: JSON-able."""

    address: str
    generated_at: str
    bookings: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    stripe: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stripe_note: str = ""
    erased: dict[str, Any] | None = None

    @property
    def nothing(self) -> bool:
        return not (self.bookings or self.messages or any(self.stripe.values()))

    def as_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "generated_at": self.generated_at,
            "bookings": self.bookings,
            "messages": self.messages,
            "stripe": self.stripe,
            "stripe_note": self.stripe_note,
            "erased": self.erased,
        }


def held(
    store: BookingStore, address: str, now: datetime, api: stripe.StripeClient | None
) -> tuple[Held, list[Stored]]:
    """Everything held about `address` now, and the bookings that name it."""
    from adapters.payments import privacy

    wanted = canonical_address(address)
    found = store.bookings_of(wanted)
    report = Held(address=wanted, generated_at=now.isoformat(timespec="seconds"), erased=store.erasure(wanted))
    for stored in found:
        part = _own_part(stored.record, wanted)
        part["state"] = stored.state
        report.bookings.append(part)
        person_names = names(stored.record, wanted)
        for message in store.message_items(stored.record.ref):
            subject, text = _readable(message.raw)
            to_them = bool(message.to) and canonical_address(message.to) == wanted
            if not (to_them or (text and _mentions(text, wanted, person_names))):
                continue
            report.messages.append(
                {
                    "booking_ref": message.ref,
                    "message_id": message.message_id,
                    "kind": message.kind,
                    "status": message.status,
                    "created": message.created,
                    "sent_at": message.sent_at,
                    "to": message.to if to_them else "(someone else: it mentions you)",
                    "subject": subject,
                    "text": text.split("\n", 1)[1] if to_them and text else "",
                }
            )
    if api is None:
        report.stripe_note = "Stripe was not asked (STRIPE_SECRET_KEY is not set)"
        return report, found
    customers = privacy.customers_with(api, wanted)
    invoice_ids = [s.record.invoice_id for s in found]
    intents = [s.record.payment_intent for s in found]
    report.stripe = {
        "customers": [_pick(c, "id", "name", "email", "business_name", "address", "created") for c in customers],
        "invoices": [
            _pick(i, "id", "number", "status", "customer_name", "customer_email", "customer_address", "total")
            for i in privacy.invoices_of(api, invoice_ids)
            if canonical_address(str(i.get("customer_email") or "")) == wanted
        ],
        "payments": [
            _pick(s, "id", "customer_email", "customer_details", "amount_total", "status")
            for s in privacy.sessions_of(api, intents)
            if canonical_address(str(s.get("customer_email") or (s.get("customer_details") or {}).get("email") or ""))
            == wanted
        ],
    }
    return report, found


def _pick(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: obj.get(k) for k in keys}


@dataclass
class Erasure:
    changed: list[Line] = field(default_factory=list)
    kept: list[Line] = field(default_factory=list)
    waiting: list[Line] = field(default_factory=list)


def erase(store: BookingStore, address: str, now: datetime, api: stripe.StripeClient | None) -> Erasure:
    """Anonymise the person at `address` everywhere no legal duty keeps their data; what changed, what was kept
    and why, what must wait (an open invoice, a message being sent at this instant)."""
    from adapters.payments.client import StripeUnavailable

    wanted = canonical_address(address)
    at = now.isoformat(timespec="seconds")
    done = Erasure()
    found = store.bookings_of(wanted)
    kept_record: list[dict[str, str]] = []
    for stored in found:
        record = stored.record
        person_names = names(record, wanted)
        messages = store.message_items(record.ref)
        advance(store, record.ref, life.Erased(wanted, at), about=no_mail, letterhead=NO_MAIL)
        log.info("booking %s: a person's data erased at their request", record.ref)
        roles = _own_part(record, wanted)["roles"]
        done.changed.append(Line(record.ref, f"erased as {', '.join(roles)}"))
        if "booker" in roles or "invoice contact" in roles:
            organisation = record.contact.organisation or "(no organisation given)"
            line = Line(
                record.ref, f"the buyer's organisation, {organisation}, on the sale's record", KEPT_ORGANISATION
            )
            done.kept.append(line)
            kept_record.append({"booking_ref": record.ref, "kept": line.what, "why": line.why})
        _erase_messages(store, messages, wanted, person_names, done)
    # Bookings that named them once (they were replaced as a delegate): the e-mails they were sent are still there.
    current = {s.record.ref for s in found}
    for ref in store.refs_of(wanted):
        if ref not in current:
            messages = store.message_items(ref)
            _erase_messages(store, messages, wanted, _names_in(messages, wanted), done)
    for ref in store.refs_of(wanted):
        store.forget(wanted, ref)
    if api is None:
        done.waiting.append(Line("Stripe", "not asked", "STRIPE_SECRET_KEY is not set: run again with it"))
    else:
        try:
            _erase_at_stripe(api, wanted, found, done, kept_record)
        except StripeUnavailable:
            done.waiting.append(Line("Stripe", "could not be reached", "run the command again"))
    # An erasure asked for again keeps the record of what the first one kept.
    earlier = (store.erasure(wanted) or {}).get("kept", [])
    store.record_erasure(wanted, [*earlier, *(k for k in kept_record if k not in earlier)])
    return done


def _names_in(messages: list[OutboxItem], wanted: str) -> frozenset[str]:
    """The names the messages to `wanted` were addressed with (a replaced delegate's, no longer in the record)."""
    from email.utils import getaddresses

    found = set()
    for message in messages:
        if message.raw and message.to and canonical_address(message.to) == wanted:
            parsed = message_from_bytes(message.raw, policy=policy.default)
            found |= {name for name, _ in getaddresses([str(parsed.get("To", ""))]) if name}
    return frozenset(found)


def _erase_messages(
    store: BookingStore, messages: list[OutboxItem], wanted: str, person_names: frozenset[str], done: Erasure
) -> None:
    for message in messages:
        _, text = _readable(message.raw)
        to_them = bool(message.to) and canonical_address(message.to) == wanted
        if not (to_them or (text and _mentions(text, wanted, person_names))):
            continue
        # A message to them, or about them to someone else: its text goes; unsent, it is withdrawn.
        if store.scrub_message(message, body=True, recipient=to_them, withdraw=True):
            what = "withdrawn" if message.status == "pending" else "text cleared"
            done.changed.append(Line(message.ref, f"e-mail {message.message_id} {what}"))
        else:
            done.waiting.append(
                Line(message.ref, f"e-mail {message.message_id}", "being sent right now: run the command again")
            )


def _erase_at_stripe(
    api: stripe.StripeClient, wanted: str, found: list[Stored], done: Erasure, kept_record: list[dict[str, str]]
) -> None:
    from adapters.payments import privacy

    for customer in privacy.customers_with(api, wanted):
        open_ones = privacy.unsettled(api, customer["id"])
        if open_ones:
            done.waiting.append(
                Line(
                    "Stripe",
                    f"customer {customer['id']}",
                    f"invoice {', '.join(open_ones)} is unpaid: erase again once it is paid or voided",
                )
            )
            continue
        privacy.delete_customer(api, customer["id"])
        log.info("customer %s deleted at Stripe at a person's request", customer["id"])
        done.changed.append(Line("Stripe", f"customer {customer['id']} deleted"))
    for invoice in privacy.invoices_of(api, [s.record.invoice_id for s in found]):
        if canonical_address(str(invoice.get("customer_email") or "")) == wanted:
            line = Line("Stripe", f"invoice {invoice.get('number') or invoice['id']}", privacy.KEPT_INVOICE)
            done.kept.append(line)
            kept_record.append({"booking_ref": "", "kept": line.what, "why": line.why})
    for session in privacy.sessions_of(api, [s.record.payment_intent for s in found]):
        email = session.get("customer_email") or (session.get("customer_details") or {}).get("email") or ""
        if canonical_address(str(email)) == wanted:
            line = Line("Stripe", f"card payment {session['id']}", privacy.KEPT_SESSION)
            done.kept.append(line)
            kept_record.append({"booking_ref": "", "kept": line.what, "why": line.why})
