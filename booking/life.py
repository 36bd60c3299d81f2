"""A booking's life: its states, the events that move it, and what each transition sends. Pure: no I/O.

Every flow (card, invoice, £0, manage, refund, void, joining, certificates) is "event in, transition out":
`apply(booking, event)` returns the booking as it should now be stored, the messages the change sends (each
with a stable id, so the outbox can hold it only once) and the places it takes or gives back. A transition
that does not apply (a repeat, or an event that arrives after a later one) changes nothing and sends nothing,
so Stripe's at-least-once, any-order delivery cannot send a message twice or undo a later state.

Its values are NamedTuples rather than frozen dataclasses: as immutable and compared by value, but defined about
four times faster, since a dataclass compiles its methods as it is defined and these 30 classes were a tenth of
a cold booking's own work (BENCHMARKS.md, issue 20). Being tuples, two of different kinds with equal fields
compare equal; nothing compares them across kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from booking.record import Attendee, BillingDetails, BookingRecord, Contact


class State(StrEnum):
    """Where a booking is in its life. Only `apply` moves a booking from one to another."""

    REQUESTED = "requested"  # made, waiting for the booker to confirm it from their e-mail (invoice, £0)
    AWAITING_PAYMENT = "awaiting_payment"  # at Stripe's checkout, or invoiced and not yet paid: places held
    CONFIRMED = "confirmed"  # paid, or free
    CANCELLED = "cancelled"  # refunded in full or its invoice voided: places given back
    EXPIRED = "expired"  # the checkout lapsed unpaid or the request was never confirmed: never a booking
    # (also: a quote that lapsed, a PO-to-follow booking whose hold ended without a PO; their places given back)
    QUOTED = "quoted"  # a quotation the buyer confirmed: its places held until it expires or becomes a booking
    AWAITING_PO = "awaiting_po"  # an invoice booking whose PO is to follow: places held, no VAT invoice yet


HOLDS_PLACES = frozenset({State.AWAITING_PAYMENT, State.CONFIRMED})
# Every state whose places are counted against the event's capacity (a quote's and a PO-to-follow booking's
# too, though neither is a booking that can be changed or sent joining instructions yet).
COUNTED = HOLDS_PLACES | {State.QUOTED, State.AWAITING_PO}
FINAL = frozenset({State.CANCELLED, State.EXPIRED})


class Kind(StrEnum):
    """What a message is; the mail room composes each kind from its templates in theme/email/."""

    CONFIRMATION = "confirmation"  # to the booker, or to one delegate
    ORGANISERS = "organisers"  # the organisers' copy of a confirmation or a change
    REPLACED = "replaced"  # to a delegate whose place went to someone else
    CHANGED = "changed"  # to the booker: what was changed through the manage link
    REFUND = "refund"  # to the booker: money refunded (and cancelled, when in full)
    VOID = "void"  # to the booker: the invoice voided, the booking cancelled
    JOINING = "joining"  # to one delegate: how to join a virtual event
    CERTIFICATE = "certificate"  # to one delegate: their CPD certificate
    REQUEST = "request"  # to the booker: confirm this request (invoice, £0) from your e-mail
    LINK = "link"  # to the booker: a new private link to the booking, the old one revoked
    QUOTE = "quote"  # to the buyer: the quotation (its PDF attached), once they confirmed their address
    PO_LINK = "po_link"  # to the booker: the private link to add the PO number (PO to follow)
    PO_REMINDER = "po_reminder"  # to the booker: add the PO before the places are released
    PO_LAPSED = "po_lapsed"  # to the booker: no PO came before the hold ended, the places were released
    REMINDER = "reminder"  # to the booker: the invoice is due soon, due today or overdue
    CREDIT_NOTE = "credit_note"  # to the booker: a credit note against the invoice (cancelled when in full)


Person = Contact | Attendee


class Send(NamedTuple):
    """One message a transition sends. `to` is None for the organisers' copy; `position` is the delegate's."""

    message_id: str
    kind: Kind
    to: Person | None
    is_booker: bool = False
    position: int | None = None
    changes: tuple[Change, ...] = ()
    refund: RefundFacts | None = None  # a REFUND's amounts
    reminder: ReminderFacts | None = None  # a REMINDER's day and amount
    credit: CreditNoteFacts | None = None  # a CREDIT_NOTE's credit note


class RefundFacts(NamedTuple):
    """What a refund notice says: the total refunded now, what the booker was told of before, what was charged."""

    total_pence: int
    earlier_pence: int
    charged_pence: int

    @property
    def this_time_pence(self) -> int:
        return self.total_pence - self.earlier_pence


class ReminderFacts(NamedTuple):
    """What a payment reminder says: which day of the schedule it is (days from the due date: -7 a week before,
    0 on the day, 14 a fortnight late), the due date (ISO) and what is still owed, as Stripe says now."""

    day: int
    due: str
    amount_pence: int

    @property
    def overdue(self) -> bool:
        return self.day > 0


class CreditNoteFacts(NamedTuple):
    """One credit note against the booking's invoice as Stripe holds it: its total and VAT (None when Stripe does
    not say), how it goes back (refunded to the card, out of band: a bank transfer from the organiser, or left off
    what is owed), and why."""

    id: str
    number: str
    invoice_number: str
    total_pence: int
    vat_pence: int | None = None
    refund_pence: int = 0
    out_of_band_pence: int = 0
    reason: str = ""
    memo: str = ""


class Change(NamedTuple):
    """Delegate `position` as it was and as it is now; `replaced` when the place went to someone else."""

    position: int
    before: Attendee
    after: Attendee

    @property
    def replaced(self) -> bool:
        return self.before.email.casefold() != self.after.email.casefold()

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def access_needs_only(self) -> bool:
        """Only the delegate's access needs changed (they did it themselves, from their own link)."""
        same_person = self.before.model_copy(update={"access_needs": ""}) == self.after.model_copy(
            update={"access_needs": ""}
        )
        return same_person and self.before.access_needs != self.after.access_needs


