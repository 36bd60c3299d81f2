"""Create, retrieve and list Checkout Sessions and their PaymentIntents with the real SDK over real HTTP."""

from __future__ import annotations

import pytest
import requests
import stripe

from devtools.stripe_standin.testing import running_standin
from tests.standin.conftest import valid_session


def test_created_session_charges_the_sum_of_unit_amount_times_quantity(client):
    params = valid_session()
    params["line_items"][1]["quantity"] = 3  # 26550 + 3 × 5310
    session = client.v1.checkout.sessions.create(params=params)
    assert session.amount_total == 26550 + 3 * 5310
    assert session.amount_subtotal == session.amount_total
    assert session.currency == "gbp"
    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")


def test_new_session_is_open_unpaid_and_carries_what_was_sent(standin, client):
    session = client.v1.checkout.sessions.create(params=valid_session())
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.url == f"{standin.url}/checkout/{session.id}"
    assert session.client_reference_id == "BK-7Q2M4X"
    assert session.customer_email == "finance@example.org"
    assert session.metadata.to_dict() == valid_session()["metadata"]
    assert session.success_url == valid_session()["success_url"]
    assert session.cancel_url == valid_session()["cancel_url"]
    assert session.payment_intent is None  # as at Stripe: made when the session is paid
    assert session.expires_at - session.created == 24 * 60 * 60
    assert session.livemode is False


def test_retrieve_returns_the_same_session_and_expands_line_items(client):
    created = client.v1.checkout.sessions.create(params=valid_session())
    fetched = client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items"]})
    assert fetched.id == created.id and fetched.amount_total == 31860
    assert [(i.description, i.quantity, i.amount_total) for i in fetched.line_items.data] == [
        ("Delegate place — NHS (first delegate)", 1, 26550),
        ("Delegate place — NHS (additional delegate, 15% off)", 1, 5310),
    ]


def test_line_items_endpoint_lists_the_items_with_their_prices(client):
    created = client.v1.checkout.sessions.create(params=valid_session())
    items = client.v1.checkout.sessions.line_items.list(created.id)
    assert [(i.price.unit_amount, i.price.currency, i.price.type) for i in items.data] == [
        (26550, "gbp", "one_time"),
        (5310, "gbp", "one_time"),
    ]


def test_unknown_session_is_a_stripe_shaped_404(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


def test_list_is_newest_first_and_pages_with_starting_after(client):
    ids = [client.v1.checkout.sessions.create(params=valid_session()).id for _ in range(5)]
    first = client.v1.checkout.sessions.list(params={"limit": 2})
    assert first.object == "list" and first.url == "/v1/checkout/sessions"
    assert [s.id for s in first.data] == ids[::-1][:2] and first.has_more is True
    rest = client.v1.checkout.sessions.list(params={"limit": 10, "starting_after": first.data[-1].id})
    assert [s.id for s in rest.data] == ids[::-1][2:] and rest.has_more is False
    assert [s.id for s in first.auto_paging_iter()] == ids[::-1]


def test_paid_session_has_a_payment_intent_with_the_amount_and_intent_metadata(standin, client):
    session = client.v1.checkout.sessions.create(params=valid_session())
    standin.complete(session.id)
    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status, paid.url) == ("complete", "paid", None)
    intent = paid.payment_intent
    assert intent.object == "payment_intent" and intent.status == "succeeded"
    assert intent.amount == 31860 and intent.currency == "gbp"
    assert intent.metadata.to_dict() == {"booking_ref": "BK-7Q2M4X", "event": "safeguarding-2026"}
    assert intent.description == "Booking BK-7Q2M4X for safeguarding-2026"
    listed = client.v1.checkout.sessions.list(params={"payment_intent": intent.id, "expand": ["data.payment_intent"]})
    assert [(s.id, s.payment_intent.amount) for s in listed.data] == [(session.id, 31860)]


