"""Every parameter the stand-in accepts exists in the SDK's own typed params, and every enum value it
accepts is one the SDK lists, so code tested against the stand-in sends nothing Stripe does not know."""

from __future__ import annotations

import importlib
import sys
import types
import typing
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin

import pytest
from typing_extensions import is_typeddict

from devtools.stripe_standin import billing_schema, coupons, credit_note_schema, event_schema, refund_schema, schema

# Checkout's specs (schema.py), Invoicing's (billing_schema.py) and refunds' (refund_schema.py), each beside
# its SDK TypedDict.
_SPECS = (
    {name: (schema, name) for name in schema.SDK_PARAMS}
    | {name: (billing_schema, name) for name in billing_schema.BILLING_SDK_PARAMS}
    | {name: (refund_schema, name) for name in refund_schema.REFUND_SDK_PARAMS}
    | {name: (credit_note_schema, name) for name in credit_note_schema.CREDIT_NOTE_SDK_PARAMS}
    | {name: (coupons, name) for name in coupons.COUPON_SDK_PARAMS}
    | {name: (event_schema, name) for name in event_schema.EVENT_SDK_PARAMS}
)
_SDK = {
    **schema.SDK_PARAMS,
    **billing_schema.BILLING_SDK_PARAMS,
    **refund_schema.REFUND_SDK_PARAMS,
    **credit_note_schema.CREDIT_NOTE_SDK_PARAMS,
    **coupons.COUPON_SDK_PARAMS,
    **event_schema.EVENT_SDK_PARAMS,
}

_WRAPPERS = {NotRequired, Required, typing.NotRequired, typing.Required}
_LITERALS = {Literal, typing.Literal}


def _sdk_class(name: str) -> type:
    module, cls = _SDK[name]
    return getattr(importlib.import_module(module), cls)


def _hints(typed_dict: type) -> dict[str, Any]:
    # The generated TypedDicts use string annotations; the create params inherit RequestOptions' keys,
    # whose module names StripeContext only under TYPE_CHECKING.
    namespace: dict[str, Any] = dict(vars(importlib.import_module("stripe._request_options")))
    namespace["StripeContext"] = importlib.import_module("stripe._stripe_context").StripeContext
    namespace.update(vars(sys.modules[typed_dict.__module__]))
    return typing.get_type_hints(typed_dict, globalns=namespace, include_extras=True)


def _alternatives(tp: Any) -> list[Any]:
    """Unwrap NotRequired/Required and split unions (typing.Union and X | Y) into their members."""
    while get_origin(tp) in _WRAPPERS:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        return [alt for arg in get_args(tp) for alt in _alternatives(arg)]
    return [tp]


def sdk_leaves(tp: Any, path: tuple[str, ...]) -> list[Any]:
    """The SDK types found at `path` ("[]" steps into a List, "{}" into a Dict's values); [] if the path is not there."""
    found: list[Any] = []
    for alt in _alternatives(tp):
        if not path:
            found.append(alt)
        elif is_typeddict(alt):
            hints = _hints(alt)
            if path[0] in hints:
                found += sdk_leaves(hints[path[0]], path[1:])
        elif get_origin(alt) in (list, list) and path[0] == "[]":
            found += sdk_leaves(get_args(alt)[0], path[1:])
        elif get_origin(alt) in (dict, dict) and path[0] == "{}":
            found += sdk_leaves(get_args(alt)[1], path[1:])
    return found


def _kind_matches(kind: str, leaves: list[Any]) -> bool:
    python_type = {"str": str, "int": int, "bool": bool}[kind]
    for leaf in leaves:
        if leaf is python_type:
            return True
        if get_origin(leaf) in _LITERALS and all(type(v) is python_type for v in get_args(leaf)):
            return True
    return False


def _literal_values(leaves: list[Any]) -> set[Any] | None:
    literals = [set(get_args(leaf)) for leaf in leaves if get_origin(leaf) in _LITERALS]
    return set().union(*literals) if literals else None


CASES = [
    (spec_name, leaf)
    for spec_name, (module, attribute) in _SPECS.items()
    for leaf in schema.accepted_paths(getattr(module, attribute))
]


