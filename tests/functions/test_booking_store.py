"""A card booking's start over real HTTP: the function, the Stripe stand-in and the local store engine. Places are
held in the store before Stripe is asked; the last place is sold once; Stripe failing gives the places back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.store import places_key
from booking.life import State
from booking.reference import stripe_metadata
from tests.functions.conftest import OPEN_EVENT, booking

SOLD_OUT = "This event is sold out"


@pytest.fixture
def places(live, fees_file):
    """Give the open event `n` places (the function reads the fee table it is configured with)."""

    def limit(n: int) -> None:
        path = fees_file(
            f"  {OPEN_EVENT}:\n    tariff: virtual\n", f"  {OPEN_EVENT}:\n    tariff: virtual\n    places: {n}\n"
        )
        live.configure(fees_path=path)

    return limit


def _one(index: int) -> dict:
    data = booking(1)
    data["contact"]["email"] = f"booker{index}@nhs.net"  # each a booking of its own
    return data


def test_two_hundred_bookings_from_twenty_clients_for_a_hundred_and_fifty_places(live, places):
    places(150)
    with ThreadPoolExecutor(max_workers=20) as clients:
        answers = list(clients.map(lambda i: live.post_json(_one(i)), range(200)))
    made = [a.json() for a in answers if a.status == 201]
    refused = [a for a in answers if a.status == 409]
    assert (len(made), len(refused)) == (150, 50), sorted({a.status for a in answers})
    for answer in refused:
        (error,) = answer.json()["errors"]
        assert error["field"] == "event" and SOLD_OUT in error["message"]
    store = live.settings.store()
    assert store.counter(places_key(OPEN_EVENT)) == 150
    stored = store.by_event(OPEN_EVENT)
    assert sorted(s.record.ref for s in stored) == sorted(b["booking_ref"] for b in made)  # none lost, none extra
    assert {s.state for s in stored} == {State.AWAITING_PAYMENT}
    sessions = {s["client_reference_id"]: s for s in live.standin.sessions()}
    assert set(sessions) == {b["booking_ref"] for b in made}
    assert all(sessions[b["booking_ref"]]["url"] == b["checkout_url"] for b in made)


def test_sold_out_is_a_readable_page_for_a_form_post_too(live, places):
    places(1)
    assert live.post_json(_one(1)).status == 201
    page = live.post_form(_one(2))
    assert page.status == 409 and SOLD_OUT in page.text and "Traceback" not in page.text
    assert len(live.standin.sessions()) == 1


def test_a_booking_for_more_delegates_than_places_left_is_refused_whole(live, places):
    places(3)
    assert live.post_json(booking(2)).status == 201
    bigger = booking(2)
    bigger["contact"]["email"] = "second.booker@nhs.net"
    refused = live.post_json(bigger)
    assert refused.status == 409 and "not enough places left" in refused.json()["errors"][0]["message"]
    assert live.settings.store().counter(places_key(OPEN_EVENT)) == 2


@pytest.mark.parametrize(("kind", "status"), [("500", 502), ("drop", 503)])
def test_stripe_failing_after_the_store_write_gives_the_places_back_and_a_resubmission_works(
    live, places, kind, status
):
    places(2)
    live.standin.fault(kind, times=3)
    failed = live.post_json(booking(2))
    assert failed.status == status
    store = live.settings.store()
    (stored,) = store.by_event(OPEN_EVENT)
    assert stored.state == State.EXPIRED and store.counter(places_key(OPEN_EVENT)) == 0
    again = live.post_json(booking(2))  # the same booking, the same reference
    assert again.status == 201, again.text
    assert again.json()["booking_ref"] == stored.record.ref
    assert store.get(stored.record.ref).state == State.AWAITING_PAYMENT
    assert store.counter(places_key(OPEN_EVENT)) == 2
    assert len(live.standin.sessions()) == 1


def test_a_double_submit_makes_one_booking_one_session_and_holds_its_places_once(live, places):
    places(10)
    first = live.post_json(booking(3)).json()
    second = live.post_json(booking(3)).json()
    assert first == second
    store = live.settings.store()
    assert [s.record.ref for s in store.by_event(OPEN_EVENT)] == [first["booking_ref"]]
    assert store.counter(places_key(OPEN_EVENT)) == 3
    assert len(live.standin.sessions()) == 1


def test_stripe_is_told_only_the_marker_the_reference_and_the_event(live):
    body = live.post_json(booking(2)).json()
    (session,) = live.standin.sessions()
    live.standin.complete(session["id"])
    expected = stripe_metadata(body["booking_ref"], OPEN_EVENT)
    assert session["metadata"] == expected
    (intent,) = live.standin.app.payment_intents()
    assert intent["metadata"] == expected
    # The card's VAT receipt is found by the reference alone and is never read as a booking of its own.
    assert [i["metadata"] for i in live.standin.app.billing.all_invoices()] == [{"receipt_for": body["booking_ref"]}]
    names = "Delegate 1", "priya.shah@nhs.net", "Leeds Teaching"
    for obj in (session, intent):
        assert not any(name in value for value in obj["metadata"].values() for name in names)


def test_the_success_page_confirms_a_paid_booking_from_the_store(live):
    body = live.post_json(booking(1)).json()
    (session,) = live.standin.sessions()
    live.standin.complete(session["id"])
    page = live.get(f"/api/bookings/confirmation?session_id={session['id']}")
    assert page.status == 200 and f"Booking {body['booking_ref']} confirmed" in page.text
    stored = live.settings.store().get(body["booking_ref"])
    assert stored.state == State.CONFIRMED and stored.record.payment_intent.startswith("pi_")
