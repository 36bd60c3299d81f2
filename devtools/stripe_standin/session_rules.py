"""The Checkout Session checks one parameter's spec cannot say: required-together fields, one currency,
known tax rates, Stripe's minimum and maximum charge, and the 30-minute-to-24-hour expiry window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devtools.stripe_standin import objects
from devtools.stripe_standin.currencies import DEFAULT_MINIMUM_CHARGE, MAXIMUM_AMOUNT, MINIMUM_CHARGE
from devtools.stripe_standin.errors import StripeAPIError, missing

if TYPE_CHECKING:
    from devtools.stripe_standin.coupons import Coupons

MIN_EXPIRY_SECONDS = 30 * 60
MAX_EXPIRY_SECONDS = 24 * 60 * 60


def priced_line_items(
    params: dict[str, Any], tax_rates: dict[str, dict[str, Any]], now: int, coupons: Coupons
) -> tuple[list[dict[str, Any]], int]:
    """Check validated create params as a whole; return the built line items (a coupon's discount spread
    over them) and the expiry time."""
    if "mode" not in params:
        raise missing("mode")
    if params.get("ui_mode", "hosted_page") == "hosted_page" and "success_url" not in params:
        raise missing("success_url")
    if "line_items" not in params:
        raise missing("line_items")
    items = params["line_items"]
    currency = params.get("currency", items[0]["price_data"]["currency"])
    for index, item in enumerate(items):
        if item["price_data"]["currency"] != currency:
            raise StripeAPIError(
                "All line items in a Checkout Session must use the same currency, and the session's "
                "`currency` if one is given.",
                param=f"line_items[{index}][price_data][currency]",
                code="parameter_invalid_currency",
            )
        for rate_index, rate_id in enumerate(item.get("tax_rates", [])):
            if rate_id not in tax_rates:
                raise StripeAPIError(
                    f"No such tax rate: '{rate_id}'",
                    param=f"line_items[{index}][tax_rates][{rate_index}]",
                    code="resource_missing",
                )
    built = [objects.line_item(item, tax_rates, now) for item in items]
    for discount in params.get("discounts", []):
        coupon = coupons.for_session(discount["coupon"], currency, "discounts[0][coupon]")
        objects.discount_items(built, coupon["amount_off"])
    _check_total(sum(i["amount_total"] for i in built), currency)
    return built, _expiry(params, now)


def _check_total(total: int, currency: str) -> None:
    if total > MAXIMUM_AMOUNT:
        raise StripeAPIError(
            f"The Checkout Session's total amount due must be no more than {MAXIMUM_AMOUNT} {currency} minor units.",
            param="line_items",
            code="amount_too_large",
        )
    minimum = MINIMUM_CHARGE.get(currency, DEFAULT_MINIMUM_CHARGE)
    if total < minimum:
        raise StripeAPIError(
            f"The Checkout Session's total amount due must add up to at least {minimum} {currency} minor units.",
            param="line_items",
            code="amount_too_small",
        )


def _expiry(params: dict[str, Any], now: int) -> int:
    expires_at = params.get("expires_at", now + MAX_EXPIRY_SECONDS)
    if expires_at < now + MIN_EXPIRY_SECONDS:
        raise StripeAPIError(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            param="expires_at",
            code="parameter_invalid_integer",
        )
    if expires_at > now + MAX_EXPIRY_SECONDS:
        raise StripeAPIError(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
            code="parameter_invalid_integer",
        )
    return expires_at
