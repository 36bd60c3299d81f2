"""Two deliveries of the outbox at once (two webhook deliveries, the back office beside the scheduled run) send
each message once: a sender claims a message before it sends it."""

from __future__ import annotations

import threading

from adapters.mail.outbox import Delivery, deliver
from adapters.mail.send import MailSession
from booking.life import CheckoutStarted, Paid
from tests.flows.test_advance import AT, _record, _step


def test_four_deliveries_at_once_send_each_message_once(booking_store, smtp):
    _step(booking_store, "CP-ABCDEF", CheckoutStarted(_record(delegates=3)))
    _step(booking_store, "CP-ABCDEF", Paid(AT))
    results: list[Delivery] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        with MailSession(smtp.url, None) as session:
            results.append(deliver(booking_store, session, "CP-ABCDEF"))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 4
    assert sorted(m for r in results for m in r.sent) == [
        "CP-ABCDEF.confirmation.booker",
        "CP-ABCDEF.confirmation.d0",
        "CP-ABCDEF.confirmation.d1",
        "CP-ABCDEF.confirmation.d2",
        "CP-ABCDEF.organisers",
    ]
    assert len(smtp.received) == 5
    assert booking_store.pending() == []


def test_a_deferred_message_is_given_back_for_the_next_delivery(booking_store, smtp):
    _step(booking_store, "CP-ABCDEF", CheckoutStarted(_record(delegates=1)))
    _step(booking_store, "CP-ABCDEF", Paid(AT))
    smtp.up = False
    with MailSession(smtp.url, None) as session:
        first = deliver(booking_store, session)
    assert len(first.waiting) == 3 and all(first.reasons[m].startswith("451") for m in first.waiting)
    smtp.up = True
    with MailSession(smtp.url, None) as session:
        second = deliver(booking_store, session)
    assert (len(second.sent), second.elsewhere) == (3, [])
