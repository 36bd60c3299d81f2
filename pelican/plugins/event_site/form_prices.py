"""The booking form's price data: every figure its script shows, priced by pricing.quote() and formatted at build time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pelican.plugins.event_site.booking import BookingOffer
from pricing import Quote, format_pence, format_percent


def form_prices(booking: BookingOffer, standard_url: str = "") -> dict[str, Any]:
    """{"vat", "max", "categories": {id: {"label", "card": rates, "invoice": rates}}, "early"?} at the rate the
    page was built in. `rates` is {"each": [delegate 1's fee before VAT, each other delegate's], "rows": rows},
    rows[n-1] being [total before VAT, VAT, total to pay] for a booking of n delegates.

    While an early rate runs, "early" is {"ends", "until", "percent", "standard"}: the script uses these
    prices while the visitor's clock is before "ends" (an ISO time), then those in the file at "standard"
    (written from standard_prices()), so the page stays as light as one without an early rate.
    """
    price = booking.early.price if booking.early else booking.price
    data: dict[str, Any] = {
        "vat": format_percent(booking.vat_percent),
        "max": booking.max_delegates,
        "categories": _table(booking, price),
    }
    if booking.early is not None:
        early = booking.early
        data["early"] = {
            "ends": early.ends.isoformat(),
            "until": early.until_text,
            "percent": format_percent(early.percent),
        }
        data["early"]["standard"] = standard_url
    return data


def standard_prices(booking: BookingOffer) -> dict[str, Any]:
    """{"categories": ...} as in form_prices(), at the standard rate: for a page built while an early rate ran."""
    return {"categories": _table(booking, booking.price)}


def _table(booking: BookingOffer, price: Callable[[str, str, int], Quote]) -> dict[str, Any]:
    return {
        c.id: {"label": c.label, **{p: _rates(booking, price, c.id, p) for p in booking.payments}}
        for c in booking.categories
    }


def _rates(
    booking: BookingOffer, price: Callable[[str, str, int], Quote], category: str, payment: str
) -> dict[str, Any]:
    """A booking of n delegates shows delegate 1's fee and each other's, then rows[n-1]: that holds because
    delegate i's price never depends on how many follow and every additional delegate pays the same, which
    is checked here rather than assumed."""
    money = lambda pence: format_pence(pence, booking.currency)  # noqa: E731
    largest = price(category, payment, booking.max_delegates)
    each = [largest.lines[0].net_pence, *({line.net_pence for line in largest.lines[1:]})]
    if len(each) > 2:
        raise ValueError(f"{booking.slug}: additional delegates are priced differently from each other")
    rows = []
    for n in range(1, booking.max_delegates + 1):
        priced = price(category, payment, n)
        if priced.lines != largest.lines[:n]:
            raise ValueError(f"{booking.slug}: the price of delegates 1..{n - 1} changed when delegate {n} was added")
        rows.append([money(priced.net_pence), money(priced.vat_pence), money(priced.total_pence)])
    return {"each": [money(pence) for pence in each], "rows": rows}
