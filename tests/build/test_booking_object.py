"""`event.booking`, the object the templates and the booking form read, priced only by pricing.quote()."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pelican.plugins.event_site.booking import build_offer
from pricing import PAYMENTS, quote

UK = ZoneInfo("Europe/London")
ENDS = datetime(2083, 9, 14, 16, tzinfo=UK)


def test_every_price_in_the_table_is_the_quote_for_it(fees) -> None:
    booking = build_offer(fees, "caldicott-police-2083", ENDS, datetime(2082, 11, 25, tzinfo=UK))
    assert [c.id for c in booking.categories] == ["public-sector", "voluntary", "commercial"]
    assert [(c.net_pence, c.vat_pence, c.gross_pence) for c in booking.categories] == [
        (29500, 5900, 35400),
        (25000, 5000, 30000),
        (49500, 9900, 59400),
    ]
    assert booking.max_delegates == 20 and booking.payments == PAYMENTS
    for category in booking.prices:
        for payment in PAYMENTS:
            assert sorted(booking.prices[category][payment]) == list(range(1, 21))
            for n in (1, 2, 20):
                assert booking.price(category, payment, n) == quote(fees, "caldicott-police-2083", category, n, payment)
    assert booking.example == quote(fees, "caldicott-police-2083", "public-sector", 3, "card")
    assert (booking.vat_percent, booking.additional_delegate_percent, booking.online_payment_percent) == (
        Decimal("0.2"),
        Decimal("0.15"),
        Decimal("0.1"),
    )
    assert booking.po_hold_days == fees.po_hold_days == 14


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (datetime(2083, 9, 13, 16, 59, tzinfo=UK), "open"),
        (datetime(2083, 9, 13, 17, 0, tzinfo=UK), "closed"),
        (datetime(2083, 9, 14, 15, 59, tzinfo=UK), "closed"),
        (datetime(2083, 9, 14, 16, 0, tzinfo=UK), "past"),
    ],
)
def test_status_follows_the_clock(fees, now: datetime, status: str) -> None:
    booking = build_offer(fees, "caldicott-police-2083", ENDS, now)
    assert booking.status == status
    assert booking.is_open is (status == "open")
    assert booking.closes == datetime(2083, 9, 13, 17, tzinfo=UK)


def test_while_an_early_rate_runs_the_booking_has_its_prices_and_the_example_uses_them(fees) -> None:
    entry = fees.events["records-retention-2083"]
    before = entry.early_booking.until
    booking = build_offer(fees, "records-retention-2083", ENDS, before)
    assert booking.early is not None and booking.early.percent == Decimal("0.1")
    assert booking.early.until_text == "31 March 2083 at 23:59"
    assert booking.early.ends == datetime(2083, 4, 1, 0, 0, tzinfo=UK)
    for category in booking.prices:
        for payment in PAYMENTS:
            for n in (1, 2, 20):
                assert booking.early.price(category, payment, n) == quote(
                    fees, "records-retention-2083", category, n, payment, at=before
                )
                assert booking.price(category, payment, n) == quote(
                    fees, "records-retention-2083", category, n, payment, at=entry.booking_closes
                )
    assert booking.example == quote(fees, "records-retention-2083", "public-sector", 3, "card", at=before)
    assert booking.example.early_booking is not None


def test_a_page_built_after_the_early_rate_shows_only_the_standard_rate(fees) -> None:
    booking = build_offer(fees, "records-retention-2083", ENDS, datetime(2083, 4, 1, 0, 0, tzinfo=UK))
    assert booking.early is None and booking.example.early_booking is None