class Booking(NamedTuple):
    """A booking as stored: its record, its state and the version it was read at (0: not stored yet)."""

    record: BookingRecord
    state: State
    version: int = 0


class StripeFacts(NamedTuple):
    """Where a booking's money is at Stripe, as read back from Stripe; empty values say nothing new."""

    payment_intent: str = ""
    invoice_id: str = ""
    invoice_number: str = ""
    invoice_due: str = ""
    invoice_url: str = ""
    invoice_pdf: str = ""

    def onto(self, record: BookingRecord) -> dict[str, str]:
        """The record fields these facts fill (only those they know)."""
        return {name: value for name, value in self._asdict().items() if value and getattr(record, name) != value}


# Events. Timestamps are ISO 8601 in UTC, to the second, from the caller's clock.


class Requested(NamedTuple):
    """A booking that waits for the booker to confirm it from their e-mail before anything else happens.
    Like CheckoutStarted, it starts a booking that is not stored, or one that expired, over again."""

    record: BookingRecord


class CheckoutStarted(NamedTuple):
    """A card booking sent to Stripe's checkout: its places are held until it is paid or expires."""

    record: BookingRecord


class RequestConfirmed(NamedTuple):
    """The booker confirmed the request: an invoice was issued, or (`free`) the £0 booking is confirmed; a quote
    request becomes quotation `quote_number` (its places held); a PO-to-follow booking waits for its PO."""

    at: str
    free: bool = False
    stripe: StripeFacts = StripeFacts()
    quote_number: str = ""
    quote_expires: str = ""  # a quotation's valid-until (its places go back then)


class InvoiceDetails(NamedTuple):
    """What the VAT invoice is made out with, exactly as the buyer's purchase order states it."""

    purchase_order: str
    billing: BillingDetails


class QuoteAccepted(NamedTuple):
    """The buyer turned their quotation into an invoice booking from its link, before it expired: with the PO
    (`details.purchase_order`), or with the PO to follow (held until `hold_until`)."""

    at: str
    details: InvoiceDetails | None  # None: PO to follow (the invoice name and address come with the PO)
    hold_until: str = ""


class PoAdded(NamedTuple):
    """The booker added the PO (and the invoice name and address) from their PO link: the invoice is due now."""

    at: str
    details: InvoiceDetails


class InvoiceIssued(NamedTuple):
    """The VAT invoice of an invoice booking was made after it was stored (a quote with its PO, a PO added)."""

    stripe: StripeFacts


class QuoteLapsed(NamedTuple):
    """The scheduled run found a quotation past its valid-until time."""

    at: str


class PoReminderDue(NamedTuple):
    """The scheduled run: these reminder points (days after booking) have come for a booking awaiting its PO."""

    points: frozenset[int]


