"""The webhook believes only bodies Stripe signed with our secret, recently."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC

import pytest

from functions.lambda_handler import handle_event
from tests.functions.conftest import lambda_event, make_settings
from tests.functions.webhook_events import signed, stripe_event

PAID = {"id": "cs_test_nope", "object": "checkout.session", "payment_status": "paid"}


@pytest.fixture
def settings():
    # The real clock: signatures are checked against it.
    from datetime import datetime

    return make_settings(now=lambda: datetime.now(UTC))


def test_wrong_secret_is_400(settings):
    response = handle_event(
        signed(stripe_event("checkout.session.completed", PAID), secret="whsec_someone_else"), settings
    )
    assert response["statusCode"] == 400


def test_missing_signature_is_400(settings):
    response = handle_event(
        lambda_event("POST", "/api/stripe-webhook", stripe_event("checkout.session.completed", PAID)), settings
    )
    assert response["statusCode"] == 400


def test_body_changed_after_signing_is_400(settings):
    event = signed(stripe_event("checkout.session.completed", PAID))
    event["body"] = event["body"].replace("cs_test_nope", "cs_test_other")
    assert handle_event(event, settings)["statusCode"] == 400


def test_signature_older_than_five_minutes_is_400(settings):
    stale = signed(stripe_event("checkout.session.completed", PAID), timestamp=int(time.time()) - 301)
    assert handle_event(stale, settings)["statusCode"] == 400


@pytest.mark.parametrize("header", ["garbage", "t=abc,v1=00", "v1=00", "t=1", ""])
def test_malformed_signature_headers_are_400(settings, header):
    event = lambda_event("POST", "/api/stripe-webhook", stripe_event("x", {}), {"stripe-signature": header})
    assert handle_event(event, settings)["statusCode"] == 400


def test_unknown_event_types_are_acknowledged_and_ignored(settings):
    response = handle_event(signed(stripe_event("customer.created", {"id": "cus_1"})), settings)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"received": True, "handled": False}


@pytest.mark.parametrize("odd", ["cs_test_1", None, 42, ["cs_test_1"]])
def test_a_signed_event_whose_object_is_not_an_object_is_400_and_logged(settings, odd, caplog):
    # Signed with our secret (so not forged), but nothing Stripe sends: refused before Stripe is asked.
    with caplog.at_level(logging.WARNING, logger="booking.functions.webhook"):
        response = handle_event(signed(stripe_event("checkout.session.completed", odd)), settings)
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "not a Stripe event"}
    assert any("data.object" in r.getMessage() for r in caplog.records if r.name == "booking.functions.webhook")


def test_a_refunded_charge_without_a_payment_intent_is_acknowledged_without_asking_stripe(settings):
    charge = {"id": "ch_1", "object": "charge", "payment_intent": None, "amount_refunded": 100}
    response = handle_event(signed(stripe_event("charge.refunded", charge)), settings)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"received": True, "handled": False}


def test_signed_body_that_is_not_an_event_is_400(settings):
    assert handle_event(signed("[1, 2, 3]"), settings)["statusCode"] == 400


PERSONAL = "Priya Shah <priya.shah@nhs.net>"
# Signed by Stripe's secret, but not the shape of an event the endpoint can read.
ODD_EVENTS = {
    "object a string": {"id": "evt_odd", "type": "checkout.session.completed", "data": {"object": PERSONAL}},
    "object null": {"id": "evt_odd", "type": "invoice.paid", "data": {"object": None}},
    "object a list": {"id": "evt_odd", "type": "charge.refunded", "data": {"object": [PERSONAL]}},
    "object null, unknown type": {"id": "evt_odd", "type": "customer.created", "data": {"object": None}},
    "no data": {"id": "evt_odd", "type": "invoice.voided"},
    "data a string": {"id": "evt_odd", "type": "invoice.voided", "data": PERSONAL},
    "object without an id": {"id": "evt_odd", "type": "invoice.voided", "data": {"object": {"name": PERSONAL}}},
    "id not a string": {"id": "evt_odd", "type": "invoice.paid", "data": {"object": {"id": [PERSONAL]}}},
    "type a list": {"id": "evt_odd", "type": [PERSONAL], "data": {"object": {"id": "in_1"}}},
    "a string": PERSONAL,
}


@pytest.mark.parametrize("body", ODD_EVENTS.values(), ids=ODD_EVENTS.keys())
def test_a_signed_event_of_an_odd_shape_is_400_and_logged_without_its_contents(settings, caplog, body):
    caplog.set_level("WARNING", logger="booking.functions.webhook")
    response = handle_event(signed(json.dumps(body)), settings)
    assert response["statusCode"] == 400 and json.loads(response["body"]) == {"error": "not a Stripe event"}
    (line,) = [r.getMessage() for r in caplog.records if r.name == "booking.functions.webhook"]
    assert line.startswith("signed webhook body that is not a Stripe event: ")
    assert "Priya" not in caplog.text and "nhs.net" not in caplog.text


def test_odd_signed_events_over_http_are_400_never_500(live):
    from tests.functions.conftest import http

    for name, body in ODD_EVENTS.items():
        event = signed(json.dumps(body), timestamp=int(live.settings.now().timestamp()))  # the function's clock
        answer = http("POST", live.url + "/api/stripe-webhook", event["body"], event["headers"])
        assert (answer.status, answer.json()) == (400, {"error": "not a Stripe event"}), name
