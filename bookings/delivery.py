"""Sending one message to each confirmed delegate of an event once, recorded per delegate in the booking record.

Joining instructions and certificates both work this way: the record's `joining_sent` / `certificate_sent`
hold the delegate positions already served, so a rerun serves only substitutes and late bookings. The
record is written once per booking, after that booking's messages were accepted by the mail server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal, TextIO

import stripe

from adapters.mail.send import MailRefused, MailSession, MailUnavailable
from booking.record import Attendee, BookingRecord, from_metadata, to_metadata
from bookings.context import stripe_errors
from bookings.export import ListedBooking, find_bookings

Flag = Literal["joining_sent", "certificate_sent"]


@dataclass(frozen=True)
class Place:
    """One delegate's place on one booking; `position` is 0-based, `number` as people count."""

    booking: ListedBooking
    record: BookingRecord
    position: int

    @property
    def delegate(self) -> Attendee:
        return self.record.delegates[self.position]

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def label(self) -> str:
        return f"{self.delegate.name} <{self.delegate.email}> ({self.record.ref}, delegate {self.number})"


@dataclass
class Plan:
    """Who is due (in booking order), how many already had it, how many places are on cancelled bookings."""

    due: list[Place] = field(default_factory=list)
    already: int = 0
    cancelled: int = 0
    places: list[Place] = field(default_factory=list)  # every place on a live booking, due or not


def event_bookings(api: Any, where: str, event: str, stderr: TextIO) -> list[ListedBooking]:
    """The event's bookings as the delegate list finds them, with the search's progress on stderr."""

    def searched(what: str, count: int) -> None:
        if count:
            print(f"bookings: read {count} {what} of {event} from Stripe", file=stderr, flush=True)

    return stripe_errors(where, lambda: find_bookings(api, event, searched))


def plan(bookings: list[ListedBooking], flag: Flag) -> Plan:
    result = Plan()
    for booking in bookings:
        record = booking.record
        if booking.cancelled:
            result.cancelled += len(record.delegates)
            continue
        done: frozenset[int] = getattr(record, flag)
        for position in range(len(record.delegates)):
            place = Place(booking, record, position)
            result.places.append(place)
            if position in done:
                result.already += 1
            else:
                result.due.append(place)
    return result


@dataclass
class Outcome:
    sent: int = 0
    failures: list[str] = field(default_factory=list)


def deliver(
    api: Any,
    due: list[Place],
    flag: Flag,
    build: Callable[[Place], EmailMessage],
    session: MailSession,
    progress: Callable[[int, int], None],
) -> Outcome:
    """Send each place its message; record those accepted, one record update per booking."""
    outcome = Outcome()
    by_booking: dict[str, list[Place]] = {}
    for place in due:
        by_booking.setdefault(place.booking.stripe_id, []).append(place)
    done = 0
    down: MailUnavailable | None = None  # once the server cannot be reached, the rest are not tried one by one
    for places in by_booking.values():
        accepted: list[Place] = []
        for place in places:
            if down is not None:
                outcome.failures.append(f"{place.label}: not sent (the mail server could not be reached)")
                continue
            try:
                session.send(build(place))
            except MailRefused as exc:
                outcome.failures.append(f"{place.label}: the mail server refused it ({exc})")
            except MailUnavailable as exc:
                down = exc
                outcome.failures.append(f"{place.label}: not sent ({exc})")
            else:
                accepted.append(place)
            done += 1
            progress(done, len(due))
        if not accepted:
            continue

        def mark(record: BookingRecord, served: list[Place] = accepted) -> BookingRecord:
            return _mark(record, flag, served)

        try:
            update_record(api, places[0].booking, mark)
        except (stripe.StripeError, ValueError) as exc:  # the messages went: say so, and that a rerun resends them
            reason = exc.user_message or type(exc).__name__ if isinstance(exc, stripe.StripeError) else str(exc)
            outcome.failures.append(
                f"{places[0].record.ref}: sent to {len(accepted)} but not recorded in Stripe ({reason}); "
                "a rerun will send these again"
            )
            if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
                outcome.failures.append(
                    "stopped: the Stripe key may not write PaymentIntents and Invoices, so nothing more was sent; "
                    "give it write access and run the command again"
                )
                outcome.sent += len(accepted)
                return outcome
        outcome.sent += len(accepted)
    return outcome


def _mark(record: BookingRecord, flag: Flag, accepted: list[Place]) -> BookingRecord:
    """Add the positions served, but only where the same person still holds the place (not substituted since)."""
    served = {
        place.position
        for place in accepted
        if place.position < len(record.delegates) and record.delegates[place.position] == place.delegate
    }
    current: frozenset[int] = getattr(record, flag)
    return record.model_copy(update={flag: current | served})


def update_record(api: Any, booking: ListedBooking, change: Callable[[BookingRecord], BookingRecord]) -> BookingRecord:
    """Read the booking's record fresh from Stripe, apply `change`, and write it back if it changed."""
    resource = api.v1.payment_intents if booking.method == "card" else api.v1.invoices
    meta = dict(resource.retrieve(booking.stripe_id).to_dict().get("metadata") or {})
    current = from_metadata(meta)
    if current is None:
        raise ValueError(f"{booking.stripe_id} no longer holds a booking")
    updated = change(current)
    if updated != current:
        resource.update(booking.stripe_id, params={"metadata": to_metadata(updated, previous=meta)})
    return updated
