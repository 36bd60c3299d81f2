"""Coupons and Checkout's discounts, and credit lines on invoices, through the real SDK: the amounts add up as Stripe's would."""

from __future__ import annotations

import re
import urllib.request

import pytest
import stripe

from tests.standin.conftest import valid_session


def _coupon(client, amount_off=4779, currency="gbp", **extra):
    params = {
        "amount_off": amount_off,
        "currency": currency,
        "duration": "once",
        "max_redemptions": 1,
        "name": "Code PARTNER15 (15% off)",
        **extra,
    }
    return client.v1.coupons.create(params=params)


def test_a_coupon_is_its_own_discount_and_the_lines_still_add_up_to_the_total(standin, client):
    coupon = _coupon(client)
    assert (coupon.amount_off, coupon.currency, coupon.duration, coupon.valid) == (4779, "gbp", "once", True)
    session = client.v1.checkout.sessions.create(params={**valid_session(), "discounts": [{"coupon": coupon.id}]})
    assert session.amount_subtotal == 26550 + 5310
    assert session.total_details.amount_discount == 4779
    assert session.amount_total == 26550 + 5310 - 4779
    assert session.discounts[0].coupon == coupon.id
    items = client.v1.checkout.sessions.line_items.list(session.id).data
    assert sum(i.amount_total for i in items) == session.amount_total
    assert sum(i.amount_discount for i in items) == 4779


def test_the_hosted_page_shows_the_discount_as_a_line_and_the_payment_is_the_discounted_total(standin, client):
    coupon = _coupon(client)
    session = client.v1.checkout.sessions.create(params={**valid_session(), "discounts": [{"coupon": coupon.id}]})
    with urllib.request.urlopen(session.url) as response:
        page = response.read().decode("utf-8")
    assert re.search(r"Code PARTNER15 \(15% off\)</th><td class=\"amount\">−£47.79", page)
    assert "Pay £270.81" in page
    paid = standin.complete(session.id)
    intent = client.v1.payment_intents.retrieve(paid["payment_intent"])
    assert intent.amount == 27081
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


@pytest.mark.parametrize(
    ("coupon_id", "currency", "code"),
    [("nope", "gbp", "resource_missing"), (None, "eur", "parameter_invalid_currency")],
)
def test_checkout_refuses_an_unknown_coupon_or_one_in_another_currency(standin, client, coupon_id, currency, code):
    coupon_id = coupon_id or _coupon(client, currency=currency).id
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params={**valid_session(), "discounts": [{"coupon": coupon_id}]})
    assert caught.value.code == code and caught.value.param == "discounts[0][coupon]"


def test_a_coupon_that_leaves_less_than_the_minimum_charge_is_refused(standin, client):
    coupon = _coupon(client, amount_off=26550 + 5310)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params={**valid_session(), "discounts": [{"coupon": coupon.id}]})
    assert caught.value.code == "amount_too_small"


def test_an_invoice_may_carry_a_credit_line_and_a_zero_total_is_paid_when_finalised(standin, client):
    customer = client.v1.customers.create(params={"email": "speaker@example.org", "name": "A Speaker"})
    draft = client.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30, "currency": "gbp"}
    )
    for amount in (35400, -35400):
        client.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": amount})
    final = client.v1.invoices.finalize_invoice(draft.id, params={"auto_advance": False})
    assert [line.amount for line in final.lines.data] == [35400, -35400]
    assert (final.total, final.amount_due, final.status) == (0, 0, "paid")
