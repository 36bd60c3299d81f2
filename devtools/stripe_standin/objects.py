"""Build the JSON objects Stripe returns (checkout.session, payment_intent, item, event, list).

Amounts are Stripe's own arithmetic (unit_amount × quantity, plus exclusive tax), simulated here so
the project's pricing can be checked against what Stripe would charge; the project computes nothing here.
"""

from __future__ import annotations

import secrets
import string
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_ALPHABET = string.ascii_letters + string.digits
API_VERSION = "2026-10-28.endive"


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def tax_amount(line_amount: int, percentage: Decimal, inclusive: bool) -> int:
    """Tax on one line as Stripe shows it: the part of an inclusive amount, or added to an exclusive one."""
    if inclusive:
        net = Decimal(line_amount) * 100 / (100 + percentage)
        return line_amount - int(net.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return int((Decimal(line_amount) * percentage / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_item(params: dict[str, Any], tax_rates: dict[str, dict[str, Any]], created: int) -> dict[str, Any]:
    """One `item` object from a validated `line_items[i]` with inline price_data."""
    price_data = params["price_data"]
    product = price_data["product_data"]
    quantity = params["quantity"]
    subtotal = price_data["unit_amount"] * quantity
    taxes = []
    for rate_id in params.get("tax_rates", []):
        rate = tax_rates[rate_id]
        amount = tax_amount(subtotal, Decimal(str(rate["percentage"])), rate["inclusive"])
        taxes.append({"amount": amount, "rate": dict(rate), "taxability_reason": None, "taxable_amount": subtotal})
    exclusive_tax = sum(t["amount"] for t in taxes if not t["rate"]["inclusive"])
    return {
        "id": new_id("li_"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": subtotal,
        "amount_tax": sum(t["amount"] for t in taxes),
        "amount_total": subtotal + exclusive_tax,
        "currency": price_data["currency"],
        "description": product["name"],
        "price": {
            "id": new_id("price_"),
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": created,
            "currency": price_data["currency"],
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": new_id("prod_", 14),
            "recurring": None,
            "tax_behavior": price_data.get("tax_behavior", "unspecified"),
            "type": "one_time",
            "unit_amount": price_data["unit_amount"],
            "unit_amount_decimal": str(price_data["unit_amount"]),
        },
        "quantity": quantity,
        "taxes": taxes,
        # Kept for the hosted page; stripped from API responses.
        "_product": {
            "name": product["name"],
            "description": product.get("description"),
            "metadata": product.get("metadata", {}),
        },
    }


def discount_items(items: list[dict[str, Any]], amount_off: int) -> None:
    """Spread an amount-off discount over the line items in proportion to their subtotals (the remainder on
    the first lines, a penny each), capped at the subtotal, and recompute each line's tax on what is left."""
    subtotal = sum(i["amount_subtotal"] for i in items)
    off = min(amount_off, subtotal)
    shares = [off * i["amount_subtotal"] // subtotal if subtotal else 0 for i in items]
    for index in range(off - sum(shares)):
        shares[index % len(items)] += 1
    for item, share in zip(items, shares, strict=True):
        taxable = item["amount_subtotal"] - share
        for tax in item["taxes"]:
            tax["amount"] = tax_amount(taxable, Decimal(str(tax["rate"]["percentage"])), tax["rate"]["inclusive"])
            tax["taxable_amount"] = taxable
        exclusive = sum(t["amount"] for t in item["taxes"] if not t["rate"]["inclusive"])
        item.update(
            amount_discount=share,
            amount_tax=sum(t["amount"] for t in item["taxes"]),
            amount_total=taxable + exclusive,
        )


def public_line_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def checkout_session(
    session_id: str, params: dict[str, Any], items: list[dict[str, Any]], url: str, created: int, expires_at: int
) -> dict[str, Any]:
    """A new, open checkout.session; `payment_intent` stays null until the session is paid, as at Stripe."""
    subtotal = sum(i["amount_subtotal"] for i in items)
    total = sum(i["amount_total"] for i in items)
    discounts = [{"coupon": d["coupon"], "promotion_code": None} for d in params.get("discounts", [])]
    return {
        "id": session_id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": subtotal,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": created,
        "currency": items[0]["currency"],
        "custom_text": {
            "after_submit": params.get("custom_text", {}).get("after_submit"),
            "shipping_address": params.get("custom_text", {}).get("shipping_address"),
            "submit": params.get("custom_text", {}).get("submit"),
            "terms_of_service_acceptance": params.get("custom_text", {}).get("terms_of_service_acceptance"),
        },
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "discounts": discounts,
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": _invoice_creation(params.get("invoice_creation", {})),
        "livemode": False,
        "locale": params.get("locale"),
        "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
        "mode": params["mode"],
        "payment_intent": None,
        "payment_method_types": params.get("allowed_payment_method_types", ["card"]),
        "payment_status": "unpaid",
        "status": "open",
        "submit_type": params.get("submit_type"),
        "success_url": params.get("success_url"),
        "total_details": {
            "amount_discount": sum(i["amount_discount"] for i in items),
            "amount_shipping": 0,
            "amount_tax": sum(i["amount_tax"] for i in items),
        },
        "ui_mode": params.get("ui_mode", "hosted_page"),
        "url": url,
    }


def _invoice_creation(params: dict[str, Any]) -> dict[str, Any]:
    data = params.get("invoice_data", {})
    return {
        "enabled": params.get("enabled", False),
        "invoice_data": {
            "account_tax_ids": None,
            "custom_fields": data.get("custom_fields") or None,
            "description": data.get("description"),
            "footer": data.get("footer"),
            "issuer": None,
            "metadata": {k: v for k, v in data.get("metadata", {}).items() if v != ""},
            "rendering_options": None,
        },
    }


def payment_intent(session: dict[str, Any], intent_data: dict[str, Any], created: int) -> dict[str, Any]:
    """The succeeded PaymentIntent a paid session leaves behind, carrying payment_intent_data."""
    return {
        "id": new_id("pi_"),
        "object": "payment_intent",
        "amount": session["amount_total"],
        "amount_capturable": 0,
        "amount_received": session["amount_total"],
        "capture_method": "automatic_async",
        "created": created,
        "currency": session["currency"],
        "customer": None,
        "description": intent_data.get("description"),
        "latest_charge": new_id("ch_"),
        "livemode": False,
        "metadata": {k: v for k, v in intent_data.get("metadata", {}).items() if v != ""},
        "payment_method": new_id("pm_"),
        "payment_method_types": ["card"],
        "receipt_email": intent_data.get("receipt_email"),
        "status": "succeeded",
    }


def event(
    event_type: str,
    data_object: dict[str, Any],
    created: int,
    previous_attributes: dict[str, Any] | None = None,
    pending_webhooks: int = 1,
) -> dict[str, Any]:
    """An `event`; `pending_webhooks` counts the endpoints it is still to reach (0 while delivery is off)."""
    data: dict[str, Any] = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt_"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def list_object(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def paginate(objects: list[dict[str, Any]], params: dict[str, Any], url: str, param_prefix: str = "") -> dict[str, Any]:
    """Stripe cursor pagination over `objects` (already in the order Stripe lists them)."""
    from devtools.stripe_standin.errors import StripeAPIError

    limit = params.get("limit", 10)
    ids = [o["id"] for o in objects]
    if "starting_after" in params and "ending_before" in params:
        raise StripeAPIError(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
            code="parameters_exclusive",
        )
    if "starting_after" in params:
        cursor = params["starting_after"]
        if cursor not in ids:
            raise StripeAPIError(
                f"No such object: '{cursor}'", param="starting_after", code="resource_missing", status=404
            )
        rest = objects[ids.index(cursor) + 1 :]
        return list_object(url, rest[:limit], len(rest) > limit)
    if "ending_before" in params:
        cursor = params["ending_before"]
        if cursor not in ids:
            raise StripeAPIError(
                f"No such object: '{cursor}'", param="ending_before", code="resource_missing", status=404
            )
        before = objects[: ids.index(cursor)]
        return list_object(url, before[-limit:], len(before) > limit)
    return list_object(url, objects[:limit], len(objects) > limit)
