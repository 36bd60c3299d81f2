"""Replayable delivery against `python -m devtools.devserver` with the stand-in: the webhook secret comes from the
environment, delivery is switched off through the API, and a test fetches the real event and delivers it itself."""

from __future__ import annotations

import json
from pathlib import Path

import stripe

from devtools.stripe_standin.testing import deliver
from tests.devserver.conftest import dev_env
from tests.functions.conftest import JSON_HEADERS, booking, http

SECRET = "whsec_acceptance_replay_0123456789"


def _client(server) -> stripe.StripeClient:
    # The stand-in takes any test key; the dev server's own key is not needed.
    return stripe.StripeClient(
        "sk_test_acceptance",
        base_addresses={"api": server.url + "/_stripe"},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=30),
    )


def _mails(outbox: Path) -> list[str]:
    return sorted(p.read_text(encoding="utf-8", errors="replace") for p in outbox.glob("*.eml"))


def test_a_paid_booking_is_fulfilled_once_however_often_its_event_is_replayed(site, start_devserver, tmp_path):
    outbox = tmp_path / "outbox"
    server = start_devserver(site, dev_env(STRIPE_WEBHOOK_SECRET=SECRET, MAIL_OUTBOX=str(outbox)))
    client = _client(server)
    [endpoint] = client.v1.webhook_endpoints.list().data
    assert endpoint.url == server.url + "/api/stripe-webhook"
    assert client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": True}).status == "disabled"

    created = http("POST", server.url + "/api/bookings", json.dumps(booking(2)), JSON_HEADERS)
    assert created.status == 201, created.text
    paid = http(
        "POST", created.json()["checkout_url"] + "/pay", b"", {"content-type": "application/x-www-form-urlencoded"}
    )
    assert paid.status == 303  # the success page is not visited: only the replayed webhook fulfils
    assert _mails(outbox) == []  # delivery is off, so nothing has been sent yet

    [event] = client.v1.events.list(params={"type": "checkout.session.completed"}).data
    webhook = server.url + "/api/stripe-webhook"
    first = deliver(event, SECRET, webhook)
    assert first.status == 200, first.body
    after_one = _mails(outbox)
    assert after_one, "the first delivery sent no confirmation"

    for _ in range(3):
        again = deliver(event, SECRET, webhook)
        assert again.status == 200, again.body
    assert _mails(outbox) == after_one

    forged = deliver(event, "whsec_not_the_dev_servers", webhook)
    assert forged.status == 400
    assert _mails(outbox) == after_one
