"""Cancellations and refunds made in the Stripe Dashboard: the booking record says so, and the booker is told once.

A refund of a card booking (`charge.refunded`, in full or in part) or a voided invoice (`invoice.voided`)
reaches the webhook, which calls `refund_notice` or `void_notice`. Each reads the current state from
Stripe (never the event's copy, which may be stale or arrive out of order), writes it into the booking
record (booking.record) and e-mails the booker what was refunded or cancelled, with the VAT shown.

Exactly once, without a database. The record says what the booker has been told: `refund_notice_pence`
(the refund total the last e-mail covered) for a card booking, `cancelled_at` for a voided invoice. A
call that finds the booker already told changes nothing. Otherwise it first *claims* the notice: it
writes the new record with an idempotency key made of the object and the amount (`...-0`). Stripe runs
a request once per key, so of two deliveries racing for the same notice exactly one gets a fresh answer
and sends; the other gets a replay (or a 409 while the first is in flight), waits until the record shows
the booker told, and sends nothing. If the mail server refuses, the claim is undone and the webhook
answers 503, so Stripe retries; the retry finds key `-0` used but the booker not told, and claims with
`-1`, and so on (keys expire after 24 hours, by which time the record says who was told).

Windows that remain, because Stripe offers no compare-and-set on metadata:
- a delivery that dies between its claim and the mail server (the Lambda timing out, say) leaves the
  record saying "told" with no e-mail sent; so does a failed e-mail whose claim cannot be undone because
  Stripe is unreachable at that moment (logged as `cancellation_notice_lost`, naming the booking): the
  organiser then tells the booker by hand. The record itself (cancelled, refunded) is right either way;
- a notice whose claims keep failing for more than MAX_CLAIMS deliveries in 24 hours waits for the keys
  to expire (the webhook answers 503 meanwhile, and Stripe keeps retrying for three days).
Closing them needs a store with a conditional write (e.g. a DynamoDB item keyed by booking ref).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from adapters.content.events import EventFacts, event_facts
from adapters.mail.compose import DEFAULT_FROM, TEMPLATES, recipient_address, template_environment
from adapters.mail.send import MailUnavailable, send_messages
from adapters.payments.client import client, unavailable
from booking.record import BookingRecord, NotABooking, from_metadata, to_metadata
from functions.fulfilment import retrieve
from functions.settings import Settings
from pricing import format_pence, refund_vat

log = logging.getLogger("bookings")

MAX_CLAIMS = 5
# How long a delivery that lost the claim waits for the winner's record to appear (Stripe answers a
# request in flight with the same key with a 409; its result is visible a moment later).
_SETTLE_TRIES = 6
_SETTLE_PAUSE_SECONDS = 0.25


class NoticeNotSent(Exception):
    """The booker could not be told yet (mail server down, or the claim still in flight): answer 503, Stripe retries."""


@dataclass(frozen=True)
class Notice:
    """What the e-mail says, formatted: the amount refunded (or invoiced and now cancelled) with its VAT."""

    kind: str  # "refund" or "void"
    cancelled: bool
    amount: str
    net: str  # "" with vat when the record does not say what VAT was charged
    vat: str
    earlier: str = ""  # refunded before this refund ("" when this is the first)
    total_refunded: str = ""
    paid: str = ""
    invoice_number: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a call did: notice_sent, recorded (no mail configured), already_told, told_elsewhere (a concurrent
    delivery sent it), nothing_refunded, not_void or not_a_booking."""

    state: str
    ref: str = ""


def _record(meta: Mapping[str, Any], stripe_object_id: str) -> BookingRecord | None:
    try:
        return from_metadata(meta)
    except NotABooking as exc:
        log.error(
            json.dumps({"msg": "booking_record_unreadable", "stripe_object": stripe_object_id, "error": str(exc)})
        )
        return None


