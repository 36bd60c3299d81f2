"""Sending one kind of message (joining instructions, certificates) to each attending delegate of an event, once.

Each booking's due delegates get theirs through one step of the booking's life (life.Delivered, by
flows.advance): the booking records who has had it and the messages go into the outbox in the same
conditional write, so a rerun reaches only those who have not had it, and of two runs at once only one
writes them. The outbox then delivers them (adapters.mail.outbox), claiming each message first, so two runs
never both send one. Whatever the mail server does not take stays in the outbox for the next run or
`python -m bookings outbox --retry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from booking.life import Booking, Delivered, Kind, State, attending
from booking.record import Attendee, BookingRecord
from bookings.export import listed

if TYPE_CHECKING:
    from adapters.mail.compose import About, Letterhead
    from adapters.mail.outbox import Delivery
    from adapters.mail.send import MailSession
    from adapters.store import BookingStore

FLAGS = {Kind.JOINING: "joining_sent", Kind.CERTIFICATE: "certificate_sent"}
# One transition writes the booking and its messages in one DynamoDB transaction: at most 100 items and 4 MB.
# Larger bookings (certificates carry their PDFs) are served in several steps under these bounds.
MAX_MESSAGES_PER_STEP = 50
MAX_BYTES_PER_STEP = 3_000_000
MESSAGE_BYTES = 20_000  # a composed message without attachments, generously


@dataclass(frozen=True)
class Place:
    """One delegate's place on one booking; `position` is 0-based, `number` as people count."""

    booking: Booking
    position: int

    @property
    def record(self) -> BookingRecord:
        return self.booking.record

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
    places: list[Place] = field(default_factory=list)  # every place on an attending booking, due or not


def event_bookings(store: BookingStore, event: str, stderr: TextIO) -> list[Booking]:
    """Every booking of the event as stored, oldest first, with a line on stderr saying how many."""
    found = [listed(stored) for stored in store.by_event(event)]
    print(f"bookings: read {len(found)} bookings of {event} from the bookings table", file=stderr, flush=True)
    return found


def plan(bookings: Iterable[Booking], kind: Kind) -> Plan:
    result = Plan()
    flag = FLAGS[kind]
    for booking in bookings:
        record = booking.record
        if booking.state == State.CANCELLED:
            result.cancelled += len(record.delegates)
            continue
        if not attending(booking):
            continue
        done: frozenset[int] = getattr(record, flag)
        for position in range(len(record.delegates)):
            place = Place(booking, position)
            result.places.append(place)
            if position in done:
                result.already += 1
            else:
                result.due.append(place)
    return result


@dataclass
class Outcome:
    """What a run did with this kind of message: sent, refused for good, waiting in the outbox (with a line for
    each that did not go), and what else it delivered from the same bookings' outbox."""

    sent: int = 0
    refused: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    earlier: int = 0  # messages of this kind written by an earlier run and still waiting when this one began
    other_sent: int = 0
    elsewhere: int = 0  # being sent by another run at the same moment


def position_of(message_id: str) -> int | None:
    """The delegate position in a message id like `CP-ABCDEF.joining.d1.v3`."""
    parts = message_id.split(".")
    if len(parts) > 2 and parts[2].startswith("d") and parts[2][1:].isdigit():
        return int(parts[2][1:])
    return None


def steps(places: list[Place], size: Callable[[Place], int]) -> list[list[Place]]:
    """The places of one booking in groups small enough for one transaction each."""
    groups: list[list[Place]] = []
    current: list[Place] = []
    weight = 0
    for place in places:
        cost = MESSAGE_BYTES + size(place)
        if current and (len(current) >= MAX_MESSAGES_PER_STEP or weight + cost > MAX_BYTES_PER_STEP):
            groups.append(current)
            current, weight = [], 0
        current.append(place)
        weight += cost
    if current:
        groups.append(current)
    return groups


