"""The stand-in's invoice payments and credit notes, driven with the real SDK: bank transfers into the customer's
cash balance reconciled with the open invoice, "paid outside Stripe", credit notes and their preview; and what
it refuses, as Stripe would."""

from __future__ import annotations

import json

import pytest
import stripe

from adapters.payments.invoices import BANK_TRANSFER
from devtools.stripe_standin.testing import running_standin


@pytest.fixture
def standin():
    with running_standin() as handle:
        yield handle


@pytest.fixture
def api(standin):
    return standin.client()


def _open(api, amounts=(35400, 30090), bank_transfer=True, **extra):
    customer = api.v1.customers.create(params={"email": "ap@council.gov.uk", "name": "Accounts Payable"})
    params = {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30, **extra}
    if bank_transfer:
        params["payment_settings"] = BANK_TRANSFER
    draft = api.v1.invoices.create(params=params)
    for amount in amounts:
        api.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": amount})
    return customer, api.v1.invoices.finalize_invoice(draft.id, params={"auto_advance": False})


def _events(standin, kind):
    return [json.loads(e.payload)["data"]["object"] for e in standin.events if e.type == kind]


# --- bank transfers and paid out of band -------------------------------------------------------------------------


def test_a_bank_transfer_quoting_the_invoice_number_pays_it_and_raises_invoice_paid(standin, api):
    customer, invoice = _open(api)
    assert invoice.payment_settings.payment_method_types == ["card", "customer_balance"]
    account = standin.app.billing.bank_details(customer.id)
    assert account["sort_code"] and len(account["account_number"]) == 8
    funded = api.v1.test_helpers.customers.fund_cash_balance(
        customer.id, params={"amount": 65490, "currency": "gbp", "reference": f"PO 4512 {invoice.number}"}
    )
    assert funded.type == "funded" and funded.net_amount == 65490 and standin.app.billing.cash[customer.id] == 0
    paid = api.v1.invoices.retrieve(invoice.id)
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 65490, 0)
    assert [i["id"] for i in _events(standin, "invoice.paid")] == [invoice.id]


def test_a_transfer_without_the_reference_is_matched_by_amount_and_a_short_one_waits_in_the_balance(standin, api):
    customer, invoice = _open(api)
    short = api.v1.test_helpers.customers.fund_cash_balance(customer.id, params={"amount": 100, "currency": "gbp"})
    assert short.ending_balance == 100 and api.v1.invoices.retrieve(invoice.id).status == "open"
    api.v1.test_helpers.customers.fund_cash_balance(customer.id, params={"amount": 65390, "currency": "gbp"})
    assert api.v1.invoices.retrieve(invoice.id).status == "paid"


def test_an_invoice_not_payable_by_bank_transfer_is_not_paid_by_one(standin, api):
    customer, invoice = _open(api, bank_transfer=False)
    api.v1.test_helpers.customers.fund_cash_balance(
        customer.id, params={"amount": 65490, "currency": "gbp", "reference": invoice.number}
    )
    assert api.v1.invoices.retrieve(invoice.id).status == "open" and _events(standin, "invoice.paid") == []


def test_marked_paid_outside_stripe_is_paid_out_of_band(standin, api):
    _, invoice = _open(api)
    paid = api.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})
    assert (paid.status, paid.paid_out_of_band, paid.amount_remaining) == ("paid", True, 0)
    assert [i["id"] for i in _events(standin, "invoice.paid")] == [invoice.id]


def test_a_returning_customers_name_and_address_can_be_brought_up_to_date(api):
    customer = api.v1.customers.create(params={"email": "ap@council.gov.uk", "name": "Old name"})
    updated = api.v1.customers.update(
        customer.id, params={"name": "Accounts Payable", "address": {"line1": "1 High St", "postal_code": "LS1 4AP"}}
    )
    assert (updated.name, updated.address.line1, updated.address.postal_code) == (
        "Accounts Payable",
        "1 High St",
        "LS1 4AP",
    )


# --- credit notes --------------------------------------------------------------------------------------------------