class PoHoldEnded(NamedTuple):
    """The scheduled run: a PO-to-follow booking's hold has ended without a PO."""

    at: str


class Paid(NamedTuple):
    """Stripe says the booking's money has arrived (its current state, read back)."""

    at: str
    stripe: StripeFacts = StripeFacts()


class Expired(NamedTuple):
    """The checkout lapsed unpaid, or the request was never confirmed."""

    at: str


class Refunded(NamedTuple):
    """Stripe's current total refunded for the booking's payment, and what was charged."""

    total_pence: int
    charged_pence: int
    at: str


class Voided(NamedTuple):
    """The booking's invoice was voided in the Dashboard."""

    at: str


class DelegatesChanged(NamedTuple):
    """The booker changed delegates through the manage link: `record` is the booking as changed."""

    record: BookingRecord
    changes: tuple[Change, ...]


class LinkReplaced(NamedTuple):
    """The booker asked for a new private link: the one they used stops working, the new one goes to their
    e-mail address (never to the page, so someone else holding the old link cannot keep the booking)."""

    at: str


class AccessNeedsChanged(NamedTuple):
    """Delegate `position` gave or changed their own access needs, from the link in their own confirmation."""

    position: int
    access_needs: str


class Chase(NamedTuple):
    """The chasing run looks at an unpaid invoice on `today` (UK date, ISO): a reminder is due on each day of
    `schedule` (days from the due date) that has come and not been sent. `amount_pence` is what Stripe says is
    still owed now."""

    today: str
    schedule: tuple[int, ...]
    amount_pence: int


class Credited(NamedTuple):
    """Every credit note issued against the booking's invoice as Stripe lists them now, and the invoice's total:
    the booker is sent each one they have not had; credited in full, the booking is cancelled."""

    notes: tuple[CreditNoteFacts, ...]
    invoice_total_pence: int
    at: str


class Delivered(NamedTuple):
    """The back office sends `kind` (JOINING or CERTIFICATE) to every attending delegate who has not had it,
    or only to `positions` when given (certificates for those who attended)."""

    kind: Kind
    positions: frozenset[int] | None = None


class Anonymised(NamedTuple):
    """The retention schedule's periods `stages` (booking.retention.Stage values) have ended for the booking: what
    they cover goes, whatever the booking's state; the places, the amounts and the invoice stay."""

    stages: frozenset[str]
    at: str


class Erased(NamedTuple):
    """The person at `address` asked for their data to be erased: every trace of them in the booking goes except
    what the law keeps (their organisation on the VAT record); their place stays counted."""

    address: str
    at: str


Event = (
    Requested
    | CheckoutStarted
    | RequestConfirmed
    | Paid
    | Expired
    | Refunded
    | Voided
    | DelegatesChanged
    | LinkReplaced
    | AccessNeedsChanged
    | Chase
    | Credited
    | Delivered
    | QuoteAccepted
    | PoAdded
    | InvoiceIssued
    | QuoteLapsed
    | PoReminderDue
    | PoHoldEnded
    | Anonymised
    | Erased
)


class Transition(NamedTuple):
    """What one event did: the booking to store, the messages to send with it and the places it takes (+) or
    gives back (-). `changed` False: nothing to store, nothing to send."""

    booking: Booking
    changed: bool
    sends: tuple[Send, ...] = ()
    places: int = 0
    limited: bool = True  # False: take the places even past the event's limit (money has already arrived)
    notes: tuple[str, ...] = ()

    @property
    def state(self) -> State:
        return self.booking.state


class NotApplicable(ValueError):
    """An event that needs a stored booking arrived for none (or a new booking for one that exists)."""


def recipients(record: BookingRecord) -> list[tuple[Person, bool, int | None]]:
    """The booker first, then each delegate with a different address: one message per person per booking.
    Each as (person, is_booker, delegate position or None)."""
    seen = {record.contact.email.casefold()}
    found: list[tuple[Person, bool, int | None]] = [(record.contact, True, None)] if record.contact.email else []
    for position, delegate in enumerate(record.delegates):
        key = delegate.email.casefold()
        if delegate.email and key not in seen:
            seen.add(key)
            found.append((delegate, False, position))
    return found


def attending(booking: Booking) -> bool:
    """Its delegates count as coming: paid or free, or invoiced and not yet paid (public bodies pay later)."""
    return booking.state == State.CONFIRMED or (
        booking.state == State.AWAITING_PAYMENT and booking.record.payment == "invoice"
    )


