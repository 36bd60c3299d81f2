"""Refunds, voided invoices and Checkout's paid invoices in the stand-in, driven with the real SDK over HTTP."""

from __future__ import annotations

import json

import pytest
import requests
import stripe

from tests.standin.conftest import WEBHOOK_SECRET, valid_session
from tests.standin.pages import parse


def _events(receiver, kind):
    found = []
    for post in receiver.posts:
        event = stripe.Webhook.construct_event(post["body"], post["headers"]["Stripe-Signature"], WEBHOOK_SECRET)
        if event.type == kind:
            found.append(event)
    return found


@pytest.fixture
def paid(standin, client):
    session = client.v1.checkout.sessions.create(params=valid_session())
    return standin.complete(session.id)


def test_a_full_refund_gives_back_everything_and_sends_a_signed_charge_refunded(paid, client, receiver):
    refund = client.v1.refunds.create(params={"payment_intent": paid["payment_intent"]})
    assert (refund.object, refund.status, refund.amount) == ("refund", "succeeded", 31860)
    assert refund.payment_intent == paid["payment_intent"] and refund.charge.startswith("ch_")
    [event] = _events(receiver, "charge.refunded")
    charge = event.data.object
    assert (charge.object, charge.id, charge.payment_intent) == ("charge", refund.charge, paid["payment_intent"])
    assert (charge.amount, charge.amount_refunded, charge.refunded) == (31860, 31860, True)
    assert event.data.previous_attributes.to_dict() == {"amount_refunded": 0, "refunded": False}
    assert charge.metadata["booking_ref"] == "BK-7Q2M4X"  # the PaymentIntent's metadata, copied as Stripe does


def test_partial_refunds_add_up_and_the_charge_is_refunded_only_when_nothing_is_left(paid, client, receiver):
    intent = paid["payment_intent"]
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 5000, "reason": "requested_by_customer"})
    after_first = client.v1.payment_intents.retrieve(intent, params={"expand": ["latest_charge"]}).latest_charge
    assert (after_first.amount_refunded, after_first.refunded) == (5000, False)
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 26860})
    first, second = _events(receiver, "charge.refunded")
    assert (first.data.object.amount_refunded, first.data.object.refunded) == (5000, False)
    assert (second.data.object.amount_refunded, second.data.object.refunded) == (31860, True)


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"amount": 31861}, "amount_too_large", "amount"),
        ({"amount": 0}, "parameter_invalid_integer", "amount"),
        ({"payment_intent": "pi_nobody"}, "resource_missing", "payment_intent"),
        ({"payment_intent": None}, "parameter_missing", "payment_intent"),
        ({"charge": "ch_nobody"}, "parameters_exclusive", "payment_intent"),
        ({"reason": "changed_my_mind"}, "parameter_invalid_enum", "reason"),
        ({"refund_everything": "true"}, "parameter_unknown", "refund_everything"),
    ],
    ids=["more-than-paid", "zero", "unknown-intent", "no-intent", "intent-and-charge", "bad-reason", "unknown-param"],
)
def test_refusals_are_stripe_shaped_400s(paid, client, receiver, params, code, param):
    request = {"payment_intent": paid["payment_intent"], **params}
    request = {k: v for k, v in request.items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params=request)
    assert (refused.value.http_status, refused.value.code, refused.value.param) == (400, code, param)
    assert _events(receiver, "charge.refunded") == []


def test_more_than_what_is_left_and_a_second_full_refund_are_refused(paid, client):
    intent = paid["payment_intent"]
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 30000})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 1861})
    assert too_much.value.code == "amount_too_large" and "£18.60" in str(too_much.value.user_message)
    client.v1.refunds.create(params={"payment_intent": intent})
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": intent})
    assert again.value.code == "charge_already_refunded"


def test_a_payment_that_has_not_succeeded_cannot_be_refunded(standin, paid, client):
    standin.app.intents[paid["payment_intent"]]["status"] = "processing"  # a Bacs debit still on its way
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": paid["payment_intent"]})
    assert refused.value.code == "charge_not_refundable"


def _open_invoice(client, amount=35400):
    customer = client.v1.customers.create(params={"email": "ap@council.gov.uk", "name": "Accounts"})
    draft = client.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30, "currency": "gbp"}
    )
    client.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": amount})
    return client.v1.invoices.finalize_invoice(draft.id)


