"""The Checkout Session we ask Stripe for: line items that add up to the quote, metadata within Stripe's limits."""

from __future__ import annotations

import pytest

from adapters.payments.checkout import line_items, metadata, session_params
from booking.reference import stripe_metadata
from booking.request import BookingRequest
from functions.bookings import price
from tests.fixture_site import OPEN_EVENT
from tests.functions.conftest import booking, make_settings

EVENT = OPEN_EVENT


def _priced(fees, **kwargs):
    return price(BookingRequest.model_validate(booking(**kwargs)), fees)


@pytest.mark.parametrize("category", ["public-sector", "voluntary", "commercial"])
@pytest.mark.parametrize("delegates", range(1, 21))
def test_line_items_add_up_to_the_quote_to_the_penny(fees, category, delegates):
    priced = _priced(fees, delegates=delegates, category=category)
    items = line_items(priced)
    assert sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items) == priced.quote.total_pence
    assert sum(i["quantity"] for i in items) == delegates
    assert all(isinstance(i["price_data"]["unit_amount"], int) for i in items)


def test_one_nhs_delegate_by_card_is_one_line_of_318_60(fees):
    (item,) = line_items(_priced(fees, delegates=1))
    # £295.00 less 10% online = £265.50 net, + 20% VAT = £318.60
    assert item["price_data"]["unit_amount"] == 31860
    assert item["price_data"]["currency"] == "gbp"
    assert (
        item["price_data"]["product_data"]["name"]
        == "Delegate place — NHS, Schools, Care and Public Sector (first delegate)"
    )


def test_additional_delegates_share_a_discounted_line(fees):
    _first, more = line_items(_priced(fees, delegates=3))
    assert more["quantity"] == 2
    assert more["price_data"]["product_data"]["name"].endswith("(additional delegate, 15% off)")


def test_tax_rate_is_attached_to_every_line_when_configured(fees):
    items = line_items(_priced(fees, delegates=3), tax_rate_id="txr_123")
    assert all(i["tax_rates"] == ["txr_123"] for i in items)
    assert "tax_rates" not in line_items(_priced(fees, delegates=3))[0]


def test_session_parameters_follow_the_design(fees):
    priced = _priced(fees, delegates=2)
    params = session_params(priced, make_settings(site_url="https://events.example.org"))
    assert params["mode"] == "payment" and params["currency"] == "gbp"
    assert params["client_reference_id"] == priced.ref
    assert params["customer_email"] == "priya.shah@nhs.net"
    assert (
        params["success_url"] == "https://events.example.org/api/bookings/confirmation?session_id={CHECKOUT_SESSION_ID}"
    )
    assert params["cancel_url"] == "https://events.example.org/events/caldicott-police-2083/?booking=cancelled#book"
    assert params["metadata"] == params["payment_intent_data"]["metadata"] == stripe_metadata(priced.ref, EVENT)
    stored = priced.record  # what the store keeps; Stripe holds only the marker, the reference and the event
    assert (stored.ref, stored.event, stored.category, stored.payment, len(stored.delegates)) == (
        priced.ref,
        "caldicott-police-2083",
        "public-sector",
        "card",
        2,
    )
    assert (stored.delegates[0].name, stored.delegates[0].email) == ("Delegate 1", "delegate1@nhs.net")


def test_fifty_delegates_with_every_field_at_its_longest_are_accepted_now_the_store_keeps_them():
    data = booking(1)
    data["delegates"] = [
        {
            "name": "N" * 100,
            "email": f"{'e' * 60}{i}@{'d' * 60}.nhs.uk",
            "job_title": "J" * 150,
            "organisation": "O" * 150,
        }
        for i in range(50)
    ]
    assert len(BookingRequest.model_validate(data).delegates) == 50


def test_fifty_delegates_as_people_write_them_are_recorded_whole_and_stripe_gets_only_the_reference(fees):
    data = booking(50)
    priced = price(
        BookingRequest.model_validate(data),
        fees.model_copy(
            update={"events": {k: v.model_copy(update={"max_delegates": 50}) for k, v in fees.events.items()}}
        ),
    )
    assert metadata(priced) == stripe_metadata(priced.ref, EVENT)
    assert [d.email for d in priced.record.delegates] == [d["email"] for d in data["delegates"]]