def test_payment_intent_metadata_update_merges_and_empty_string_deletes(standin, client):
    session = client.v1.checkout.sessions.create(params=valid_session())
    intent_id = standin.complete(session.id)["payment_intent"]
    updated = client.v1.payment_intents.update(
        intent_id, params={"metadata": {"fulfilled_at": "2026-11-25T07:00:00Z", "event": ""}}
    )
    assert updated.metadata.to_dict() == {"booking_ref": "BK-7Q2M4X", "fulfilled_at": "2026-11-25T07:00:00Z"}
    assert client.v1.payment_intents.retrieve(intent_id).metadata.to_dict() == updated.metadata.to_dict()
    cleared = client.v1.payment_intents.update(intent_id, params={"metadata": ""})  # type: ignore[typeddict-item]  # Stripe clears metadata with ""; the SDK's types do not say so
    assert cleared.metadata.to_dict() == {}


def test_payment_intent_metadata_update_may_not_grow_past_fifty_keys(standin, client):
    session = client.v1.checkout.sessions.create(params=valid_session())
    intent_id = standin.complete(session.id)["payment_intent"]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.update(intent_id, params={"metadata": {f"k{n}": "v" for n in range(49)}})
    assert (caught.value.param, caught.value.code) == ("metadata", "parameter_invalid_metadata")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer pk_test_publishable123",
        "Bearer sk_live_realkey123",
        "Basic cGtfdGVzdF94Og==",
        "Token sk_test_x123",
    ],
)
def test_requests_without_a_test_secret_key_get_a_401(standin, header):
    headers = {"Authorization": header} if header else {}
    response = requests.get(f"{standin.api_base}/v1/checkout/sessions", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_curl_style_basic_auth_with_a_test_key_is_accepted(standin):
    response = requests.get(f"{standin.api_base}/v1/checkout/sessions", auth=("sk_test_curl", ""), timeout=5)
    assert response.status_code == 200 and response.json()["object"] == "list"


def test_the_sdk_raises_authentication_error_for_a_wrong_key(standin):
    with pytest.raises(stripe.AuthenticationError):
        standin.client(api_key="sk_live_not_here").v1.checkout.sessions.list()


def test_unknown_urls_are_stripe_shaped_404s(standin):
    response = requests.post(
        f"{standin.api_base}/v1/subscriptions", headers={"Authorization": "Bearer sk_test_x1"}, timeout=5
    )
    assert response.status_code == 404
    assert "Unrecognized request URL" in response.json()["error"]["message"]


def test_sdk_base_address_works_with_a_path_prefix_as_the_dev_server_mounts_it():
    # The SDK joins base_addresses["api"] and "/v1/..." as plain strings, so a prefix without a trailing slash works.
    with running_standin(prefix="/_stripe") as handle:
        assert handle.api_base.endswith("/_stripe")
        client = handle.client()
        session = client.v1.checkout.sessions.create(params=valid_session())
        assert session.url == f"{handle.api_base}/checkout/{session.id}"
        assert client.v1.checkout.sessions.retrieve(session.id).id == session.id
        assert [r.path for r in handle.requests] == ["/v1/checkout/sessions", f"/v1/checkout/sessions/{session.id}"]
        page = requests.get(session.url, timeout=5)
        assert page.status_code == 200 and 'href="/_stripe/assets/checkout.css"' in page.text
        assert requests.get(page.url.split("/_stripe")[0] + "/v1/checkout/sessions", timeout=5).status_code == 404


def test_inclusive_tax_rate_shows_the_vat_inside_the_same_total(standin, client):
    rate = standin.app.add_tax_rate("20", inclusive=True)
    params = valid_session()
    for item in params["line_items"]:
        item["tax_rates"] = [rate]
    session = client.v1.checkout.sessions.create(params=params)
    assert session.amount_total == 31860
    assert session.total_details.amount_tax == 4425 + 885  # 26550 - 22125, 5310 - 4425


def test_exclusive_tax_rate_is_added_to_the_total(standin, client):
    rate = standin.app.add_tax_rate("20", inclusive=False)
    params = valid_session()
    params["line_items"] = params["line_items"][:1]
    params["line_items"][0]["tax_rates"] = [rate]
    session = client.v1.checkout.sessions.create(params=params)
    assert (session.amount_subtotal, session.amount_total) == (26550, 26550 + 5310)


def test_expire_endpoint_closes_an_open_session_and_sends_the_event(standin, client, receiver):
    session = client.v1.checkout.sessions.create(params=valid_session())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert [d.type for d in standin.deliveries] == ["checkout.session.expired"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
