"""The booking form's price data: every figure its script shows, priced by pricing.quote() and formatted at build time."""

from __future__ import annotations

from typing import Any

from pelican.plugins.event_site.booking import BookingOffer
from pricing import format_pence, format_percent


def form_prices(booking: BookingOffer) -> dict[str, Any]:
    """{"vat", "max", "categories": {id: {"label", "card": rows, "invoice": rows}}}; rows[n-1] is
    [delegate n's fee before VAT, net total, VAT total, total to pay] for a booking of n delegates.

    A booking of n delegates shows the lines of rows[0..n-1]: that holds because delegate i's
    price never depends on how many follow, which is checked here rather than assumed.
    """
    categories: dict[str, Any] = {}
    for category in booking.categories:
        entry: dict[str, Any] = {"label": category.label}
        for payment in booking.payments:
            rows, previous = [], ()
            for n in range(1, booking.max_delegates + 1):
                priced = booking.price(category.id, payment, n)
                if priced.lines[:-1] != previous:
                    raise ValueError(
                        f"{booking.slug}: the price of delegates 1..{n - 1} changed when delegate {n} was added"
                    )
                previous = priced.lines
                rows.append(
                    [
                        format_pence(pence, booking.currency)
                        for pence in (
                            priced.lines[-1].net_pence,
                            priced.net_pence,
                            priced.vat_pence,
                            priced.total_pence,
                        )
                    ]
                )
            entry[payment] = rows
        categories[category.id] = entry
    return {"vat": format_percent(booking.vat_percent), "max": booking.max_delegates, "categories": categories}
