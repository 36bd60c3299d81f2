"""A discount code's uses (flows.advance.code_takes) against the real store: taken when a booking is stored, given back when it lapses, and
the last one taken once however many bookings race for it."""

from __future__ import annotations

import threading

import pytest

from adapters.content.events import EventFacts
from adapters.mail.compose import About, Letterhead
from adapters.store import LimitReached, code_key
from booking.life import CheckoutStarted, Expired, Paid, Refunded
from booking.record import Amount, Attendee, BookingRecord, Contact
from flows.advance import advance
from pricing import load_fee_table
from tests.fixture_site import FIXTURE_FEES, OPEN_EVENT

AT = "2083-01-05T10:00:00+00:00"


@pytest.fixture(scope="module")
def fees(tmp_path_factory):
    """The test site's fee table with SPEAKER27 limited to two uses."""
    text = FIXTURE_FEES.read_text(encoding="utf-8").replace(
        "SPEAKER27: {percent: 100", "SPEAKER27: {percent: 100, uses: 2"
    )
    assert "uses: 2" in text
    path = tmp_path_factory.mktemp("codes") / "fees.yaml"
    path.write_text(text, encoding="utf-8")
    return load_fee_table(path)


def _record(n: int, code: str = "speaker27", payment: str = "card") -> BookingRecord:
    return BookingRecord(
        ref=f"CP-{'ABCDEFGHJK'[n % 10]}{'ABCDEFGHJK'[n // 10 % 10]}AAAA",
        event=OPEN_EVENT,
        category="public-sector",
        payment=payment,  # type: ignore[arg-type]
        contact=Contact(name="Sam Lee", email=f"sam{n}@example.org"),
        delegates=(Attendee(name="A Delegate", email=f"d{n}@example.org"),),
        amounts=(Amount(net_pence=0, vat_pence=0),),
        code=code,
    )


def _step(store, fees, record, event):
    return advance(
        store,
        record.ref,
        event,
        about=lambda b: About(record=b.record, event=EventFacts(slug=OPEN_EVENT, title="Caldicott")),
        letterhead=Letterhead(),
        code_limit=fees.find_code(record.code)[1].uses,
    )


def test_a_code_with_two_uses_books_twice_then_refuses(booking_store, fees):
    _step(booking_store, fees, _record(1), CheckoutStarted(_record(1)))
    _step(booking_store, fees, _record(2), CheckoutStarted(_record(2)))
    with pytest.raises(LimitReached) as refused:
        _step(booking_store, fees, _record(3), CheckoutStarted(_record(3)))
    assert refused.value.key == code_key("SPEAKER27")
    assert booking_store.get(_record(3).ref) is None
    assert booking_store.counter(code_key("SPEAKER27")) == 2


def test_a_lapsed_checkout_gives_its_use_back_and_a_cancelled_booking_keeps_it(booking_store, fees):
    _step(booking_store, fees, _record(1), CheckoutStarted(_record(1)))
    _step(booking_store, fees, _record(2), CheckoutStarted(_record(2)))
    _step(booking_store, fees, _record(1), Expired(AT))
    _step(booking_store, fees, _record(2), Paid(AT))
    _step(booking_store, fees, _record(2), Refunded(100, 100, AT))
    assert booking_store.counter(code_key("SPEAKER27")) == 1
    _step(booking_store, fees, _record(3), CheckoutStarted(_record(3)))
    assert booking_store.counter(code_key("SPEAKER27")) == 2


def test_ten_bookings_racing_for_the_last_use_take_it_once(booking_store, fees):
    _step(booking_store, fees, _record(0), CheckoutStarted(_record(0)))
    start = threading.Barrier(10)
    outcomes: list[object] = [None] * 10

    def book(i: int) -> None:
        record = _record(10 + i)
        start.wait()
        try:
            outcomes[i] = _step(booking_store, fees, record, CheckoutStarted(record))
        except LimitReached as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=book, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(not isinstance(o, LimitReached) for o in outcomes) == 1
    assert booking_store.counter(code_key("SPEAKER27")) == 2


def test_a_code_without_a_limit_is_counted_too(booking_store, fees):
    _step(booking_store, fees, _record(1, code="partner15"), CheckoutStarted(_record(1, code="partner15")))
    assert booking_store.counter(code_key("PARTNER15")) == 1
