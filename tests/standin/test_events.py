"""Events and the webhook endpoint in the stand-in, with the real SDK over HTTP: list and retrieve what was sent,
switch delivery off, and replay an event with `deliver()` as many times as a test likes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import stripe

from devtools.stripe_standin.testing import deliver
from tests.standin.conftest import WEBHOOK_SECRET, valid_session


def _paid(standin, client) -> str:
    session = client.v1.checkout.sessions.create(params=valid_session())
    standin.complete(session.id)
    return session.id


def _disable(standin, client, disabled: bool = True):
    return client.v1.webhook_endpoints.update(standin.webhook_endpoint_id(), params={"disabled": disabled})


def test_the_webhook_endpoint_is_listed_with_its_url_and_every_event(standin, client, receiver):
    [endpoint] = client.v1.webhook_endpoints.list().data
    assert endpoint.id == standin.webhook_endpoint_id() and endpoint.id.startswith("we_")
    assert (endpoint.object, endpoint.url, endpoint.status) == (
        "webhook_endpoint",
        receiver.url + "/api/stripe-webhook",
        "enabled",
    )
    assert endpoint.enabled_events == ["*"] and endpoint.livemode is False
    assert client.v1.webhook_endpoints.retrieve(endpoint.id).url == endpoint.url


def test_events_are_listed_newest_first_and_filtered_by_type(standin, client):
    first = _paid(standin, client)
    expired = client.v1.checkout.sessions.create(params=valid_session())
    client.v1.checkout.sessions.expire(expired.id)
    second = _paid(standin, client)

    listed = client.v1.events.list()
    assert [e.type for e in listed.data] == [
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.completed",
    ]
    assert [e.data.object.id for e in listed.data] == [second, expired.id, first]
    assert listed.has_more is False and listed.url == "/v1/events"

    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert [e.data.object.id for e in completed.data] == [second, first]
    grouped = client.v1.events.list(params={"type": "checkout.session.*"})
    assert len(grouped.data) == 3
    assert [e.type for e in client.v1.events.list(params={"types": ["checkout.session.expired"]}).data] == [
        "checkout.session.expired"
    ]
    assert client.v1.events.list(params={"type": "charge.refunded"}).data == []


def test_events_page_with_limit_and_starting_after(standin, client):
    ids = [_paid(standin, client) for _ in range(3)]
    page = client.v1.events.list(params={"limit": 2})
    assert [e.data.object.id for e in page.data] == [ids[2], ids[1]] and page.has_more is True
    rest = client.v1.events.list(params={"limit": 2, "starting_after": page.data[-1].id})
    assert [e.data.object.id for e in rest.data] == [ids[0]] and rest.has_more is False


def test_an_event_is_retrieved_by_id_with_the_payload_that_was_sent(standin, client, receiver):
    _paid(standin, client)
    [post] = receiver.posts
    sent = json.loads(post["body"])
    event = client.v1.events.retrieve(sent["id"])
    assert event.to_dict() == sent


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (lambda c: c.v1.events.retrieve("evt_missing"), 404, "resource_missing"),
        (lambda c: c.v1.webhook_endpoints.retrieve("we_missing"), 404, "resource_missing"),
        (lambda c: c.v1.webhook_endpoints.update("we_missing", params={"disabled": True}), 404, "resource_missing"),
        (
            lambda c: c.v1.events.list(params={"type": "charge.refunded", "types": ["charge.refunded"]}),
            400,
            "parameters_exclusive",
        ),
        (lambda c: c.v1.events.list(params={"limit": 101}), 400, None),
        (lambda c: c.v1.events.list(params={"delivery_success": False}), 400, "parameter_unknown"),
    ],
    ids=["no such event", "no such endpoint", "update no such endpoint", "type and types", "limit", "unsimulated"],
)
def test_refusals_come_back_as_stripe_errors(client, call, status, code):
    with pytest.raises(stripe.StripeError) as caught:
        call(client)
    assert caught.value.http_status == status
    if code is not None:
        assert caught.value.code == code


def test_a_disabled_endpoint_gets_nothing_while_events_are_still_recorded(standin, client, receiver):
    disabled = _disable(standin, client)
    assert disabled.status == "disabled"
    session_id = _paid(standin, client)
    assert receiver.posts == [] and standin.deliveries == []
    [event] = client.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert event.data.object.id == session_id and event.pending_webhooks == 0

    assert _disable(standin, client, disabled=False).status == "enabled"
    _paid(standin, client)
    [post] = receiver.posts
    assert json.loads(post["body"])["pending_webhooks"] == 1


def test_deliver_replays_a_listed_event_signed_for_the_receiver_any_number_of_times(standin, client, receiver):
    _disable(standin, client)
    _paid(standin, client)
    [event] = client.v1.events.list(params={"type": "checkout.session.completed"}).data
    url = receiver.url + "/api/stripe-webhook"

    with ThreadPoolExecutor(max_workers=4) as pool:
        deliveries = list(pool.map(lambda _: deliver(event, WEBHOOK_SECRET, url), range(4)))
    assert [d.status for d in deliveries] == [200] * 4
    assert len(receiver.posts) == 4
    for post in receiver.posts:
        verified = stripe.Webhook.construct_event(post["body"], post["headers"]["Stripe-Signature"], WEBHOOK_SECRET)
        assert (verified.id, verified.type) == (event.id, "checkout.session.completed")
        assert verified.to_dict() == event.to_dict()
    assert standin.deliveries == []  # the test delivered them, not the stand-in


def test_deliver_signed_with_another_secret_fails_stripes_check(standin, client, receiver):
    _paid(standin, client)
    [event] = client.v1.events.list().data
    delivery = deliver(event, "whsec_someone_else", receiver.url + "/api/stripe-webhook")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(receiver.posts[-1]["body"], delivery.signature, WEBHOOK_SECRET)


def test_deliver_reports_a_receiver_that_is_not_there(standin, client):
    _paid(standin, client)
    [event] = client.v1.events.list().data
    delivery = deliver(event.to_dict(), WEBHOOK_SECRET, "http://127.0.0.1:9/api/stripe-webhook")
    assert delivery.status is None and delivery.error is not None
