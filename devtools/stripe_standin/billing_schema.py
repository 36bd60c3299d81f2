"""The whitelist for Stripe Invoicing calls: customers, invoice items, invoices and the Search API.

Like schema.py, every accepted path must exist in the SDK's typed params
(tests/standin/test_sdk_params.py checks BILLING_SDK_PARAMS as it checks SDK_PARAMS).
Limits follow Stripe's API reference (custom fields: up to 4, name 40 and value 140 characters).
"""

from __future__ import annotations

from devtools.stripe_standin.currencies import MAXIMUM_AMOUNT
from devtools.stripe_standin.schema import CUSTOM_FIELD, Array, Bool, Hash, Int, Metadata, Spec, Str

SEARCH_QUERY_MAX = 10_000

_page: dict[str, Spec] = {
    "limit": Int(minimum=1, maximum=100),
    "starting_after": Str(max_length=255),
    "ending_before": Str(max_length=255),
}

ADDRESS = Hash(
    {
        "line1": Str(max_length=200),
        "line2": Str(max_length=200),
        "city": Str(max_length=200),
        "postal_code": Str(max_length=20),
        "state": Str(max_length=200),
        "country": Str(max_length=2),
    }
)

CUSTOMER_CREATE = Hash(
    {
        "email": Str(kind="email", max_length=512),
        "name": Str(max_length=256),
        "business_name": Str(max_length=150),
        "description": Str(),
        "phone": Str(max_length=20),
        "address": ADDRESS,
        "preferred_locales": Array(Str(max_length=20), max_items=10),
        "metadata": Metadata(),
    }
)

CUSTOMER_RETRIEVE = Hash({})

CUSTOMER_DELETE = Hash({})
# A returning customer's invoice name and address as the new purchase order states them (finalised invoices keep
# the name and address they were issued with).
CUSTOMER_UPDATE = Hash(
    {
        "name": Str(max_length=256),
        "business_name": Str(max_length=150),
        "address": ADDRESS,
        "preferred_locales": Array(Str(max_length=20), max_items=10),
    }
)

# Stripe's test helper for a bank transfer arriving into a customer's cash balance (test mode only).
CUSTOMER_FUND_CASH_BALANCE = Hash(
    {
        "amount": Int(minimum=1, maximum=MAXIMUM_AMOUNT),
        "currency": Str(kind="currency"),
        "reference": Str(max_length=140),
    },
    required=("amount", "currency"),
)

CUSTOMER_LIST = Hash({**_page, "email": Str(max_length=512)})

SEARCH = Hash(
    {"query": Str(max_length=SEARCH_QUERY_MAX), "limit": Int(minimum=1, maximum=100), "page": Str(max_length=5000)},
    required=("query",),
)

INVOICE_ITEM_CREATE = Hash(
    {
        "customer": Str(max_length=255),
        "invoice": Str(max_length=255),
        # Negative for a credit, such as a discount code's line on an invoice.
        "amount": Int(minimum=-MAXIMUM_AMOUNT, maximum=MAXIMUM_AMOUNT),
        "currency": Str(kind="currency"),
        "description": Str(),
        "discountable": Bool(),
        "metadata": Metadata(),
        "tax_rates": Array(Str(max_length=255), max_items=10),
    },
    required=("customer",),
)

_custom_field = CUSTOM_FIELD

# Card on the hosted invoice page, and Stripe's bank transfers (the customer's cash balance, funded by a UK bank
# transfer to a virtual account number Stripe shows on the invoice) for invoices in GBP.
PAYMENT_METHOD_TYPES = ("card", "customer_balance")
PAYMENT_SETTINGS = Hash(
    {
        "payment_method_types": Array(Str(enum=PAYMENT_METHOD_TYPES), max_items=10),
        "payment_method_options": Hash(
            {
                "customer_balance": Hash(
                    {
                        "funding_type": Str(enum=("bank_transfer",)),
                        "bank_transfer": Hash(
                            {
                                "type": Str(
                                    enum=("gb_bank_transfer",),
                                    unsupported=(
                                        "eu_bank_transfer",
                                        "jp_bank_transfer",
                                        "mx_bank_transfer",
                                        "us_bank_transfer",
                                    ),
                                )
                            }
                        ),
                    }
                )
            }
        ),
    }
)