def apply(current: Booking | None, event: Event) -> Transition:
    """The transition `event` makes from `current` (None: no booking stored yet)."""
    if isinstance(event, Requested | CheckoutStarted):
        return _start(current, event)
    if current is None:
        raise NotApplicable(f"{type(event).__name__} for a booking that is not stored")
    if isinstance(event, RequestConfirmed):
        return _request_confirmed(current, event)
    if isinstance(event, Paid):
        return _paid(current, event)
    if isinstance(event, Expired):
        return _expired(current, event)
    if isinstance(event, Refunded):
        return _refunded(current, event)
    if isinstance(event, Voided):
        return _voided(current, event)
    if isinstance(event, DelegatesChanged):
        return _delegates_changed(current, event)
    if isinstance(event, LinkReplaced):
        return _link_replaced(current)
    if isinstance(event, AccessNeedsChanged):
        return _access_needs_changed(current, event)
    if isinstance(event, Chase):
        return _chase(current, event)
    if isinstance(event, Credited):
        return _credited(current, event)
    if isinstance(event, Anonymised | Erased):
        return _personal_data_removed(current, event)
    if isinstance(event, Delivered):
        return _delivered(current, event)
    return _purchase_to_pay(current, event)


def _unchanged(current: Booking, note: str = "") -> Transition:
    return Transition(current, False, notes=(note,) if note else ())


def _moved(
    current: Booking,
    record: BookingRecord,
    state: State,
    sends: Sequence[Send] = (),
    places: int = 0,
) -> Transition:
    return Transition(current._replace(record=record, state=state), True, tuple(sends), places)


def _start(current: Booking | None, event: Requested | CheckoutStarted) -> Transition:
    if current is not None and current.state != State.EXPIRED:
        return _unchanged(current, "already stored")  # a double submit: the first one stands
    # New, or made again after it lapsed (its checkout expired, Stripe failed, its request was never confirmed):
    # the same booking starts over from what was sent now, at the version after the lapsed one.
    version = 0 if current is None else current.version
    again = "" if current is None else f".v{current.version + 1}"
    if isinstance(event, Requested):
        record = event.record
        send = Send(f"{record.ref}.{Kind.REQUEST}{again}", Kind.REQUEST, record.contact, is_booker=True)
        return Transition(Booking(record, State.REQUESTED, version), True, (send,))
    record = event.record
    return Transition(Booking(record, State.AWAITING_PAYMENT, version), True, places=len(record.delegates))


def _request_confirmed(current: Booking, event: RequestConfirmed) -> Transition:
    if current.state != State.REQUESTED:
        return _unchanged(current, f"not a request ({current.state})")
    places = len(current.record.delegates)
    record = current.record
    if record.is_quote:
        if not event.quote_number:
            return _unchanged(current, "a quotation needs its number")
        update = {"quote_number": event.quote_number, "quoted_at": event.at}
        quoted = record.model_copy(update={**update, "quote_expires": event.quote_expires or record.quote_expires})
        send = Send(f"{record.ref}.{Kind.QUOTE}.{event.quote_number}", Kind.QUOTE, record.contact, is_booker=True)
        return _moved(current, quoted, State.QUOTED, (send,), places)
    if record.po_to_follow:
        return _moved(current, record, State.AWAITING_PO, (_po_link(current),), places)
    facts = event.stripe.onto(current.record)
    if event.free:
        done = {"fulfilled_at": event.at, "confirmation_sent": event.at, **facts}
        record = current.record.model_copy(update=done)
        return _moved(current, record, State.CONFIRMED, _confirmation(current, record), places)
    return _moved(current, current.record.model_copy(update=facts), State.AWAITING_PAYMENT, places=places)


def _paid(current: Booking, event: Paid) -> Transition:
    done = {"fulfilled_at": event.at, "confirmation_sent": event.at, **event.stripe.onto(current.record)}
    if current.state != State.AWAITING_PAYMENT:
        # Confirmed already (a repeat), or cancelled first (a refund delivered before "completed"): either way
        # nothing more to say. A lapsed checkout that is paid after all is confirmed: the money is there.
        if current.state != State.EXPIRED:
            return _unchanged(current, f"paid while {current.state}")
        record = current.record.model_copy(update=done)
        places = len(current.record.delegates)
        moved = _moved(current, record, State.CONFIRMED, _confirmation(current, record), places)
        return moved._replace(limited=False)
    record = current.record.model_copy(update=done)
    return _moved(current, record, State.CONFIRMED, _confirmation(current, record))


