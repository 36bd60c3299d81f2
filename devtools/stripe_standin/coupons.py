"""Coupons: the one-off amount-off discount a booking with a code takes into Checkout, shown there as its own line.
Only what the booking function sends is simulated (amount_off, duration once); the rest is refused."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from devtools.stripe_standin import objects
from devtools.stripe_standin.currencies import MAXIMUM_AMOUNT
from devtools.stripe_standin.errors import StripeAPIError, missing
from devtools.stripe_standin.forms import nest, parse_pairs
from devtools.stripe_standin.schema import Hash, Int, Metadata, Str
from devtools.stripe_standin.validate import validate

if TYPE_CHECKING:
    from devtools.stripe_standin.core import Core

COUPON_CREATE = Hash(
    {
        "amount_off": Int(minimum=1, maximum=MAXIMUM_AMOUNT),
        "currency": Str(kind="currency"),
        "duration": Str(enum=("once",), unsupported=("forever", "repeating")),
        "max_redemptions": Int(minimum=1),
        "name": Str(max_length=40),
        "metadata": Metadata(),
    }
)

COUPON_RETRIEVE = Hash({})

# Each stand-in spec beside the SDK TypedDict it must fit in (tests/standin/test_sdk_params.py).
COUPON_SDK_PARAMS = {
    "COUPON_CREATE": ("stripe.params", "CouponCreateParams"),
    "COUPON_RETRIEVE": ("stripe.params", "CouponRetrieveParams"),
}


class Coupons:
    """Coupons by id; `route()` answers /v1/coupons, and Checkout asks `for_session()` for the one it applies."""

    def __init__(self, standin: Core) -> None:
        self.standin = standin
        self.coupons: dict[str, dict[str, Any]] = {}

    def route(self, method: str, parts: list[str], raw: str) -> dict[str, Any] | None:
        """The response body for a coupon call, or None if the path is not one of ours (lock held)."""
        if parts[:2] != ["v1", "coupons"]:
            return None
        if len(parts) == 2 and method == "POST":
            return self._create(validate(COUPON_CREATE, nest(parse_pairs(raw))))
        if len(parts) == 3 and method == "GET":
            validate(COUPON_RETRIEVE, nest(parse_pairs(raw)))
            found = self.coupons.get(parts[2])
            if found is None:
                raise StripeAPIError(f"No such coupon: '{parts[2]}'", param="id", code="resource_missing", status=404)
            return copy.deepcopy(found)
        return None

    def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        if "amount_off" not in params:
            raise missing("amount_off")
        if "currency" not in params:
            raise StripeAPIError(
                "You must specify a currency when creating an amount_off coupon.",
                param="currency",
                code="parameter_missing",
            )
        coupon = {
            "id": objects.new_id("", 8),
            "object": "coupon",
            "amount_off": params["amount_off"],
            "created": int(self.standin.clock()),
            "currency": params["currency"],
            "duration": params.get("duration", "once"),
            "duration_in_months": None,
            "livemode": False,
            "max_redemptions": params.get("max_redemptions"),
            "metadata": {k: v for k, v in params.get("metadata", {}).items() if v != ""},
            "name": params.get("name"),
            "percent_off": None,
            "redeem_by": None,
            "times_redeemed": 0,
            "valid": True,
        }
        self.coupons[coupon["id"]] = coupon
        return copy.deepcopy(coupon)

    def for_session(self, coupon_id: str, currency: str, param: str) -> dict[str, Any]:
        """The coupon a new Checkout Session applies: it must exist, be valid and be in the session's currency."""
        coupon = self.coupons.get(coupon_id)
        if coupon is None:
            raise StripeAPIError(f"No such coupon: '{coupon_id}'", param=param, code="resource_missing")
        if not coupon["valid"]:
            raise StripeAPIError(f"Coupon {coupon_id} is no longer valid.", param=param, code="coupon_expired")
        if coupon["currency"] != currency:
            raise StripeAPIError(
                f"The coupon's currency ({coupon['currency']}) must match the Checkout Session's ({currency}).",
                param=param,
                code="parameter_invalid_currency",
            )
        return coupon

    def redeem(self, coupon_id: str) -> None:
        """A paid session used the coupon once; at max_redemptions it is no longer valid."""
        coupon = self.coupons[coupon_id]
        coupon["times_redeemed"] += 1
        if coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]:
            coupon["valid"] = False
