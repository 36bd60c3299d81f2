"""Paying: the success page confirms each booking exactly once, and a webhook Stripe cannot be asked about is a 503.

The webhook's own tests (repeats, concurrency, order) are over the store in tests/backoffice/test_after_payment.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from functions.lambda_handler import handle_event
from tests.functions.conftest import booking, http
from tests.functions.webhook_events import signed, stripe_event


@pytest.fixture
def live(live):
    live.configure(now=lambda: datetime.now(UTC))  # webhook signatures are checked against the real clock
    return live


def _pay(live, data=None):
    response = live.post_json(data or booking(2))
    assert response.status == 201
    session_id = live.standin.sessions()[-1]["id"]
    live.standin.complete(session_id)
    return response.json(), session_id


def _completed(live):
    return [e for e in live.standin.events if e.type == "checkout.session.completed"]


def test_the_success_page_shows_the_reference_and_fulfils_only_once(live, confirmed):
    body, session_id = _pay(live)
    page = live.get(f"/api/bookings/confirmation?session_id={session_id}")
    assert page.status == 200
    assert body["booking_ref"] in page.text
    assert "Booking confirmed" in page.text and "£589.42" in page.text  # 2 NHS delegates by card: £318.60 + £270.82
    assert "Delegate 1 &lt;delegate1@nhs.net&gt;" in page.text
    assert "NHS, Schools, Care and Public Sector" in page.text
    assert len(confirmed()) == 1
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_success_page_before_the_webhook_fulfils_and_the_late_webhook_does_not(live, confirmed):
    # The stand-in's webhook is switched off for this booking, so the success page arrives first.
    webhook_url = live.standin.app.webhook_url
    live.standin.app.webhook_url = None
    body, session_id = _pay(live)
    assert live.standin.deliveries == [] or all(d.status is None for d in live.standin.deliveries)
    page = live.get(f"/api/bookings/confirmation?session_id={session_id}")
    assert body["booking_ref"] in page.text
    assert len(confirmed()) == 1
    live.standin.app.webhook_url = webhook_url
    (event,) = _completed(live)
    assert live.standin.resend(event.id, resign=True).status == 200
    assert len(confirmed()) == 1


def test_success_page_for_an_unpaid_session_says_payment_pending(live, confirmed):
    live.post_json(booking(1))
    session_id = live.standin.sessions()[-1]["id"]
    page = live.get(f"/api/bookings/confirmation?session_id={session_id}")
    assert page.status == 200 and "payment pending" in page.text
    assert confirmed() == []


@pytest.mark.parametrize("query", ["", "session_id=", "session_id=<script>", "session_id=cs_test_doesnotexist"])
def test_success_page_with_a_bad_session_id_is_404(live, query):
    page = live.get(f"/api/bookings/confirmation?{query}")
    assert page.status == 404
    assert "<script>" not in page.text


def test_webhook_is_answered_503_when_stripe_cannot_be_asked_so_stripe_retries(live, confirmed):
    live.post_json(booking(1))
    session_id = live.standin.sessions()[-1]["id"]
    session = live.standin.app.session(session_id)
    session["payment_status"] = "paid"
    live.standin.fault("500", times=3)
    response = handle_event(signed(stripe_event("checkout.session.completed", session)), live.settings)
    assert response["statusCode"] == 503
    assert confirmed() == []


def test_whole_path_over_http_lands_on_the_confirmation_page(live, confirmed):
    response = live.post_form(booking(1), blank_fieldsets=2)
    assert response.status == 303
    checkout = http("GET", response.headers["location"])
    assert checkout.status == 200
    form_action = re.search(r'<form[^>]*action="([^"]+)"', checkout.text)
    action = form_action.group(1) if form_action else urlsplit(response.headers["location"]).path
    target = (
        action
        if action.startswith("http")
        else live.standin.url.split("/", 3)[0] + "//" + urlsplit(live.standin.url).netloc + action
    )
    paid = http("POST", target, b"", {"content-type": "application/x-www-form-urlencoded"})
    assert paid.status == 303
    page = live.get(urlsplit(paid.headers["location"]).path + "?" + urlsplit(paid.headers["location"]).query)
    assert "Booking confirmed" in page.text
    assert re.search(r"CP-[2-9A-Z]{6}", page.text)
    assert len(confirmed()) == 1