def _expired(current: Booking, event: Expired) -> Transition:
    if current.state == State.REQUESTED:
        return _moved(current, current.record, State.EXPIRED)
    if current.state == State.AWAITING_PAYMENT and current.record.payment == "card":
        return _moved(current, current.record, State.EXPIRED, places=-len(current.record.delegates))
    return _unchanged(current, f"cannot expire while {current.state}")


def _refunded(current: Booking, event: Refunded) -> Transition:
    record = current.record
    nothing_paid = (State.REQUESTED, State.EXPIRED, State.QUOTED, State.AWAITING_PO)
    if event.total_pence <= record.refunded_pence or current.state in nothing_paid:
        return _unchanged(current, "refund already recorded")
    in_full = event.total_pence >= event.charged_pence
    update: dict[str, object] = {"refunded_pence": event.total_pence, "refund_notice_pence": event.total_pence}
    state = current.state
    places = 0
    if in_full and current.state != State.CANCELLED:
        update["cancelled_at"] = event.at
        state = State.CANCELLED
        places = -len(record.delegates)
    changed = record.model_copy(update=update)
    facts = RefundFacts(event.total_pence, record.refund_notice_pence, event.charged_pence)
    send = Send(
        f"{record.ref}.{Kind.REFUND}.{event.total_pence}", Kind.REFUND, record.contact, is_booker=True, refund=facts
    )
    return _moved(current, changed, state, (send,), places)


def _voided(current: Booking, event: Voided) -> Transition:
    if current.state != State.AWAITING_PAYMENT or current.record.payment != "invoice":
        return _unchanged(current, f"nothing to void while {current.state}")
    record = current.record.model_copy(update={"cancelled_at": event.at})
    send = Send(f"{record.ref}.void", Kind.VOID, record.contact, is_booker=True)
    return _moved(current, record, State.CANCELLED, (send,), -len(record.delegates))


def _delegates_changed(current: Booking, event: DelegatesChanged) -> Transition:
    if current.state not in HOLDS_PLACES:
        return _unchanged(current, f"cannot change delegates while {current.state}")
    if not event.changes or len(event.record.delegates) != len(current.record.delegates):
        return _unchanged(current, "no change")
    ref = current.record.ref
    stamp = f"v{current.version + 1}"
    sends: list[Send] = []
    if current.state == State.CONFIRMED:
        for change in event.changes:
            if change.replaced:
                sends.append(
                    Send(
                        f"{ref}.{Kind.CONFIRMATION}.d{change.position}.{stamp}",
                        Kind.CONFIRMATION,
                        change.after,
                        position=change.position,
                    )
                )
                sends.append(
                    Send(
                        f"{ref}.{Kind.REPLACED}.d{change.position}.{stamp}",
                        Kind.REPLACED,
                        change.before,
                        position=change.position,
                    )
                )
        sends.append(Send(f"{ref}.{Kind.ORGANISERS}.{stamp}", Kind.ORGANISERS, None, changes=event.changes))
    sends.append(
        Send(f"{ref}.{Kind.CHANGED}.{stamp}", Kind.CHANGED, event.record.contact, is_booker=True, changes=event.changes)
    )
    return _moved(current, event.record, current.state, sends)


def _link_replaced(current: Booking) -> Transition:
    if current.state not in HOLDS_PLACES | {State.CANCELLED}:
        return _unchanged(current, f"no private link while {current.state}")
    record = current.record.model_copy(update={"link_version": current.record.link_version + 1})
    send = Send(f"{record.ref}.{Kind.LINK}.v{record.link_version}", Kind.LINK, record.contact, is_booker=True)
    return _moved(current, record, current.state, (send,))


def _access_needs_changed(current: Booking, event: AccessNeedsChanged) -> Transition:
    if current.state not in HOLDS_PLACES:
        return _unchanged(current, f"cannot change access needs while {current.state}")
    if not 0 <= event.position < len(current.record.delegates):
        return _unchanged(current, "no such delegate")
    before = current.record.delegates[event.position]
    if before.access_needs == event.access_needs:
        return _unchanged(current, "no change")
    after = before.model_copy(update={"access_needs": event.access_needs})
    record = current.record.amend(event.position, after)
    # Only the organisers hear of it: access needs are health data, not the booker's to be told.
    send = Send(
        f"{record.ref}.{Kind.ORGANISERS}.v{current.version + 1}",
        Kind.ORGANISERS,
        None,
        changes=(Change(event.position, before, after),),
    )
    return _moved(current, record, current.state, (send,))


