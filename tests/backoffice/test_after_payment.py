"""After payment starts, over real HTTP: the function on loopback with the stand-in, the local engine and aiosmtpd.

Stripe delivers at least once and in any order, so each test disables the stand-in's webhook endpoint (as one can
at Stripe), lists the real events raised meanwhile (GET /v1/events) and delivers them as Stripe might: many times
at once, late, out of order, while something fails.
The booking is started in the store as the booking flow does (flows.advance, CheckoutStarted) with its Checkout
Session made at the stand-in carrying only booking.reference.stripe_metadata().
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from adapters.store import BookingStore, places_key
from booking.life import CheckoutStarted, RequestConfirmed, State, StripeFacts
from booking.record import Amount, Attendee, BookingRecord, Contact
from booking.reference import stripe_metadata
from devtools.stripe_standin.webhooks import signature_header
from flows.advance import advance
from functions.lambda_handler import SCHEDULE_SOURCE, handle_event, handler, scheduled_run
from functions.mailroom import mail
from tests.backoffice.conftest import EVENT, ORGANISERS, WEBHOOK_SECRET
from tests.functions.conftest import HttpResponse, http
from tests.functions.webhook_events import signed, stripe_event

NET, VAT = 26550, 5310  # one NHS place by card: £265.50 + £53.10 VAT


@pytest.fixture
def live(live):
    live.configure(now=lambda: datetime.now(UTC))  # signatures are checked against the real clock
    return live


def _store(live) -> BookingStore:
    return live.settings.store()


def _record(ref: str, delegates: int = 2, payment: str = "card") -> BookingRecord:
    tag = ref[-6:].lower()
    return BookingRecord(
        ref=ref,
        event=EVENT,
        category="nhs",
        payment=payment,
        contact=Contact(name="Priya Shah", email=f"priya.{tag}@nhs.net"),
        delegates=tuple(Attendee(name=f"Delegate {i}", email=f"d{i}.{tag}@nhs.net") for i in range(delegates)),
        amounts=(Amount(net_pence=NET, vat_pence=VAT),) * delegates,
    )


def _start_card(live, ref: str, delegates: int = 2) -> str:
    """A card booking at Stripe's checkout: stored awaiting payment, its places held; the session's id."""
    record = _record(ref, delegates)
    meta = stripe_metadata(ref, EVENT)
    session = (
        live.standin.client()
        .v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "currency": "gbp",
                "line_items": [
                    {
                        "quantity": delegates,
                        "price_data": {
                            "currency": "gbp",
                            "unit_amount": NET + VAT,
                            "product_data": {"name": "Conference place"},
                        },
                    }
                ],
                "customer_email": record.contact.email,
                "client_reference_id": ref,
                "metadata": meta,
                "payment_intent_data": {"metadata": meta},
                "invoice_creation": {"enabled": True, "invoice_data": {"metadata": meta}},
                "success_url": f"{live.url}/api/bookings/confirmation?session_id={{CHECKOUT_SESSION_ID}}",
                "cancel_url": f"{live.url}/events/{EVENT}/",
            }
        )
        .to_dict()
    )
    letters = mail(live.settings)
    advance(_store(live), ref, CheckoutStarted(record), about=letters.about, letterhead=letters.letterhead)
    return str(session["id"])


@contextmanager
def _held(live):
    """Deliveries held back, as a test does at Stripe: the webhook endpoint disabled (POST
    /v1/webhook_endpoints/{id}, disabled=true); the events raised meanwhile, listed through GET /v1/events."""
    api = live.standin.client()
    endpoint = live.standin.webhook_endpoint_id()
    before = {e.id for e in api.v1.events.list(params={"limit": 100}).data}
    api.v1.webhook_endpoints.update(endpoint, params={"disabled": True})
    raised: list = []
    try:
        yield raised
    finally:
        api.v1.webhook_endpoints.update(endpoint, params={"disabled": False})
        raised.extend(e for e in api.v1.events.list(params={"limit": 100}).data if e.id not in before)


def _one(events, kind):
    (event,) = [e for e in events if e.type == kind]
    return event


def _payload(live, event) -> str:
    """The real event as the stand-in serves it (GET /v1/events/{id})."""
    return json.dumps(live.standin.client().v1.events.retrieve(event.id).to_dict(), indent=2)


def _post(live, payload: str) -> HttpResponse:
    """One delivery as Stripe makes it: the event's JSON, signed now with the endpoint's secret."""
    headers = {"stripe-signature": signature_header(payload, WEBHOOK_SECRET), "content-type": "application/json"}
    return http("POST", live.url + "/api/stripe-webhook", payload, headers)


def _replay(live, event) -> HttpResponse:
    """The real event retrieved from the stand-in and delivered again (as Stripe does after a timeout)."""
    return _post(live, _payload(live, event))


def _at_once(live, event, times: int = 8) -> list[int | None]:
    """The same real event delivered `times` times at the same moment; each answer's status."""
    payload = _payload(live, event)
    statuses: list[int | None] = [None] * times
    start = threading.Barrier(times)

    def one(index: int) -> None:
        start.wait()
        statuses[index] = _post(live, payload).status

    threads = [threading.Thread(target=one, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _subjects(live) -> list[tuple[str, str]]:
    return sorted((r.message["To"].addresses[0].addr_spec, str(r.message["Subject"])) for r in live.smtp.received)


def _state(live, ref: str) -> State:
    stored = _store(live).get(ref)
    assert stored is not None
    return State(stored.state)


def test_the_same_completed_event_delivered_8_times_at_once_confirms_once_and_mails_each_person_once(live):
    ref = "CP-AAAAA2"
    session_id = _start_card(live, ref)
    with _held(live) as raised:
        live.standin.complete(session_id)
    completed = _one(raised, "checkout.session.completed")
    assert set(_at_once(live, completed)) == {200}
    assert _state(live, ref) == State.CONFIRMED
    live.wait_for_mail(4)
    tag = ref[-6:].lower()
    people = [f"d0.{tag}@nhs.net", f"d1.{tag}@nhs.net", f"priya.{tag}@nhs.net", ORGANISERS]
    assert [to for to, _ in _subjects(live)] == sorted(people)
    assert _store(live).pending(ref) == []
    stored = _store(live).get(ref)
    assert stored is not None and stored.record.payment_intent.startswith("pi_")
    assert stored.record.invoice_id.startswith("in_")  # the VAT receipt, read back with the session
    # The receipt's own invoice.paid is about a card booking: its session decides, so it changes nothing.
    receipt = _one(raised, "invoice.paid")
    answer = _replay(live, receipt)
    assert answer.status == 200 and answer.json()["changed"] is False
    assert len(live.smtp.received) == 4


def test_a_refund_delivered_before_completed_never_sends_a_confirmation_after_the_cancellation(live):
    ref = "CP-AAAAA3"
    session_id = _start_card(live, ref)
    with _held(live) as raised:
        live.standin.complete(session_id)
        intent = live.standin.app.session(session_id)["payment_intent"]
        live.standin.app.refunds.refund(intent)
    refunded = _one(raised, "charge.refunded")
    assert _replay(live, refunded).status == 200
    assert _state(live, ref) == State.CANCELLED
    completed = _one(raised, "checkout.session.completed")
    for _ in range(2):
        assert _replay(live, completed).status == 200
    assert _state(live, ref) == State.CANCELLED
    subjects = [subject for _, subject in _subjects(live)]
    assert len(subjects) == 1 and subjects[0].startswith("Booking cancelled and refunded")
    assert not any("confirmed" in s for s in subjects)
    assert _store(live).counter(places_key(EVENT)) == 0


def test_part_refunds_are_recorded_and_each_told_once_the_booking_staying_confirmed_until_refunded_in_full(live):
    ref = "CP-AAAAB2"
    session_id = _start_card(live, ref, 1)
    live.standin.complete(session_id)
    live.wait_for_mail(3)
    intent = live.standin.app.session(session_id)["payment_intent"]
    with _held(live) as first:
        live.standin.app.refunds.refund(intent, 5000)
    assert set(_at_once(live, _one(first, "charge.refunded"), 4)) == {200}
    stored = _store(live).get(ref)
    assert stored is not None and stored.state == State.CONFIRMED and stored.record.refunded_pence == 5000
    with _held(live) as second:
        live.standin.app.refunds.refund(intent)  # the rest
    assert _replay(live, _one(second, "charge.refunded")).status == 200
    assert _replay(live, _one(first, "charge.refunded")).status == 200  # the first one again, late: nothing
    assert _state(live, ref) == State.CANCELLED
    notices = [r for r in live.wait_for_mail(5) if not str(r.message["Subject"]).startswith("Booking confirmed")]
    subjects = sorted(str(r.message["Subject"]).split(":")[0] for r in notices)
    assert subjects == ["Booking cancelled and refunded", "Refund for your booking"]
    part = next(r for r in notices if str(r.message["Subject"]).startswith("Refund for your booking"))
    assert "£50.00" in part.text


def test_async_payment_succeeded_confirms_like_completed_and_neither_repeats(live):
    ref = "CP-AAAAB3"
    session_id = _start_card(live, ref, 1)
    with _held(live) as raised:
        live.standin.complete(session_id)
    session = live.standin.app.session(session_id)
    late = signed(stripe_event("checkout.session.async_payment_succeeded", session, "evt_async"))
    assert json.loads(handle_event(late, _signing(live))["body"])["changed"] is True
    assert _replay(live, _one(raised, "checkout.session.completed")).json()["changed"] is False
    assert len(live.wait_for_mail(3)) == 3


def test_stripe_failing_on_a_retry_after_the_transition_sends_no_second_copy(live):
    ref = "CP-AAAAA4"
    session_id = _start_card(live, ref)
    with _held(live) as raised:
        live.standin.complete(session_id)
    completed = _one(raised, "checkout.session.completed")
    assert _replay(live, completed).status == 200
    live.wait_for_mail(4)
    payload = _payload(live, completed)
    live.standin.fault("500", times=3)  # Stripe fails the read of the retry (and the SDK's own retries)
    assert _post(live, payload).status == 503
    assert _post(live, payload).status == 200  # Stripe's next retry
    assert _state(live, ref) == State.CONFIRMED
    assert len(live.smtp.received) == 4


def test_mail_down_during_fulfilment_answers_200_keeps_the_messages_and_the_scheduled_run_sends_each_once(live):
    ref = "CP-AAAAA5"
    session_id = _start_card(live, ref)
    with _held(live) as raised:
        live.standin.complete(session_id)
    completed = _one(raised, "checkout.session.completed")
    smtp_url = live.settings.smtp_url
    live.configure(now=lambda: datetime.now(UTC), smtp_url="smtp://127.0.0.1:9")  # nothing listens there
    assert _replay(live, completed).status == 200
    assert _replay(live, completed).status == 200
    assert _state(live, ref) == State.CONFIRMED
    assert live.smtp.received == [] and len(_store(live).pending(ref)) == 4
    live.configure(now=lambda: datetime.now(UTC), smtp_url=smtp_url)
    assert scheduled_run(live.settings) == {
        "ok": True,
        "expired": 0,
        "quotes_lapsed": 0,
        "po_reminded": 0,
        "po_released": 0,
        "reminded": 0,
        "sent": 4,
        "refused": 0,
        "waiting": 0,
    }
    assert scheduled_run(live.settings)["sent"] == 0
    assert len(live.smtp.received) == 4 and _store(live).pending(ref) == []


def test_the_next_delivery_also_sends_what_another_booking_left_waiting(live):
    first, second = "CP-AAAAA6", "CP-AAAAA7"
    sessions = [_start_card(live, first, 1), _start_card(live, second, 1)]
    with _held(live) as raised:
        for session_id in sessions:
            live.standin.complete(session_id)
    completed = [e for e in raised if e.type == "checkout.session.completed"]
    smtp_url = live.settings.smtp_url
    live.configure(now=lambda: datetime.now(UTC), smtp_url="smtp://127.0.0.1:9")
    assert _replay(live, completed[0]).status == 200
    live.configure(now=lambda: datetime.now(UTC), smtp_url=smtp_url)
    assert _replay(live, completed[1]).status == 200
    assert len(live.wait_for_mail(6)) == 6  # booker, delegate and organisers for each booking
    assert _store(live).pending() == []


def _start_invoice(live, ref: str, delegates: int = 2) -> str:
    """An invoice booking whose booker confirmed the request: its invoice sent, awaiting payment; the invoice id."""
    record = _record(ref, delegates, "invoice")
    api = live.standin.client()
    customer = api.v1.customers.create(params={"email": "accounts.payable@nhs.net", "name": "Accounts Payable"})
    invoice = api.v1.invoices.create(
        params={
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "currency": "gbp",
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
            "metadata": stripe_metadata(ref, EVENT),
        }
    )
    api.v1.invoice_items.create(
        params={
            "customer": customer.id,
            "invoice": invoice.id,
            "currency": "gbp",
            "amount": record.gross_pence,
            "description": "Conference places",
        }
    )
    api.v1.invoices.finalize_invoice(invoice.id, params={"auto_advance": False})
    api.v1.invoices.send_invoice(invoice.id)
    store = _store(live)
    store.create(record, State.REQUESTED)  # as the booking flow leaves a request
    letters = mail(live.settings)
    advance(
        store,
        ref,
        RequestConfirmed(datetime.now(UTC).isoformat(timespec="seconds"), stripe=StripeFacts(invoice_id=invoice.id)),
        about=letters.about,
        letterhead=letters.letterhead,
    )
    return str(invoice.id)


def test_the_same_invoice_paid_event_delivered_8_times_at_once_confirms_once_and_mails_each_person_once(live):
    ref = "CP-CCCCC2"
    invoice_id = _start_invoice(live, ref)
    assert _state(live, ref) == State.AWAITING_PAYMENT
    with _held(live) as raised:
        live.standin.pay_invoice(invoice_id)
    assert set(_at_once(live, _one(raised, "invoice.paid"))) == {200}
    assert _state(live, ref) == State.CONFIRMED
    live.wait_for_mail(4)
    assert len(live.smtp.received) == 4
    assert all(str(r.message["Subject"]).startswith("Booking confirmed") for r in live.smtp.received)
    stored = _store(live).get(ref)
    assert stored is not None and stored.record.invoice_number  # read back from Stripe with the payment


def test_an_invoice_marked_paid_outside_stripe_confirms_the_booking(live):
    ref = "CP-CCCCC3"
    invoice_id = _start_invoice(live, ref, 1)
    with _held(live) as raised:
        live.standin.client().v1.invoices.pay(invoice_id, params={"paid_out_of_band": True})
    assert _replay(live, _one(raised, "invoice.paid")).status == 200
    assert _state(live, ref) == State.CONFIRMED


def test_a_voided_invoice_cancels_the_booking_gives_its_places_back_and_tells_the_booker_once(live):
    ref = "CP-CCCCC4"
    invoice_id = _start_invoice(live, ref, 2)
    assert _store(live).counter(places_key(EVENT)) == 2
    with _held(live) as raised:
        live.standin.app.billing.void(invoice_id)
    voided = _one(raised, "invoice.voided")
    assert set(_at_once(live, voided, 4)) == {200}
    assert _state(live, ref) == State.CANCELLED
    assert _store(live).counter(places_key(EVENT)) == 0
    (notice,) = live.wait_for_mail(1)
    assert str(notice.message["Subject"]).startswith("Booking cancelled")
    assert notice.message["To"].addresses[0].addr_spec == f"priya.{ref[-6:].lower()}@nhs.net"


def test_an_expired_checkout_gives_its_places_back_and_sends_nothing(live):
    ref = "CP-AAAAA8"
    session_id = _start_card(live, ref, 3)
    assert _store(live).counter(places_key(EVENT)) == 3
    with _held(live) as raised:
        live.standin.client().v1.checkout.sessions.expire(session_id)
    expired = _one(raised, "checkout.session.expired")
    assert set(_at_once(live, expired, 3)) == {200}
    assert _state(live, ref) == State.EXPIRED
    assert _store(live).counter(places_key(EVENT)) == 0
    assert live.smtp.received == []


def test_a_completed_event_for_a_session_that_is_still_open_changes_nothing(live):
    # The event's copy says paid; Stripe's current state says open: the webhook believes Stripe.
    ref = "CP-AAAAA9"
    session_id = _start_card(live, ref, 1)
    forged_copy = {**live.standin.app.session(session_id), "status": "complete", "payment_status": "paid"}
    response = handle_event(signed(stripe_event("checkout.session.completed", forged_copy)), _signing(live))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "received": True,
        "handled": True,
        "state": "awaiting_payment",
        "changed": False,
    }
    assert live.smtp.received == []


def test_objects_without_the_sites_marker_are_acknowledged_and_left_alone(live):
    session = live.standin.client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "currency": "gbp",
            "line_items": [
                {"quantity": 1, "price_data": {"currency": "gbp", "unit_amount": 500, "product_data": {"name": "x"}}}
            ],
            "success_url": f"{live.url}/done",
        }
    )
    with _held(live) as raised:
        live.standin.complete(session.id)
    answer = _replay(live, _one(raised, "checkout.session.completed"))
    assert answer.status == 200 and answer.json() == {"received": True, "handled": False}


