"""Idempotency-Key: a repeat returns the stored session; the same key with other parameters is refused."""

from __future__ import annotations

import threading

import pytest
import requests
import stripe

from tests.standin.conftest import valid_session


def test_a_repeated_key_with_the_same_parameters_returns_the_same_session(standin, client):
    first = client.v1.checkout.sessions.create(params=valid_session(), options={"idempotency_key": "booking-BK-7Q2M4X"})
    second = client.v1.checkout.sessions.create(
        params=valid_session(), options={"idempotency_key": "booking-BK-7Q2M4X"}
    )
    assert second.id == first.id and second.url == first.url
    assert len(standin.sessions()) == 1
    assert [r.replayed for r in standin.requests] == [False, True]
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"


def test_the_same_key_with_different_parameters_is_an_idempotency_error(standin, client):
    client.v1.checkout.sessions.create(params=valid_session(), options={"idempotency_key": "booking-1"})
    changed = valid_session()
    changed["line_items"][0]["quantity"] = 2
    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.checkout.sessions.create(params=changed, options={"idempotency_key": "booking-1"})
    assert caught.value.http_status == 400
    assert caught.value.json_body["error"]["type"] == "idempotency_error"
    assert "booking-1" in caught.value.user_message
    assert len(standin.sessions()) == 1


def test_keys_are_per_api_key(standin):
    one = standin.client(api_key="sk_test_account_one").v1.checkout.sessions.create(
        params=valid_session(), options={"idempotency_key": "k"}
    )
    two = standin.client(api_key="sk_test_account_two").v1.checkout.sessions.create(
        params=valid_session(), options={"idempotency_key": "k"}
    )
    assert one.id != two.id


def test_a_refused_request_stores_nothing_so_the_corrected_retry_with_the_same_key_works(standin, client):
    # Stripe: "if incoming parameters failed validation ... no idempotent result is saved".
    broken = valid_session()
    del broken["mode"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=broken, options={"idempotency_key": "booking-2"})
    session = client.v1.checkout.sessions.create(params=valid_session(), options={"idempotency_key": "booking-2"})
    assert session.status == "open"


def test_concurrent_double_submit_makes_one_session(standin, client):
    ids: list[str] = []

    def submit() -> None:
        ids.append(client.v1.checkout.sessions.create(params=valid_session(), options={"idempotency_key": "double"}).id)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(ids) == 6 and len(set(ids)) == 1
    assert len(standin.sessions()) == 1


def test_without_a_key_every_post_creates_a_new_session(standin):
    form = (
        "mode=payment&success_url=https://x.example/ok&line_items[0][quantity]=1"
        "&line_items[0][price_data][currency]=gbp&line_items[0][price_data][unit_amount]=100"
        "&line_items[0][price_data][product_data][name]=Place"
    )
    headers = {"Authorization": "Bearer sk_test_curl", "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):
        assert (
            requests.post(f"{standin.api_base}/v1/checkout/sessions", data=form, headers=headers, timeout=5).status_code
            == 200
        )
    assert len(standin.sessions()) == 2
    assert [r.idempotency_key for r in standin.requests] == [None, None]
