"""After payment starts: what Stripe's current state of an object means for the booking it is for.

The webhook names an object (a Checkout Session, an Invoice, a charge's PaymentIntent, a credit note); this flow
reads it back from Stripe now (adapters.payments.reads), never trusting the event's copy or the order events
arrive in, turns what it finds into events of the booking's life (Paid, Expired, Refunded, Voided; Credited from
every credit note the invoice has now, before what the invoice's status means), applies them
with flows.advance (one conditional write with its messages) and then delivers that booking's messages and
a few others that wait. A repeat, or an event overtaken by a later one, changes nothing and sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.mail.outbox import Delivery, deliver
from adapters.payments import reads
from booking import life
from booking.life import Booking, State, StripeFacts
from booking.reference import ref_in
from flows.advance import EventFor, Mail, advance

if TYPE_CHECKING:
    import stripe

    from adapters.store import BookingStore

log = logging.getLogger("booking.flows.payments")

PAID = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
EXPIRED = "checkout.session.expired"
INVOICE_PAID = "invoice.paid"
INVOICE_VOIDED = "invoice.voided"
CHARGE_REFUNDED = "charge.refunded"
CREDIT_NOTE_CREATED = "credit_note.created"
# Every event the webhook endpoint is subscribed to (the SAM template's outputs and docs/deploy.md list them).
EVENTS = (*PAID, EXPIRED, INVOICE_PAID, CHARGE_REFUNDED, INVOICE_VOIDED, CREDIT_NOTE_CREATED)
# After its own booking's messages, a delivery sends the oldest waiting messages of this many other bookings
# (those left by a mail server that was down): enough to drain a backlog over a few deliveries, few enough to
# answer Stripe well inside its timeout.
OTHER_BOOKINGS = 3


@dataclass(frozen=True)
class Found:
    """A Stripe object of this site read back now: the booking it is for and the event its state means
    (a function of the booking as stored, None when there is nothing to do)."""

    ref: str
    event: EventFor
    status: str  # the object's status at Stripe, for the log
    credit: EventFor | None = None  # applied first: the invoice's credit notes as Stripe lists them now


@dataclass(frozen=True)
class Settled:
    """What one webhook delivery did: `ref` None when the object is not one of this site's bookings."""

    ref: str | None
    state: State | None = None
    changed: bool = False
    delivery: Delivery | None = None

    @property
    def handled(self) -> bool:
        return self.ref is not None


def read(api: stripe.StripeClient, kind: str, object_id: str, at: str) -> Found | None:
    """What Stripe's current state of the object behind event `kind` means; None when it is not ours.

    Raises reads.NotFound, or StripeUnavailable when Stripe cannot be asked.
    """
    if kind in PAID or kind == EXPIRED:
        return _checkout(reads.checkout_session(api, object_id), at)
    if kind in (INVOICE_PAID, INVOICE_VOIDED):
        return invoice_found(api, reads.invoice(api, object_id), at)
    if kind == CREDIT_NOTE_CREATED:
        note = reads.credit_note(api, object_id)
        return invoice_found(api, reads.invoice(api, _id(note.get("invoice"))), at)
    if kind == CHARGE_REFUNDED:
        return _refund(reads.payment_intent(api, object_id), at)
    raise ValueError(f"not an event this flow reads: {kind}")


