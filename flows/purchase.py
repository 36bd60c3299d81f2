"""Purchase to pay against the store: a quotation made once its buyer confirmed their address (numbered from
one sequence, its places held until it expires), turned into an invoice booking from its link; a booking whose
PO is to follow, its PO added from the booker's link; and the scheduled run's steps (quotations that lapse, PO
reminders, holds that end). Every change is one flows.advance; Stripe calls are the caller's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.store import QUOTE_NUMBERS, BookingStore
from booking import life
from booking.life import Booking, InvoiceDetails, State, StripeFacts
from booking.links import sign
from booking.record import BookingRecord
from flows import hourly
from flows.advance import EventFor, Mail, Step, advance
from flows.booking import deliver_pending, stamp
from pricing import FeeTable

log = logging.getLogger("booking.flows.purchase")

QUOTE_PURPOSE = "quote"  # the quotation's page and PDF, and turning it into a booking
PO_PURPOSE = "po"  # adding the PO to a booking whose PO is to follow


# Quote requests a client may make in an hour. Each holds nothing until its buyer confirms it from their e-mail,
# but a confirmed quotation holds places for weeks: this keeps a script with many mailboxes from holding an event.
QUOTES_PER_CLIENT_PER_HOUR = 5


def count_quote_request(store: BookingStore, client: str, secret: str, now: datetime) -> bool:
    """Count one quote request from `client`; False when it is past the hour's limit (nothing counted)."""
    return hourly.count(store, "quote-requests", client, secret, now, QUOTES_PER_CLIENT_PER_HOUR)


def quote_number(n: int) -> str:
    """A quotation's number as printed: Q-000042."""
    return f"Q-{n:06d}"


def link(site_url: str, path: str, ref: str, *, purpose: str, secret: str, expires: datetime) -> str:
    """A private link for one booking and one purpose, until `expires` (its hold's end, or the quote's)."""
    token = sign({"ref": ref}, purpose=purpose, secret=secret, expires_at=int(expires.timestamp()))
    return f"{site_url}{path}?token={token}"


def quote_url(site_url: str, ref: str, *, secret: str, expires: datetime) -> str:
    return link(site_url, "/api/bookings/quote", ref, purpose=QUOTE_PURPOSE, secret=secret, expires=expires)


def po_url(site_url: str, ref: str, *, secret: str, expires: datetime) -> str:
    return link(site_url, "/api/bookings/po", ref, purpose=PO_PURPOSE, secret=secret, expires=expires)


def private_links(record: BookingRecord, *, site_url: str, secret: str | None) -> dict[str, str]:
    """A quotation's private link (until it expires) and a PO-to-follow booking's PO link (until its hold ends),
    under the names of the messages that carry them; none without the link secret."""
    if not secret:
        return {}
    links = {}
    if record.is_quote and record.quote_expires:
        links["quote"] = quote_url(
            site_url, record.ref, secret=secret, expires=datetime.fromisoformat(record.quote_expires)
        )
    if record.po_to_follow and record.po_hold_until:
        url = po_url(site_url, record.ref, secret=secret, expires=datetime.fromisoformat(record.po_hold_until))
        links.update({"po_link": url, "po_reminder": url})
    return links


def _advance(
    store: BookingStore, ref: str, event: life.Event | EventFor, mail: Mail, capacity: int | None = None
) -> Step:
    step = advance(
        store,
        ref,
        event,
        about=mail.about,
        letterhead=mail.letterhead,
        capacity=capacity,
    )
    if step.changed and step.transition is not None and step.transition.sends:
        deliver_pending(store, ref, mail)
    return step


def confirm_quote(store: BookingStore, ref: str, at: datetime, fees: FeeTable, mail: Mail) -> Step:
    """The buyer confirmed their quote request: it is numbered (the next of the site's sequence), its places
    taken (LimitReached: sold out, nothing written) and the quotation e-mailed. Twice is once: a number is
    taken only for a request still waiting."""
    stored = store.get(ref)
    if stored is None or stored.state != State.REQUESTED:
        return Step(None, None if stored is None else Booking(stored.record, State(stored.state), stored.version))
    event = stored.record.event
    number = quote_number(store.next_number(QUOTE_NUMBERS))
    expires = stamp(fees.quote_expires(event, at))
    confirmed = life.RequestConfirmed(stamp(at), quote_number=number, quote_expires=expires)
    step = _advance(store, ref, confirmed, mail, fees.events[event].places)
    log.info("booking %s: quotation %s (%s)", ref, number, "made" if step.changed else "already made")
    return step


