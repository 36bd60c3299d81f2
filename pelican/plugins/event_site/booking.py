"""BookingOffer, the `event.booking` object templates (and the booking form) read: whether it is open, every price."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pricing import PAYMENTS, FeeTable, Quote, ladder

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


class Rungs(Mapping[int, Quote]):
    """delegates -> Quote for one event, read from a ladder that events with the same tariff share."""

    def __init__(self, slug: str, rungs: tuple[Quote, ...]):
        self.slug = slug
        self.rungs = rungs

    def __getitem__(self, delegates: int) -> Quote:
        if not 1 <= delegates <= len(self.rungs):
            raise KeyError(delegates)
        return self.rungs[delegates - 1].for_event(self.slug)

    def __iter__(self) -> Iterator[int]:
        return iter(range(1, len(self.rungs) + 1))

    def __len__(self) -> int:
        return len(self.rungs)


Ladders = dict[tuple[str, str, str, int], tuple[Quote, ...]]


@dataclass(frozen=True, kw_only=True)
class BookingOffer:
    """What one event offers for booking: status, deadline and every price (one shared ladder per tariff); see README.md.

    Percentages are fractions, as in pricing (Decimal("0.2") is 20%); templates show them with the `percent` filter.
    """

    slug: str
    status: Status
    closes: datetime
    max_delegates: int
    currency: str
    vat_percent: Decimal
    additional_delegate_percent: Decimal
    online_payment_percent: Decimal
    payments: tuple[str, ...]
    categories: tuple[FeeCategory, ...]
    prices: dict[str, dict[str, Rungs]]
    example: Quote

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def price(self, category: str, payment: str, delegates: int) -> Quote:
        return self.prices[category][payment][delegates]


def build_offer(
    fees: FeeTable, slug: str, ends: datetime, now: datetime, ladders: Ladders | None = None
) -> BookingOffer:
    """Price every category × payment × delegate count for `slug`; `ends` makes it past.

    `ladders` (one dict per build, for one fee table) shares the priced ladders between events
    with the same tariff and maximum, so a build holds each price table once, not once per event.
    """
    entry = fees.events[slug]
    status: Status = "past" if now >= ends else entry.booking_status(now)
    category_ids = list(fees.tariff_for(slug).categories)
    shared = {} if ladders is None else ladders
    prices: dict[str, dict[str, Rungs]] = {}
    for category in category_ids:
        prices[category] = {}
        for payment in PAYMENTS:
            key = (entry.tariff, category, payment, entry.max_delegates)
            if key not in shared:
                shared[key] = ladder(fees, slug, category, payment)
            prices[category][payment] = Rungs(slug, shared[key])
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
    return BookingOffer(
        slug=slug,
        status=status,
        closes=entry.booking_closes,
        max_delegates=entry.max_delegates,
        currency=fees.currency,
        vat_percent=fees.vat_percent,
        additional_delegate_percent=fees.discounts.additional_delegate_percent,
        online_payment_percent=fees.discounts.online_payment_percent,
        payments=PAYMENTS,
        categories=categories,
        prices=prices,
        example=prices[category_ids[0]]["card"][example_size],
    )