def test_a_credit_note_on_an_open_invoice_reduces_what_is_owed_and_raises_credit_note_created(standin, api):
    _, invoice = _open(api)
    preview = api.v1.credit_notes.preview(params={"invoice": invoice.id, "amount": 30090, "reason": "order_change"})
    assert preview.id.startswith("cnp_") and api.v1.credit_notes.list(params={"invoice": invoice.id}).data == []
    note = api.v1.credit_notes.create(params={"invoice": invoice.id, "amount": 30090, "reason": "order_change"})
    assert (note.number, note.total, note.pre_payment_amount, note.status) == (
        f"{invoice.number}-CN-01",
        30090,
        30090,
        "issued",
    )
    after = api.v1.invoices.retrieve(invoice.id)
    assert (after.status, after.amount_remaining, after.pre_payment_credit_notes_amount) == ("open", 35400, 30090)
    assert [n["id"] for n in _events(standin, "credit_note.created")] == [note.id]


def test_an_open_invoice_credited_in_full_is_paid_with_nothing_paid(standin, api):
    _, invoice = _open(api)
    api.v1.credit_notes.create(params={"invoice": invoice.id, "amount": 65490})
    after = api.v1.invoices.retrieve(invoice.id)
    assert (after.status, after.amount_paid, after.amount_remaining) == ("paid", 0, 0)
    assert [i["id"] for i in _events(standin, "invoice.paid")] == [invoice.id]


def test_a_card_paid_invoice_is_credited_back_to_the_card_and_a_bank_transfer_out_of_band(standin, api):
    _, by_card = _open(api)
    standin.app.billing.pay(by_card.id)
    note = api.v1.credit_notes.create(params={"invoice": by_card.id, "amount": 30000, "refund_amount": 30000})
    assert note.refund_amount == 30000 and note.refunds[0].amount_refunded == 30000
    customer, by_transfer = _open(api)
    api.v1.test_helpers.customers.fund_cash_balance(
        customer.id, params={"amount": 65490, "currency": "gbp", "reference": by_transfer.number}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.credit_notes.create(params={"invoice": by_transfer.id, "amount": 100, "refund_amount": 100})
    assert refused.value.param == "refund_amount"
    back = api.v1.credit_notes.create(params={"invoice": by_transfer.id, "amount": 100, "out_of_band_amount": 100})
    assert back.out_of_band_amount == 100 and back.post_payment_amount == 100


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"amount": 65491}, "amount"),  # more than the invoice
        ({"amount": 100, "reason": "changed_mind"}, "reason"),  # not one of Stripe's reasons
        ({}, "amount"),  # neither amount nor lines
        ({"amount": 100, "colour": "red"}, "colour"),  # unknown parameter
    ],
)
def test_credit_notes_refuse_what_stripe_refuses(api, params, param):
    _, invoice = _open(api)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.credit_notes.create(params={"invoice": invoice.id, **params})
    assert refused.value.param == param


def test_a_paid_invoices_credit_must_say_where_the_money_goes_and_a_void_invoice_cannot_be_credited(standin, api):
    _, paid = _open(api)
    standin.app.billing.pay(paid.id)
    with pytest.raises(stripe.InvalidRequestError):
        api.v1.credit_notes.create(params={"invoice": paid.id, "amount": 100})
    _, voided = _open(api)
    api.v1.invoices.void_invoice(voided.id)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.v1.credit_notes.create(params={"invoice": voided.id, "amount": 100, "out_of_band_amount": 100})
    assert refused.value.param == "invoice"


def test_credit_notes_by_invoice_line(standin, api):
    _, invoice = _open(api)
    line = invoice.lines.data[1]
    note = api.v1.credit_notes.create(
        params={
            "invoice": invoice.id,
            "lines": [{"type": "invoice_line_item", "invoice_line_item": line.id, "quantity": 1}],
        }
    )
    assert note.total == 30090 and note.lines.data[0].description == line.description


def test_the_test_invoice_page_shows_the_bank_details_and_its_transfer_button_pays(standin, api):
    import urllib.request

    customer, invoice = _open(api)
    with urllib.request.urlopen(invoice.hosted_invoice_url, timeout=10) as page:
        html = page.read().decode("utf-8")
    account = standin.app.billing.bank_details(customer.id)
    assert account["account_number"] in html and invoice.number in html and "Send a bank transfer of £654.90" in html
    request = urllib.request.Request(f"{invoice.hosted_invoice_url}/transfer", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert "This invoice was paid on" in answer.read().decode("utf-8")
    assert api.v1.invoices.retrieve(invoice.id).status == "paid"
