"""Closed, sold-out and unknown events are refused before Stripe is asked."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from tests.fixture_site import PAST_EVENT
from tests.functions.conftest import booking


def test_booking_after_the_closing_time_is_409(live):
    # caldicott-police-2083 closes 2083-09-13 17:00 UK time (16:00 UTC, BST).
    live.configure(now=lambda: datetime(2083, 9, 13, 16, 0, 1, tzinfo=UTC))
    response = live.post_json(booking(1))
    assert response.status == 409
    (error,) = response.json()["errors"]
    assert error["field"] == "event" and "closed" in error["message"]
    assert live.api_requests() == []


def test_an_invoice_request_a_second_before_closing_goes_through(live, tmp_path):
    live.configure(now=lambda: datetime(2083, 9, 13, 15, 59, 59, tzinfo=UTC), mail_outbox=tmp_path)
    billing = {"name": "Accounts Payable", "email": "ap@nhs.net", "address": "1 Park Row\nLeeds\nLS1 5HD"}
    assert live.post_json(booking(1, payment="invoice", billing=billing)).status == 201


def test_card_payment_closes_thirty_minutes_before_booking_and_says_what_still_works(live):
    live.configure(now=lambda: datetime(2083, 9, 13, 15, 30, 0, tzinfo=UTC))
    response = live.post_json(booking(1))
    assert response.status == 409
    (error,) = response.json()["errors"]
    assert error["field"] == "payment"
    assert "Until 17:00 (UK time) you can still book and pay by invoice" in error["message"]
    assert live.api_requests() == []


def test_a_session_made_just_before_card_payment_closes_expires_when_booking_closes(live):
    live.configure(now=lambda: datetime(2083, 9, 13, 15, 29, 59, tzinfo=UTC))
    response = live.post_json(booking(1))
    assert response.status == 201
    (session,) = live.standin.sessions()
    assert session["expires_at"] == int(datetime(2083, 9, 13, 16, 0, tzinfo=UTC).timestamp())


def test_a_session_made_a_day_before_closing_expires_within_a_day(live):
    live.configure(now=lambda: datetime(2083, 9, 1, 9, 42, 7, tzinfo=UTC))
    assert live.post_json(booking(1)).status == 201
    (session,) = live.standin.sessions()
    assert session["expires_at"] == int(datetime(2083, 9, 2, 8, 0, tzinfo=UTC).timestamp())  # 23 h from 09:00


def test_an_expired_session_cannot_be_paid_and_nothing_is_booked(live):
    now = [datetime(2083, 9, 13, 15, 0, tzinfo=UTC)]
    live.configure(now=lambda: now[0])
    body = live.post_json(booking(1)).json()
    now[0] = datetime(2083, 9, 13, 16, 0, 1, tzinfo=UTC)  # booking has closed: the session has expired with it
    paid = requests.post(body["checkout_url"] + "/pay", data={}, timeout=10)
    assert "/api/bookings/confirmation" not in paid.url
    assert "This checkout has expired" in paid.text
    (session,) = live.standin.sessions()
    assert session["status"] == "expired" and session["payment_status"] == "unpaid"
    assert live.standin.app.payment_intents() == []


def test_past_event_is_409_for_a_form_post_with_a_readable_page(live):
    data = booking(1, event=PAST_EVENT)
    response = live.post_form(data)
    assert response.status == 409
    assert "Online booking for this event is closed" in response.text
    assert f'href="/events/{PAST_EVENT}/#book"' in response.text


def test_sold_out_event_is_409(live, fees_file):
    path = fees_file(
        "  caldicott-police-2083:\n    tariff: virtual\n",
        "  caldicott-police-2083:\n    tariff: virtual\n    sold_out: true\n",
    )
    live.configure(fees_path=path)
    response = live.post_json(booking(1))
    assert response.status == 409
    assert "sold out" in response.json()["errors"][0]["message"]
    assert live.api_requests() == []


def test_max_delegates_comes_from_the_fee_table(live, fees_file):
    path = fees_file(
        '    booking_closes: "2083-09-13 17:00"\n    max_delegates: 20',
        '    booking_closes: "2083-09-13 17:00"\n    max_delegates: 3',
    )
    live.configure(fees_path=path)
    assert live.post_json(booking(3)).status == 201
    response = live.post_json(booking(4))
    assert response.status == 422
    assert response.json()["errors"] == [
        {
            "field": "delegates",
            "message": "One online booking can hold at most 3 delegates; make a second booking for the others",
        }
    ]


def test_unknown_event_is_404(live):
    response = live.post_json(booking(1, event="no-such-event"))
    assert response.status == 404
    assert live.api_requests() == []


def test_broken_fee_table_is_503_not_a_traceback(live, tmp_path):
    broken = tmp_path / "fees.yaml"
    broken.write_text("currency: [", encoding="utf-8")
    live.configure(fees_path=broken)
    response = live.post_json(booking(1))
    assert response.status == 503
    assert response.json()["errors"][0]["message"].startswith("Online booking is not available")