def _personal_data_removed(current: Booking, event: Anonymised | Erased) -> Transition:
    from booking import retention  # only the retention run and erasure need it, not a booking's start

    if isinstance(event, Anonymised):
        stages = frozenset(retention.Stage(s) for s in event.stages)
        record = retention.anonymised(current.record, stages)
    else:
        record = retention.erased(current.record, event.address)
    if record == current.record:
        return _unchanged(current, "nothing personal left to remove")
    # No message: telling anyone would need the very address that is going.
    return _moved(current, record, current.state)


def days_overdue(record: BookingRecord, today: str) -> int | None:
    """Days from the invoice's due date to `today` (negative before it); None when the record has no due date."""
    if not record.invoice_due:
        return None
    try:
        return (date.fromisoformat(today) - date.fromisoformat(record.invoice_due)).days
    except ValueError:
        return None


def reminder_due(booking: Booking, today: str, schedule: Sequence[int]) -> tuple[int, frozenset[int]] | None:
    """The reminder to send `today`, if any: the latest day of `schedule` that has come and has not been sent,
    and every such day (the ones a late run missed are marked done, never sent all at once)."""
    record = booking.record
    if booking.state != State.AWAITING_PAYMENT or record.payment != "invoice":
        return None
    days = days_overdue(record, today)
    if days is None:
        return None
    come = frozenset(d for d in schedule if d <= days) - record.reminders_sent
    if not come:
        return None
    return max(come), come


def _chase(current: Booking, event: Chase) -> Transition:
    due = reminder_due(current, event.today, event.schedule)
    if due is None:
        return _unchanged(current, f"no reminder due while {current.state}")
    if event.amount_pence <= 0:
        return _unchanged(current, "nothing is owed")
    day, done = due
    record = current.record.model_copy(update={"reminders_sent": current.record.reminders_sent | done})
    facts = ReminderFacts(day, record.invoice_due, event.amount_pence)
    send = Send(f"{record.ref}.{Kind.REMINDER}.{day:+d}", Kind.REMINDER, record.contact, is_booker=True, reminder=facts)
    return _moved(current, record, current.state, (send,))


def _credited(current: Booking, event: Credited) -> Transition:
    record = current.record
    if record.payment != "invoice" or current.state not in HOLDS_PLACES | {State.CANCELLED}:
        return _unchanged(current, f"nothing to credit while {current.state}")
    new = [note for note in event.notes if note.id not in record.credit_notes]
    if not new:
        return _unchanged(current, "every credit note already recorded")
    credited = sum(note.total_pence for note in event.notes)
    update: dict[str, object] = {
        "credited_pence": credited,
        "credit_notes": (*record.credit_notes, *(note.id for note in new)),
    }
    if current.state == State.CANCELLED:
        # Issued before the invoice was voided, heard of after: recorded, but the booker has been told it is
        # cancelled and owes nothing, so no second notice.
        return _moved(current, record.model_copy(update=update), State.CANCELLED)
    state: State = current.state
    places = 0
    if credited >= event.invoice_total_pence:
        update["cancelled_at"] = event.at
        state, places = State.CANCELLED, -len(record.delegates)
    sends = [
        Send(
            f"{record.ref}.{Kind.CREDIT_NOTE}.{note.id}", Kind.CREDIT_NOTE, record.contact, is_booker=True, credit=note
        )
        for note in new
    ]
    return _moved(current, record.model_copy(update=update), state, sends, places)


def _delivered(current: Booking, event: Delivered) -> Transition:
    if not attending(current):
        return _unchanged(current, f"not attending while {current.state}")
    record = current.record
    flag = "joining_sent" if event.kind == Kind.JOINING else "certificate_sent"
    done: frozenset[int] = getattr(record, flag)
    wanted = range(len(record.delegates)) if event.positions is None else sorted(event.positions)
    # A delegate with no address (anonymised or erased) gets nothing.
    due = [p for p in wanted if 0 <= p < len(record.delegates) and p not in done and record.delegates[p].email]
    if not due:
        return _unchanged(current, f"every {event.kind} already sent")
    stamp = f"v{current.version + 1}"
    sends = [Send(f"{record.ref}.{event.kind}.d{p}.{stamp}", event.kind, record.delegates[p], position=p) for p in due]
    changed = record.model_copy(update={flag: done | frozenset(due)})
    return _moved(current, changed, current.state, sends)