def _id(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _checkout(session: dict[str, Any], at: str) -> Found | None:
    ref = ref_in(session.get("metadata"))
    if ref is None:
        return None
    status = str(session.get("status") or "")
    payment = str(session.get("payment_status") or "")
    if status == "complete" and payment in ("paid", "no_payment_required"):
        receipt = session.get("invoice")
        receipt = receipt if isinstance(receipt, dict) else {}
        facts = StripeFacts(
            payment_intent=_id(session.get("payment_intent")),
            invoice_id=_id(receipt),
            invoice_number=str(receipt.get("number") or ""),
            invoice_url=str(receipt.get("hosted_invoice_url") or ""),
            invoice_pdf=str(receipt.get("invoice_pdf") or ""),
        )
        return Found(ref, lambda booking: None if booking is None else life.Paid(at, facts), f"{status}/{payment}")
    if status == "expired":
        return Found(ref, lambda booking: None if booking is None else life.Expired(at), status)
    # Open, or complete and waiting for a delayed payment method (async_payment_succeeded follows).
    return Found(ref, lambda booking: None, f"{status}/{payment}")


def credit_notes(notes: list[dict[str, Any]], invoice: dict[str, Any]) -> tuple[life.CreditNoteFacts, ...]:
    """The invoice's issued credit notes (a voided one credits nothing), oldest first, as the booking's life reads
    them."""
    issued = sorted((n for n in notes if n.get("status") == "issued"), key=lambda n: (n.get("created") or 0, n["id"]))
    facts = []
    for note in issued:
        taxes = note.get("total_taxes")
        facts.append(
            life.CreditNoteFacts(
                id=str(note["id"]),
                number=str(note.get("number") or ""),
                invoice_number=str(invoice.get("number") or ""),
                total_pence=int(note.get("total") or 0),
                vat_pence=sum(int(t.get("amount") or 0) for t in taxes) if taxes else None,
                refund_pence=int(note.get("refund_amount") or 0),
                out_of_band_pence=int(note.get("out_of_band_amount") or 0),
                reason=str(note.get("reason") or ""),
                memo=str(note.get("memo") or "")[:500],
            )
        )
    return tuple(facts)


def invoice_found(api: stripe.StripeClient, invoice: dict[str, Any], at: str) -> Found | None:
    """What Stripe's current state of an invoice (and its credit notes) means for its booking; None: not ours."""
    ref = ref_in(invoice.get("metadata"))
    if ref is None:
        return None
    status = str(invoice.get("status") or "")
    total = int(invoice.get("total") or 0)
    credited_before = int(invoice.get("pre_payment_credit_notes_amount") or 0)
    credited_after = int(invoice.get("post_payment_credit_notes_amount") or 0)
    notes = (
        credit_notes(reads.credit_notes_of(api, str(invoice["id"])), invoice)
        if credited_before or credited_after
        else ()
    )
    # An open invoice credited down to nothing is "paid" at Stripe with nothing paid: a cancellation, not money.
    paid = status == "paid" and (
        int(invoice.get("amount_paid") or 0) > 0 or total == 0 or bool(invoice.get("paid_out_of_band"))
    )
    facts = StripeFacts(
        invoice_id=str(invoice.get("id") or ""),
        invoice_number=str(invoice.get("number") or ""),
        invoice_url=str(invoice.get("hosted_invoice_url") or ""),
        invoice_pdf=str(invoice.get("invoice_pdf") or ""),
    )

    def event(booking: Booking | None) -> life.Event | None:
        # A card booking's VAT receipt is an invoice too: its Checkout Session says when it is paid.
        if booking is None or booking.record.payment != "invoice":
            return None
        if paid:  # paid by card or bank transfer through Stripe, or marked paid outside it (paid_out_of_band)
            return life.Paid(at, facts)
        if status == "void":
            return life.Voided(at)
        return None

    def credited(booking: Booking | None) -> life.Event | None:
        if booking is None or booking.record.payment != "invoice" or not notes:
            return None
        return life.Credited(notes, total, at)

    return Found(ref, event, status, credited if notes else None)


def _refund(intent: dict[str, Any], at: str) -> Found | None:
    ref = ref_in(intent.get("metadata"))
    if ref is None:
        return None
    charge = intent.get("latest_charge")
    charge = charge if isinstance(charge, dict) else {}
    refunded = int(charge.get("amount_refunded") or 0)
    charged = int(charge.get("amount") or 0)

    def event(booking: Booking | None) -> life.Event | None:
        if booking is None or refunded <= 0:
            return None
        return life.Refunded(refunded, charged, at)

    return Found(ref, event, f"refunded {refunded} of {charged}")


def settle(store: BookingStore, api: stripe.StripeClient, kind: str, object_id: str, *, at: str, mail: Mail) -> Settled:
    """Read the object behind event `kind`, move its booking and deliver the messages that wait.

    Raises reads.NotFound, StripeUnavailable, StoreUnavailable, or store.Conflict when the booking kept
    changing (each means: answer so that Stripe delivers again later).
    """
    found = read(api, kind, object_id, at)
    if found is None:
        log.info("%s %s is not one of this site's bookings", kind, object_id)
        return Settled(None)
    extra = {"booking_ref": found.ref}
    moved = False
    if found.credit is not None:
        moved = advance(store, found.ref, found.credit, about=mail.about, letterhead=mail.letterhead).changed
    step = advance(store, found.ref, found.event, about=mail.about, letterhead=mail.letterhead)
    if step.booking is None:
        log.warning("%s for %s, which is not in the store (%s)", kind, found.ref, found.status, extra=extra)
        return Settled(found.ref)
    state = step.booking.state
    if moved and not step.changed:
        log.info("%s credited %s, now %s (%s)", kind, found.ref, state, found.status, extra=extra)
        return Settled(found.ref, state, True, deliver_after(store, mail, found.ref))
    if step.changed:
        log.info("%s moved %s to %s (%s)", kind, found.ref, state, found.status, extra=extra)
    else:
        log.info("%s left %s %s (%s)", kind, found.ref, state, found.status, extra=extra)
    delivery = deliver_after(store, mail, found.ref)
    return Settled(found.ref, state, step.changed, delivery)


def deliver_after(store: BookingStore, mail: Mail, ref: str) -> Delivery:
    """Deliver booking `ref`'s pending messages, then those of up to OTHER_BOOKINGS others that wait (best effort:
    what the mail server does not take stays in the outbox for the next delivery or the scheduled run)."""
    with mail.session() as session:
        done = deliver(store, session, ref)
        if done.unreachable:  # the server is down: the others would wait too
            _log_delivery(ref, done)
            return done
        others: list[str] = []
        for item in store.pending():
            if item.ref != ref and item.ref not in others:
                others.append(item.ref)
            if len(others) == OTHER_BOOKINGS:
                break
        for other in others:
            more = deliver(store, session, other)
            done.sent.extend(more.sent)
            done.refused.extend(more.refused)
            done.waiting.extend(more.waiting)
            done.elsewhere.extend(more.elsewhere)
            if more.unreachable:
                break
    _log_delivery(ref, done)
    return done


def deliver_all(store: BookingStore, mail: Mail) -> Delivery:
    """Every pending message (the scheduled run, `python -m bookings outbox --retry`)."""
    with mail.session() as session:
        done = deliver(store, session)
    log.info("outbox: %d sent, %d refused, %d waiting", len(done.sent), len(done.refused), len(done.waiting))
    return done


def _log_delivery(ref: str, done: Delivery) -> None:
    if done.sent or done.refused or done.waiting:
        log.info(
            "mail after %s: %d sent, %d refused, %d waiting",
            ref,
            len(done.sent),
            len(done.refused),
            len(done.waiting),
            extra={"booking_ref": ref},
        )
