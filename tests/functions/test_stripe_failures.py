"""When Stripe fails: retried by the SDK, then a plain 502/503 the visitor can act on, and nothing half-done."""

from __future__ import annotations

import json
import logging

import pytest

from tests.functions.conftest import booking


def _creates(live):
    return [r for r in live.api_requests() if r.method == "POST" and r.path == "/v1/checkout/sessions"]


@pytest.mark.parametrize(("kind", "status"), [("500", 502), ("drop", 503)])
def test_persistent_failure_is_retried_then_reported(live, caplog, kind, status):
    live.standin.fault(kind, times=3)
    with caplog.at_level(logging.ERROR, logger="functions.stripe"):
        response = live.post_json(booking(2))
    assert response.status == status
    (error,) = response.json()["errors"]
    assert "try again in a few minutes" in error["message"] and "Nothing has been charged" in error["message"]
    assert "Traceback" not in response.text
    creates = _creates(live)
    assert len(creates) == 3  # one attempt and max_network_retries=2
    assert len({r.idempotency_key for r in creates}) == 1
    assert live.standin.sessions() == []  # nothing half-done
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "functions.stripe"]
    assert line["msg"] == "stripe_error" and line["action"] == "create_checkout_session"


def test_timeouts_are_retried_with_the_same_key_so_the_retry_finds_the_session(live):
    # Stripe made the session but the answer was lost twice; the third attempt replays it.
    live.configure(stripe_timeout_seconds=0.5)
    live.standin.fault("timeout", times=2, delay=1.5)
    response = live.post_json(booking(1))
    assert response.status == 201
    assert len(_creates(live)) == 3
    assert len(live.standin.sessions()) == 1
    assert response.json()["checkout_url"] == live.standin.sessions()[0]["url"]


def test_a_timeout_on_every_attempt_is_503_and_a_later_retry_gives_the_same_session(live):
    live.configure(stripe_timeout_seconds=0.5)
    live.standin.fault("timeout", times=3, delay=1.5)
    failed = live.post_json(booking(1))
    assert failed.status == 503
    retried = live.post_json(booking(1))
    assert retried.status == 201
    assert len(live.standin.sessions()) == 1  # the visitor's retry did not make a second session


def test_a_single_500_is_retried_and_the_booking_goes_through(live):
    live.standin.fault("500", times=1)
    response = live.post_json(booking(1))
    assert response.status == 201
    assert len(_creates(live)) == 2
    assert len(live.standin.sessions()) == 1


def test_form_post_gets_a_readable_page_when_stripe_is_down(live):
    live.configure(contact_email="bookings@example.org")
    live.standin.fault("500", times=3)
    response = live.post_form(booking(1))
    assert response.status == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "Payment could not be started" in response.text and "bookings@example.org" in response.text
    assert 'href="/events/caldicott-police-2083/#book"' in response.text


def test_a_wrong_api_key_is_a_502_not_a_crash(live):
    live.configure(stripe_secret_key="sk_live_not_accepted_by_the_standin")
    response = live.post_json(booking(1))
    assert response.status == 502
