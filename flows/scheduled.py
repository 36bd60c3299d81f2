"""The scheduled run (EventBridge Scheduler in production): deliver what waits in the outbox, expire
requests (invoice, £0) whose booker never confirmed them before their link lapsed, and (given the fee table)
purchase to pay's steps: quotations that lapse, PO reminders, PO holds that end (flows.purchase.sweep) and
the payment reminders due today (flows.chase); and once a day apply the retention schedule (flows.retention)."""

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
from flows import retention as retention_schedule
from flows.advance import Mail, advance
from flows.chase import ChaseRun, chase
from flows.payments import deliver_all

if TYPE_CHECKING:
    import stripe

    from adapters.store import BookingStore, Stored
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
    retention: retention_schedule.Report | None = None  # None: not this run's turn
    chased: ChaseRun | None = None


# The retention schedule is applied by the one run a day that falls in this UK hour's first RUN_MINUTES minutes
# (the schedule comes every 5 minutes: exactly one run lands there).
RETENTION_HOUR = 2
RUN_MINUTES = 5


def retention_turn(now: str) -> bool:
    """Whether the run at `now` (ISO 8601) is the day's retention run (02:00 to 02:05, UK time)."""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(now).astimezone(ZoneInfo("Europe/London"))
    return moment.hour == RETENTION_HOUR and moment.minute < RUN_MINUTES


def kept_bookings(store: BookingStore, events: Iterable[str]) -> list[Stored]:
    """Every booking of `events` (the by_event index: the function may not scan)."""
    return [stored for event in events for stored in store.by_event(event)]


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
    fees: FeeTable | None = None,
    retention: retention_schedule.Job | None = None,
    kept_events: Iterable[str] = (),
    chasing: Chasing | None = None,
) -> Run:
    """Expire the lapsed requests of `events` (the fee table's), lapse quotations, remind and release PO holds
    (when given the fee table), write the payment reminders due (with `chasing`), then deliver every message that
    waits; on the day's retention turn, apply the `retention` schedule to the bookings of `kept_events` (every
    event with a page, past ones included)."""
    done = Run()
    events = list(events)
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
    if chasing is not None:
        done.chased = chase(store, chasing.api, mail, events, chasing.schedule, today=chasing.today, at=now)
    done.delivery = deliver_all(store, mail)
    if retention is not None and retention_turn(now):
        moment = datetime.fromisoformat(now)
        done.retention = retention_schedule.apply(store, kept_bookings(store, kept_events), retention, moment)
        changed = len({line.ref for line in done.retention.changed})
        log.info("retention: %d of %d bookings changed", changed, done.retention.bookings)
    return done
