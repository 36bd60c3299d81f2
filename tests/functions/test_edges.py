"""Routing, security headers and configuration: what every response from the function guarantees."""

from __future__ import annotations

import json
import logging

import pytest

from functions.lambda_handler import handle_event, handler
from functions.settings import Settings, SettingsError
from tests.functions.conftest import JSON_HEADERS, booking, lambda_event, modules_loaded_by_an_invalid_booking

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def assert_secure(response: dict) -> None:
    headers = response["headers"]
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Referrer-Policy"]


CASES = [
    ("GET", "/api/bookings", "", {}, 405),
    ("PUT", "/api/bookings", "", {}, 405),
    ("GET", "/api/stripe-webhook", "", {}, 405),
    ("POST", "/api/bookings/confirmation", "", {}, 405),
    ("GET", "/api/nothing-here", "", {}, 404),
    ("GET", "/", "", {}, 404),
    ("POST", "/api/bookings", "{}", JSON_HEADERS, 422),
    ("POST", "/api/bookings", "x", {"content-type": "text/plain"}, 415),
    ("POST", "/api/stripe-webhook", "{}", {"stripe-signature": "t=1,v1=00"}, 400),
    ("GET", "/api/bookings/confirmation", "", {}, 404),
]


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), CASES)
def test_every_response_carries_security_headers(settings, method, path, body, headers, status):
    response = handle_event(lambda_event(method, path, body, headers), settings)
    assert response["statusCode"] == status
    assert_secure(response)
    assert response["isBase64Encoded"] is False


def test_wrong_method_says_which_is_allowed(settings):
    response = handle_event(lambda_event("GET", "/api/bookings"), settings)
    assert response["headers"]["Allow"] == "POST"


def test_html_pages_may_load_only_the_sites_stylesheet(settings):
    response = handle_event(lambda_event("GET", "/api/bookings/confirmation", query="session_id=bad"), settings)
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert "style-src 'self'" in response["headers"]["Content-Security-Policy"]
    assert "script-src" not in response["headers"]["Content-Security-Policy"]


def test_missing_secrets_give_a_clear_503_not_a_traceback(monkeypatch, caplog):
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SITE_URL", "STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.ERROR, logger="booking.functions"):
        response = handler(lambda_event("POST", "/api/bookings", json.dumps(booking()), JSON_HEADERS), None)
    assert response["statusCode"] == 503
    assert "Traceback" not in response["body"]
    assert json.loads(response["body"])["errors"][0]["message"].startswith("Online booking is not available")
    assert_secure(response)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "STRIPE_SECRET_KEY is not set" in logged and "STRIPE_WEBHOOK_SECRET is not set" in logged


def test_settings_name_every_bad_variable():
    with pytest.raises(SettingsError) as error:
        Settings.from_env(
            {"STRIPE_SECRET_KEY": "pk_test_x", "STRIPE_WEBHOOK_SECRET": "abc", "SITE_URL": "events.example.org"}
        )
    assert len(error.value.problems) == 3


def test_settings_from_env_reads_the_optional_variables(tmp_path):
    settings = Settings.from_env(
        {
            "STRIPE_SECRET_KEY": "sk_test_1",
            "STRIPE_WEBHOOK_SECRET": "whsec_1",
            "SITE_URL": "https://events.example.org/",
            "STRIPE_API_BASE": "http://127.0.0.1:12111",
            "FEES_PATH": str(tmp_path / "f.yaml"),
            "STRIPE_TAX_RATE_ID": "txr_1",
        }
    )
    assert settings.site_url == "https://events.example.org"
    assert settings.fees_path == tmp_path / "f.yaml"
    assert settings.stripe_tax_rate_id == "txr_1"


def test_an_unexpected_error_is_a_plain_500_without_traceback(settings, monkeypatch):
    import functions.bookings

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(functions.bookings, "book", explode)
    response = handle_event(lambda_event("POST", "/api/bookings", json.dumps(booking()), JSON_HEADERS), settings)
    assert response["statusCode"] == 500
    assert "secret internals" not in response["body"] and "Traceback" not in response["body"]
    assert_secure(response)


def test_an_invalid_booking_never_imports_stripe(repo_root):
    assert modules_loaded_by_an_invalid_booking(repo_root, ("stripe",)) == []