def refund_notice(payment_intent_id: str, settings: Settings) -> Outcome:
    """Record a card booking's refunds and tell the booker about any not yet told; StripeUnavailable, NoticeNotSent."""
    api = client(settings)

    def read() -> tuple[dict[str, Any], dict[str, Any], BookingRecord | None]:
        intent = retrieve(
            lambda: api.v1.payment_intents.retrieve(payment_intent_id, params={"expand": ["latest_charge"]}),
            "retrieve_payment_intent",
        )
        meta = dict(intent.get("metadata") or {})
        return intent, meta, _record(meta, payment_intent_id)

    intent, meta, record = read()
    if record is None or record.payment != "card":
        return Outcome("not_a_booking")
    charge = intent.get("latest_charge")
    refunded = int(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0
    paid = int(charge.get("amount") or 0) if isinstance(charge, dict) else 0
    if refunded == 0:
        return Outcome("nothing_refunded", record.ref)
    if refunded <= record.refund_notice_pence:
        return Outcome("already_told", record.ref)
    currency = str(intent.get("currency") or "gbp").upper()
    cancelled = refunded >= paid
    now = settings.now().isoformat(timespec="seconds")
    state = record.model_copy(
        update={"refunded_pence": refunded, "cancelled_at": record.cancelled_at or (now if cancelled else "")}
    )

    def money(pence: int) -> str:
        return format_pence(pence, currency)

    this_time = refunded - record.refund_notice_pence
    # The VAT of this refund: the VAT of everything refunded so far, less what the booker was told of before.
    charged_vat = _vat_charged(record, paid)
    vat = refund_vat(refunded, paid, charged_vat or 0) - refund_vat(record.refund_notice_pence, paid, charged_vat or 0)
    notice = Notice(
        kind="refund",
        cancelled=cancelled,
        amount=money(this_time),
        net=money(this_time - vat) if charged_vat is not None else "",
        vat=money(vat) if charged_vat is not None else "",
        earlier=money(record.refund_notice_pence) if record.refund_notice_pence else "",
        total_refunded=money(refunded),
        paid=money(paid),
    )

    def write(new: BookingRecord, previous: Mapping[str, Any], key: str | None) -> Any:
        return api.v1.payment_intents.update(
            payment_intent_id,
            params={"metadata": to_metadata(new, previous=previous)},
            options={"idempotency_key": key} if key else None,
        )

    def latest() -> tuple[dict[str, Any], bool]:
        _, now_meta, now_record = read()
        return now_meta, now_record is not None and now_record.refund_notice_pence >= refunded

    claim = _Claim(
        key=f"refund-notice-{payment_intent_id}-{refunded}",
        state=state,
        told=state.model_copy(update={"refund_notice_pence": refunded}),
        undo=state,
        write=write,
        latest=latest,
    )
    return _tell(record.ref, meta, claim, notice, settings)


def void_notice(invoice_id: str, settings: Settings) -> Outcome:
    """Record that an invoice booking's invoice was voided and tell the booker once; StripeUnavailable, NoticeNotSent."""
    api = client(settings)

    def read() -> tuple[dict[str, Any], dict[str, Any], BookingRecord | None]:
        invoice = retrieve(lambda: api.v1.invoices.retrieve(invoice_id), "retrieve_invoice")
        meta = dict(invoice.get("metadata") or {})
        return invoice, meta, _record(meta, invoice_id)

    invoice, meta, record = read()
    if record is None or record.payment != "invoice":
        return Outcome("not_a_booking")
    if invoice.get("status") != "void":
        return Outcome("not_void", record.ref)
    if record.cancelled:
        return Outcome("already_told", record.ref)
    currency = str(invoice.get("currency") or "gbp").upper()
    total = int(invoice.get("total") or 0)
    vat = _vat_charged(record, total)
    voided_at = (invoice.get("status_transitions") or {}).get("voided_at")
    when = datetime.fromtimestamp(voided_at, UTC) if voided_at else settings.now()
    notice = Notice(
        kind="void",
        cancelled=True,
        amount=format_pence(total, currency),
        net=format_pence(total - vat, currency) if vat is not None else "",
        vat=format_pence(vat, currency) if vat is not None else "",
        invoice_number=str(invoice.get("number") or ""),
    )

    def write(new: BookingRecord, previous: Mapping[str, Any], key: str | None) -> Any:
        return api.v1.invoices.update(
            invoice_id,
            params={"metadata": to_metadata(new, previous=previous)},
            options={"idempotency_key": key} if key else None,
        )

    def latest() -> tuple[dict[str, Any], bool]:
        _, now_meta, now_record = read()
        return now_meta, now_record is not None and now_record.cancelled

    # A voided invoice's record says cancelled once the booker has been told (or no mail is set up).
    told = record.model_copy(update={"cancelled_at": when.isoformat(timespec="seconds")})
    claim = _Claim(key=f"void-notice-{invoice_id}", state=told, told=told, undo=record, write=write, latest=latest)
    return _tell(record.ref, meta, claim, notice, settings)


@dataclass(frozen=True)
class _Claim:
    """How to claim one notice: the key's stem, the record to write with mail (`told`) and without (`state`),
    the record that undoes a claim whose e-mail failed, the writer and a fresh read of (metadata, told?)."""

    key: str
    state: BookingRecord
    told: BookingRecord
    undo: BookingRecord
    write: Callable[[BookingRecord, Mapping[str, Any], str | None], Any]
    latest: Callable[[], tuple[dict[str, Any], bool]]


def _vat_charged(record: BookingRecord, gross_pence: int) -> int | None:
    """The VAT in what was charged, as recorded at booking; None if the record does not say (first-format records)."""
    return record.vat_pence if record.amounts and record.gross_pence == gross_pence else None


def _tell(ref: str, meta: dict[str, Any], claim: _Claim, notice: Notice, settings: Settings) -> Outcome:
    """Claim the notice, send it, and undo the claim if it cannot be sent (see the module's docstring)."""
    import stripe

    if not (settings.smtp_url or settings.mail_outbox):
        try:
            claim.write(claim.state, meta, None)
        except stripe.StripeError as exc:
            raise unavailable(exc, "record_cancellation") from None
        log.warning(json.dumps({"msg": "cancellation_notice_not_sent", "booking_ref": ref, "reason": "no mail set up"}))
        return Outcome("recorded", ref)
    for attempt in range(MAX_CLAIMS):
        try:
            written = claim.write(claim.told, meta, f"{claim.key}-{attempt}")
            if written.last_response is None or written.last_response.headers.get("Idempotent-Replayed") != "true":
                return _send(ref, meta, claim, notice, settings)
        except stripe.IdempotencyError as exc:
            if exc.http_status == 409:  # the same claim is being made right now: wait for its outcome
                return _await_other(ref, claim)
        except stripe.StripeError as exc:
            raise unavailable(exc, "record_cancellation") from None
        # The key was used before: by a delivery that told the booker, or by one whose e-mail failed.
        meta, told = claim.latest()
        if told:
            return Outcome("told_elsewhere", ref)
    raise NoticeNotSent(ref)


def _send(ref: str, meta: dict[str, Any], claim: _Claim, notice: Notice, settings: Settings) -> Outcome:
    import stripe

    try:
        send_messages([_message(claim.told, notice, settings)], settings.smtp_url, settings.mail_outbox)
    except MailUnavailable as exc:
        log.error(json.dumps({"msg": "cancellation_notice_not_sent", "booking_ref": ref, "reason": str(exc)}))
        try:
            claim.write(claim.undo, to_metadata(claim.told, previous=meta), None)
        except stripe.StripeError:
            log.error(json.dumps({"msg": "cancellation_notice_lost", "booking_ref": ref}))
        raise NoticeNotSent(ref) from None
    log.info(
        json.dumps(
            {
                "msg": "cancellation_notice_sent",
                "booking_ref": ref,
                "kind": notice.kind,
                "cancelled": notice.cancelled,
                "amount": notice.amount,
            },
            ensure_ascii=False,
        )
    )
    return Outcome("notice_sent", ref)


def _await_other(ref: str, claim: _Claim) -> Outcome:
    """Another delivery holds the claim: once the record shows the booker told, this one is done too."""
    for attempt in range(_SETTLE_TRIES):
        if claim.latest()[1]:
            return Outcome("told_elsewhere", ref)
        if attempt + 1 < _SETTLE_TRIES:
            time.sleep(_SETTLE_PAUSE_SECONDS)
    raise NoticeNotSent(ref)


def subject(record: BookingRecord, event: EventFacts, notice: Notice) -> str:
    if notice.kind == "void":
        what = "Booking cancelled"
    elif notice.cancelled:
        what = "Booking cancelled and refunded"
    else:
        what = "Refund for your booking"
    return " ".join(f"{what}: {event.title} ({record.ref})".split())


def _message(record: BookingRecord, notice: Notice, settings: Settings) -> EmailMessage:
    """The one message to the booker, plain text and HTML, from theme/email/cancellation.*."""
    assert settings.events_dir is not None
    event = event_facts(record.event, settings.events_dir)
    env = template_environment(str(TEMPLATES))
    context = {
        "person": record.contact,
        "record": record,
        "event": event,
        "notice": notice,
        "subject": subject(record, event, notice),
        "terms_url": f"{settings.site_url}/terms/",
        "contact_email": settings.contact_email,
    }
    sender = settings.mail_from or DEFAULT_FROM
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    message = EmailMessage()
    message["Subject"] = context["subject"]
    message["From"] = sender
    message["To"] = recipient_address(record.contact)
    if settings.contact_email:
        message["Reply-To"] = settings.contact_email
    message["Message-ID"] = make_msgid(idstring=f"{record.ref}.{notice.kind}", domain=domain)
    message["X-Booking-Ref"] = record.ref
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("cancellation.txt").render(**context))
    message.add_alternative(env.get_template("cancellation.html").render(**context), subtype="html")
    return message
