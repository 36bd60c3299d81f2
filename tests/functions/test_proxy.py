"""Only the site may call the booking endpoints: with PROXY_SIGNATURE_SECRET set, a request without Netlify's
signature (X-Nf-Sign) is refused, whatever it carries; Stripe's webhook is exempt."""

from __future__ import annotations

import json

import pytest

from functions.lambda_handler import handle_event
from functions.proxy import sign_as_proxy, signed_by_proxy
from tests.functions.conftest import JSON_HEADERS, NOW, booking, lambda_event, make_settings

SECRET = "proxy-secret-of-the-functions-suite-0123456789"


def _post(headers: dict[str, str], path: str = "/api/bookings", body: str = "") -> dict:
    settings = make_settings(proxy_secret=SECRET)
    return handle_event(lambda_event("POST", path, body or json.dumps(booking(1)), headers), settings)


def test_a_request_straight_to_the_function_is_refused():
    response = _post(JSON_HEADERS)
    assert response["statusCode"] == 403
    assert json.loads(response["body"])["errors"][0]["message"] == "Book from the event's page on our website."


@pytest.mark.parametrize(
    "token",
    [
        sign_as_proxy("another-secret-that-is-long-enough-0123456789", NOW.timestamp()),
        sign_as_proxy(SECRET, NOW.timestamp() - 301),  # expired
        "a.b.c",
        "",
    ],
    ids=["other secret", "expired", "junk", "empty"],
)
def test_a_signature_the_site_did_not_make_is_refused(token):
    assert _post({**JSON_HEADERS, "x-nf-sign": token})["statusCode"] == 403


def test_a_request_through_the_site_is_answered():
    token = sign_as_proxy(SECRET, NOW.timestamp())
    data = booking(1)
    data["delegates"][0]["name"] = "Ann\x00Bee"  # refused as a booking: it got past the door
    response = _post({**JSON_HEADERS, "x-nf-sign": token}, body=json.dumps(data))
    assert response["statusCode"] == 422


def test_stripes_webhook_needs_no_proxy_signature():
    response = _post({"content-type": "application/json", "stripe-signature": "t=1,v1=00"}, "/api/stripe-webhook")
    assert response["statusCode"] == 400  # Stripe's own signature is what it checks


def test_a_token_with_another_algorithm_or_issuer_is_not_ours():
    good = sign_as_proxy(SECRET, 1_000)
    header, body, signature = good.split(".")
    assert signed_by_proxy(good, SECRET, 1_000)
    assert not signed_by_proxy(f"{header}.{body}x.{signature}", SECRET, 1_000)
    assert not signed_by_proxy(f"eyJhbGciOiJub25lIn0.{body}.", SECRET, 1_000)  # {"alg":"none"}
