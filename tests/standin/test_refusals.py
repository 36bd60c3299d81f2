"""What Stripe refuses, the stand-in refuses: the SDK raises InvalidRequestError naming the parameter and code."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import stripe

from tests.standin.conftest import valid_session


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def mutate(params: dict) -> None:
        *parents, last = path.split(".")
        node: Any = params
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _drop(path: str) -> Callable[[dict], None]:
    def mutate(params: dict) -> None:
        *parents, last = path.split(".")
        node: Any = params
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _many_line_items(params: dict) -> None:
    params["line_items"] = [params["line_items"][1]] * 101


def _second_currency(params: dict) -> None:
    params.pop("currency")
    params["line_items"][1]["price_data"]["currency"] = "eur"


REFUSALS = [
    # unknown parameters (anything off the whitelist, including real Stripe parameters the project does not use)
    ("unknown top-level", _set("foo", "x"), "foo", "parameter_unknown"),
    ("unknown in a line item", _set("line_items.0.foo", "x"), "line_items[0][foo]", "parameter_unknown"),
    (
        "unknown in price_data",
        _set("line_items.0.price_data.unit_amount_decimal", "12.5"),
        "line_items[0][price_data][unit_amount_decimal]",
        "parameter_unknown",
    ),
    (
        "payment_method_types is gone from the SDK's params",
        _set("payment_method_types", ["card"]),
        "payment_method_types",
        "parameter_unknown",
    ),
    # missing required parameters
    ("no mode", _drop("mode"), "mode", "parameter_missing"),
    ("no success_url", _drop("success_url"), "success_url", "parameter_missing"),
    ("no line_items", _drop("line_items"), "line_items", "parameter_missing"),
    ("no quantity", _drop("line_items.1.quantity"), "line_items[1][quantity]", "parameter_missing"),
    ("no price_data", _drop("line_items.0.price_data"), "line_items[0][price_data]", "parameter_missing"),
    (
        "no currency",
        _drop("line_items.0.price_data.currency"),
        "line_items[0][price_data][currency]",
        "parameter_missing",
    ),
    (
        "no unit_amount",
        _drop("line_items.0.price_data.unit_amount"),
        "line_items[0][price_data][unit_amount]",
        "parameter_missing",
    ),
    (
        "no product name",
        _drop("line_items.0.price_data.product_data.name"),
        "line_items[0][price_data][product_data][name]",
        "parameter_missing",
    ),
    ("empty customer_email", _set("customer_email", ""), "customer_email", "parameter_invalid_empty"),
    # enum values
    ("mode not in the SDK's list", _set("mode", "pay"), "mode", "parameter_invalid_enum"),
    (
        "mode Stripe knows but the stand-in does not simulate",
        _set("mode", "subscription"),
        "mode",
        "parameter_unsupported_by_standin",
    ),
    ("ui_mode", _set("ui_mode", "hosted"), "ui_mode", "parameter_invalid_enum"),
    (
        "payment method type",
        _set("allowed_payment_method_types", ["card", "cheque"]),
        "allowed_payment_method_types[1]",
        "parameter_invalid_enum",
    ),
    ("locale", _set("locale", "en-XX"), "locale", "parameter_invalid_enum"),
    ("submit_type", _set("submit_type", "buy"), "submit_type", "parameter_invalid_enum"),
    (
        "tax_behavior",
        _set("line_items.0.price_data.tax_behavior", "both"),
        "line_items[0][price_data][tax_behavior]",
        "parameter_invalid_enum",
    ),
    ("expand", _set("expand", ["customer"]), "expand[0]", "parameter_invalid_enum"),
    (
        "upper-case currency",
        _set("line_items.0.price_data.currency", "GBP"),
        "line_items[0][price_data][currency]",
        "parameter_invalid_currency",
    ),
    (
        "unknown currency",
        _set("line_items.0.price_data.currency", "xyz"),
        "line_items[0][price_data][currency]",
        "parameter_invalid_currency",
    ),
    ("mixed currencies", _second_currency, "line_items[1][price_data][currency]", "parameter_invalid_currency"),
    (
        "session currency differs",
        _set("currency", "eur"),
        "line_items[0][price_data][currency]",
        "parameter_invalid_currency",
    ),
    (
        "invoice_creation.enabled not a boolean",
        _set("invoice_creation", {"enabled": "maybe"}),
        "invoice_creation[enabled]",
        "parameter_invalid_boolean",
    ),
    # integers
    (
        "fractional unit_amount",
        _set("line_items.0.price_data.unit_amount", 265.5),
        "line_items[0][price_data][unit_amount]",
        "parameter_invalid_integer",
    ),
    (
        "decimal-string unit_amount",
        _set("line_items.0.price_data.unit_amount", "265.50"),
        "line_items[0][price_data][unit_amount]",
        "parameter_invalid_integer",
    ),
    (
        "negative unit_amount",
        _set("line_items.0.price_data.unit_amount", -1),
        "line_items[0][price_data][unit_amount]",
        "parameter_invalid_integer",
    ),
    ("zero quantity", _set("line_items.0.quantity", 0), "line_items[0][quantity]", "parameter_invalid_integer"),
    ("negative quantity", _set("line_items.0.quantity", -2), "line_items[0][quantity]", "parameter_invalid_integer"),
    ("fractional quantity", _set("line_items.0.quantity", 1.5), "line_items[0][quantity]", "parameter_invalid_integer"),
    ("total over Stripe's maximum", _set("line_items.0.quantity", 10_000), "line_items", "amount_too_large"),
    (
        "total under Stripe's minimum for GBP",
        lambda p: p.update(
            line_items=[
                {"quantity": 1, "price_data": {"currency": "gbp", "unit_amount": 29, "product_data": {"name": "x"}}}
            ]
        ),
        "line_items",
        "amount_too_small",
    ),
    # metadata limits
    (
        "51 metadata keys",
        _set("metadata", {f"key{n}": "v" for n in range(51)}),
        "metadata",
        "parameter_invalid_metadata",
    ),
    (
        "41-character metadata key",
        _set("metadata", {"k" * 41: "v"}),
        f"metadata[{'k' * 41}]",
        "parameter_invalid_metadata",
    ),
    (
        "501-character metadata value",
        _set("metadata", {"delegate_01": "v" * 501}),
        "metadata[delegate_01]",
        "parameter_invalid_metadata",
    ),
    ("square brackets in a metadata key", _set("metadata", {"a[b]": "v"}), "metadata", "parameter_invalid_metadata"),
    (
        "payment intent metadata value",
        _set("payment_intent_data.metadata", {"x": "v" * 501}),
        "payment_intent_data[metadata][x]",
        "parameter_invalid_metadata",
    ),
    # lengths and counts
    (
        "client_reference_id over 200",
        _set("client_reference_id", "B" * 201),
        "client_reference_id",
        "parameter_invalid_string_too_long",
    ),
    (
        "custom submit text over 1200",
        _set("custom_text", {"submit": {"message": "m" * 1201}}),
        "custom_text[submit][message]",
        "parameter_invalid_string_too_long",
    ),
    (
        "product name over 5000",
        _set("line_items.0.price_data.product_data.name", "n" * 5001),
        "line_items[0][price_data][product_data][name]",
        "parameter_invalid_string_too_long",
    ),
    ("101 line items", _many_line_items, "line_items", "parameter_invalid_array"),
    # formats and references
    ("customer_email", _set("customer_email", "finance.example.org"), "customer_email", "email_invalid"),
    ("javascript: success_url", _set("success_url", "javascript:alert(1)"), "success_url", "url_invalid"),
    ("relative cancel_url", _set("cancel_url", "/events/"), "cancel_url", "url_invalid"),
    (
        "unknown tax rate",
        _set("line_items.0.tax_rates", ["txr_missing"]),
        "line_items[0][tax_rates][0]",
        "resource_missing",
    ),
    (
        "expires in 10 minutes",
        lambda p: p.update(expires_at=int(time.time()) + 600),
        "expires_at",
        "parameter_invalid_integer",
    ),
    (
        "expires in 2 days",
        lambda p: p.update(expires_at=int(time.time()) + 2 * 86400),
        "expires_at",
        "parameter_invalid_integer",
    ),
]


@pytest.mark.parametrize(("mutate", "param", "code"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_stripe_would_refuse_this_and_so_does_the_standin(standin, client, mutate, param, code):
    params = valid_session()
    mutate(params)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)
    error = caught.value
    assert (error.http_status, error.param, error.code) == (400, param, code), error.user_message
    assert error.json_body["error"]["type"] == "invalid_request_error"
    assert error.user_message
    assert standin.sessions() == []


def test_unknown_parameter_message_names_it_as_stripe_does(client):
    params = valid_session()
    params["line_items"][0]["foo"] = "bar"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)
    assert caught.value.user_message == "Received unknown parameter: line_items[0][foo]"


def test_everything_the_project_may_send_is_accepted(standin, client):
    rate = standin.app.add_tax_rate("20", inclusive=True)
    params = valid_session()
    params.update(
        ui_mode="hosted_page",
        allowed_payment_method_types=["card", "bacs_debit"],
        expires_at=int(time.time()) + 3600,
        locale="en-GB",
        submit_type="book",
        custom_text={"submit": {"message": "You will get a receipt and joining instructions by e-mail."}},
        invoice_creation={"enabled": True},
        expand=["line_items"],
    )
    params["payment_intent_data"]["receipt_email"] = "finance@example.org"
    params["line_items"][0]["tax_rates"] = [rate]
    params["line_items"][0]["price_data"]["tax_behavior"] = "inclusive"
    params["line_items"][0]["price_data"]["product_data"]["metadata"] = {"tariff": "nhs"}
    params["metadata"] = {f"delegate_{n:02d}": "d" * 500 for n in range(1, 51)}
    session = client.v1.checkout.sessions.create(params=params)
    assert session.amount_total == 31860
    assert session.locale == "en-GB" and session.submit_type == "book"
    assert len(session.line_items.data) == 2
