"""The stand-in's Invoicing and Search API, driven with the real SDK: what it computes and what it refuses, as Stripe would."""

from __future__ import annotations

import pytest
import stripe

from devtools.stripe_standin.testing import running_standin


@pytest.fixture
def standin():
    with running_standin() as handle:
        yield handle


@pytest.fixture
def api(standin):
    return standin.client()


def _draft(api, **extra):
    customer = api.v1.customers.create(params={"email": "ap@council.gov.uk", "name": "Accounts"})
    params = {
        "customer": customer.id,
        "collection_method": "send_invoice",
        "days_until_due": 30,
        "currency": "gbp",
        **extra,
    }
    return customer, api.v1.invoices.create(params=params)


def test_totals_are_the_sum_of_the_items_and_finalising_numbers_and_dates_the_invoice(standin, api):
    customer, draft = _draft(api, metadata={"event": "e1"})
    assert draft.status == "draft" and draft.amount_due == 0 and draft.hosted_invoice_url is None
    for amount in (35400, 60180):
        api.v1.invoice_items.create(
            params={"customer": customer.id, "invoice": draft.id, "amount": amount, "currency": "gbp"}
        )
    final = api.v1.invoices.finalize_invoice(draft.id, params={"auto_advance": False})
    assert final.status == "open" and final.amount_due == final.total == 95580
    assert final.number and final.hosted_invoice_url.endswith(f"/invoice/{draft.id}")
    assert final.due_date == final.status_transitions.finalized_at + 30 * 86400
    assert len(final.lines.data) == 2
    sent = api.v1.invoices.send_invoice(draft.id)
    assert sent.status == "open" and standin.app.billing.sent[draft.id] == 1


def test_paying_sends_a_signed_invoice_paid_event(standin, api):
    customer, draft = _draft(api)
    api.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": 35400})
    api.v1.invoices.finalize_invoice(draft.id)
    paid = standin.app.billing.pay(draft.id)
    assert paid["status"] == "paid" and paid["amount_paid"] == 35400 and paid["amount_remaining"] == 0
    (event,) = standin.events
    assert event.type == "invoice.paid" and draft.id in event.payload and event.signature.startswith("t=")


@pytest.mark.parametrize(
    ("call", "code", "param"),
    [
        (
            lambda api, c, d: api.v1.invoices.create(params={"customer": c.id, "collection_method": "send_invoice"}),
            "parameter_missing",
            "days_until_due",
        ),
        (lambda api, c, d: api.v1.invoices.create(params={"customer": c.id, "foo": "bar"}), "parameter_unknown", "foo"),
        (
            lambda api, c, d: api.v1.invoices.create(params={"customer": c.id, "collection_method": "by_pigeon"}),
            "parameter_invalid_enum",
            "collection_method",
        ),
        (
            lambda api, c, d: api.v1.invoices.create(
                params={"customer": c.id, "custom_fields": [{"name": "N" * 41, "value": "v"}]}
            ),
            "parameter_invalid_string_too_long",
            "custom_fields[0][name]",
        ),
        (
            lambda api, c, d: api.v1.invoices.create(
                params={"customer": c.id, "custom_fields": [{"name": "PO", "value": "v"}] * 5}
            ),
            "parameter_invalid_array",
            "custom_fields",
        ),
        (lambda api, c, d: api.v1.invoices.create(params={"customer": "cus_nope"}), "resource_missing", "customer"),
        (
            lambda api, c, d: api.v1.invoice_items.create(params={"customer": c.id, "invoice": d.id, "amount": 1.5}),
            "parameter_invalid_integer",
            "amount",
        ),
        (
            lambda api, c, d: api.v1.invoice_items.create(
                params={"customer": c.id, "invoice": d.id, "amount": 100, "currency": "eur"}
            ),
            "parameter_invalid_currency",
            "currency",
        ),
        (lambda api, c, d: api.v1.customers.create(params={"email": "not an email"}), "email_invalid", "email"),
        (
            lambda api, c, d: api.v1.invoices.search(params={"query": "metadata['event']:'a' OR status:'paid'"}),
            "parameter_invalid_string",
            "query",
        ),
        (lambda api, c, d: api.v1.invoices.search(params={"query": "amount>5"}), "parameter_invalid_string", "query"),
    ],
)
def test_refuses_what_stripe_refuses(api, call, code, param):
    customer, draft = _draft(api)
    with pytest.raises(stripe.InvalidRequestError) as error:
        call(api, customer, draft)
    assert (error.value.code, error.value.param) == (code, param)


def test_no_items_can_be_added_once_finalised_and_no_second_finalise(api):
    customer, draft = _draft(api)
    api.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": 35400})
    api.v1.invoices.finalize_invoice(draft.id)
    with pytest.raises(stripe.InvalidRequestError, match="draft invoices"):
        api.v1.invoice_items.create(params={"customer": customer.id, "invoice": draft.id, "amount": 100})
    with pytest.raises(stripe.InvalidRequestError, match="already finalized"):
        api.v1.invoices.finalize_invoice(draft.id)


def test_customers_list_by_email_and_search(api):
    first = api.v1.customers.create(params={"email": "a@nhs.net", "name": "A"})
    api.v1.customers.create(params={"email": "b@nhs.net", "name": "B"})
    assert [c.id for c in api.v1.customers.list(params={"email": "a@nhs.net"}).data] == [first.id]
    assert [c.id for c in api.v1.customers.search(params={"query": "email:'A@NHS.NET'"}).data] == [first.id]


def test_search_by_metadata_pages_through_every_match(api):
    customer = api.v1.customers.create(params={"email": "a@nhs.net"})
    made = {api.v1.invoices.create(params={"customer": customer.id, "metadata": {"event": "e1"}}).id for _ in range(5)}
    api.v1.invoices.create(params={"customer": customer.id, "metadata": {"event": "e2"}})
    seen, params = [], {"query": "metadata['event']:'e1'", "limit": 2}
    while True:
        page = api.v1.invoices.search(params=params)
        seen += [i.id for i in page.data]
        if not page.has_more:
            break
        params["page"] = page.next_page
    assert sorted(seen) == sorted(made)
    assert api.v1.invoices.search(params={"query": "metadata['event']:'e1' AND status:'paid'"}).data == []


def test_payment_intents_are_searchable_by_metadata(standin, api):
    session = api.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "http://127.0.0.1/ok",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {"currency": "gbp", "unit_amount": 35400, "product_data": {"name": "Place"}},
                }
            ],
            "payment_intent_data": {"metadata": {"event": "e1", "booking_ref": "CP-AAAAAA"}},
        }
    )
    standin.complete(session.id)
    found = api.v1.payment_intents.search(params={"query": "metadata['event']:'e1'"})
    assert [p.metadata["booking_ref"] for p in found.data] == ["CP-AAAAAA"]
    assert api.v1.payment_intents.search(params={"query": "metadata['event']:'e2'"}).data == []


def test_invoice_metadata_updates_merge(api):
    _, draft = _draft(api, metadata={"booking_ref": "CP-AAAAAA"})
    updated = api.v1.invoices.update(draft.id, params={"metadata": {"confirmation_sent": "2027-01-01T00:00:00+00:00"}})
    assert updated.metadata.to_dict() == {"booking_ref": "CP-AAAAAA", "confirmation_sent": "2027-01-01T00:00:00+00:00"}
