"""The booking form's price data: every figure its script shows, priced by pricing.quote() and formatted at build time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pelican.plugins.event_site.booking import Booking
from pricing import Quote, QuoteLine, format_pence


def form_prices(booking: Booking) -> dict[str, Any]:
    """{"vat", "max", "categories": {id: {"label", "card": rows, "invoice": rows}}, "early"?}; rows[n-1] is
    [delegate n's fee before VAT, net total, VAT total, total to pay] for a booking of n delegates.

    While an early rate runs, "early" holds {"ends", "until", "percent", "categories": {id: {"card", "invoice"}}}:
    the script uses those rows while the visitor's clock is before "ends" (an ISO time), and says so.

    A booking of n delegates shows the lines of rows[0..n-1]: that holds because delegate i's
    price never depends on how many follow, which is checked here rather than assumed.
    """
    categories: dict[str, Any] = {}
    for category in booking.categories:
        categories[category.id] = {"label": category.label, **_rows(booking, booking.price, category.id)}
    data: dict[str, Any] = {"vat": booking.vat_percent, "max": booking.max_delegates, "categories": categories}
    if booking.early is not None:
        early = booking.early
        data["early"] = {
            "ends": early.ends.isoformat(),
            "until": early.until_text,
            "percent": early.percent,
            "categories": {c.id: _rows(booking, early.price, c.id) for c in booking.categories},
        }
    return data


def _rows(booking: Booking, price: Callable[[str, str, int], Quote], category: str) -> dict[str, list[list[str]]]:
    by_payment: dict[str, list[list[str]]] = {}
    for payment in booking.payments:
        rows: list[list[str]] = []
        previous: tuple[QuoteLine, ...] = ()
        for n in range(1, booking.max_delegates + 1):
            priced = price(category, payment, n)
            if priced.lines[:-1] != previous:
                raise ValueError(
                    f"{booking.slug}: the price of delegates 1..{n - 1} changed when delegate {n} was added"
                )
            previous = priced.lines
            rows.append(
                [
                    format_pence(pence, booking.currency)
                    for pence in (priced.lines[-1].net_pence, priced.net_pence, priced.vat_pence, priced.total_pence)
                ]
            )
        by_payment[payment] = rows
    return by_payment
