"""The scheduled run (EventBridge Scheduler in production): expire requests (invoice, £0) whose booker never
confirmed them before their link lapsed, write the payment reminders due today (flows.chase), and deliver what
waits in the outbox."""

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
from flows.chase import ChaseRun, chase
from flows.payments import deliver_all

if TYPE_CHECKING:
    import stripe

    from adapters.store import BookingStore

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
    chased: ChaseRun | None = None


@dataclass(frozen=True)
class Chasing:
    """The chasing step's inputs: Stripe (to read each invoice back), the fee table's reminder days, today's UK
    date (ISO)."""

    api: stripe.StripeClient
    schedule: tuple[int, ...]
    today: str


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
    chasing: Chasing | None = None,
) -> Run:
    """Expire the lapsed requests of `events` (the fee table's), write the reminders due (with `chasing`), then
    deliver every message that waits."""
    done = Run()
    events = list(events)
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
    if chasing is not None:
        done.chased = chase(store, chasing.api, mail, events, chasing.schedule, today=chasing.today, at=now)
    done.delivery = deliver_all(store, mail)
    return done
