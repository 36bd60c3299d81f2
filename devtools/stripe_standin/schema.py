"""The whitelist: every parameter the stand-in accepts, with its type, limits and allowed values.

Each accepted path must exist in the SDK's typed params (tests/standin/test_sdk_params.py proves it);
anything else is refused as `parameter_unknown`, as Stripe refuses parameters it does not know.
Lengths and limits follow Stripe's API reference (metadata: 50 keys, 40-char keys, 500-char values;
client_reference_id: 200 characters; custom text: 1200 characters; other strings: 5000).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devtools.stripe_standin.currencies import MAXIMUM_AMOUNT


@dataclass(frozen=True)
class Str:
    """A string; `enum` lists accepted values, `unsupported` values Stripe knows but the stand-in does not simulate."""

    max_length: int = 5000
    enum: tuple[str, ...] | None = None
    unsupported: tuple[str, ...] = ()
    kind: str | None = None  # "url", "email" or "currency": checked by validate.py


@dataclass(frozen=True)
class Int:
    """A whole number sent as decimal digits, within [minimum, maximum]."""

    minimum: int = 0
    maximum: int | None = None


@dataclass(frozen=True)
class Bool:
    """`true` or `false`, as the SDK encodes Python booleans."""


@dataclass(frozen=True)
class Metadata:
    """Stripe metadata: string keys to string values; on updates `""` deletes a key and `metadata=""` clears all."""


@dataclass(frozen=True)
class Hash:
    """A nested object; `required` names fields that must be present."""

    fields: dict[str, Spec]
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Array:
    """A list sent as `name[0]`, `name[1]` (the SDK) or `name[]` (curl)."""

    item: Spec
    max_items: int = 100


Spec = Str | Int | Bool | Metadata | Hash | Array

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500

# Values the SDK lists for `locale` that the hosted page is willing to be asked for.
LOCALES = (
    "auto",
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "en-GB",
    "es",
    "es-419",
    "et",
    "fi",
    "fil",
    "fr",
    "fr-CA",
    "hi-IN",
    "hr",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "ms",
    "mt",
    "nb",
    "nl",
    "pl",
    "pt",
    "pt-BR",
    "ro",
    "ru",
    "sk",
    "sl",
    "sv",
    "th",
    "tr",
    "vi",
    "zh",
    "zh-HK",
    "zh-TW",
)

# Payment methods a UK merchant's Checkout can offer in GBP.
PAYMENT_METHOD_TYPES = (
    "card",
    "bacs_debit",
    "link",
    "paypal",
    "klarna",
    "revolut_pay",
    "amazon_pay",
    "pay_by_bank",
    "customer_balance",
)

SESSION_EXPANDABLE = ("payment_intent", "line_items", "invoice")

_message = Hash({"message": Str(max_length=1200)}, required=("message",))

# An invoice's custom field (Checkout's invoice_data and Invoicing alike): up to 4, name 40 and value 140 characters.
CUSTOM_FIELD = Hash({"name": Str(max_length=40), "value": Str(max_length=140)}, required=("name", "value"))

LINE_ITEM = Hash(
    {
        "price_data": Hash(
            {
                "currency": Str(kind="currency"),
                "unit_amount": Int(minimum=0, maximum=MAXIMUM_AMOUNT),
                "tax_behavior": Str(enum=("exclusive", "inclusive", "unspecified")),
                "product_data": Hash(
                    {
                        "name": Str(),
                        "description": Str(max_length=40000),
                        "metadata": Metadata(),
                    },
                    required=("name",),
                ),
            },
            required=("currency", "product_data", "unit_amount"),
        ),
        "quantity": Int(minimum=1, maximum=999_999),
        "tax_rates": Array(Str(max_length=255), max_items=5),
    },
    required=("price_data", "quantity"),
)

SESSION_CREATE = Hash(
    {
        "mode": Str(enum=("payment",), unsupported=("setup", "subscription")),
        "ui_mode": Str(enum=("hosted_page",), unsupported=("elements", "embedded_page", "form")),
        "line_items": Array(LINE_ITEM, max_items=100),
        "currency": Str(kind="currency"),
        "success_url": Str(kind="url"),
        "cancel_url": Str(kind="url"),
        "customer_email": Str(kind="email", max_length=512),
        "client_reference_id": Str(max_length=200),
        "metadata": Metadata(),
        "payment_intent_data": Hash(
            {
                "metadata": Metadata(),
                "description": Str(max_length=1000),
                "receipt_email": Str(kind="email", max_length=512),
            }
        ),
        "allowed_payment_method_types": Array(Str(enum=PAYMENT_METHOD_TYPES), max_items=len(PAYMENT_METHOD_TYPES)),
        "expires_at": Int(minimum=0, maximum=2**40),
        "locale": Str(enum=LOCALES),
        "submit_type": Str(enum=("auto", "book", "donate", "pay"), unsupported=("subscribe",)),
        "custom_text": Hash(
            {
                "after_submit": _message,
                "shipping_address": _message,
                "submit": _message,
                "terms_of_service_acceptance": _message,
            }
        ),
        "invoice_creation": Hash(
            {
                "enabled": Bool(),
                "invoice_data": Hash(
                    {
                        "custom_fields": Array(CUSTOM_FIELD, max_items=4),
                        "description": Str(max_length=1500),
                        "footer": Str(max_length=5000),
                        "metadata": Metadata(),
                    }
                ),
            },
            required=("enabled",),
        ),
        # Checkout takes one discount; the booking function passes a one-off amount_off coupon.
        "discounts": Array(Hash({"coupon": Str(max_length=5000)}, required=("coupon",)), max_items=1),
        "expand": Array(Str(enum=SESSION_EXPANDABLE), max_items=10),
    }
)

SESSION_RETRIEVE = Hash({"expand": Array(Str(enum=SESSION_EXPANDABLE), max_items=10)})

SESSION_LIST = Hash(
    {
        "limit": Int(minimum=1, maximum=100),
        "starting_after": Str(max_length=255),
        "ending_before": Str(max_length=255),
        "status": Str(enum=("open", "complete", "expired")),
        "payment_intent": Str(max_length=255),
        "expand": Array(Str(enum=tuple(f"data.{name}" for name in SESSION_EXPANDABLE)), max_items=10),
    }
)

SESSION_EXPIRE = Hash({"expand": Array(Str(enum=SESSION_EXPANDABLE), max_items=10)})

LINE_ITEM_LIST = Hash(
    {
        "limit": Int(minimum=1, maximum=100),
        "starting_after": Str(max_length=255),
        "ending_before": Str(max_length=255),
    }
)

PAYMENT_INTENT_RETRIEVE = Hash({"expand": Array(Str(enum=("latest_charge",)), max_items=10)})

PAYMENT_INTENT_UPDATE = Hash(
    {
        "metadata": Metadata(),
        "description": Str(max_length=1000),
        "receipt_email": Str(kind="email", max_length=512),
    }
)

# For tests/standin/test_sdk_params.py: each stand-in spec beside the SDK TypedDict it must fit in.
SDK_PARAMS = {
    "SESSION_CREATE": ("stripe.params.checkout", "SessionCreateParams"),
    "SESSION_RETRIEVE": ("stripe.params.checkout", "SessionRetrieveParams"),
    "SESSION_LIST": ("stripe.params.checkout", "SessionListParams"),
    "SESSION_EXPIRE": ("stripe.params.checkout", "SessionExpireParams"),
    "LINE_ITEM_LIST": ("stripe.params.checkout", "SessionLineItemListParams"),
    "PAYMENT_INTENT_RETRIEVE": ("stripe.params", "PaymentIntentRetrieveParams"),
    "PAYMENT_INTENT_UPDATE": ("stripe.params", "PaymentIntentUpdateParams"),
}


@dataclass(frozen=True)
class AcceptedPath:
    """One accepted leaf: its path (`[]` for array items, `{}` for metadata keys), kind and enum values."""

    path: tuple[str, ...]
    kind: str
    values: tuple[str, ...] = field(default=())


def accepted_paths(spec: Spec, prefix: tuple[str, ...] = ()) -> list[AcceptedPath]:
    """Flatten a spec into its leaves, for the test that holds the whitelist against the SDK."""
    if isinstance(spec, Hash):
        return [leaf for name, sub in spec.fields.items() for leaf in accepted_paths(sub, (*prefix, name))]
    if isinstance(spec, Array):
        return accepted_paths(spec.item, (*prefix, "[]"))
    if isinstance(spec, Metadata):
        return [AcceptedPath((*prefix, "{}"), "str")]
    if isinstance(spec, Str):
        return [AcceptedPath(prefix, "str", (spec.enum or ()) + spec.unsupported)]
    if isinstance(spec, Int):
        return [AcceptedPath(prefix, "int")]
    return [AcceptedPath(prefix, "bool")]
