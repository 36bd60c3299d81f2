"""The whitelist for refunds and charges: what the organiser's Dashboard does when a booking is cancelled.

Like schema.py, every accepted path must exist in the SDK's typed params
(tests/standin/test_sdk_params.py checks REFUND_SDK_PARAMS as it checks SDK_PARAMS).
"""

from __future__ import annotations

from devtools.stripe_standin.currencies import MAXIMUM_AMOUNT
from devtools.stripe_standin.schema import Array, Hash, Int, Metadata, Str

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")

REFUND_CREATE = Hash(
    {
        "payment_intent": Str(max_length=255),
        "charge": Str(max_length=255),
        "amount": Int(minimum=1, maximum=MAXIMUM_AMOUNT),
        "reason": Str(enum=REFUND_REASONS),
        "metadata": Metadata(),
        "expand": Array(Str(enum=("charge", "payment_intent")), max_items=10),
    }
)

REFUND_RETRIEVE = Hash({})

CHARGE_RETRIEVE = Hash({})

# Each stand-in spec beside the SDK TypedDict it must fit in.
REFUND_SDK_PARAMS = {
    "REFUND_CREATE": ("stripe.params", "RefundCreateParams"),
    "REFUND_RETRIEVE": ("stripe.params", "RefundRetrieveParams"),
    "CHARGE_RETRIEVE": ("stripe.params", "ChargeRetrieveParams"),
}
