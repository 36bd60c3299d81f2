"""The stand-in deletes a customer as Stripe does (DELETE /v1/customers/{id}): its details go, its id stays
retrievable as deleted, it leaves the lists, a second delete and any new invoice for it are refused; a finalised
invoice keeps its own copy of the customer's details."""

from __future__ import annotations

import pytest
import stripe


def _invoiced(client):
    customer = client.v1.customers.create(params={"email": "ann@nhs.net", "name": "Ann Ode"})
    invoice = client.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoice_items.create(
        params={"customer": customer.id, "invoice": invoice.id, "amount": 29500, "currency": "gbp"}
    )
    client.v1.invoices.finalize_invoice(invoice.id)
    return customer, invoice


def test_a_deleted_customer_keeps_only_its_id_and_its_invoices_keep_their_copy(client, standin):
    customer, invoice = _invoiced(client)
    deleted = client.v1.customers.delete(customer.id)
    assert (deleted.id, deleted.deleted) == (customer.id, True)
    again = client.v1.customers.retrieve(customer.id)
    assert again.to_dict() == {"id": customer.id, "object": "customer", "deleted": True}
    assert client.v1.customers.list(params={"email": "ann@nhs.net"}).data == []
    assert "ann@nhs.net" not in str(standin.app.billing.all_customers())
    kept = client.v1.invoices.retrieve(invoice.id)
    assert (kept.customer_email, kept.customer_name, kept.total) == ("ann@nhs.net", "Ann Ode", 29500)


def test_a_second_delete_and_a_new_invoice_for_a_deleted_customer_are_refused(client):
    customer, _ = _invoiced(client)
    client.v1.customers.delete(customer.id)
    with pytest.raises(stripe.InvalidRequestError) as second:
        client.v1.customers.delete(customer.id)
    assert second.value.http_status == 404 and second.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as invoice:
        client.v1.invoices.create(params={"customer": customer.id})
    assert invoice.value.code == "resource_missing"


def test_a_delete_takes_no_parameters(client):
    customer = client.v1.customers.create(params={"email": "bo@nhs.net"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.delete(customer.id, params={"reason": "asked"})  # type: ignore[typeddict-unknown-key]
    assert refused.value.code == "parameter_unknown"
