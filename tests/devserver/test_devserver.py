"""`python -m devtools.devserver`: the built site, /api/* through the production adapter and a simulated checkout, end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.devserver.conftest import ROOT, dev_env
from tests.fixture_site import OPEN_EVENT
from tests.functions.conftest import FORM_HEADERS, JSON_HEADERS, booking, form_body, http
from tests.waiting import wait_until


def test_booking_pay_and_confirmation_end_to_end(site, start_devserver):
    server = start_devserver(site, dev_env(DEV_SCHEDULE_SECONDS=""))
    assert "PAYMENTS ARE SIMULATED" in server.banner
    assert "SCHEDULED RUN every 5 minutes, as in production" in server.banner

    # 1. A form post, as the no-JavaScript booking form sends it.
    response = http("POST", server.url + "/api/bookings", form_body(booking(2), blank_fieldsets=3), FORM_HEADERS)
    assert response.status == 303, response.text
    checkout_url = response.headers["location"]
    assert checkout_url.startswith(server.url + "/_stripe/checkout/cs_test_")

    # 2. The simulated checkout page shows the amount and a Pay button.
    page = http("GET", checkout_url)
    assert page.status == 200 and "£589.42" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)

    # 3. Pay: the stand-in completes the session, signs a webhook to /api/stripe-webhook and redirects.
    paid = http(
        "POST",
        action if action.startswith("http") else server.url + action,
        b"",
        {"content-type": "application/x-www-form-urlencoded"},
    )
    assert paid.status == 303
    success = urlsplit(paid.headers["location"])
    assert f"{success.scheme}://{success.netloc}" == server.url and success.path == "/api/bookings/confirmation"

    # 4. The confirmation page shows the booking reference.
    confirmation = http("GET", paid.headers["location"], headers={"accept": "text/html"})
    assert confirmation.status == 200
    ref = re.search(r'class="booking-ref">(CP-[2-9A-Z]{6})<', confirmation.text).group(1)
    assert "Booking confirmed" in confirmation.text

    # 5. Fulfilled once, although both the webhook and the success page asked.
    wait_until(lambda: "-> confirmed" in server.log(), timeout=30, what=lambda: f"fulfilment; log: {server.log()}")
    confirmed = [line for line in server.log().splitlines() if line.endswith("-> confirmed")]
    assert len(confirmed) == 1 and ref in confirmed[0]
    assert "checkout.session.completed event" in server.log()  # the webhook answered it


def test_json_booking_through_the_devserver(site, start_devserver):
    server = start_devserver(site)
    response = http("POST", server.url + "/api/bookings", json.dumps(booking(1)), JSON_HEADERS)
    assert response.status == 201
    body = response.json()
    assert body["total_pence"] == 31860 and body["checkout_url"].startswith(server.url + "/_stripe/checkout/")
    assert response.headers["x-frame-options"] == "DENY"


def test_static_files_directories_and_misses(site, start_devserver):
    server = start_devserver(site)
    home = http("GET", server.url + "/")
    assert home.status == 200 and "<h1>Events</h1>" in home.text
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    event = http("GET", server.url + f"/events/{OPEN_EVENT}/")
    assert event.status == 200 and "Caldicott" in event.text
    assert http("GET", server.url + f"/events/{OPEN_EVENT}").status == 301
    assert http("GET", server.url + "/theme/css/site.css").headers["content-type"].startswith("text/css")
    assert (
        http("GET", server.url + f"/events/{OPEN_EVENT}/event.ics").headers["content-type"].startswith("text/calendar")
    )
    missing = http("GET", server.url + "/no/such/page/")
    assert missing.status == 404 and "Page not found" in missing.text
    assert http("GET", server.url + "/../secret.txt").status == 404
    assert http("GET", server.url + "/%2e%2e/secret.txt").status == 404
    assert http("GET", server.url + "/api/nothing").status == 404


def _run(site, env):
    return subprocess.run(
        [sys.executable, "-m", "devtools.devserver", "--port", "0", "--output", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_live_keys_are_refused(site):
    result = _run(site, dev_env(STRIPE_SECRET_KEY="sk_live_abc", STRIPE_WEBHOOK_SECRET="whsec_x"))
    assert result.returncode == 2 and "LIVE key" in result.stderr


def test_a_test_key_needs_the_stripe_listen_secret(site):
    result = _run(site, dev_env(STRIPE_SECRET_KEY="sk_test_abc"))
    assert result.returncode == 2 and "stripe listen --forward-to" in result.stderr


def test_a_test_key_uses_real_stripe_and_explains_stripe_listen(site, start_devserver):
    server = start_devserver(
        site, dev_env(STRIPE_SECRET_KEY="sk_test_abc", STRIPE_WEBHOOK_SECRET="whsec_from_stripe_listen")
    )
    assert "REAL Stripe in TEST mode" in server.banner
    assert "stripe listen --forward-to localhost:" in server.banner and "/api/stripe-webhook" in server.banner
    assert "SIMULATED" not in server.banner
    assert http("GET", server.url + "/_stripe/checkout/cs_test_x").status == 404  # no stand-in with a real key


def test_a_missing_build_says_run_make_build(tmp_path):
    result = _run(tmp_path / "nothing", dev_env())
    assert result.returncode == 2 and "make build" in result.stderr


def test_the_banner_says_where_bookings_are_kept_and_the_engine_stops_with_the_server(site, start_devserver, tmp_path):
    from botocore.exceptions import EndpointConnectionError

    from adapters.store.dynamo import make_client

    data = tmp_path / "kept.json"
    server = start_devserver(site, {**dev_env(), "BOOKINGS_DATA": str(data)})
    assert "BOOKINGS are kept in a local DynamoDB at http://127.0.0.1:" in server.banner
    assert str(data) in server.banner
    endpoint = re.search(r"local DynamoDB at (http://127\.0\.0\.1:\d+)", server.banner).group(1)
    client = make_client({"DYNAMODB_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"})
    assert client.describe_table(TableName="bookings")["Table"]["TableStatus"] == "ACTIVE"
    server.process.terminate()
    server.process.wait(timeout=30)
    assert json.loads(data.read_text())["table"] == "bookings"  # saved when the server stopped
    with pytest.raises(EndpointConnectionError):  # and the engine stopped with it
        client.describe_table(TableName="bookings")


def test_the_scheduled_run_is_set_or_turned_off_and_a_bad_interval_is_refused(site, start_devserver):
    assert "SCHEDULED RUN off" in start_devserver(site, dev_env(DEV_SCHEDULE_SECONDS="0")).banner
    assert "SCHEDULED RUN every 30 seconds" in start_devserver(site, dev_env(), "--schedule-seconds", "30").banner
    result = _run(site, dev_env(DEV_SCHEDULE_SECONDS="soon"))
    assert result.returncode == 2 and "DEV_SCHEDULE_SECONDS must be a number of seconds" in result.stderr
