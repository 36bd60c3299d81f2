"""One step of a booking's life against the real store (the local engine over HTTP) and a real SMTP server:
deliveries at once make one transition, the last place is sold once, and no message is lost or sent twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.content.events import EventFacts
from adapters.mail.compose import About, Letterhead
from adapters.mail.outbox import deliver
from adapters.mail.send import MailSession
from adapters.store import LimitReached, places_key
from booking.life import CheckoutStarted, Expired, Kind, Paid, Refunded, State
from booking.record import Amount, Attendee, BookingRecord, Contact
from flows.advance import advance
from tests.waiting import at_once

EVENT = "caldicott-police-2027"
AT = "2027-01-05T10:00:00+00:00"
LETTERHEAD = Letterhead(sender="Bookings <bookings@events.example.org>", organisers="team@events.example.org")


def _record(ref: str = "CP-ABCDEF", delegates: int = 2) -> BookingRecord:
    return BookingRecord(
        ref=ref,
        event=EVENT,
        category="nhs",
        payment="card",
        contact=Contact(name="Sam Lee", email="sam@example.org", organisation="Leeds NHS"),
        delegates=tuple(Attendee(name=f"Delegate {i}", email=f"d{i}@example.org") for i in range(delegates)),
        amounts=(Amount(net_pence=26550, vat_pence=5310),) * delegates,
    )


def _about(booking) -> About:
    return About(record=booking.record, event=EventFacts(slug=EVENT, title="Caldicott and the police"))


def _step(store, ref, event, capacity=None):
    return advance(store, ref, event, about=_about, letterhead=LETTERHEAD, capacity=capacity)


def test_eight_deliveries_of_one_payment_at_once_make_one_transition_and_one_copy_of_each_message(booking_store):
    _step(booking_store, "CP-ABCDEF", CheckoutStarted(_record()))
    steps = at_once(8, lambda _: _step(booking_store, "CP-ABCDEF", Paid(AT)))
    assert not [s for s in steps if isinstance(s, Exception)]
    assert sum(1 for s in steps if s.changed) == 1
    pending = booking_store.pending("CP-ABCDEF")
    assert sorted(item.to for item in pending) == [
        "d0@example.org",
        "d1@example.org",
        "sam@example.org",
        "team@events.example.org",
    ]
    assert booking_store.get("CP-ABCDEF").state == State.CONFIRMED


def test_a_refund_before_the_payment_is_never_followed_by_a_confirmation(booking_store):
    _step(booking_store, "CP-ABCDEF", CheckoutStarted(_record()))
    _step(booking_store, "CP-ABCDEF", Refunded(63720, 63720, AT))
    _step(booking_store, "CP-ABCDEF", Paid(AT))
    kinds = [item.message_id.split(".")[1] for item in booking_store.pending("CP-ABCDEF")]
    assert kinds == [Kind.REFUND.value]
    assert booking_store.get("CP-ABCDEF").state == State.CANCELLED
    assert booking_store.counter(places_key(EVENT)) == 0


@pytest.fixture
def store_requests(dynamodb_client):
    """The DynamoDB operations the store's client sends during the test, in order (botocore's own event hook)."""
    seen: list[str] = []

    def note(model, **_):
        seen.append(model.name)

    dynamodb_client.meta.events.register("before-call.dynamodb.*", note)
    yield seen
    dynamodb_client.meta.events.unregister("before-call.dynamodb.*", note)


def _start(store, ref, record, fresh=True, capacity=None):
    return advance(
        store, ref, CheckoutStarted(record), about=_about, letterhead=LETTERHEAD, capacity=capacity, fresh=fresh
    )


def test_a_new_booking_is_stored_with_one_request_to_the_store_not_a_read_and_a_write(booking_store, store_requests):
    seen = store_requests
    step = _start(booking_store, "CP-ABCDEF", _record())
    assert step.changed and step.booking.state == State.AWAITING_PAYMENT and step.booking.version == 1
    assert seen == ["TransactWriteItems"]
    seen.clear()
    _start(booking_store, "CP-ABCDEG", _record("CP-ABCDEG"), fresh=False)
    assert seen == ["GetItem", "TransactWriteItems"]


def test_a_double_submit_of_a_fresh_booking_changes_nothing_and_a_lapsed_one_starts_over(booking_store):
    first = _start(booking_store, "CP-ABCDEF", _record())
    again = _start(booking_store, "CP-ABCDEF", _record())
    assert not again.changed and again.booking == first.booking
    assert booking_store.counter(places_key(EVENT)) == 2
    _step(booking_store, "CP-ABCDEF", Expired(AT))
    assert booking_store.counter(places_key(EVENT)) == 0
    over = _start(booking_store, "CP-ABCDEF", _record())
    assert over.changed and over.booking.state == State.AWAITING_PAYMENT and over.booking.version == 3
    assert booking_store.counter(places_key(EVENT)) == 2


def test_eight_fresh_submits_of_one_booking_at_once_store_it_once_and_hold_its_places_once(booking_store):
    steps = at_once(8, lambda _: _start(booking_store, "CP-ABCDEF", _record(), capacity=3))
    assert not [s for s in steps if isinstance(s, Exception)]
    assert sum(1 for s in steps if s.changed) == 1
    assert booking_store.counter(places_key(EVENT)) == 2
    assert booking_store.get("CP-ABCDEF").version == 1


def test_a_fresh_booking_already_stored_is_not_refused_as_sold_out_by_its_own_places(booking_store):
    _start(booking_store, "CP-ABCDEF", _record(), capacity=2)
    again = _start(booking_store, "CP-ABCDEF", _record(), capacity=2)  # the event is full, with this booking
    assert not again.changed and again.booking.state == State.AWAITING_PAYMENT


def test_two_hundred_bookings_from_twenty_clients_for_a_hundred_and_fifty_places(booking_store):
    def book(index: int) -> object:
        ref = f"CP-{index:06d}".replace("0", "A").replace("1", "B")
        return _step(booking_store, ref, CheckoutStarted(_record(ref, delegates=1)), capacity=150)

    results: list[object] = []
    for batch in range(10):
        results += at_once(20, lambda i, b=batch: book(b * 20 + i))
    sold = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, LimitReached)]
    assert (len(sold), len(refused)) == (150, 50)
    assert booking_store.counter(places_key(EVENT)) == 150
    assert len(booking_store.by_event(EVENT)) == 150


def test_an_expired_checkout_gives_its_places_back_for_the_next_booker(booking_store):
    _step(booking_store, "CP-AAAAAA", CheckoutStarted(_record("CP-AAAAAA", 2)), capacity=2)
    with pytest.raises(LimitReached):
        _step(booking_store, "CP-BBBBBB", CheckoutStarted(_record("CP-BBBBBB", 1)), capacity=2)
    _step(booking_store, "CP-AAAAAA", Expired(AT))
    _step(booking_store, "CP-BBBBBB", CheckoutStarted(_record("CP-BBBBBB", 1)), capacity=2)
    assert booking_store.counter(places_key(EVENT)) == 1


def test_mail_down_keeps_the_messages_and_a_later_run_sends_each_once(booking_store, smtp, tmp_path: Path):
    _step(booking_store, "CP-ABCDEF", CheckoutStarted(_record()))
    _step(booking_store, "CP-ABCDEF", Paid(AT))
    smtp.up = False
    with MailSession(smtp.url, None) as session:
        first = deliver(booking_store, session)
    assert (first.sent, len(first.waiting)) == ([], 4)
    assert smtp.received == []
    smtp.up = True
    with MailSession(smtp.url, None) as session:
        second = deliver(booking_store, session)
    with MailSession(smtp.url, None) as session:
        third = deliver(booking_store, session)
    assert (len(second.sent), third.sent) == (4, [])
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [
        "d0@example.org",
        "d1@example.org",
        "sam@example.org",
        "team@events.example.org",
    ]
    message_ids = {r.message["Message-ID"] for r in smtp.received}
    assert "<CP-ABCDEF.confirmation.booker@events.example.org>" in message_ids


def test_a_refused_recipient_is_marked_and_never_stops_the_others(booking_store, smtp):
    smtp.refused.add("d1@example.org")
    _step(booking_store, "CP-ABCDEF", CheckoutStarted(_record()))
    _step(booking_store, "CP-ABCDEF", Paid(AT))
    with MailSession(smtp.url, None) as session:
        done = deliver(booking_store, session)
    assert done.refused == ["CP-ABCDEF.confirmation.d1"]
    assert len(done.sent) == 3
    assert booking_store.pending() == []
