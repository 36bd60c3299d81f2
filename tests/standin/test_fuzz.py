"""Random form-encoded junk at POST /v1/checkout/sessions: always a Stripe-shaped 400, never a 5xx."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.stripe_standin.testing import running_standin

KNOWN_KEYS = [
    "mode",
    "ui_mode",
    "currency",
    "success_url",
    "cancel_url",
    "customer_email",
    "client_reference_id",
    "expires_at",
    "locale",
    "submit_type",
    "expand[]",
    "expand[0]",
    "metadata[booking_ref]",
    "metadata",
    "metadata[a[b]]",
    "payment_intent_data[metadata][event]",
    "payment_intent_data[description]",
    "payment_intent_data[receipt_email]",
    "allowed_payment_method_types[0]",
    "invoice_creation[enabled]",
    "custom_text[submit][message]",
    "line_items",
    "line_items[0]",
    "line_items[]",
    "line_items[0][quantity]",
    "line_items[0][price_data][currency]",
    "line_items[0][price_data][unit_amount]",
    "line_items[0][price_data][product_data][name]",
    "line_items[0][price_data][product_data][metadata][k]",
    "line_items[0][price_data][tax_behavior]",
    "line_items[0][tax_rates][0]",
    "line_items[1][quantity]",
    "line_items[5][price_data][currency]",
    "line_items[x][quantity]",
    "line_items[0][price_data]",
]
INTERESTING_VALUES = [
    "",
    "payment",
    "setup",
    "hosted_page",
    "gbp",
    "GBP",
    "jpy",
    "-1",
    "0",
    "1",
    "1.5",
    "1e3",
    "99999999999999999999",
    "true",
    "false",
    "https://x.example/ok?id={CHECKOUT_SESSION_ID}",
    "javascript:alert(1)",
    "a@b.org",
    "x" * 600,
    "\x00",
    "é",
    "😀",
    "[",
    "]",
    "[]",
]

keys = st.one_of(
    st.sampled_from(KNOWN_KEYS),
    st.text(min_size=1, max_size=30),
    st.builds(lambda k, s: f"{k}[{s}]", st.sampled_from(KNOWN_KEYS), st.text(max_size=12)),
)
values = st.one_of(st.sampled_from(INTERESTING_VALUES), st.text(max_size=60), st.integers().map(str))
pairs = st.lists(st.tuples(keys, values), max_size=25)
raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(alphabet="abcdemoy_[]=&%0123456789FZ+;", max_size=200),
)


@pytest.fixture(scope="module")
def endpoint():
    with running_standin() as handle:
        yield handle, requests.Session()


def _assert_stripe_shaped_refusal(response: requests.Response) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code == 200:
        assert body["object"] == "checkout.session"  # junk that happens to be a valid session
        return
    assert response.status_code == 400, response.text
    error = body["error"]
    assert error["type"] == "invalid_request_error"
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error.get("param", ""), str) and isinstance(error.get("code", ""), str)


def _post(endpoint, body: bytes | str) -> requests.Response:
    handle, http = endpoint
    return http.post(
        f"{handle.api_base}/v1/checkout/sessions",
        data=body,
        headers={"Authorization": "Bearer sk_test_fuzz", "Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )


# One HTTP request per example; the bug this found (non-ASCII digits) is pinned by the table test below.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs)
def test_random_form_fields_get_only_stripe_shaped_400s(endpoint, fields):
    _assert_stripe_shaped_refusal(_post(endpoint, urlencode(fields)))


@pytest.mark.parametrize("body", ["0[²]=", "line_items[²][quantity]=1", "line_items[٣][quantity]=1"])
def test_digits_that_are_not_ascii_are_refused_not_crashed(endpoint, body):
    # str.isdigit() accepts "²" and "٣"; found by the fuzz test above as a 500.
    _assert_stripe_shaped_refusal(_post(endpoint, body.encode()))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw_bodies)
def test_random_raw_bodies_get_only_stripe_shaped_400s(endpoint, body):
    _assert_stripe_shaped_refusal(_post(endpoint, body))


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x"])
def test_other_content_types_are_refused_not_crashed(endpoint, content_type):
    handle, http = endpoint
    response = http.post(
        f"{handle.api_base}/v1/checkout/sessions",
        data=b'{"mode": "payment"}',
        headers={"Authorization": "Bearer sk_test_fuzz", "Content-Type": content_type},
        timeout=10,
    )
    _assert_stripe_shaped_refusal(response)
    assert response.status_code == 400


def test_huge_bodies_are_refused(endpoint):
    response = _post(endpoint, "metadata[k]=" + "x" * 1_100_000)
    assert response.status_code == 413 and response.json()["error"]["type"] == "invalid_request_error"


query_keys = st.one_of(
    st.sampled_from(
        [
            "limit",
            "starting_after",
            "ending_before",
            "status",
            "payment_intent",
            "expand[]",
            "expand[0]",
            "limit[]",
            "created[gt]",
        ]
    ),
    st.text(min_size=1, max_size=20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(query_keys, values), max_size=6))
def test_random_list_queries_get_a_list_or_a_stripe_shaped_4xx(endpoint, fields):
    handle, http = endpoint
    response = http.get(
        f"{handle.api_base}/v1/checkout/sessions",
        params=fields,
        headers={"Authorization": "Bearer sk_test_fuzz"},
        timeout=10,
    )
    assert response.status_code in (200, 400, 404), response.text
    body = response.json()
    if response.status_code == 200:
        assert body["object"] == "list"
    else:
        assert body["error"]["type"] == "invalid_request_error" and body["error"]["message"]
