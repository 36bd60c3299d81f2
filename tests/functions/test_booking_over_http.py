"""Bookings over real HTTP, with the real Stripe SDK talking to the local stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from booking.life import State
from booking.reference import stripe_metadata
from pricing import quote
from tests.fixture_site import FIXTURE_FEES
from tests.functions.conftest import OPEN_EVENT, booking

CATEGORIES = ["public-sector", "voluntary", "commercial"]
SIZES = [1, 2, 5, 20]  # 20: the events' max_delegates


def _cli_total(repo_root, event, category, delegates, payment="card") -> int:
    out = subprocess.run(
        [sys.executable, "-m", "pricing", "quote", event, category, str(delegates), "--payment", payment, "--json"],
        cwd=repo_root,
        env={**os.environ, "FEES_PATH": str(FIXTURE_FEES)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["total_pence"]


@pytest.mark.parametrize("category", CATEGORIES)
def test_json_and_form_bookings_charge_exactly_the_quote(live, fees, repo_root, category):
    for delegates in SIZES:
        expected = quote(fees, OPEN_EVENT, category, delegates, "card").total_pence
        if delegates == 5:
            assert _cli_total(repo_root, OPEN_EVENT, category, delegates) == expected  # the CLI and the function agree

        response = live.post_json(booking(delegates, category))
        assert response.status == 201, response.text
        body = response.json()
        assert set(body) == {"booking_ref", "checkout_url", "total_pence"}
        assert body["total_pence"] == expected
        session = live.standin.sessions()[-1]
        assert session["amount_total"] == expected
        assert body["checkout_url"] == session["url"]

        form_booking = booking(delegates, category)
        form_booking["contact"]["email"] = "form.booker@nhs.net"  # a different booking, so a new session
        response = live.post_form(form_booking, blank_fieldsets=2)
        assert response.status == 303, response.text
        session = live.standin.sessions()[-1]
        assert response.headers["location"] == session["url"]
        assert session["amount_total"] == expected
    assert len(live.standin.sessions()) == 2 * len(SIZES)


def test_the_session_carries_the_booking(live):
    response = live.post_json(booking(2))
    ref = response.json()["booking_ref"]
    (session,) = live.standin.sessions()
    assert session["client_reference_id"] == ref
    assert session["customer_email"] == "priya.shah@nhs.net"
    assert session["mode"] == "payment" and session["currency"] == "gbp"
    # Stripe is told the marker, the reference and the event; the booking itself is in the store.
    assert session["metadata"] == stripe_metadata(ref, OPEN_EVENT)
    stored = live.settings.store().get(ref)
    assert stored is not None and stored.state == State.AWAITING_PAYMENT and len(stored.record.delegates) == 2
    success = urlsplit(session["success_url"])
    assert success.path == "/api/bookings/confirmation" and parse_qs(success.query)["session_id"] == [
        "{CHECKOUT_SESSION_ID}"
    ]
    assert session["cancel_url"].endswith(f"/events/{OPEN_EVENT}/?booking=cancelled#book")
    (create,) = [r for r in live.api_requests() if r.method == "POST"]
    assert create.params["payment_intent_data"]["metadata"] == stripe_metadata(ref, OPEN_EVENT)


def test_stripe_hears_nothing_about_our_host_or_our_timings(live):
    for number in (1, 2):
        assert live.post_json(booking(number)).status == 201
    first, second = [r for r in live.api_requests() if r.method == "POST"]
    described = json.loads(first.client_user_agent)
    assert described["lang"] == "python" and "platform" not in described and "telemetry_id" not in described
    assert (first.telemetry, second.telemetry) == ("", "")


def test_prices_sent_by_the_client_are_ignored(live, fees):
    tampered = booking(3, total_pence=1, amount=1, price="0.01", amount_total=1)
    tampered["delegates"][0]["price"] = 1
    tampered["line_items"] = [{"price_data": {"unit_amount": 1}}]
    response = live.post_json(tampered)
    assert response.status == 201
    expected = quote(fees, OPEN_EVENT, "public-sector", 3, "card").total_pence
    assert response.json()["total_pence"] == expected
    assert live.standin.sessions()[0]["amount_total"] == expected


def test_form_tampering_with_prices_is_ignored_too(live, fees):
    data = booking(1)
    data["total_pence"] = "1"
    response = live.post_form(data)
    assert response.status == 303
    assert live.standin.sessions()[0]["amount_total"] == quote(fees, OPEN_EVENT, "public-sector", 1).total_pence


def test_double_submit_makes_one_session_and_the_same_reference(live):
    first = live.post_json(booking(2)).json()
    second = live.post_json(booking(2)).json()
    assert first == second
    assert len(live.standin.sessions()) == 1
    keys = {r.idempotency_key for r in live.api_requests() if r.method == "POST"}
    assert len(keys) == 1 and None not in keys


def test_json_then_form_double_submit_is_one_session_too(live):
    ref = live.post_json(booking(1)).json()["booking_ref"]
    form = live.post_form(booking(1), blank_fieldsets=3)
    assert form.status == 303
    assert len(live.standin.sessions()) == 1
    assert live.standin.sessions()[0]["client_reference_id"] == ref


def test_invalid_booking_never_reaches_stripe(live):
    bad = booking(1)
    bad["delegates"][0]["email"] = "nope"
    assert live.post_json(bad).status == 422
    assert live.post_form(bad).status == 422
    assert live.api_requests() == []


def test_tax_rate_is_sent_when_configured_and_the_total_is_unchanged(live, fees):
    rate = live.standin.app.add_tax_rate("20", inclusive=True)
    live.configure(stripe_tax_rate_id=rate)
    response = live.post_json(booking(2))
    assert response.status == 201
    expected = quote(fees, OPEN_EVENT, "public-sector", 2).total_pence
    assert live.standin.sessions()[0]["amount_total"] == expected
    (create,) = [r for r in live.api_requests() if r.method == "POST"]
    items = list(create.params["line_items"].values())  # the form encoding's line_items[0][...] as index -> item
    assert items and all(list(item["tax_rates"].values()) == [rate] for item in items)