def test_voiding_an_open_invoice_sends_a_signed_invoice_voided_and_only_open_ones_can_be(standin, client, receiver):
    invoice = _open_invoice(client)
    voided = client.v1.invoices.void_invoice(invoice.id)
    assert (voided.status, voided.amount_remaining, voided.total) == ("void", 0, 35400)
    assert voided.status_transitions.voided_at
    [event] = _events(receiver, "invoice.voided")
    assert (event.data.object.id, event.data.object.status) == (invoice.id, "void")
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.invoices.void_invoice(invoice.id)
    assert again.value.code == "invoice_not_editable"
    paid = _open_invoice(client)
    standin.pay_invoice(paid.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.void_invoice(paid.id)
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.invoices.void_invoice("in_nobody")
    assert unknown.value.http_status == 404


def test_a_session_with_invoice_creation_leaves_a_paid_invoice_whose_total_is_what_was_charged(
    standin, client, receiver
):
    rate = standin.app.add_tax_rate("20", inclusive=True)
    params = valid_session()
    for item in params["line_items"]:
        item["tax_rates"] = [rate]
    params["invoice_creation"] = {
        "enabled": True,
        "invoice_data": {
            "description": "Booking BK-7Q2M4X: Ada Lovelace, Alan Turing",
            "custom_fields": [{"name": "Booking reference", "value": "BK-7Q2M4X"}],
            "footer": "VAT registration number GB 123 4567 89",
            "metadata": {"booking_ref": "BK-7Q2M4X"},
        },
    }
    session = client.v1.checkout.sessions.create(params=params)
    assert session.invoice_creation.enabled is True and session.invoice is None
    standin.complete(session.id)
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["invoice"]})
    invoice = done.invoice
    assert (invoice.status, invoice.total, invoice.amount_paid) == ("paid", done.amount_total, done.amount_total)
    assert sum(t.amount for t in invoice.total_taxes) == done.total_details.amount_tax == 5310
    assert invoice.hosted_invoice_url and invoice.invoice_pdf and invoice.number
    assert invoice.description == "Booking BK-7Q2M4X: Ada Lovelace, Alan Turing"
    assert [(f.name, f.value) for f in invoice.custom_fields] == [("Booking reference", "BK-7Q2M4X")]
    assert invoice.footer.startswith("VAT registration") and invoice.metadata.to_dict() == {"booking_ref": "BK-7Q2M4X"}
    pdf = requests.get(invoice.invoice_pdf, allow_redirects=False, timeout=5)
    assert pdf.status_code == 303 and pdf.headers["Location"].endswith(f"/invoice/{invoice.id}")
    assert invoice.customer == done.customer and invoice.customer_email == "finance@example.org"
    kinds = [json.loads(p["body"])["type"] for p in receiver.posts]
    assert kinds == ["checkout.session.completed", "invoice.paid"]


def test_invoice_data_is_held_to_stripe_limits(client):
    params = valid_session()
    params["invoice_creation"] = {
        "enabled": True,
        "invoice_data": {"custom_fields": [{"name": f"F{i}", "value": "v"} for i in range(5)]},
    }
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params=params)
    assert refused.value.param.startswith("invoice_creation[invoice_data][custom_fields]")


def test_the_paid_checkout_page_refunds_in_part_then_in_full(standin, paid, receiver):
    url = standin.checkout_url(paid["id"])
    page = parse(requests.get(url, timeout=5).text)
    assert any(b.startswith("Refund in full (£318.60)") for b in [page.button])
    amount = {"id": "amount", "name": "amount", "inputmode": "decimal", "autocomplete": "off", "required": None}
    assert ("input", amount) in page.tags
    refused = requests.post(f"{url}/refund", data={"amount": "400.00"}, allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and "greater than unrefunded amount" in refused.text
    assert 'aria-invalid="true"' in refused.text
    part = requests.post(f"{url}/refund", data={"amount": "50.00"}, allow_redirects=False, timeout=10)
    assert part.status_code == 303 and part.headers["Location"] == f"/checkout/{paid['id']}"
    text = " ".join(" ".join(parse(requests.get(url, timeout=5).text).text).split())
    assert "Refunded so far: £50.00 of £318.60" in text
    requests.post(f"{url}/refund", allow_redirects=False, timeout=10)
    text = " ".join(parse(requests.get(url, timeout=5).text).text)
    assert "refunded in full" in text
    amounts = [e.data.object.amount_refunded for e in _events(receiver, "charge.refunded")]
    assert amounts == [5000, 31860]


def test_the_invoice_page_voids_an_open_invoice(standin, client, receiver):
    invoice = _open_invoice(client)
    page = requests.get(invoice.hosted_invoice_url, timeout=5).text
    assert "Void invoice" in page
    response = requests.post(f"{invoice.hosted_invoice_url}/void", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    after = requests.get(invoice.hosted_invoice_url, timeout=5).text
    assert "This invoice was voided on" in after and "Void invoice" not in after
    assert [e.data.object.status for e in _events(receiver, "invoice.voided")] == ["void"]


def test_the_stand_ins_front_page_lists_checkouts_and_invoices_to_go_back_to(standin, paid, client):
    standin.app.refunds.refund(paid["payment_intent"], 1000)
    invoice = _open_invoice(client)
    page = parse(requests.get(f"{standin.url}/", timeout=5).text)
    text = " ".join(" ".join(page.text).split())
    assert page.links[f"/checkout/{paid['id']}"] == "BK-7Q2M4X"
    assert "£318.60 paid, £10.00 refunded" in text
    assert page.links[f"/invoice/{invoice.id}"] == invoice.number and "£354.00 open" in text
