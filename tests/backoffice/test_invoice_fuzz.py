"""Whatever arrives in the invoice fields, the answer is a field error or a booking attempt, never a crash."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.lambda_handler import handle_event
from functions.settings import Settings
from tests.backoffice.conftest import booking
from tests.functions.conftest import JSON_HEADERS, lambda_event

_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=600),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)
_billing = st.one_of(_junk, st.fixed_dictionaries({}, optional={"name": _junk, "email": _junk, "address": _junk}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(billing=_billing, purchase_order=_junk, payment=st.sampled_from(["invoice", "card"]))
def test_any_billing_or_po_is_answered_with_field_errors_or_a_booking(far_fees, billing, purchase_order, payment):
    # Stripe is unreachable (port 9, no retries): a valid booking gets 503, an invalid one 422 before any call.
    settings_ = Settings(
        stripe_secret_key="sk_test_fuzz",
        stripe_webhook_secret="whsec_fuzz",
        site_url="http://127.0.0.1:9",
        stripe_api_base="http://127.0.0.1:9",
        fees_path=far_fees,
        stripe_max_network_retries=0,
        stripe_timeout_seconds=0.5,
    )
    data = booking(1, payment=payment, billing=billing, purchase_order=purchase_order)
    response = handle_event(lambda_event("POST", "/api/bookings", json.dumps(data), JSON_HEADERS), settings_)
    assert response["statusCode"] in (422, 503), response["body"]
    body = json.loads(response["body"])
    if response["statusCode"] == 422:
        assert all(e["field"].split(".")[0] in ("billing", "purchase_order") for e in body["errors"])
        assert payment == "invoice"  # a card booking ignores the invoice fields entirely