@pytest.mark.parametrize("odd", ["cs_test_1", None])
def test_a_signed_event_whose_object_is_a_string_or_null_is_400(live, odd):
    response = handle_event(signed(stripe_event("checkout.session.completed", odd)), _signing(live))
    assert response["statusCode"] == 400


def test_the_scheduled_invocation_is_not_taken_for_an_http_request(live, monkeypatch):
    for name, value in {
        "STRIPE_SECRET_KEY": live.settings.stripe_secret_key,
        "STRIPE_WEBHOOK_SECRET": live.settings.stripe_webhook_secret,
        "SITE_URL": live.url,
        "STRIPE_API_BASE": live.standin.api_base,
        "FEES_PATH": str(live.fees_path),
        **live.store_environ,
    }.items():
        monkeypatch.setenv(name, value)
    assert handler({"source": SCHEDULE_SOURCE}, None) == {
        "ok": True,
        "expired": 0,
        "quotes_lapsed": 0,
        "po_reminded": 0,
        "po_released": 0,
        "reminded": 0,
        "sent": 0,
        "refused": 0,
        "waiting": 0,
    }


def test_the_scheduled_run_expires_requests_whose_link_lapsed_and_leaves_the_others(live):
    from flows import scheduled

    letters = mail(live.settings)
    store = _store(live)
    for ref in ("CP-BBBBB2", "CP-BBBBB3"):  # two requests waiting for their bookers (as the booking flow leaves them)
        store.create(_record(ref, 1, "invoice"), State.REQUESTED)
    lapses = {"CP-BBBBB2": "2027-01-01T00:00:00+00:00", "CP-BBBBB3": "2027-01-03T00:00:00+00:00"}
    done = scheduled.run(store, letters, [EVENT], "2027-01-02T00:00:00+00:00", lambda r: lapses[r.ref])
    assert done.expired == ["CP-BBBBB2"]
    assert _state(live, "CP-BBBBB2") == State.EXPIRED and _state(live, "CP-BBBBB3") == State.REQUESTED
    again = scheduled.run(store, letters, [EVENT], "2027-01-02T00:00:00+00:00", lambda r: lapses[r.ref])
    assert again.expired == []


def _signing(live):
    """Settings whose webhook secret is the one tests/functions signs with."""
    from tests.functions.conftest import WEBHOOK_SECRET

    return live.make_settings(stripe_webhook_secret=WEBHOOK_SECRET, now=lambda: datetime.now(UTC))
