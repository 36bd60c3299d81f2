"""Paying by invoice: a customer, a finalised and sent Stripe invoice priced to the penny, and a page saying it is on its way."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from booking.life import State
from booking.reference import stripe_metadata
from tests.backoffice.conftest import booking, http


def _invoice_calls(live) -> list:
    return [
        r for r in live.standin.requests if r.path.startswith(("/v1/invoices", "/v1/invoiceitems", "/v1/customers"))
    ]


@pytest.mark.parametrize("category", ["public-sector", "voluntary", "commercial"])
@pytest.mark.parametrize("delegates", [1, 3])
def test_invoice_for_each_category_asks_for_exactly_the_quote(live, category, delegates):
    data = booking(delegates, category, payment="invoice")
    body, invoice = live.book_invoice(data)
    expected = live.quote(data)
    assert invoice["amount_due"] == invoice["total"] == expected.total_pence == body["total_pence"]
    assert invoice["status"] == "open" and live.standin.app.billing.sent[invoice["id"]] == 1
    assert invoice["collection_method"] == "send_invoice" and invoice["days_until_due"] == live.fees.invoice_due_days
    assert invoice["metadata"] == stripe_metadata(body["booking_ref"], data["event"])
    found = live.settings.store().get(body["booking_ref"])
    assert found is not None and found.state == State.AWAITING_PAYMENT
    stored = found.record
    assert (stored.invoice_id, stored.invoice_number, stored.invoice_url) == (
        invoice["id"],
        invoice["number"],
        invoice["hosted_invoice_url"],
    )
    assert (stored.event, stored.category, stored.payment, len(stored.delegates)) == (
        data["event"],
        category,
        "invoice",
        delegates,
    )
    assert invoice["customer_email"] == "accounts.payable@nhs.net"


def test_one_nhs_delegate_by_invoice_is_354_pounds_without_the_online_discount(live):
    body, invoice = live.book_invoice(booking(1, "public-sector", payment="invoice"))
    assert body["total_pence"] == invoice["amount_due"] == 35400


def test_the_purchase_order_number_is_printed_on_the_invoice(live):
    _, invoice = live.book_invoice(booking(2, payment="invoice", purchase_order="PO-2027-004512"))
    assert invoice["custom_fields"][0] == {"name": "PO number", "value": "PO-2027-004512"}
    stored = live.settings.store().get(invoice["metadata"]["booking_ref"])
    assert stored is not None and stored.record.purchase_order == "PO-2027-004512"


def test_without_a_purchase_order_there_is_no_po_field(live):
    _, invoice = live.book_invoice(booking(1, payment="invoice"))
    assert [f["name"] for f in invoice["custom_fields"]] == ["Tax point (time of supply)", "Booking reference"]


def test_vat_is_shown_on_the_invoice_when_an_inclusive_tax_rate_is_configured(live):
    rate = live.standin.app.add_tax_rate("20", inclusive=True)
    live.configure(stripe_tax_rate_id=rate)
    data = booking(3, "commercial", payment="invoice")
    _, invoice = live.book_invoice(data)
    expected = live.quote(data)
    assert invoice["total"] == expected.total_pence  # an inclusive rate never changes the total
    tax = sum(t["amount"] for t in invoice["total_taxes"])
    assert abs(tax - expected.vat_pence) <= len(invoice["lines"]["data"])  # Stripe works VAT out per line, to the penny


def test_a_retried_request_makes_one_customer_and_one_invoice_sent_once(live):
    data = booking(2, payment="invoice", purchase_order="4500012345")
    first, invoice = live.book_invoice(data)
    again = live.post_json(data)
    assert again.status == 201 and again.json() == first
    assert len(live.standin.app.billing.all_invoices()) == 1
    assert len(live.standin.app.billing.all_customers()) == 1
    assert live.standin.app.billing.sent[invoice["id"]] == 1
    assert all(r.idempotency_key for r in _invoice_calls(live) if r.method == "POST")


def test_stripe_failing_once_is_retried_with_the_same_key_and_still_makes_one_invoice(live):
    live.standin.fault("500", times=1)
    body, invoice = live.book_invoice(booking(1, payment="invoice"))
    assert invoice["amount_due"] == body["total_pence"]
    assert len(live.standin.app.billing.all_invoices()) == 1


def test_a_customer_is_reused_by_billing_email(live):
    live.book_invoice(booking(1, payment="invoice", tag="-a"))
    live.book_invoice(booking(2, "voluntary", payment="invoice", tag="-b"))
    customers = live.standin.app.billing.all_customers()
    assert len(customers) == 1 and customers[0]["email"] == "accounts.payable@nhs.net"
    assert customers[0]["address"]["postal_code"] == "LS9 7TF"
    assert {i["customer"] for i in live.standin.app.billing.all_invoices()} == {customers[0]["id"]}
    assert len(live.standin.app.billing.all_invoices()) == 2


def test_the_confirmation_page_says_the_invoice_is_on_its_way_and_links_stripes_invoice(live):
    data = booking(2, payment="invoice", purchase_order="PO <42>")
    data["delegates"][1]["name"] = "<script>alert(1)</script>"
    body = live.post_json(data).json()
    assert urlsplit(body["checkout_url"]).path == "/api/bookings/invoice/requested"
    assert "Check your e-mail to confirm your booking" in live.get(body["checkout_url"]).text
    confirmed = live.confirm_invoice(body["booking_ref"])
    invoice = live.invoice_of(body["booking_ref"])
    assert urlsplit(confirmed.headers["location"]).path == "/api/bookings/invoice"
    assert parse_qs(urlsplit(confirmed.headers["location"]).query)["invoice_id"] == [invoice["id"]]
    page = live.get(confirmed.headers["location"])
    assert page.status == 200
    assert "invoice is on its way" in page.text and "accounts.payable@nhs.net" in page.text
    assert body["booking_ref"] in page.text and "£654.90" in page.text  # £354.00 + £300.90 (15% off the second)
    assert f'href="{invoice["hosted_invoice_url"]}"' in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert "PO &lt;42&gt;" in page.text
    assert 'class="booking-summary"' in page.text and "/theme/css/site.css" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_form_post_is_sent_303_to_the_confirmation_page(live):
    data = booking(1, payment="invoice")
    response = live.post_form(data)
    assert response.status == 303
    requested = response.headers["location"]
    assert requested.startswith(live.url + "/api/bookings/invoice/requested?booking_ref=CP-")
    assert "Check your e-mail to confirm your booking" in live.get(requested).text
    ref = parse_qs(urlsplit(requested).query)["booking_ref"][0]
    location = live.confirm_invoice(ref).headers["location"]
    assert location.startswith(live.url + "/api/bookings/invoice?invoice_id=in_")
    assert "invoice is on its way" in live.get(location).text


@pytest.mark.parametrize("invoice_id", ["", "in_", "in_doesnotexist", "cs_test_123", "in_<b>"])
def test_the_confirmation_page_for_an_unknown_invoice_is_404(live, invoice_id):
    page = live.get(f"/api/bookings/invoice?invoice_id={invoice_id}")
    assert page.status == 404 and "<b>" not in page.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("billing"), "billing"),
        (lambda d: d["billing"].update(email="not-an-address"), "billing.email"),
        (lambda d: d["billing"].update(address="   "), "billing.address"),
        (lambda d: d["billing"].update(address="A" * 501), "billing.address"),
        (lambda d: d["billing"].update(address="\n".join(f"line {i}" for i in range(7))), "billing.address"),
        (lambda d: d["billing"].update(name="N" * 151), "billing.name"),
        (lambda d: d.update(purchase_order="P" * 141), "purchase_order"),
        (lambda d: d.update(purchase_order="PO\x07"), "purchase_order"),
    ],
)
def test_invalid_invoice_details_are_refused_before_stripe_is_called(live, change, field):
    data = booking(1, payment="invoice")
    change(data)
    response = live.post_json(data)
    assert response.status == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert live.standin.requests == []


def test_blank_billing_fields_of_the_no_javascript_form_are_ignored_for_a_card_booking(live):
    data = booking(1, payment="card", billing={"name": "", "email": "", "address": ""}, purchase_order="")
    response = live.post_form(data)
    assert response.status == 303 and "/checkout/cs_test_" in response.headers["location"]


def test_the_hosted_invoice_page_shows_the_invoice_and_a_pay_button(live):
    _, invoice = live.book_invoice(booking(2, payment="invoice", purchase_order="PO-77"))
    page = http("GET", invoice["hosted_invoice_url"])
    assert page.status == 200
    assert "Test invoice — no real payment is taken" in page.text and "PO-77" in page.text
    assert re.search(r"<button[^>]*>Pay £654\.90</button>", page.text)


def test_invoice_fields_left_half_filled_do_not_hold_up_a_card_booking(live):
    data = booking(1, payment="card", billing={"name": "Accounts", "email": "", "address": ""}, purchase_order="PO-1")
    response = live.post_json(data)
    assert response.status == 201 and "/checkout/cs_test_" in response.json()["checkout_url"]


def test_an_invoice_made_by_hand_in_the_dashboard_is_acknowledged_and_ignored(live, confirmed):
    api = live.standin.client()
    customer = api.v1.customers.create(params={"email": "someone@example.org"})
    draft = api.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 7}
    )
    api.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": 5000})
    api.v1.invoices.finalize_invoice(draft.id)
    live.standin.app.billing.pay(draft.id)
    (delivery,) = live.standin.deliveries
    assert delivery.status == 200 and '"handled": false' in delivery.body
    assert confirmed() == [] and live.smtp.received == []


def test_the_invoice_names_the_event_and_asks_for_the_reference_with_the_payment(live):
    body, invoice = live.book_invoice(booking(2, payment="invoice"))
    assert invoice["description"].startswith(
        f"Booking {body['booking_ref']}: 2 delegate places at Information Sharing & The Police: "
        "Caldicott Principles and Sharing Between Police and Health Services, "
    )
    assert body["booking_ref"] in invoice["footer"]
    assert [line["amount"] for line in invoice["lines"]["data"]] == [35400, 30090]


@pytest.mark.parametrize("stage", ["draft", "items added", "finalised"])
def test_an_invoice_left_by_an_interrupted_request_is_completed_not_duplicated(live, stage):
    from adapters.payments.invoices import customer_params, invoice_items, invoice_params, invoice_text
    from booking.request import BookingRequest
    from functions.bookings import price

    data = booking(3, "commercial", payment="invoice")
    priced = price(BookingRequest.model_validate(data), live.fees)
    api = live.standin.client()
    customer = api.v1.customers.create(params=customer_params(priced))
    draft = api.v1.invoices.create(params=invoice_params(priced, customer.id, invoice_text(priced, live.settings)))
    if stage in ("items added", "finalised"):
        for item in invoice_items(priced, draft.id, customer.id):
            api.v1.invoice_items.create(params=item)
    if stage == "finalised":
        api.v1.invoices.finalize_invoice(draft.id, params={"auto_advance": False})
    body, invoice = live.book_invoice(data)
    assert invoice["id"] == draft.id and invoice["status"] == "open"
    assert invoice["amount_due"] == body["total_pence"] == live.quote(data).total_pence
    assert len(live.standin.app.billing.all_invoices()) == 1 and live.standin.app.billing.sent[draft.id] == 1
