"""Events with the same tariff share one priced ladder per build, yet each reads prices under its own name."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pelican.plugins.event_site.booking import build_offer
from pricing import PAYMENTS, quote

UK = ZoneInfo("Europe/London")
NOW = datetime(2082, 11, 25, tzinfo=UK)
ENDS = datetime(2083, 9, 14, 16, tzinfo=UK)


def test_two_events_on_one_tariff_share_ladders_and_each_gets_its_own_quotes(fees) -> None:
    ladders: dict = {}
    first = build_offer(fees, "caldicott-police-2083", ENDS, NOW, ladders)
    assert first.early is None
    second = build_offer(fees, "records-retention-2083", ENDS, NOW, ladders)
    # The second event priced nothing new at the standard rate; only its running early rate added ladders.
    assert second.early is not None
    assert len(ladders) == 2 * len(first.categories) * len(PAYMENTS)
    for booking in (first, second):
        entry = fees.events[booking.slug]
        rates = [(booking.price, entry.booking_closes)]
        if booking.early:
            rates.append((booking.early.price, entry.early_booking.until))
        for price, at in rates:
            for category in booking.prices:
                for payment in PAYMENTS:
                    assert list(booking.prices[category][payment]) == list(range(1, 21))
                    for n in (1, 7, 20):
                        assert price(category, payment, n) == quote(fees, booking.slug, category, n, payment, at=at)
        assert booking.example.event == booking.slug