def send(
    store: BookingStore,
    kind: Kind,
    due: list[Place],
    places: list[Place],
    about: Callable[[Booking], About],
    letterhead: Letterhead,
    session: MailSession,
    progress: Callable[[int, int], None],
    size: Callable[[Place], int] = lambda _: 0,
) -> Outcome:
    """Write each due place's message with its booking's transition and deliver the bookings' outbox; then
    deliver what earlier runs left waiting for this event's attending bookings (`places`)."""
    from adapters.mail.outbox import deliver
    from adapters.store import Conflict, message_kind
    from flows.advance import advance

    outcome = Outcome()
    refs = {place.record.ref for place in places}
    earlier = [item for item in store.pending() if item.ref in refs and message_kind(item.message_id) == kind]
    outcome.earlier = len(earlier)
    labels: dict[str, str] = {}  # message id -> who it is for
    for item in earlier:
        position = position_of(item.message_id)
        place = next((p for p in places if p.record.ref == item.ref and p.position == position), None)
        labels[item.message_id] = place.label if place else f"{item.ref} ({item.message_id})"
    by_booking: dict[str, list[Place]] = {}
    for place in due:
        by_booking.setdefault(place.record.ref, []).append(place)
    total = len(due) + len(earlier)
    done = 0
    unreachable = False
    written: list[str] = []
    handled: set[str] = set()

    def delivered(ref: str) -> None:
        nonlocal done, unreachable
        if unreachable:
            return
        result = deliver(store, session, ref)
        unreachable = result.unreachable
        done += _count(result, kind, outcome, labels, handled)
        progress(done, total)

    for ref, wanted in by_booking.items():
        for group in steps(wanted, size):
            planned = {place.position: place.delegate for place in group}

            def event(current: Booking | None, planned: dict[int, Attendee] = planned) -> Delivered | None:
                # Only to the delegate planned for: a place substituted since waits for the next run.
                if current is None:
                    return None
                delegates = current.record.delegates
                still = frozenset(p for p, who in planned.items() if p < len(delegates) and delegates[p] == who)
                return Delivered(kind, still) if still else None

            try:
                step = advance(store, ref, event, about=about, letterhead=letterhead)
            except Conflict:
                outcome.waiting.append(f"{ref}: the booking kept changing under this run; nothing sent, run again")
                continue
            if step.changed and step.transition is not None and step.booking is not None:
                for message in step.transition.sends:
                    written.append(message.message_id)
                    if message.position is not None:
                        labels[message.message_id] = Place(step.booking, message.position).label
        delivered(ref)
    for ref in sorted({item.ref for item in earlier} - set(by_booking)):
        delivered(ref)
    for message_id in written + [item.message_id for item in earlier]:
        if message_id in handled:
            continue
        if unreachable:
            outcome.waiting.append(f"{labels[message_id]}: not tried, the mail server could not be reached")
        else:  # another run at the same moment delivered it before this one came to it
            outcome.elsewhere += 1
    return outcome


def _count(result: Delivery, kind: Kind, outcome: Outcome, labels: dict[str, str], handled: set[str]) -> int:
    """Add one delivery's messages to the outcome; how many of them were of `kind`."""
    from adapters.store import message_kind

    ours = 0
    for message_id in result.sent + result.refused + result.waiting + result.elsewhere:
        handled.add(message_id)
        if message_kind(message_id) != kind:
            outcome.other_sent += message_id in result.sent
            continue
        ours += 1
        who = labels.get(message_id, message_id)
        reason = result.reasons.get(message_id, "")
        if message_id in result.sent:
            outcome.sent += 1
        elif message_id in result.refused:
            outcome.refused.append(f"{who}: the mail server refused it ({reason})")
        elif message_id in result.waiting:
            outcome.waiting.append(f"{who}: {reason}")
        else:
            outcome.elsewhere += 1
    return ours


def report(outcome: Outcome, already: int, cancelled: int, stdout: TextIO, stderr: TextIO) -> int:
    """The summary line on stdout, a line on stderr for each message that did not go; the exit status."""
    print(
        f"sent {outcome.sent}, refused {len(outcome.refused)}, waiting {len(outcome.waiting)}, "
        f"already had them {already - outcome.earlier}, skipped (cancelled) {cancelled}",
        file=stdout,
    )
    for line in outcome.refused:
        print(f"bookings: refused: {line}", file=stderr)
    for line in outcome.waiting:
        print(f"bookings: waiting in the outbox: {line}", file=stderr)
    if outcome.other_sent:
        print(f"bookings: also sent {outcome.other_sent} other messages these bookings had waiting", file=stderr)
    if outcome.elsewhere:
        print(f"bookings: {outcome.elsewhere} were being sent by another run at the same moment", file=stderr)
    if outcome.refused:
        print(
            f"bookings: {len(outcome.refused)} refused for good: check those addresses with the booker "
            "(the delegate list marks them in email_refused)",
            file=stderr,
        )
    if outcome.waiting:
        print(
            f"bookings: {len(outcome.waiting)} wait in the outbox: run `python -m bookings outbox --retry` "
            "(or this command again) when the mail server is back",
            file=stderr,
        )
    return 1 if outcome.refused or outcome.waiting else 0


def progress_printer(what: str, every: Callable[[], int], stderr: TextIO) -> Callable[[int, int], None]:
    """A progress callback printing "bookings: WHAT done of total" each time `done` passes a multiple of
    every(), and at the end, for runs longer than that."""
    last = 0

    def progress(done: int, total: int) -> None:
        nonlocal last
        step = every()
        if total > step and done > last and (done // step > last // step or done == total):
            print(f"bookings: {what} {done} of {total}", file=stderr, flush=True)
        last = done

    return progress