INVOICE_CREATE = Hash(
    {
        "customer": Str(max_length=255),
        "collection_method": Str(enum=("charge_automatically", "send_invoice")),
        "days_until_due": Int(minimum=0, maximum=3650),
        "currency": Str(kind="currency"),
        "auto_advance": Bool(),
        "pending_invoice_items_behavior": Str(enum=("exclude", "include")),
        "custom_fields": Array(_custom_field, max_items=4),
        "description": Str(max_length=1500),
        "footer": Str(max_length=5000),
        "metadata": Metadata(),
        "account_tax_ids": Array(Str(max_length=255), max_items=25),
        "payment_settings": PAYMENT_SETTINGS,
    }
)

INVOICE_RETRIEVE = Hash({})

INVOICE_UPDATE = Hash(
    {
        "metadata": Metadata(),
        "description": Str(max_length=1500),
        "footer": Str(max_length=5000),
    }
)

INVOICE_LIST = Hash(
    {
        **_page,
        "customer": Str(max_length=255),
        "status": Str(enum=("draft", "open", "paid", "uncollectible", "void")),
        "collection_method": Str(enum=("charge_automatically", "send_invoice")),
    }
)

INVOICE_FINALIZE = Hash({"auto_advance": Bool()})

INVOICE_SEND = Hash({})

INVOICE_VOID = Hash({})

# The Dashboard's "Mark as paid" (money that arrived outside Stripe): only paid_out_of_band is spoken here.
INVOICE_PAY = Hash({"paid_out_of_band": Bool()})

# Each stand-in spec beside the SDK TypedDict it must fit in.
BILLING_SDK_PARAMS = {
    "CUSTOMER_CREATE": ("stripe.params", "CustomerCreateParams"),
    "CUSTOMER_RETRIEVE": ("stripe.params", "CustomerRetrieveParams"),
    "CUSTOMER_DELETE": ("stripe.params", "CustomerDeleteParams"),
    "CUSTOMER_UPDATE": ("stripe.params", "CustomerUpdateParams"),
    "CUSTOMER_FUND_CASH_BALANCE": ("stripe.params.test_helpers", "CustomerFundCashBalanceParams"),
    "CUSTOMER_LIST": ("stripe.params", "CustomerListParams"),
    "CUSTOMER_SEARCH": ("stripe.params", "CustomerSearchParams"),
    "INVOICE_ITEM_CREATE": ("stripe.params", "InvoiceItemCreateParams"),
    "INVOICE_CREATE": ("stripe.params", "InvoiceCreateParams"),
    "INVOICE_RETRIEVE": ("stripe.params", "InvoiceRetrieveParams"),
    "INVOICE_UPDATE": ("stripe.params", "InvoiceUpdateParams"),
    "INVOICE_LIST": ("stripe.params", "InvoiceListParams"),
    "INVOICE_FINALIZE": ("stripe.params", "InvoiceFinalizeInvoiceParams"),
    "INVOICE_SEND": ("stripe.params", "InvoiceSendInvoiceParams"),
    "INVOICE_VOID": ("stripe.params", "InvoiceVoidInvoiceParams"),
    "INVOICE_PAY": ("stripe.params", "InvoicePayParams"),
    "INVOICE_SEARCH": ("stripe.params", "InvoiceSearchParams"),
    "PAYMENT_INTENT_SEARCH": ("stripe.params", "PaymentIntentSearchParams"),
}

CUSTOMER_SEARCH = SEARCH
INVOICE_SEARCH = SEARCH
PAYMENT_INTENT_SEARCH = SEARCH
