"""The `event.booking` object templates (and the booking form) read: status and every price, from pricing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pricing import PAYMENTS, FeeTable, Quote, quote

Status = Literal["open", "closed", "sold_out", "past"]
EXAMPLE_DELEGATES = 3


@dataclass(frozen=True, kw_only=True)
class FeeCategory:
    """One fee option as the fee table shows it: the price of one delegate paying by invoice."""

    id: str
    label: str
    net_pence: int
    vat_pence: int
    gross_pence: int


@dataclass(frozen=True, kw_only=True)
class Booking:
    """Everything about booking one event, priced once by pricing.quote(); see the package docstring."""

    slug: str
    status: Status
    closes: datetime
    max_delegates: int
    currency: str
    vat_percent: str
    additional_delegate_percent: str
    online_payment_percent: str
    payments: tuple[str, ...]
    categories: tuple[FeeCategory, ...]
    prices: dict[str, dict[str, dict[int, Quote]]]
    example: Quote

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def price(self, category: str, payment: str, delegates: int) -> Quote:
        return self.prices[category][payment][delegates]


def _percent(fraction: Decimal) -> str:
    return format((fraction * 100).normalize(), "f")


def build_booking(fees: FeeTable, slug: str, ends: datetime, now: datetime) -> Booking:
    """Price every category × payment × delegate count for `slug`; `ends` makes it past."""
    entry = fees.events[slug]
    status: Status = "past" if now >= ends else entry.booking_status(now)
    category_ids = list(fees.tariff_for(slug).categories)
    prices = {
        category: {
            payment: {n: quote(fees, slug, category, n, payment) for n in range(1, entry.max_delegates + 1)}
            for payment in PAYMENTS
        }
        for category in category_ids
    }
    categories = tuple(
        FeeCategory(
            id=category,
            label=one.category_label,
            net_pence=one.net_pence,
            vat_pence=one.vat_pence,
            gross_pence=one.total_pence,
        )
        for category in category_ids
        for one in [prices[category]["invoice"][1]]
    )
    example_size = min(EXAMPLE_DELEGATES, entry.max_delegates)
    return Booking(
        slug=slug,
        status=status,
        closes=entry.booking_closes,
        max_delegates=entry.max_delegates,
        currency=fees.currency,
        vat_percent=_percent(fees.vat_percent),
        additional_delegate_percent=_percent(fees.discounts.additional_delegate_percent),
        online_payment_percent=_percent(fees.discounts.online_payment_percent),
        payments=PAYMENTS,
        categories=categories,
        prices=prices,
        example=prices[category_ids[0]]["card"][example_size],
    )
