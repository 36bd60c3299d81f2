"""The one place where money is worked out: the fee table's models, its loader and quote().

Nothing here imports Pelican or Stripe, so the booking function can bundle it as it is.
"""

from pricing.errors import CODE_REFUSED, CodeError, FeeTableError, Problem, QuoteError
from pricing.invoice_lines import InvoiceLine, invoice_lines
from pricing.loader import DEFAULT_FEES_PATH, fee_table_json, load_fee_table, parse_fee_table
from pricing.models import UK, BookableEvent, Category, DiscountCode, EarlyBooking, FeeTable, Tariff
from pricing.money import format_pence, format_percent, pence_to_decimal_text, round_half_up
from pricing.quote import PAYMENTS, Discount, Quote, QuoteLine, ladder, quote
from pricing.refund import refund_vat

__all__ = [
    "CODE_REFUSED",
    "DEFAULT_FEES_PATH",
    "PAYMENTS",
    "UK",
    "BookableEvent",
    "Category",
    "CodeError",
    "Discount",
    "DiscountCode",
    "EarlyBooking",
    "FeeTable",
    "FeeTableError",
    "InvoiceLine",
    "Problem",
    "Quote",
    "QuoteError",
    "QuoteLine",
    "Tariff",
    "fee_table_json",
    "format_pence",
    "format_percent",
    "invoice_lines",
    "ladder",
    "load_fee_table",
    "parse_fee_table",
    "pence_to_decimal_text",
    "quote",
    "refund_vat",
    "round_half_up",
]