def _confirmation(current: Booking, record: BookingRecord) -> list[Send]:
    """The booker's and each delegate's confirmation, then the organisers' copy: once per booking."""
    ref = record.ref
    sends = [
        Send(
            f"{ref}.{Kind.CONFIRMATION}.{'booker' if is_booker else f'd{position}'}",
            Kind.CONFIRMATION,
            person,
            is_booker=is_booker,
            position=position,
        )
        for person, is_booker, position in recipients(record)
    ]
    if sends:
        sends.append(Send(f"{ref}.{Kind.ORGANISERS}", Kind.ORGANISERS, None))
    return sends


# --- Purchase to pay: quotations and PO to follow ------------------------------------------------------------


def _po_link(current: Booking) -> Send:
    record = current.record
    return Send(f"{record.ref}.{Kind.PO_LINK}.v{current.version + 1}", Kind.PO_LINK, record.contact, is_booker=True)


def _with_details(record: BookingRecord, details: InvoiceDetails, at: str) -> BookingRecord:
    return record.model_copy(
        update={"purchase_order": details.purchase_order, "billing": details.billing, "po_added_at": at}
    )


def _purchase_to_pay(
    current: Booking, event: QuoteAccepted | PoAdded | InvoiceIssued | QuoteLapsed | PoReminderDue | PoHoldEnded
) -> Transition:
    record = current.record
    places = len(record.delegates)
    if isinstance(event, QuoteAccepted):
        if current.state != State.QUOTED:
            return _unchanged(current, f"not a quotation ({current.state})")
        if record.quote_expires and event.at >= record.quote_expires:
            return _unchanged(current, "the quotation has expired")
        accepted = record.model_copy(update={"quote_accepted_at": event.at, "payment": "invoice"})
        if event.details is None:
            waiting = accepted.model_copy(update={"po_to_follow": True, "po_hold_until": event.hold_until})
            return _moved(current, waiting, State.AWAITING_PO, (_po_link(current),))
        return _moved(current, _with_details(accepted, event.details, event.at), State.AWAITING_PAYMENT)
    if isinstance(event, PoAdded):
        if current.state != State.AWAITING_PO:
            return _unchanged(current, f"no PO awaited ({current.state})")
        return _moved(current, _with_details(record, event.details, event.at), State.AWAITING_PAYMENT)
    if isinstance(event, InvoiceIssued):
        if current.state != State.AWAITING_PAYMENT or record.payment != "invoice" or record.invoice_id:
            return _unchanged(current, "no invoice awaited")
        facts = event.stripe.onto(record)
        if not facts:
            return _unchanged(current, "nothing new")
        return _moved(current, record.model_copy(update=facts), current.state)
    if isinstance(event, QuoteLapsed):
        if current.state != State.QUOTED or not record.quote_expires or event.at < record.quote_expires:
            return _unchanged(current, f"no quotation to lapse ({current.state})")
        return _moved(current, record, State.EXPIRED, places=-places)
    if isinstance(event, PoReminderDue):
        due = event.points - record.po_reminders
        if current.state != State.AWAITING_PO or not due:
            return _unchanged(current, "no reminder due")
        # Several points at once (a run missed): one reminder, the latest; every one of them counts as sent.
        latest = max(due)
        message_id = f"{record.ref}.{Kind.PO_REMINDER}.{latest}.v{current.version + 1}"
        send = Send(message_id, Kind.PO_REMINDER, record.contact, is_booker=True)
        reminded = record.model_copy(update={"po_reminders": record.po_reminders | due})
        return _moved(current, reminded, current.state, (send,))
    if current.state != State.AWAITING_PO or not record.po_hold_until or event.at < record.po_hold_until:
        return _unchanged(current, f"no hold to end ({current.state})")
    send = Send(f"{record.ref}.{Kind.PO_LAPSED}.v{current.version + 1}", Kind.PO_LAPSED, record.contact, is_booker=True)
    return _moved(current, record, State.EXPIRED, (send,), -places)
