"""One person's bookings through the person items written in each booking's own transaction: found by the address
in any form validation accepts, kept in step when delegates change, keyed by a hash that names no one; a lost race
writes no person item either."""

from __future__ import annotations

import pytest

from adapters.store import Conflict, person_key
from booking.record import Attendee
from tests.store.records import booking_record


def _items(booking_store) -> list[dict]:
    return booking_store._client.scan(TableName=booking_store.table)["Items"]


def test_a_booking_is_found_under_each_address_it_names(booking_store):
    record = booking_record(
        "CP-AAAAA2", delegates=(Attendee(name="Ann", email="ann@nhs.net"), Attendee(name="Jo", email="jo@nhs.net"))
    )
    booking_store.create(record, "confirmed")
    for address in ("sam@example.org", "ANN@NHS.NET", " jo@nhs.net "):
        assert [s.record.ref for s in booking_store.bookings_of(address)] == ["CP-AAAAA2"]
    assert booking_store.bookings_of("nobody@nhs.net") == []


def test_the_keys_hold_a_hash_never_an_address(booking_store):
    booking_store.create(booking_record("CP-AAAAA3"), "confirmed")
    keys = [item["pk"]["S"] for item in _items(booking_store)]
    assert person_key("sam@example.org") in keys and person_key("Sam@Example.org") == person_key("sam@example.org")
    assert not [k for k in keys if "@" in k or "example" in k]


def test_a_replaced_delegate_leaves_the_index_in_the_same_write(booking_store):
    stored = booking_store.create(booking_record("CP-AAAAA4"), "confirmed")
    changed = stored.record.substitute(0, Attendee(name="New", email="new@nhs.net"))
    booking_store.write(stored, changed, "confirmed")
    assert booking_store.bookings_of("d0@example.org") == []
    assert [s.record.ref for s in booking_store.bookings_of("new@nhs.net")] == ["CP-AAAAA4"]
    # Kept, marked former, until its messages are gone (an erasure must find them); then forgotten.
    (old,) = [i for i in _items(booking_store) if i["pk"]["S"] == person_key("d0@example.org")]
    assert old["ref"]["S"] == "CP-AAAAA4" and old["former"]["BOOL"] and "expires_at" not in old
    assert booking_store.refs_of("d0@example.org") == ["CP-AAAAA4"]
    booking_store.forget("d0@example.org", "CP-AAAAA4")
    (old,) = [i for i in _items(booking_store) if i["pk"]["S"] == person_key("d0@example.org")]
    assert "ref" not in old and int(old["expires_at"]["N"]) > 0  # for DynamoDB's time-to-live to remove
    assert booking_store.refs_of("d0@example.org") == []
    booking_store.forget("new@nhs.net", "CP-AAAAA4")  # still named: a no-op
    assert booking_store.refs_of("new@nhs.net") == ["CP-AAAAA4"]


def test_a_lost_race_writes_no_person_item(booking_store):
    stored = booking_store.create(booking_record("CP-AAAAA5"), "confirmed")
    booking_store.write(stored, stored.record, "confirmed")
    stale = stored.record.substitute(0, Attendee(name="Late", email="late@nhs.net"))
    with pytest.raises(Conflict):
        booking_store.write(stored, stale, "confirmed")
    assert booking_store.bookings_of("late@nhs.net") == []
    assert person_key("late@nhs.net") not in [i["pk"]["S"] for i in _items(booking_store)]


def test_a_change_too_big_for_one_transaction_still_keeps_the_index_in_step(booking_store):
    from tests.store.records import outgoing

    old = tuple(Attendee(name=f"Old {i}", email=f"old{i}@nhs.net") for i in range(30))
    stored = booking_store.create(booking_record("CP-AAAAA6", delegates=old), "confirmed")
    new = tuple(Attendee(name=f"New {i}", email=f"new{i}@nhs.net") for i in range(30))
    messages = [outgoing(f"CP-AAAAA6.changed.m{i}") for i in range(40)]
    # 1 booking + 40 messages + 30 new addresses + 30 old ones is past DynamoDB's 100 items in a transaction.
    booking_store.write(stored, stored.record.model_copy(update={"delegates": new}), "confirmed", messages=messages)
    assert [s.record.ref for s in booking_store.bookings_of("new29@nhs.net")] == ["CP-AAAAA6"]
    assert booking_store.bookings_of("old0@nhs.net") == []
    marks = [i for i in _items(booking_store) if i["pk"]["S"] == person_key("old29@nhs.net")]
    assert [m.get("former", {}).get("BOOL") for m in marks] == [True]
