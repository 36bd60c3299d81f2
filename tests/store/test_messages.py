"""A booking's messages as the back office reads them (any status, no bytes), and claims: two senders at once
never both hold a message."""

from __future__ import annotations

import threading

from adapters.store import Outgoing
from booking.record import Amount, Attendee, BookingRecord, Contact

EVENT = "caldicott-police-2027"


def _record(ref: str = "CP-ABCDEF") -> BookingRecord:
    return BookingRecord(
        ref=ref,
        event=EVENT,
        category="nhs",
        payment="card",
        contact=Contact(name="Sam Lee", email="sam@example.org"),
        delegates=(Attendee(name="Delegate 0", email="d0@example.org"),),
        amounts=(Amount(net_pence=26550, vat_pence=5310),),
    )


def _message(message_id: str, to: str) -> Outgoing:
    return Outgoing(message_id=message_id, to=to, raw=f"Message-ID: <{message_id}@example.org>\r\n\r\nHi\r\n".encode())


def test_a_bookings_messages_read_back_with_their_status_and_kind_and_no_other_bookings(booking_store):
    booking_store.create(
        _record(),
        "confirmed",
        messages=[
            _message("CP-ABCDEF.confirmation.booker", "sam@example.org"),
            _message("CP-ABCDEF.confirmation.d0", "d0@example.org"),
            _message("CP-ABCDEF.joining.d0.v2", "d0@example.org"),
        ],
    )
    booking_store.create(
        _record("CP-BBBBBB"), "confirmed", messages=[_message("CP-BBBBBB.confirmation.booker", "sam@example.org")]
    )
    pending = {item.message_id: item for item in booking_store.pending("CP-ABCDEF")}
    booking_store.mark_sent(pending["CP-ABCDEF.confirmation.booker"])
    booking_store.mark_refused(pending["CP-ABCDEF.confirmation.d0"], "550 5.1.1 Mailbox unavailable")

    found = booking_store.messages("CP-ABCDEF")

    assert [(m.message_id, m.kind, m.to, m.status) for m in found] == [
        ("CP-ABCDEF.confirmation.booker", "confirmation", "sam@example.org", "sent"),
        ("CP-ABCDEF.confirmation.d0", "confirmation", "d0@example.org", "refused"),
        ("CP-ABCDEF.joining.d0.v2", "joining", "d0@example.org", "pending"),
    ]
    assert found[1].detail == "550 5.1.1 Mailbox unavailable" and found[1].sent_at
    assert booking_store.messages("CP-NOPE22") == []


def test_of_eight_claims_at_once_one_wins_and_a_release_lets_the_next_sender_have_it(booking_store):
    booking_store.create(_record(), "confirmed", messages=[_message("CP-ABCDEF.joining.d0.v2", "d0@example.org")])
    (item,) = booking_store.pending("CP-ABCDEF")
    won: list[bool] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait()
        won.append(booking_store.claim(item))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(won) == [False] * 7 + [True]
    assert booking_store.claim(item) is False  # held: still pending, but someone is sending it
    booking_store.release(item)
    assert booking_store.claim(item) is True
    booking_store.mark_sent(item)
    assert booking_store.claim(item) is False and booking_store.pending() == []


def test_a_claim_that_has_run_out_can_be_taken_again(booking_store):
    booking_store.create(_record(), "confirmed", messages=[_message("CP-ABCDEF.joining.d0.v2", "d0@example.org")])
    (item,) = booking_store.pending("CP-ABCDEF")

    assert booking_store.claim(item, seconds=-1) is True  # a sender that died holding it, long ago
    assert booking_store.claim(item) is True
