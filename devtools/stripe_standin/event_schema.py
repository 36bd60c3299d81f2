"""The whitelist for events and webhook endpoints: what an acceptance test asks to replay Stripe's deliveries.

Like schema.py, every accepted path must exist in the SDK's typed params
(tests/standin/test_sdk_params.py checks EVENT_SDK_PARAMS as it checks SDK_PARAMS).
Limits follow Stripe's API reference (`types`: up to 20 event names; `limit`: 1 to 100).
"""

from __future__ import annotations

from devtools.stripe_standin.schema import Array, Bool, Hash, Int, Spec, Str

_page: dict[str, Spec] = {
    "limit": Int(minimum=1, maximum=100),
    "starting_after": Str(max_length=255),
    "ending_before": Str(max_length=255),
}

EVENT_LIST = Hash({**_page, "type": Str(max_length=5000), "types": Array(Str(max_length=5000), max_items=20)})

EVENT_RETRIEVE = Hash({})

WEBHOOK_ENDPOINT_LIST = Hash(dict(_page))

WEBHOOK_ENDPOINT_RETRIEVE = Hash({})

WEBHOOK_ENDPOINT_UPDATE = Hash({"disabled": Bool()})

# Each stand-in spec beside the SDK TypedDict it must fit in.
EVENT_SDK_PARAMS = {
    "EVENT_LIST": ("stripe.params", "EventListParams"),
    "EVENT_RETRIEVE": ("stripe.params", "EventRetrieveParams"),
    "WEBHOOK_ENDPOINT_LIST": ("stripe.params", "WebhookEndpointListParams"),
    "WEBHOOK_ENDPOINT_RETRIEVE": ("stripe.params", "WebhookEndpointRetrieveParams"),
    "WEBHOOK_ENDPOINT_UPDATE": ("stripe.params", "WebhookEndpointUpdateParams"),
}
