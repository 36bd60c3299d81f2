"""The whitelist for credit notes: what the organiser's Dashboard does when an invoiced booking is cancelled or
part-refunded (issue a credit note against the invoice), and the preview it shows first.

Like schema.py, every accepted path must exist in the SDK's typed params
(tests/standin/test_sdk_params.py checks CREDIT_NOTE_SDK_PARAMS as it checks SDK_PARAMS).
"""

from __future__ import annotations

from devtools.stripe_standin.currencies import MAXIMUM_AMOUNT
from devtools.stripe_standin.schema import Array, Hash, Int, Metadata, Spec, Str

CREDIT_NOTE_REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")

_LINE = Hash(
    {
        "type": Str(enum=("custom_line_item", "invoice_line_item")),
        "invoice_line_item": Str(max_length=255),
        "amount": Int(minimum=0, maximum=MAXIMUM_AMOUNT),
        "quantity": Int(minimum=1, maximum=10_000),
        "unit_amount": Int(minimum=0, maximum=MAXIMUM_AMOUNT),
        "description": Str(max_length=5000),
    },
    required=("type",),
)

_AMOUNTS: dict[str, Spec] = {
    "invoice": Str(max_length=255),
    "amount": Int(minimum=1, maximum=MAXIMUM_AMOUNT),
    "lines": Array(_LINE, max_items=100),
    "reason": Str(enum=CREDIT_NOTE_REASONS),
    "memo": Str(max_length=5000),
    "metadata": Metadata(),
    "refund_amount": Int(minimum=0, maximum=MAXIMUM_AMOUNT),
    "credit_amount": Int(minimum=0, maximum=MAXIMUM_AMOUNT),
    "out_of_band_amount": Int(minimum=0, maximum=MAXIMUM_AMOUNT),
    "email_type": Str(enum=("credit_note", "none")),
}

CREDIT_NOTE_CREATE = Hash(dict(_AMOUNTS), required=("invoice",))

CREDIT_NOTE_PREVIEW = Hash(dict(_AMOUNTS), required=("invoice",))

CREDIT_NOTE_RETRIEVE = Hash({})

CREDIT_NOTE_LIST = Hash(
    {
        "invoice": Str(max_length=255),
        "customer": Str(max_length=255),
        "limit": Int(minimum=1, maximum=100),
        "starting_after": Str(max_length=255),
        "ending_before": Str(max_length=255),
    }
)

# Each stand-in spec beside the SDK TypedDict it must fit in.
CREDIT_NOTE_SDK_PARAMS = {
    "CREDIT_NOTE_CREATE": ("stripe.params", "CreditNoteCreateParams"),
    "CREDIT_NOTE_PREVIEW": ("stripe.params", "CreditNotePreviewParams"),
    "CREDIT_NOTE_RETRIEVE": ("stripe.params", "CreditNoteRetrieveParams"),
    "CREDIT_NOTE_LIST": ("stripe.params", "CreditNoteListParams"),
}
