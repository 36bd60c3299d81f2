"""Fulfilment: the one idempotent path that turns a paid Checkout Session or a paid Invoice into a confirmed booking.

The webhook and the success page call it as often as they like; the work happens once. There is no
database: Stripe is the record. The booking record (booking.record) on the PaymentIntent (card) or the
Invoice (invoice) says what has been done, and every call reads it first:

- `fulfilled_at`: the booking was confirmed (the `booking_confirmed` log line was written);
- `confirmation_sent`: the confirmation e-mails were handed to the mail server.

Only the webhook sends e-mail (`send_mail=True`); the success page only confirms. The record is
written after the work and before the webhook is acknowledged, so a repeated event finds it updated.
A Stripe object without this site's marker (a payment made another way on the same account) is
`not_a_booking`: acknowledged, never confirmed.

Windows that remain, because Stripe offers no compare-and-set on metadata:
- two deliveries of the same event processed at the same instant (Stripe rarely does this) can both
  read "not sent" and both send, so delegates get the e-mail twice;
- if the mail server accepts the messages but writing `confirmation_sent` then fails, the answer is
  503 and Stripe's retry sends them again. Both mean a duplicate e-mail, never a missing one.
Closing them needs a store with a conditional write (e.g. a DynamoDB item keyed by booking ref).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.content.events import event_facts
from adapters.mail.compose import Payment, build_messages, organiser_details, recipient_address, recipients
from adapters.mail.send import MailRefused, MailSession, MailUnavailable
from adapters.payments.client import client, unavailable
from booking.life import StripeFacts
from booking.record import BookingRecord, Contact, NotABooking, from_metadata, is_invoice_booking, to_metadata
from booking.reference import ref_in
from functions.settings import Settings

log = logging.getLogger("bookings")


class SessionNotFound(Exception):
    """Stripe has no Checkout Session (or Invoice) with that id (a mistyped or foreign confirmation link)."""


class ConfirmationNotSent(Exception):
    """The booking is confirmed but its e-mails could not be sent; the webhook answers 503 so Stripe retries."""

    def __init__(self, booking: BookingPayment):
        self.booking = booking
        super().__init__(booking.record.ref)


@dataclass(frozen=True)
class Receipt:
    """The paid invoice Stripe made for a card payment (Checkout's invoice_creation): the booker's VAT receipt."""

    number: str
    url: str
    pdf: str


@dataclass(frozen=True)
class BookingPayment:
    """A booking's record with its payment as Stripe reports it, as the confirmation pages and the log see it.

    `stripe_object_id` is the Checkout Session (card) or the Invoice (invoice) the booking was found by.
    """

    stripe_object_id: str
    record: BookingRecord
    amount_total: int
    currency: str
    payment_status: str
    receipt: Receipt | None = None


@dataclass(frozen=True)
class Fulfilment:
    """What a call found: fulfilled (now), confirmation_sent (e-mails now), already_fulfilled, unpaid or
    not_a_booking (no booking of this site: `booking` is None)."""

    state: str
    booking: BookingPayment | None


def _record(meta: Any, stripe_object_id: str) -> BookingRecord | None:
    """The booking in a Stripe object's metadata; None (logged if damaged) when it holds none of ours."""
    try:
        return from_metadata(meta)
    except NotABooking as exc:
        log.error(
            json.dumps({"msg": "booking_record_unreadable", "stripe_object": stripe_object_id, "error": str(exc)})
        )
        return None


def retrieve(call: Callable[[], Any], action: str) -> dict[str, Any]:
    """One Stripe read as a plain dict; SessionNotFound for a 404, StripeUnavailable for anything else."""
    import stripe

    try:
        found: dict[str, Any] = call().to_dict()
        return found
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise SessionNotFound(action) from None
        raise unavailable(exc, action) from None
    except stripe.StripeError as exc:
        raise unavailable(exc, action) from None


def fulfil_checkout(session_id: str, settings: Settings, send_mail: bool = True) -> Fulfilment:
    """Confirm the booking behind a Checkout Session once; StripeUnavailable if Stripe cannot be asked."""
    api = client(settings)
    session = retrieve(
        lambda: api.v1.checkout.sessions.retrieve(session_id, params={"expand": ["payment_intent", "invoice"]}),
        "retrieve_checkout_session",
    )
    intent = session.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    intent_meta = dict(intent.get("metadata") or {}) if isinstance(intent, dict) else {}
    # The PaymentIntent's copy carries what happened since; the session's is the record as booked.
    record = _record(intent_meta, str(intent_id)) or _record(session.get("metadata"), session["id"])
    invoice = session.get("invoice")
    receipt = (
        Receipt(invoice.get("number") or "", invoice.get("hosted_invoice_url") or "", invoice.get("invoice_pdf") or "")
        if isinstance(invoice, dict) and invoice.get("status") == "paid"
        else None
    )
    if record is None:
        ref = ref_in(session.get("metadata"))
        if ref is None:
            return Fulfilment("not_a_booking", None)
        amount = int(session.get("amount_total") or 0)
        currency = (session.get("currency") or "gbp").upper()
        facts = StripeFacts(
            payment_intent=str(intent_id or ""),
            invoice_number=receipt.number if receipt else "",
            invoice_url=receipt.url if receipt else "",
        )
        found = BookingPayment(
            session["id"], _placeholder(ref), amount, currency, session.get("payment_status") or "", receipt
        )
        payment = Payment("card", amount, currency, *((receipt.number, receipt.url, receipt.pdf) if receipt else ()))
        return _from_store(ref, found, payment, facts, settings, send_mail)
    booking = BookingPayment(
        session["id"],
        record,
        int(session.get("amount_total") or 0),
        (session.get("currency") or "gbp").upper(),
        session.get("payment_status") or "",
        receipt,
    )
    if booking.payment_status != "paid":
        return Fulfilment("unpaid", booking)

    def save(updated: BookingRecord) -> None:
        if intent_id:
            api.v1.payment_intents.update(intent_id, params={"metadata": to_metadata(updated, previous=intent_meta)})

    payment = Payment("card", booking.amount_total, booking.currency)
    if receipt is not None:
        payment = Payment("card", booking.amount_total, booking.currency, receipt.number, receipt.url, receipt.pdf)
    extra = {
        "session_id": session["id"],
        "payment_intent": intent_id,
        "customer_email": session.get("customer_email"),
    }
    return _fulfil(booking, save, payment, extra, settings, send_mail)


def fulfil_invoice(invoice_id: str, settings: Settings, send_mail: bool = True) -> Fulfilment:
    """Confirm the booking behind a paid Invoice once; StripeUnavailable if Stripe cannot be asked.

    That is an invoice booking, or a £0 booking of either kind (a 100% discount code, functions.free_booking).
    """
    api = client(settings)
    invoice = retrieve(lambda: api.v1.invoices.retrieve(invoice_id), "retrieve_invoice")
    meta = dict(invoice.get("metadata") or {})
    record = _record(meta, invoice["id"])
    ref = ref_in(meta) if record is None else None
    if ref is not None:
        amount = int(invoice.get("amount_paid") or invoice.get("total") or 0)
        currency = (invoice.get("currency") or "gbp").upper()
        found = BookingPayment(invoice["id"], _placeholder(ref), amount, currency, invoice.get("status") or "")
        number, url = invoice.get("number") or "", invoice.get("hosted_invoice_url") or ""
        payment = Payment("free" if amount == 0 else "invoice", amount, currency, number, url)
        facts = StripeFacts(invoice_id=invoice["id"], invoice_number=number, invoice_url=url)
        return _from_store(ref, found, payment, facts, settings, send_mail)
    if record is None or not is_invoice_booking(record, int(invoice.get("total") or 0)):
        # An invoice made by hand in the Dashboard, say, or a card booking's receipt (its Checkout Session confirms it).
        return Fulfilment("not_a_booking", None)
    amount = int(invoice.get("amount_paid") or invoice.get("total") or 0)
    currency = (invoice.get("currency") or "gbp").upper()
    booking = BookingPayment(invoice["id"], record, amount, currency, invoice.get("status") or "")
    if booking.payment_status != "paid":
        return Fulfilment("unpaid", booking)

    def save(updated: BookingRecord) -> None:
        api.v1.invoices.update(invoice_id, params={"metadata": to_metadata(updated, previous=meta)})

    payment = Payment(
        "free" if amount == 0 else "invoice",
        amount,
        booking.currency,
        invoice.get("number") or "",
        invoice.get("hosted_invoice_url") or "",
    )
    extra = {
        "invoice_id": invoice["id"],
        "invoice_number": invoice.get("number"),
        "customer_email": invoice.get("customer_email"),
    }
    return _fulfil(booking, save, payment, extra, settings, send_mail)


def _placeholder(ref: str) -> BookingRecord:
    return BookingRecord(
        ref=ref, event="", category="", payment="card", contact=Contact(name="", email=""), delegates=()
    )


def _from_store(
    ref: str, found: BookingPayment, payment: Payment, facts: StripeFacts, settings: Settings, send_mail: bool
) -> Fulfilment:
    """A booking that lives in the store (its Stripe object carries only the reference): Paid through the flow
    when Stripe says it is paid; its messages go through the outbox, once. Until the webhook reads the store
    itself, this is how a paid booking made on the store is confirmed."""
    from dataclasses import replace

    from flows.booking import deliver_pending, paid
    from functions.letters import mail, manage_link

    store = settings.store()
    stored = store.get(ref)
    if stored is None:
        return Fulfilment("not_a_booking", None)
    booking = replace(found, record=stored.record)
    if booking.payment_status != "paid":
        return Fulfilment("unpaid", booking)
    letters = mail(settings, payment=payment, links=manage_link(settings))
    step = paid(store, ref, settings.now(), facts, letters)
    if send_mail and not step.changed:
        deliver_pending(store, ref, letters)  # a message the mail server did not take last time
    if step.booking is not None:
        booking = replace(booking, record=step.booking.record)
    if step.changed:
        record = booking.record
        log.info(
            json.dumps(
                {
                    "msg": "booking_confirmed",
                    "booking_ref": ref,
                    "stripe_object": found.stripe_object_id,
                    "event": record.event,
                    "payment": record.payment,
                    "amount_total": booking.amount_total,
                    "delegates": len(record.delegates),
                }
            )
        )
    return Fulfilment("fulfilled" if step.changed else "already_fulfilled", booking)


def _fulfil(
    booking: BookingPayment,
    save: Callable[[BookingRecord], None],
    payment: Payment,
    extra: dict[str, Any],
    settings: Settings,
    send_mail: bool,
) -> Fulfilment:
    import stripe

    now = settings.now().isoformat(timespec="seconds")
    record = booking.record
    changes: dict[str, str] = {}
    updates: dict[str, Any] = {}  # beside the timestamps: the addresses the mail server refused
    if not record.fulfilled_at:
        log.info(
            json.dumps(
                {
                    "msg": "booking_confirmed",
                    "booking_ref": record.ref,
                    **extra,
                    "event": record.event,
                    "category": record.category,
                    "payment": record.payment,
                    "amount_total": booking.amount_total,
                    "currency": booking.currency,
                    "contact": f"{record.contact.name} <{record.contact.email}>",
                    "delegates": [f"{d.name} <{d.email}>" for d in record.delegates],
                },
                ensure_ascii=False,
            )
        )
        changes["fulfilled_at"] = now
    failure: ConfirmationNotSent | None = None
    if send_mail and not record.confirmation_sent:
        if settings.smtp_url or settings.mail_outbox:
            try:
                record_on = extra.get("payment_intent") or extra.get("invoice_id")
                sent_to, refused = _send_confirmation(booking, payment, settings, record_on)
                changes["confirmation_sent"] = now
                log.info(
                    json.dumps(
                        {
                            "msg": "confirmation_sent",
                            "booking_ref": record.ref,
                            "messages": len(sent_to),
                            "where": sorted(set(sent_to)),
                        }
                    )
                )
                if refused:
                    failures = record.mail_failures + tuple(a for a in refused if a not in record.mail_failures)
                    updates["mail_failures"] = failures
            except MailUnavailable as exc:
                log.error(json.dumps({"msg": "confirmation_not_sent", "booking_ref": record.ref, "reason": str(exc)}))
                failure = ConfirmationNotSent(booking)
        elif changes:
            log.warning(
                json.dumps(
                    {
                        "msg": "confirmation_not_sent",
                        "booking_ref": record.ref,
                        "reason": "no SMTP_URL or MAIL_OUTBOX is set",
                    }
                )
            )
    if changes:
        try:
            save(record.model_copy(update={**changes, **updates}))
        except stripe.StripeError as exc:
            # Done but not recorded: a retry may repeat it (at least once beats not at all).
            raise unavailable(exc, "mark_fulfilled") from None
    if failure is not None:
        raise failure
    if "fulfilled_at" in changes:
        return Fulfilment("fulfilled", booking)
    return Fulfilment("confirmation_sent" if changes else "already_fulfilled", booking)


def _send_confirmation(
    booking: BookingPayment, payment: Payment, settings: Settings, record_on: str | None
) -> tuple[list[str], list[str]]:
    """Send every confirmation message; (where each accepted one went, the addresses the server refused).

    A refused recipient never stops the others: it is logged with the booking reference and returned, so the
    record can show it to the organiser. A server that cannot be reached, or that defers every message, raises
    MailUnavailable (the webhook answers 503 and Stripe retries).
    """
    from adapters.content.fees import category_label
    from functions.manage import booker_link

    record = booking.record
    assert settings.events_dir is not None
    organiser = organiser_details(settings.organiser_path)
    facts = event_facts(record.event, settings.events_dir)
    messages = build_messages(
        record,
        facts,
        payment,
        site_url=settings.site_url,
        mail_from=settings.mail_from,
        contact_email=settings.contact_email or (str(organiser.bookings.email) if organiser else None),
        category_label=category_label(settings.fees_path, record.event, record.category),
        manage_url=booker_link(record, facts, settings),
        organiser=organiser,
    )
    sent: list[str] = []
    refused: list[str] = []
    deferred = False
    # Each message's To is the IDNA form of an address; the record keeps the address as it was typed.
    typed = {recipient_address(person).addr_spec: person.email for person, _ in recipients(record)}
    with MailSession(settings.smtp_url, settings.mail_outbox) as session:
        for message in messages:
            to = message["To"].addresses[0].addr_spec
            try:
                sent.append(session.send(message))
            except MailRefused as exc:
                deferred = deferred or exc.temporary
                refused.append(typed.get(to, to))
                log.error(
                    json.dumps(
                        {"msg": "mail_refused", "booking_ref": record.ref, "to": typed.get(to, to), "reason": str(exc)},
                        ensure_ascii=False,
                    )
                )
    if deferred and not sent:
        # Nothing went and the server said "later": Stripe's retry sends them all, with no duplicates.
        raise MailUnavailable("the mail server deferred every message")
    return sent, refused
