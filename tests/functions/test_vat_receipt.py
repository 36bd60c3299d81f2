"""A card booking's VAT receipt: the Checkout Session asks Stripe for a paid invoice naming the booking and delegates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.payments.checkout import session_params
from booking.reference import ref_in
from booking.request import BookingRequest
from functions.bookings import price
from functions.settings import Settings, SettingsError
from tests.functions.conftest import booking, make_settings

TITLE = "Information Sharing & The Police: Caldicott Principles and Sharing Between Police and Health Services"


def _params(fees, data=None, **settings_overrides):
    priced = price(BookingRequest.model_validate(data or booking(2)), fees)
    return priced, session_params(priced, make_settings(**settings_overrides))


def test_a_card_session_asks_for_a_paid_invoice_naming_the_booking_and_its_delegates(fees):
    priced, params = _params(fees)
    creation = params["invoice_creation"]
    assert creation["enabled"] is True
    data = creation["invoice_data"]
    assert data["description"] == f"Booking {priced.ref} for {TITLE}. Delegates: Delegate 1, Delegate 2"
    assert data["custom_fields"] == [
        {"name": "Booking reference", "value": priced.ref},
        {"name": "Event", "value": TITLE},
        {"name": "Delegates", "value": "2"},
    ]
    assert "footer" not in data  # no VAT_NUMBER set


def test_the_receipt_is_found_by_its_reference_and_never_read_as_a_second_booking(fees):
    priced, params = _params(fees)
    meta = params["invoice_creation"]["invoice_data"]["metadata"]
    assert meta == {"receipt_for": priced.ref}
    assert ref_in(meta) is None


def test_the_vat_number_goes_in_the_footer(fees):
    _, params = _params(fees, vat_number="GB123456789")
    assert params["invoice_creation"]["invoice_data"]["footer"] == "VAT registration number GB123456789"


@pytest.mark.parametrize("number", ["GB 123 4567 89", "gb123456789"])
def test_the_vat_number_is_read_from_the_environment_as_people_write_it(number):
    environ = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "SITE_URL": "https://e.org"}
    assert Settings.from_env({**environ, "VAT_NUMBER": number}).vat_number == "GB123456789"


@pytest.mark.parametrize("number", ["123456789", "GB", "GB12345678901234567", "GB-123"])
def test_a_vat_number_that_is_not_one_stops_the_function_at_start(number):
    with pytest.raises(SettingsError) as refused:
        make_settings(vat_number=number)
    assert "VAT_NUMBER" in str(refused.value)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(
        st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=100).filter(
            lambda n: n.strip()
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_receipt_text_fits_stripes_limits_whatever_the_names(fees, names):
    data = booking(len(names))
    for delegate, name in zip(data["delegates"], names, strict=True):
        delegate["name"] = name
    try:
        request = BookingRequest.model_validate(data)
    except ValueError:
        return  # refused at the door: nothing reaches Stripe
    fees_for_twenty = fees.model_copy(
        update={"events": {k: v.model_copy(update={"max_delegates": 20}) for k, v in fees.events.items()}}
    )
    priced = price(request, fees_for_twenty)
    data = session_params(priced, make_settings())["invoice_creation"]["invoice_data"]
    units = lambda text: len(text.encode("utf-16-le")) // 2  # noqa: E731 - Stripe counts UTF-16 units
    assert units(data["description"]) <= 1500 and data["description"].startswith(f"Booking {priced.ref} for ")
    assert len(data["custom_fields"]) <= 4
    assert all(units(f["name"]) <= 40 and units(f["value"]) <= 140 for f in data["custom_fields"])
