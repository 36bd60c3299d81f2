"""The booking store over real HTTP to the local engine: round trips, conditional writes, counters, the outbox."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.store import (
    BookingStore,
    Conflict,
    DuplicateMessage,
    LimitReached,
    StoreUnavailable,
    Take,
    places_key,
)
from booking.record import Amount, Attendee, BookingRecord, Contact
from tests.store.records import EVENT, booking_record, outgoing
from tests.waiting import at_once

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
EMAIL = st.emails().filter(lambda e: len(e) <= 254)
ATTENDEES = st.builds(Attendee, name=TEXT, email=EMAIL, job_title=TEXT, organisation=TEXT, access_needs=TEXT)
RECORDS = st.builds(
    BookingRecord,
    ref=st.from_regex(r"CP-[A-HJ-NP-TV-Z2-9]{6}", fullmatch=True),
    event=st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True),
    category=st.sampled_from(["nhs", "charity", "commercial"]),
    payment=st.sampled_from(["card", "invoice"]),
    contact=st.builds(Contact, name=TEXT, email=EMAIL, organisation=TEXT),
    delegates=st.lists(ATTENDEES, min_size=1, max_size=5).map(tuple),
    amounts=st.lists(
        st.builds(Amount, net_pence=st.integers(0, 10**7), vat_pence=st.integers(0, 10**6)), max_size=5
    ).map(tuple),
    purchase_order=TEXT,
    code=TEXT,
    refunded_pence=st.integers(0, 10**7),
    joining_sent=st.frozensets(st.integers(0, 4)),
    certificate_sent=st.frozensets(st.integers(0, 4)),
    substitutions=st.integers(0, 10),
    mail_failures=st.lists(EMAIL, max_size=3).map(tuple),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=RECORDS, state=st.sampled_from(["requested", "awaiting_payment", "confirmed", "cancelled"]))
def test_a_created_booking_reads_back_exactly(booking_store, record, state):
    if booking_store.get(record.ref) is not None:
        return  # Hypothesis drew a reference it has drawn before in this table
    stored = booking_store.create(record, state)
    assert (stored.version, stored.state) == (1, state)
    assert booking_store.get(record.ref) == stored


def test_an_unknown_reference_reads_as_none(booking_store):
    assert booking_store.get("CP-NOSUCH") is None


def test_creating_a_reference_twice_is_a_conflict_and_keeps_the_first(booking_store):
    first = booking_store.create(booking_record(), "requested")
    with pytest.raises(Conflict):
        booking_store.create(booking_record(purchase_order="PO-2"), "confirmed")
    assert booking_store.get("CP-ABCDEF") == first


def test_each_write_raises_the_version_by_one(booking_store):
    first = booking_store.create(booking_record(), "awaiting_payment")
    second = booking_store.write(first, booking_record(fulfilled_at="2026-12-06T04:00:00Z"), "confirmed")
    assert second.version == 2
    assert booking_store.get("CP-ABCDEF") == second


def test_a_write_from_a_stale_read_is_a_conflict_and_changes_nothing(booking_store):
    first = booking_store.create(booking_record(), "awaiting_payment")
    second = booking_store.write(first, booking_record(purchase_order="PO-1"), "awaiting_payment")
    with pytest.raises(Conflict):
        booking_store.write(
            first,
            booking_record(purchase_order="PO-stale"),
            "cancelled",
            takes=[Take(places_key(EVENT), -1)],
            messages=[outgoing("CP-ABCDEF.cancelled.booker")],
        )
    assert booking_store.get("CP-ABCDEF") == second
    assert booking_store.pending() == []
    assert booking_store.counter(places_key(EVENT)) == 0


def test_of_eight_writes_from_the_same_read_exactly_one_wins(booking_store):
    first = booking_store.create(booking_record(), "awaiting_payment")

    def save(index: int) -> object:
        return booking_store.write(first, booking_record(purchase_order=f"PO-{index}"), "confirmed")

    results = at_once(8, save)
    winners = [result for result in results if not isinstance(result, Exception)]
    assert len(winners) == 1
    assert all(isinstance(result, Conflict) for result in results if result not in winners)
    assert booking_store.get("CP-ABCDEF") == winners[0]


def test_a_take_past_its_limit_writes_nothing(booking_store):
    booking_store.take(Take(places_key(EVENT), 149, limit=150))
    with pytest.raises(LimitReached) as raised:
        booking_store.create(
            booking_record(),
            "awaiting_payment",
            takes=[Take(places_key(EVENT), 2, limit=150)],
            messages=[outgoing("m.1")],
        )
    assert raised.value.key == places_key(EVENT)
    assert booking_store.get("CP-ABCDEF") is None
    assert booking_store.counter(places_key(EVENT)) == 149
    assert booking_store.pending() == []


def test_a_take_up_to_its_limit_is_written_with_the_booking(booking_store):
    booking_store.create(booking_record(), "awaiting_payment", takes=[Take(places_key(EVENT), 3, limit=3)])
    assert booking_store.counter(places_key(EVENT)) == 3


def test_a_take_larger_than_its_limit_on_a_new_counter_writes_nothing(booking_store):
    with pytest.raises(LimitReached):
        booking_store.create(booking_record(), "awaiting_payment", takes=[Take(places_key(EVENT), 4, limit=3)])
    assert booking_store.get("CP-ABCDEF") is None


def test_giving_back_never_goes_below_zero(booking_store):
    booking_store.take(Take(places_key(EVENT), 2))
    booking_store.take(Take(places_key(EVENT), -2))
    with pytest.raises(LimitReached):
        booking_store.take(Take(places_key(EVENT), -1))
    assert booking_store.counter(places_key(EVENT)) == 0


def test_200_bookings_from_20_threads_for_150_places_sell_exactly_150(booking_store):
    def book(index: int) -> object:
        outcomes = []
        for n in range(10):
            record = booking_record(ref=f"CP-{index:03d}{n:03d}")
            try:
                booking_store.create(record, "awaiting_payment", takes=[Take(places_key(EVENT), 1, limit=150)])
                outcomes.append("booked")
            except LimitReached:
                outcomes.append("sold out")
        return outcomes

    results = at_once(20, book)
    assert not [result for result in results if isinstance(result, Exception)]
    outcomes = [outcome for result in results for outcome in result]  # type: ignore[attr-defined]
    assert outcomes.count("booked") == 150
    assert outcomes.count("sold out") == 50
    assert booking_store.counter(places_key(EVENT)) == 150
    assert len(booking_store.by_event(EVENT)) == 150


def test_messages_written_with_a_transition_wait_until_marked(booking_store):
    messages = [outgoing("CP-ABCDEF.confirmed.booker"), outgoing("CP-ABCDEF.confirmed.d0", to="d0@example.org")]
    booking_store.create(booking_record(), "confirmed", messages=messages)
    booking_store.create(
        booking_record(ref="CP-GHJKMN"), "confirmed", messages=[outgoing("CP-GHJKMN.confirmed.booker")]
    )
    pending = booking_store.pending("CP-ABCDEF")
    assert [(item.message_id, item.to, item.raw, item.status) for item in pending] == [
        (m.message_id, m.to, m.raw, "pending") for m in messages
    ]
    assert len(booking_store.pending()) == 3
    booking_store.mark_sent(pending[0])
    booking_store.mark_refused(pending[1], "550 no such user")
    assert booking_store.pending("CP-ABCDEF") == []
    assert [item.message_id for item in booking_store.pending()] == ["CP-GHJKMN.confirmed.booker"]
    with pytest.raises(Conflict):
        booking_store.mark_sent(pending[0])


def test_a_message_id_written_twice_fails_the_second_write_whole(booking_store):
    first = booking_store.create(booking_record(), "awaiting_payment", messages=[outgoing("CP-ABCDEF.request.booker")])
    with pytest.raises(DuplicateMessage) as raised:
        booking_store.write(
            first,
            booking_record(fulfilled_at="2026-12-06T04:00:00Z"),
            "confirmed",
            takes=[Take(places_key(EVENT), 1)],
            messages=[outgoing("CP-ABCDEF.confirmed.booker"), outgoing("CP-ABCDEF.request.booker")],
        )
    assert raised.value.message_id == "CP-ABCDEF.request.booker"
    assert booking_store.get("CP-ABCDEF") == first
    assert [item.message_id for item in booking_store.pending()] == ["CP-ABCDEF.request.booker"]
    assert booking_store.counter(places_key(EVENT)) == 0


def test_by_event_returns_that_events_bookings_oldest_first(booking_store):
    refs = ["CP-AAAAA2", "CP-AAAAA3", "CP-AAAAA4"]
    for ref in refs:
        booking_store.create(booking_record(ref=ref), "confirmed")
    booking_store.create(booking_record(ref="CP-BBBBB2", event="another-event-2027"), "confirmed")
    assert [stored.record.ref for stored in booking_store.by_event(EVENT)] == refs
    assert [stored.record.ref for stored in booking_store.by_event("another-event-2027")] == ["CP-BBBBB2"]
    assert booking_store.by_event("no-such-event") == []
    assert sorted(stored.record.ref for stored in booking_store.all_bookings()) == [*refs, "CP-BBBBB2"]


def test_an_engine_that_is_not_there_is_store_unavailable(bookings_table, store_environ):
    import socket

    with socket.socket() as listener:  # a port nothing listens on once this closes
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    environ = {**store_environ, "BOOKINGS_TABLE": bookings_table, "DYNAMODB_ENDPOINT": f"http://127.0.0.1:{port}"}
    store = BookingStore.from_env(environ)
    with pytest.raises(StoreUnavailable):
        store.get("CP-ABCDEF")
    with pytest.raises(StoreUnavailable):
        store.create(booking_record(), "requested")


def test_a_missing_table_name_is_store_unavailable(store_environ):
    with pytest.raises(StoreUnavailable, match="BOOKINGS_TABLE"):
        BookingStore.from_env(store_environ)
