"""Pence, percentages and the single rounding rule (half up, to the penny)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
_PERCENT = re.compile(r"^\d+(\.\d{1,4})?$")


def round_half_up(value: Decimal) -> int:
    """Round a Decimal number of pence to a whole penny, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_amount_to_pence(text: str) -> int:
    """'295.00' -> 29500. Raises ValueError with a sentence an organiser understands."""
    if not _AMOUNT.match(text):
        raise ValueError(
            f'"{text}" is not an amount in pounds: write it like "295.00" '
            "(digits, a point and at most two decimal places, no £ sign, not negative)"
        )
    return round_half_up(Decimal(text) * 100)


def parse_percent(text: str) -> Decimal:
    """'15' or '17.5' -> Decimal fraction (0.15, 0.175); must lie between 0 and 100."""
    if text.startswith("-") and _PERCENT.match(text[1:]):
        raise ValueError(f'"{text}" is below 0%: a percentage runs from 0 to 100')
    if not _PERCENT.match(text):
        raise ValueError(f'"{text}" is not a percentage: write it like "15" or "17.5", without the % sign')
    value = Decimal(text)
    if value > 100:
        raise ValueError(f'"{text}" is more than 100%')
    return value / 100


def format_percent(fraction: Decimal) -> str:
    """Decimal("0.175") -> '17.5': a percentage (stored as a fraction, as parse_percent gives it) as text, without the % sign."""
    return format((fraction * 100).normalize(), "f")


def pence_to_decimal_text(pence: int) -> str:
    """29500 -> '295.00': exact, no symbol, for machines (JSON-LD prices, spreadsheet columns)."""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def format_pence(pence: int, currency: str = "GBP", locale: str = "en_GB") -> str:
    """29500 -> '£295.00' for people; the only place pence become text with a symbol."""
    return _format_currency(pence, currency, locale)


# Keyed on all three arguments positionally: lru_cache alone would keep format_pence(x) and
# format_pence(x, "GBP") apart. Pure, and babel takes ~60 µs a call; a site repeats a few hundred amounts.
@lru_cache(maxsize=4096)
def _format_currency(pence: int, currency: str, locale: str) -> str:
    from babel.numbers import format_currency  # imported lazily: the function's cold path skips it

    return format_currency(Decimal(pence) / 100, currency, locale=locale)
