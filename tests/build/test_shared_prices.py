"""Events with the same tariff share one priced ladder per build, yet each reads prices under its own name."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pelican.plugins.event_site.booking import build_offer
from pricing import PAYMENTS, quote

UK = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 25, tzinfo=UK)
ENDS = datetime(2027, 9, 14, 16, tzinfo=UK)


def test_two_events_on_one_tariff_share_ladders_and_each_gets_its_own_quotes(fees) -> None:
    ladders: dict = {}
    first = build_offer(fees, "caldicott-police-2027", ENDS, NOW, ladders)
    second = build_offer(fees, "records-retention-2027", ENDS, NOW, ladders)
    assert len(ladders) == len(first.categories) * len(PAYMENTS)  # the second event priced nothing new
    for booking in (first, second):
        for category in booking.prices:
            for payment in PAYMENTS:
                assert list(booking.prices[category][payment]) == list(range(1, 21))
                for n in (1, 7, 20):
                    assert booking.price(category, payment, n) == quote(fees, booking.slug, category, n, payment)
        assert booking.example.event == booking.slug
