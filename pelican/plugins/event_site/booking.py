"""The `event.booking` object templates (and the booking form) read: status and every price, from pricing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pricing import PAYMENTS, FeeTable, Quote, ladder
from pricing.models import BookableEvent, uk_time_text

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


# (tariff, category, payment, maximum, early rate's (percent, until) or None) -> the ladder those share.
Ladders = dict[tuple[str, str, str, int, tuple[Decimal, datetime] | None], tuple[Quote, ...]]
Prices = dict[str, dict[str, Rungs]]


@dataclass(frozen=True, kw_only=True)
class EarlyRate:
    """The early-booking rate while it runs at build time: its prices, and when it ends (UK time)."""

    percent: Decimal  # a fraction, as in pricing: Decimal("0.1") is 10%
    until: datetime  # the last minute of the rate, as the organiser wrote it
    ends: datetime  # the first moment of the standard rate, for the form's script to compare its clock with
    until_text: str  # "31 March 2027 at 23:59"
    categories: tuple[FeeCategory, ...]
    prices: Prices

    def price(self, category: str, payment: str, delegates: int) -> Quote:
        return self.prices[category][payment][delegates]


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
    po_hold_days: int  # places booked "PO to follow" are held this many days (never past booking close)
    payments: tuple[str, ...]
    categories: tuple[FeeCategory, ...]
    prices: Prices
    early: EarlyRate | None
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

    Standard prices are those of a booking made as booking closes; while an early rate runs at
    build time, its prices are those of a booking made in its last minute. `ladders` (one dict per
    build, for one fee table) shares the priced ladders between events with the same tariff,
    maximum and early rate, so a build holds each price table once, not once per event.
    """
    entry = fees.events[slug]
    status: Status = "past" if now >= ends else entry.booking_status(now)
    shared = {} if ladders is None else ladders
    prices = _prices(fees, slug, entry, entry.booking_closes, shared)
    categories = _categories(prices)
    early = None
    if entry.early_booking is not None and entry.early_booking.applies(now) and status == "open":
        rate = entry.early_booking
        early_prices = _prices(fees, slug, entry, rate.until, shared)
        early = EarlyRate(
            percent=rate.percent,
            until=rate.until,
            ends=rate.ends,
            until_text=uk_time_text(rate.until),
            categories=_categories(early_prices),
            prices=early_prices,
        )
    example_size = min(EXAMPLE_DELEGATES, entry.max_delegates)
    first = categories[0].id
    return BookingOffer(
        slug=slug,
        status=status,
        closes=entry.booking_closes,
        max_delegates=entry.max_delegates,
        currency=fees.currency,
        vat_percent=fees.vat_percent,
        additional_delegate_percent=fees.discounts.additional_delegate_percent,
        online_payment_percent=fees.discounts.online_payment_percent,
        po_hold_days=fees.po_hold_days,
        payments=PAYMENTS,
        categories=categories,
        prices=prices,
        early=early,
        example=(early.prices if early else prices)[first]["card"][example_size],
    )


def _prices(fees: FeeTable, slug: str, entry: BookableEvent, at: datetime, shared: Ladders) -> Prices:
    """category -> payment -> delegates -> Quote for a booking made `at`."""
    rate = entry.early_booking
    early = (rate.percent, rate.until) if rate is not None and rate.applies(at) else None
    prices: Prices = {}
    for category in fees.tariff_for(slug).categories:
        prices[category] = {}
        for payment in PAYMENTS:
            key = (entry.tariff, category, payment, entry.max_delegates, early)
            if key not in shared:
                shared[key] = ladder(fees, slug, category, payment, at=at)
            prices[category][payment] = Rungs(slug, shared[key])
    return prices


def _categories(prices: Prices) -> tuple[FeeCategory, ...]:
    """Each category as the fee table shows it: one delegate paying by invoice."""
    return tuple(
        FeeCategory(
            id=category,
            label=one.category_label,
            net_pence=one.net_pence,
            vat_pence=one.vat_pence,
            gross_pence=one.total_pence,
        )
        for category, by_payment in prices.items()
        for one in [by_payment["invoice"][1]]
    )
