"""Chasing unpaid invoices: a payment reminder on each day of the fee table's schedule (days from the due date),
each once, none once the invoice is paid, voided or credited in full.

Before a reminder goes, the invoice is read back from Stripe: an invoice paid (or voided, or credited) whose
webhook has not arrived yet moves the booking as the webhook would, and no reminder goes. Each reminder is a
transition of the booking's life (life.Chase), written with its message through flows.advance, so two runs at
once, or a run racing a payment, send it once at most. `python -m bookings chase` runs it locally, the
scheduled run (flows.scheduled) in production.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.payments import reads
from adapters.payments.client import StripeUnavailable
from booking import life
from booking.life import Booking, State
from flows.advance import Mail, advance
from flows.payments import invoice_found

if TYPE_CHECKING:
    import stripe

    from adapters.store import BookingStore

log = logging.getLogger("booking.flows.chase")


@dataclass(frozen=True)
class Reminder:
    """A reminder due (or, after a run, sent) for booking `ref`: its day of the schedule and days past due."""

    ref: str
    event: str
    day: int
    days_overdue: int
    amount_pence: int = 0


@dataclass
class ChaseRun:
    """What one chasing run did (or, dry, would do)."""

    reminders: list[Reminder] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # found paid, voided or credited at Stripe: no reminder
    failed: list[str] = field(default_factory=list)  # Stripe could not be asked: tried again next run


def due(store: BookingStore, events: Iterable[str], today: str, schedule: Sequence[int]) -> list[Reminder]:
    """Every unpaid invoice booking of `events` with a reminder due `today` (UK date, ISO), oldest first."""
    found = []
    for event in events:
        for stored in store.by_event(event):
            booking = Booking(stored.record, State(stored.state), stored.version)
            reminder = life.reminder_due(booking, today, schedule)
            overdue = life.days_overdue(booking.record, today)
            if reminder is not None and overdue is not None and stored.record.invoice_id:
                found.append(Reminder(stored.record.ref, event, reminder[0], overdue))
    return found


def chase(
    store: BookingStore,
    api: stripe.StripeClient,
    mail: Mail,
    events: Iterable[str],
    schedule: Sequence[int],
    *,
    today: str,
    at: str,
    dry_run: bool = False,
) -> ChaseRun:
    """Send every reminder due `today`; `at` is the run's time (ISO UTC) for what it records. Mail is written to
    the outbox with each transition; the caller delivers it (flows.payments.deliver_all)."""
    run = ChaseRun()
    schedule = tuple(schedule)
    for reminder in due(store, events, today, schedule):
        stored = store.get(reminder.ref)
        if stored is None:
            continue
        extra = {"booking_ref": reminder.ref}
        try:
            invoice = reads.invoice(api, stored.record.invoice_id)
            found = invoice_found(api, invoice, at)
        except (reads.NotFound, StripeUnavailable) as exc:
            log.warning("reminder for %s not sent: its invoice could not be read (%s)", reminder.ref, exc, extra=extra)
            run.failed.append(reminder.ref)
            continue
        owed = int(invoice.get("amount_remaining") or 0)
        if found is None or invoice.get("status") != "open" or owed <= 0:
            # Paid, voided or credited at Stripe: the booking catches up, as the webhook would have done.
            if not dry_run and found is not None:
                if found.credit is not None:
                    advance(store, found.ref, found.credit, about=mail.about, letterhead=mail.letterhead)
                advance(store, found.ref, found.event, about=mail.about, letterhead=mail.letterhead)
            run.settled.append(reminder.ref)
            continue
        if dry_run:
            run.reminders.append(Reminder(reminder.ref, reminder.event, reminder.day, reminder.days_overdue, owed))
            continue
        if found.credit is not None:  # a part credit the webhook has not recorded yet: the booker hears of it first
            advance(store, found.ref, found.credit, about=mail.about, letterhead=mail.letterhead)
        step = advance(
            store,
            reminder.ref,
            life.Chase(today, schedule, owed),
            about=mail.about,
            letterhead=mail.letterhead,
        )
        if step.changed and step.transition is not None:
            sent = next(s.reminder for s in step.transition.sends if s.reminder is not None)
            assert sent is not None
            run.reminders.append(Reminder(reminder.ref, reminder.event, sent.day, reminder.days_overdue, owed))
            log.info("reminder %+d for %s written to the outbox", sent.day, reminder.ref, extra=extra)
    return run
