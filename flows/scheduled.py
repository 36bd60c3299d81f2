"""The scheduled run (EventBridge Scheduler in production): deliver what waits in the outbox, expire
requests (invoice, £0) whose booker never confirmed them before their link lapsed, and (given the fee table)
purchase to pay's steps: quotations that lapse, PO reminders, PO holds that end (flows.purchase.sweep)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.mail.outbox import Delivery
from booking import life
from booking.life import Booking, State
from booking.record import BookingRecord
from flows.advance import Mail, advance
from flows.payments import deliver_all

if TYPE_CHECKING:
    from adapters.store import BookingStore
    from flows.purchase import Swept
    from pricing import FeeTable

log = logging.getLogger("booking.flows.scheduled")


def request_expires(record: BookingRecord) -> str:
    """When a request lapses (ISO 8601 UTC; "" when the record does not say), as the booking flow records it."""
    return str(getattr(record, "request_expires", "") or "")


def _due(when: str, now: str) -> bool:
    if not when:
        return False
    try:
        return datetime.fromisoformat(when) <= datetime.fromisoformat(now)
    except ValueError:  # not a time: never lapses by itself (logged, for someone to look at)
        log.warning("a request's expiry %r is not a time", when)
        return False


@dataclass
class Run:
    """What one scheduled run did."""

    delivery: Delivery = field(default_factory=Delivery)
    expired: list[str] = field(default_factory=list)
    swept: Swept | None = None


def lapsed(
    store: BookingStore, events: Iterable[str], now: str, expires: Callable[[BookingRecord], str] = request_expires
) -> list[str]:
    """The references of requests still waiting for their booker whose link has lapsed by `now`.

    Each event's bookings are read through the by_event index (the function may not scan the table): one
    organiser's events hold a few thousand bookings at most, and the run comes every few minutes.
    """
    found = []
    for event in events:
        for stored in store.by_event(event):
            if stored.state == State.REQUESTED and _due(expires(stored.record), now):
                found.append(stored.record.ref)
    return found


def run(
    store: BookingStore,
    mail: Mail,
    events: Iterable[str],
    now: str,
    expires: Callable[[BookingRecord], str] = request_expires,
    fees: FeeTable | None = None,
) -> Run:
    """Expire the lapsed requests of `events` (the fee table's), lapse quotations, remind and release PO holds
    (when given the fee table), then deliver every message that waits."""
    done = Run()
    if fees is not None:
        from flows.purchase import sweep

        done.swept = sweep(store, fees, mail, datetime.fromisoformat(now))
    for ref in lapsed(store, events, now, expires):

        def still_lapsed(booking: Booking | None) -> life.Event | None:
            # Read again inside the step: the booker may have confirmed it a moment ago.
            if booking is None or booking.state != State.REQUESTED:
                return None
            return life.Expired(now) if _due(expires(booking.record), now) else None

        step = advance(store, ref, still_lapsed, about=mail.about, letterhead=mail.letterhead)
        if step.changed:
            done.expired.append(ref)
            log.info("request %s lapsed unconfirmed: expired", ref, extra={"booking_ref": ref})
    done.delivery = deliver_all(store, mail)
    return done