def accept_quote(
    store: BookingStore, ref: str, at: datetime, fees: FeeTable, details: InvoiceDetails | None, mail: Mail
) -> Step:
    """Turn a quotation into an invoice booking: with its PO (the invoice is the caller's next step) or with the
    PO to follow (held until the fee table's hold ends; the booker gets the PO link)."""
    stored = store.get(ref)
    event = stored.record.event if stored is not None else ""
    hold = stamp(fees.po_hold_ends(event, at)) if details is None and event in fees.events else ""
    step = _advance(store, ref, life.QuoteAccepted(stamp(at), details, hold), mail)
    log.info("booking %s: quotation accepted (%s)", ref, step.booking.state if step.booking else "none")
    return step


def add_po(store: BookingStore, ref: str, at: datetime, details: InvoiceDetails, mail: Mail) -> Step:
    """The booker added the PO: the booking awaits its invoice (the caller makes it). Only the first PO counts."""
    step = _advance(store, ref, life.PoAdded(stamp(at), details), mail)
    log.info("booking %s: PO %s", ref, "added" if step.changed else "not added (none awaited)")
    return step


def invoice_issued(store: BookingStore, ref: str, facts: StripeFacts, mail: Mail) -> Step:
    return _advance(store, ref, life.InvoiceIssued(facts), mail)


def reminder_points(record_hold_from: str, days: Iterable[int], hold_until: str, now: str) -> frozenset[int]:
    """The reminder days (after booking) that have come by `now`, within the hold."""
    start = datetime.fromisoformat(record_hold_from)
    until = datetime.fromisoformat(hold_until) if hold_until else None
    moment = datetime.fromisoformat(now)
    due = set()
    for day in days:
        at = start + timedelta(days=day)
        if at <= moment and (until is None or at < until):
            due.add(day)
    return frozenset(due)


@dataclass
class Swept:
    """What the scheduled run's purchase-to-pay step did (or, dry, would do), by reference."""

    quotes_lapsed: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)


def _held_since(booking: Booking) -> str:
    record = booking.record
    return record.quote_accepted_at or record.fulfilled_at or record.booked_at


def _due(booking: Booking | None, fees: FeeTable, at: str, remind: bool) -> tuple[str, life.Event] | None:
    """What the sweep does to `booking` at `at` (ISO UTC), as (the Swept list it goes in, the event): a quotation
    past its valid-until lapses, a hold past its end is released, else a PO reminder whose day has come."""
    if booking is None:
        return None
    record = booking.record
    if booking.state == State.QUOTED and record.quote_expires and record.quote_expires <= at:
        return "quotes_lapsed", life.QuoteLapsed(at)
    if booking.state != State.AWAITING_PO:
        return None
    if record.po_hold_until and record.po_hold_until <= at:
        return "released", life.PoHoldEnded(at)
    if remind and _held_since(booking):
        points = reminder_points(_held_since(booking), fees.po_reminder_days, record.po_hold_until, at)
        if points - record.po_reminders:
            return "reminded", life.PoReminderDue(points)
    return None


def sweep(
    store: BookingStore,
    fees: FeeTable,
    mail: Mail,
    now: datetime,
    *,
    dry_run: bool = False,
    remind: bool = True,
) -> Swept:
    """Lapse the quotations past their valid-until, remind bookers whose PO is due (unless not `remind`), release
    the holds that ended. Each decision is made again on the booking as stored inside its step (the buyer may act
    at that moment). `dry_run`: what would be done, nothing written."""
    at = stamp(now)
    done = Swept()
    for event in fees.events:
        for stored in store.by_event(event):
            ref = stored.record.ref
            found = _due(Booking(stored.record, State(stored.state), stored.version), fees, at, remind)
            if found is None:
                continue
            kind = found[0]
            if dry_run:
                getattr(done, kind).append(ref)
                continue

            def still(booking: Booking | None, kind: str = kind) -> life.Event | None:
                again = _due(booking, fees, at, remind)
                return again[1] if again is not None and again[0] == kind else None

            if _advance(store, ref, still, mail).changed:
                getattr(done, kind).append(ref)
    if not dry_run:
        log.info(
            "purchase to pay: %d quotation(s) lapsed, %d reminder(s), %d hold(s) released",
            len(done.quotes_lapsed),
            len(done.reminded),
            len(done.released),
        )
    return done
