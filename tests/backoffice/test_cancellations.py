"""Cancellations made in the Stripe Dashboard: a refund or a voided invoice marks the record and tells the booker once.

Over real HTTP: the booking function on loopback, the stand-in refunding and voiding as the Dashboard
does and delivering signed events, the real SDK, and an aiosmtpd server taking the e-mails.
"""

from __future__ import annotations

import threading
import time

import pytest
from stripe import WebhookSignature

from booking.record import from_metadata
from pricing import format_pence, refund_vat
from tests.backoffice.conftest import WEBHOOK_SECRET, booking, http
from tests.functions.webhook_events import stripe_event

TITLE = "Information Sharing & The Police: Caldicott Principles and Sharing Between Police and Health Services"


def _intent(live, ref):
    (intent,) = [p for p in live.standin.app.payment_intents() if (r := from_metadata(p["metadata"])) and r.ref == ref]
    return intent


def _record(metadata):
    record = from_metadata(metadata)
    assert record is not None
    return record


def _notices(live, address):
    # Not the confirmation, nor the e-mail that asked the booker to confirm an invoice request.
    return [
        r
        for r in live.smtp.to(address)
        if not r.message["Subject"].startswith(("Booking confirmed", "Confirm your booking request"))
    ]


def _deliver_at_once(live, event_id, times=3):
    """The same event, delivered `times` times at the same moment (as Stripe may, rarely); their HTTP statuses."""
    statuses: list[int | None] = []
    start = threading.Barrier(times)

    def one(resign: bool) -> None:
        start.wait()
        statuses.append(live.standin.resend(event_id, resign=resign).status)

    threads = [threading.Thread(target=one, args=(i % 2 == 1,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def _quietly(live, action):
    """Do `action` with the stand-in's deliveries held back; the event it raised, to deliver by hand."""
    url = live.standin.app.webhook_url
    live.standin.app.webhook_url = None
    try:
        before = {e.id for e in live.standin.events}
        action()
    finally:
        live.standin.app.webhook_url = url
    (event,) = [e for e in live.standin.events if e.id not in before]
    return event


def test_a_card_booking_refunded_in_full_is_cancelled_and_the_booker_told_once(live):
    data = booking(2)
    body = live.book_card(data)
    live.wait_for_mail(4)
    intent = _intent(live, body["booking_ref"])
    api = live.standin.client()
    event = _quietly(live, lambda: api.v1.refunds.create(params={"payment_intent": intent["id"]}))
    assert event.type == "charge.refunded"
    assert _deliver_at_once(live, event.id) == [200, 200, 200]
    assert live.standin.resend(event.id).status == 200  # and once more, later
    (notice,) = _notices(live, "priya.shah@nhs.net")
    assert notice.message["Subject"] == f"Booking cancelled and refunded: {TITLE} ({body['booking_ref']})"
    assert len(live.smtp.received) == 5  # three confirmations, the organisers' copy, one notice: not to delegates
    expected = live.quote(data)
    for part in (notice.text, notice.html):
        assert "Your booking has been cancelled and your card payment refunded" in part
        assert format_pence(expected.total_pence) in part  # £589.42
        assert format_pence(expected.vat_pence) in part and format_pence(expected.net_pence) in part
    record = _record(_intent(live, body["booking_ref"])["metadata"])
    assert record.cancelled and record.refunded_pence == record.refund_notice_pence == expected.total_pence


def test_partial_refunds_are_told_one_by_one_and_the_last_cancels(live):
    data = booking(1)
    body = live.book_card(data)
    live.wait_for_mail(1)
    intent = _intent(live, body["booking_ref"])
    api = live.standin.client()
    first = _quietly(live, lambda: api.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 5000}))
    assert sorted(_deliver_at_once(live, first.id, times=2)) == [200, 200]
    (part,) = _notices(live, "priya.shah@nhs.net")
    assert part.message["Subject"] == f"Refund for your booking: {TITLE} ({body['booking_ref']})"
    total = live.quote(data).total_pence  # £318.60
    vat = refund_vat(5000, total, live.quote(data).vat_pence)  # £8.33 of the £53.10
    assert "Your booking still stands" in part.text
    assert "£50.00" in part.text and format_pence(vat) in part.text and format_pence(5000 - vat) in part.text
    record = _record(_intent(live, body["booking_ref"])["metadata"])
    assert (record.cancelled, record.refunded_pence, record.refund_notice_pence) == (False, 5000, 5000)

    api.v1.refunds.create(params={"payment_intent": intent["id"]})  # the rest, delivered as it happens
    rest = live.standin.events[-1]
    assert live.standin.resend(rest.id, resign=True).status == 200
    part, last = _notices(live, "priya.shah@nhs.net")
    assert last.message["Subject"].startswith("Booking cancelled and refunded")
    assert format_pence(total - 5000) in last.text and "Refunded before: £50.00" in last.text
    record = _record(_intent(live, body["booking_ref"])["metadata"])
    assert record.cancelled and record.refunded_pence == record.refund_notice_pence == total


def test_a_voided_invoice_cancels_the_booking_and_tells_the_booker_once(live):
    data = booking(1, payment="invoice", tag="-void")
    body, invoice = live.book_invoice(data)
    api = live.standin.client()
    event = _quietly(live, lambda: api.v1.invoices.void_invoice(invoice["id"]))
    assert event.type == "invoice.voided"
    assert _deliver_at_once(live, event.id) == [200, 200, 200]
    assert live.standin.resend(event.id, resign=True).status == 200
    (notice,) = _notices(live, "priya.shah-void@nhs.net")
    assert notice.message["Subject"] == f"Booking cancelled: {TITLE} ({body['booking_ref']})"
    for text in (notice.text, notice.html):
        assert invoice["number"] in text and "nothing is owed" in text
        assert "£354.00" in text and "£59.00" in text and "£295.00" in text  # gross, VAT, net
    record = _record(live.invoice_of(body["booking_ref"])["metadata"])
    assert record.cancelled and record.refunded_pence == 0


def test_when_the_mail_server_is_down_the_refund_is_recorded_and_told_on_stripes_retry(live):
    body = live.book_card(booking(1, tag="-down"))
    live.wait_for_mail(1)
    intent = _intent(live, body["booking_ref"])
    live.smtp.up = False
    live.standin.client().v1.refunds.create(params={"payment_intent": intent["id"]})
    event = live.standin.events[-1]
    assert live.standin.deliveries[-1].status == 503  # Stripe will try again
    record = _record(_intent(live, body["booking_ref"])["metadata"])
    assert record.cancelled and record.refund_notice_pence == 0  # cancelled, the booker not yet told
    assert live.standin.resend(event.id, resign=True).status == 503  # still down
    live.smtp.up = True
    assert live.standin.resend(event.id, resign=True).status == 200
    assert live.standin.resend(event.id, resign=True).status == 200
    assert len(_notices(live, "priya.shah-down@nhs.net")) == 1


def test_refunds_and_voided_invoices_of_other_payments_are_acknowledged_and_ignored(live):
    api = live.standin.client()
    session = api.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "currency": "gbp",
            "success_url": "https://shop.example.org/thanks",
            "customer_email": "someone@example.org",
            "line_items": [
                {"quantity": 1, "price_data": {"currency": "gbp", "unit_amount": 1200, "product_data": {"name": "Mug"}}}
            ],
            "metadata": {"order_id": "A-1001", "shop": "mugs"},
        }
    )
    paid = live.standin.complete(session.id)
    api.v1.refunds.create(params={"payment_intent": paid["payment_intent"]})
    customer = api.v1.customers.create(params={"email": "ap@example.org"})
    draft = api.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    api.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": 1000})
    api.v1.invoices.finalize_invoice(draft.id)
    api.v1.invoices.void_invoice(draft.id)
    handled = [d for d in live.standin.deliveries if d.type in ("charge.refunded", "invoice.voided")]
    assert [d.status for d in handled] == [200, 200]
    assert all('"handled": false' in d.body for d in handled)
    assert live.smtp.received == []


@pytest.mark.parametrize("payment", ["card", "invoice"])
def test_an_event_for_a_booking_not_yet_refunded_or_voided_changes_nothing(live, payment):
    """A forged or out-of-order event is never trusted: the function reads Stripe's current state."""
    if payment == "card":
        body = live.book_card(booking(1, tag="-early"))
        live.wait_for_mail(1)
        intent = _intent(live, body["booking_ref"])
        obj = {"id": intent["latest_charge"], "object": "charge", "payment_intent": intent["id"], "refunded": True}
        kind = "charge.refunded"
    else:
        body, invoice = live.book_invoice(booking(1, payment="invoice", tag="-early"))
        obj = {"id": invoice["id"], "object": "invoice", "status": "void"}
        kind = "invoice.voided"
    payload = stripe_event(kind, obj, "evt_out_of_order")
    header = WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET, timestamp=int(time.time()))
    headers = {"content-type": "application/json", "stripe-signature": header}
    response = http("POST", live.url + "/api/stripe-webhook", payload, headers)
    assert response.status == 200 and response.json()["state"] in ("nothing_refunded", "not_void")
    assert _notices(live, "priya.shah-early@nhs.net") == []
