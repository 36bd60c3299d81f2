"""The start of a booking's life: a card booking holds its places while the booker is at Stripe's checkout; an
invoice or £0 booking waits as a request until the booker confirms it from their e-mail, then takes its places.

Each step is one flows.advance (read, apply, compose, one conditional write), then the booking's messages are
delivered at once (best effort: what the mail server does not take stays in the outbox for the next run).
Stripe calls are the caller's (functions/ via adapters.payments): these steps only touch the store and mail.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from adapters.store import BookingStore
from booking.life import (
    Booking,
    CheckoutStarted,
    Expired,
    Paid,
    RequestConfirmed,
    Requested,
    State,
    StripeFacts,
)
from booking.record import BookingRecord
from flows.advance import Mail, Step, advance

if TYPE_CHECKING:  # the mail server is reached only when there is something to send (not at a card booking's start)
    from adapters.mail.outbox import Delivery

log = logging.getLogger("booking.flows.booking")


def stamp(at: datetime) -> str:
    """A moment as the record keeps it: ISO 8601 in UTC, to the second (so stamps compare as text)."""
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _deliver(store: BookingStore, ref: str, mail: Mail) -> Delivery:
    """Send what the booking has waiting; anything the server did not take stays pending (logged by count)."""
    from adapters.mail.outbox import deliver

    with mail.session() as session:
        done = deliver(store, session, ref)
    if not done.complete:
        log.warning("booking %s: %d message(s) left in the outbox", ref, len(done.waiting))
    return done


def deliver_pending(store: BookingStore, ref: str, mail: Mail) -> Delivery:
    """Send what booking `ref` still has waiting in the outbox (a retry on the next event about it)."""
    return _deliver(store, ref, mail)


def start_checkout(
    store: BookingStore, record: BookingRecord, *, capacity: int | None, code_limit: int | None = None, mail: Mail
) -> Step:
    """Store a card booking going to Stripe's checkout, holding its places and its code's use (LimitReached: sold
    out or the code used up, nothing written). A double submit finds it stored and changes nothing; one that
    lapsed starts over."""
    step = advance(
        store,
        record.ref,
        CheckoutStarted(record),
        about=mail.about,
        letterhead=mail.letterhead,
        capacity=capacity,
        code_limit=code_limit,
        fresh=True,
    )
    log.info("booking %s: checkout started (%s)", record.ref, "stored" if step.changed else "already stored")
    return step


def give_back(store: BookingStore, ref: str, at: datetime, mail: Mail) -> Step:
    """The checkout could not be made (Stripe failed after the store write): the places go back at once."""
    step = advance(store, ref, Expired(stamp(at)), about=mail.about, letterhead=mail.letterhead)
    log.info("booking %s: places given back (%s)", ref, step.booking.state if step.booking else "none")
    return step


def request(
    store: BookingStore, record: BookingRecord, mail: Mail, code_limit: int | None = None
) -> tuple[Step, Delivery | None]:
    """Store a request (invoice or £0) that waits for the booker's confirmation, and send them its one e-mail
    (what the delivery did; None when a double submit found it stored and sent nothing more). It holds no
    places and is not a booking until confirmed."""
    lapsed = advance(
        store,
        record.ref,
        lambda current: Expired(record.booked_at) if _lapsed(current, record.booked_at) else None,
        about=mail.about,
        letterhead=mail.letterhead,
    )
    if lapsed.changed:  # made again after its link expired, before the scheduled run marked it: it starts over
        log.info("booking %s: lapsed request made again", record.ref)
    step = advance(
        store, record.ref, Requested(record), about=mail.about, letterhead=mail.letterhead, code_limit=code_limit
    )
    delivery = _deliver(store, record.ref, mail) if step.changed else None
    log.info("booking %s: request %s", record.ref, "stored" if step.changed else "already stored")
    return step, delivery


def confirm_request(
    store: BookingStore,
    ref: str,
    at: datetime,
    *,
    capacity: int | None,
    mail: Mail,
    free: bool = False,
    stripe: StripeFacts | None = None,
) -> Step:
    """The booker confirmed their request: it takes its places (LimitReached: sold out, nothing written) and,
    when `free`, is confirmed with its confirmations sent. Twice is once."""
    event = RequestConfirmed(stamp(at), free=free, stripe=stripe or StripeFacts())
    step = advance(store, ref, event, about=mail.about, letterhead=mail.letterhead, capacity=capacity)
    if step.changed:
        _deliver(store, ref, mail)
    log.info("booking %s: request confirmed (%s)", ref, step.booking.state if step.booking else "not stored")
    return step


def paid(store: BookingStore, ref: str, at: datetime, stripe: StripeFacts, mail: Mail) -> Step:
    """Stripe says the booking is paid (the success page read it back): confirmed once, its messages sent."""
    step = advance(store, ref, Paid(stamp(at), stripe), about=mail.about, letterhead=mail.letterhead)
    if step.changed:
        _deliver(store, ref, mail)
        log.info("booking %s: paid", ref)
    return step


def _lapsed(current: Booking | None, moment: str) -> bool:
    if current is None or current.state != State.REQUESTED:
        return False
    expires = current.record.request_expires
    return bool(expires and moment and expires <= moment)
