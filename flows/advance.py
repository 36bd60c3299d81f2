"""One step of a booking's life against the store: read, apply, compose, write conditionally; on a lost race,
read again and apply again, so two deliveries (or two people) at once make one transition, never two."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from adapters.store import BookingStore, Conflict, Outgoing, Stored, Take, code_key, places_key
from booking import life
from booking.life import Booking, State, Transition

log = logging.getLogger("booking.flows.advance")

# Each lost race means someone else's write landed: a handful of tries is plenty, and a loop that keeps losing
# means something is wrong (it raises Conflict rather than spin).
MAX_ATTEMPTS = 8

if TYPE_CHECKING:  # the mail composition is imported only when a transition sends a message (cold start)
    from adapters.mail.compose import About, Letterhead
    from adapters.mail.send import MailSession

EventFor = Callable[[Booking | None], life.Event | None]


class Mail(NamedTuple):
    """How a flow's messages are composed (`about` a booking, on the `letterhead`) and sent (`session()`).

    `letterhead` may be a function that makes it: it is then called only when a transition sends a message."""

    about: Callable[[Booking], About]
    letterhead: Letterhead | Callable[[], Letterhead]
    session: Callable[[], MailSession]


class Step(NamedTuple):
    """What `advance` did: the transition (None when there was no event to apply) and the booking as stored."""

    transition: Transition | None
    booking: Booking | None

    @property
    def changed(self) -> bool:
        return self.transition is not None and self.transition.changed


def booking_of(stored: Stored | None) -> Booking | None:
    return None if stored is None else Booking(stored.record, State(stored.state), stored.version)


def place_takes(transition: Transition, capacity: int | None) -> list[Take]:
    """The event's places counter moved by the transition; a take is limited by `capacity` unless money has
    already arrived for it."""
    if not transition.places:
        return []
    limit = capacity if transition.places > 0 and transition.limited else None
    return [Take(places_key(transition.booking.record.event), transition.places, limit)]


def code_takes(current: Booking | None, transition: Transition, limit: int | None) -> list[Take]:
    """A discount code's uses move with the booking: one is taken when a booking with the code is stored (or a
    lapsed one starts over), limited by the code's `uses`, and given back when it lapses unpaid or unconfirmed.
    A cancelled booking keeps its use (the code was spent). Every code is counted, limited or not, so a limit
    the organiser adds later starts from the true count."""
    code = transition.booking.record.code
    if not code:
        return []
    was = None if current is None else current.state
    now = transition.booking.state
    if was in (None, State.EXPIRED) and now != State.EXPIRED:
        return [Take(code_key(code), 1, limit)]
    if now == State.EXPIRED and was != State.EXPIRED:
        return [Take(code_key(code), -1)]
    return []


def messages(transition: Transition, about: About, letterhead: Letterhead | Callable[[], Letterhead]) -> list[Outgoing]:
    """Every message the transition sends, composed, as the outbox keeps them."""
    from adapters.mail.compose import compose
    from adapters.mail.outbox import outgoing

    made = letterhead() if callable(letterhead) else letterhead
    composed = ((send, compose(send, about, made)) for send in transition.sends)
    return [outgoing(send.message_id, message) for send, message in composed if message is not None]


def advance(
    store: BookingStore,
    ref: str,
    event: life.Event | EventFor,
    *,
    about: Callable[[Booking], About],
    letterhead: Letterhead | Callable[[], Letterhead],
    capacity: int | None = None,
    code_limit: int | None = None,
    takes: Callable[[Transition], Sequence[Take]] = lambda _: (),
    fresh: bool = False,
) -> Step:
    """Apply `event` (or the event `event(booking)` decides on, from the booking as stored now) to booking `ref`
    and store the result with its messages and counter changes in one conditional write.

    `letterhead` may be a function that makes it, called only when the transition sends a message.
    `capacity` limits the event's places and `code_limit` the uses of the booking's discount code (both only
    when the transition takes some). Raises LimitReached when a take passes its limit (nothing written),
    StoreUnavailable, or Conflict when the booking kept changing under us.

    `fresh`: the booking is most likely not stored yet, so the first try creates it without reading it (one
    request to the store instead of two). If it is stored after all (a double submit, a lapsed booking made
    again), that write fails as a lost race does and the booking is read and applied as usual.
    """
    unread = fresh and not callable(event)
    for _ in range(MAX_ATTEMPTS):
        stored = None if unread else store.get(ref)
        unread = False
        current = booking_of(stored)
        happened = event(current) if callable(event) else event
        if happened is None:
            return Step(None, current)
        transition = life.apply(current, happened)
        if not transition.changed:
            return Step(transition, current)
        new = transition.booking
        counters = [
            *place_takes(transition, capacity),
            *code_takes(current, transition, code_limit),
            *takes(transition),
        ]
        # What a message says is read (event, fee category, links) only when the transition sends one.
        outgoing_messages = messages(transition, about(new), letterhead) if transition.sends else []
        try:
            if stored is None:
                written = store.create(new.record, new.state, takes=counters, messages=outgoing_messages)
            else:
                written = store.write(stored, new.record, new.state, takes=counters, messages=outgoing_messages)
        except Conflict:
            continue
        # The one line every change of a booking writes: its reference and states, nothing personal.
        log.info("booking %s: %s -> %s", ref, current.state if current else "new", new.state)
        return Step(transition, booking_of(written))
    raise Conflict(f"booking {ref} kept changing")