@pytest.mark.parametrize(("spec_name", "leaf"), CASES, ids=[f"{n}:{'.'.join(leaf.path)}" for n, leaf in CASES])
def test_accepted_parameter_exists_in_the_sdk_typed_params_with_the_same_type(spec_name, leaf):
    leaves = sdk_leaves(_sdk_class(spec_name), leaf.path)
    assert leaves, f"{'.'.join(leaf.path)} is not in {_SDK[spec_name][1]}"
    assert _kind_matches(leaf.kind, leaves), (
        f"{'.'.join(leaf.path)}: the SDK types it as {leaves}, the stand-in as {leaf.kind}"
    )
    sdk_values = _literal_values(leaves)
    if leaf.values and sdk_values is not None:
        assert set(leaf.values) <= sdk_values, f"not in the SDK's Literal: {sorted(set(leaf.values) - sdk_values)}"


def test_the_whitelist_covers_what_the_booking_function_needs():
    paths = {".".join(p.path) for p in schema.accepted_paths(schema.SESSION_CREATE)}
    assert {
        "mode",
        "currency",
        "line_items.[].quantity",
        "line_items.[].tax_rates.[]",
        "line_items.[].price_data.currency",
        "line_items.[].price_data.unit_amount",
        "line_items.[].price_data.tax_behavior",
        "line_items.[].price_data.product_data.name",
        "line_items.[].price_data.product_data.description",
        "line_items.[].price_data.product_data.metadata.{}",
        "customer_email",
        "client_reference_id",
        "metadata.{}",
        "payment_intent_data.metadata.{}",
        "payment_intent_data.description",
        "payment_intent_data.receipt_email",
        "success_url",
        "cancel_url",
        "allowed_payment_method_types.[]",
        "expires_at",
        "locale",
        "submit_type",
        "custom_text.submit.message",
        "invoice_creation.enabled",
        "invoice_creation.invoice_data.description",
        "invoice_creation.invoice_data.footer",
        "invoice_creation.invoice_data.metadata.{}",
        "invoice_creation.invoice_data.custom_fields.[].name",
        "invoice_creation.invoice_data.custom_fields.[].value",
        "expand.[]",
    } <= paths
    assert {".".join(p.path) for p in schema.accepted_paths(schema.PAYMENT_INTENT_UPDATE)} >= {"metadata.{}"}


@pytest.mark.parametrize(
    "path",
    [
        ("line_items", "[]", "foo"),
        ("payment_method_types", "[]"),
        ("metadata", "[]"),
        ("line_items", "price_data"),
        ("mode", "[]"),
        ("payment_intent_data", "metadata", "{}", "x"),
    ],
)
def test_the_walker_rejects_paths_the_sdk_does_not_have(path):
    assert sdk_leaves(_sdk_class("SESSION_CREATE"), path) == []


def test_the_walker_sees_the_sdk_literal_values():
    leaves = sdk_leaves(_sdk_class("SESSION_CREATE"), ("mode",))
    assert _literal_values(leaves) == {"payment", "setup", "subscription"}
    assert str in leaves  # the SDK's `Literal[...] | str`, which is why values are compared, not only types


def test_the_invoicing_whitelist_covers_what_the_booking_function_sends():
    paths = {".".join(p.path) for p in schema.accepted_paths(billing_schema.INVOICE_CREATE)}
    assert {
        "customer",
        "collection_method",
        "days_until_due",
        "currency",
        "auto_advance",
        "pending_invoice_items_behavior",
        "custom_fields.[].name",
        "custom_fields.[].value",
        "description",
        "metadata.{}",
    } <= paths
    items = {".".join(p.path) for p in schema.accepted_paths(billing_schema.INVOICE_ITEM_CREATE)}
    assert {"customer", "invoice", "currency", "amount", "description", "metadata.{}", "tax_rates.[]"} <= items
    customers = {".".join(p.path) for p in schema.accepted_paths(billing_schema.CUSTOMER_CREATE)}
    assert {
        "email",
        "name",
        "business_name",
        "address.line1",
        "address.line2",
        "address.postal_code",
        "address.country",
        "preferred_locales.[]",
        "metadata.{}",
    } <= customers


def test_the_refund_whitelist_covers_what_the_dashboard_does():
    refunds = {".".join(p.path) for p in schema.accepted_paths(refund_schema.REFUND_CREATE)}
    assert {"payment_intent", "amount", "reason", "metadata.{}"} <= refunds
    assert "INVOICE_VOID" in billing_schema.BILLING_SDK_PARAMS


def test_the_event_whitelist_covers_what_a_replaying_test_asks():
    events = {".".join(p.path) for p in schema.accepted_paths(event_schema.EVENT_LIST)}
    assert {"type", "types.[]", "limit", "starting_after", "ending_before"} <= events
    updates = {".".join(p.path) for p in schema.accepted_paths(event_schema.WEBHOOK_ENDPOINT_UPDATE)}
    assert updates == {"disabled"}
